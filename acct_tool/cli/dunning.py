"""``acct-tool dunning``: reminder letters to clients with overdue invoices."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from acct_tool.cli.common import (
    EXIT_FINDINGS,
    PARTY_POSTINGS,
    TEXT,
    Context,
    UsageError,
    check_parties,
    emit_document,
    format_option,
    say,
    warn_if_broken,
)
from acct_tool.cli.completion import complete_party
from acct_tool.diagnostics import Diagnostic
from acct_tool.engines.receivables import Side
from acct_tool.render import diagnostics as diagnostics_view

if TYPE_CHECKING:
    from acct_tool.engines.dunning import Letter

Render = Callable[[str, dict[str, object], str], "bytes | None"]


@click.command()
@click.argument("parties", type=TEXT, nargs=-1, metavar="[PARTY]...", shell_complete=complete_party)
@click.option(
    "--level",
    type=click.IntRange(min=1),
    metavar="N",
    help="Write every letter at collection level N (1 reminder, 2 second reminder, 3 and above final notice) whatever level its invoices reached.",
)
@format_option("md", "html", "pdf", "eml")
@click.option(
    "--out",
    "out",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one file per client, dunning-<id>.<ext>, into DIR.",
)
@click.option("--force", is_flag=True, help="Overwrite letters already in DIR.")
@click.pass_obj
def dunning(obj: Context, parties: tuple[str, ...], level: int | None, fmt: str, out: Path | None, force: bool) -> None:
    """Reminder letters to clients whose overdue invoices are due to be chased.

    A client gets a letter when one of its invoices has a collection follow-up
    due (the collection levels of `followups`, default 7, 30 and 60 days past
    due, answered by reminders recorded with `log --reminder`). The letter
    lists every overdue invoice of the client, with amounts, days overdue and
    when it was reminded, the totals per currency and how to pay. Its wording
    follows the highest level its invoices reached: 1 a friendly reminder, 2 a
    second reminder, 3 a final notice (templates dunning-1/2/3, overridable in
    the books' templates folder); --level N writes every letter at level N.

    --format eml writes an e-mail draft (never sent) from firm.email to the
    billing contact, with the letter as text and HTML; a client whose billing
    contact has no e-mail address, or whose name or address would break a
    header, is reported and skipped. With --out DIR, one file per client;
    without, the one letter on stdout. Nothing overdue: says so, exit 0.

    Example: acct-tool --as-of 2026-11-30 dunning --format eml --out letters/
    """
    from acct_tool.books.assets import read_logo
    from acct_tool.edit.files import WriteError, check_target, write_atomic
    from acct_tool.engines.dunning import letters as find_letters
    from acct_tool.render.documents import render_document
    from acct_tool.render.pdf import PdfUnavailable
    from acct_tool.render.report_files import check_out_dir
    from acct_tool.render.reports import Templates

    books = obj.books(PARTY_POSTINGS)
    check_parties(books, parties)
    settings = books.settings
    if fmt == "eml" and not settings.firm.email:
        raise UsageError("--format eml sends from the firm's address: set `firm: email:` in acct-tool.yaml (see docs/documents.md)")
    found = find_letters(books.parties, settings, books.open_items(Side.AR), books.as_of, chosen=parties or None, level=level)
    warn_if_broken(books)
    for pid in parties:
        if pid not in {letter.party.id for letter in found}:
            say(f"{pid}: no overdue invoice is due for a reminder; no letter")
    if not found:
        say("no client has overdue invoices due for a reminder; nothing written")
        return
    if out is None and len(found) > 1:
        raise UsageError(f"{len(found)} clients have letters due; name one PARTY or pass --out DIR to write them all")
    if out is not None:
        refusal = check_out_dir(out, {"ledger": (books.root / settings.ledger).parent, "profiles": books.root / settings.profiles})
        if refusal:
            raise UsageError(refusal)

    templates = Templates.for_books(books)
    logo, logo_problems = read_logo(books.root, settings)
    _show(logo_problems)
    problems: list[Diagnostic] = []
    rendered: list[tuple[str, bytes]] = []
    paper = settings.documents.paper

    def render(name: str, context: dict[str, object], kind: str) -> bytes | None:
        try:
            data, found_problems = render_document(templates, name, context, kind, books_root=books.root, paper=paper, as_of=books.as_of)
        except PdfUnavailable as exc:
            raise UsageError(str(exc)) from None
        problems.extend(found_problems)
        return data

    for letter in found:
        context = letter.context(settings, logo)
        if fmt != "eml":
            data = render(letter.template, context, fmt)
        else:
            data = _draft(letter, context, settings.firm.name, settings.firm.email or "", render)
        if data is not None:
            rendered.append((letter.party.id, data))
    if problems:
        click.echo(diagnostics_view.to_text(problems), err=True, nl=False)
        sys.exit(EXIT_FINDINGS)
    if not rendered:
        say("no letter written")
        return
    if out is None:
        emit_document(rendered[0][1], fmt, None, force)
        return
    out.mkdir(parents=True, exist_ok=True)
    targets = [(out / f"dunning-{pid}.{fmt}", data) for pid, data in rendered]
    try:
        for path, _ in targets:  # all or nothing: a letter that may not be replaced stops the run before any is written
            check_target(path, force)
        for path, data in targets:
            write_atomic(path, data, force, durable=False)
    except WriteError as exc:
        raise UsageError(str(exc)) from None
    for path, _ in targets:
        click.echo(str(path))
    say(f"wrote {len(targets)} letter{'s' if len(targets) != 1 else ''} into {out}")


def _draft(letter: Letter, context: dict[str, object], firm_name: str | None, firm_email: str, render: Render) -> bytes | None:
    """The letter as an e-mail draft, or None (the client reported) when it cannot be addressed."""
    from acct_tool.render.mail import DraftError, draft

    pid = letter.party.id
    contact = letter.contact
    if contact is None or not contact.email:
        who = f"its billing contact {contact.name} has no email" if contact is not None else "it has no contacts"
        say(f"{pid}: skipped: {who}; add `email:` to the billing contact in {letter.party.file}")
        return None
    text = render(letter.template, context, "md")
    html = render(letter.template, context, "html")
    if text is None or html is None:
        return None
    subject = f"{letter.title}: {', '.join(letter.numbers)}"
    try:
        return draft(
            sender=(firm_name, firm_email),
            to=(contact.name, contact.email),
            subject=subject,
            day=letter.as_of,
            text=text.decode("utf-8"),
            html=html.decode("utf-8"),
        )
    except DraftError as exc:
        say(f"{pid}: skipped: {exc}; fix it in {letter.party.file} (or acct-tool.yaml)")
        return None


def _show(problems: list[Diagnostic]) -> None:
    if problems:
        click.echo(diagnostics_view.to_text(problems), err=True, nl=False)
