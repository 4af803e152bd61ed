"""The relationship with one party at an as-of date, read from its profile.

Last contact, freshness against the tier's cadence, open next steps, recent
sentiment, the satisfaction trend, the renewal and open risks. Everything is
derived from the profile's logs as they stood on the as-of date: interactions,
surveys and risks dated later are ignored, and the last contact is always the
latest interaction in the log -- it is never typed in.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from acct_tool.books.parties import Contact, Interaction, Opportunity, Party, Risk, Survey
from acct_tool.diagnostics import Location
from acct_tool.money import rounded
from acct_tool.periods import shift

Date = datetime.date

#: Stages of an opportunity that is still being worked on.
OPEN_STAGES = ("lead", "qualified", "proposal", "negotiation")
SENTIMENT_VALUE: Mapping[str, Decimal] = {"positive": Decimal(1), "neutral": Decimal("0.5"), "negative": Decimal(0)}
#: A drop of this much between the last two surveys is a falling trend.
NPS_DROP, CSAT_DROP = 2, 1


def interactions_until(party: Party, as_of: Date) -> tuple[Interaction, ...]:
    """The interactions dated on or before ``as_of``, oldest first (file order breaks ties)."""
    ordered, dates = party.interactions_by_date
    return ordered[: bisect.bisect_right(dates, as_of)]


def last_contact(party: Party, as_of: Date) -> Interaction | None:
    logged = interactions_until(party, as_of)
    return logged[-1] if logged else None


def cadence_of(party: Party, cadence: Mapping[str, int]) -> int:
    return cadence.get(party.tier, cadence.get("standard", 90))


@dataclass(frozen=True)
class Freshness:
    """Days since the last interaction against the cadence of the party's tier."""

    as_of: Date
    cadence: int
    last: Interaction | None

    @property
    def last_date(self) -> Date | None:
        return self.last.date if self.last else None

    @property
    def days_since(self) -> int | None:
        return (self.as_of - self.last.date).days if self.last else None

    @property
    def due(self) -> Date | None:
        """When the next check-in is due: the last contact plus the cadence."""
        return shift(self.last.date, self.cadence) if self.last else None

    @property
    def days_overdue(self) -> int | None:
        """Positive when the check-in is late, 0 on the day it falls due, negative before."""
        return (self.as_of - self.due).days if self.due else None


def freshness(party: Party, as_of: Date, cadence: Mapping[str, int]) -> Freshness:
    return Freshness(as_of, cadence_of(party, cadence), last_contact(party, as_of))


@dataclass(frozen=True)
class OpenStep:
    """A next step agreed in an interaction and not done yet."""

    action: str
    due: Date
    owner: str | None
    agreed: Date
    with_: tuple[str, ...]
    where: Location | None

    def days_overdue(self, as_of: Date) -> int:
        return (as_of - self.due).days


def open_next_steps(party: Party, as_of: Date) -> tuple[OpenStep, ...]:
    """Next steps not marked done, from interactions up to ``as_of``, earliest due first.

    The owner is the step's ``owner``, else the interaction's ``by``, else the manager.
    """
    out = []
    for i in interactions_until(party, as_of):
        step = i.next_step
        if step is None or step.done:
            continue
        out.append(OpenStep(step.action, step.due, step.owner or i.by or party.manager, i.date, i.with_, i.where))
    return tuple(sorted(out, key=lambda s: (s.due, s.agreed)))


@dataclass(frozen=True)
class Sentiment:
    """The sentiment of the latest interactions that carry one."""

    recent: tuple[Interaction, ...]

    @property
    def score(self) -> Decimal | None:
        """0 (all negative) to 1 (all positive); ``None`` without any."""
        if not self.recent:
            return None
        total = sum((SENTIMENT_VALUE[i.sentiment or "neutral"] for i in self.recent), Decimal(0))
        return rounded(total / len(self.recent), 3)

    def count(self, sentiment: str) -> int:
        return sum(1 for i in self.recent if i.sentiment == sentiment)


def recent_sentiment(party: Party, as_of: Date, last: int = 3) -> Sentiment:
    rated = [i for i in interactions_until(party, as_of) if i.sentiment in SENTIMENT_VALUE]
    return Sentiment(tuple(rated[-last:]))


