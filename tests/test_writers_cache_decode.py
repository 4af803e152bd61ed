"""A cache file whose checksum is right but whose payload has the wrong shape is rebuilt.

Decoding is complete inside the guarded read: a payload that does not decode is
ignored like a corrupt file, never a traceback later in a command.
"""

from __future__ import annotations

import json
import marshal
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES_AS_OF, REPO, run_cli

from acct_tool.books import cache


def examples_root(tmp_path: Path) -> Path:
    target = tmp_path / "examples"
    shutil.copytree(REPO / "examples", target)
    return target.resolve()


def rewrite_payload(path: Path, payload: bytes) -> None:
    """Keep the header (versions, inputs) and give the file a new payload with a correct checksum."""
    header = json.loads(path.read_bytes().partition(b"\n")[0])
    cache._write(path, {k: v for k, v in header.items() if k in ("inputs", "ledger", "root")}, payload)


def broken_facts(raw: dict[str, Any], how: str) -> dict[str, Any]:
    raw = dict(raw)
    # each derived fact is marshalled on its own inside the facts
    derived = {kind: [(key, marshal.loads(value)) for key, value in entries] for kind, entries in raw["derived"].items()}
    if how == "short-party-posting":
        derived["party_postings"] = [(key, [row[:3] for row in rows]) for key, rows in derived["party_postings"]]
    elif how == "attribution-not-a-pair":
        derived["attribution"] = [(key, (value[0],)) for key, value in derived["attribution"]]
    elif how == "account-posting-bad-date":
        derived["account_postings"] = [(key, [("x",) + tuple(row[1:]) for row in rows]) for key, rows in derived["account_postings"]]
    elif how == "open-items-short-document":
        derived["open_items_ar"] = [(key, (value[0], value[1], [row[:4] for row in value[2]], *value[3:])) for key, value in derived["open_items_ar"]]
    elif how == "diagnostics-short":
        raw["diagnostics"] = [("error",)]
    raw["derived"] = {kind: [(key, marshal.dumps(value)) for key, value in entries] for kind, entries in derived.items()}
    if how == "derived-not-a-list":
        raw["derived"] = {"party_postings": 7}
    elif how == "derived-not-marshalled":
        raw["derived"] = {kind: [(key, "not bytes") for key, _ in entries] for kind, entries in raw["derived"].items()}
    return raw


@pytest.mark.parametrize(
    "how",
    [
        "short-party-posting",
        "attribution-not-a-pair",
        "account-posting-bad-date",
        "open-items-short-document",
        "diagnostics-short",
        "derived-not-a-list",
        "derived-not-marshalled",
    ],
)
def test_ledger_facts_of_the_wrong_shape_are_rebuilt(tmp_path: Path, cache_dir: Path, how: str) -> None:
    root = examples_root(tmp_path)
    statement = root / "ledger" / "statements" / "northbank-2026-10.csv"
    commands = [
        ("check", "--format", "json"),
        ("aging", "ar", "--format", "json"),
        ("clients", "list", "--format", "json"),
        ("reconcile", "bank", str(statement), "--output", "json"),
    ]
    expected = [run_cli("--no-cache", *c, books=root, as_of=EXAMPLES_AS_OF) for c in commands]
    for command in commands:  # fill the cache with every derived fact
        run_cli(*command, books=root, as_of=EXAMPLES_AS_OF)
    path = cache.ledger_cache_file(root / "ledger" / "main.beancount", root)
    raw = marshal.loads(path.read_bytes().partition(b"\n")[2])
    assert {"party_postings", "attribution", "account_postings", "open_items_ar"} <= set(raw["derived"])
    rewrite_payload(path, marshal.dumps(broken_facts(raw, how)))
    for command, before in zip(commands, expected):
        after = run_cli(*command, books=root, as_of=EXAMPLES_AS_OF)
        assert (after.exit_code, after.output) == (before.exit_code, before.output), command


@pytest.mark.parametrize(
    "payload",
    [
        {"clients/acme.yaml": "not a pair"},
        {"profiles": {"clients/acme.yaml": ("digest",)}},
        {"profiles": {"clients/acme.yaml": ("digest", "not a pair")}},
        {"settings": []},
        ["a list"],
    ],
    ids=["flat", "short-entry", "short-value", "kind-not-a-mapping", "a-list"],
)
def test_parsed_files_of_the_wrong_shape_are_rebuilt(tmp_path: Path, cache_dir: Path, payload: Any) -> None:
    root = examples_root(tmp_path)
    expected = run_cli("--no-cache", "check", "--format", "json", books=root, as_of=EXAMPLES_AS_OF)
    run_cli("check", books=root, as_of=EXAMPLES_AS_OF)
    path = cache.files_cache_file(root)
    rewrite_payload(path, pickle.dumps(payload))
    assert cache.load_parsed(root) == {}
    after = run_cli("check", "--format", "json", books=root, as_of=EXAMPLES_AS_OF)
    assert (after.exit_code, after.output) == (expected.exit_code, expected.output)
