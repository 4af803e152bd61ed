"""The compiled yes/no validator must agree with jsonschema on every document:
valid profiles skip the slow validator, so a disagreement would hide a problem."""

from __future__ import annotations

import copy
from typing import Any

import yaml
from conftest import EXAMPLES
from hypothesis import given, settings
from hypothesis import strategies as st

from acct_tool.books.schema import _fast, _validator

PROFILES = [yaml.safe_load(p.read_text()) for p in sorted((EXAMPLES / "clients").glob("*.yaml"))]
SETTINGS = yaml.safe_load((EXAMPLES / "acct-tool.yaml").read_text())


def plain(value: Any) -> Any:
    """YAML dates and year keys as the loader hands them to the schema: strings."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def agree(name: str, data: Any) -> None:
    full = not any(True for _ in _validator(name).iter_errors(data))
    try:
        _fast(name)(data)
        fast = True
    except Exception:
        fast = False
    assert fast == full, (name, data)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += paths(v, prefix + (i,))
    return out


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 200)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "x", "2026-02-30", "2026-01-31", "50000 USD", "5e3 USD", "Assets:Receivable:X", "acme", "ACME", "key", "gold", "a@b.c"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(["id", "name", "date", "nps", "value", "x", "due"]), children, max_size=3)
    ),
    max_leaves=6,
)


def test_examples_are_valid_for_both() -> None:
    for data in PROFILES:
        agree("party", plain(data))
    agree("settings", plain(SETTINGS))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(range(len(PROFILES))), st.data(), json_values)
def test_mutated_profiles_get_the_same_verdict(index: int, data: st.DataObject, replacement: Any) -> None:
    doc = plain(copy.deepcopy(PROFILES[index]))
    path = data.draw(st.sampled_from(paths(doc)[1:]))
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = replacement
    agree("party", doc)


@settings(max_examples=200, deadline=None)
@given(st.data(), json_values)
def test_mutated_settings_get_the_same_verdict(data: st.DataObject, replacement: Any) -> None:
    doc = plain(copy.deepcopy(SETTINGS))
    path = data.draw(st.sampled_from(paths(doc)[1:]))
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = replacement
    agree("settings", doc)


def test_shipped_validators_match_the_schemas() -> None:
    """Regenerate with `python -m acct_tool.books.schema` after changing a schema."""
    import importlib

    from acct_tool.books.schema import GENERATED, schema_digest

    for name, module in GENERATED.items():
        assert schema_digest(name) == importlib.import_module(module).SCHEMA_SHA256, f"{module} is stale: run python -m acct_tool.books.schema"
