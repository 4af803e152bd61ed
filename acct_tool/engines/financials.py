"""Financial statements: the trial balance, the income statement and the balance sheet.

Pure: the balances come from a :class:`BalanceSource` (Beancount's own
summarize and realization, in :mod:`acct_tool.books.financial_facts`) as plain
records; this module only shapes them into statements -- sections, subtotals,
accounts rolled up to a depth, one column per period -- and never adds two
currencies together. See docs/financials.md for every formula.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple, Protocol

from acct_tool.diagnostics import Diagnostic, diag
from acct_tool.periods import Period, month_period, quarter_of, shift

ZERO = Decimal(0)

#: The kinds of account (see :data:`acct_tool.books.financial_facts.KINDS`) whose balances are credits:
#: a statement shows them with the sign turned, so that income, liabilities and equity read positive.
CREDIT_KINDS = frozenset({"Liabilities", "Equity", "Income"})


class BalanceRecord(Protocol):
    @property
    def account(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def number(self) -> Decimal: ...


class MovementSource(Protocol):
    """What an income statement is drawn from: the income and expense accounts' movements over a span of days."""

    def movements(self, start: datetime.date, end: datetime.date) -> Sequence[BalanceRecord]: ...


class BalanceSource(Protocol):
    """What the statements are drawn from: balances as Beancount computes them."""

    def trial(self, end: datetime.date) -> tuple[Sequence[BalanceRecord], Mapping[str, Decimal]]: ...
    def movements(self, start: datetime.date, end: datetime.date) -> Sequence[BalanceRecord]: ...
    def closed(self, start: datetime.date, end: datetime.date) -> Sequence[BalanceRecord]: ...


class Column(NamedTuple):
    """One column of figures: a period (income statement) or a date (balance sheet)."""

    label: str
    start: datetime.date
    end: datetime.date


@dataclass(frozen=True)
class Line:
    """One account (rolled up to the depth asked for) in one currency: one figure per column, as shown."""

    account: str
    values: tuple[Decimal, ...]


@dataclass(frozen=True)
class Section:
    kind: str
    lines: tuple[Line, ...]
    total: tuple[Decimal, ...]


@dataclass(frozen=True)
class CurrencyStatement:
    """A statement's figures in one currency (currencies are never added together)."""

    currency: str
    sections: tuple[Section, ...]
    #: Income statement: net income per column. Balance sheet: assets - (liabilities + equity), zero when it balances.
    result: tuple[Decimal, ...]

    def section(self, kind: str) -> Section:
        return next(s for s in self.sections if s.kind == kind)


@dataclass(frozen=True)
class Statement:
    """An income statement or a balance sheet."""

    kind: str  # "income" or "balance"
    columns: tuple[Column, ...]
    currencies: tuple[CurrencyStatement, ...]
    #: Balance sheet: the period whose net income is closed into current earnings.
    current: Column | None = None
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True)
class TrialLine:
    account: str
    currency: str
    #: Signed as Beancount sums it: positive is a debit, negative a credit.
    number: Decimal

    @property
    def debit(self) -> Decimal | None:
        return self.number if self.number > 0 else None

    @property
    def credit(self) -> Decimal | None:
        return -self.number if self.number < 0 else None


class TrialTotal(NamedTuple):
    currency: str
    debit: Decimal
    credit: Decimal

    @property
    def difference(self) -> Decimal:
        return self.debit - self.credit


@dataclass(frozen=True)
class TrialBalance:
    as_of: datetime.date
    lines: tuple[TrialLine, ...]
    totals: tuple[TrialTotal, ...]
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def balanced(self) -> bool:
        return not self.diagnostics


def rolled_up(account: str, depth: int | None) -> str:
    """``Income:Services:Design`` at depth 2 is ``Income:Services``; no depth keeps the account."""
    if depth is None:
        return account
    return ":".join(account.split(":")[:depth])


def trial_balance(source: BalanceSource, as_of: datetime.date, depth: int | None = None) -> TrialBalance:
    """Every account with a balance at the end of ``as_of``, per currency, as debit or credit,
    with the debit and credit totals per currency; what the transactions leave unbalanced
    (nothing, in a ledger Beancount loads without errors) is a ``ledger-unbalanced`` diagnostic."""
    balances, off = source.trial(as_of)
    summed: dict[tuple[str, str], Decimal] = {}
    for b in balances:
        key = (rolled_up(b.account, depth), b.currency)
        summed[key] = summed.get(key, ZERO) + b.number
    lines = tuple(TrialLine(a, c, n) for (a, c), n in sorted(summed.items()) if n)
    debit: dict[str, Decimal] = {}
    credit: dict[str, Decimal] = {}
    for line in lines:
        debit[line.currency] = debit.get(line.currency, ZERO) + (line.debit or ZERO)
        credit[line.currency] = credit.get(line.currency, ZERO) + (line.credit or ZERO)
    totals = tuple(TrialTotal(c, debit[c], credit[c]) for c in sorted(debit))
    return TrialBalance(as_of, lines, totals, unbalanced(off, as_of))


def unbalanced(off: Mapping[str, Decimal], as_of: datetime.date) -> tuple[Diagnostic, ...]:
    """A diagnostic per currency in which the transactions to ``as_of`` do not balance."""
    return tuple(
        diag(
            "ledger-unbalanced",
            f"the trial balance at {as_of} is off by {number} {currency}: transactions to that date do not balance in {currency}",
            hint="run `acct-tool check`: a transaction that does not balance is the usual cause",
        )
        for currency, number in sorted(off.items())
        if number
    )


