"""CSV exports never hand a spreadsheet a formula: text cells that start like one are quoted.

A cell from user or bank data (a profile name, a narration, a document number, a bank
description) that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets
a leading ``'`` (OWASP's advice for CSV injection). Numbers, dates and other non-text cells
are written as they are: a negative amount stays ``-12.50``.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import run_cli

from acct_tool.money import Money
from acct_tool.render.clients import money_csv
from acct_tool.render.table import to_csv

Books = Callable[..., Path]

FORMULA = '=HYPERLINK("http://x","click")'
AS_OF = "2026-11-30"


def rows_of(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output, newline="")))


# --- the shared writer ------------------------------------------------------------------------


@pytest.mark.parametrize("text", [FORMULA, "+1+2", "-2+3", "@SUM(A1:A9)", "\t=1", "-cmd|' /C calc'!A0"])
def test_text_that_starts_like_a_formula_gets_a_quote(text: str) -> None:
    [row] = list(csv.reader(io.StringIO(to_csv(["cell"], [[text]]), newline="")))[1:]
    assert row == ["'" + text]


def test_a_carriage_return_inside_a_cell_cannot_start_a_row() -> None:
    """A bare CR ends a row for a spreadsheet: it is written as ``\\r``, so ``=1+2`` stays inside the cell."""
    output = to_csv(["description", "amount"], [["paid\r=1+2", Decimal("-12.50")], ["next", Decimal(1)]])
    rows = list(csv.reader(io.StringIO(output, newline="")))
    assert rows == [["description", "amount"], ["paid\\r=1+2", "-12.50"], ["next", "1"]]


def test_numbers_dates_and_plain_text_are_written_as_they_are() -> None:
    values = [Decimal("-12.50"), -3, 0, datetime.date(2026, 10, 1), None, True, "ACME Manufacturing", "a = b", "", "'quoted"]
    [row] = list(csv.reader(io.StringIO(to_csv([str(i) for i in range(len(values))], [values]))))[1:]
    assert row == ["-12.50", "-3", "0", "2026-10-01", "", "True", "ACME Manufacturing", "a = b", "", "'quoted"]


def test_headers_are_not_touched() -> None:
    assert to_csv(["-x"], []).splitlines() == ["-x"]


def test_amounts_joined_as_text_are_still_numbers() -> None:
    """``clients list`` puts every currency's amount in one cell: a credit balance stays negative."""
    cell = money_csv([Money(Decimal("-300.00"), "USD"), Money(Decimal("12.50"), "EUR")])
    [row] = list(csv.reader(io.StringIO(to_csv(["open"], [[cell]]))))[1:]
    assert row == ["-300.00 USD; 12.50 EUR"]


# --- every CSV command --------------------------------------------------------------------------

PROFILE = f"""\
id: acme
name: '{FORMULA}'
kind: client
status: active
tier: key
manager: lan
accounts: {{receivable: Assets:Receivable:Acme}}
contacts:
  - {{name: Mai Tran, role: CFO, email: mai@acme.example, decision_maker: true}}
interactions:
  - date: 2026-11-01
    channel: call
    with: Mai Tran
    summary: Pricing call
    next_step: {{action: '@SUM(A1:A9)', due: 2026-11-20}}
"""

LEDGER = """\
2025-01-01 open Assets:Receivable:Acme USD

2026-09-01 * "ACME" "+1+2 website work"
  invoice: "=1+2"
  due: 2026-10-01
  Assets:Receivable:Acme     1000.00 USD
  Income:Services

2026-09-15 * "ACME" "-2+3 part payment"
  Assets:Bank:Operating       200.00 USD
  Assets:Receivable:Acme
"""


@pytest.fixture
def hostile(books: Books) -> Path:
    return books(ledger=LEDGER, profiles={"acme": PROFILE})


