"""The statement of account a firm sends: every movement under its own number, the
firm's letterhead, the customer's billing address, open items with aging, where to
pay; as Markdown, HTML (clean in a real browser) and reproducible PDF."""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli
from test_review_browser import CHROMIUM, load_page

Books = Callable[..., Path]

#: A file and line, as the books' diagnostics name a place: never a reference the customer sees.
FILE_LINE = re.compile(r"\.beancount:\d+")


def statement(*args: str, books: Path = EXAMPLES, as_of: str = EXAMPLES_AS_OF) -> str:
    result = run_cli("statement", *args, books=books, as_of=as_of)
    assert result.exit_code == 0, result.stderr
    return result.output


def references(page: str) -> list[str]:
    """The number column of the activity table of an HTML statement."""
    activity = page[page.index('<table class="activity">') : page.index("</table>", page.index('<table class="activity">'))]
    return [html.unescape(cell) for cell in re.findall(r'<td class="reference">(.*?)</td>', activity)]


# --- every movement under its own number -----------------------------------------------------------


def test_harbor_statement_shows_invoice_numbers_and_payment_references_and_no_file_and_line() -> None:
    page = statement("harbor-logistics", "--from", "2026-01-01", "--format", "html")
    refs = references(page)
    assert "INV-2026-049" in refs and "INV-2026-062" in refs
    assert "Partial payment INV-2026-039" in refs  # a payment with no bank reference: its narration
    assert all(refs) and not [r for r in refs if FILE_LINE.search(r)]
    assert ".beancount:" not in page
    assert "applies to INV-2026-039" in page
    assert "Harbor Logistics LLC" in page and "88 Pier Street, Suite 400" in page  # the billing address
    assert "Brightline Studio LLC" in page and "4400123456" in page  # the letterhead and where to pay


def test_oakridge_credit_note_shows_its_own_number_and_what_it_credits() -> None:
    page = statement("oakridge-dental", "--from", "2026-05-01", "--format", "html")
    refs = references(page)
    assert "CN-2026-001" in refs
    assert "Payment received - no remittance advice" in refs  # the unlinked payment, once ledger/2026.beancount:865
    assert ".beancount:" not in page
    row = next(r for r in page.split("<tr") if "CN-2026-001</td>" in r)
    assert "applies to INV-2026-028" in row and "900.00" in row


def test_every_format_shows_the_same_numbers_and_keeps_the_source_apart() -> None:
    args = ("oakridge-dental", "--from", "2026-05-01")
    text = statement(*args)
    data = run_cli("statement", *args, "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()
    rows = list(csv.DictReader(io.StringIO(statement(*args, "--format", "csv"))))
    markdown = statement(*args, "--format", "md")
    lines = data["currencies"]["USD"]["lines"]
    json_refs = [ln["reference"] for ln in lines]
    assert json_refs == ["INV-2026-028", "CN-2026-001", "Payment INV-2026-028", "INV-2026-054", "INV-2026-057", "Payment received - no remittance advice"]
    assert [r["reference"] for r in rows[1:-1]] == json_refs
    assert [ln["applies_to"] for ln in lines][1:3] == [["INV-2026-028"], ["INV-2026-028"]]
    assert lines[-1]["applies_to"] == ["INV-2026-054", "INV-2026-057"]  # an unlinked payment paid oldest due first
    assert lines[-1]["where"] == "ledger/2026.beancount:865"  # where it is written, for the bookkeeper
    for shown in (text, markdown, "\n".join(r["reference"] for r in rows)):
        assert "CN-2026-001" in shown and not FILE_LINE.search(shown)


LEDGER = """\
2025-01-01 open Assets:Receivable:Acme USD

2026-09-01 * "ACME" "Invoice INV-1" ^INV-1
  Assets:Receivable:Acme     1000.00 USD
  Income:Services

2026-09-02 * "ACME" "Invoice INV-2" ^INV-2
  Assets:Receivable:Acme      500.00 USD
  Income:Services

2026-09-20 * "ACME" "Wire from ACME" ^INV-1
  reference: "FT-2026-0042"
  Assets:Bank:Operating       600.00 USD
  Assets:Receivable:Acme

2026-09-25 * "ACME" "Transfer" ^INV-1 ^bank-2026-09-25
  Assets:Bank:Operating       400.00 USD
  Assets:Receivable:Acme

2026-09-28 * "ACME" "Goodwill credit" ^INV-2
  credit_note: TRUE
  Assets:Receivable:Acme     -100.00 USD
  Income:Services

2026-09-29 * "ACME" "Deposit"
  Assets:Bank:Operating       500.00 USD
  Assets:Receivable:Acme     -500.00 USD
    ref: "DEP-7"
"""

ACME = """\
id: acme
name: ACME Manufacturing
kind: client
status: active
accounts: {receivable: Assets:Receivable:Acme}
billing_address: [ACME Manufacturing Inc., 1 Mill Road, "Springfield, IL 62701"]
contacts:
  - {name: Mai Tran, role: CFO, email: mai@acme.example, billing: true}
"""


def test_a_payment_is_known_by_its_bank_reference_else_its_own_links_else_its_narration(books: Books) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME})
    data = run_cli("statement", "acme", "--from", "2026-09-01", "--format", "json", books=root, as_of="2026-11-30").json()
    got = [(ln["kind"], ln["reference"], ln["applies_to"]) for ln in data["currencies"]["USD"]["lines"]]
    assert got == [
        ("invoice", "INV-1", []),
        ("invoice", "INV-2", []),
        ("payment", "FT-2026-0042", ["INV-1"]),  # reference: metadata
        ("payment", "bank-2026-09-25", ["INV-1"]),  # its link that names no document
        ("credit note", "Goodwill credit", ["INV-2"]),  # a credit note with no number: its narration
        ("payment", "DEP-7", ["INV-2"]),  # ref: metadata on the posting; unlinked, it pays what is open
    ]
    assert data["unapplied_credits"][0]["reference"] == "DEP-7"
    assert all(FILE_LINE.search(ln["where"]) for ln in data["currencies"]["USD"]["lines"])
    page = run_cli("statement", "acme", "--from", "2026-09-01", "--format", "html", books=root, as_of="2026-11-30").output
    assert references(page) == ["INV-1", "INV-2", "FT-2026-0042", "bank-2026-09-25", "Goodwill credit", "DEP-7"]
    assert "Attn: Mai Tran" in page and "1 Mill Road" in page


