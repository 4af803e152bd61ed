"""Our loader skips YAML's resolver for scalars that can only be text; it must still
type every plain scalar exactly as PyYAML's SafeLoader does."""

from __future__ import annotations

import datetime

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from acct_tool.books.yamlsource import parse_yaml

SAMPLES = [
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "n",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "",
    "0",
    "-1",
    "+3",
    "0x1F",
    "0o17",
    "017",
    "1_000",
    "1e3",
    "1.5e-3",
    ".inf",
    "-.Inf",
    ".nan",
    "2026-01-31",
    "2026-1-5",
    "2026-01-31 10:00:00",
    "12:30",
    "1:20:30",
    "=",
    "<<",
    "Ann",
    "tom",
    "ok",
    "3 USD",
    "USD 3",
    "@x",
    "a: b",
    "x#y",
]


def ours(value: str) -> object:
    doc, problems = parse_yaml(f"k: {value}\n", "t.yaml")
    assert doc is not None, problems
    return doc.data["k"]


def theirs(value: str) -> object:
    loaded = yaml.safe_load(f"k: {value}\n")["k"]
    if isinstance(loaded, (datetime.date, datetime.datetime)):
        return value  # dates stay text in our loader; the schema checks them
    return loaded


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True  # nan
    return type(a) is type(b) and a == b


def test_known_tricky_scalars() -> None:
    for value in SAMPLES:
        try:
            expected = theirs(value)
        except yaml.YAMLError:
            continue
        assert same(ours(value), expected), value


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("yesnoYESNOtruefalsnul~0123456789.-+_:xXeE oOiInNfF<=@ ")), min_size=1, max_size=12))
def test_random_plain_scalars(value: str) -> None:
    try:
        expected = theirs(value)
    except (yaml.YAMLError, ValueError, TypeError, KeyError):
        return
    if isinstance(expected, (dict, list)):
        return
    assert same(ours(value), expected), value
