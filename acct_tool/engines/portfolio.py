"""Clients at a glance, one client in full, and the portfolio of each account manager.

* :func:`summaries` -- one line per party: open and overdue receivables, last
  contact, next step, health (``clients list``).
* :func:`detail` -- everything about one party (``clients show``).
* :func:`portfolio` -- per manager and in total: accounts, revenue in a period,
  open and overdue receivables, average days to pay, average satisfaction and
  health, accounts at risk (``portfolio``); and apart from the accounts, each
  manager's prospects with their open pipeline.

Money stays per currency: totals are tuples of :class:`Money`, one per currency,
never summed across currencies.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from acct_tool.books.parties import Interaction, Opportunity, Party, Risk
from acct_tool.diagnostics import Diagnostic
from acct_tool.engines import plans
from acct_tool.engines.followups import Followup, party_followups
from acct_tool.engines.health import HealthScore, score
from acct_tool.engines.payments import Behaviour, behaviour, paid_in
from acct_tool.engines.pipeline import deals_of, total
from acct_tool.engines.receivables import ZERO, Document, OpenItems, Side, open_items
from acct_tool.engines.relationship import (
    Freshness,
    OpenStep,
    Renewal,
    SatisfactionFigures,
    SatisfactionTrend,
    freshness,
    interactions_until,
    open_next_steps,
    open_risks,
    renewal,
    satisfaction_figures,
    satisfaction_trend,
)
from acct_tool.engines.revenue import Attribution, Revenue, full_year, revenue, year_to_date
from acct_tool.engines.targets import TargetStanding, standing
from acct_tool.money import Money, average

if TYPE_CHECKING:
    from acct_tool.books.party_postings import PartyPosting
    from acct_tool.books.settings import Settings
    from acct_tool.money import Precisions

Date = datetime.date
Band = Literal["green", "amber", "red"]
BANDS: tuple[Band, ...] = ("green", "amber", "red")


_T = TypeVar("_T")


def monies(amounts: Mapping[str, Decimal]) -> tuple[Money, ...]:
    """Per-currency amounts as Money, sorted by currency, zeros left out."""
    return tuple(Money(amounts[c], c) for c in sorted(amounts) if amounts[c] != ZERO)


def add_monies(groups: Iterable[Iterable[Money]]) -> tuple[Money, ...]:
    """Totals per currency of several Money tuples."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for group in groups:
        for money in group:
            out[money.currency] += money.number
    return monies(out)


@dataclass(frozen=True)
class ClientSummary:
    """One line of ``clients list``."""

    id: str
    name: str
    kind: str
    tier: str
    manager: str | None
    status: str
    open: tuple[Money, ...]  # open invoices less unapplied credits, per currency
    overdue: tuple[Money, ...]  # open invoices past due, per currency
    last_contact: Date | None
    days_since_contact: int | None
    next_step: OpenStep | None  # the earliest open next step
    health: HealthScore | None  # clients only


