"""The firm as a whole: revenue concentration, revenue per manager and tier, aging, DSO trend, accounts at risk.

Pure: every figure comes from the engine that owns it, over the last 12 months to the
as-of date (the as-of date's month and the 11 before it; the month of the as-of date
counts to date):

* revenue per client is :func:`acct_tool.engines.revenue.revenue` over those dates (what
  ``portfolio --from`` shows), summed per currency -- never across currencies -- into the
  firm's total, its months, its managers and tiers; the top 1, 5 and 10 clients' share is
  their revenue over that total;
* aging totals are :func:`acct_tool.engines.aging.age` over the open items of each side
  (what ``aging ar|ap`` shows);
* the DSO trend is :func:`acct_tool.engines.payments.dso` at each month end, with the open
  items as they stood that day (what ``dso ar`` gives with that day as ``--as-of``);
* accounts at risk are the clients in the red band of the health engine the reviews use,
  with their revenue in the 12 months at stake.

A share is a percentage with one decimal, ``None`` when the currency's total is not positive.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from acct_tool.books.parties import Party
from acct_tool.engines import portfolio as engine
from acct_tool.engines.aging import age
from acct_tool.engines.health import HealthScore
from acct_tool.engines.items_at import ItemsAt
from acct_tool.engines.payments import Dso, overall_dso
from acct_tool.engines.receivables import ZERO, OpenItems, Side
from acct_tool.engines.revenue import months_between, revenue
from acct_tool.engines.review_records import (
    AgingAmount,
    AgingTotal,
    ClientShare,
    DsoPoint,
    DsoTrend,
    FirmCurrency,
    GroupRevenue,
    MonthAmount,
    TopShare,
)
from acct_tool.money import Money

Date = datetime.date
#: How many months the firm's figures look back, the as-of date's month included.
MONTHS = 12
#: The sizes of the top groups whose share of revenue is shown.
TOP = (1, 5, 10)
#: The DSO window, as ``dso``'s default.
DSO_WINDOW = 90
#: The manager group of clients without one.
UNASSIGNED = "unassigned"


def window_start(as_of: Date, months: int = MONTHS) -> Date:
    """The first day of the month ``months - 1`` months before the as-of date's."""
    index = as_of.year * 12 + as_of.month - 1 - (months - 1)
    return Date(index // 12, index % 12 + 1, 1)


def month_ends(start: Date, as_of: Date) -> list[tuple[str, Date]]:
    """Each month from ``start`` to ``as_of`` with its last day (the as-of date for its own month)."""
    out = []
    for month in months_between(start, as_of):
        year, number = int(month[:4]), int(month[5:])
        out.append((month, min(Date(year, number, calendar.monthrange(year, number)[1]), as_of)))
    return out


def share(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole`` with one decimal; None when ``whole`` is not positive."""
    if whole <= ZERO:
        return None
    return (part / whole * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def client_revenue(ctx: engine.Context, start: Date, end: Date) -> dict[str, dict[str, Decimal]]:
    """Each client's revenue from ``start`` to ``end`` per currency (zeros left out), by id."""
    out: dict[str, dict[str, Decimal]] = {}
    for pid, postings in ctx.attribution.postings.items():
        rev = revenue(postings, pid, start, end)
        amounts = {m.currency: m.number for m in rev.totals if m.number != ZERO}
        if amounts:
            out[pid] = amounts
    return out


def revenue_by_currency(ctx: engine.Context, start: Date, end: Date, period_months: Iterable[str] = ()) -> tuple[FirmCurrency, ...]:
    """The firm's revenue per currency: total, months, clients by size, top shares, managers, tiers."""
    in_period = set(period_months)
    months = months_between(start, end)
    by_month: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    per_client: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for pid, postings in ctx.attribution.postings.items():
        rev = revenue(postings, pid, start, end)
        for m in rev.months:
            by_month[(m.currency, m.month)] += m.amount
        for total in rev.totals:
            if total.number != ZERO:
                per_client[total.currency][pid] = total.number
    out = []
    for cur in sorted({c for c, _ in by_month} | set(per_client)):
        amounts = per_client.get(cur, {})
        whole = sum(amounts.values(), ZERO)
        clients = tuple(_client_share(ctx.parties.get(pid), pid, Money(n, cur), whole) for pid, n in sorted(amounts.items(), key=lambda kv: (-kv[1], kv[0])))
        top = tuple(_top(size, clients, whole, cur) for size in TOP)
        managers = _groups(((c.manager or UNASSIGNED, c.revenue.number) for c in clients), whole, cur)
        tiers = _groups(((c.tier, c.revenue.number) for c in clients), whole, cur)
        month_rows = tuple(MonthAmount(m, Money(by_month.get((cur, m), ZERO), cur), m in in_period) for m in months)
        total = Money(sum((m.amount.number for m in month_rows), ZERO), cur)
        out.append(FirmCurrency(cur, total, month_rows, clients, top, managers, tiers))
    return tuple(out)


def _client_share(party: Party | None, pid: str, amount: Money, whole: Decimal) -> ClientShare:
    name = party.name if party is not None else pid
    return ClientShare(pid, name, party.manager if party else None, party.tier if party else "standard", amount, share(amount.number, whole))


def _top(size: int, clients: Sequence[ClientShare], whole: Decimal, currency: str) -> TopShare:
    chosen = tuple(clients[:size])
    amount = sum((c.revenue.number for c in chosen), ZERO)
    return TopShare(size, chosen, Money(amount, currency), share(amount, whole))


def _groups(rows: Iterable[tuple[str, Decimal]], whole: Decimal, currency: str) -> tuple[GroupRevenue, ...]:
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    counts: dict[str, int] = defaultdict(int)
    for name, amount in rows:
        sums[name] += amount
        counts[name] += 1
    ordered = sorted(sums, key=lambda n: (-sums[n], n))
    return tuple(GroupRevenue(n, counts[n], Money(sums[n], currency), share(sums[n], whole)) for n in ordered)


def aging_totals(items: OpenItems, limits: Sequence[int]) -> tuple[AgingTotal, ...]:
    """The totals of ``aging`` for one side, per currency."""
    result = age(items, limits)
    out = []
    for cur in result.tables:
        t = result.totals(cur)
        out.append(
            AgingTotal(
                cur, tuple(AgingAmount(b, Money(t.buckets[b], cur)) for b in result.labels), Money(t.total, cur), Money(t.credits, cur), Money(t.net, cur)
            )
        )
    return tuple(out)


def day_dso(window: int = DSO_WINDOW) -> tuple[Hashable, Callable[[OpenItems], dict[str, Dso]]]:
    """What :func:`dso_trend` draws from the receivables at one date: the overall DSO per
    currency, under a key for :meth:`ItemsAt.use`."""

    def overall(items: OpenItems) -> dict[str, Dso]:
        return overall_dso(items, window=window)

    return ("dso", window), overall


def dso_trend(ctx: engine.Context, start: Date, window: int = DSO_WINDOW, items_at: ItemsAt | None = None) -> tuple[DsoTrend, ...]:
    """Receivables' DSO at each month end from ``start`` to the as-of date, per currency
    (``items_at`` gives the receivables at a date, when the caller has them already)."""
    points: dict[str, list[DsoPoint]] = defaultdict(list)
    ends = month_ends(start, ctx.as_of)
    at = items_at or ItemsAt(ctx.postings, ctx.parties, ctx.settings, Side.AR, ctx.precisions, known=ctx.items)
    key, overall = day_dso(window)
    at.prefetch([day for _, day in ends], {key: overall})
    for month, day in ends:
        found: dict[str, Dso] = at.use(key, day, overall)
        for cur, d in found.items():
            points[cur].append(DsoPoint(month, day, d.days, Money(d.open, cur), Money(d.invoiced, cur)))
    out = []
    for cur in sorted(points):
        have = {p.month: p for p in points[cur]}
        filled = tuple(have.get(month) or DsoPoint(month, day, None, Money(ZERO, cur), Money(ZERO, cur)) for month, day in ends)
        out.append(DsoTrend(cur, window, filled))
    return tuple(out)


@dataclass(frozen=True)
class Risky:
    """A client in the red band, with what is at stake."""

    party: Party
    health: HealthScore
    revenue: tuple[Money, ...]  # in the 12 months, per currency
    open: tuple[Money, ...]
    overdue: tuple[Money, ...]


def counted(ctx: engine.Context, party: Party, revenue_of: dict[str, dict[str, Decimal]]) -> bool:
    """The clients the firm's figures count: active and paused ones, and any other with revenue or money open."""
    if not party.is_client:
        return False
    return party.status in ("active", "paused") or party.id in revenue_of or bool(ctx.balances.get(party.id))


def at_risk(ctx: engine.Context, start: Date) -> tuple[Risky, ...]:
    """The counted clients whose health band is red, lowest score first, then by id."""
    revenue_of = client_revenue(ctx, start, ctx.as_of)
    out = []
    for party in ctx.parties.values():
        if not counted(ctx, party, revenue_of):
            continue
        summary = ctx.summary(party)
        health = summary.health
        if health is None or health.band != "red":
            continue
        amounts = revenue_of.get(party.id, {})
        out.append(Risky(party, health, tuple(Money(amounts[c], c) for c in sorted(amounts)), summary.open, summary.overdue))
    return tuple(sorted(out, key=lambda r: (r.health.score, r.party.id)))
