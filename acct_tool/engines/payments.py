"""Payment behaviour (how late each party pays) and days sales outstanding (DSO).

* **Days late** of a fully paid document: date of its final payment minus its due date
  (negative when paid early). **Days to pay**: final payment minus document date.
* **Average days to pay** (and late) over a period: the mean over the documents fully
  paid in the period (final payment inside it), rounded by :func:`acct_tool.money.average`.
  A manager's or the total's figure is the mean over all their paid documents, never a
  mean of the parties' means. The period is the portfolio's or the review's; without
  one (``clients show``, ``dso``) it is the year to date of the as-of date.
* **Trend** per party: the average days late of the most recent half of its paid
  documents against the older half; more than 3 days worse is ``worsening``, more
  than 3 days better ``improving``, else ``stable`` (needs at least 4 paid documents).
* **DSO** per currency = open receivables at the as-of date (open documents less
  unapplied credits, the tie-out figure) / amount invoiced in the
  ``window`` days up to the as-of date x ``window`` (default 90 days). ``None`` when
  nothing was invoiced in the window.
"""

from __future__ import annotations

import bisect
import datetime
import operator
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, NamedTuple

from acct_tool.engines.receivables import ZERO, Document, OpenItems
from acct_tool.money import average, rounded
from acct_tool.periods import shift

Trend = Literal["improving", "worsening", "stable"]

TREND_DAYS = Decimal(3)


class PaidDocument(NamedTuple):
    """A document paid in full, and when. (A named tuple: the health history makes one per
    paid document per month end.)"""

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
    #: The documents fully paid in the period (``start`` to the as-of date), by payment date.
    paid: tuple[PaidDocument, ...]
    average_days_late: Decimal | None  # over ``paid``
    average_days_to_pay: Decimal | None  # over ``paid``
    trend: Trend | None  # over every document paid by the as-of date
    recent_days_late: Decimal | None
    earlier_days_late: Decimal | None
    start: datetime.date | None = None


def paid_in(documents: Iterable[Document], start: datetime.date | None, end: datetime.date) -> list[PaidDocument]:
    """The documents whose final payment falls from ``start`` (None: any time) to ``end``, by payment date."""
    return [PaidDocument(d, on) for on, _, d in _paid(documents, start, end)]


def _paid(documents: Iterable[Document], start: datetime.date | None, end: datetime.date) -> list[tuple[datetime.date, str, Document]]:
    """(the final payment's date, the number, the document) of :func:`paid_in`'s documents, in its order."""
    found = []
    for d in documents:
        apps = d.applications  # Document.settled_on, read here without a call per document (the health history reads every document at a dozen dates)
        if not apps or d.amount != d.paid:
            continue
        on = apps[0].date if len(apps) == 1 else max(a.date for a in apps)
        if on <= end and (start is None or start <= on):
            found.append((on, d.ref, d))
    found.sort(key=_PAID_ORDER)  # by payment date, then number; stable
    return found


#: The order of paid documents: the payment date, then the document's number.
_PAID_ORDER = operator.itemgetter(0, 1)
_PAID_ON = operator.itemgetter(0)


def days_to_pay(documents: Iterable[Document], start: datetime.date | None, end: datetime.date) -> tuple[Decimal | None, int]:
    """Average days to pay over the documents fully paid from ``start`` to ``end``, and how many there are."""
    paid = paid_in(documents, start, end)
    return average(p.days_to_pay for p in paid), len(paid)


def pooled(behaviours: Mapping[str, Behaviour], parties: Iterable[str]) -> tuple[Decimal | None, Decimal | None, int]:
    """Average days late and days to pay of several parties together (a manager's), and how
    many documents they paid: the mean over all their paid documents, not a mean of means."""
    paid = [p for party in parties if party in behaviours for p in behaviours[party].paid]
    return average(p.days_late for p in paid), average(p.days_to_pay for p in paid), len(paid)


def year_start(as_of: datetime.date) -> datetime.date:
    """The default start of the period payment behaviour is measured over: 1 January."""
    return datetime.date(as_of.year, 1, 1)


