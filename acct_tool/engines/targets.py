"""Revenue and account targets of the account managers and the team (``targets:`` in the settings).

Pure arithmetic over figures the portfolio already has (docs/relationship.md, "Targets"):

* the target period: the quarter when the portfolio's period runs within one quarter
  from its first day and the quarter has a target, else the year when the period runs
  within one year from 1 January; otherwise none, since revenue counted from another
  day cannot be held against a target for the whole year or quarter;
* attainment = revenue / target; pro-rata attainment = revenue / (target x elapsed
  share), the elapsed share being the days of the target period up to the period's end
  over all its days; gap = target - revenue;
* a target counts revenue in its own currency only: revenue in any other currency is
  named, never converted or summed.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from acct_tool.money import Money
from acct_tool.periods import Period, quarter_of

if TYPE_CHECKING:
    from acct_tool.books.settings import Targets

Date = datetime.date
TENTH = Decimal("0.1")


def percent(part: Decimal, whole: Decimal) -> Decimal:
    """``part`` as a percentage of ``whole`` (above 0), to one decimal."""
    return (part / whole * 100).quantize(TENTH, ROUND_HALF_UP)


def target_period(targets: Targets, start: Date, end: Date) -> Period | None:
    """The year or quarter whose target a period from ``start`` to ``end`` is measured against, or None."""
    quarter = quarter_of(start)
    if start == quarter.start and end <= quarter.end and quarter.label in targets.revenue:
        return quarter
    year = Period(Date(start.year, 1, 1), Date(start.year, 12, 31), str(start.year))
    if start == year.start and end <= year.end and year.label in targets.revenue:
        return year
    return None


@dataclass(frozen=True)
class Attainment:
    """Revenue against one revenue target."""

    #: The target's period: its key (``2026``, ``2026-Q4``), first and last day.
    period: Period
    target: Money
    #: Revenue in the target's currency from the period's first day to ``end``.
    revenue: Money
    #: The day the revenue is counted to: the as-of date or the end of the portfolio's period.
    end: Date

    @property
    def elapsed_days(self) -> int:
        """Days of the target period up to ``end``."""
        return (min(self.end, self.period.end) - self.period.start).days + 1

    @property
    def period_days(self) -> int:
        return self.period.days

    @property
    def elapsed_share(self) -> Decimal:
        """The part of the target period gone by at ``end``, from 0 to 1."""
        return Decimal(self.elapsed_days) / Decimal(self.period_days)

    @property
    def attainment(self) -> Decimal:
        """Revenue as a percentage of the target."""
        return percent(self.revenue.number, self.target.number)

    @property
    def pro_rata_target(self) -> Money:
        """The target times the elapsed share: what revenue to date would be if earned evenly."""
        return Money(self.target.number * self.elapsed_days / self.period_days, self.target.currency)

    @property
    def pro_rata_attainment(self) -> Decimal:
        """Revenue as a percentage of the pro-rata target."""
        return percent(self.revenue.number * self.period_days, self.target.number * self.elapsed_days)

    @property
    def gap(self) -> Money:
        """The target less revenue: what is still to earn (below 0 when the target is passed)."""
        return Money(self.target.number - self.revenue.number, self.target.currency)


@dataclass(frozen=True)
class TargetStanding:
    """One manager's (or the team's) standing against their targets."""

    name: str
    #: ``None``: no revenue target for the period (not 0%).
    revenue: Attainment | None
    #: Currencies with revenue that the revenue target does not count.
    other_currencies: tuple[str, ...]
    #: Active clients managed, and the target for them (``None``: none set).
    accounts: int
    accounts_target: int | None


def standing(name: str, targets: Targets | None, revenue: Sequence[Money], accounts: int, start: Date, end: Date) -> TargetStanding:
    """``name``'s standing from the revenue per currency of a period from ``start`` to ``end``
    and the number of active clients."""
    period = target_period(targets, start, end) if targets is not None else None
    attainment = None
    others: tuple[str, ...] = ()
    if targets is not None and period is not None:
        target = targets.revenue[period.label]
        earned = next((m.number for m in revenue if m.currency == target.currency), Decimal(0))
        attainment = Attainment(period, target, Money(earned, target.currency), end)
        others = tuple(sorted({m.currency for m in revenue if m.currency != target.currency}))
    return TargetStanding(name, attainment, others, accounts, targets.accounts if targets is not None else None)
