"""``pipeline``: the open opportunities across clients and prospects."""

from __future__ import annotations

import datetime

import click

from acct_tool.books.load import Needs
from acct_tool.books.schema import did_you_mean
from acct_tool.cli.common import TEXT, Context, UsageError, emit, format_option, optional_date, warn_if_broken
from acct_tool.engines.pipeline import CLOSED_STAGES, people
from acct_tool.engines.pipeline import pipeline as build_pipeline
from acct_tool.engines.relationship import OPEN_STAGES
from acct_tool.periods import Period, parse_period, range_period
from acct_tool.render import pipeline as view


def _period(as_of: datetime.date, period: str | None, start: datetime.date | None, end: datetime.date | None) -> Period:
    """``--period``, else ``--from``/``--to`` (each defaulting as ``portfolio``'s do), else the year to date."""
    if period and (start or end):
        raise UsageError("use either --period or --from/--to, not both")
    try:
        if period:
            chosen = parse_period(period)
        else:
            last = end or as_of
            chosen = range_period(start or datetime.date(last.year, 1, 1), last)
        return chosen.until(as_of)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _known(kind: str, given: str, choices: set[str] | tuple[str, ...], extra: str = "") -> None:
    if given in choices:
        return
    hint = did_you_mean(given, choices)
    known = sorted(choices) if isinstance(choices, set) else list(choices)
    raise UsageError(f"no {kind} '{given}'" + (f"; {hint}" if hint else f"; known: {', '.join(known) or 'none'}") + extra)


@click.command()
@click.option("--manager", type=TEXT, metavar="M", help="Only the opportunities this person owns and those of the parties they manage.")
@click.option("--stage", type=TEXT, metavar="S", help=f"Only the open opportunities at this stage ({', '.join(OPEN_STAGES)}).")
@click.option(
    "--period", type=TEXT, metavar="PERIOD", help="Won and lost in this quarter (2026-Q3), month (2026-09) or year (2026). Default: the year to date."
)
@click.option("--from", "start", metavar="YYYY-MM-DD", callback=optional_date, help="First day of the won-and-lost period (default: 1 January of --to's year).")
@click.option("--to", "end", metavar="YYYY-MM-DD", callback=optional_date, help="Last day of the won-and-lost period (default: the as-of date).")
@format_option("table", "json", "csv")
@click.pass_obj
def pipeline(
    obj: Context, manager: str | None, stage: str | None, period: str | None, start: datetime.date | None, end: datetime.date | None, fmt: str
) -> None:
    """Every open opportunity across clients and prospects: value, probability,
    weighted value, expected close, age in stage and owner, flagged when it is
    slipping; totals per stage and per manager; renewals at risk; won and lost in
    the period with the win rate.

    Example: acct-tool --as-of 2026-11-30 pipeline --manager lan --period 2026
    """
    books = obj.books(Needs())
    if manager is not None:
        _known("manager or opportunity owner", manager, people(books.parties))
    if stage is not None:
        closed = f" ({stage} opportunities are counted under won and lost)" if stage in CLOSED_STAGES else ""
        _known("open stage", stage, OPEN_STAGES, closed)
    chosen = _period(books.as_of, period, start, end)
    warn_if_broken(books)
    result = build_pipeline(books.parties, books.settings, books.as_of, chosen.start, chosen.end, books.precisions, manager=manager, stage=stage)
    places = books.precisions
    emit(view.json(result, places) if fmt == "json" else view.csv(result, places) if fmt == "csv" else view.table(result, places))