def test_clients_list_csv_quotes_a_formula_in_a_profile_name(hostile: Path) -> None:
    result = run_cli("clients", "list", "--format", "csv", books=hostile, as_of=AS_OF)
    [row] = rows_of(result.output)
    assert row["name"] == "'" + FORMULA
    assert row["next_step"] == "'@SUM(A1:A9)"
    assert row["open"] == "800.00 USD"


def test_followups_csv_quotes_user_text(hostile: Path) -> None:
    result = run_cli("followups", "--within", "30", "--format", "csv", books=hostile, as_of=AS_OF)
    rows = rows_of(result.output)
    assert rows, result.output
    assert all(not r["message"].startswith(("=", "+", "-", "@")) for r in rows)
    step = next(r for r in rows if r["kind"] == "next-step")
    assert step["message"].startswith("'@SUM(A1:A9)")
    assert step["days_overdue"] == "10"


def test_open_csv_quotes_a_document_number(hostile: Path) -> None:
    result = run_cli("open", "ar", "--format", "csv", books=hostile, as_of=AS_OF)
    [row] = rows_of(result.output)
    assert row["number"] == "'=1+2"
    assert (row["open"], row["days_past_due"]) == ("800.00", "60")


def test_aging_by_document_csv_quotes_a_document_number(hostile: Path) -> None:
    result = run_cli("aging", "ar", "--by", "document", "--format", "csv", books=hostile, as_of=AS_OF)
    [row] = rows_of(result.output)
    assert row["document"] == "'=1+2"
    assert row["date"] == "2026-09-01"


def test_statement_csv_quotes_descriptions_and_keeps_negative_numbers(hostile: Path) -> None:
    result = run_cli("statement", "acme", "--from", "2026-09-01", "--format", "csv", books=hostile, as_of=AS_OF)
    rows = rows_of(result.output)
    invoice = next(r for r in rows if r["kind"] == "invoice")
    payment = next(r for r in rows if r["kind"] == "payment")
    assert (invoice["reference"], invoice["description"]) == ("'=1+2", "'+1+2 website work")
    assert payment["description"] == "'-2+3 part payment"
    assert payment["credit"] == "200.00" and rows[-1]["balance"] == "800.00"


BANK_SETTINGS = """\
statements:
  formats:
    plain: {date: Date, amount: Amount, description: Description, reference: Reference}
  files:
    - {match: "statements/*.csv", format: plain, account: "Assets:Bank:Operating"}
"""


def test_reconcile_bank_csv_quotes_a_bank_description_and_keeps_amounts(books: Books) -> None:
    root = books(
        ledger='2026-10-02 * "Shop" "Card"\n  Assets:Bank:Operating  -4.00 USD\n  Income:Services\n',
        settings=BANK_SETTINGS,
    )
    (root / "statements").mkdir()
    statement = root / "statements" / "oct.csv"
    statement.write_text(f'Date,Description,Reference,Amount\n2026-10-01,"{FORMULA.replace(chr(34), chr(34) * 2)}",-1+1,-12.50\n2026-10-02,Card,,-4.00\n')
    result = run_cli("reconcile", "bank", str(statement), "--output", "csv", books=root, as_of=AS_OF)
    rows = rows_of(result.output)
    missing = next(r for r in rows if r["kind"] == "missing-in-ledger")
    assert missing["description"] == "'" + FORMULA
    assert missing["reference"] == "'-1+1"
    assert missing["statement_amount"] == "-12.50"
    assert missing["statement_date"] == "2026-10-01"
    matched = next(r for r in rows if r["kind"] == "matched")
    assert (matched["statement_amount"], matched["ledger_amount"], matched["days"]) == ("-4.00", "-4.00", "0")


def test_every_csv_is_written_by_the_one_writer() -> None:
    """The quoting lives in ``render.table.to_csv``; a second ``csv.writer`` would skip it."""
    package = Path(__file__).resolve().parent.parent / "acct_tool"
    writers = sorted(
        str(path.relative_to(package)) for path in package.rglob("*.py") if "csv.writer(" in path.read_text("utf-8") or "DictWriter(" in path.read_text("utf-8")
    )
    assert writers == ["render/table.py"]
