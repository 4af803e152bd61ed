"""Bank statements that state their opening (or closing) balance on a row of their own.

Many banks start a CSV export with a row such as ``2026-03-01,Opening balance,,,1000.00``:
a date and a balance but no amount. That row is the statement's opening balance, checked
against the ledger, and never a line to match.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from test_bank import LEDGER, reconcile, statement

from acct_tool.books.ledger import AccountPosting
from acct_tool.engines.bank import reconcile_bank
from acct_tool.engines.statements import StatementLine

BANK = "Assets:Bank:Operating"

SETTINGS = """\
statements:
  formats:
    plain:
      date: Date
      amount: Amount
      description: Description
      reference: Reference
      balance: Balance
      thousands_separator: ","
    split:
      date: Date
      debit: Debit
      credit: Credit
      description: Description
      balance: Balance
  files:
    - {match: "statements/split-*.csv", format: split, account: "Assets:Bank:Operating"}
    - {match: "statements/*.csv", format: plain, account: "Assets:Bank:Operating"}
"""


def test_an_opening_balance_row_is_checked_and_not_matched(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, settings=SETTINGS)
    path = statement(
        root,
        """\
        2026-03-02,Opening balance,,,"1,000.00"
        2026-03-02,ACME PAYMENT,INV-1,500.00,"1,500.00"
        2026-03-06,CLOUDNEST,,-120.00,"1,380.00"
        2026-03-11,ZETA,INV-7,"2,000.00","3,380.00"
    """,
    )
    result = reconcile(root, path)
    assert result.exit_code == 0, result.output + result.stderr
    assert result.stderr == ""
    out = result.output
    assert "3 lines from 2026-03-02 to 2026-03-11" in out and "Matched: 3" in out and "Missing from the ledger: 0" in out
    opening = out.split("Opening balance on 2026-03-02 (statement row 2)\n")[1].split("\n\n")[0]
    assert "Statement   1,000.00 USD" in opening and "Ledger      1,000.00 USD" in opening and "agrees" in opening
    assert "Reconciled: every line matched, opening and closing balances agree." in out
    doc = reconcile(root, path, "--format", "json").json()
    assert doc["reconciled"] is True and doc["summary"]["lines"] == 3
    assert doc["opening_balance"] == {
        "date": "2026-03-02",
        "row": 2,
        "statement": {"number": "1000.00", "currency": "USD"},
        "ledger": {"number": "1000.00", "currency": "USD"},
        "difference": {"number": "0.00", "currency": "USD"},
        "agrees": True,
    }
    assert doc["closing_balance"]["row"] == 5 and doc["closing_balance"]["agrees"] is True
    rows = reconcile(root, path, "--format", "csv").output.splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["matched", "matched", "matched", "opening-balance", "closing-balance"]
    assert rows[-2] == "opening-balance,2,2026-03-02,1000.00,2026-03-02,1000.00,,USD,,,,,"


def test_an_opening_balance_that_disagrees_means_not_reconciled(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, settings=SETTINGS)
    path = statement(root, "2026-03-01,Opening balance,,,900.00\n2026-03-02,ACME PAYMENT,INV-1,500.00,\n")
    result = reconcile(root, path)
    assert result.exit_code == 1
    assert "Difference    100.00 USD  DIFFERS" in result.output
    assert " ".join(result.output.split("\n\n")[-1].split()) == "Not reconciled: opening balance differs by 100.00 USD."
    doc = reconcile(root, path, "--format", "json").json()
    assert doc["reconciled"] is False and doc["closing_balance"] is None
    assert doc["opening_balance"]["difference"] == {"number": "100.00", "currency": "USD"}


def test_debit_and_credit_statements_with_an_opening_row_reconcile(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, settings=SETTINGS)
    path = statement(
        root,
        "2026-02-28,Opening balance,,,1000.00\n2026-03-02,ACME,,500.00,1500.00\n2026-03-05,HOSTING,120.00,,1380.00\n",
        name="split-march.csv",
        header="Date,Description,Debit,Credit,Balance\n",
    )
    result = reconcile(root, path)
    assert result.exit_code == 0, result.output + result.stderr
    assert "Opening balance on 2026-02-28 (statement row 2)" in result.output and "2 lines from 2026-03-02 to 2026-03-05" in result.output


def test_a_closing_balance_row_at_the_end_is_the_closing_balance(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, settings=SETTINGS)
    path = statement(root, "2026-03-02,ACME PAYMENT,INV-1,500.00,\n2026-03-05,CLOUDNEST,,-120.00,\n2026-03-05,Closing balance,,,1380.00\n")
    doc = reconcile(root, path, "--format", "json").json()
    assert doc["reconciled"] is True and doc["opening_balance"] is None and doc["summary"]["lines"] == 2
    assert (doc["closing_balance"]["row"], doc["closing_balance"]["statement"]["number"]) == (4, "1380.00")


def test_a_statement_without_balance_rows_has_no_opening_balance(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, settings=SETTINGS)
    path = statement(root, '2026-03-02,ACME PAYMENT,INV-1,500.00,"1,500.00"\n')
    result = reconcile(root, path)
    assert result.exit_code == 0 and "Opening balance" not in result.output
    assert "Reconciled: every line matched, closing balance agrees." in result.output
    assert reconcile(root, path, "--format", "json").json()["opening_balance"] is None


def posting(day: int, amount: str) -> AccountPosting:
    return AccountPosting(datetime.date(2026, 3, day), Decimal(amount), "USD", "*", "", "", frozenset(), (), None, None, (day, 0))


def balance_row(row: int, day: int, balance: str) -> StatementLine:
    return StatementLine(row, datetime.date(2026, 3, day), Decimal(0), "Opening balance", "", Decimal(balance), balance_only=True)


def test_the_opening_balance_is_the_balance_before_the_lines_of_its_day() -> None:
    postings = [posting(1, "1000.00"), posting(2, "500.00")]
    line = StatementLine(3, datetime.date(2026, 3, 2), Decimal("500.00"), "ACME", "", None)
    # dated the day of the first line: the balance at the start of that day
    same_day = reconcile_bank(postings, BANK, "USD", [balance_row(2, 2, "1000.00"), line], 3)
    assert same_day.opening is not None and same_day.opening.ledger == Decimal("1000.00") and same_day.reconciled
    # dated before the first line: the balance at the end of its own day
    day_before = reconcile_bank(postings, BANK, "USD", [balance_row(2, 1, "1000.00"), line], 3)
    assert day_before.opening is not None and day_before.opening.ledger == Decimal("1000.00") and day_before.reconciled
    # newest first: the opening row comes last in the file
    newest_first = [StatementLine(2, datetime.date(2026, 3, 5), Decimal("-120.00"), "", "", None), StatementLine(3, line.date, line.amount, "", "", None)]
    result = reconcile_bank([*postings, posting(5, "-120.00")], BANK, "USD", [*newest_first, balance_row(4, 2, "1000.00")], 3)
    assert result.opening is not None and result.opening.row == 4 and result.reconciled
    assert result.lines == 2 and result.balance is None


def test_a_statement_of_balance_rows_only_checks_the_opening_balance() -> None:
    result = reconcile_bank([posting(1, "1000.00")], BANK, "USD", [balance_row(2, 1, "1000.00"), balance_row(3, 31, "1000.00")], 3)
    assert (result.lines, result.start, result.balance) == (0, None, None)
    assert result.opening is not None and (result.opening.row, result.opening.agrees) == (3, True) and result.reconciled
