"""``acct-tool invoice``: the documents a firm sends, rendered from the ledger."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from acct_tool.books.load import Needs
from acct_tool.books.schema import did_you_mean
from acct_tool.cli.common import EXIT_FINDINGS, TEXT, Context, UsageError, emit_document, format_option, warn_if_broken
from acct_tool.diagnostics import Diagnostic, has_errors
from acct_tool.render import diagnostics as diagnostics_view

#: An invoice reads its transaction's legs, beyond the postings to the parties' accounts.
DOCUMENT_NEEDS = Needs(party_postings=True, entries=True)


@click.command()
@click.argument("number", type=TEXT)
@format_option("html", "pdf", "md")
@click.option("--out", "out", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path), help="Write the document to FILE (default: stdout).")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.pass_obj
def invoice(obj: Context, number: str, fmt: str, out: Path | None, force: bool) -> None:
    """The invoice or credit note NUMBER as a document to send the client.

    The document is built from the ledger transaction that issues it, found as
    open items number documents (`invoice:` metadata, the ^link, the settings'
    `document_keys` and `document_pattern`); a credit note is the transaction
    with `credit_note: "NUMBER"` metadata. Its income legs are the lines
    (`line:`, `quantity:` and `unit_price:` posting metadata describe them),
    legs to `documents.tax_accounts` the tax; subtotal plus tax must equal the
    receivable posting, else the problem is reported and nothing is written
    (exit 1). Due date, payments and what is open are those of `open ar`.
    Receivables only: vendor bills are not documents the firm sends.

    Example: acct-tool --as-of 2026-11-30 invoice INV-2026-051 --format pdf --out INV-2026-051.pdf
    """
    from acct_tool.books.assets import read_logo
    from acct_tool.engines import invoice as engine
    from acct_tool.engines.receivables import Side
    from acct_tool.render.documents import render_document
    from acct_tool.render.pdf import PdfUnavailable
    from acct_tool.render.reports import Templates  # Jinja only when rendering

    books = obj.books(DOCUMENT_NEEDS)
    items = books.open_items(Side.AR)
    warn_if_broken(books)
    income_root = str(books.ledger.options.get("name_income") or "Income")
    found = engine.find(number, items, books.ledger.transactions(), books.settings, books.root, books.precisions, income_root=income_root)
    if found.issued is None:
        hint = did_you_mean(number, found.known)
        raise UsageError((found.missing or f"no document '{number}'") + (f"; {hint}" if hint else ""))
    _fail_on(list(found.diagnostics))
    logo, problems = read_logo(books.root, books.settings)
    if problems:
        click.echo(diagnostics_view.to_text(problems), err=True, nl=False)
    context = engine.context(found.issued, books.parties[found.issued.party], books.settings, books.as_of, logo)
    templates = Templates.for_books(books)
    try:
        data, template_problems = render_document(
            templates, "invoice", context, fmt, books_root=books.root, paper=books.settings.documents.paper, as_of=books.as_of
        )
    except PdfUnavailable as exc:
        raise UsageError(str(exc)) from None
    _fail_on(template_problems)
    if data is None:  # pragma: no cover - a template that fails reports why
        sys.exit(EXIT_FINDINGS)
    emit_document(data, fmt, out, force)


def _fail_on(problems: list[Diagnostic]) -> None:
    if problems:
        click.echo(diagnostics_view.to_text(problems), err=True, nl=False)
    if has_errors(problems):
        sys.exit(EXIT_FINDINGS)