# --- the same figures as the engine's JSON -----------------------------------------------------------


def _number(text: str) -> Decimal:
    return Decimal(html.unescape(text).replace(",", "").replace("USD", "").strip())


def test_the_html_amounts_are_the_json_amounts() -> None:
    args = ("harbor-logistics", "--from", "2026-06-01")
    page = statement(*args, "--format", "html")
    data = run_cli("statement", *args, "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()
    usd = data["currencies"]["USD"]
    rows = re.findall(r'<tr class="line [^"]*">(.*?)</tr>', page, re.S)
    assert len(rows) == len(usd["lines"])
    for row, line in zip(rows, usd["lines"]):
        cells = re.findall(r'<td class="num"[^>]*>(.*?)</td>', row)
        charge, credit, balance = (_number(c) if c else Decimal(0) for c in cells)
        assert (charge, credit, balance) == (Decimal(line["charge"]["number"]), Decimal(line["credit"]["number"]), Decimal(line["balance"]["number"]))
    closing = re.search(r'<td class="num closing"[^>]*>(.*?)</td>', page)
    assert closing and _number(closing.group(1)) == Decimal(usd["closing"]["number"])
    forward = re.search(r'<tr class="forward">.*?<td class="num"[^>]*>([^<]+)</td></tr>', page)
    assert forward and _number(forward.group(1)) == Decimal(usd["brought_forward"]["number"])
    items = page[page.index('<table class="open-items">') :]
    opened = [_number(v) for v in re.findall(r'<td class="num" data-amount="[^"]*">([^<]+)</td></tr>', items[: items.index("</table>")])]
    assert opened == [Decimal(d["open"]["number"]) for d in data["open_documents"]]
    numbers = [html.unescape(n) for n in re.findall(r'<td class="reference">(.*?)</td>', items[: items.index("</table>")])]
    assert numbers == [d["document"] for d in data["open_documents"]]
    aging = page[page.index('<table class="aging">') :]
    shown = [_number(v) for v in re.findall(r'<td class="num" data-amount="[^"]*">([^<]+)</td>', aging[: aging.index("</table>")])]
    assert shown == [Decimal(v["number"]) for v in data["aging"]["USD"].values()]
    assert "108</td><td>90+" in page  # INV-2026-039: days overdue and its bucket


# --- neutralised ---------------------------------------------------------------------------------------

HOSTILE = """\
2025-01-01 open Assets:Receivable:Acme USD

2026-09-01 * "<script>alert(1)</script>" "<b>bold</b> *work* | more" ^INV-9
  Assets:Receivable:Acme     1000.00 USD
  Income:Services

2026-09-10 * "ACME" "Payment"
  reference: "<img src=x onerror=alert(1)>|*x*"
  Assets:Bank:Operating       400.00 USD
  Assets:Receivable:Acme

2026-09-15 * "<script>alert(1)</script>" ""
  credit_note: "CN-<9>"
  Assets:Receivable:Acme      -50.00 USD
  Income:Services
"""


def test_payee_narration_and_reference_with_html_or_markdown_are_neutralised(books: Books) -> None:
    root = books(ledger=HOSTILE, profiles={"acme": ACME.replace("name: ACME Manufacturing", "name: '<i>ACME</i>'")})
    page = run_cli("statement", "acme", "--from", "2026-09-01", "--format", "html", books=root, as_of="2026-11-30").output
    assert "<script" not in page and "<img" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt; *work* | more" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "CN-&lt;9&gt;" in page and "&lt;i&gt;ACME&lt;/i&gt;" in page
    markdown = run_cli("statement", "acme", "--from", "2026-09-01", "--format", "md", books=root, as_of="2026-11-30").output
    assert not re.search(r"(?<!\\)<", markdown)
    assert "\\<b\\>bold\\</b\\> \\*work\\* \\| more" in markdown and "\\<img src=x onerror=alert(1)\\>\\|\\*x\\*" in markdown
    assert "\\<script\\>alert(1)\\</script\\>" in markdown and "CN-\\<9\\>" in markdown
    header = next(line for line in markdown.splitlines() if line.startswith("| date"))
    body = [line for line in markdown.splitlines() if line.startswith("| 2026-09-")]
    assert len(body) == 4 and all(line.replace("\\|", "").count("|") == header.count("|") for line in body)


# --- files, browsers and PDF ----------------------------------------------------------------------------


def test_out_writes_the_file_and_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "harbor.html"
    first = run_cli("statement", "harbor-logistics", "--format", "html", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert first.exit_code == 0, first.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    again = run_cli("statement", "harbor-logistics", "--format", "html", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert again.exit_code == 2 and "--force" in again.stderr
    forced = run_cli("statement", "harbor-logistics", "--format", "md", "--out", str(out), "--force", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert forced.exit_code == 0 and out.read_text(encoding="utf-8").startswith("# Statement of account: Harbor Logistics")
    table = run_cli("statement", "harbor-logistics", "--format", "csv", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert table.exit_code == 2


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed here (Debian: apt-get install chromium); the browser check was not run")
def test_the_html_statement_loads_cleanly_in_a_browser_and_fetches_nothing(tmp_path: Path) -> None:
    page = tmp_path / "statement.html"
    result = run_cli("statement", "harbor-logistics", "--format", "html", "--out", str(page), books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    loaded = load_page(page, tmp_path / "profile", {"title": "document.title", "rows": "document.querySelectorAll('tr.line').length"})
    loaded.assert_clean()
    assert loaded.values["title"].startswith("Harbor Logistics")
    assert loaded.values["rows"] == 4  # September to November: three invoices and a payment


def _pdftotext(path: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext (Debian's poppler-utils) is needed to read PDFs back; .ci/run installs it")
    return subprocess.run([tool, "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_the_pdf_is_the_same_bytes_twice_and_reads_back(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint", reason="PDF output needs the pdf extra (WeasyPrint)")
    paths = [tmp_path / "one.pdf", tmp_path / "two.pdf"]
    for path in paths:
        result = run_cli("statement", "harbor-logistics", "--format", "pdf", "--out", str(path), books=EXAMPLES, as_of=EXAMPLES_AS_OF)
        assert result.exit_code == 0, result.stderr
    first, second = (p.read_bytes() for p in paths)
    assert first.startswith(b"%PDF-") and first == second
    text = _pdftotext(paths[0])
    assert "Brightline Studio LLC" in text
    assert "88 Pier Street, Suite 400" in text and "Baltimore, MD 21230" in text
    assert re.search(r"Closing balance\s+37,000\.00 USD", text)
    assert "INV-2026-062" in text and ".beancount:" not in text


def test_a_vendor_statement_names_the_vendor_and_has_no_remittance() -> None:
    markdown = statement("dana-okafor", "--format", "md")
    assert markdown.startswith("# Vendor statement: Dana Okafor (dana-okafor)")
    assert "Vendor: **Dana Okafor**" in markdown and "BILL-OKAFOR-2026-11" in markdown
    assert "Bill to" not in markdown and "How to pay" not in markdown
