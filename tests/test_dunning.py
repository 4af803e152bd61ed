"""`acct-tool dunning`: one reminder letter per client with invoices due to be chased,
worded by collection level, as Markdown, HTML, PDF or an e-mail draft; and `log --reminder`,
which records a reminder and moves the collection follow-up to the next level."""

from __future__ import annotations

import datetime
import difflib
import email.policy
import shutil
import subprocess
from collections.abc import Callable
from decimal import Decimal
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

from acct_tool.books.load import load_books
from acct_tool.diagnostics import Location
from acct_tool.engines.dunning import letters
from acct_tool.engines.followups import collection_level, collection_step
from acct_tool.engines.receivables import Document, Side

Books = Callable[..., Path]


def parse(path: Path) -> EmailMessage:
    message = BytesParser(policy=email.policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    return message


def body(message: EmailMessage, kind: str) -> str:
    part = message.get_body(preferencelist=(kind,))
    assert part is not None and part.get_content_type() == f"text/{kind}"
    return str(part.get_content())


def collection_items(books: Path, as_of: str, *extra: str) -> list[dict[str, object]]:
    result = run_cli("followups", "--format", "json", *extra, books=books, as_of=as_of)
    assert result.exit_code == 0, result.stderr
    return [f for f in result.json()["items"] if f["kind"] == "collection"]


# --- the examples -------------------------------------------------------------


def test_eml_drafts_go_to_the_clients_followups_chases_addressed_to_the_billing_contact(tmp_path: Path) -> None:
    out = tmp_path / "letters"
    result = run_cli("dunning", "--format", "eml", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    chases = collection_items(EXAMPLES, EXAMPLES_AS_OF)
    parties = {str(f["party"]) for f in chases}
    assert parties == {"harbor-logistics", "meridian", "fernwood", "vertex-retail"}
    assert {p.name for p in out.iterdir()} == {f"dunning-{p}.eml" for p in parties}
    for party in parties:
        message = parse(out / f"dunning-{party}.eml")
        contacts = {str(f["contact"]) for f in chases if f["party"] == party}
        (contact,) = contacts  # followups names the same billing contact for every chase of a party
        assert message["To"].addresses[0].addr_spec in contact
        assert message["From"].addresses[0].addr_spec == "billing@brightline.example"
        assert message["X-Unsent"] == "1"
        assert message["Date"].datetime.date() == datetime.date(2026, 11, 30)
        for f in chases:
            if f["party"] == party:
                assert str(f["document"]) in message["Subject"]
                assert str(f["document"]) in body(message, "plain")
                assert str(f["document"]) in body(message, "html")
    harbor = parse(out / "dunning-harbor-logistics.eml")
    assert str(harbor["To"]) == "Paul Ferreira <ap@harborlogistics.example>"
    assert harbor["Subject"] == "Final notice: INV-2026-039, INV-2026-044, INV-2026-049, INV-2026-055"
    assert "29,000.00 USD" in body(harbor, "plain")  # 5,000 + 3 x 8,000 open; INV-2026-062 is not yet due
    assert "INV-2026-062" not in body(harbor, "plain")
    assert "Account number" in body(harbor, "plain") and "4400123456" in body(harbor, "html")


def test_drafts_are_reproducible_and_not_overwritten_without_force(tmp_path: Path) -> None:
    out = tmp_path / "letters"
    assert run_cli("dunning", "--format", "eml", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF).exit_code == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    again = run_cli("dunning", "--format", "eml", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert again.exit_code == 2 and "--force" in again.stderr
    assert run_cli("dunning", "--format", "eml", "--out", str(out), "--force", books=EXAMPLES, as_of=EXAMPLES_AS_OF).exit_code == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    message = parse(out / "dunning-meridian.eml")
    assert message["Message-ID"].endswith("@brightline.example>")


def test_the_level_is_the_highest_any_chased_invoice_reached_and_changes_the_wording() -> None:
    chases = collection_items(EXAMPLES, EXAMPLES_AS_OF)
    highest = {p: max(int(str(f["level"])) for f in chases if f["party"] == p) for p in {str(f["party"]) for f in chases}}
    assert highest["harbor-logistics"] == 3 and highest["meridian"] == 1
    harbor = run_cli("dunning", "harbor-logistics", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    meridian = run_cli("dunning", "meridian", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert harbor.exit_code == meridian.exit_code == 0
    assert "# Final notice" in harbor.output and "suspend further work" in harbor.output
    assert "# Payment reminder" in meridian.output and "friendly reminder" in meridian.output
    assert "suspend" not in meridian.output
    assert "Dear Lena Kovacs," in meridian.output and "Priya" in meridian.output  # signed by the account manager


def test_level_option_forces_the_wording() -> None:
    second = run_cli("dunning", "meridian", "--level", "2", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert second.exit_code == 0, second.stderr
    assert "# Second reminder" in second.output and "within 7 days" in second.output
    beyond = run_cli("dunning", "meridian", "--level", "5", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert "# Final notice" in beyond.output  # levels past the templates use the last one
    assert run_cli("dunning", "meridian", "--level", "0", books=EXAMPLES, as_of=EXAMPLES_AS_OF).exit_code == 2


def test_stdout_takes_one_letter_and_nothing_due_is_not_an_error() -> None:
    many = run_cli("dunning", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert many.exit_code == 2 and "--out" in many.stderr
    calm = run_cli("dunning", "acme", books=EXAMPLES, as_of=EXAMPLES_AS_OF)  # its invoice is due tomorrow
    assert (calm.exit_code, calm.output) == (0, "")
    assert "acme" in calm.stderr and "nothing written" in calm.stderr
    early = run_cli("dunning", books=EXAMPLES, as_of="2026-01-05")
    assert early.exit_code == 0 and "nothing written" in early.stderr
    assert run_cli("dunning", "nobody", books=EXAMPLES, as_of=EXAMPLES_AS_OF).exit_code == 2


def test_out_dir_inside_the_profiles_folder_is_refused(examples_copy: Path) -> None:
    result = run_cli("dunning", "--out", str(examples_copy / "clients" / "letters"), books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2 and "profiles folder" in result.stderr
    assert not (examples_copy / "clients" / "letters").exists()


def test_html_and_pdf(tmp_path: Path) -> None:
    html = run_cli("dunning", "harbor-logistics", "--format", "html", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert html.exit_code == 0, html.stderr
    assert html.output.startswith("<!DOCTYPE html>") and "<h1>Final notice</h1>" in html.output
    assert "INV-2026-055" in html.output and "Rheinbank" not in html.output  # the bank of the letter's currency
    pytest.importorskip("weasyprint")
    out = tmp_path / "pdf"
    assert run_cli("dunning", "--format", "pdf", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF).exit_code == 0
    first = (out / "dunning-harbor-logistics.pdf").read_bytes()
    assert run_cli("dunning", "--format", "pdf", "--out", str(out), "--force", books=EXAMPLES, as_of=EXAMPLES_AS_OF).exit_code == 0
    assert (out / "dunning-harbor-logistics.pdf").read_bytes() == first
    tool = shutil.which("pdftotext")
    assert tool is not None, "pdftotext (poppler-utils) reads the PDF back"
    text = subprocess.run([tool, str(out / "dunning-harbor-logistics.pdf"), "-"], check=True, capture_output=True, text=True).stdout
    for number in ("INV-2026-039", "INV-2026-044", "INV-2026-049", "INV-2026-055"):
        assert number in text
    assert "Final notice" in text


def test_a_template_in_the_books_overrides_the_builtin_one(examples_copy: Path) -> None:
    folder = examples_copy / "templates"
    folder.mkdir()
    (folder / "dunning-1.md.j2").write_text(
        '{% extends "_dunning.md.j2" %}{% block opening %}A gentle nudge from {{ letterhead.firm.name | md }}.{% endblock %}\n', encoding="utf-8"
    )
    result = run_cli("dunning", "meridian", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    assert "A gentle nudge from Brightline Studio LLC." in result.output and "friendly reminder" not in result.output
    final = run_cli("dunning", "harbor-logistics", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert "suspend further work" in final.output  # the other levels keep the built-in wording
    (folder / "dunning-1.md.j2").write_text("{{ no_such_name }}\n", encoding="utf-8")
    broken = run_cli("dunning", "meridian", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert broken.exit_code == 1 and "template-undefined" in broken.stderr


def test_eml_needs_the_firms_address(examples_copy: Path) -> None:
    settings = examples_copy / "acct-tool.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("  email: billing@brightline.example\n", ""), encoding="utf-8")
    result = run_cli("dunning", "--format", "eml", "--out", str(examples_copy.parent / "out"), books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2 and "firm: email:" in result.stderr


# --- small books ----------------------------------------------------------------

OPENS = "2025-01-01 open Assets:Receivable:Acme USD\n2025-01-01 open Assets:Receivable:Beta USD\n"
FIRM = "payment_days: 30\nfirm: {name: Brightline Studio LLC, email: billing@brightline.example}\n"


def invoice(number: str, date: str, due: str, account: str = "Acme", amount: str = "1000.00") -> str:
    return f'\n{date} * "{account}" "Invoice {number}" ^{number}\n  due: {due}\n  Assets:Receivable:{account}  {amount} USD\n  Income:Services\n'


def client(ident: str, name: str, contacts: str) -> str:
    return f"id: {ident}\nname: {name}\nkind: client\nmanager: lan\naccounts: {{receivable: Assets:Receivable:{ident.title()}}}\ncontacts:\n{contacts}"


def test_a_contact_name_with_a_line_break_cannot_inject_a_header(books: Books, tmp_path: Path) -> None:
    root = books(
        ledger=OPENS + invoice("INV-1", "2026-09-01", "2026-10-01") + invoice("INV-2", "2026-09-01", "2026-10-01", "Beta"),
        profiles={
            "acme": client("acme", "Acme Inc", '  - {name: "Raj Patel\\nBcc: thief@evil.example", email: ap@acme.example, billing: true}\n'),
            "beta": client("beta", "Beta LLC", "  - {name: Ana Ruiz, email: ana@beta.example}\n"),
        },
        settings=FIRM,
    )
    out = tmp_path / "letters"
    result = run_cli("dunning", "--format", "eml", "--out", str(out), books=root, as_of="2026-10-20")
    assert result.exit_code == 0, result.stderr
    assert "acme: skipped" in result.stderr and "line break" in result.stderr
    assert [p.name for p in out.iterdir()] == ["dunning-beta.eml"]
    beta = parse(out / "dunning-beta.eml")
    assert str(beta["To"]) == "Ana Ruiz <ana@beta.example>" and beta["Bcc"] is None
    assert all(b"thief" not in p.read_bytes() for p in out.iterdir())


def test_a_billing_contact_without_email_is_reported_and_skipped(books: Books, tmp_path: Path) -> None:
    root = books(
        ledger=OPENS + invoice("INV-1", "2026-09-01", "2026-10-01"),
        profiles={
            "acme": client("acme", "Acme Inc", "  - {name: Raj Patel, phone: '+1 555 0100', billing: true}\n  - {name: Mai Tran, email: mai@acme.example}\n")
        },
        settings=FIRM,
    )
    result = run_cli("dunning", "--format", "eml", "--out", str(tmp_path / "letters"), books=root, as_of="2026-10-20")
    assert result.exit_code == 0
    assert "acme: skipped: its billing contact Raj Patel has no email" in result.stderr
    assert not list((tmp_path / "letters").glob("*.eml"))
    letter = run_cli("dunning", "acme", books=root, as_of="2026-10-20")  # a letter on paper still has its addressee
    assert letter.exit_code == 0 and "Dear Raj Patel," in letter.output


def test_the_markdown_letter_neutralises_text_from_the_books(books: Books) -> None:
    root = books(
        ledger=OPENS + invoice("INV-1", "2026-09-01", "2026-10-01"),
        profiles={
            "acme": client("acme", "'Acme | <b>Corp</b> **Inc**'", "  - {name: '[Raj](http://evil.example) Patel', email: ap@acme.example, billing: true}\n")
        },
        settings=FIRM,
    )
    result = run_cli("dunning", "acme", books=root, as_of="2026-10-20")
    assert result.exit_code == 0, result.stderr
    assert "<b>" not in result.output and "**Inc**" not in result.output and "Acme | " not in result.output
    assert "[Raj](http://evil.example)" not in result.output and "\\[Raj\\]" in result.output  # no link
    html = run_cli("dunning", "acme", "--format", "html", books=root, as_of="2026-10-20")
    assert "<b>Corp</b>" not in html.output and "&lt;b&gt;Corp&lt;/b&gt;" in html.output


def test_totals_are_per_currency() -> None:
    books = load_books(EXAMPLES, datetime.date(2026, 12, 20))
    found = {letter.party.id: letter for letter in letters(books.parties, books.settings, books.open_items(Side.AR), books.as_of)}
    nordlicht = found["nordlicht"]  # its EUR invoice was due 2026-12-04
    assert [str(m) for m in nordlicht.totals] == ["7800.00 EUR"]
    context = nordlicht.context(books.settings)
    assert [r["bank"] for r in context["remittances"]] == ["Rheinbank AG"]


# --- recording a reminder -------------------------------------------------------


def test_log_reminder_records_the_numbers_with_a_default_summary(examples_copy: Path) -> None:
    profile = examples_copy / "clients" / "harbor-logistics.yaml"
    before = profile.read_text(encoding="utf-8")
    result = run_cli(
        "log", "harbor-logistics", "--channel", "email", "--reminder", "INV-2026-055", "--reminder", "INV-2026-049", books=examples_copy, as_of=EXAMPLES_AS_OF
    )
    assert result.exit_code == 0, result.stderr
    after = profile.read_text(encoding="utf-8")
    added = [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]
    assert all(line.startswith("+ ") for line in added) and "+     reminders: [INV-2026-055, INV-2026-049]" in added
    last = yaml.safe_load(after)["interactions"][-1]
    assert last["summary"] == "Payment reminder for INV-2026-055, INV-2026-049"
    assert last["reminders"] == ["INV-2026-055", "INV-2026-049"]
    assert run_cli("check", books=examples_copy, as_of=EXAMPLES_AS_OF).exit_code == 0


def test_log_reminder_for_a_number_that_is_not_an_open_invoice_of_the_party_is_refused(examples_copy: Path) -> None:
    profile = examples_copy / "clients" / "meridian.yaml"
    before = profile.read_text(encoding="utf-8")
    for number in ("INV-2026-039", "INV-9999"):  # harbor's invoice; no such invoice
        result = run_cli("log", "meridian", "--channel", "email", "--reminder", number, books=examples_copy, as_of=EXAMPLES_AS_OF)
        assert result.exit_code == 2 and number in result.stderr and "INV-2026-052" in result.stderr
    assert run_cli("log", "meridian", "--channel", "email", books=examples_copy, as_of=EXAMPLES_AS_OF).exit_code == 2  # no summary, no reminder
    assert profile.read_text(encoding="utf-8") == before


def test_a_reminder_moves_the_followup_to_the_next_level_and_shows_in_the_letter(examples_copy: Path) -> None:
    # INV-2026-052 was due 2026-11-15: level 1 (7 days) on 2026-11-22, level 2 (30 days) on 2026-12-15.
    [chase] = [f for f in collection_items(examples_copy, EXAMPLES_AS_OF) if f["document"] == "INV-2026-052"]
    assert (chase["due"], chase["level"]) == ("2026-11-22", 1)
    logged = run_cli("log", "meridian", "--channel", "email", "--date", "2026-11-25", "--reminder", "INV-2026-052", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert logged.exit_code == 0, logged.stderr
    assert not [f for f in collection_items(examples_copy, EXAMPLES_AS_OF) if f["document"] == "INV-2026-052"]
    [later] = [f for f in collection_items(examples_copy, EXAMPLES_AS_OF, "--within", "30") if f["document"] == "INV-2026-052"]
    assert (later["due"], later["level"], later["status"]) == ("2026-12-15", 2, "upcoming")
    assert "reminded 2026-11-25" in str(later["message"])
    calm = run_cli("dunning", "meridian", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert calm.exit_code == 0 and calm.output == ""  # answered: no letter until it reaches level 2
    # a reminded invoice still shows in the letter of a client with another invoice due
    harbor = run_cli(
        "log", "harbor-logistics", "--channel", "email", "--date", "2026-11-25", "--reminder", "INV-2026-055", books=examples_copy, as_of=EXAMPLES_AS_OF
    )
    assert harbor.exit_code == 0, harbor.stderr
    letter = run_cli("dunning", "harbor-logistics", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert "| INV-2026-055 |" in letter.output
    (row,) = [line for line in letter.output.splitlines() if line.startswith("| INV-2026-055 |")]
    assert row.endswith("reminded on 2026-11-25 |")


def doc(due: str) -> Document:
    d = datetime.date.fromisoformat(due)
    return Document(Side.AR, "INV-1", "INV-1", "acme", "Assets:Receivable:Acme", d, d, "USD", Decimal(100), (), "", Location("x"), Decimal(0))


def test_collection_step_after_reminders() -> None:
    d = doc("2026-01-01")
    levels = (7, 30, 60)
    day = datetime.date.fromisoformat
    assert [collection_level(n, levels) for n in (-1, 6, 7, 29, 30, 60, 200)] == [0, 0, 1, 1, 2, 3, 3]
    plain = collection_step(d, day("2026-01-10"), levels)
    assert (plain.reached, plain.level, plain.due, plain.reminded) == (1, 1, day("2026-01-08"), None)
    reminded = collection_step(d, day("2026-01-20"), levels, [day("2026-01-10")])
    assert (reminded.level, reminded.due) == (2, day("2026-01-31"))
    reached_next = collection_step(d, day("2026-02-05"), levels, [day("2026-01-10")])  # past 30 days: due since level 2
    assert (reached_next.level, reached_next.due) == (2, day("2026-01-31"))
    early = collection_step(d, day("2026-01-04"), levels, [day("2026-01-03")])  # reminded before level 1: chase at level 1
    assert (early.level, early.due) == (1, day("2026-01-08"))
    final = collection_step(d, day("2026-03-10"), levels, [day("2026-03-05")])  # the last level: again after 30 days
    assert (final.level, final.due) == (3, day("2026-04-04"))
    future = collection_step(d, day("2026-01-10"), levels, [day("2026-01-20")])  # a reminder after the date does not count
    assert future.reminded is None and future.due == day("2026-01-08")
