"""The sales pipeline: every open opportunity across clients and prospects (``acct-tool pipeline``).

* :func:`deals_of` -- one party's open opportunities, each with its probability
  (the profile's, else the stage's default from ``pipeline.probabilities``), its
  weighted value, its age in stage and whether it is slipping.
* :func:`pipeline` -- the open opportunities of every client, totals per stage and
  per manager, the renewals at risk, and what was won and lost in a period with
  the win rate.

The formulas are in docs/relationship.md, "Pipeline". Money stays per currency:
every total is a tuple of :class:`Money`, one per currency, never summed across
currencies. A weighted value is rounded to its currency's places, half to even, and
totals add the rounded values, so a total is always the sum of the rows it counts.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from acct_tool.engines.relationship import OPEN_STAGES, Renewal, renewal
from acct_tool.money import Money, Precisions, by_currency, places_of, quantized, rounded

if TYPE_CHECKING:
    from acct_tool.books.parties import Opportunity, Party
    from acct_tool.books.settings import Settings

Date = datetime.date
ZERO = Decimal(0)
HUNDRED = Decimal(100)
#: The stages of a closed opportunity.
CLOSED_STAGES = ("won", "lost")
#: The group of the opportunities whose owner is nobody.
NO_MANAGER = "(no manager)"
#: Party statuses whose contract renewal is watched (as the follow-ups watch it).
RENEWING = ("active", "paused")


def total(amounts: Iterable[Money | None]) -> tuple[Money, ...]:
    """Sums per currency, sorted by currency; missing amounts are left out."""
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for money in amounts:
        if money is not None:
            sums[money.currency] += money.number
    return tuple(by_currency(Money(n, c) for c, n in sums.items()))


@dataclass(frozen=True)
class Deal:
    """One open opportunity (stage lead, qualified, proposal or negotiation) of one party."""

    party: str
    party_name: str
    #: The party's status: ``prospect`` for a client not yet won.
    status: str
    #: The party's account manager.
    manager: str | None
    name: str
    type: str
    stage: str
    value: Money | None
    #: In percent: the opportunity's own, else the stage's default (``default_probability``).
    probability: int
    default_probability: bool
    #: ``value`` x ``probability`` / 100 at the currency's places, half to even.
    weighted: Money | None
    close: Date | None
    #: When the opportunity reached its stage (``stage_since:``), and the days since, at the as-of date.
    stage_since: Date | None
    days_in_stage: int | None
    #: The opportunity's owner, else the party's manager.
    owner: str | None
    #: Days from the expected close to the as-of date, while the opportunity is still open;
    #: 0 for an opportunity whose close date has not passed (or that has none).
    days_slipped: int

    @property
    def slipping(self) -> bool:
        """The expected close date is before the as-of date and the opportunity is still open."""
        return self.days_slipped > 0

    @property
    def group(self) -> str:
        """The manager whose totals count the opportunity: its owner."""
        return self.owner or NO_MANAGER


def probability_of(opportunity: Opportunity, probabilities: Mapping[str, int]) -> tuple[int, bool]:
    """The opportunity's probability in percent, and whether it is the stage's default."""
    if opportunity.probability is not None:
        return opportunity.probability, False
    return probabilities.get(opportunity.stage, 0), True


def weighted_value(value: Money | None, probability: int, precisions: Precisions | None = None) -> Money | None:
    """``value`` x ``probability`` / 100, at the currency's places, half to even."""
    if value is None:
        return None
    return Money(quantized(value.number * probability / HUNDRED, places_of(value.currency, precisions)), value.currency)


