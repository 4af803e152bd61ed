"""``acct-tool review``: account reviews per client and portfolios per manager."""

from __future__ import annotations

import contextlib
import datetime
import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from acct_tool.books import aside
from acct_tool.books.load import Books, Needs
from acct_tool.cli.common import (
    EXIT_FINDINGS,
    RELATIONSHIP,
    TEXT,
    Context,
    UsageError,
    check_manager,
    check_parties,
    emit,
    emit_document,
    format_option,
    optional_date,
    say,
    warn_if_broken,
)
from acct_tool.cli.completion import complete_manager, complete_party
from acct_tool.diagnostics import Diagnostic
from acct_tool.edit.files import WriteError
from acct_tool.engines.receivables import Side
from acct_tool.periods import Period, parse_period, quarter_of, range_period
from acct_tool.render import diagnostics as diagnostics_view

if TYPE_CHECKING:
    from collections.abc import Callable

    from acct_tool.engines.review_firm import FirmLedger
    from acct_tool.render.reports import Templates

#: Who a review is for: the firm itself, or the client it is about.
AUDIENCES = ("internal", "client")

#: The firm page also reads Beancount's entries: the cash accounts and the income statement.
FIRM_PAGE = Needs(party_postings=True, attribution=True, entries=True)


def choose_period(as_of: datetime.date, period: str | None, start: datetime.date | None, end: datetime.date | None) -> Period:
    if period and (start or end):
        raise UsageError("use either --period or --from/--to, not both")
    if period:
        try:
            return parse_period(period)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if start or end:
        if not (start and end):
            raise UsageError("--from and --to go together")
        try:
            return range_period(start, end)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return quarter_of(as_of)