@dataclass(frozen=True)
class Context:
    """What every view of the clients needs, computed once for all of them."""

    parties: Mapping[str, Party]
    settings: Settings
    #: The postings to the parties' accounts (the payables' open items come from them too).
    postings: tuple[PartyPosting, ...]
    precisions: Precisions
    as_of: Date
    items: OpenItems
    attribution: Attribution
    paying: Mapping[str, Behaviour]
    #: Every document (open or paid) by party id.
    by_party: Mapping[str, tuple[Document, ...]]
    #: Open documents less unapplied credits, by party id and currency.
    balances: Mapping[str, Mapping[str, Decimal]]
    #: Each party's health and summary once computed, by id, with the party they are of:
    #: the reviews, portfolios and the index read them several times (a copy starts afresh).
    _memo: dict[tuple[str, str], tuple[Party, Any]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def _once(self, kind: str, party: Party, compute: Callable[[], _T]) -> _T:
        found = self._memo.get((kind, party.id))
        if found is not None and found[0] is party:
            return cast(_T, found[1])
        value = compute()
        self._memo[(kind, party.id)] = (party, value)
        return value

    def documents(self, party: str) -> list[Document]:
        return list(self.by_party.get(party, ()))

    def open_documents(self, party: str) -> list[Document]:
        return [d for d in self.by_party.get(party, ()) if d.open != ZERO]

    def credits(self, party: str) -> tuple[Money, ...]:
        """The party's unapplied credits, per currency."""
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for c in self.items.unapplied_credits(party):
            out[c.currency] += c.unapplied
        return monies(out)

    def renewal(self, party: Party) -> Renewal | None:
        """The renewal seen with the configured ``health.renewal_windows``: the one rule for every view."""
        return renewal(party, self.as_of, self.settings.health.renewal_windows)

    def followups(self, party: Party) -> tuple[Followup, ...]:
        """Every follow-up of the party, whatever its due date, in the order ``followups`` lists them."""
        return tuple(sorted(party_followups(party, self.as_of, self.settings, self.open_documents(party.id), self.precisions), key=Followup.sort_key))

    def health(self, party: Party) -> HealthScore | None:
        if not party.is_client:
            return None
        return self._once(
            "health",
            party,
            lambda: score(
                party, self.as_of, self.settings, self.documents(party.id), self.paying.get(party.id), self.attribution.of(party.id), self.precisions
            ),
        )

    def summary(self, party: Party) -> ClientSummary:
        return self._once("summary", party, lambda: self._summary(party))

    def _summary(self, party: Party) -> ClientSummary:
        overdue: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for d in self.open_documents(party.id):
            if d.days_past_due(self.as_of) > 0:
                overdue[d.currency] += d.open
        fresh = freshness(party, self.as_of, self.settings.cadence)
        steps = open_next_steps(party, self.as_of)
        return ClientSummary(
            party.id,
            party.name,
            party.kind,
            party.tier,
            party.manager,
            party.status,
            monies(self.balances.get(party.id, {})),
            monies(overdue),
            fresh.last_date,
            fresh.days_since,
            steps[0] if steps else None,
            self.health(party),
        )

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self.attribution.diagnostics


def context(
    parties: Mapping[str, Party],
    settings: Settings,
    postings: tuple[PartyPosting, ...],
    attribution: Attribution,
    as_of: Date,
    precisions: Precisions,
    items: OpenItems | None = None,
) -> Context:
    """What every view of the clients reads at ``as_of``, from the postings to the parties'
    accounts and the revenue attribution the load drew. ``items`` are the receivables at
    ``as_of`` when the caller has them (the load caches them); else they are computed."""
    if items is None or items.as_of != as_of or items.side is not Side.AR:
        items = open_items(postings, parties, settings, Side.AR, as_of, precisions)
    by_party: dict[str, list[Document]] = defaultdict(list)
    balances: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for d in items.documents:
        by_party[d.party].append(d)
        if d.open != ZERO:
            balances[d.party][d.currency] += d.open
    for c in items.unapplied_credits():
        balances[c.party][c.currency] -= c.unapplied
    return Context(
        parties,
        settings,
        postings,
        precisions,
        as_of,
        items,
        attribution,
        behaviour(items),
        {k: tuple(v) for k, v in by_party.items()},
        {k: dict(v) for k, v in balances.items()},
    )


def summaries(ctx: Context) -> tuple[ClientSummary, ...]:
    """Every party, by id."""
    return tuple(ctx.summary(p) for p in ctx.parties.values())


@dataclass(frozen=True)
class ClientDetail:
    """Everything ``clients show`` tells about one party."""

    party: Party
    as_of: Date
    summary: ClientSummary
    freshness: Freshness
    interactions: tuple[Interaction, ...]  # up to the as-of date, newest first
    next_steps: tuple[OpenStep, ...]
    risks: tuple[Risk, ...]  # open at the as-of date
    opportunities: tuple[Opportunity, ...]
    renewal: Renewal | None
    satisfaction: SatisfactionTrend
    revenue_this_year: Revenue
    revenue_last_year: Revenue
    open_documents: tuple[Document, ...]
    paying: Behaviour | None
    followups: tuple[Followup, ...]
    #: Open bills, for a vendor (kind vendor or both).
    open_bills: tuple[Document, ...] = ()

    @property
    def health(self) -> HealthScore | None:
        return self.summary.health


def detail(ctx: Context, party_id: str) -> ClientDetail:
    party = ctx.parties[party_id]
    as_of = ctx.as_of
    postings = ctx.attribution.of(party.id)
    docs = ctx.open_documents(party.id)
    return ClientDetail(
        party=party,
        as_of=as_of,
        summary=ctx.summary(party),
        freshness=freshness(party, as_of, ctx.settings.cadence),
        interactions=tuple(reversed(interactions_until(party, as_of))),
        next_steps=open_next_steps(party, as_of),
        risks=open_risks(party, as_of),
        opportunities=party.opportunities,
        renewal=ctx.renewal(party),
        satisfaction=satisfaction_trend(party, as_of),
        revenue_this_year=year_to_date(postings, party.id, as_of),
        revenue_last_year=full_year(postings, party.id, as_of.year - 1),
        open_documents=tuple(docs),
        paying=ctx.paying.get(party.id),
        followups=ctx.followups(party),
        open_bills=tuple(open_items(ctx.postings, ctx.parties, ctx.settings, Side.AP, as_of, ctx.precisions).open_documents(party.id))
        if party.is_vendor
        else (),
    )


@dataclass(frozen=True)
class PortfolioClient:
    summary: ClientSummary
    revenue: Revenue  # in the period
    days_to_pay: Decimal | None  # average over invoices paid in the period
    paid: int  # invoices paid in the period
    nps: int | None  # latest survey by the end of the period
    csat: int | None
    #: Days to pay of each invoice paid in the period (what ``days_to_pay`` averages).
    paid_days: tuple[int, ...] = ()
    has_plan: bool = False  # the profile has an account plan
    plan_current: bool = False  # reviewed with the client within the 12 months to the end of the period


def portfolio_client(ctx: Context, party: Party, start: Date, end: Date) -> PortfolioClient:
    """One client's figures for a period ending at the context's as-of date, computed once
    per context and period (a review reads them for its clients and its portfolios)."""
    return ctx._once(f"portfolio client {start} {end}", party, lambda: _portfolio_client(ctx, party, start, end))


def _portfolio_client(ctx: Context, party: Party, start: Date, end: Date) -> PortfolioClient:
    summary = ctx.summary(party)
    rev = revenue(ctx.attribution.of(party.id), party.id, start, end)
    days = tuple(p.days_to_pay for p in paid_in(ctx.documents(party.id), start, end))
    survey = satisfaction_trend(party, end).latest
    return PortfolioClient(
        summary,
        rev,
        average(days),
        len(days),
        survey.nps if survey else None,
        survey.csat if survey else None,
        days,
        plans.has_plan(party),
        plans.is_current(party.plan, end),
    )


@dataclass(frozen=True)
class Prospect:
    """A client not won yet (status ``prospect``) and its open opportunities, as ``pipeline`` weighs them."""

    id: str
    name: str
    tier: str
    manager: str | None
    #: Open opportunities.
    opportunities: int
    #: Their value, and the value weighted by probability, per currency.
    pipeline: tuple[Money, ...]
    weighted: tuple[Money, ...]


def prospect(ctx: Context, party: Party) -> Prospect:
    deals = deals_of(party, ctx.settings, ctx.as_of, ctx.precisions)
    return Prospect(party.id, party.name, party.tier, party.manager, len(deals), total(d.value for d in deals), total(d.weighted for d in deals))


@dataclass(frozen=True)
class Rollup:
    """One manager's accounts (or all of them, as ``totals``)."""

    name: str
    clients: tuple[PortfolioClient, ...]
    revenue: tuple[Money, ...]
    open: tuple[Money, ...]
    overdue: tuple[Money, ...]
    average_days_to_pay: Decimal | None  # over every invoice paid in the period
    average_nps: Decimal | None  # over the clients' latest surveys
    average_csat: Decimal | None
    average_health: Decimal | None
    at_risk: tuple[str, ...]  # ids of the clients in the red band
    bands: Mapping[Band, int]  # green, amber, red -> number of clients
    #: Prospects, apart from the accounts: none of the figures above counts them.
    prospects: tuple[Prospect, ...] = ()
    #: Revenue and accounts against the targets of the settings (``portfolio`` sets it).
    target: TargetStanding | None = None
    #: NPS and CSAT over every survey response of the accounts dated in the period, pooled
    #: (never a mean of the clients' scores); ``portfolio`` sets it.
    satisfaction: SatisfactionFigures | None = None

    @property
    def accounts(self) -> int:
        return len(self.clients)

    @property
    def active_accounts(self) -> int:
        """The accounts managed: clients with status ``active`` (what an accounts target counts)."""
        return sum(1 for c in self.clients if c.summary.status == "active")

    @property
    def current_plans(self) -> int:
        """The accounts managed (active clients) whose account plan is current."""
        return sum(1 for c in self.clients if c.summary.status == "active" and c.plan_current)

    @property
    def prospect_pipeline(self) -> tuple[Money, ...]:
        """The open pipeline of the prospects, per currency."""
        return add_monies(p.pipeline for p in self.prospects)


@dataclass(frozen=True)
class Portfolio:
    start: Date
    end: Date
    managers: tuple[Rollup, ...]
    totals: Rollup
    diagnostics: tuple[Diagnostic, ...] = ()


NO_MANAGER = "(no manager)"


def _in_portfolio(party: Party, rev: Revenue, summary: ClientSummary) -> bool:
    """Active and paused clients, and any other client with revenue in the period or money open."""
    if not party.is_client:
        return False
    return party.status in ("active", "paused") or bool(rev.totals) or bool(summary.open)


def rollup(name: str, clients: Sequence[PortfolioClient], paid_days: Sequence[int], prospects: Sequence[Prospect] = ()) -> Rollup:
    """The figures of a group of clients: sums per currency, and averages over every
    paid document (``paid_days``) or every client, never means of means."""
    healths = [c.summary.health for c in clients if c.summary.health is not None]
    bands = {band: sum(1 for h in healths if h.band == band) for band in BANDS}
    return Rollup(
        name=name,
        clients=tuple(clients),
        revenue=add_monies(c.revenue.totals for c in clients),
        open=add_monies(c.summary.open for c in clients),
        overdue=add_monies(c.summary.overdue for c in clients),
        average_days_to_pay=average(paid_days),
        average_nps=average([c.nps for c in clients if c.nps is not None]),
        average_csat=average([c.csat for c in clients if c.csat is not None]),
        average_health=average([h.score for h in healths]),
        at_risk=tuple(h.party for h in healths if h.band == "red"),
        bands=bands,
        prospects=tuple(prospects),
    )


def with_target(r: Rollup, settings: Settings, start: Date, end: Date, *, team: bool = False) -> Rollup:
    """``r`` with its standing against the team's targets (``team``) or its manager's."""
    targets = settings.targets.team if team else settings.targets.managers.get(r.name)
    return replace(r, target=standing(r.name, targets, r.revenue, r.active_accounts, start, end))


def pooled_satisfaction(ctx: Context, clients: Sequence[PortfolioClient], start: Date, end: Date) -> SatisfactionFigures:
    """NPS and CSAT over the responses of all ``clients`` dated from ``start`` to ``end``, pooled."""
    return satisfaction_figures((s for c in clients for s in ctx.parties[c.summary.id].satisfaction), start, end)


def portfolio(ctx: Context, start: Date, manager: str | None = None, end: Date | None = None) -> Portfolio:
    """Per manager (sorted by name, clients without one last) and in total, from ``start``
    to ``end`` (default: the as-of date).

    Revenue and days to pay are for the period; open and overdue receivables,
    satisfaction and health are at its end, the context's as-of date. Prospects
    (status ``prospect``, with no revenue in the period or money open, which would
    make them accounts) are listed apart with their open pipeline; a manager with
    prospects only has a row with no accounts. NPS and CSAT pool the accounts' survey
    responses dated in the period. Each manager stands against their
    targets, and the total against the team's unless only one ``manager`` is asked for.
    """
    end = end or ctx.as_of
    groups: dict[str, list[PortfolioClient]] = defaultdict(list)
    paid_days: dict[str, list[int]] = defaultdict(list)
    prospects: dict[str, list[Prospect]] = defaultdict(list)
    for party in ctx.parties.values():
        if manager is not None and party.manager != manager:
            continue
        client = portfolio_client(ctx, party, start, end)
        name = party.manager or NO_MANAGER
        if not _in_portfolio(party, client.revenue, client.summary):
            if party.is_client and party.status == "prospect":
                prospects[name].append(prospect(ctx, party))
            continue
        groups[name].append(client)
        paid_days[name] += client.paid_days
    names = sorted({*groups, *prospects}, key=lambda n: (n == NO_MANAGER, n))
    settings = ctx.settings
    rows = tuple(
        replace(
            with_target(rollup(n, groups[n], paid_days[n], prospects[n]), settings, start, end), satisfaction=pooled_satisfaction(ctx, groups[n], start, end)
        )
        for n in names
    )
    everyone = [c for n in names for c in groups[n]]
    totals = rollup("total", everyone, [d for n in names for d in paid_days[n]], [p for n in names for p in prospects[n]])
    totals = replace(totals, satisfaction=pooled_satisfaction(ctx, everyone, start, end))
    if manager is None:
        totals = with_target(totals, settings, start, end, team=True)
    return Portfolio(start, end, rows, totals, ctx.diagnostics)
