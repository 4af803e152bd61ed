"""Cash position and a weekly cash forecast, per currency (docs/cash.md has the rules with examples).

* **Position** of a cash account in a currency: the sum of its postings dated on or
  before the as-of date. Each account also shows its last ``balance`` assertion on or
  before the as-of date and the last statement filed for it (the latest last-line date
  among the statement files for the account, on or before the as-of date).
* **Forecast** of ``weeks`` weeks, week 1 starting the day after the as-of date. Per
  currency: opening = the sum of the positions; each week's closing = its opening +
  receipts + payments + recurring, and the next week opens with it.
* **Receipts**: each open invoice, at its due date + its party's *lateness*: the median
  of the days late (final payment minus due date) of the party's last
  :data:`LATENESS_SAMPLE` fully paid invoices (the mean of the middle two for an even
  count, rounded up to a whole day); without a paid invoice, the due date. An expected
  date before week 1 falls in week 1. An invoice that has reached the last collection
  level (:func:`acct_tool.engines.followups.collection_level`) is *at risk*: listed
  apart, not counted. Unapplied credits are not receipts.
* **Payments**: each open bill at its due date (an overdue one in week 1).
* **Recurring**: each ``cash.recurring`` rule on every date it falls on inside the
  forecast (see :func:`occurrences`).
* **Floor**: the first week whose closing is below ``cash.floor`` of its currency.

Currencies are never added together. Lines past the last week are kept apart (``beyond``).
"""

from __future__ import annotations

import calendar
import datetime
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from acct_tool.books.cash_facts import BalanceAssertion, CashFacts, StatementPeriod
from acct_tool.books.ledger import AccountPosting
from acct_tool.books.settings import RecurringRule
from acct_tool.engines.followups import collection_level
from acct_tool.engines.payments import paid_in
from acct_tool.engines.receivables import ZERO, Document, OpenItems
from acct_tool.periods import shift

Date = datetime.date
#: How many of a party's last paid invoices its lateness is the median of.
LATENESS_SAMPLE = 6
#: How far a month's amount may be from the others' to count as the same flow (``--propose-recurring``).
SIMILAR = Decimal("0.10")
#: The months of postings ``--propose-recurring`` reads.
PROPOSE_MONTHS = 3

LineKind = Literal["receipt", "payment", "recurring"]


@dataclass(frozen=True)
class Position:
    """One cash account's balance in one currency at the as-of date."""

    account: str
    currency: str
    balance: Decimal
    last_assertion: BalanceAssertion | None
    last_statement: StatementPeriod | None


@dataclass(frozen=True)
class Lateness:
    """How late a party pays: the median days late over its last paid invoices (``None``: none paid)."""

    days: int | None
    sample: int

    @property
    def basis(self) -> str:
        if self.days is None:
            return "due date: no paid invoices"
        how = "on time" if self.days == 0 else f"{abs(self.days)} day{'s' if abs(self.days) != 1 else ''} {'late' if self.days > 0 else 'early'}"
        return f"median {how} over {self.sample} paid invoice{'s' if self.sample != 1 else ''}"


@dataclass(frozen=True)
class Source:
    """Where a forecast line comes from: a document (invoice or bill) or a recurring rule."""

    kind: Literal["invoice", "bill", "recurring"]
    number: str | None = None
    party: str | None = None
    due: Date | None = None
    expected: Date | None = None
    basis: str | None = None
    rule: str | None = None
    account: str | None = None


@dataclass(frozen=True)
class Line:
    """One expected movement of cash: positive in, negative out."""

    kind: LineKind
    date: Date  # the date it is expected (before week 1: counted in week 1)
    currency: str
    amount: Decimal
    source: Source
    week: int | None  # 1-based; None: after the last week


@dataclass(frozen=True)
class Week:
    number: int
    start: Date
    end: Date
    currency: str
    opening: Decimal
    receipts: Decimal
    payments: Decimal
    recurring: Decimal
    lines: tuple[Line, ...]

    @property
    def closing(self) -> Decimal:
        return self.opening + self.receipts + self.payments + self.recurring


@dataclass(frozen=True)
class CurrencyForecast:
    currency: str
    opening: Decimal
    weeks: tuple[Week, ...]
    floor: Decimal | None
    #: Lines expected after the last week: not in any week's figures.
    beyond: tuple[Line, ...]

    @property
    def floor_week(self) -> Week | None:
        """The first week whose closing cash is below the floor."""
        if self.floor is None:
            return None
        return next((w for w in self.weeks if w.closing < self.floor), None)


