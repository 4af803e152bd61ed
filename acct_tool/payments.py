"""Payment behaviour (how late each party pays) and days sales outstanding (DSO).

* **Days late** of a fully paid document: date of its final payment minus its due date
  (negative when paid early). **Days to pay**: final payment minus document date.
* **Trend** per party: the average days late of the most recent half of its paid
  documents against the older half; more than 3 days worse is ``worsening``, more
  than 3 days better ``improving``, else ``stable`` (needs at least 4 paid documents).
* **DSO** per currency = open receivables at the as-of date (open documents less
  unapplied credits, the tie-out figure) / amount invoiced in the
  ``window`` days up to the as-of date x ``window`` (default 90 days). ``None`` when
  nothing was invoiced in the window.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Mapping

from acct_tool.receivables import ZERO, Document, OpenItems
from acct_tool.periods import shift

TREND_DAYS = Decimal(3)


@dataclass(frozen=True)
class PaidDocument:
    document: Document
    settled_on: datetime.date

    @property
    def days_late(self) -> int:
        return (self.settled_on - self.document.due).days

    @property
    def days_to_pay(self) -> int:
        return (self.settled_on - self.document.date).days


@dataclass(frozen=True)
class Behaviour:
    party: str
    paid: tuple[PaidDocument, ...]
    average_days_late: Decimal | None
    average_days_to_pay: Decimal | None
    trend: str | None  # "improving", "worsening", "stable" or None
    recent_days_late: Decimal | None
    earlier_days_late: Decimal | None


def _mean(values: Iterable[int]) -> Decimal | None:
    items = list(values)
    if not items:
        return None
    return (Decimal(sum(items)) / len(items)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def behaviour(items: OpenItems) -> dict[str, Behaviour]:
    """Payment behaviour per party, from the documents fully paid by the as-of date."""
    paid: dict[str, list[PaidDocument]] = defaultdict(list)
    for d in items.documents:
        if d.settled_on is not None:
            paid[d.party].append(PaidDocument(d, d.settled_on))
    out = {}
    for party in sorted(set(paid) | {d.party for d in items.documents}):
        docs = sorted(paid.get(party, []), key=lambda p: (p.settled_on, p.document.ref))
        trend, recent, earlier = None, None, None
        if len(docs) >= 4:
            half = len(docs) // 2
            earlier = _mean(p.days_late for p in docs[:half])
            recent = _mean(p.days_late for p in docs[half:])
            assert recent is not None and earlier is not None
            diff = recent - earlier
            trend = "worsening" if diff > TREND_DAYS else "improving" if diff < -TREND_DAYS else "stable"
        out[party] = Behaviour(
            party,
            tuple(docs),
            _mean(p.days_late for p in docs),
            _mean(p.days_to_pay for p in docs),
            trend,
            recent,
            earlier,
        )
    return out


@dataclass(frozen=True)
class Dso:
    currency: str
    open: Decimal
    invoiced: Decimal
    window: int

    @property
    def days(self) -> Decimal | None:
        if self.invoiced <= ZERO:
            return None
        return (self.open / self.invoiced * self.window).quantize(Decimal("0.1"), ROUND_HALF_UP)


def dso(items: OpenItems, groups: Mapping[str, str] | None = None, window: int = 90) -> dict[str, dict[str, Dso]]:
    """DSO per group and currency. ``groups`` maps party id -> group (a manager, say);
    without it, every party is its own group. The key ``"*"`` holds the overall figure."""
    start = shift(items.as_of, -(window - 1))
    opened: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    invoiced: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for d in items.documents:
        names = [groups.get(d.party, "") if groups is not None else d.party, "*"]
        for name in names:
            opened[(name, d.currency)] += d.open
            if start <= d.date <= items.as_of:
                invoiced[(name, d.currency)] += d.amount
    for c in items.unapplied_credits():
        for name in (groups.get(c.party, "") if groups is not None else c.party, "*"):
            opened[(name, c.currency)] -= c.unapplied
    out: dict[str, dict[str, Dso]] = defaultdict(dict)
    for (name, currency) in sorted(set(opened) | set(invoiced)):
        out[name][currency] = Dso(currency, opened[(name, currency)], invoiced[(name, currency)], window)
    return dict(out)