def behaviour(items: OpenItems, start: datetime.date | None = None) -> dict[str, Behaviour]:
    """Payment behaviour per party over the documents fully paid from ``start`` (default:
    1 January of the as-of date's year) to the as-of date; the trend looks at all of them."""
    start = start or year_start(items.as_of)
    documents: dict[str, list[Document]] = defaultdict(list)
    for d in items.documents:
        documents[d.party].append(d)
    out = {}
    for party in sorted(documents):
        # as (date, number, document): a PaidDocument only for those in the period (the health
        # history reads every party's at a dozen dates)
        every = _paid(documents[party], None, items.as_of)
        late = [(on - d.due).days for on, _, d in every]  # PaidDocument.days_late
        first = bisect.bisect_left(every, start, key=_PAID_ON)  # ``every`` is by payment date
        docs = [PaidDocument(d, on) for on, _, d in every[first:]]
        trend: Trend | None = None
        recent = earlier = None
        if len(every) >= 4:
            half = len(every) // 2
            earlier = average(late[:half])
            recent = average(late[half:])
            assert recent is not None and earlier is not None
            diff = recent - earlier
            trend = "worsening" if diff > TREND_DAYS else "improving" if diff < -TREND_DAYS else "stable"
        out[party] = Behaviour(
            party,
            tuple(docs),
            average(late[first:]),
            average([(p.settled_on - p.document.date).days for p in docs]),  # PaidDocument.days_to_pay
            trend,
            recent,
            earlier,
            start,
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
        return rounded(self.open / self.invoiced * self.window)


def dso(items: OpenItems, groups: Mapping[str, str] | None = None, window: int = 90) -> dict[str, dict[str, Dso]]:
    """DSO per group and currency. ``groups`` maps party id -> group (a manager, say);
    without it, every party is its own group. The key ``"*"`` holds the overall figure."""
    start, end = shift(items.as_of, -(window - 1)), items.as_of
    # per party and currency first, then per group: the sums are exact, so their order does not matter
    own_open: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    own_invoiced: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for d in items.documents:
        key = (d.party, d.currency)
        own_open[key] += d.amount - d.paid
        if start <= d.date <= end:
            own_invoiced[key] += d.amount
    for c in items.credits:
        if c.amount != c.applied:
            own_open[(c.party, c.currency)] -= c.amount - c.applied
    opened: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    invoiced: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for (party, currency), amount in own_open.items():
        for name in (groups.get(party, "") if groups is not None else party, "*"):
            opened[(name, currency)] += amount
            if (party, currency) in own_invoiced:
                invoiced[(name, currency)] += own_invoiced[(party, currency)]
    out: dict[str, dict[str, Dso]] = defaultdict(dict)
    for name, currency in sorted(set(opened) | set(invoiced)):
        out[name][currency] = Dso(currency, opened[(name, currency)], invoiced[(name, currency)], window)
    return dict(out)


def overall_dso(items: OpenItems, window: int = 90) -> dict[str, Dso]:
    """``dso(items, window=window)["*"]`` (the overall DSO per currency) without the per-party
    figures, summed straight per currency: the DSO trend reads it at a dozen month ends."""
    start, end = shift(items.as_of, -(window - 1)), items.as_of
    opened: dict[str, Decimal] = {}
    invoiced: dict[str, Decimal] = {}
    for d in items.documents:
        currency, amount = d.currency, d.amount
        if amount != d.paid:
            opened[currency] = opened.get(currency, ZERO) + (amount - d.paid)
        elif currency not in opened:
            opened[currency] = ZERO
        if start <= d.date <= end:
            invoiced[currency] = invoiced.get(currency, ZERO) + amount
    for c in items.credits:
        if c.amount != c.applied:
            opened[c.currency] = opened.get(c.currency, ZERO) - (c.amount - c.applied)
    return {currency: Dso(currency, opened[currency], invoiced.get(currency, ZERO), window) for currency in sorted(opened)}
