"""Amounts have one bound everywhere they enter: 15 digits before the decimal point, 8 after.

Profiles refuse larger amounts in the schema (``invalid-amount``), statements refuse them
row by row (``statement-bad-number``), and every command stays up on books holding them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from codes_seen import check, expect, record
from conftest import run_cli

from acct_tool.books.schema import load_schema
from acct_tool.books.settings import StatementFormat
from acct_tool.engines.statements import parse_statement
from acct_tool.money import MAX_FRACTION_DIGITS, MAX_WHOLE_DIGITS, format_number, parse_money

HUGE = "1234567890123456789012345678901234567890"
LEDGER = """\
2025-01-01 open Assets:Receivable:Acme USD
2026-10-01 * "ACME" "Work" ^INV-1
  Assets:Receivable:Acme  1000.00 USD
  Income:Services
"""
PROFILE = f"""\
id: acme
name: ACME
kind: client
manager: lan
accounts: {{receivable: Assets:Receivable:Acme}}
terms: {{payment_days: 30, credit_limit: {HUGE} USD}}
contract: {{start: 2025-01-01, renewal: 2027-06-30, value: {HUGE} USD}}
targets: {{revenue: {{2026: {HUGE} USD}}}}
opportunities:
  - {{name: Big, value: {HUGE} USD, stage: proposal, close: 2027-01-31}}
"""


def test_check_names_every_oversized_amount(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, profiles={"acme": PROFILE})
    exit_code, found = check(root)
    assert exit_code == 1
    for line, column in ((6, 41), (7, 59), (8, 27), (10, 24)):
        expect(found, "invalid-amount", "clients/acme.yaml", line, column, message=f"at most {MAX_WHOLE_DIGITS} digits")


@pytest.mark.parametrize("command", [["clients", "show", "acme"], ["clients", "list"], ["portfolio"], ["review", "acme"], ["followups"]])
def test_commands_stay_up_on_oversized_amounts(books: Callable[..., Path], command: list[str]) -> None:
    root = books(ledger=LEDGER, profiles={"acme": PROFILE})
    result = run_cli(*command, books=root, as_of="2026-11-30")  # an escaping exception fails here
    assert result.exit_code in (0, 1), result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_the_schema_and_parse_money_share_the_bound() -> None:
    pattern = re.compile(load_schema("party")["$defs"]["amount"]["pattern"])
    whole, fraction = "9" * MAX_WHOLE_DIGITS, "9" * MAX_FRACTION_DIGITS
    samples = [
        f"{whole} USD", f"{whole}.{fraction} USD", f"1{whole} USD", f"{whole}.{fraction}9 USD", f"000{whole} USD",
        f"0.{fraction} USD", f"0.{fraction}0 USD", "0 USD", "50000 USD", f"{HUGE} USD", f"{HUGE}.5 EUR",
    ]  # fmt: skip
    for text in samples:
        assert (pattern.search(text) is not None) == (parse_money(text) is not None), text
    assert parse_money(f"{whole}.{fraction} USD") == (Decimal(f"{whole}.{fraction}"), "USD")
    assert parse_money(f"1{whole} USD") is None and parse_money(f"0.{fraction}9 USD") is None


def test_the_bound_is_documented_in_the_schema() -> None:
    amount = load_schema("party")["$defs"]["amount"]
    assert f"{MAX_WHOLE_DIGITS} digits" in amount["description"] and f"{MAX_FRACTION_DIGITS}" in amount["description"]
    assert f"{MAX_WHOLE_DIGITS} digits" in Path(__file__).parent.parent.joinpath("docs", "profiles.md").read_text("utf-8")


SPLIT = StatementFormat(name="split", date="Date", debit="Debit", credit="Credit", balance="Balance")
PLAIN = StatementFormat(name="plain", date="Date", amount="Amount", balance="Balance")


def test_statement_amounts_at_the_bound_stay_exact_in_every_column() -> None:
    big = "-" + "9" * MAX_WHOLE_DIGITS + "." + "9" * MAX_FRACTION_DIGITS
    lines, problems = parse_statement(f"Date,Amount,Balance\n2026-10-01,{big},{big}\n".encode(), "s.csv", PLAIN)
    assert problems == [] and lines[0].amount == Decimal(big) and lines[0].balance == Decimal(big)
    lines, problems = parse_statement(f"Date,Debit,Credit,Balance\n2026-10-01,{big},,\n2026-10-02,,{big[1:]},\n".encode(), "s.csv", SPLIT)
    assert problems == [] and [line.amount for line in lines] == [Decimal(big), -Decimal(big)]


@pytest.mark.parametrize("cell", ["1" + "0" * MAX_WHOLE_DIGITS, "-" + "1" * 30 + ".01", "0." + "1" * (MAX_FRACTION_DIGITS + 1)])
def test_statement_amounts_beyond_the_bound_are_refused_in_every_column(cell: str) -> None:
    texts = {
        "amount": f"Date,Amount,Balance\n2026-10-01,{cell},\n",
        "debit": f"Date,Debit,Credit,Balance\n2026-10-01,{cell},,\n",
        "credit": f"Date,Debit,Credit,Balance\n2026-10-01,,{cell},\n",
        "balance": f"Date,Amount,Balance\n2026-10-01,1.00,{cell}\n",
    }
    for role, text in texts.items():
        lines, problems = parse_statement(text.encode(), "s.csv", SPLIT if "Debit" in text else PLAIN)
        assert [(d.code, d.line) for d in problems] == [("statement-bad-number", 2)], (role, problems)
        assert "at most" in problems[0].message, problems[0].message
        assert lines == ([] if role != "balance" else lines) and all(line.balance is None for line in lines), role
    record("statement-bad-number")


def test_format_number_never_fails_on_a_ledger_sized_number() -> None:
    assert format_number(Decimal(HUGE)) == f"{int(HUGE):,}.00"
    assert format_number(Decimal("-" + HUGE + ".555"), 2) == f"-{int(HUGE):,}.56"