def deals_of(party: Party, settings: Settings, as_of: Date, precisions: Precisions | None = None) -> tuple[Deal, ...]:
    """The party's open opportunities, in the profile's order."""
    out = []
    for o in party.opportunities:
        if o.stage not in OPEN_STAGES:
            continue
        probability, default = probability_of(o, settings.pipeline.probabilities)
        since = o.stage_since if o.stage_since is not None and o.stage_since <= as_of else None
        out.append(
            Deal(
                party=party.id,
                party_name=party.name,
                status=party.status,
                manager=party.manager,
                name=o.name,
                type=o.type,
                stage=o.stage,
                value=o.value,
                probability=probability,
                default_probability=default,
                weighted=weighted_value(o.value, probability, precisions),
                close=o.close,
                stage_since=since,
                days_in_stage=(as_of - since).days if since is not None else None,
                owner=o.owner or party.manager,
                days_slipped=max((as_of - o.close).days, 0) if o.close is not None else 0,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class Total:
    """The open opportunities of one stage or one manager (or all of them)."""

    name: str
    count: int
    value: tuple[Money, ...]
    weighted: tuple[Money, ...]


def total_of(name: str, deals: Sequence[Deal]) -> Total:
    return Total(name, len(deals), total(d.value for d in deals), total(d.weighted for d in deals))


@dataclass(frozen=True)
class RenewalAtRisk:
    """A client's contract renewal inside its window with no renewal opportunity open."""

    party: str
    party_name: str
    manager: str | None
    renewal: Renewal
    #: The widest window looked at: the contract's ``notice_days`` when longer than the widest ``health.renewal_windows``.
    window: int
    contract_value: Money | None


def renewal_windows(party: Party, settings: Settings) -> tuple[int, ...]:
    """The renewal windows of ``health.renewal_windows``, and the contract's notice period."""
    notice = party.contract.notice_days
    return tuple(sorted({*settings.health.renewal_windows, *((notice,) if notice is not None else ())}, reverse=True))


def renewal_at_risk(party: Party, settings: Settings, as_of: Date) -> RenewalAtRisk | None:
    """The party's renewal when it is at risk: the rule of the ``renewal`` follow-up
    (:attr:`Renewal.needs_opportunity`), over the windows of :func:`renewal_windows`."""
    if not party.is_client or party.status not in RENEWING:
        return None
    windows = renewal_windows(party, settings)
    upcoming = renewal(party, as_of, windows)
    if upcoming is None or not upcoming.needs_opportunity:
        return None
    return RenewalAtRisk(party.id, party.name, party.manager, upcoming, windows[0], party.contract.value)


@dataclass(frozen=True)
class ClosedDeal:
    """An opportunity won or lost, with its close date inside the period."""

    party: str
    party_name: str
    name: str
    type: str
    stage: Literal["won", "lost"]
    value: Money | None
    close: Date
    owner: str | None


@dataclass(frozen=True)
class CurrencyWinRate:
    currency: str
    won: Money
    lost: Money
    #: won / (won + lost) x 100, one decimal place; ``None`` when nothing of the currency closed.
    rate: Decimal | None


@dataclass(frozen=True)
class WinRate:
    won: int
    lost: int
    #: won / (won + lost) x 100 by count, one decimal place; ``None`` when nothing closed.
    by_count: Decimal | None
    by_value: tuple[CurrencyWinRate, ...]


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` of ``whole`` in percent, one decimal place, half to even; ``None`` for a zero whole."""
    return None if whole == ZERO else rounded(part / whole * HUNDRED)


def win_rate(closed: Sequence[ClosedDeal]) -> WinRate:
    won = [c for c in closed if c.stage == "won"]
    lost = [c for c in closed if c.stage == "lost"]
    won_value = {m.currency: m.number for m in total(c.value for c in won)}
    lost_value = {m.currency: m.number for m in total(c.value for c in lost)}
    rates = []
    for cur in sorted({*won_value, *lost_value}):
        gained, missed = won_value.get(cur, ZERO), lost_value.get(cur, ZERO)
        rates.append(CurrencyWinRate(cur, Money(gained, cur), Money(missed, cur), percent(gained, gained + missed)))
    return WinRate(len(won), len(lost), percent(Decimal(len(won)), Decimal(len(closed))), tuple(rates))


@dataclass(frozen=True)
class Pipeline:
    as_of: Date
    #: The period of the won and lost opportunities.
    start: Date
    end: Date
    #: Open opportunities, the earliest expected close first (none last).
    deals: tuple[Deal, ...]
    #: One per open stage, in the order of the stages.
    by_stage: tuple[Total, ...]
    #: One per manager (the opportunities' owners), sorted by name, nobody's last.
    by_manager: tuple[Total, ...]
    totals: Total
    renewals_at_risk: tuple[RenewalAtRisk, ...]
    closed: tuple[ClosedDeal, ...]
    win_rate: WinRate

    @property
    def slipping(self) -> tuple[Deal, ...]:
        return tuple(d for d in self.deals if d.slipping)


def _mine(manager: str | None, *people: str | None) -> bool:
    return manager is None or manager in people


def pipeline(
    parties: Mapping[str, Party],
    settings: Settings,
    as_of: Date,
    start: Date,
    end: Date,
    precisions: Precisions | None = None,
    *,
    manager: str | None = None,
    stage: str | None = None,
) -> Pipeline:
    """The open opportunities of every client (active, prospect or any other status) at ``as_of``;
    those won or lost with a close date from ``start`` to ``end``.

    ``manager`` keeps the opportunities it owns and those of the parties it manages, and
    the renewals of those parties; ``stage`` keeps the open opportunities at that stage.
    """
    clients = [p for p in parties.values() if p.is_client]
    deals = [d for p in clients for d in deals_of(p, settings, as_of, precisions) if _mine(manager, d.owner, d.manager) and (stage is None or d.stage == stage)]
    deals.sort(key=lambda d: (d.close is None, d.close or as_of, d.party, d.name))
    stages = [s for s in OPEN_STAGES if stage is None or s == stage]
    by_owner: dict[str, list[Deal]] = defaultdict(list)
    for d in deals:
        by_owner[d.group].append(d)
    owners = sorted(by_owner, key=lambda n: (n == NO_MANAGER, n))
    closed = [
        ClosedDeal(p.id, p.name, o.name, o.type, "won" if o.stage == "won" else "lost", o.value, o.close, o.owner or p.manager)
        for p in clients
        for o in p.opportunities
        if o.stage in CLOSED_STAGES and o.close is not None and start <= o.close <= end and _mine(manager, o.owner or p.manager, p.manager)
    ]
    closed.sort(key=lambda c: (c.close, c.party, c.name))
    risks = [r for p in clients if _mine(manager, p.manager) and (r := renewal_at_risk(p, settings, as_of)) is not None]
    risks.sort(key=lambda r: (r.renewal.date, r.party))
    return Pipeline(
        as_of=as_of,
        start=start,
        end=end,
        deals=tuple(deals),
        by_stage=tuple(total_of(s, [d for d in deals if d.stage == s]) for s in stages),
        by_manager=tuple(total_of(n, by_owner[n]) for n in owners),
        totals=total_of("total", deals),
        renewals_at_risk=tuple(risks),
        closed=tuple(closed),
        win_rate=win_rate(closed),
    )


def people(parties: Mapping[str, Party]) -> set[str]:
    """Everyone ``--manager`` may name: the parties' managers and the opportunities' owners."""
    return {p.manager for p in parties.values() if p.manager} | {o.owner for p in parties.values() for o in p.opportunities if o.owner}
