"""``aging``, ``open``, ``reconcile ar|ap`` and ``statement``: receivables and payables."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import click

from acct_tool.books.load import Books
from acct_tool.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    PARTY_POSTINGS,
    TEXT,
    Context,
    UsageError,
    check_parties,
    emit,
    emit_document,
    emit_fitted,
    format_option,
    optional_date,
    warn_if_broken,
)
from acct_tool.cli.completion import complete_party
from acct_tool.diagnostics import has_errors
from acct_tool.engines.aging import age
from acct_tool.engines.party_statement import PartyStatement, default_start, party_statement
from acct_tool.engines.receivables import Side
from acct_tool.render import diagnostics as diagnostics_view
from acct_tool.render import receivables as view

SIDE = click.Choice(["ar", "ap"])


@click.command()
@click.argument("side", type=SIDE)
@click.option("--by", type=click.Choice(["party", "document"]), default="party", show_default=True, help="One line per party or per open document.")
@click.option(
    "--basis", type=click.Choice(["due", "date"]), default="due", show_default=True, help="Age by days past the due date, or since the document date."
)
@format_option("table", "json", "csv")
@click.pass_obj
def aging(obj: Context, side: str, by: str, basis: str, fmt: str) -> None:
    """Open invoices (ar) or bills (ap) bucketed by age, per currency.

    Buckets follow `aging_limits` in acct-tool.yaml (default current, 1-30,
    31-60, 61-90, 90+). Unapplied credits are shown apart. Amounts in
    different currencies are never added up.

    Example: acct-tool --as-of 2026-11-30 aging ar --by document
    """
    books = obj.books(PARTY_POSTINGS)
    items = books.open_items(Side(side))
    result = age(items, books.settings.aging_limits, basis=basis, by=by)
    warn_if_broken(books)  # once computed: the ledger's validation may finish aside meanwhile
    as_of = items.as_of.isoformat()
    places = books.precisions
    if fmt == "table":
        emit_fitted(view.aging_table(result, as_of, places))
    else:
        emit(view.aging_json(result, as_of, places) if fmt == "json" else view.aging_csv(result, places))


@click.command(name="open")
@click.argument("side", type=SIDE)
@click.option("--party", type=TEXT, metavar="ID", shell_complete=complete_party, help="Only this party.")
@format_option("table", "json", "csv")
@click.pass_obj
def open_(obj: Context, side: str, party: str | None, fmt: str) -> None:
    """Every open invoice (ar) or bill (ap): number, party, date, due, original, paid, open, days past due.

    Example: acct-tool open ar --party acme
    """
    books = obj.books(PARTY_POSTINGS)
    check_parties(books, [party] if party is not None else [])
    items = books.open_items(Side(side))
    warn_if_broken(books)
    places = books.precisions
    if fmt == "table":
        emit_fitted(view.open_table(items, party, places))
    else:
        emit(view.open_json(items, party, places) if fmt == "json" else view.open_csv(items, party, places))


def _reconcile_side(obj: Context, side: Side, fmt: str) -> None:
    books = obj.books(PARTY_POSTINGS)
    items = books.open_items(side)
    warn_if_broken(books)
    if fmt == "json":
        emit(view.reconcile_json(items, books.precisions))
    elif fmt == "github":
        emit(diagnostics_view.to_github(list(items.diagnostics), books.root))
    elif fmt == "csv":
        emit(view.reconcile_csv(items, books.precisions))
        if items.diagnostics:
            click.echo(diagnostics_view.to_text(list(items.diagnostics)), err=True, nl=False)
    else:
        emit_fitted(view.reconcile_text(items, books.precisions))
    sys.exit(EXIT_FINDINGS if has_errors(items.diagnostics) else EXIT_OK)


@click.command(name="ar")
@format_option("text", "json", "csv", "github")
@click.pass_obj
def reconcile_ar(obj: Context, fmt: str) -> None:
    """Tie out receivables: per client and currency, open invoices minus unapplied
    credits must equal the ledger balance; lists every exception. Exit 1 on any error.

    Example: acct-tool reconcile ar --format github
    """
    _reconcile_side(obj, Side.AR, fmt)


@click.command(name="ap")
@format_option("text", "json", "csv", "github")
@click.pass_obj
def reconcile_ap(obj: Context, fmt: str) -> None:
    """Tie out payables: per vendor and currency, open bills minus unapplied
    credits must equal the ledger balance; lists every exception. Exit 1 on any error.

    Example: acct-tool reconcile ap
    """
    _reconcile_side(obj, Side.AP, fmt)


@click.command()
@click.argument("party", type=TEXT, shell_complete=complete_party)
@click.option("--from", "start", metavar="YYYY-MM-DD", callback=optional_date, help="First day (default: the first of the month two months before --to).")
@click.option("--to", "end", metavar="YYYY-MM-DD", callback=optional_date, help="Last day (default: the as-of date).")
@click.option("--side", type=SIDE, help="ar or ap (default: ar for clients, ap for vendors).")
@format_option("text", "md", "html", "pdf", "json", "csv")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE", help="Write the md, html or pdf statement to FILE (default: stdout).")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.pass_obj
def statement(
    obj: Context, party: str, start: datetime.date | None, end: datetime.date | None, side: str | None, fmt: str, out: Path | None, force: bool
) -> None:
    """A party's statement of account: balance brought forward, every document and
    payment in the period with a running balance, open items and an aging footer.

    Every line shows the movement's own number: an invoice's or bill's number, a
    credit note's `credit_note:` number, a payment's bank reference (`reference:` or
    `ref:` metadata, else its links that name no document, else its narration), and
    the documents a credit applies to. `--format md|html|pdf` is the statement to
    send: the firm's letterhead, the party's billing address, and where to pay
    each currency (see docs/documents.md).

    Example: acct-tool statement acme --from 2026-07-01 --to 2026-09-30 --format pdf --out acme.pdf
    """
    if out is not None and fmt not in ("md", "html", "pdf"):
        raise UsageError(f"--out writes a md, html or pdf statement; --format {fmt} prints to stdout")
    books = obj.books(PARTY_POSTINGS)
    check_parties(books, [party])
    who = books.parties[party]
    chosen = Side(side) if side else (Side.AP if who.kind == "vendor" else Side.AR)
    end = end or books.as_of
    start = start or default_start(end)
    if start > end:
        raise UsageError(f"--from {start} is after --to {end}")
    result = party_statement(books.party_postings, books.parties, books.settings, party, chosen, start, end, books.precisions)
    warn_if_broken(books)
    places = books.precisions
    if fmt in ("md", "html", "pdf"):
        _statement_document(books, result, fmt, out, force)
    elif fmt == "csv":
        emit(view.statement_csv(result, places))
    elif fmt == "json":
        emit(view.statement_json(result, places))
    else:
        emit_fitted(view.statement_text(result, precisions=places))


def _statement_document(books: Books, result: PartyStatement, fmt: str, out: Path | None, force: bool) -> None:
    """The statement as the firm sends it, through ``templates/statement.*.j2``."""
    from acct_tool.books.assets import read_logo
    from acct_tool.engines.letterhead import letterhead
    from acct_tool.render.documents import render_document
    from acct_tool.render.pdf import PdfUnavailable
    from acct_tool.render.reports import Templates

    logo, problems = read_logo(books.root, books.settings)
    party = books.parties[result.party]
    default = books.settings.operating_currency or "USD"
    currencies = [sec.currency for sec in result.sections] or [default]
    heads = {cur: letterhead(books.settings, party, cur, None, logo) for cur in currencies}
    context = view.statement_context(result, heads, default)
    templates = Templates.for_books(books)
    try:
        data, found = render_document(templates, "statement", context, fmt, books_root=books.root, paper=books.settings.documents.paper, as_of=result.end)
    except PdfUnavailable as exc:
        raise UsageError(str(exc)) from None
    problems += found
    if problems:
        click.echo(diagnostics_view.to_text(problems), err=True, nl=False)
    if data is None:
        sys.exit(EXIT_FINDINGS)
    emit_document(data, fmt, out, force)
    if has_errors(problems):
        sys.exit(EXIT_FINDINGS)


@click.command()
@click.argument("side", type=SIDE, default="ar")
@click.option("--by", type=click.Choice(["party", "manager"]), default="party", show_default=True, help="Per party or per account manager.")
@click.option("--window", type=click.IntRange(1, 3650), default=90, show_default=True, help="Days of invoicing DSO is measured against.")
@format_option("table", "json", "csv")
@click.pass_obj
def dso(obj: Context, side: str, by: str, window: int, fmt: str) -> None:
    """Days sales outstanding and payment behaviour: how long each party takes to pay.

    DSO = open documents / amount invoiced in the last WINDOW days x WINDOW, per
    currency. Days late and days to pay are averages over the documents fully
    paid this year (since 1 January of the as-of date); the trend compares the
    recent half of all paid documents with the older half.

    Example: acct-tool dso ar --by manager
    """
    from acct_tool.engines.payments import behaviour
    from acct_tool.engines.payments import dso as compute_dso

    books = obj.books(PARTY_POSTINGS)
    items = books.open_items(Side(side))
    groups = {p.id: p.manager or "(none)" for p in books.parties.values()}
    result = compute_dso(items, groups if by == "manager" else None, window)
    warn_if_broken(books)
    headers, rows = view.dso_rows(behaviour(items), result, by, groups)
    if fmt == "json":
        emit(view.dso_json(headers, rows, books.precisions))
    elif fmt == "csv":
        emit(view.dso_csv(headers, rows, books.precisions))
    else:
        emit_fitted(view.dso_table(headers, rows, items.as_of.isoformat(), books.precisions))
