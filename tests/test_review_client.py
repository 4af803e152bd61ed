"""The account review a client sees (`review --audience client`), and reviews as PDF.

The client's deck is the internal review projected: its open invoices and fees are the
internal review's own records, and nothing internal (health, risks, chases, notes, other
clients) reaches it in any format.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, cast

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, EXAMPLES_AS_OF, REPO, make_books, run_cli

from acct_tool.cli import cli
from acct_tool.engines import review_records
from acct_tool.render import pdf

HARBOR = "harbor-logistics"
OTHER_CLIENTS = [
    "ACME Manufacturing",
    "Fernwood Coffee Roasters",
    "Meridian Credit Union",
    "Nordlicht Verlag",
    "Oakridge Dental",
    "Pinecrest Bakery",
    "Quill & Ink",
    "Quill &amp; Ink",
    "Solstice Health",
    "Vertex Retail",
    "CloudNest",
    "Pixelforge",
    "Dana Okafor",
]
#: What the internal review of Harbor Logistics shows and its client must never read.
INTERNAL = [
    "Health",
    "health",
    "risk",
    "Risk",
    "Chase",
    "chase",
    "remediation",
    "RouteWise",  # a risk's summary, and an interaction's
    "Paid on time through 2025",  # the profile's notes:
    "approval queue",  # a risk and an interaction
    "Red flag",
    "red_flag",
    "at-risk",  # a tag
    "Driver mobile app",  # an opportunity
    "Considering other options",  # a survey comment
    "competitor",
    "portfolio",
    "Check in",
]
needs_pdf = pytest.mark.skipif(not pdf.available(), reason="WeasyPrint is not installed here; PDF output was not checked")


def client_review(fmt: str, books: Path = EXAMPLES, party: str = HARBOR) -> str:
    result = run_cli("review", party, "--audience", "client", "--format", fmt, books=books, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    return result.output


def internal_json() -> Any:
    result = run_cli("review", HARBOR, "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    return result.json()["clients"][HARBOR]


def pdf_bytes(*args: str, books: Path = EXAMPLES) -> bytes:
    result = CliRunner().invoke(cli, ["--books", str(books), "--as-of", EXAMPLES_AS_OF, "review", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes


def pdftotext(data: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext (Debian's poppler-utils) is needed to read PDFs back; .ci/run installs it")
    path = tmp_path / "review.pdf"
    path.write_bytes(data)
    return subprocess.run([tool, "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def without_dates(text: str) -> str:
    return re.sub(r"\d{4}-\d{2}(-\d{2})?", "", text)


@pytest.mark.parametrize("fmt", ["html", "md", "json"])
def test_the_client_reads_none_of_the_internal_review(fmt: str) -> None:
    text = client_review(fmt)
    for word in INTERNAL:
        assert word not in text, f"{word!r} in the client's {fmt} review"
    for name in OTHER_CLIENTS:
        assert name not in text, f"another client, {name!r}, in the client's {fmt} review"
    score = internal_json()["health"]["score"]
    assert score == 13
    assert not re.search(rf"(?<![\d.,]){score}(?![\d.,])", without_dates(text)), "the health score is in the client's review"


@pytest.mark.parametrize("fmt", ["html", "md", "json"])
def test_the_client_reads_its_goals_open_invoices_renewal_and_agreed_next_step(fmt: str) -> None:
    text = client_review(fmt)
    assert "Real-time fleet visibility for dispatchers" in text
    assert "where is my delivery" in text
    for number in ("INV-2026-039", "INV-2026-044", "INV-2026-049", "INV-2026-055", "INV-2026-062"):
        assert number in text
    assert "2026-12-31" in text  # the renewal
    assert "Send payment plan proposal and book exec sponsor call" in text
    assert "Brightline Studio LLC" in text  # the letterhead
    if fmt != "json":
        assert "5,000.00 USD" in text and "37,000.00 USD" in text  # INV-2026-039 part-paid; the balance open
        assert "Northbank" in text and "021000089" in text  # how to pay


def test_open_invoices_are_the_internal_reviews_and_open_ars_figures() -> None:
    deck = run_cli("review", HARBOR, "--audience", "client", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()
    internal = internal_json()
    assert deck["open_documents"] == internal["money"]["open_documents"]
    open_ar = run_cli("open", "ar", "--party", HARBOR, "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()
    assert [(d["document"], d["open"], d["due"]) for d in deck["open_documents"]] == [
        (d["document"], d["open"], d["due"]) for d in sorted(open_ar["documents"], key=lambda d: (d["due"], d["document"]))
    ]
    assert len(deck["open_documents"]) == 5
    figures = {m["currency"]: m for m in internal["money"]["currencies"]}
    for m in deck["currencies"]:
        here = figures[m["currency"]]
        assert (m["open"], m["overdue"], m["credits"], m["fees"], m["fees_ytd"]) == (
            here["open"],
            here["overdue"],
            here["credits"],
            here["revenue"],
            here["revenue_ytd"],
        )
    assert deck["currencies"][0]["open"] == {"number": "37000.00", "currency": "USD"}
    assert [d["document"] for d in deck["invoiced"]] == ["INV-2026-055", "INV-2026-062"]  # dated in 2026-Q4 to date
    assert deck["contract"]["renewal"] == internal["renewal"]["date"] == "2026-12-31"
    assert [s["action"] for s in deck["next_steps"]] == [s["action"] for s in internal["next_steps"]]


def test_the_internal_review_is_unchanged_by_default() -> None:
    default = run_cli("review", HARBOR, "--format", "md", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    internal = run_cli("review", HARBOR, "--format", "md", "--audience", "internal", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    golden = (REPO / "tests" / "golden" / "review" / "md" / f"review-{HARBOR}.md").read_text("utf-8")
    assert default.output == internal.output == golden


def test_notes_tags_and_contact_notes_stay_internal(tmp_path: Path) -> None:
    books = make_books(
        tmp_path / "books",
        ledger="""
        2025-01-01 open Assets:Receivable:Acme USD
        2026-10-05 * "Acme" "Invoice INV-9 - Website audit" ^INV-9
          Assets:Receivable:Acme  1200.00 USD
          Income:Services
        """,
        profiles={
            "acme": """
            id: acme
            name: Acme
            kind: client
            manager: lan
            accounts: {receivable: "Assets:Receivable:Acme", income: [Income:Services]}
            contacts:
              - {name: Ann Lee, primary: true, notes: "Ann is SECRET-CONTACT-NOTE"}
            goals: [Launch the new shop]
            interactions:
              - {date: 2026-10-05, channel: call, with: Ann Lee, by: lan, summary: SECRET-SUMMARY, next_step: {action: Send the audit, due: 2026-12-10}}
            risks:
              - {opened: 2026-10-06, summary: SECRET-RISK, severity: high, status: open}
            tags: [SECRET-TAG]
            notes: SECRET-PROFILE-NOTE
            """,
            "beta": "id: beta\nname: Beta Other Client\nkind: client\nmanager: lan\n",
        },
    )
    for fmt in ("md", "html", "json"):
        text = client_review(fmt, books=books, party="acme")
        assert "SECRET" not in text and "Beta Other Client" not in text
        assert "Launch the new shop" in text and "Send the audit" in text and re.search(r"\blan\b", text)  # the owner
        assert "INV-9" in text and "Website audit" in text


def test_out_writes_one_client_file_each_and_no_portfolio_or_index(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("review", "--audience", "client", "--format", "html", "--manager", "tom", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == ["review-harbor-logistics.client.html", "review-quill-ink.client.html", "review-vertex-retail.client.html"]
    harbor = (out / "review-harbor-logistics.client.html").read_text("utf-8")
    assert "Quill" not in harbor and "Vertex" not in harbor
    again = run_cli("review", "--audience", "client", "--format", "html", "--manager", "tom", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert again.exit_code == 0, again.stderr  # its own files are overwritten


def test_several_clients_without_out_are_refused_for_the_client_too() -> None:
    result = run_cli("review", "--audience", "client", "--format", "json", "--manager", "tom", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2
    assert "name one PARTY" in result.stderr
    assert result.output == ""


def test_a_logo_that_cannot_be_used_is_reported_and_left_out(examples_copy: Path) -> None:
    settings = examples_copy / "acct-tool.yaml"
    settings.write_text(settings.read_text().replace("  payment_note:", "  logo: assets/missing.png\n  payment_note:"))
    result = run_cli("review", HARBOR, "--audience", "client", "--format", "html", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 1
    assert "firm.logo" in result.stderr
    assert "<img" not in result.output and "Open invoices" in result.output


def test_a_logo_in_the_books_is_inlined(examples_copy: Path) -> None:
    (examples_copy / "assets").mkdir()
    (examples_copy / "assets" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n')
    settings = examples_copy / "acct-tool.yaml"
    settings.write_text(settings.read_text().replace("  payment_note:", "  logo: assets/logo.svg\n  payment_note:"))
    html = client_review("html", books=examples_copy)
    assert '<img class="logo" src="data:image/svg+xml;base64,' in html


def test_the_books_can_override_the_client_template_and_user_text_is_escaped(examples_copy: Path) -> None:
    profile = examples_copy / "clients" / "harbor-logistics.yaml"
    profile.write_text(profile.read_text().replace("  - Real-time fleet visibility for dispatchers", '  - "<script>alert(1)</script> & more"'))
    html = client_review("html", books=examples_copy)
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    md = client_review("md", books=examples_copy)
    assert "\\<script\\>alert(1)\\</script\\>" in md  # Markdown-escaped, so no renderer runs it
    (examples_copy / "templates").mkdir(exist_ok=True)
    (examples_copy / "templates" / "review-client.md.j2").write_text("Deck for {{ client.name }}: {{ open_documents | length }} open\n")
    assert client_review("md", books=examples_copy) == "Deck for Harbor Logistics: 5 open\n"
    (examples_copy / "templates" / "review-client.md.j2").write_text("{{ health.score }}\n")
    result = run_cli("review", HARBOR, "--audience", "client", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 1 and "template-undefined" in result.stderr  # the context has no health to show


def test_the_deck_records_are_documented() -> None:
    text = (REPO / "docs" / "templates.md").read_text("utf-8")
    for cls in review_records.DECK_RECORDS:
        assert f"### `{cls.__name__}`" in text
        for f in dataclasses.fields(cast(Any, cls)):
            assert f"| `{f.name.rstrip('_')}` |" in text


# --- PDF ------------------------------------------------------------------------


@needs_pdf
def test_the_client_pdf_is_reproducible_and_reads_like_the_html(tmp_path: Path) -> None:
    first = pdf_bytes(HARBOR, "--audience", "client", "--format", "pdf")
    second = pdf_bytes(HARBOR, "--audience", "client", "--format", "pdf")
    assert first.startswith(b"%PDF") and first == second
    text = pdftotext(first, tmp_path)
    assert "INV-2026-039" in text and "Send payment plan proposal" in text and "2026-12-31" in text
    for word in ("Health", "Risk", "risk", "Chase", "RouteWise"):
        assert word not in text
    assert "7,500" in text  # an axis label of the fees chart: the inline SVG is drawn


@needs_pdf
def test_the_internal_pdf_draws_its_charts_on_the_settings_paper(tmp_path: Path) -> None:
    data = pdf_bytes(HARBOR, "--format", "pdf")
    assert data == pdf_bytes(HARBOR, "--format", "pdf")
    text = pdftotext(data, tmp_path)
    assert "Health" in text and "Revenue by month, last 12 months (USD)" in text
    assert "NPS responses over time" in text and "7,500" in text  # the SVG's axis, not only its table
    info = subprocess.run(["pdfinfo", str(tmp_path / "review.pdf")], check=True, capture_output=True, text=True).stdout
    assert "(letter)" in info  # documents.paper of the examples, over the review stylesheet's A4


@needs_pdf
def test_pdf_out_writes_pdf_files_and_keeps_them_its_own(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("review", HARBOR, "--audience", "client", "--format", "pdf", "--out", str(out))
    result = run_cli(*args, books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    written = out / "review-harbor-logistics.client.pdf"
    assert written.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [written.name]
    assert run_cli(*args, books=EXAMPLES, as_of=EXAMPLES_AS_OF).exit_code == 0  # rewrites its own file
    written.write_bytes(b"%PDF edited")
    refused = run_cli(*args, books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert refused.exit_code == 2 and "--force" in refused.stderr


def test_pdf_without_weasyprint_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> Any:
        raise pdf.PdfUnavailable(pdf.MISSING)

    monkeypatch.setattr(pdf, "_weasyprint", missing)
    result = run_cli("review", HARBOR, "--audience", "client", "--format", "pdf", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2
    assert "pip install 'acct-tool[pdf]'" in result.stderr


# --- the browser ----------------------------------------------------------------


def test_the_client_html_loads_cleanly_in_a_browser(tmp_path: Path) -> None:
    from test_review_browser import CHROMIUM, load_page

    if CHROMIUM is None:
        pytest.skip("Chromium is not installed here (Debian: apt-get install chromium); the browser check was not run")
    page = tmp_path / "review.html"
    page.write_text(client_review("html"), "utf-8")
    loaded = load_page(page, tmp_path / "profile", {"title": "document.title", "svgs": "document.querySelectorAll('svg').length"})
    loaded.assert_clean()
    assert loaded.values["title"].startswith("Harbor Logistics")
    assert loaded.values["svgs"] == 1  # fees by month