def _shown(kind: str, number: Decimal) -> Decimal:
    return -number if kind in CREDIT_KINDS else number


def _table(columns: Sequence[Iterable[BalanceRecord]], kinds: Sequence[str], depth: int | None) -> dict[str, dict[str, dict[str, list[Decimal]]]]:
    """currency -> kind -> account (rolled up) -> one shown figure per column."""
    out: dict[str, dict[str, dict[str, list[Decimal]]]] = {}
    width = len(columns)
    for index, balances in enumerate(columns):
        for b in balances:
            if b.kind not in kinds:
                continue
            row = out.setdefault(b.currency, {}).setdefault(b.kind, {}).setdefault(rolled_up(b.account, depth), [ZERO] * width)
            row[index] += _shown(b.kind, b.number)
    return out


def _sections(table: Mapping[str, Mapping[str, list[Decimal]]], kinds: Sequence[str], width: int) -> tuple[Section, ...]:
    sections = []
    for kind in kinds:
        rows = table.get(kind, {})
        lines = tuple(Line(account, tuple(values)) for account, values in sorted(rows.items()) if any(values))
        total = tuple(sum((line.values[i] for line in lines), ZERO) for i in range(width))
        sections.append(Section(kind, lines, total))
    return tuple(sections)


INCOME_KINDS = ("Income", "Expenses")
BALANCE_KINDS = ("Assets", "Liabilities", "Equity")


def income_columns(period: Period, by: str | None = None) -> list[Column]:
    """The columns of :func:`income_statement`: with ``by`` ("month" or "quarter") one per month
    or quarter inside the period first; always the period itself, then :func:`previous_period`."""
    columns = [*(Column(p.label, p.start, p.end) for p in parts(period, by))] if by else []
    columns.append(Column(period.label, period.start, period.end))
    before = previous_period(period)
    columns.append(Column(before.label, before.start, before.end))
    return columns


def income_statement(source: MovementSource, period: Period, by: str | None = None, depth: int | None = None) -> Statement:
    """Income and expenses per account for each of :func:`income_columns` (income shown
    positive), net income = income - expenses per currency."""
    columns = income_columns(period, by)
    table = _table([source.movements(c.start, c.end) for c in columns], INCOME_KINDS, depth)
    width = len(columns)
    statements = []
    for currency in sorted(table):
        sections = _sections(table[currency], INCOME_KINDS, width)
        income, expenses = sections[0].total, sections[1].total
        statements.append(CurrencyStatement(currency, sections, tuple(i - e for i, e in zip(income, expenses))))
    return Statement("income", tuple(columns), tuple(statements))


def balance_sheet(source: BalanceSource, period: Period, depth: int | None = None) -> Statement:
    """Assets, liabilities and equity at the end of ``period``, with the net income of
    ``period`` closed into current earnings and the income and expenses before it into
    previous earnings (as bean-query's ``FROM OPEN ON … CLOSE ON … CLEAR``); the result per
    currency is assets - (liabilities + equity), zero when the sheet balances."""
    column = Column(str(period.end), period.start, period.end)
    table = _table([source.closed(period.start, period.end)], BALANCE_KINDS, depth)
    statements = []
    for currency in sorted(table):
        sections = _sections(table[currency], BALANCE_KINDS, 1)
        assets, liabilities, equity = (s.total[0] for s in sections)
        statements.append(CurrencyStatement(currency, sections, (assets - liabilities - equity,)))
    problems = tuple(
        diag("ledger-unbalanced", f"the balance sheet at {period.end} does not balance in {s.currency}: assets - (liabilities + equity) = {s.result[0]}")
        for s in statements
        if s.result[0]
    )
    return Statement("balance", (column,), tuple(statements), Column(period.label, period.start, period.end), problems)


def parts(period: Period, by: str | None) -> list[Period]:
    """The months or quarters inside ``period``, each cut to the period's own dates."""
    out: list[Period] = []
    day = period.start
    while day <= period.end:
        whole = month_period(day.year, day.month) if by == "month" else quarter_of(day)
        start, end = max(whole.start, period.start), min(whole.end, period.end)
        label = whole.label if (start, end) == (whole.start, whole.end) else f"{whole.label} ({start} to {end})"
        out.append(Period(start, end, label))
        day = shift(whole.end, 1)
    return out


def previous_period(period: Period) -> Period:
    """The period a statement is compared with: a year to date with the same dates a year
    earlier (1 January to 30 November 2025 beside 2026 to 30 November); anything else with
    :meth:`Period.previous` -- the previous quarter, month or year, or as many days just before."""
    whole = period.whole
    if whole is not None and whole.start == datetime.date(whole.start.year, 1, 1) and whole.end == datetime.date(whole.start.year, 12, 31):
        start = datetime.date(period.start.year - 1, 1, 1)
        end = _year_earlier(period.end)
        return Period(start, end, f"{start} to {end}")
    return period.previous()


def _year_earlier(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def year_to_date(as_of: datetime.date) -> Period:
    """The default period: 1 January of the as-of date's year to the as-of date."""
    year = Period(datetime.date(as_of.year, 1, 1), datetime.date(as_of.year, 12, 31), str(as_of.year))
    return year.until(as_of)
