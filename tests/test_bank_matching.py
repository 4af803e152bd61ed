"""Bank matching as bookkeepers need it: reference first, groups of postings or lines, a tolerance."""

from __future__ import annotations

import datetime
import subprocess
import sys
import textwrap
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from conftest import run_cli

from acct_tool.books.ledger import AccountPosting
from acct_tool.engines.bank import GROUP_SIZE, match_lines, reconcile_bank
from acct_tool.engines.statements import StatementLine

D = datetime.date
BANK = "Assets:Bank:Operating"


def line(row: int, day: int, amount: str, reference: str = "", description: str = "") -> StatementLine:
    return StatementLine(row, D(2026, 3, day), Decimal(amount), description or f"line {row}", reference, None)


def posting(n: int, day: int, amount: str, narration: str = "", meta: tuple[str, ...] = ()) -> AccountPosting:
    return AccountPosting(D(2026, 3, day), Decimal(amount), "USD", "*", "", narration, frozenset(), meta, "main.beancount", n, (n, 0))


def test_batched_deposit_matches_three_customer_payments() -> None:
    postings = [posting(10, 3, "1200.00", "Acme"), posting(11, 4, "300.00", "Zeta"), posting(12, 4, "450.50", "Bolt"), posting(13, 5, "99.00", "Other")]
    result = reconcile_bank(postings, BANK, "USD", [line(2, 5, "1950.50", description="DEPOSIT BATCH")], 3)
    assert result.reconciled is False  # the 99.00 posting is missing from the statement
    [m] = result.matched
    assert [p.line for p in m.postings] == [10, 11, 12] and m.difference == 0
    assert [p.line for p in result.missing_in_statement] == [13]


def test_several_lines_match_one_posting() -> None:
    lines = [line(2, 10, "-40.00"), line(3, 11, "-25.50"), line(4, 12, "-4.50")]
    result = reconcile_bank([posting(10, 12, "-70.00", "Card settlement")], BANK, "USD", lines, 3)
    assert result.reconciled
    [m] = result.matched
    assert [x.row for x in m.lines] == [2, 3, 4] and [p.line for p in m.postings] == [10]


def test_groups_stay_within_the_window_and_the_size_bound() -> None:
    far = reconcile_bank([posting(10, 1, "10"), posting(11, 9, "10")], BANK, "USD", [line(2, 5, "20")], 3)
    assert not far.matched  # the first posting is 4 days from the line
    many = [posting(10 + i, 5, "1") for i in range(GROUP_SIZE + 1)]
    assert not reconcile_bank(many, BANK, "USD", [line(2, 5, str(GROUP_SIZE + 1))], 3).matched
    assert reconcile_bank(many[:GROUP_SIZE], BANK, "USD", [line(2, 5, str(GROUP_SIZE))], 3).reconciled


def test_reference_beats_amount() -> None:
    """A line naming INV-7 pairs with the entry naming it, 2.50 off, over an exact amount without it."""
    lines = [line(2, 5, "97.50", "INV-7")]
    postings = [posting(10, 5, "97.50", "Someone else"), posting(11, 6, "100.00", "Payment INV-7")]
    matches, _, left = match_lines(lines, postings, 3, Decimal("2.50"))
    assert [(m.posting.line, m.by_reference, m.difference) for m in matches] == [(11, True, Decimal("-2.50"))]
    assert [p.line for p in left] == [10]
    exact, _, _ = match_lines(lines, postings, 3)  # without a tolerance only equal amounts pair
    assert [m.posting.line for m in exact] == [10]


def test_tolerance_matches_with_a_difference_and_without_it_does_not() -> None:
    lines, postings = [line(2, 5, "97.50")], [posting(10, 5, "100.00")]
    assert not reconcile_bank(postings, BANK, "USD", lines, 3).matched
    result = reconcile_bank(postings, BANK, "USD", lines, 3, tolerance=Decimal("2.50"))
    assert result.reconciled and [m.difference for m in result.with_difference] == [Decimal("-2.50")]
    assert not reconcile_bank(postings, BANK, "USD", lines, 3, tolerance=Decimal("2.49")).matched


SETTINGS = """\
statements:
  tolerance: "2.50"
  formats:
    plain: {date: Date, amount: Amount, description: Description, reference: Reference}
  files:
    - {match: "statements/*.csv", format: plain, account: "Assets:Bank:Operating"}
"""

LEDGER = """\
2026-03-02 * "Acme" "Payment"
  Assets:Bank:Operating  100.00 USD
  Income:Services
"""


def test_bank_fee_reconciles_with_a_fee_draft_and_the_draft_closes_it(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, settings=SETTINGS)
    (root / "statements").mkdir()
    path = root / "statements" / "march.csv"
    path.write_text("Date,Description,Reference,Amount\n2026-03-03,ACME PAYMENT,,97.50\n")
    draft = root / "ledger" / "drafts.beancount"
    result = run_cli("reconcile", "bank", str(path), "--draft", str(draft), books=root, as_of="2026-12-31")
    assert result.exit_code == 0, result.output + result.stderr
    assert "Matched with a difference: 1" in result.output
    text = draft.read_text()
    assert "open Expenses:Bank:Fees" in text
    assert '  counter: "fee"\n  statement: "statements/march.csv:2"\n' in text
    assert "  Assets:Bank:Operating  -2.50 USD\n  Expenses:Bank:Fees  2.50 USD\n" in text
    doc = run_cli("reconcile", "bank", str(path), "--format", "json", books=root, as_of="2026-12-31").json()
    [m] = doc["matched"]
    assert m["difference"] == {"number": "-2.50", "currency": "USD"} and m["ledger"]["amount"]["number"] == "100.00"
    assert [p["line"] for p in m["ledger_postings"]] == [m["ledger"]["line"]] and doc["matched_with_difference"] == 1
    # Once included (and approved), the correcting entry joins its match: no difference, nothing left over.
    main = root / "ledger" / "main.beancount"
    main.write_text(main.read_text() + '\ninclude "drafts.beancount"\n')
    draft.write_text(draft.read_text().replace(" ! ", " * "))
    check = subprocess.run([sys.executable, "-m", "beancount.scripts.check", str(main)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    again = run_cli("reconcile", "bank", str(path), "--format", "json", books=root, as_of="2026-12-31").json()
    assert again["reconciled"] is True and again["matched_with_difference"] == 0
    assert [len(m["ledger_postings"]) for m in again["matched"]] == [2]


def test_without_tolerance_the_short_line_is_missing(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, settings=SETTINGS.replace('  tolerance: "2.50"\n', ""))
    (root / "statements").mkdir()
    path = root / "statements" / "march.csv"
    path.write_text(textwrap.dedent("Date,Description,Reference,Amount\n2026-03-03,ACME PAYMENT,,97.50\n"))
    result = run_cli("reconcile", "bank", str(path), books=root, as_of="2026-12-31")
    assert result.exit_code == 1 and "Missing from the ledger: 1" in result.output
