"""Aging: open documents bucketed by days past due (or days since the document date).

Buckets follow the settings' limits: with ``[30, 60, 90]`` they are ``current``
(not yet due), ``1-30``, ``31-60``, ``61-90`` and ``90+``. Amounts in different
currencies are never summed: every total is per currency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from acct_tool.engines.receivables import ZERO, Document, OpenItems

CURRENT = "current"


def bucket_labels(limits: Sequence[int]) -> list[str]:
    labels = [CURRENT]
    low = 1
    for high in limits:
        labels.append(f"{low}-{high}")
        low = high + 1
    labels.append(f"{limits[-1]}+")
    return labels


def bucket_of(days: int, limits: Sequence[int]) -> str:
    """The bucket for ``days`` past due: 0 or less is current, 1..limits[0] the first, and so on."""
    if days <= 0:
        return CURRENT
    low = 1
    for high in limits:
        if days <= high:
            return f"{low}-{high}"
        low = high + 1
    return f"{limits[-1]}+"


@dataclass(frozen=True)
class AgingRow:
    """One line of an aging table: a party (or one document) in one currency."""

    party: str
    currency: str
    buckets: dict[str, Decimal]
    credits: Decimal = ZERO  # unapplied credits, shown apart from the buckets
    document: Document | None = None
    days: int | None = None

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def net(self) -> Decimal:
        return self.total - self.credits


@dataclass(frozen=True)
class Aging:
    side: str
    basis: str
    by: str
    labels: list[str]
    #: currency -> rows (sorted by party, then document date)
    tables: dict[str, list[AgingRow]] = field(default_factory=dict)

    def totals(self, currency: str) -> AgingRow:
        rows = self.tables[currency]
        buckets = {label: sum((r.buckets[label] for r in rows), ZERO) for label in self.labels}
        return AgingRow("total", currency, buckets, sum((r.credits for r in rows), ZERO))


def age(items: OpenItems, limits: Sequence[int], *, basis: str = "due", by: str = "party") -> Aging:
    """Bucket the open documents of ``items`` as of its as-of date."""
    labels = bucket_labels(limits)
    as_of = items.as_of
    credits: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for c in items.unapplied_credits():
        credits[(c.party, c.currency)] += c.unapplied
    rows: dict[str, list[AgingRow]] = defaultdict(list)
    if by == "document":
        for d in sorted(items.open_documents(), key=lambda d: (d.currency, d.party, d.due, d.ref)):
            days = (as_of - (d.due if basis == "due" else d.date)).days
            buckets = dict.fromkeys(labels, ZERO)
            buckets[bucket_of(days, limits)] = d.open
            rows[d.currency].append(AgingRow(d.party, d.currency, buckets, ZERO, d, days))
        for (party, currency), amount in sorted(credits.items()):
            rows[currency].append(AgingRow(party, currency, dict.fromkeys(labels, ZERO), amount))
    else:
        sums: dict[tuple[str, str], dict[str, Decimal]] = {}
        for d in items.open_documents():
            days = (as_of - (d.due if basis == "due" else d.date)).days
            buckets = sums.setdefault((d.party, d.currency), dict.fromkeys(labels, ZERO))
            buckets[bucket_of(days, limits)] += d.open
        for key in credits:
            sums.setdefault(key, dict.fromkeys(labels, ZERO))
        for (party, currency), buckets in sorted(sums.items()):
            rows[currency].append(AgingRow(party, currency, buckets, credits.get((party, currency), ZERO)))
    return Aging(items.side.value, basis, by, labels, dict(sorted(rows.items())))
