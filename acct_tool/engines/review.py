"""Account reviews: the context every review, portfolio and index template gets.

Pure: builds the typed records of :mod:`acct_tool.engines.review_records` from the same
engine results ``clients list``, ``clients show`` and ``portfolio`` show
(:class:`~acct_tool.engines.portfolio.ClientSummary`, :class:`~acct_tool.engines.portfolio.ClientDetail`,
:class:`~acct_tool.engines.portfolio.PortfolioClient` and :class:`~acct_tool.engines.portfolio.Rollup`);
it computes no figure of its own. Rendering is :mod:`acct_tool.render.reports`' job.
The shape is documented in ``docs/templates.md``, generated from the records.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from acct_tool.engines import concentration as firm_engine
from acct_tool.engines import pipeline as pipeline_engine
from acct_tool.engines import plans
from acct_tool.engines import portfolio as engine
from acct_tool.engines import relationship as rel
from acct_tool.engines.aging import age, bucket_labels
from acct_tool.engines.health import HealthPoint, HealthScore, day_scores, history_dates
from acct_tool.engines.health import history as health_history
from acct_tool.engines.items_at import ItemsAt, Spread, Start
from acct_tool.engines.letterhead import letterhead
from acct_tool.engines.payments import dso, paid_in
from acct_tool.engines.receivables import ZERO, OpenItems, Side
from acct_tool.engines.revenue import months_between, revenue, year_to_date
from acct_tool.engines.review_changes import changes
from acct_tool.engines.review_firm import FirmLedger, firm_review
from acct_tool.engines.review_records import (
    AccountRow,
    AgingAmount,
    AgreedStep,
    BandCount,
    BandTally,
    ClientDeck,
    ClientInfo,
    ClientReview,
    Contact,
    ContractInfo,
    CurrencyFigures,
    CurrencyTotals,
    CurrencyTrend,
    DeckClient,
    DeckCurrency,
    DeckObjective,
    FirmReview,
    FollowupInfo,
    HealthMonth,
    IndexClient,
    IndexCurrency,
    IndexManager,
    InteractionInfo,
    InvoicedDocument,
    ManagerAmount,
    ManagerPortfolio,
    MoneyInfo,
    MonthAmount,
    NextStep,
    NpsCsat,
    OpenDocument,
    OpportunityInfo,
    PipelineSummary,
    PlanInfo,
    PlanObjective,
    PlanStakeholder,
    PlanWhitespace,
    ProspectInfo,
    RelationshipInfo,
    RenewalInfo,
    ReviewIndex,
    RiskInfo,
    SatisfactionInfo,
    SentimentCounts,
    StageTotal,
    SurveyInfo,
    TargetInfo,
    UpcomingRenewal,
    as_data,
    health_info,
    period_info,
)
from acct_tool.money import Money, average
from acct_tool.periods import Period, shift

if TYPE_CHECKING:
    from acct_tool.books.parties import Party
    from acct_tool.books.party_postings import PartyPosting
    from acct_tool.books.settings import Settings
    from acct_tool.engines.receivables import Classified, Document
    from acct_tool.engines.revenue import Attribution
    from acct_tool.engines.targets import TargetStanding
    from acct_tool.money import Precisions

BAND_ORDER = {"red": 0, "amber": 1, "green": 2}
UNASSIGNED = "unassigned"
#: Follow-ups due within this many days of the as-of date are in a review, as in ``followups``.
FOLLOWUP_DAYS = 30


@dataclass(frozen=True)
class ReviewSet:
    """Everything to render: one review per client, one portfolio per manager, and the index."""

    reviews: dict[str, ClientReview]
    #: Builds the managers' portfolios and the index when first asked for (see :attr:`manager_portfolios`).
    make_portfolios: Callable[[], tuple[dict[str, ManagerPortfolio], ReviewIndex]]
    #: Builds what each client sees of its review when first asked for (see :attr:`decks`).
    make_decks: Callable[[], dict[str, ClientDeck]]
    #: Builds the owner's view of the whole firm (``firm.md`` / ``firm.html``) when first asked for.
    make_firm: Callable[[], FirmReview]

    @functools.cached_property
    def _portfolios(self) -> tuple[dict[str, ManagerPortfolio], ReviewIndex]:
        return self.make_portfolios()

    @property
    def manager_portfolios(self) -> dict[str, ManagerPortfolio]:
        """One portfolio per manager of the reviewed clients: built when first asked for, so
        that the reviews can be rendered meanwhile (the client's deck needs none)."""
        return self._portfolios[0]

    @property
    def review_index(self) -> ReviewIndex:
        return self._portfolios[1]

    @functools.cached_property
    def decks(self) -> dict[str, ClientDeck]:
        """What each client sees of its review (``review --audience client``), by id."""
        return self.make_decks()

    @functools.cached_property
    def firm_review(self) -> FirmReview:
        """The owner's view: built only when rendered or printed (a single review or the client's deck needs none)."""
        return self.make_firm()

    @property
    def firm(self) -> dict[str, Any]:
        """The firm page's template context."""
        return self.firm_review.context()

    @property
    def clients(self) -> dict[str, dict[str, Any]]:
        """Each client's template context, by id."""
        return {k: v.context() for k, v in self.reviews.items()}

    @property
    def portfolios(self) -> dict[str, dict[str, Any]]:
        return {k: v.context() for k, v in self.manager_portfolios.items()}

    @property
    def index(self) -> dict[str, Any]:
        return self.review_index.context()

    @property
    def client_decks(self) -> dict[str, dict[str, Any]]:
        """Each client's own deck as its template context, by id."""
        return {k: v.context() for k, v in self.decks.items()}

    def as_data(self, audience: str = "internal") -> dict[str, Any]:
        """The whole context as plain data (``review --format json``); for the client
        audience, the decks alone, by id (no portfolio or index lists several clients)."""
        if audience == "client":
            return {k: as_data(v) for k, v in self.decks.items()}
        return {
            "clients": as_data(self.reviews),
            "portfolios": as_data(self.manager_portfolios),
            "index": as_data(self.review_index),
            "firm": as_data(self.firm_review),
        }


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole == ZERO:
        return None
    return (part / whole * 100).quantize(Decimal(1), ROUND_HALF_UP)


def _change(now: Decimal, before: Decimal) -> Decimal | None:
    if before == ZERO:
        return None
    return ((now - before) / abs(before) * 100).quantize(Decimal(1), ROUND_HALF_UP)


def _months_back(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _pick(amounts: Sequence[Money], currency: str) -> Money:
    return next((m for m in amounts if m.currency == currency), Money(ZERO, currency))


def build(
    parties: Mapping[str, Party],
    settings: Settings,
    postings: tuple[PartyPosting, ...],
    attribution: Attribution,
    as_of: datetime.date,
    precisions: Precisions,
    period: Period,
    party_ids: Sequence[str] | None = None,
    manager: str | None = None,
    logo: str | None = None,
    ledger: Callable[[Period], FirmLedger] | None = None,
    spread: Spread | None = None,
    start: Start | None = None,
    receivables: OpenItems | None = None,
    payables: Callable[[], OpenItems] | None = None,
    classified: Callable[[], Classified] | None = None,
) -> ReviewSet:
    """Reviews of the chosen clients (default: all active clients), their managers' portfolios,
    and each client's own deck (with the firm's ``logo``, a ``data:`` URL, in its letterhead).
    ``ledger`` gives the owner's review its cash and income figures; it is called only when
    that review is built (without it, ``cash`` and ``income`` are none). ``spread``
    computes the receivables at the month ends of the health history and the DSO trend
    (see :class:`~acct_tool.engines.items_at.ItemsAt`), and ``start`` begins them while the
    reviews are built; ``receivables`` are those at the
    as-of date when the caller has them, and ``payables`` gives the payables there (the firm
    page's aging and cash forecast read them); ``classified`` gives the receivables' postings
    classified when the caller may have classified them for ``receivables`` already.

    ``period`` is taken as it stands at the as-of date (:meth:`Period.until`): a
    period that is not over is reviewed to date and compared with as many days of
    the one before; a period that starts after the as-of date is a ValueError.
    """
    period = period.until(as_of)
    previous = period.previous()
    ctx = engine.context(parties, settings, postings, attribution, as_of, precisions, receivables)
    # Health is a standing, not a flow: compared with the end of the whole previous period.
    health_day = min(shift(period.start, -1), as_of)
    health_label = (period.whole or period).previous().label
    dsos = dso(ctx.items)

    if party_ids:
        chosen = [parties[p] for p in party_ids]
    else:
        chosen = [p for p in parties.values() if p.is_client and p.status == "active"]
    if manager is not None:
        chosen = [p for p in chosen if p.manager == manager]
    clients = [p for p in chosen if p.is_client]

    # The month ends' receivables once for every reviewed client and the firm page's DSO trend:
    # what each draws from them (the health scores, the DSO) is drawn where they are computed.
    receivables_at = ItemsAt(postings, parties, settings, Side.AR, precisions, known=ctx.items, spread=spread, classified=classified, start=start)
    month_days = {*history_dates(as_of), *(day for _, day in firm_engine.month_ends(firm_engine.window_start(as_of), as_of))}
    score_key, scores = day_scores(clients, settings, attribution, precisions)
    uses = dict([(score_key, scores), firm_engine.day_dso()])
    # the month ends, and the standing before the period (a month end unless the period is
    # custom), are begun (with ``start``, on another CPU) while the figures are drawn here
    receivables_at.prefetch(sorted({*month_days, health_day}), uses, wait=False)

    figures = {party.id: engine.portfolio_client(ctx, party, period.start, period.end) for party in chosen}
    # every review but what reads the month ends, meanwhile too
    drafts = {party.id: _draft(ctx, party, period, previous, figures[party.id], dsos.get(party.id, {})) for party in chosen}
    trends = health_history(parties, settings, postings, attribution, as_of, precisions, [p.id for p in clients], items_at=receivables_at)
    # the health before the period: its day's scores (None for a client with no record by then)
    before_scores: dict[str, HealthScore | None] = receivables_at.use(score_key, health_day, scores)
    reviews: dict[str, ClientReview] = {}
    for party in chosen:
        before_score = before_scores.get(party.id)  # none for a vendor reviewed by name: it has no health
        review = _finished(drafts[party.id], period, previous, before_score, health_label, ctx.precisions)
        reviews[party.id] = replace(review, health_history=health_months(trends.get(party.id, ())))
    return ReviewSet(
        reviews,
        functools.partial(_portfolios_and_index, ctx, reviews, figures, trends, period, manager),
        functools.partial(_decks, ctx, reviews, logo),
        functools.partial(firm_review, ctx, period, ledger, receivables_at, payables),
    )


def _portfolios_and_index(
    ctx: engine.Context,
    reviews: dict[str, ClientReview],
    figures: Mapping[str, engine.PortfolioClient],
    trends: Mapping[str, Sequence[HealthPoint]],
    period: Period,
    manager: str | None,
) -> tuple[dict[str, ManagerPortfolio], ReviewIndex]:
    """The reviewed clients' managers' portfolios, and the index of the reviews."""
    as_of = ctx.as_of
    # the portfolio engine once: the targets, NPS and CSAT, prospects and the index's totals all read it
    book = engine.portfolio(ctx, period.start, manager, end=period.end)
    rollups = {_manager_key(r.name): r for r in book.managers}
    portfolios: dict[str, ManagerPortfolio] = {}
    standings = target_standings(ctx, book)
    for name in sorted({r.client.manager or UNASSIGNED for r in reviews.values()}):
        members = [pid for pid, r in reviews.items() if (r.client.manager or UNASSIGNED) == name]
        portfolio = manager_portfolio(name, [reviews[m] for m in members], [figures[m] for m in members], period, as_of)
        portfolios[name] = replace(
            portfolio,
            target=standings.get(name),
            team_target=standings.get(TEAM),
            **portfolio_sections(ctx, name, [reviews[m] for m in members], trends, rollups.get(name), period),
        )
    ordered = sorted(reviews.values(), key=_risk_order)
    index = ReviewIndex(
        as_of,
        period_info(period),
        tuple(IndexClient(r.client.id, r.client.name, r.client.manager, r.health) for r in ordered),
        tuple(IndexManager(name, len(p.accounts), len(p.at_risk)) for name, p in portfolios.items()),
        index_totals(book),
        tuple(BandTally(band, book.totals.bands[band]) for band in engine.BANDS),
    )
    return portfolios, index


def _decks(ctx: engine.Context, reviews: Mapping[str, ClientReview], logo: str | None) -> dict[str, ClientDeck]:
    return {pid: client_deck(r, ctx.parties[pid], ctx.settings, ctx.documents(pid), logo) for pid, r in reviews.items()}


def _risk_order(r: ClientReview | AccountRow) -> tuple[int, int, str]:
    h = r.health
    key = r.client.id if isinstance(r, ClientReview) else r.id
    return (BAND_ORDER.get(h.band, 3), h.score if h.score is not None else 101, key)


def health_months(points: Sequence[HealthPoint]) -> tuple[HealthMonth, ...]:
    """The health history's points as records: the scores ``clients show --history`` shows."""
    out = []
    for p in points:
        band: Any = p.band
        out.append(HealthMonth(p.month, p.date, p.score, band, p.change, p.reason, p.satisfaction.nps.score, p.satisfaction.csat.average))
    return tuple(out)


def nps_csat(found: rel.SatisfactionFigures) -> NpsCsat:
    n, c = found.nps, found.csat
    return NpsCsat(found.start, found.end, n.score, n.responses, n.promoters, n.passives, n.detractors, c.average, c.responses)


class _Draft(NamedTuple):
    """A client's review but for what its health before the period says (``health_previous``
    and the changes), which waits for the month ends: see :func:`_finished`."""

    review: ClientReview
    party: Party
    score: HealthScore | None
    satisfaction: rel.SatisfactionTrend


def _finished(draft: _Draft, period: Period, previous: Period, before_score: HealthScore | None, health_label: str, precisions: Precisions) -> ClientReview:
    found = changes(draft.review, draft.party, period, previous, draft.score, before_score, draft.satisfaction, health_label, precisions)
    before = health_info(before_score, f"no health score for {health_label}: no invoices, interactions or surveys yet")
    return replace(draft.review, health_previous=before, changes=tuple(found))


def _draft(ctx: engine.Context, party: Party, period: Period, previous: Period, figures: engine.PortfolioClient, party_dso: dict[str, Any]) -> _Draft:
    """The review of ``party`` over ``period``, compared with ``previous``, but for its health
    before the period (see :func:`_finished`) and its health history (the caller's to add)."""
    as_of = ctx.as_of
    summary = figures.summary
    detail = engine.detail(ctx, party.id)
    postings = ctx.attribution.of(party.id)
    now_rev = figures.revenue
    prev_rev = revenue(postings, party.id, previous.start, previous.end)
    ytd = year_to_date(postings, party.id, as_of)
    trailing = revenue(postings, party.id, _months_back(period.end, 11), period.end)
    docs = list(detail.open_documents)
    credits = ctx.credits(party.id)
    party_items = OpenItems(Side.AR, as_of, tuple(docs), tuple(ctx.items.unapplied_credits(party.id)), (), ())
    aging = age(party_items, ctx.settings.aging_limits)

    currencies = sorted({m.currency for m in now_rev.totals} | {m.currency for m in prev_rev.totals} | {d.currency for d in docs} | set(aging.tables))
    limit = party.terms.credit_limit
    target = party.revenue_targets.get(as_of.year)
    period_months = set(period.months())
    money = []
    for cur in currencies:
        rev, rev_prev, ytd_amount = Money(now_rev.total(cur), cur), Money(prev_rev.total(cur), cur), Money(ytd.total(cur), cur)
        target_here = target if target is not None and target.currency == cur else None
        open_here = _pick(summary.open, cur)
        buckets = aging.totals(cur).buckets if cur in aging.tables else dict.fromkeys(aging.labels, ZERO)
        limit_here = limit if limit is not None and limit.currency == cur else None
        d = party_dso.get(cur)
        money.append(
            CurrencyFigures(
                currency=cur,
                revenue=rev,
                revenue_previous=rev_prev,
                revenue_change_pct=_change(rev.number, rev_prev.number),
                revenue_ytd=ytd_amount,
                target=target_here,
                target_pct=_pct(ytd_amount.number, target_here.number) if target_here and target_here.number else None,
                months=tuple(MonthAmount(m.month, Money(m.amount, cur), m.month in period_months) for m in trailing.months if m.currency == cur),
                open=open_here,
                overdue=_pick(summary.overdue, cur),
                credits=_pick(credits, cur),
                aging=tuple(AgingAmount(b, Money(buckets[b], cur)) for b in aging.labels),
                credit_limit=limit_here,
                credit_use_pct=_pct(open_here.number, limit_here.number) if limit_here and limit_here.number else None,
                dso=d.days if d is not None else None,
            )
        )
    paid = paid_in(ctx.documents(party.id), period.start, period.end)
    late = average(p.days_late for p in paid)
    fresh = detail.freshness
    talks = [i for i in party.interactions if period.start <= i.date <= period.end]
    makers = rel.decision_makers(party)
    sat = detail.satisfaction
    renewal = detail.renewal
    risks = sorted(party.risks, key=lambda r: (not rel.is_open_risk(r, as_of), r.opened))
    horizon = shift(as_of, FOLLOWUP_DAYS)
    steps = tuple(NextStep(s.action, s.due, s.owner or party.manager, s.days_overdue(as_of) > 0, s.days_overdue(as_of)) for s in detail.next_steps)
    paying = detail.paying
    review = ClientReview(
        as_of=as_of,
        period=period_info(period),
        previous=period_info(previous),
        client=ClientInfo(party.id, party.name, party.kind, party.status, party.tier, party.manager, party.industry, party.website, party.since),
        health=health_info(summary.health),
        health_previous=health_info(None, ""),  # see _finished
        goals=tuple(party.goals),
        relationship=RelationshipInfo(
            contacts=tuple(Contact(c.name, c.role, c.email, c.phone, c.decision_maker, c.primary, c.billing) for c in party.contacts),
            decision_makers=tuple(c.name for c in makers),
            has_decision_maker=bool(makers),
            cadence_days=fresh.cadence,
            last_contact=fresh.last_date,
            days_since_contact=fresh.days_since,
            checkin_due=fresh.due,
            checkin_overdue=(fresh.days_overdue or 0) > 0,
            interactions=tuple(
                InteractionInfo(i.date, i.channel, tuple(i.with_), i.by, i.summary, i.sentiment) for i in sorted(talks, key=lambda i: i.date, reverse=True)
            ),
            sentiment=SentimentCounts(*(sum(1 for i in talks if i.sentiment == s) for s in ("positive", "neutral", "negative"))),
        ),
        money=MoneyInfo(
            currencies=tuple(money),
            days_to_pay=figures.days_to_pay,
            paid_documents=figures.paid,
            days_late=late,
            payment_trend=paying.trend if paying else None,
            open_documents=tuple(
                OpenDocument(d.ref, d.date, d.due, Money(d.amount, d.currency), Money(d.open, d.currency), d.days_past_due(as_of))
                for d in sorted(docs, key=lambda d: (d.due, d.ref))
            ),
            aging_buckets=tuple(aging.labels),
        ),
        satisfaction=SatisfactionInfo(
            surveys=tuple(
                SurveyInfo(s.date, s.nps, s.csat, s.comment) for s in sorted((s for s in party.satisfaction if s.date <= as_of), key=lambda s: s.date)
            ),
            latest_nps=sat.latest.nps if sat.latest else None,
            previous_nps=sat.previous.nps if sat.previous else None,
            trend=sat.direction,
            in_period=nps_csat(rel.satisfaction_figures(party.satisfaction, period.start, period.end)),
            last_12_months=nps_csat(rel.trailing_satisfaction(party, as_of)),
        ),
        risks=tuple(
            RiskInfo(
                r.opened,
                r.summary,
                r.severity,
                r.plan,
                r.owner,
                r.status if rel.is_open_risk(r, as_of) else (r.status if r.status != "open" else "closed"),
                rel.is_open_risk(r, as_of),
            )
            for r in risks
        ),
        opportunities=tuple(
            OpportunityInfo(o.name, o.value, o.value.currency if o.value else None, o.stage, o.close, o.type, o.probability) for o in party.opportunities
        ),
        renewal=None
        if renewal is None
        else RenewalInfo(renewal.date, renewal.days, renewal.auto_renew, renewal.opportunity.name if renewal.opportunity else None, renewal.needs_opportunity),
        next_steps=steps,
        followups=tuple(
            FollowupInfo(f.kind, f.due, f.owner, f.status, f.message, f.days_overdue) for f in detail.followups if f.due is None or f.due <= horizon
        ),
        changes=(),
        plan=plan_info(plans.progress(party.plan, as_of)) if plans.has_plan(party) else None,
    )
    return _Draft(review, party, summary.health, sat)


#: The team's standing in :func:`target_standings`: no manager's name (they are profile ``manager:`` values) has the brackets.
TEAM = "(team)"


def _manager_key(name: str) -> str:
    """The portfolio engine's manager name as the reviews name it (:data:`UNASSIGNED` for no manager)."""
    return UNASSIGNED if name == engine.NO_MANAGER else name


def target_standings(ctx: engine.Context, book: engine.Portfolio) -> dict[str, TargetInfo]:
    """Each manager's (and the team's, as :data:`TEAM`) standing against the settings' targets,
    from the portfolio engine over the period: the figures ``portfolio --from --to`` shows."""
    targets = ctx.settings.targets
    if not targets.managers and not targets.team.revenue and targets.team.accounts is None:
        return {}
    out = {_manager_key(r.name): target_info(r.target) for r in book.managers if r.target is not None}
    if book.totals.target is not None:
        out[TEAM] = target_info(book.totals.target)
    return out


def band_counts(members: Sequence[ClientReview], trends: Mapping[str, Sequence[HealthPoint]]) -> tuple[BandCount, ...]:
    """How many of ``members`` were in each band at each month end of the health history
    (computed once for every reviewed client); the last month is the as-of date."""
    points = [trends.get(r.client.id, ()) for r in members]
    dates = next((p for p in points if p), ())
    out = []
    for i, first in enumerate(dates):
        bands = [p[i].band for p in points if len(p) > i]
        out.append(BandCount(first.month, first.date, bands.count("green"), bands.count("amber"), bands.count("red"), bands.count("none")))
    return tuple(out)


def revenue_trend(members: Sequence[ClientReview], period: Period) -> tuple[CurrencyTrend, ...]:
    """The members' revenue in each of the 12 months to the period's end, per currency: the
    months their own reviews show, added up per currency (never across currencies)."""
    labels = list(months_between(_months_back(period.end, 11), period.end))
    in_period = set(period.months())
    sums: dict[str, dict[str, Decimal]] = {}
    for r in members:
        for m in r.money.currencies:
            for month in m.months:
                sums.setdefault(m.currency, dict.fromkeys(labels, ZERO))
                if month.month in sums[m.currency]:
                    sums[m.currency][month.month] += month.amount.number
    out = []
    for cur in sorted(sums):
        months = tuple(MonthAmount(label, Money(sums[cur][label], cur), label in in_period) for label in labels)
        out.append(CurrencyTrend(cur, months, Money(sum((m.amount.number for m in months), ZERO), cur)))
    return tuple(out)


def portfolio_sections(
    ctx: engine.Context,
    name: str,
    members: Sequence[ClientReview],
    trends: Mapping[str, Sequence[HealthPoint]],
    rollup: engine.Rollup | None,
    period: Period,
) -> dict[str, Any]:
    """The charts' figures, pipeline, renewals, prospects and satisfaction of one manager's portfolio."""
    as_of = ctx.as_of
    ids = {r.client.id for r in members}
    docs = tuple(d for pid in sorted(ids) for d in ctx.open_documents(pid))
    credits = tuple(c for c in ctx.items.unapplied_credits() if c.party in ids)
    limits = ctx.settings.aging_limits
    aging = firm_engine.aging_totals(OpenItems(Side.AR, as_of, docs, credits, (), ()), limits)
    mine = [p for p in ctx.parties.values() if (p.manager or UNASSIGNED) == name]
    summary = None
    if name != UNASSIGNED:
        pipe = pipeline_engine.pipeline(ctx.parties, ctx.settings, as_of, period.start, period.end, ctx.precisions, manager=name)
        summary = PipelineSummary(
            tuple(StageTotal(t.name, t.count, t.value, t.weighted) for t in pipe.by_stage),
            pipe.totals.count,
            pipe.totals.value,
            pipe.totals.weighted,
            len(pipe.slipping),
            tuple(r.party for r in pipe.renewals_at_risk),
        )
    renewals = []
    for party in mine:
        if not party.is_client or party.status not in pipeline_engine.RENEWING:
            continue
        coming = ctx.renewal(party)
        if coming is None or not coming.windows:
            continue
        opportunity = coming.opportunity.name if coming.opportunity else None
        renewals.append(
            UpcomingRenewal(party.id, party.name, coming.date, coming.days, coming.auto_renew, opportunity, coming.needs_opportunity, party.contract.value)
        )
    renewals.sort(key=lambda r: (r.date, r.id))
    prospects = rollup.prospects if rollup is not None else ()
    return {
        "health_months": band_counts(members, trends),
        "revenue_months": revenue_trend(members, period),
        "aging_buckets": tuple(bucket_labels(limits)),
        "aging": aging,
        "pipeline": summary,
        "renewals": tuple(renewals),
        "prospects": tuple(ProspectInfo(p.id, p.name, p.tier, p.opportunities, p.pipeline, p.weighted) for p in prospects),
        "prospect_pipeline": rollup.prospect_pipeline if rollup is not None else (),
        "satisfaction": nps_csat(rollup.satisfaction) if rollup is not None and rollup.satisfaction is not None else None,
    }


def index_totals(book: engine.Portfolio) -> tuple[IndexCurrency, ...]:
    """The firm's revenue, open and overdue per currency (``portfolio --format json`` ``totals``)
    and each manager's revenue in it."""
    t = book.totals
    out = []
    for cur in sorted({m.currency for m in (*t.revenue, *t.open, *t.overdue)}):
        managers = tuple(ManagerAmount(_manager_key(r.name), _pick(r.revenue, cur)) for r in book.managers if r.accounts)
        out.append(IndexCurrency(cur, _pick(t.revenue, cur), _pick(t.open, cur), _pick(t.overdue, cur), managers))
    return tuple(out)


def target_info(t: TargetStanding) -> TargetInfo:
    a = t.revenue
    if a is None:
        return TargetInfo(None, None, None, None, None, None, None, None, None, t.other_currencies, t.accounts, t.accounts_target)
    return TargetInfo(
        a.period.label,
        a.target,
        a.revenue,
        a.attainment,
        a.elapsed_days,
        a.period_days,
        a.pro_rata_target,
        a.pro_rata_attainment,
        a.gap,
        t.other_currencies,
        t.accounts,
        t.accounts_target,
    )


def manager_portfolio(
    name: str, members: Sequence[ClientReview], figures: Sequence[engine.PortfolioClient], period: Period, as_of: datetime.date
) -> ManagerPortfolio:
    """One manager's reviewed clients; totals and averages are the portfolio engine's rollup of the same clients."""
    total = engine.rollup(name, figures, [d for f in figures for d in f.paid_days])
    rows = []
    for r in members:
        rows.append(
            AccountRow(
                r.client.id,
                r.client.name,
                r.client.tier,
                r.health,
                r.money.currencies,
                r.money.days_to_pay,
                r.satisfaction.latest_nps,
                r.relationship.days_since_contact,
                r.next_steps[0] if r.next_steps else None,
            )
        )
    accounts = sorted(rows, key=_risk_order)
    currencies = sorted({m.currency for r in members for m in r.money.currencies})
    previous = engine.add_monies([m.revenue_previous] for r in members for m in r.money.currencies)
    totals = tuple(
        CurrencyTotals(cur, _pick(total.revenue, cur), _pick(previous, cur), _pick(total.open, cur), _pick(total.overdue, cur)) for cur in currencies
    )
    return ManagerPortfolio(
        manager=name,
        as_of=as_of,
        period=period_info(period),
        accounts=tuple(accounts),
        at_risk=tuple(a for a in accounts if a.health.band == "red"),
        totals=totals,
        average_nps=total.average_nps,
        average_days_to_pay=total.average_days_to_pay,
    )


#: An objective's status in the words of the client's deck.
CLIENT_STATUS = {"on-track": "on track", "at-risk": "behind plan"}


def plan_info(plan: plans.Progress) -> PlanInfo:
    """The account plan of a client review, from the plans engine."""
    return PlanInfo(
        reviewed=plan.reviewed,
        current=plan.current,
        objectives_done=plan.done,
        objectives_total=plan.total,
        objectives=tuple(
            PlanObjective(
                o.objective.what,
                o.objective.measure,
                plans.progress_value(o.objective.target),
                plans.progress_value(o.objective.current),
                o.objective.due,
                o.objective.status,
                o.objective.owner,
                o.overdue,
            )
            for o in plan.objectives
        ),
        stakeholders=tuple(PlanStakeholder(s.name, s.influence, s.stance) for s in plan.stakeholders),
        has_sponsor=plan.has_sponsor,
        whitespace=tuple(PlanWhitespace(w.service, w.estimate, w.notes) for w in plan.whitespace),
        whitespace_total=tuple(plan.whitespace_total.values()),
    )


def client_deck(review: ClientReview, party: Party, settings: Settings, documents: Sequence[Document], logo: str | None = None) -> ClientDeck:
    """What the client sees of ``review``: a projection of it, computing no figure of its own.

    Kept: the client's goals, its fees, its open invoices (the very records of the internal
    review), the next steps agreed with it and its contract dates. Left out: the health score
    and everything behind it, risks, follow-ups and chases, interactions, notes, tags,
    opportunities and other clients. ``documents`` are the client's invoices (the receivables
    engine's, as the review's own); those dated in the period are what was invoiced in it.
    """
    period = review.period
    invoiced = tuple(
        InvoicedDocument(d.ref, d.date, d.due, d.narration, Money(d.amount, d.currency))
        for d in sorted(documents, key=lambda d: (d.date, d.ref))
        if period.start <= d.date <= period.end
    )
    currencies = tuple(DeckCurrency(m.currency, m.revenue, m.revenue_ytd, m.months, m.open, m.overdue, m.credits) for m in review.money.currencies)
    opened = review.money.open_documents
    remit_in = opened[0].open.currency if opened else (currencies[0].currency if currencies else settings.operating_currency or "")
    c = party.contract
    renewal = review.renewal
    contract = None
    if c.start or c.end or renewal is not None:
        contract = ContractInfo(c.start, c.end, renewal.date if renewal else None, renewal.days if renewal else None, c.auto_renew, c.notice_days)
    return ClientDeck(
        as_of=review.as_of,
        period=period,
        client=DeckClient(review.client.id, review.client.name, review.client.manager, review.client.since),
        letterhead=letterhead(settings, party, remit_in, None, logo),
        goals=review.goals,
        currencies=currencies,
        invoiced=invoiced,
        open_documents=opened,
        next_steps=tuple(AgreedStep(s.action, s.due, s.owner) for s in review.next_steps),
        contract=contract,
        objectives=tuple(
            DeckObjective(o.what, o.measure, o.target, o.current, o.due, CLIENT_STATUS.get(o.status, o.status))
            for o in (review.plan.objectives if review.plan else ())
        ),
        plan_reviewed=review.plan.reviewed if review.plan is not None else None,
    )
