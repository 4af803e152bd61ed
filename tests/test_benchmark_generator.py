"""The benchmark books generator: deterministic, and its books are clean.

Small books only (300 transactions, one year); the benchmark itself is
``python -m benchmarks.run`` and is not part of the test suite.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import REPO, run_cli

from acct_tool.books.ledger import load_ledger

if str(REPO) not in sys.path:  # benchmarks/ is a folder of the repository, not of the package
    sys.path.insert(0, str(REPO))

from benchmarks.generate import Summary, generate

SEED = 7
SIZE = 300


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Summary]:
    root = tmp_path_factory.mktemp("bench") / "books"
    return root, generate(root, SIZE, seed=SEED, years=1)


def test_same_seed_gives_byte_identical_books(generated: tuple[Path, Summary], tmp_path: Path) -> None:
    root, _ = generated
    again = tmp_path / "again"
    generate(again, SIZE, seed=SEED, years=1)
    first, second = _files(root), _files(again)
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_other_seed_gives_other_books(generated: tuple[Path, Summary], tmp_path: Path) -> None:
    root, _ = generated
    other = tmp_path / "other"
    generate(other, SIZE, seed=SEED + 1, years=1)
    assert (root / "ledger" / "2026.beancount").read_bytes() != (other / "ledger" / "2026.beancount").read_bytes()


def test_layout_and_counts(generated: tuple[Path, Summary]) -> None:
    root, summary = generated
    assert summary.transactions == SIZE
    assert (root / "acct-tool.yaml").is_file()
    main = (root / "ledger" / "main.beancount").read_text(encoding="utf-8")
    assert 'include "2026.beancount"' in main
    assert sorted(p.name for p in (root / "ledger" / "statements").iterdir()) == ["northbank-2026-12.csv", "rheinbank-2026-12.csv"]
    assert len(list((root / "clients").glob("*.yaml"))) == summary.clients + summary.vendors
    # Every kind of document and credit the benchmark is meant to exercise.
    wanted = {"invoice", "payment", "part payment", "joint payment", "unlinked payment", "overpayment", "credit note", "bill", "bill payment", "transfer"}
    assert wanted <= set(summary.kinds)
    text = (root / "ledger" / "2026.beancount").read_text(encoding="utf-8")
    for needle in ("balance Assets:Bank:Operating", "    invoice: ", '  credit_note: "', '  bill: "', "  due: "):
        assert needle in text


def test_ledger_loads_without_errors(generated: tuple[Path, Summary]) -> None:
    root, _ = generated
    ledger = load_ledger(root / "ledger" / "main.beancount", root)
    assert ledger.entries
    assert [d.message for d in ledger.diagnostics] == []


@pytest.mark.parametrize("command", [("check",), ("reconcile", "ar"), ("reconcile", "ap")])
def test_cli_is_clean(generated: tuple[Path, Summary], command: tuple[str, ...]) -> None:
    root, summary = generated
    result = run_cli(*command, books=root, as_of=summary.as_of)
    assert result.exit_code == 0, result.output + result.stderr
    if command == ("check",):
        assert " error " not in result.output


def test_bank_statement_reconciles(generated: tuple[Path, Summary]) -> None:
    root, summary = generated
    if run_cli("reconcile", "bank", "--help").exit_code != 0:
        pytest.skip("no `reconcile bank` command")
    for statement in sorted((root / "ledger" / "statements").iterdir()):
        result = run_cli("reconcile", "bank", str(statement), books=root, as_of=summary.as_of)
        assert result.exit_code == 0, result.output + result.stderr
