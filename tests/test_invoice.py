"""``acct-tool invoice NUMBER``: an invoice or credit note rendered from the transaction that issues it."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from codes_seen import expect
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

from acct_tool.books.load import Needs, load_books
from acct_tool.engines import invoice as engine
from acct_tool.engines.receivables import Side

Books = Callable[..., Path]

HEAD = """\
option "operating_currency" "USD"
2026-01-01 open Assets:Bank:Operating USD
2026-01-01 open Assets:AR USD
2026-01-01 open Income:Services:Design USD
2026-01-01 open Income:Services:Hosting USD
2026-01-01 open Liabilities:Tax:Sales USD
2026-01-01 open Expenses:Discounts USD
"""

PROFILES = {
    "kiwi": "id: kiwi\nname: Kiwi Works\nkind: client\naccounts:\n  receivable: Assets:AR\nbilling_address: [1 Quay Street, Auckland]\ntax_id: NZ 12-345\n",
    "tui": "id: tui\nname: Tui Surveys\nkind: client\naccounts:\n  receivable: Assets:AR\n",
}

SETTINGS = """\
receivable_root: Assets:AR
document_pattern: '\\bSI-\\d+\\b'
firm:
  name: Example Design Co
  bank:
    - {bank: First Bank, account_number: "99887766"}
documents:
  tax_accounts: [Liabilities:Tax]
"""

TAXED = """
2026-03-02 * "Kiwi Works" "Website and hosting SI-0101"
  Assets:AR                  1265.00 USD
  Income:Services:Design    -1000.00 USD
    line: "Design, 8 hours"
    quantity: 8
    unit_price: 125.00 USD
  Income:Services:Hosting    -100.00 USD
  Liabilities:Tax:Sales      -165.00 USD
    line: "Sales tax 15%"

2026-03-20 * "Kiwi Works" "Payment SI-0101"
  Assets:Bank:Operating       500.00 USD
  Assets:AR