@click.command()
@click.argument("parties", type=TEXT, nargs=-1, metavar="[PARTY]...", shell_complete=complete_party)
@click.option("--manager", type=TEXT, metavar="M", shell_complete=complete_manager, help="Only the clients this account manager owns.")
@click.option("--period", type=TEXT, metavar="PERIOD", help="A quarter (2026-Q3), month (2026-09) or year (2026). Default: the quarter of the as-of date.")
@click.option("--from", "start", metavar="YYYY-MM-DD", callback=optional_date, help="First day of a custom period (with --to).")
@click.option("--to", "end", metavar="YYYY-MM-DD", callback=optional_date, help="Last day of a custom period (with --from).")
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default="internal",
    show_default=True,
    help="internal: the firm's review (health, risks, follow-ups) with portfolios and an index; client: the deck the client sees, one file per client.",
)
@format_option("md", "html", "json", "pdf")
@click.option(
    "--out",
    "out",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one file per client, one portfolio per manager, the firm page and an index into DIR (for --audience client: one file per client only).",
)
@click.option("--force", is_flag=True, help="Overwrite files in DIR that acct-tool did not write (or that were edited since).")
@click.pass_obj
def review(
    obj: Context,
    parties: tuple[str, ...],
    manager: str | None,
    period: str | None,
    start: datetime.date | None,
    end: datetime.date | None,
    audience: str,
    fmt: str,
    out: Path | None,
    force: bool,
) -> None:
    """Account reviews for quarterly business reviews, and a portfolio per manager.

    With --out, writes review-<id>.<ext> for every chosen client (default: all
    active clients), portfolio-<manager>.<ext> for their managers, firm.<ext>
    (the owner's view of the whole firm over the 12 months to the as-of date:
    cash per account and the 13-week forecast as `cash` shows them, the income
    statement of the period beside the previous one as `financials income`
    shows it, revenue by month, manager and tier, concentration in the largest
    clients, aging, the DSO trend and the accounts at risk) and an index.<ext>,
    then lists what it wrote. Without --out, prints one client's review (name it, or
    choose one with --manager). --format json prints the whole template context
    (every review, portfolio, the firm and the index) instead.
    Books with no active client (vendors only, say), or a --manager with none,
    have nothing to review: the command says so, writes nothing and exits 0.

    --audience client renders the review the client sees instead: the firm's
    letterhead, the client's goals, what was invoiced in the period, its open
    invoices and what is due, the next steps agreed with it and its contract
    dates -- no health score, risks, follow-ups, internal notes or other
    clients. With --out it writes review-<id>.client.<ext> per client and no
    portfolio, firm page or index; --format json gives that context.

    --format pdf renders the HTML as PDF (needs the pdf extra; see
    docs/documents.md): into DIR with --out, else one client's PDF to stdout
    when stdout is not a terminal. The same books give the same bytes.

    A period not over at the as-of date is reviewed to date and compared with
    as many days of the previous one; a period after the as-of date is refused.

    Templates come from the books' templates/ folder when it has one of the
    same name (see docs/templates.md), else the built-in ones.

    Example: acct-tool --as-of 2026-11-30 review --format html --out reviews/
    """
    from acct_tool.engines.review import UNASSIGNED, build

    client_view = audience == "client"
    # The firm page (internal audience, written into DIR or printed as JSON) shows cash and
    # the income statement, read from the ledger's entries; a single review or the client's deck does not.
    firm_page = not client_view and (out is not None or fmt == "json")
    books = obj.books(FIRM_PAGE if firm_page else RELATIONSHIP)
    check_parties(books, parties)
    check_manager(books.parties, manager)
    try:
        chosen_period = choose_period(books.as_of, period, start, end).until(books.as_of)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    logo: str | None = None
    notices: list[Diagnostic] = []  # reported, and the documents rendered without what they concern
    if client_view:
        from acct_tool.books.assets import read_logo

        logo, notices = read_logo(books.root, books.settings)
    firm_ledger = None
    if firm_page:
        # The firm page's figures are drawn from the entries now, and the entries let go:
        # the reviews are built without Beancount's entries in memory.
        firm_ledger = functools.partial(_firm_ledger_of, books, chosen_period, _firm_ledger(books, chosen_period))
        books.release()
    receivables = books.open_items(Side.AR)
    # The templates are compiled in a child while the reviews are built, where there is a CPU
    # to spare for it: building them leaves one idle at first (see ItemsAt.prefetch).
    compiled = _compile_ahead(books, fmt, client_view, out is not None)
    reviews = build(
        books.parties,
        books.settings,
        books.party_postings,
        books.attribution,
        books.as_of,
        books.precisions,
        chosen_period,
        list(parties) or None,
        manager,
        logo=logo,
        ledger=firm_ledger,
        spread=aside.spread,  # the month ends' receivables on two CPUs, where there are two
        start=aside.start_spread,  # begun on the second while the reviews are built
        receivables=receivables,
        payables=lambda: books.open_items(Side.AP),
        classified=functools.partial(books.classified, Side.AR),
    )
    warn_if_broken(books)  # once the reviews are built: the ledger's validation may finish aside meanwhile
    if parties and not reviews.clients:
        raise UsageError(f"manager '{manager}' manages none of {', '.join(parties)}; drop --manager to review them")
    if fmt == "json" and not client_view:
        from acct_tool.render.table import to_json

        emit(to_json(reviews.as_data()))
        if not reviews.clients:
            say(_nothing_to_review(manager))
        return
    if not reviews.clients:
        # Books with vendors only, or no active client (of this manager): nothing to do is not an error.
        say(_nothing_to_review(manager))
        return
    if out is None and len(reviews.clients) > 1:
        raise UsageError(f"{len(reviews.clients)} clients match; name one PARTY or pass --out DIR to write them all")

    from acct_tool.render.report_files import Packed, Unpacked, check_out_dir, pack, write_reports
    from acct_tool.render.reports import Templates  # Jinja only when rendering

    templates = compiled[0] if compiled is not None else Templates.for_books(books)
    if compiled is not None:
        templates.take(compiled[1].result())
    ext = fmt
    problems: list[Diagnostic] = []

    def render(name: str, context: dict[str, object]) -> tuple[str | bytes | None, list[Diagnostic]]:
        """One file's text or bytes, and the template's problems."""
        if fmt == "json":
            from acct_tool.render.table import to_json

            return to_json(context), []
        if fmt != "pdf":
            return templates.render(f"{name}.{ext}.j2", context, books.root)
        from acct_tool.render.documents import render_document
        from acct_tool.render.pdf import PdfUnavailable

        try:
            return render_document(templates, name, context, "pdf", books_root=books.root, paper=books.settings.documents.paper, as_of=books.as_of)
        except PdfUnavailable as exc:
            raise UsageError(str(exc)) from None

    # each file's context is made where it is rendered (see below: perhaps in a child)
    jobs: list[tuple[str, str, Callable[[], dict[str, Any]]]]
    if client_view:
        contexts = reviews.as_data("client") if fmt == "json" else reviews.client_decks
        jobs = [(f"review-{pid}.client.{ext}", "review-client", functools.partial(dict, ctx)) for pid, ctx in contexts.items()]
    else:
        jobs = [(f"review-{pid}.{ext}", "review", r.context) for pid, r in reviews.reviews.items()]
    if out is None:
        _, template, context = jobs[0]
        result, found = render(template, context())
        problems.extend(found)
        if result is not None:
            if isinstance(result, bytes):
                emit_document(result, fmt, None, force)
            else:
                emit(result)
        _report(notices)
        _fail_on(problems)
        if notices:
            sys.exit(EXIT_FINDINGS)
        return

    forbidden = {"ledger": (books.root / books.settings.ledger).parent, "profiles": books.root / books.settings.profiles}
    refusal = check_out_dir(out, forbidden)
    if refusal:
        raise UsageError(refusal)
    files: dict[str, str | bytes | Packed] = {}
    # Nothing that lists several clients goes to a client: portfolios, the firm page and the index are internal.
    managers = 0 if client_view else len({r.client.manager or UNASSIGNED for r in reviews.reviews.values()})
    total = len(jobs) + (managers + 2 if not client_view else 0)

    # Markdown and HTML on two CPUs where there are two (a PDF engine is not forked): a
    # child begins on the reviews while this process builds the portfolios and the firm
    # page, then both share what is left, so the progress bar moves two files at a time.
    spread = fmt in ("md", "html")
    step = 2 if spread else 1
    showing = sys.stderr.isatty() and total > 3
    with click.progressbar(length=total, label="Rendering reviews", file=sys.stderr, show_pos=True) if showing else contextlib.nullcontext() as bar:

        def rendered(job: tuple[str, str, Callable[[], dict[str, Any]]]) -> tuple[str | bytes | Packed | None, list[Diagnostic]]:
            text, found = render(job[1], job[2]())
            if bar is not None:
                bar.update(min(step, total - bar.pos))
            return pack(text), found

        begun = aside.start_spread(rendered, jobs) if spread else None
        later: list[tuple[str, str, Callable[[], dict[str, Any]]]] = []
        if not client_view:
            later += [(f"portfolio-{name}.{ext}", "portfolio", functools.partial(dict, ctx)) for name, ctx in reviews.portfolios.items()]
            later.append((f"firm.{ext}", "firm", functools.partial(dict, reviews.firm, ext=ext)))
            later.append((f"index.{ext}", "index", functools.partial(dict, reviews.index, ext=ext)))
        outputs = begun.result() if begun is not None else [rendered(job) for job in jobs]
        outputs += aside.spread(rendered, later) if spread else [rendered(job) for job in later]
        jobs += later
        if bar is not None:
            bar.update(total - bar.pos)
    for (filename, _, _), (held, found) in zip(jobs, outputs, strict=True):
        problems.extend(found)
        if held is not None:
            files[filename] = held
    if problems:
        _fail_on(problems)
    try:
        written = write_reports(out, Unpacked(files), force=force)
    except WriteError as exc:
        raise UsageError(str(exc)) from None
    for path in written:
        emit(f"{path}\n")
    if client_view:
        say(f"wrote {len(written)} files into {out}")
    else:
        say(f"wrote {len(written)} files; open {out / f'index.{ext}'}")
    _report(notices)
    if notices:
        sys.exit(EXIT_FINDINGS)


