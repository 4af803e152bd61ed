"""Dates have one range everywhere they enter: 1900-01-01 to 2999-12-31.

The command line refuses other dates already; profiles (schema), ledger ``due:``
metadata and statement lines now refuse them too, each with a diagnostic where the
date is written, and date arithmetic clamps instead of overflowing, so no command
fails on books holding such dates.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pytest
from codes_seen import check, expect, record
from conftest import run_cli

from acct_tool.books.schema import load_schema
from acct_tool.books.settings import StatementFormat
from acct_tool.books.yamlsource import parse_date
from acct_tool.engines.statements import parse_statement
from acct_tool.periods import FIRST_DATE, LAST_DATE, in_range, shift

LEDGER = """\
2025-01-01 open Assets:Receivable:Acme USD
2026-10-01 * "ACME" "Work" ^INV-1
  due: 9999-12-31
  Assets:Receivable:Acme  1000.00 USD
  Income:Services
2026-10-02 * "ACME" "More work" ^INV-2
  due: 0001-01-01
  Assets:Receivable:Acme  500.00 USD
  Income:Services
"""
PROFILE = """\
id: acme
name: ACME
kind: client
tier: key
manager: lan
accounts: {receivable: Assets:Receivable:Acme}
terms: {payment_days: 30}
contract: {start: 2025-01-01, renewal: 0001-01-01}
interactions:
  - {date: 9999-12-31, channel: call, summary: Far future, next_step: {action: Call back, due: 0001-01-01}}
risks:
  - {opened: 0001-01-01, summary: Old risk}
opportunities:
  - {name: Renewal, type: renewal, close: 9999-12-31}
satisfaction:
  - {date: 0001-01-01, nps: 3}
"""


def test_the_command_line_and_the_loaders_share_one_range() -> None:
    assert (datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)) == (FIRST_DATE, LAST_DATE)
    for outside in ("1899-12-31", "3000-01-01"):  # the command line refuses what the loaders refuse
        refused = run_cli("--as-of", outside, "check")
        assert refused.exit_code == 2 and f"{FIRST_DATE} to {LAST_DATE}" in refused.stderr, refused.stderr
    assert [in_range(d) for d in (datetime.date(1899, 12, 31), FIRST_DATE, LAST_DATE, datetime.date(3000, 1, 1))] == [False, True, True, False]
    assert [parse_date(t) for t in ("0001-01-01", "1900-01-01", "2999-12-31", "9999-12-31")] == [None, FIRST_DATE, LAST_DATE, None]


def test_the_schema_date_pattern_is_the_range() -> None:
    import re

    pattern = re.compile(load_schema("party")["$defs"]["date"]["pattern"])
    for text, ok in (
        ("1899-12-31", False),
        ("1900-01-01", True),
        ("2026-06-15", True),
        ("2999-12-31", True),
        ("3000-01-01", False),
        ("0001-01-01", False),
        ("9999-12-31", False),
    ):
        assert (pattern.search(text) is not None) is ok, text


def test_shift_clamps_instead_of_overflowing() -> None:
    assert shift(datetime.date(2026, 1, 1), 30) == datetime.date(2026, 1, 31)
    assert shift(datetime.date.max, 1) == datetime.date.max
    assert shift(datetime.date.min, -1) == datetime.date.min
    assert shift(datetime.date(2026, 1, 1), 10**12) == datetime.date.max


def test_check_names_every_date_outside_the_range(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, profiles={"acme": PROFILE})
    exit_code, found = check(root)
    assert exit_code == 1
    for line, column in ((8, 40), (10, 12), (10, 96), (12, 14), (14, 43), (16, 12)):
        expect(found, "invalid-date", "clients/acme.yaml", line, column, message="1900-01-01")
    for line in (9, 13):  # the posting, where every document is located
        expect(found, "invalid-date", "ledger/main.beancount", line, None, message="using the payment terms")


@pytest.mark.parametrize(
    "command",
    [
        ["followups", "--within", "3650"],
        ["clients", "show", "acme"],
        ["clients", "list"],
        ["review", "acme"],
        ["portfolio"],
        ["open", "ar"],
        ["aging", "ar"],
        ["dso"],
        ["statement", "acme"],
    ],
)
def test_commands_stay_up_on_dates_outside_the_range(books: Callable[..., Path], command: list[str]) -> None:
    root = books(ledger=LEDGER, profiles={"acme": PROFILE})
    result = run_cli(*command, books=root, as_of="2026-11-30")  # an escaping exception fails here
    assert result.exit_code in (0, 1), result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_a_due_date_outside_the_range_falls_back_to_the_payment_terms(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, profiles={"acme": PROFILE.replace("renewal: 0001-01-01", "renewal: 2027-06-30")})
    result = run_cli("open", "ar", "--format", "json", books=root, as_of="2026-11-30")
    text = result.output
    assert "9999-12-31" not in text and "0001-01-01" not in text
    assert "2026-10-31" in text and "2026-11-01" in text, text  # the documents' dates plus 30 days


PLAIN = StatementFormat(name="plain", date="Date", amount="Amount")


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"])
def test_statement_lines_outside_the_range_are_row_diagnostics(day: str) -> None:
    lines, problems = parse_statement(f"Date,Amount\n2026-10-01,1.00\n{day},2.00\n".encode(), "s.csv", PLAIN)
    assert [line.row for line in lines] == [2]
    assert [(d.code, d.file, d.line, d.column) for d in problems] == [("statement-bad-date", "s.csv", 3, 1)]
    assert "1900-01-01 to 2999-12-31" in problems[0].message
    record("statement-bad-date")


def test_reconcile_bank_on_statements_at_both_ends_of_the_calendar(books: Callable[..., Path]) -> None:
    settings = """\
        statements:
          formats: {plain: {date: Date, amount: Amount}}
          files: [{match: "statements/*.csv", format: plain, account: Assets:Bank:Operating}]
    """
    root = books(ledger=LEDGER, profiles={"acme": PROFILE}, settings=settings)
    (root / "statements").mkdir()
    (root / "statements" / "odd.csv").write_text("Date,Amount\n0001-01-01,5.00\n9999-12-31,6.00\n")
    result = run_cli("reconcile", "bank", str(root / "statements" / "odd.csv"), books=root, as_of="2026-11-30")
    assert result.exit_code == 1
    assert result.stderr.count("statement-bad-date") == 2, result.stderr
