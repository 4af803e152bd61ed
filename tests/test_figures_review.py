"""The review reads the same figures as the other views, and compares periods like with like."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import EXAMPLES, EXAMPLES_AS_OF, make_books, run_cli


def copy_examples(tmp_path: Path) -> Path:
    books = tmp_path / "books"
    shutil.copytree(EXAMPLES, books)
    return books


def test_the_renewal_section_uses_the_configured_renewal_windows(tmp_path: Path) -> None:
    """With renewal_windows [365] meridian's renewal (212 days away, no opportunity) is flagged everywhere."""
    books = copy_examples(tmp_path)
    settings = books / "acct-tool.yaml"
    settings.write_text(settings.read_text("utf-8") + "\nhealth:\n  renewal_windows: [365]\n", "utf-8")
    text = run_cli("review", "meridian", books=books, as_of=EXAMPLES_AS_OF).output
    assert "within 365 days" in text  # the health table
    assert "and no renewal opportunity is open" in text  # the follow-ups
    renewal = text.split("## Opportunities and renewal")[1]
    assert "no renewal opportunity open" in renewal


def test_tom_has_66900_usd_open_after_the_unapplied_credit_in_every_portfolio(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("review", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF).exit_code == 0
    md = (out / "portfolio-tom.md").read_text("utf-8")
    assert "| USD | 46,200.00 |" in md and "| 66,900.00 | 43,000.00 |" in md
    # the documents' total before the credit appears only in the aging row that nets the credit off
    assert all("| 300.00 | 66,900.00 |" in line for line in md.splitlines() if "67,200" in line)
    html_out = tmp_path / "html"
    assert run_cli("review", "--format", "html", "--out", str(html_out), books=EXAMPLES, as_of=EXAMPLES_AS_OF).exit_code == 0
    html = (html_out / "portfolio-tom.html").read_text("utf-8")
    assert "66,900.00" in html
    assert all("66,900.00" in row for row in html.split("<tr") if "67,200" in row)
    portfolio = run_cli("portfolio", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()
    tom = next(m for m in portfolio["managers"] if m["name"] == "tom")
    assert "66900" in str(tom["open"])


def _days_to_pay(text: str) -> str:
    found = re.search(r"average days to pay (\S+)", text)
    assert found, text
    return found.group(1)


def test_the_q4_review_portfolio_and_portfolio_from_october_agree_on_days_to_pay(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("review", "--period", "2026-Q4", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF).exit_code == 0
    portfolio = run_cli("portfolio", "--from", "2026-10-01", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()
    for manager in portfolio["managers"]:
        shown = _days_to_pay((out / f"portfolio-{manager['name']}.md").read_text("utf-8"))
        expected = manager["average_days_to_pay"]
        assert shown == (expected if expected is not None else "–"), manager["name"]
    tom = next(m for m in portfolio["managers"] if m["name"] == "tom")
    assert tom["average_days_to_pay"] is None  # nothing of tom's was paid in October or November


def test_a_quarter_not_over_is_to_date_and_compared_with_as_many_days_of_the_previous_one() -> None:
    text = run_cli("review", "acme", books=EXAMPLES, as_of=EXAMPLES_AS_OF).output
    assert "account review 2026-Q4 to date" in text
    assert "| Period | 2026-10-01 to 2026-11-30 |" in text
    assert "2026-Q3 (2026-07-01 to 2026-08-30)" in text  # the first 61 days of Q3, as many as Q4 has had
    assert "against 36,000.00 in 2026-Q3" not in text


def test_a_period_after_the_as_of_date_is_a_usage_error() -> None:
    result = run_cli("review", "meridian", "--period", "2027-Q1", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2
    assert "2027-Q1 starts after the as-of date 2026-11-30" in result.stderr
    assert "-100%" not in result.output


NEW_CLIENT = """\
id: newco
name: New Co
kind: client
status: active
tier: standard
manager: ana
accounts: {receivable: Assets:Receivable:Newco}
interactions:
  - {date: 2026-10-05, channel: meeting, with: [Kim], summary: Kick-off, sentiment: positive}
"""

NEW_LEDGER = """\
2025-01-01 open Assets:Receivable:Newco USD
2026-10-10 * "New Co" "October work" ^INV-1
  Assets:Receivable:Newco   5000.00 USD
  Income:Services
"""


def test_a_comparison_with_a_period_without_data_says_so(tmp_path: Path) -> None:
    books = make_books(tmp_path / "books", ledger=NEW_LEDGER, profiles={"newco": NEW_CLIENT})
    result = run_cli("review", "newco", books=books, as_of="2026-11-30")
    assert result.exit_code == 0, result.stderr
    changes = result.output.split("## What changed")[1].split("## Relationship")[0]
    assert "no revenue in 2026-Q3 (2026-07-01 to 2026-08-30) to compare with" in changes
    assert "No health score for 2026-Q3 to compare with" in changes
    assert "rose" not in changes and "%" not in changes