@dataclass(frozen=True)
class AtRisk:
    """An open invoice past the last collection level: not expected in the forecast."""

    document: Document
    days_past_due: int
    level: int


@dataclass(frozen=True)
class Forecast:
    as_of: Date
    start: Date
    end: Date
    positions: tuple[Position, ...]
    currencies: tuple[CurrencyForecast, ...]
    at_risk: tuple[AtRisk, ...]


def positions(facts: CashFacts, as_of: Date) -> list[Position]:
    """Each cash account's balance per currency at ``as_of`` (an opened account with no postings
    shows at zero in the currencies its ``open`` allows)."""
    out = []
    for account in facts.accounts:
        totals: dict[str, Decimal] = {}
        for posting in facts.postings.get(account, ()):
            if posting.date <= as_of:
                totals[posting.currency] = totals.get(posting.currency, ZERO) + posting.number
        for currency in facts.currencies.get(account, ()):
            totals.setdefault(currency, ZERO)
        filed = [s for s in facts.statements if s.account == account and s.end <= as_of]
        statement = max(filed, key=lambda s: (s.end, s.file)) if filed else None
        for currency in sorted(totals):
            asserted = [b for b in facts.assertions.get(account, ()) if b.currency == currency and b.date <= as_of]
            last = max(asserted, key=lambda b: b.date) if asserted else None
            out.append(Position(account, currency, totals[currency], last, statement))
    return out


def lateness(documents: Iterable[Document], as_of: Date, sample: int = LATENESS_SAMPLE) -> Lateness:
    """The median days late of the last ``sample`` documents fully paid by ``as_of``
    (by final payment date), rounded up to a whole day."""
    paid = paid_in(documents, None, as_of)[-sample:]
    if not paid:
        return Lateness(None, 0)
    days = sorted(p.days_late for p in paid)
    mid = len(days) // 2
    median = Decimal(days[mid]) if len(days) % 2 else Decimal(days[mid - 1] + days[mid]) / 2
    return Lateness(math.ceil(median), len(days))


