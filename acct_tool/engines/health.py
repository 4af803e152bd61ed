"""The health score of a client: 0-100, a band, and the reasons for both.

Seven components each earn a share of their weight (``health.weights`` in
acct-tool.yaml): payment behaviour, freshness, satisfaction, sentiment, open
risks, renewal and revenue against target. A component without data (no
survey, no renewal date, no target) does not apply and is left out; the score
is the points earned out of the weights of the components that apply, scaled to
0-100. Red flags (an invoice more than 90 days past due, an open risk without a
plan, a renewal inside the last window with no renewal opportunity) make the
band red whatever the score. docs/health.md has every rule and a worked example.

Pure: the same books and as-of date give the same score.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from acct_tool.books.parties import Party
from acct_tool.books.settings import HealthSettings, Settings
from acct_tool.engines.items_at import ItemsAt
from acct_tool.engines.payments import Behaviour, behaviour
from acct_tool.engines.receivables import ZERO, Document, OpenItems, Side
from acct_tool.engines.relationship import (
    SatisfactionFigures,
    freshness,
    has_plan,
    open_risks,
    plural,
    recent_sentiment,
    renewal,
    satisfaction_trend,
    trailing_satisfaction,
)
from acct_tool.engines.revenue import Attribution, RevenuePosting, year_to_date_total
from acct_tool.money import Money, Precisions, format_money, places_of, rounded
from acct_tool.periods import shift

if TYPE_CHECKING:
    from acct_tool.books.party_postings import PartyPosting

Date = datetime.date
ONE = Decimal(1)

COMPONENTS: Mapping[str, str] = {
    "payment": "Payment behaviour",
    "freshness": "Freshness",
    "satisfaction": "Satisfaction",
    "sentiment": "Sentiment",
    "risks": "Open risks",
    "renewal": "Renewal",
    "revenue": "Revenue against target",
}

# Payment: deductions from a full score.
AGE_SHARE = Decimal("0.5")  # all of it once the oldest overdue invoice is twice the terms past due
AMOUNT_SHARE = Decimal("0.3")  # all of it once three months of billing are overdue
AMOUNT_MONTHS = 3
TREND_SHARE = Decimal("0.2")  # when payments are getting later
# Satisfaction: deduction for a falling trend.
FALLING_SHARE = Decimal("0.25")
# Risks: deduction per open risk by severity; a risk without a plan counts double.
RISK_SHARE: Mapping[str, Decimal] = {"high": Decimal("0.5"), "medium": Decimal("0.3"), "low": Decimal("0.15")}


@dataclass(frozen=True)
class Component:
    """One part of the score: the points it earned out of its weight, and why."""

    name: str
    label: str
    weight: int
    points: int | None  # None when the component does not apply
    reason: str

    @property
    def applies(self) -> bool:
        return self.points is not None and self.weight > 0

    @property
    def lost(self) -> int:
        return self.weight - self.points if self.points is not None else 0


@dataclass(frozen=True)
class RedFlag:
    """A condition that makes the band red whatever the score."""

    code: str  # overdue, risk-without-plan, renewal-unprepared
    reason: str


@dataclass(frozen=True)
class HealthScore:
    party: str
    as_of: Date
    score: int
    band: str  # red, amber, green (after red flags)
    score_band: str  # the band of the score alone
    components: tuple[Component, ...]
    red_flags: tuple[RedFlag, ...]

    @property
    def reasons(self) -> tuple[Component, ...]:
        """The components that apply, those that lost most points first."""
        return tuple(sorted((c for c in self.components if c.applies), key=lambda c: (-c.lost, list(COMPONENTS).index(c.name))))

    @property
    def summary(self) -> str:
        """One line: the red flags, else the components that lost points, worst first."""
        if self.red_flags:
            return "; ".join(f.reason for f in self.red_flags)
        lost = [c for c in self.reasons if c.lost > 0]
        return "; ".join(c.reason for c in lost[:2]) if lost else "all components at full points"


def band_of(score: int, settings: HealthSettings) -> str:
    return "green" if score >= settings.green else "amber" if score >= settings.amber else "red"


def _points(weight: int, share: Decimal) -> int:
    share = min(ONE, max(ZERO, share))
    return int((weight * share).quantize(ONE, ROUND_HALF_UP))


def _pct(value: Decimal) -> str:
    return f"{(value * 100).quantize(ONE, ROUND_HALF_UP)}%"


def score_all(
    parties: Mapping[str, Party], settings: Settings, items: OpenItems, attribution: Attribution, as_of: Date, precisions: Precisions
) -> dict[str, HealthScore]:
    """The health of every client (kind client or both), by id, from the receivables' open
    items and the revenue attribution at ``as_of``."""
    paying = behaviour(items)
    by_party: dict[str, list[Document]] = defaultdict(list)
    for d in items.documents:
        by_party[d.party].append(d)
    return {
        party.id: score(party, as_of, settings, by_party.get(party.id, []), paying.get(party.id), attribution.of(party.id), precisions)
        for party in parties.values()
        if party.is_client
    }


def score(
    party: Party,
    as_of: Date,
    settings: Settings,
    documents: Sequence[Document],
    paying: Behaviour | None,
    revenue: Sequence[RevenuePosting],
    precisions: Precisions | None = None,
) -> HealthScore:
    """The health of one client from its profile, its documents (open and paid) and its revenue postings.

    ``precisions`` (currency -> decimal places, the ledger's) writes the amounts in the reasons."""
    health = settings.health
    terms = party.terms.payment_days if party.terms.payment_days is not None else settings.payment_days
    built = [
        payment_component(documents, paying, as_of, terms, precisions),
        freshness_component(party, as_of, settings.cadence),
        satisfaction_component(party, as_of),
        sentiment_component(party, as_of, health.recent_interactions),
        risks_component(party, as_of),
        renewal_component(party, as_of, health.renewal_windows),
        revenue_component(party, as_of, revenue, precisions),
    ]
    components = []
    for name, share, reason in built:
        weight = health.weights.get(name, 0)
        points = None if share is None or weight == 0 else _points(weight, share)
        components.append(Component(name, COMPONENTS[name], weight, points, reason))
    possible = sum(c.weight for c in components if c.applies)
    earned = sum(c.points or 0 for c in components if c.applies)
    total = 100 if possible == 0 else int((Decimal(100) * earned / possible).quantize(ONE, ROUND_HALF_UP))
    flags = red_flags(party, as_of, health, documents, precisions)
    by_score = band_of(total, health)
    return HealthScore(party.id, as_of, total, "red" if flags else by_score, by_score, tuple(components), tuple(flags))


Share = tuple[str, "Decimal | None", str]


def payment_component(documents: Sequence[Document], paying: Behaviour | None, as_of: Date, terms: int, precisions: Precisions | None = None) -> Share:
    """Overdue age against the terms, overdue amount against the usual billing, and the days-late trend."""
    if not documents:
        return ("payment", None, "No invoices yet")
    year_ago = shift(as_of, -365)
    overdue = []  # open, and past due
    billed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    late: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for d in documents:  # one pass: the health history scores every client at a dozen dates
        if year_ago < d.date <= as_of:
            billed[d.currency] += d.amount
        if d.amount > d.paid and d.due < as_of:
            overdue.append(d)
    for d in overdue:
        late[d.currency] += d.open
    deduction, parts = ZERO, []
    if overdue:
        oldest = max(d.days_past_due(as_of) for d in overdue)
        deduction += AGE_SHARE * min(ONE, Decimal(oldest) / Decimal(2 * max(terms, 1)))
        ratio = max(min(ONE, late[c] * 12 / (billed[c] * AMOUNT_MONTHS)) if billed[c] > ZERO else ONE for c in late)
        deduction += AMOUNT_SHARE * ratio
        amounts = ", ".join(format_money(Money(late[c], c), precisions) for c in sorted(late))
        parts.append(f"{amounts} overdue in {plural(len(overdue), 'invoice')}, the oldest {plural(oldest, 'day')} past due on {terms}-day terms")
    else:
        parts.append("Nothing overdue")
    if paying is not None and paying.trend == "worsening":
        deduction += TREND_SHARE
        parts.append(f"paying later than before ({_lateness(paying.recent_days_late)} recently against {_lateness(paying.earlier_days_late)} earlier)")
    elif paying is not None and paying.average_days_late is not None:
        parts.append(f"pays {_lateness(paying.average_days_late)} on average")
    return ("payment", ONE - deduction, "; ".join(parts))


def _lateness(days: Decimal | None) -> str:
    if days is None or days == ZERO:
        return "on the due date"
    return f"{abs(days)} days early" if days < ZERO else f"{days} days late"


def freshness_component(party: Party, as_of: Date, cadence: Mapping[str, int]) -> Share:
    """Full points within the cadence, none at twice the cadence."""
    if party.status == "churned":
        return ("freshness", None, "No check-ins: the client has churned")
    fresh = freshness(party, as_of, cadence)
    if fresh.last is None or fresh.days_since is None:
        return ("freshness", ZERO, "No interaction on record")
    days, every = fresh.days_since, fresh.cadence
    text = f"Last contact {fresh.last.date}, {plural(days, 'day')} ago; {party.tier} accounts every {plural(every, 'day')}"
    if days <= every:
        return ("freshness", ONE, text)
    return ("freshness", ONE - Decimal(days - every) / Decimal(every), f"{text} ({plural(days - every, 'day')} overdue)")


def satisfaction_component(party: Party, as_of: Date) -> Share:
    """The latest survey (NPS 0-10 and CSAT 1-5 as shares, averaged), less a falling trend."""
    trend = satisfaction_trend(party, as_of)
    latest = trend.latest
    if latest is None:
        return ("satisfaction", None, "No survey on record")
    shares, shown = [], []
    if latest.nps is not None:
        shares.append(Decimal(latest.nps) / 10)
        shown.append(f"NPS {latest.nps}")
    if latest.csat is not None:
        shares.append(Decimal(latest.csat - 1) / 4)
        shown.append(f"CSAT {latest.csat}")
    if not shares:
        return ("satisfaction", None, "No survey on record")
    share = sum(shares, ZERO) / len(shares)
    text = f"Latest survey {latest.date}: {' and '.join(shown)}"
    previous = trend.previous
    if trend.direction == "falling" and previous is not None:
        share -= FALLING_SHARE
        was = f"NPS {previous.nps}" if trend.nps_change is not None else f"CSAT {previous.csat}"
        text += f", down from {was} on {previous.date}"
    elif trend.direction == "rising" and previous is not None:
        was = f"NPS {previous.nps}" if trend.nps_change is not None else f"CSAT {previous.csat}"
        text += f", up from {was}"
    return ("satisfaction", share, text)


def sentiment_component(party: Party, as_of: Date, last: int) -> Share:
    """Positive 1, neutral 0.5, negative 0, averaged over the latest interactions with a sentiment."""
    found = recent_sentiment(party, as_of, last)
    if found.score is None:
        return ("sentiment", None, "No interaction with a sentiment on record")
    counts = ", ".join(f"{found.count(s)} {s}" for s in ("positive", "neutral", "negative") if found.count(s))
    return ("sentiment", found.score, f"Last {plural(len(found.recent), 'interaction')} with a sentiment: {counts}")


def risks_component(party: Party, as_of: Date) -> Share:
    """Each open risk deducts by severity (high 0.5, medium 0.3, low 0.15), double without a plan."""
    risks = open_risks(party, as_of)
    if not risks:
        return ("risks", ONE, "No open risk")
    deduction = ZERO
    for risk in risks:
        deduction += RISK_SHARE.get(risk.severity, RISK_SHARE["medium"]) * (1 if has_plan(risk) else 2)
    severities = ", ".join(f"{risk.severity}" for risk in risks)
    unplanned = sum(1 for r in risks if not has_plan(r))
    text = f"{plural(len(risks), 'open risk')} ({severities})"
    if unplanned:
        text += f", {unplanned} without a plan"
    return ("risks", ONE - deduction, text)


def renewal_component(party: Party, as_of: Date, windows: Sequence[int]) -> Share:
    """Full points with a renewal opportunity open or outside the windows; less inside each window."""
    if party.status not in ("active", "paused"):
        return ("renewal", None, "No renewal: the client " + ("is a prospect" if party.status == "prospect" else "has churned"))
    upcoming = renewal(party, as_of, windows)
    if upcoming is None:
        return ("renewal", None, "No renewal date in the contract")
    when = f"in {plural(upcoming.days, 'day')}" if upcoming.days >= 0 else f"{plural(-upcoming.days, 'day')} ago"
    if upcoming.opportunity is not None:
        opp = upcoming.opportunity
        return ("renewal", ONE, f"Renewal {upcoming.date} ({when}) with the renewal opportunity '{opp.name}' at {opp.stage}")
    if not upcoming.windows:
        return ("renewal", ONE, f"Renewal {upcoming.date} is {plural(upcoming.days, 'day')} away, outside the {max(windows)}-day window")
    share = ONE - Decimal(len(upcoming.windows)) / Decimal(len(windows))
    inside = f"within {upcoming.window} days" if upcoming.days >= 0 else "the date has passed"
    return ("renewal", share, f"Renewal {upcoming.date} ({when}, {inside}) with no renewal opportunity open")


def revenue_component(party: Party, as_of: Date, postings: Sequence[RevenuePosting], precisions: Precisions | None = None) -> Share:
    """Revenue this year against the year's target, pro rata to the as-of date."""
    target = party.revenue_targets.get(as_of.year)
    if target is None:
        return ("revenue", None, f"No revenue target for {as_of.year}")
    earned = year_to_date_total(postings, party.id, as_of, target.currency)
    year_days = (Date(as_of.year + 1, 1, 1) - Date(as_of.year, 1, 1)).days
    elapsed = (as_of - Date(as_of.year, 1, 1)).days + 1
    expected = rounded(target.number * elapsed / year_days, places_of(target.currency, precisions))
    share = ONE if expected <= ZERO else earned / expected
    return (
        "revenue",
        share,
        f"{format_money(Money(earned, target.currency), precisions)} this year, {_pct(share)} of the pro-rata target of "
        f"{format_money(Money(expected, target.currency), precisions)} ({format_money(target, precisions)} for {as_of.year})",
    )


def red_flags(party: Party, as_of: Date, health: HealthSettings, documents: Sequence[Document], precisions: Precisions | None = None) -> list[RedFlag]:
    """The red flags switched on in the settings that the client raises."""
    out = []
    if health.flag_overdue:
        late = [d for d in documents if d.amount > d.paid and (as_of - d.due).days > health.overdue_days]  # open, and long past due
        if late:
            worst = max(late, key=lambda d: (d.days_past_due(as_of), d.ref))
            more = f" (and {plural(len(late) - 1, 'other')})" if len(late) > 1 else ""
            out.append(
                RedFlag(
                    "overdue",
                    f"{worst.ref} is {plural(worst.days_past_due(as_of), 'day')} past due{more}: {format_money(Money(worst.open, worst.currency), precisions)} open, more than {health.overdue_days} days",
                )
            )
    if health.flag_risk_without_plan:
        for risk in open_risks(party, as_of):
            # a low-severity risk without a plan costs points and gets a follow-up, but
            # does not by itself turn the account red
            if not has_plan(risk) and risk.severity != "low":
                out.append(RedFlag("risk-without-plan", f"Open {risk.severity} risk without a plan: {risk.summary}"))
    if health.flag_renewal_unprepared and party.status in ("active", "paused"):
        upcoming = renewal(party, as_of, health.renewal_windows)
        last = min(health.renewal_windows)
        if upcoming is not None and upcoming.opportunity is None and upcoming.days <= last:
            when = f"in {plural(upcoming.days, 'day')}" if upcoming.days >= 0 else f"passed {plural(-upcoming.days, 'day')} ago"
            out.append(RedFlag("renewal-unprepared", f"Renewal {upcoming.date} {when} and no renewal opportunity is open"))
    return out


# --- history ------------------------------------------------------------------

#: How many month ends ``clients show --history`` and the review's trend show.
HISTORY_MONTHS = 12


def history_dates(as_of: Date, months: int = HISTORY_MONTHS) -> tuple[Date, ...]:
    """The ends of the ``months - 1`` months before the as-of date's month, then the as-of
    date itself (the as-of month is seen as it stands: nothing after the as-of date counts)."""
    out = []
    for back in range(months - 1, 0, -1):
        index = as_of.year * 12 + as_of.month - 1 - back + 1  # the month after the one ``back`` months before
        out.append(Date(index // 12, index % 12 + 1, 1) - datetime.timedelta(days=1))
    return (*out, as_of)


@dataclass(frozen=True)
class HealthPoint:
    """The health of a client at one month end of its history."""

    month: str  # YYYY-MM
    date: Date  # the month end, or the as-of date for its own month
    health: HealthScore | None  # None when the client had nothing to score yet
    change: int | None  # points since the point before (None for the first, or without a score on either side)
    reason: str  # the main reason of the change
    satisfaction: SatisfactionFigures  # NPS and CSAT over the 12 months to ``date``

    @property
    def score(self) -> int | None:
        return self.health.score if self.health else None

    @property
    def band(self) -> str:
        return self.health.band if self.health else "none"


def has_record(party: Party, day: Date, documents: Sequence[Document], revenue: Sequence[RevenuePosting]) -> bool:
    """Whether the client had anything to score on ``day``: an invoice, an interaction, a
    survey or revenue. Without any, its score would be a meaningless 100."""
    return bool(
        any(d.date <= day for d in documents)
        or any(i.date <= day for i in party.interactions)
        or any(s.date <= day for s in party.satisfaction)
        or any(p.date <= day for p in revenue)
    )


def main_reason(before: HealthScore | None, now: HealthScore | None) -> str:
    """Why the score moved from ``before`` to ``now``: a red flag raised or cleared first, else
    the component whose points changed most (the earlier one in the score's order on a tie)."""
    if now is None:
        return "no invoices, interactions or surveys yet"
    if before is None:
        return "first score"
    raised = [f for f in now.red_flags if f.code not in {g.code for g in before.red_flags}]
    if raised:
        return f"red flag: {raised[0].reason}"
    cleared = [f for f in before.red_flags if f.code not in {g.code for g in now.red_flags}]
    was = {c.name: c for c in before.components}
    moves = []
    for c in now.components:
        old = was.get(c.name)
        if old is None:
            continue
        delta = (c.points or 0) - (old.points or 0)
        if delta or c.applies != old.applies:
            moves.append((-abs(delta), list(COMPONENTS).index(c.name), c, delta))
    if moves:
        _, _, c, delta = min(moves, key=lambda m: (m[0], m[1]))
        text = f"{c.label} {delta:+d}: {c.reason}" if c.applies else f"{c.label} no longer applies: {c.reason}"
        return f"red flag cleared ({cleared[0].code}); {text}" if cleared else text
    if cleared:
        return f"red flag cleared: {cleared[0].code}"
    return "no change"


def day_scores(
    parties: Sequence[Party], settings: Settings, attribution: Attribution, precisions: Precisions
) -> tuple[Hashable, Callable[[OpenItems], dict[str, HealthScore | None]]]:
    """What :func:`history` draws from the receivables at one date: :func:`score` of each of the
    client ``parties`` there (None before it has any record), under a key for :meth:`ItemsAt.use`."""

    def scores(items: OpenItems) -> dict[str, HealthScore | None]:
        day = items.as_of
        paying = behaviour(items)
        by_party: dict[str, list[Document]] = defaultdict(list)
        for d in items.documents:
            by_party[d.party].append(d)
        out: dict[str, HealthScore | None] = {}
        for party in parties:
            docs, revenue = by_party.get(party.id, []), attribution.of(party.id)
            out[party.id] = score(party, day, settings, docs, paying.get(party.id), revenue, precisions) if has_record(party, day, docs, revenue) else None
        return out

    return ("health", tuple(p.id for p in parties)), scores


def history(
    parties: Mapping[str, Party],
    settings: Settings,
    postings: Sequence[PartyPosting],
    attribution: Attribution,
    as_of: Date,
    precisions: Precisions,
    ids: Sequence[str] | None = None,
    months: int = HISTORY_MONTHS,
    items_at: ItemsAt | None = None,
    receivables: OpenItems | None = None,
) -> dict[str, tuple[HealthPoint, ...]]:
    """The health of the clients ``ids`` (default: every client) at each of :func:`history_dates`,
    by id: :func:`score_all`'s scores (the ones ``clients show --as-of <date>`` shows) at those
    dates. The open items are computed once per date for all the clients, the month ends
    derived from the as-of date's (``receivables``, when the caller has them); ``items_at``
    may have drawn the scores already (see :func:`day_scores`)."""
    chosen = [parties[i] for i in ids] if ids is not None else [p for p in parties.values() if p.is_client]
    chosen = [p for p in chosen if p.is_client]
    points: dict[str, list[HealthPoint]] = {p.id: [] for p in chosen}
    last: dict[str, HealthScore | None] = {p.id: None for p in chosen}
    at = items_at or ItemsAt(postings, parties, settings, Side.AR, precisions, known=receivables)
    key, scores = day_scores(chosen, settings, attribution, precisions)
    days = history_dates(as_of, months)
    at.prefetch(days, {key: scores}, keep=[as_of])  # the month ends derived from the as-of date's
    for day in days:
        drawn: dict[str, HealthScore | None] = at.use(key, day, scores)
        for party in chosen:
            now = drawn[party.id]
            before = last[party.id]
            started = bool(points[party.id])
            change = now.score - before.score if now is not None and before is not None else None
            if started:
                reason = main_reason(before, now)
            else:
                reason = "first month shown" if now is not None else main_reason(None, None)
            month = f"{day.year:04d}-{day.month:02d}"
            points[party.id].append(HealthPoint(month, day, now, change, reason, trailing_satisfaction(party, day)))
            last[party.id] = now
    return {k: tuple(v) for k, v in points.items()}