def _compile_ahead(books: Books, fmt: str, client_view: bool, every_file: bool) -> tuple[Templates, aside.Pending[dict[str, tuple[str, bytes]]]] | None:
    """The templates of the review, and their code being compiled aside (see
    :meth:`Templates.compile_ahead`); None for JSON, which renders none, and where no
    child can be forked (the templates are compiled as they are first rendered)."""
    if fmt not in ("md", "html", "pdf") or not aside.can_detach():
        return None
    from acct_tool.render.reports import Templates

    ext = "md" if fmt == "md" else "html"  # a PDF is rendered from the HTML
    names = ["review-client"] if client_view else ["review", "portfolio", "firm", "index"] if every_file else ["review"]
    templates = Templates.for_books(books)
    return templates, aside.aside(functools.partial(templates.compile_ahead, [f"{n}.{ext}.j2" for n in names], books.root))


def _firm_ledger(books: Books, period: Period) -> FirmLedger:
    """The cash accounts' facts and the income statement's movements, drawn as ``cash`` and
    ``financials`` draw them (and cached with the ledger's facts)."""
    from acct_tool.books.financial_facts import KnownMovements
    from acct_tool.engines.financials import income_columns
    from acct_tool.engines.review_firm import FirmLedger

    spans = [(c.start, c.end) for c in income_columns(period)]
    return FirmLedger(books.cash_facts(), KnownMovements(spans, books.income_movements(spans)))


def _firm_ledger_of(books: Books, drawn_for: Period, drawn: FirmLedger, period: Period) -> FirmLedger:
    """``drawn`` for the period it was drawn for; any other period's drawn again (loading the
    ledger again if its entries were let go)."""
    return drawn if period == drawn_for else _firm_ledger(books, period)


def _nothing_to_review(manager: str | None) -> str:
    whose = f" for manager '{manager}'" if manager is not None else ""
    return f"no clients to review{whose}: reviews cover active clients (name a party to review any other); nothing written"


def _report(notices: list[Diagnostic]) -> None:
    """Say what was left out of the documents (a logo that cannot be used), on stderr."""
    if notices:
        click.echo(diagnostics_view.to_text(notices), err=True, nl=False)


def _fail_on(problems: list[Diagnostic]) -> None:
    if problems:
        click.echo(diagnostics_view.to_text(problems), err=True, nl=False)
        sys.exit(EXIT_FINDINGS)