def add_months(day: Date, months: int, on: int | None = None) -> Date:
    """``day`` moved by ``months`` months, on day ``on`` (default: its own) clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return Date(year, month + 1, min(on or day.day, last))


STEP_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


def occurrences(rule: RecurringRule, start: Date, end: Date) -> list[Date]:
    """The dates from ``start`` to ``end`` a rule falls on.

    Weekly: ``first`` (default ``start``) and every 7 days after it. Monthly, quarterly,
    yearly: every 1, 3 or 12 months from the month of ``first`` (default: ``start``'s
    month), on ``day`` (default: the day of ``first``, else of ``start``) or the month's
    last day when it is shorter; never before ``first``. None after ``until``."""
    last = min(end, rule.until) if rule.until is not None else end
    out: list[Date] = []
    if rule.cadence == "weekly":
        day = rule.first or start
        while day <= last:
            if day >= start:
                out.append(day)
            day = shift(day, 7)
        return out
    step = STEP_MONTHS[rule.cadence]
    anchor = rule.first or start
    on = rule.day or anchor.day
    k = 0
    while True:
        day = add_months(Date(anchor.year, anchor.month, 1), k * step, on)
        if day > last:
            return out
        if day >= start and (rule.first is None or day >= rule.first):
            out.append(day)
        k += 1


def forecast(
    facts: CashFacts,
    receivables: OpenItems,
    payables: OpenItems,
    rules: Sequence[RecurringRule],
    as_of: Date,
    *,
    weeks: int = 13,
    levels: Sequence[int] = (7, 30, 60),
    floor: Mapping[str, Decimal] | None = None,
) -> Forecast:
    """The position at ``as_of`` and the ``weeks`` weeks after it (see the module's rules)."""
    start = shift(as_of, 1)
    end = shift(start, 7 * weeks - 1)

    def week_of(day: Date) -> int | None:
        if day > end:
            return None
        return max(0, (day - start).days) // 7 + 1

    lines: list[Line] = []
    at_risk: list[AtRisk] = []
    by_party: dict[str, list[Document]] = defaultdict(list)
    for d in receivables.documents:
        by_party[d.party].append(d)
    late = {party: lateness(docs, as_of) for party, docs in by_party.items()}
    steps = sorted(levels)
    for d in receivables.open_documents():
        reached = collection_level(d.days_past_due(as_of), steps)
        if steps and reached >= len(steps):
            at_risk.append(AtRisk(d, d.days_past_due(as_of), reached))
            continue
        party_late = late.get(d.party, Lateness(None, 0))
        expected = shift(d.due, party_late.days or 0)
        basis = party_late.basis + ("; expected before the forecast starts: week 1" if expected < start else "")
        source = Source("invoice", d.number or d.ref, d.party, d.due, expected, basis)
        lines.append(Line("receipt", expected, d.currency, d.open, source, week_of(expected)))
    for d in payables.open_documents():
        basis = "due date" if d.due >= start else "due date, overdue: week 1"
        source = Source("bill", d.number or d.ref, d.party, d.due, d.due, basis)
        lines.append(Line("payment", d.due, d.currency, -d.open, source, week_of(d.due)))
    for rule in rules:
        for day in occurrences(rule, start, end):
            lines.append(
                Line("recurring", day, rule.currency, rule.amount, Source("recurring", rule=rule.name, expected=day, account=rule.account), week_of(day))
            )
    lines.sort(key=lambda line: (line.date, line.kind, line.source.number or line.source.rule or ""))

    held = positions(facts, as_of)
    currencies = sorted({p.currency for p in held} | {line.currency for line in lines})
    floors = floor or {}
    out = []
    for currency in currencies:
        opening = sum((p.balance for p in held if p.currency == currency), ZERO)
        mine = [line for line in lines if line.currency == currency]
        running = opening
        built = []
        for n in range(1, weeks + 1):
            inside = tuple(line for line in mine if line.week == n)

            def total(kind: LineKind, inside: tuple[Line, ...] = inside) -> Decimal:
                return sum((line.amount for line in inside if line.kind == kind), ZERO)

            week = Week(
                n, shift(start, 7 * (n - 1)), shift(start, 7 * n - 1), currency, running, total("receipt"), total("payment"), total("recurring"), inside
            )
            built.append(week)
            running = week.closing
        beyond = tuple(line for line in mine if line.week is None)
        out.append(CurrencyForecast(currency, opening, tuple(built), floors.get(currency), beyond))
    at_risk.sort(key=lambda r: (-r.days_past_due, r.document.ref))
    return Forecast(as_of, start, end, tuple(held), tuple(out), tuple(at_risk))


@dataclass(frozen=True)
class Proposal:
    """A ``cash.recurring`` entry read from the postings: the same counter account and a similar amount each month."""

    name: str
    amount: Decimal
    currency: str
    day: int
    account: str
    seen: tuple[Date, ...]


def propose_recurring(postings: Iterable[AccountPosting], as_of: Date, *, exclude: Sequence[str] = (), months: int = PROPOSE_MONTHS) -> list[Proposal]:
    """Monthly flows in the ``months`` months up to ``as_of`` (windows ending on the as-of
    date's day of each month): a counter account (the transaction's only other account, not
    under one of ``exclude``) posted to exactly once in every window, in one currency and
    direction, each amount within :data:`SIMILAR` of the median of them. The proposal takes
    the latest amount and its day of month."""
    ends = [add_months(as_of, -k) for k in range(months)]
    starts = [add_months(as_of, -(k + 1)) for k in range(months)]
    groups: dict[tuple[str, str, bool], list[list[AccountPosting]]] = defaultdict(lambda: [[] for _ in range(months)])
    for p in postings:
        if len(p.counter) != 1 or p.number == 0:
            continue
        account = p.counter[0]
        if any(account == e or account.startswith(e + ":") for e in exclude):
            continue
        for k in range(months):
            if starts[k] < p.date <= ends[k]:
                groups[(account, p.currency, p.number < 0)][k].append(p)
    out = []
    for (account, currency, _out), windows in sorted(groups.items()):
        if any(len(w) != 1 for w in windows):
            continue
        chosen = sorted((w[0] for w in windows), key=lambda p: (p.date, p.order))
        amounts = sorted(abs(p.number) for p in chosen)
        median = amounts[len(amounts) // 2]
        if any(abs(a - median) > median * SIMILAR for a in amounts):
            continue
        latest = chosen[-1]
        name = latest.payee or latest.narration or account.rsplit(":", 1)[-1]
        out.append(Proposal(name, latest.number, currency, latest.date.day, account, tuple(p.date for p in chosen)))
    return out