@dataclass(frozen=True)
class SatisfactionTrend:
    """The latest survey, the one before it, and which way satisfaction moves."""

    latest: Survey | None
    previous: Survey | None

    @property
    def nps_change(self) -> int | None:
        if self.latest is None or self.previous is None or self.latest.nps is None or self.previous.nps is None:
            return None
        return self.latest.nps - self.previous.nps

    @property
    def csat_change(self) -> int | None:
        if self.latest is None or self.previous is None or self.latest.csat is None or self.previous.csat is None:
            return None
        return self.latest.csat - self.previous.csat

    @property
    def direction(self) -> str | None:
        """``falling``, ``rising``, ``steady``, or ``None`` without two comparable surveys.

        NPS decides when both surveys have one; a drop of 2 NPS points (or 1 CSAT point) is falling.
        """
        nps, csat = self.nps_change, self.csat_change
        if nps is not None:
            return "falling" if nps <= -NPS_DROP else "rising" if nps >= NPS_DROP else "steady"
        if csat is not None:
            return "falling" if csat <= -CSAT_DROP else "rising" if csat >= CSAT_DROP else "steady"
        return None


def satisfaction_trend(party: Party, as_of: Date) -> SatisfactionTrend:
    dated = sorted((s for s in party.satisfaction if s.date <= as_of), key=lambda s: s.date)
    return SatisfactionTrend(dated[-1] if dated else None, dated[-2] if len(dated) > 1 else None)


#: NPS responses at or above this are promoters; at or below DETRACTOR, detractors.
PROMOTER, DETRACTOR = 9, 6


@dataclass(frozen=True)
class NetPromoter:
    """The Net Promoter Score of the NPS responses of a period: promoters (9-10) minus
    detractors (0-6), as a percentage of the responses; passives (7-8) count only in the total."""

    responses: int
    promoters: int
    detractors: int

    @property
    def passives(self) -> int:
        return self.responses - self.promoters - self.detractors

    @property
    def score(self) -> Decimal | None:
        """-100 to 100, to one decimal place; ``None`` without a response."""
        if not self.responses:
            return None
        return rounded(Decimal(100 * (self.promoters - self.detractors)) / self.responses, 1)


@dataclass(frozen=True)
class Csat:
    """The average CSAT (1-5) of the responses of a period."""

    responses: int
    total: int

    @property
    def average(self) -> Decimal | None:
        """To two decimal places; ``None`` without a response."""
        return rounded(Decimal(self.total) / self.responses, 2) if self.responses else None


def surveys_in(surveys: Iterable[Survey], start: Date, end: Date) -> tuple[Survey, ...]:
    """The surveys dated from ``start`` to ``end``, both included, oldest first."""
    return tuple(sorted((s for s in surveys if start <= s.date <= end), key=lambda s: s.date))


def net_promoter(surveys: Iterable[Survey], start: Date, end: Date) -> NetPromoter:
    """The NPS of the responses dated from ``start`` to ``end`` (surveys without an NPS are left out)."""
    scores = [s.nps for s in surveys_in(surveys, start, end) if s.nps is not None]
    return NetPromoter(len(scores), sum(1 for n in scores if n >= PROMOTER), sum(1 for n in scores if n <= DETRACTOR))


def csat(surveys: Iterable[Survey], start: Date, end: Date) -> Csat:
    """The CSAT of the responses dated from ``start`` to ``end`` (surveys without a CSAT are left out)."""
    scores = [s.csat for s in surveys_in(surveys, start, end) if s.csat is not None]
    return Csat(len(scores), sum(scores))


def year_before(as_of: Date) -> Date:
    """The first day of the 12 months that end on ``as_of`` (the NPS and CSAT window of ``clients show``)."""
    try:
        return as_of.replace(year=as_of.year - 1) + datetime.timedelta(days=1)
    except ValueError:  # 29 February
        return Date(as_of.year - 1, 3, 1)


