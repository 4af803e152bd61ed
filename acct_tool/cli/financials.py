"""``financials trial|income|balance``: the trial balance, the income statement and the balance sheet."""

from __future__ import annotations

import datetime
import sys

import click

from acct_tool.books.financial_facts import FinancialFacts, from_ledger
from acct_tool.books.load import Books, Needs
from acct_tool.cli.common import EXIT_FINDINGS, TEXT, Context, UsageError, emit, format_option, optional_date, warn_if_broken
from acct_tool.diagnostics import Diagnostic, has_errors
from acct_tool.engines import financials as engine
from acct_tool.periods import Period, parse_period, range_period
from acct_tool.render import diagnostics as diagnostics_view
from acct_tool.render import financials as view

ENTRIES = Needs(entries=True)

depth_option = click.option("--depth", type=click.IntRange(1, 20), metavar="N", help="Roll accounts up to N levels (Income:Services at 2).")
period_option = click.option("--period", type=TEXT, metavar="P", help="A quarter (2026-Q3), a month (2026-09) or a year (2026); default: the year to date.")
from_option = click.option("--from", "start", metavar="YYYY-MM-DD", callback=optional_date, help="First day (instead of --period; default: 1 January of --to).")
to_option = click.option("--to", "end", metavar="YYYY-MM-DD", callback=optional_date, help="Last day (instead of --period; default: the as-of date).")


@click.group()
def financials() -> None:
    """Financial statements: the trial balance, the income statement and the balance sheet.

    The figures are Beancount's own (its summarize and realization, as bean-query
    computes them); amounts in different currencies are never added up. See
    docs/financials.md for every formula.

    Example: acct-tool --as-of 2026-11-30 financials income --period 2026-Q3
    """


def _facts(books: Books) -> FinancialFacts:
    ledger = books.ledger
    return from_ledger(ledger.entries, ledger.path, ledger.options)


def _period(as_of: datetime.date, period: str | None, start: datetime.date | None, end: datetime.date | None) -> Period:
    if period is not None and (start is not None or end is not None):
        raise UsageError("--period and --from/--to choose the same thing; give one of them")
    try:
        if period is not None:
            return parse_period(period).until(as_of)
        if start is None and end is None:
            return engine.year_to_date(as_of)
        last = min(end or as_of, as_of)
        first = start or datetime.date(last.year, 1, 1)
        if first > as_of:
            raise ValueError(f"--from {first} is after the as-of date {as_of}; choose an earlier date or pass a later --as-of")
        return range_period(first, last)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _finish(problems: tuple[Diagnostic, ...]) -> None:
    if problems:
        click.echo(diagnostics_view.to_text(list(problems)), err=True, nl=False)
    if has_errors(problems):
        sys.exit(EXIT_FINDINGS)


@financials.command()
@depth_option
@format_option("table", "json", "csv", "md")
@click.pass_obj
def trial(obj: Context, depth: int | None, fmt: str) -> None:
    """Every account with a balance at the as-of date, debits and credits per currency.

    Balances are in units (a position held at cost is its units, not its cost).
    Debits and credits sum to the same total in every currency; where they do
    not, a ledger-unbalanced error says so (exit 1).

    Example: acct-tool --as-of 2026-11-30 financials trial --depth 2
    """
    books = obj.books(ENTRIES)
    result = engine.trial_balance(_facts(books), books.as_of, depth)
    warn_if_broken(books)
    shown = {"json": view.trial_json, "csv": view.trial_csv, "md": view.trial_md}.get(fmt, view.trial_table)
    emit(shown(result, books.precisions))
    _finish(result.diagnostics)


@financials.command()
@period_option
@from_option
@to_option
@click.option("--by", type=click.Choice(["month", "quarter"]), help="One column per month or quarter inside the period.")
@depth_option
@format_option("table", "json", "csv", "md")
@click.pass_obj
def income(obj: Context, period: str | None, start: datetime.date | None, end: datetime.date | None, by: str | None, depth: int | None, fmt: str) -> None:
    """Income and expenses per account for a period, and net income per currency.

    Income is shown positive, expenses positive, net income = income - expenses.
    Beside the period stands the one before it: the previous quarter, month or
    year, or for a year to date the same dates a year earlier.

    Example: acct-tool --as-of 2026-11-30 financials income --period 2026 --by quarter
    """
    books = obj.books(ENTRIES)
    chosen = _period(books.as_of, period, start, end)
    result = engine.income_statement(_facts(books), chosen, by, depth)
    warn_if_broken(books)
    shown = {"json": view.statement_json, "csv": view.statement_csv, "md": view.statement_md}.get(fmt, view.statement_table)
    emit(shown(result, books.precisions))
    _finish(result.diagnostics)


@financials.command()
@period_option
@from_option
@to_option
@depth_option
@format_option("table", "json", "csv", "md")
@click.pass_obj
def balance(obj: Context, period: str | None, start: datetime.date | None, end: datetime.date | None, depth: int | None, fmt: str) -> None:
    """Assets, liabilities and equity at the end of the period, with its net income in equity.

    The period (default: the year to date) ends at the balance sheet's date; its
    net income is closed into current earnings, the income and expenses before
    it into previous earnings, as Beancount's summarize does. Assets =
    liabilities + equity in every currency.

    Example: acct-tool --as-of 2026-11-30 financials balance --format md
    """
    books = obj.books(ENTRIES)
    chosen = _period(books.as_of, period, start, end)
    result = engine.balance_sheet(_facts(books), chosen, depth)
    warn_if_broken(books)
    shown = {"json": view.statement_json, "csv": view.statement_csv, "md": view.statement_md}.get(fmt, view.statement_table)
    emit(shown(result, books.precisions))
    _finish(result.diagnostics)