"""


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdf_pages(path: Path) -> str:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:"))


def firm(books: Books, ledger: str = TAXED, settings: str = SETTINGS) -> Path:
    return books(ledger=ledger, head=HEAD, profiles=PROFILES, settings=settings)


def lookup(root: Path, number: str, as_of: str = "2026-04-30") -> engine.Lookup:
    books = load_books(root, datetime.date.fromisoformat(as_of), use_cache=False, needs=Needs(party_postings=True, entries=True))
    items = books.open_items(Side.AR)
    return engine.find(number, items, books.ledger.transactions(), books.settings, books.root, books.precisions)


needs_pdf = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None, reason="poppler-utils not installed")


@needs_pdf
def test_an_example_invoice_as_pdf_is_one_page_with_the_client_the_firm_and_the_total(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    out = tmp_path / "INV-2026-051.pdf"
    result = run_cli("invoice", "INV-2026-051", "--format", "pdf", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    assert pdf_pages(out) == "1"
    text = pdf_text(out)
    for expected in (
        "Invoice INV-2026-051",
        "ACME Manufacturing",
        "1200 Foundry Road",
        "Brightline Studio LLC",
        "Northbank",
        "4400123456",
        "October 2026 retainer",
        "12,000.00 USD",
        "2026-10-31",
        "2026-10-01",
    ):
        assert expected in text, expected
    again = tmp_path / "again.pdf"
    assert run_cli("invoice", "INV-2026-051", "--format", "pdf", "--out", str(again), books=EXAMPLES, as_of=EXAMPLES_AS_OF).exit_code == 0
    assert out.read_bytes() == again.read_bytes()
    refused = run_cli("invoice", "INV-2026-051", "--format", "pdf", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert refused.exit_code == 2  # no overwrite without --force


def test_the_credit_note_shows_its_own_number_what_it_credits_and_the_invoice_it_applies_to() -> None:
    result = run_cli("invoice", "CN-2026-001", "--format", "md", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    text = result.output
    assert "# Credit note CN-2026-001" in text
    assert "Oakridge Dental Group" in text
    assert "late-milestone discount" in text
    assert "| Credits | INV-2026-028 |" in text
    assert "| 2026-06-01 | INV-2026-028 | 900.00 USD |" in text
    assert "**900.00 USD**" in text
    assert "How to pay" not in text  # nothing to pay on a credit note
    credited = run_cli("invoice", "INV-2026-028", "--format", "md", books=EXAMPLES, as_of=EXAMPLES_AS_OF).output
    assert "| 2026-06-01 | Credit note CN-2026-001 | 900.00 USD |" in credited  # and the invoice names it


def test_an_unknown_number_is_a_usage_error_with_the_closest_number() -> None:
    result = run_cli("invoice", "INV-2026-0511", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2
    assert "no invoice or credit note numbered 'INV-2026-0511'" in result.stderr
    assert "did you mean 'INV-2026-051'?" in result.stderr
    assert result.output == ""


def test_a_vendor_bill_is_no_invoice() -> None:
    result = run_cli("invoice", "BILL-CLOUDNEST-2026-Q4", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2


def test_tax_legs_and_line_metadata_make_the_lines_and_totals(books: Books) -> None:
    root = firm(books)
    result = run_cli("invoice", "SI-0101", "--format", "md", books=root, as_of="2026-04-30")
    assert result.exit_code == 0, result.stderr
    text = result.output
    assert "| Design, 8 hours | 8 | 125.00 | 1,000.00 USD |" in text
    assert "| Hosting |  |  | 100.00 USD |" in text  # several income legs: the account names the line
    assert "| Subtotal | 1,100.00 USD |" in text
    assert "| Sales tax 15% | 165.00 USD |" in text
    assert "| **Total** | **1,265.00 USD** |" in text
    assert "| Paid | 500.00 USD |" in text
    assert "| **Amount due** | **765.00 USD** |" in text
    assert "Bill to: **Kiwi Works**" in text and "1 Quay Street" in text and "Tax id NZ 12-345" in text
    assert "| Account number | 99887766 |" in text and "| Reference | SI-0101 |" in text
    found = lookup(root, "SI-0101").issued
    assert found is not None
    assert [t.total for t in found.totals] == [Decimal("1265.00")]


def test_the_invoice_is_the_open_items_document_of_that_number(books: Books) -> None:
    root = firm(books)
    loaded = load_books(root, datetime.date(2026, 4, 30), use_cache=False, needs=Needs(party_postings=True, entries=True))
    items = loaded.open_items(Side.AR)
    (doc,) = [d for d in items.documents if d.number == "SI-0101"]
    found = engine.find("SI-0101", items, loaded.ledger.transactions(), loaded.settings, loaded.root, loaded.precisions).issued
    assert found is not None
    assert (found.number, found.party, found.date, found.due, found.currency, found.amount, found.paid, found.open) == (
        doc.number,
        doc.party,
        doc.date,
        doc.due,
        doc.currency,
        doc.amount,
        doc.paid,
        doc.open,
    )
    assert found.party == "kiwi"  # on the control account, by the payee
    assert [(s.date, s.amount) for s in found.settlements] == [(a.date, a.amount) for a in doc.applications]


def test_legs_that_do_not_add_up_to_the_receivable_are_an_error_and_no_document(books: Books) -> None:
    ledger = """
2026-03-02 * "Kiwi Works" "Logo SI-0102"
  Assets:AR                  1000.00 USD
  Income:Services:Design     -900.00 USD
  Expenses:Discounts         -100.00 USD
"""
    root = firm(books, ledger)
    result = run_cli("invoice", "SI-0102", "--format", "html", books=root, as_of="2026-04-30")
    assert result.exit_code == 1
    assert result.output == ""
    assert "ledger/main.beancount:9: error invoice-total-mismatch" in result.stderr
    found = lookup(root, "SI-0102")
    expect(
        [d.to_dict() for d in found.diagnostics],
        "invoice-total-mismatch",
        "ledger/main.beancount",
        9,
        None,
        message="add up to 900.00 USD, but the receivable posting is 1,000.00 USD",
    )


def test_a_quantity_times_unit_price_that_is_not_the_line_amount_is_an_error(books: Books) -> None:
    ledger = """
2026-03-02 * "Kiwi Works" "Design SI-0103"
  Assets:AR                  1000.00 USD
  Income:Services:Design    -1000.00 USD
    quantity: 7
    unit_price: 150.00 USD
