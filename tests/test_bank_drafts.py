"""Drafts propose the counter account the books suggest: history, then rules, then the default."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from conftest import run_cli

from acct_tool.books.ledger import AccountPosting
from acct_tool.books.settings import CounterRule, StatementSettings
from acct_tool.engines.bank_drafts import choose_counter, counter_history
from acct_tool.engines.statements import StatementLine

D = datetime.date


def line(amount: str, description: str, reference: str = "") -> StatementLine:
    return StatementLine(2, D(2026, 3, 9), Decimal(amount), description, reference, None)


def past(day: int, narration: str, counter: str, payee: str = "", flag: str = "*") -> AccountPosting:
    return AccountPosting(D(2026, 2, day), Decimal("-9"), "USD", flag, payee, narration, frozenset(), (), None, None, (day, 0), (counter,))


RULES = StatementSettings(
    counter_account="Expenses:Uncategorized",
    counter_account_in="Income:Other",
    counter_account_out="Expenses:Other",
    rules=(CounterRule(r"hosting|cloud", "Expenses:Hosting"), CounterRule(r"github", "Expenses:Software")),
)


def test_history_exact_text_first_then_normalised() -> None:
    history = counter_history(
        [
            past(1, "GITHUB INV 1", "Expenses:Software"),
            past(2, "github inv 22", "Expenses:Tools"),
            past(3, "github inv 33", "Expenses:Tools"),
            past(4, "GITHUB *INV 77", "Expenses:Wrong", flag="!"),  # unreviewed drafts teach nothing
            past(5, "Coffee", "Expenses:Uncategorized"),  # nor does the uncategorised account
        ],
        skip=["Expenses:Uncategorized"],
    )
    assert choose_counter(line("-9", "GITHUB INV 1"), history, RULES).account == "Expenses:Software"  # exact text
    assert choose_counter(line("-9", "GitHub, Inv. 4411"), history, RULES) == choose_counter(line("-9", "GITHUB INV 9"), history, RULES)
    assert choose_counter(line("-9", "GitHub, Inv. 4411"), history, RULES).account == "Expenses:Tools"  # used twice
    assert choose_counter(line("-9", "GitHub, Inv. 4411"), history, RULES).chosen_by == "history"
    assert choose_counter(line("-9", "Coffee"), history, RULES).chosen_by == "default"


def test_rules_in_order_over_description_then_reference() -> None:
    empty = counter_history([])
    assert choose_counter(line("-9", "CloudNest GitHub"), empty, RULES) == choose_counter(line("-9", "HOSTING"), empty, RULES)
    assert choose_counter(line("-9", "CloudNest GitHub"), empty, RULES).chosen_by == "rule 1"  # the first rule that matches
    found = choose_counter(line("-9", "Card payment", reference="GITHUB-7"), empty, RULES)
    assert (found.account, found.chosen_by) == ("Expenses:Software", "rule 2")


def test_default_differs_for_money_in_and_out() -> None:
    empty = counter_history([])
    assert choose_counter(line("5", "Refund"), empty, RULES).account == "Income:Other"
    assert choose_counter(line("-5", "Payment"), empty, RULES).account == "Expenses:Other"
    assert choose_counter(line("-5", "Payment"), empty, StatementSettings()).account == "Expenses:Uncategorized"


SETTINGS = """\
statements:
  rules:
    - {match: "(?i)cloudnest", account: Expenses:Hosting}
  formats:
    plain: {date: Date, amount: Amount, description: Description, reference: Reference}
  files:
    - {match: "statements/*.csv", format: plain, account: "Assets:Bank:Operating"}
"""

LEDGER = """\
2025-01-01 open Expenses:Software
2026-01-05 * "GitHub" "GITHUB INV 1"
  Assets:Bank:Operating  -9.00 USD
  Expenses:Software
"""


def test_draft_names_what_chose_each_counter_account(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, settings=SETTINGS)
    (root / "statements").mkdir()
    path = root / "statements" / "march.csv"
    path.write_text("Date,Description,Reference,Amount\n2026-03-03,GITHUB INV 2,,-9.00\n2026-03-04,CLOUDNEST 3/26,,-20.00\n2026-03-05,Coffee,,-3.00\n")
    draft = root / "drafts.beancount"
    for _ in range(2):  # the second run is served from the cache: the same draft
        draft.unlink(missing_ok=True)
        result = run_cli("reconcile", "bank", str(path), "--draft", str(draft), books=root, as_of="2026-12-31")
        assert result.exit_code == 1, result.output + result.stderr
        text = draft.read_text()
        assert '  counter: "history"\n  statement: "statements/march.csv:2"\n  Assets:Bank:Operating  -9.00 USD\n  Expenses:Software\n' in text
        assert '  counter: "rule 1"\n  statement: "statements/march.csv:3"\n  Assets:Bank:Operating  -20.00 USD\n  Expenses:Hosting\n' in text
        assert '  counter: "default"\n  statement: "statements/march.csv:4"\n  Assets:Bank:Operating  -3.00 USD\n  Expenses:Uncategorized\n' in text
        assert "open Expenses:Uncategorized" in text and "open Expenses:Hosting" not in text and "open Expenses:Software" not in text


def test_check_on_the_examples_finds_no_draft_entry() -> None:
    from conftest import EXAMPLES, EXAMPLES_AS_OF

    result = run_cli("check", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0
    assert [d["code"] for d in result.json()] == ["overpaid-document"]


def test_draft_entry_is_reported_from_the_cache_too(books: Callable[..., Path]) -> None:
    root = books(ledger='2026-03-01 ! "Unreviewed"\n  Assets:Bank:Operating  -1.00 USD\n  Expenses:Hosting\n')
    for _ in range(2):  # cold, then warm
        result = run_cli("check", "--format", "json", books=root, as_of="2026-12-31")
        assert [(d["code"], d["line"]) for d in result.json()] == [("draft-entry", 6)]


def test_history_finds_a_known_payee_inside_the_banks_description() -> None:
    history = counter_history(
        [past(1, "Office rent January", "Expenses:Rent", payee="Mill Street Properties"), past(2, "Parking", "Expenses:Parking", payee="Mill Street")]
    )
    found = choose_counter(line("-150", "ACH DEBIT MILL STREET PROPERTIES OFFICE RENT"), history, RULES)
    assert (found.account, found.chosen_by) == ("Expenses:Rent", "history")  # the longest payee inside wins
    assert choose_counter(line("-150", "ACH DEBIT MILLSTREET"), history, RULES).chosen_by == "default"  # whole words only


def test_a_draft_on_the_example_books_takes_its_account_from_their_history(examples_copy: Path, tmp_path: Path) -> None:
    statement = examples_copy / "ledger" / "statements" / "northbank-2026-10.csv"
    with statement.open("a") as f:
        f.write('2026-10-31,ACH DEBIT MILL STREET PROPERTIES OFFICE RENT,ACH-RENT-X,-150.00,"169,120.75"\n')
    draft = tmp_path / "draft.beancount"
    result = run_cli("reconcile", "bank", str(statement), "--draft", str(draft), books=examples_copy, as_of="2026-11-30")
    assert result.exit_code == 1  # a line is missing from the ledger
    text = draft.read_text()
    assert 'counter: "history"' in text and "\n  Expenses:Rent\n" in text
