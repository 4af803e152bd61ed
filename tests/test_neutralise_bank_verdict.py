"""``reconcile bank`` never says "Reconciled" when it exits 1.

A statement that could not be read in full (a column the format names is missing, a row
whose date does not parse) has errors among its diagnostics: the lines that were read may
all match, but the statement is not reconciled, and the verdict says so.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from conftest import run_cli

from acct_tool.diagnostics import Diagnostic, Severity
from acct_tool.engines.bank import reconcile_bank
from acct_tool.engines.statements import StatementLine
from acct_tool.render import bank as view

Books = Callable[..., Path]

SETTINGS = """\
statements:
  formats:
    plain: {date: Date, amount: Amount, description: Description, encoding: cp1252}
  files:
    - {match: "statements/*.csv", format: plain, account: "Assets:Bank:Operating"}
"""

LEDGER = """\
2026-10-02 * "Shop" "Card"
  Assets:Bank:Operating  -4.00 USD
  Income:Services
"""


def reconcile(books: Books, content: bytes, *args: str) -> tuple[int, str, str]:
    root = books(ledger=LEDGER, settings=SETTINGS)
    (root / "statements").mkdir()
    path = root / "statements" / "oct.csv"
    path.write_bytes(content)
    result = run_cli("reconcile", "bank", str(path), *args, books=root, as_of="2026-11-30")
    return result.exit_code, result.output, result.stderr


def test_a_missing_column_gives_no_success_sentence(books: Books) -> None:
    code, output, stderr = reconcile(books, b"Date,Description,Betrag\n2026-10-02,Card,-4.00\n")
    assert code == 1
    assert "statement-missing-column" in stderr
    assert "Reconciled" not in output and "every line matched" not in output
    assert output.rstrip().splitlines()[-1].startswith("Not reconciled: the statement has 1 error")


def test_a_missing_column_is_not_reconciled_in_json_either(books: Books) -> None:
    code, output, _ = reconcile(books, b"Date,Description,Betrag\n2026-10-02,Card,-4.00\n", "--output", "json")
    data = json.loads(output)
    assert code == 1
    assert data["reconciled"] is False
    assert [d["code"] for d in data["diagnostics"]] == ["statement-missing-column"]


def test_a_row_that_cannot_be_read_spoils_the_verdict_even_when_the_rest_matches(books: Books) -> None:
    code, output, stderr = reconcile(books, b"Date,Description,Amount\n2026-10-02,Card,-4.00\n2026-10-0x,Fee,-1.00\n")
    assert code == 1
    assert "statement-bad-date" in stderr
    assert "Matched: 1" in output
    assert "Reconciled" not in output
    assert "Not reconciled: the statement has 1 error" in output


def test_warnings_alone_leave_a_clean_reconciliation_clean(books: Books) -> None:
    code, output, stderr = reconcile(books, b"\xef\xbb\xbfDate,Description,Amount\n2026-10-02,Card,-4.00\n")
    assert code == 0
    assert "warning statement-encoding" in stderr
    assert output.rstrip().endswith("Reconciled: every line matched (the statement has no balances).")


def test_the_verdict_reads_the_diagnostics_and_the_counts_together() -> None:
    lines = [StatementLine(2, datetime.date(2026, 10, 2), Decimal("-4.00"))]
    result = reconcile_bank([], "Assets:Bank:Operating", "USD", lines, 3, datetime.date(2026, 11, 30))
    errors = [Diagnostic(Severity.ERROR, "statement-bad-date", "x", "oct.csv", 3), Diagnostic(Severity.ERROR, "statement-bad-date", "y", "oct.csv", 4)]
    warning = [Diagnostic(Severity.WARNING, "statement-encoding", "bom", "oct.csv", 1)]
    assert view.verdict(result, errors) == "Not reconciled: the statement has 2 errors, so some of it was not read; 1 statement line missing from the ledger."
    assert view.verdict(result, warning) == "Not reconciled: 1 statement line missing from the ledger."
    empty = reconcile_bank([], "Assets:Bank:Operating", "USD", [], 3, datetime.date(2026, 11, 30))
    assert view.verdict(empty, errors[:1]) == "Not reconciled: the statement has 1 error, so some of it was not read."
    assert view.verdict(empty, warning).startswith("Reconciled")