@dataclass(frozen=True)
class SatisfactionFigures:
    """NPS and CSAT over the responses from ``start`` to ``end``."""

    start: Date
    end: Date
    nps: NetPromoter
    csat: Csat


def satisfaction_figures(surveys: Iterable[Survey], start: Date, end: Date) -> SatisfactionFigures:
    listed = tuple(surveys)
    return SatisfactionFigures(start, end, net_promoter(listed, start, end), csat(listed, start, end))


def trailing_satisfaction(party: Party, as_of: Date) -> SatisfactionFigures:
    """NPS and CSAT over the 12 months to ``as_of`` (what ``clients show`` prints)."""
    return satisfaction_figures(party.satisfaction, year_before(as_of), as_of)


def by_manager(parties: Iterable[Party], start: Date, end: Date) -> dict[str | None, tuple[NetPromoter, Csat]]:
    """NPS and CSAT per account manager (``None``: clients without one) over every response of
    the manager's clients in the period, pooled: never an average of the clients' scores."""
    pooled: dict[str | None, list[Survey]] = {}
    for party in parties:
        if party.is_client:
            pooled.setdefault(party.manager, []).extend(party.satisfaction)
    return {m: (net_promoter(s, start, end), csat(s, start, end)) for m, s in pooled.items()}


@dataclass(frozen=True)
class Renewal:
    """A contract's renewal date seen from the as-of date."""

    date: Date
    days: int  # days from the as-of date to the renewal; negative once it has passed
    opportunity: Opportunity | None  # an open renewal opportunity, if any
    auto_renew: bool
    #: The renewal windows (days, widest first) the renewal is inside of; empty when further away.
    windows: tuple[int, ...]
    where: Location | None = None

    @property
    def window(self) -> int | None:
        """The narrowest window the renewal is inside of."""
        return self.windows[-1] if self.windows else None

    @property
    def needs_opportunity(self) -> bool:
        """Inside a renewal window (or past the date) with no renewal opportunity open."""
        return self.opportunity is None and bool(self.windows)


def renewal_opportunity(party: Party) -> Opportunity | None:
    """The first renewal opportunity at an open stage (lead, qualified, proposal, negotiation)."""
    return next((o for o in party.opportunities if o.type == "renewal" and o.stage in OPEN_STAGES), None)


def renewal(party: Party, as_of: Date, windows: Sequence[int] = (90, 60, 30)) -> Renewal | None:
    """The renewal of the party's contract, or ``None`` when the profile names no renewal date."""
    when = party.contract.renewal
    if when is None:
        return None
    days = (when - as_of).days
    inside = tuple(w for w in sorted(windows, reverse=True) if days <= w)
    return Renewal(when, days, renewal_opportunity(party), party.contract.auto_renew, inside, party.where("contract", "renewal"))


def is_open_risk(risk: Risk, as_of: Date) -> bool:
    """Open on ``as_of``: opened by then and either still open, or closed only later."""
    if risk.opened > as_of:
        return False
    if risk.status == "open":
        return True
    return risk.closed is not None and risk.closed > as_of


def open_risks(party: Party, as_of: Date) -> tuple[Risk, ...]:
    order = {"high": 0, "medium": 1, "low": 2}
    return tuple(sorted((r for r in party.risks if is_open_risk(r, as_of)), key=lambda r: (order.get(r.severity, 1), r.opened)))


def has_plan(risk: Risk) -> bool:
    return bool(risk.plan and risk.plan.strip())


def decision_makers(party: Party) -> tuple[Contact, ...]:
    return tuple(c for c in party.contacts if c.decision_maker)


def primary_contact(party: Party) -> Contact | None:
    return next((c for c in party.contacts if c.primary), party.contacts[0] if party.contacts else None)


def billing_contact(party: Party) -> Contact | None:
    """Whom to chase for payment: the billing contact, else the primary one, else the first."""
    return next((c for c in party.contacts if c.billing), primary_contact(party))


def describe_contact(contact: Contact) -> str:
    """``Paul Ferreira <ap@harbor.example>, +1 555 0175``."""
    text = contact.name
    if contact.email:
        text += f" <{contact.email}>"
    if contact.phone:
        text += f", {contact.phone}"
    return text


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