"""
    root = firm(books, ledger)
    result = run_cli("invoice", "SI-0103", "--format", "md", books=root, as_of="2026-04-30")
    assert result.exit_code == 1
    assert result.output == ""
    found = lookup(root, "SI-0103")
    expect(
        [d.to_dict() for d in found.diagnostics],
        "invoice-line-mismatch",
        "ledger/main.beancount",
        11,
        None,
        message="quantity 7 × unit price 150.00 is 1,050.00 USD, but the line amount is 1,000.00 USD",
    )


def test_markdown_and_html_in_ledger_text_are_neutralised_in_a_markdown_invoice(books: Books) -> None:
    ledger = """
2026-03-02 * "Kiwi Works" "<img src=x onerror=alert(1)> **urgent** | SI-0104"
  Assets:AR                  300.00 USD
  Income:Services:Design
"""
    root = firm(books, ledger)
    result = run_cli("invoice", "SI-0104", "--format", "md", books=root, as_of="2026-04-30")
    assert result.exit_code == 0, result.stderr
    text = result.output
    assert re.search(r"(?<!\\)<img", text) is None  # shown as text, never an element
    assert "\\<img src=x onerror=alert(1)\\>" in text
    assert re.search(r"(?<!\\)\*\*urgent", text) is None and "\\*\\*urgent\\*\\*" in text
    assert "\\| SI-0104 |" in text  # the bar does not split the table row
    html = run_cli("invoice", "SI-0104", "--format", "html", books=root, as_of="2026-04-30")
    assert html.exit_code == 0 and "<img src=x" not in html.output and "&lt;img" in html.output


def test_a_payee_with_markup_is_plain_text_in_a_markdown_invoice(books: Books) -> None:
    ledger = """
2026-03-02 * "Kiwi *Works* <b>Ltd</b>" "" ^INV-7
  customer: "kiwi"
  Assets:AR                  300.00 USD
  Income:Services:Design
"""
    root = firm(books, ledger)
    result = run_cli("invoice", "INV-7", "--format", "md", books=root, as_of="2026-04-30")
    assert result.exit_code == 0, result.stderr
    assert "| Kiwi \\*Works\\* \\<b\\>Ltd\\</b\\> |" in result.output  # the payee describes the line
    assert "<b>" not in result.output.replace("\\<b\\>", "")


def test_the_eur_client_gets_the_eur_bank_details() -> None:
    result = run_cli("invoice", "INV-2026-064", "--format", "html", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    html = result.output
    assert "Nordlicht Verlag GmbH" in html
    assert "DE89 3704 0044 0532 0130 00" in html and "Rheinbank AG" in html
    assert "4400123456" not in html and "Northbank" not in html
    assert "7,800.00 EUR" in html
    assert "<link" not in html and "<script" not in html and 'src="http' not in html


def test_paid_and_open_are_those_of_open_ar() -> None:
    listed = run_cli("open", "ar", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()
    (row,) = [d for d in listed["documents"] if d["document"] == "INV-2026-057"]
    assert row["paid"]["number"] != "0.00"  # paid in part: both figures say something
    result = run_cli("invoice", "INV-2026-057", "--format", "md", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    paid = f"{Decimal(row['paid']['number']):,.2f} {row['paid']['currency']}"
    still_open = f"{Decimal(row['open']['number']):,.2f} {row['open']['currency']}"
    assert f"| Paid | {paid} |" in result.output
    assert f"| **Amount due** | **{still_open}** |" in result.output
    assert f"| Due date | {row['due']} |" in result.output


def test_pdf_without_weasyprint_is_a_usage_error_that_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from acct_tool.render import pdf

    def missing() -> None:
        raise pdf.PdfUnavailable(pdf.MISSING)

    monkeypatch.setattr(pdf, "_weasyprint", missing)
    out = tmp_path / "invoice.pdf"
    result = run_cli("invoice", "INV-2026-051", "--format", "pdf", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2
    assert "pip install 'acct-tool[pdf]'" in result.stderr
    assert not out.exists()


def test_books_without_a_firm_give_an_invoice_without_an_empty_sender(tmp_path: Path) -> None:
    books = tmp_path / "books"
    assert run_cli("init", str(books)).exit_code == 0
    result = run_cli("invoice", "INV-0002", "--format", "md", books=books, as_of="2026-11-30")
    assert result.exit_code == 0, result.stderr
    assert "****" not in result.output  # no bold empty firm name
    assert "# Invoice INV-0002" in result.output and "ACME Manufacturing" in result.output
