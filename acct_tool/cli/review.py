"""``acct-tool review``: account reviews per client and portfolios per manager."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import click

from acct_tool.books.load import unknown_party
from acct_tool.books.schema import did_you_mean
from acct_tool.cli.common import EXIT_FINDINGS, RELATIONSHIP, TEXT, Context, UsageError, emit, format_option, optional_date, say, warn_if_broken
from acct_tool.diagnostics import Diagnostic
from acct_tool.edit.files import WriteError
from acct_tool.periods import Period, parse_period, quarter_of, range_period
from acct_tool.render import diagnostics as diagnostics_view


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
@click.argument("parties", type=TEXT, nargs=-1, metavar="[PARTY]...")
@click.option("--manager", type=TEXT, metavar="M", help="Only the clients this account manager owns.")
@click.option("--period", type=TEXT, metavar="PERIOD", help="A quarter (2026-Q3), month (2026-09) or year (2026). Default: the quarter of the as-of date.")
@click.option("--from", "start", metavar="YYYY-MM-DD", callback=optional_date, help="First day of a custom period (with --to).")
@click.option("--to", "end", metavar="YYYY-MM-DD", callback=optional_date, help="Last day of a custom period (with --from).")
@format_option("md", "html", "json")
@click.option(
    "--out",
    "out",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one file per client, one portfolio per manager and an index into DIR.",
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
    fmt: str,
    out: Path | None,
    force: bool,
) -> None:
    """Account reviews for quarterly business reviews, and a portfolio per manager.

    With --out, writes review-<id>.<ext> for every chosen client (default: all
    active clients), portfolio-<manager>.<ext> for their managers and an
    index.<ext>, then lists what it wrote. Without --out, prints one client's
    review (name it, or choose one with --manager). --format json prints the
    whole template context (every review, portfolio and the index) instead.
    Books with no active client (vendors only, say), or a --manager with none,
    have nothing to review: the command says so, writes nothing and exits 0.

    A period not over at the as-of date is reviewed to date and compared with
    as many days of the previous one; a period after the as-of date is refused.

    Templates come from the books' templates/ folder when it has one of the
    same name (see docs/templates.md), else the built-in ones.

    Example: acct-tool --as-of 2026-11-30 review --format html --out reviews/
    """
    from acct_tool.engines.review import build
    from acct_tool.render.reports import Templates, check_out_dir, write_reports  # Jinja only when rendering

    books = obj.books(RELATIONSHIP)
    unknown = [p for p in parties if p not in books.parties]
    if unknown:
        raise UsageError("; ".join(unknown_party(u, books.diagnostics, books.settings.profiles) for u in unknown))
    managers = {p.manager for p in books.parties.values() if p.manager}
    if manager is not None and manager not in managers:
        hint = did_you_mean(manager, managers)
        raise UsageError(f"no party has manager '{manager}'" + (f"; {hint}" if hint else ""))
    try:
        chosen_period = choose_period(books.as_of, period, start, end).until(books.as_of)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    warn_if_broken(books)
    reviews = build(
        books.parties, books.settings, books.party_postings, books.attribution, books.as_of, books.precisions, chosen_period, list(parties) or None, manager
    )
    if parties and not reviews.clients:
        raise UsageError(f"manager '{manager}' manages none of {', '.join(parties)}; drop --manager to review them")
    if fmt == "json":
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

    templates = Templates(books.root / books.settings.templates, books.precisions)
    ext = fmt
    problems: list[Diagnostic] = []

    def render(name: str, context: dict[str, object]) -> str | None:
        text, found = templates.render(name, context, books.root)
        problems.extend(found)
        return text

    if out is None:
        (context,) = reviews.clients.values()
        text = render(f"review.{ext}.j2", context)
        if text is not None:
            emit(text)
        _fail_on(problems)
        return

    forbidden = {"ledger": (books.root / books.settings.ledger).parent, "profiles": books.root / books.settings.profiles}
    refusal = check_out_dir(out, forbidden)
    if refusal:
        raise UsageError(refusal)
    files: dict[str, str] = {}
    jobs: list[tuple[str, str, dict[str, object]]] = [(f"review-{pid}.{ext}", f"review.{ext}.j2", ctx) for pid, ctx in reviews.clients.items()]
    jobs += [(f"portfolio-{name}.{ext}", f"portfolio.{ext}.j2", ctx) for name, ctx in reviews.portfolios.items()]
    jobs.append((f"index.{ext}", f"index.{ext}.j2", {**reviews.index, "ext": ext}))
    show_bar = sys.stderr.isatty() and len(jobs) > 3
    with click.progressbar(jobs, label="Rendering reviews", file=sys.stderr, show_pos=True) if show_bar else _quiet(jobs) as bar:
        for filename, template, context in bar:
            text = render(template, context)
            if text is not None:
                files[filename] = text
    if problems:
        _fail_on(problems)
    try:
        written = write_reports(out, files, force=force)
    except WriteError as exc:
        raise UsageError(str(exc)) from None
    for path in written:
        emit(f"{path}\n")
    index = out / f"index.{ext}"
    say(f"wrote {len(written)} files; open {index}")


class _quiet:
    """A stand-in for click's progress bar when stderr is not a terminal."""

    def __init__(self, items: list[tuple[str, str, dict[str, object]]]) -> None:
        self.items = items

    def __enter__(self) -> list[tuple[str, str, dict[str, object]]]:
        return self.items

    def __exit__(self, *exc: object) -> None:
        return None


def _nothing_to_review(manager: str | None) -> str:
    whose = f" for manager '{manager}'" if manager is not None else ""
    return f"no clients to review{whose}: reviews cover active clients (name a party to review any other); nothing written"


def _fail_on(problems: list[Diagnostic]) -> None:
    if problems:
        click.echo(diagnostics_view.to_text(problems), err=True, nl=False)
        sys.exit(EXIT_FINDINGS)
