"""The records a review, portfolio or index template gets: typed, frozen, documented.

``docs/templates.md`` is generated from these classes (their fields and the comment on
each), so a template author reads exactly what the code hands over. Amounts are
:class:`~acct_tool.money.Money`; a template shows one with the ``money`` filter.
A template reads a field as ``record.field`` or ``record["field"]``, as with a dict.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from acct_tool.engines.payments import Trend
from acct_tool.money import Money

if TYPE_CHECKING:
    from acct_tool.engines.health import HealthScore
    from acct_tool.periods import Period

Date = datetime.date
#: A health band: green, amber, red, or none without a score.
Band = Literal["green", "amber", "red", "none"]
ChangeKind = Literal["health", "health-no-data", "revenue", "revenue-no-data", "risk-opened", "risk-closed", "nps", "opportunity", "none"]


class Record:
    """Dict-style reads for templates: ``r["with"]`` finds the field ``with_``."""

    def __getitem__(self, key: str) -> Any:
        names = {f.name for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        for name in (key, key + "_"):
            if name in names:
                return getattr(self, name)
        raise KeyError(key)

    def context(self) -> dict[str, Any]:
        """The fields as a template's top-level names."""
        return {f.name.rstrip("_"): getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]


def as_data(value: Any) -> Any:
    """Records as nested dicts (field ``with_`` as ``with``), Money and dates left as they are."""
    if isinstance(value, Money):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name.rstrip("_"): as_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: as_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_data(v) for v in value]
    return value


@dataclass(frozen=True)
class PeriodInfo(Record):
    label: str  # 2026-Q3, 2026-09, 2026, a range; "2026-Q4 to date" while the period is not over
    start: Date
    end: Date  # the as-of date for a period to date
    months: tuple[str, ...]  # YYYY-MM of every month the period touches
    to_date: bool  # the period is not over at the as-of date


@dataclass(frozen=True)
class ClientInfo(Record):
    id: str
    name: str
    kind: str  # client, vendor or both
    status: str  # prospect, active, paused or churned
    tier: str  # key, strategic or standard
    manager: str | None
    industry: str | None
    website: str | None
    since: Date | None


@dataclass(frozen=True)
class HealthComponent(Record):
    name: str  # payment, freshness, satisfaction, sentiment, risks, renewal, revenue
    label: str
    weight: int
    points: int | None  # None when the component does not apply
    applies: bool
    lost: int  # weight minus points
    reason: str


@dataclass(frozen=True)
class HealthFlag(Record):
    code: str  # overdue, risk-without-plan, renewal-unprepared
    reason: str


@dataclass(frozen=True)
class HealthInfo(Record):
    score: int | None  # 0-100; None without a score (not a client, or no data yet)
    band: Band  # after red flags; "none" without a score
    score_band: Band  # the band of the score alone
    summary: str  # one line: the red flags, else the components that lost most points
    components: tuple[HealthComponent, ...]  # those that apply, most points lost first, then the others
    red_flags: tuple[HealthFlag, ...]


@dataclass(frozen=True)
class Contact(Record):
    name: str
    role: str | None
    email: str | None
    phone: str | None
    decision_maker: bool
    primary: bool
    billing: bool


@dataclass(frozen=True)
class InteractionInfo(Record):
    date: Date
    channel: str
    with_: tuple[str, ...]  # read as ``i.with``
    by: str | None
    summary: str
    sentiment: str | None


@dataclass(frozen=True)
class SentimentCounts(Record):
    positive: int
    neutral: int
    negative: int


@dataclass(frozen=True)
class RelationshipInfo(Record):
    contacts: tuple[Contact, ...]
    decision_makers: tuple[str, ...]  # names
    has_decision_maker: bool
    cadence_days: int  # the tier's check-in cadence
    last_contact: Date | None
    days_since_contact: int | None
    checkin_due: Date | None
    checkin_overdue: bool
    interactions: tuple[InteractionInfo, ...]  # in the period, newest first
    sentiment: SentimentCounts  # of the interactions in the period


@dataclass(frozen=True)
class MonthAmount(Record):
    month: str  # YYYY-MM
    amount: Money
    in_period: bool


@dataclass(frozen=True)
class AgingAmount(Record):
    bucket: str
    amount: Money


@dataclass(frozen=True)
class CurrencyFigures(Record):
    """One currency of a client's money; amounts in different currencies are never added."""

    currency: str
    revenue: Money  # in the period
    revenue_previous: Money  # in the previous period (as many days of it for a period to date)
    revenue_change_pct: Decimal | None  # None when there was no revenue in the previous period
    revenue_ytd: Money  # 1 January to the as-of date
    target: Money | None  # the revenue target of the as-of year, in this currency
    target_pct: Decimal | None  # revenue_ytd as a percentage of target
    months: tuple[MonthAmount, ...]  # revenue in the 12 months up to the end of the period
    open: Money  # open invoices less unapplied credits (the tie-out figure of clients list, portfolio, dso)
    overdue: Money  # open invoices past due
    credits: Money  # unapplied credits
    aging: tuple[AgingAmount, ...]  # open invoices by age bucket
    credit_limit: Money | None
    credit_use_pct: Decimal | None  # open as a percentage of credit_limit
    dso: Decimal | None  # days sales outstanding (90-day window), as in dso


@dataclass(frozen=True)
class OpenDocument(Record):
    document: str  # the document number, as in `open --format json`
    date: Date
    due: Date
    amount: Money
    open: Money
    days_past_due: int


@dataclass(frozen=True)
class MoneyInfo(Record):
    currencies: tuple[CurrencyFigures, ...]
    days_to_pay: Decimal | None  # average over the invoices fully paid in the period, as in portfolio
    paid_documents: int  # invoices fully paid in the period
    days_late: Decimal | None  # average days after the due date over the same invoices
    payment_trend: Trend | None  # over every invoice paid by the as-of date, as in dso
    open_documents: tuple[OpenDocument, ...]  # by due date
    aging_buckets: tuple[str, ...]


@dataclass(frozen=True)
class SurveyInfo(Record):
    date: Date
    nps: int | None
    csat: int | None
    comment: str | None


@dataclass(frozen=True)
class NpsCsat(Record):
    """NPS and CSAT over the survey responses of a period (docs/health.md, "NPS and CSAT")."""

    start: Date
    end: Date
    nps: Decimal | None  # promoters (9-10) minus detractors (0-6), in % of the responses: -100 to 100; none without a response
    responses: int  # the responses with an NPS
    promoters: int
    passives: int
    detractors: int
    csat: Decimal | None  # the average CSAT (1-5) of the responses with one; none without
    csat_responses: int


@dataclass(frozen=True)
class SatisfactionInfo(Record):
    surveys: tuple[SurveyInfo, ...]  # up to the as-of date, oldest first
    latest_nps: int | None  # the latest NPS response (0-10), not an NPS
    previous_nps: int | None  # the NPS response before it
    trend: str | None  # falling, rising, steady, or None without two surveys
    in_period: NpsCsat  # over the responses in the review period
    last_12_months: NpsCsat  # over the responses in the 12 months to the as-of date (as clients show)


@dataclass(frozen=True)
class HealthMonth(Record):
    """The health score at one month end (``clients show --history``)."""

    month: str  # YYYY-MM
    date: Date  # the month end; the as-of date for the as-of month
    score: int | None  # none when the client had no invoice, interaction, survey or revenue yet
    band: Band  # after red flags
    change: int | None  # points since the month before
    reason: str  # the main reason of the change
    nps: Decimal | None  # NPS over the 12 months to the date
    csat: Decimal | None  # average CSAT over the 12 months to the date


@dataclass(frozen=True)
class RiskInfo(Record):
    opened: Date
    summary: str
    severity: str  # high, medium, low
    plan: str | None
    owner: str | None
    status: str  # open, mitigated, closed...; closed when closed by the as-of date
    open: bool  # open at the as-of date


@dataclass(frozen=True)
class OpportunityInfo(Record):
    name: str
    value: Money | None
    currency: str | None
    stage: str
    close: Date | None
    type: str | None
    probability: int | None


@dataclass(frozen=True)
class RenewalInfo(Record):
    date: Date
    days: int  # from the as-of date; negative once passed
    auto_renew: bool
    opportunity: str | None  # the open renewal opportunity's name
    needs_opportunity: bool  # inside a configured renewal window with no renewal opportunity open


@dataclass(frozen=True)
class NextStep(Record):
    action: str
    due: Date
    owner: str | None
    overdue: bool
    days_overdue: int


@dataclass(frozen=True)
class FollowupInfo(Record):
    kind: str  # next-step, risk-plan, check-in, renewal, decision-maker, collection
    due: Date | None
    owner: str | None
    status: str  # overdue, due today, upcoming, open
    message: str
    days_overdue: int | None


@dataclass(frozen=True)
class Change(Record):
    """One thing that changed since the previous period."""

    kind: ChangeKind
    text: str  # the sentence a manager reads
    now: Money | None = None  # revenue in the period
    before: Money | None = None  # revenue in the previous period
    pct: Decimal | None = None  # change of revenue, when there was some before
    score: int | None = None  # health now
    score_before: int | None = None  # health at the end of the previous period


@dataclass(frozen=True)
class PlanObjective(Record):
    what: str
    measure: str | None
    target: str | None  # as the profile writes it (a number or a text)
    current: str | None  # where the measure stands, as the profile writes it
    due: Date | None
    status: str  # planned, on-track, at-risk, done or dropped
    owner: str | None
    overdue: bool  # past due and neither done nor dropped (a follow-up)


@dataclass(frozen=True)
class PlanStakeholder(Record):
    name: str  # one of the contacts
    influence: str  # high, medium or low
    stance: str  # sponsor, supporter, neutral, skeptic or blocker


@dataclass(frozen=True)
class PlanWhitespace(Record):
    service: str  # a service the client does not buy yet
    estimate: Money | None
    notes: str | None


@dataclass(frozen=True)
class PlanInfo(Record):
    """The account plan from the profile's ``plan:``, as ``clients show`` reads it."""

    reviewed: Date | None  # last reviewed with the client
    current: bool  # reviewed within the 12 months to the as-of date
    objectives_done: int
    objectives_total: int  # dropped objectives are not counted
    objectives: tuple[PlanObjective, ...]  # as in the profile
    stakeholders: tuple[PlanStakeholder, ...]  # the stakeholder map (internal)
    has_sponsor: bool  # a stakeholder's stance is sponsor
    whitespace: tuple[PlanWhitespace, ...]
    whitespace_total: tuple[Money, ...]  # the estimates per currency, never summed across currencies


@dataclass(frozen=True)
class ClientReview(Record):
    """The context of ``review.md.j2`` and ``review.html.j2``: one client."""

    as_of: Date  # the as-of date (--as-of)
    period: PeriodInfo  # the review period (--period, --from/--to; default the as-of date's quarter)
    previous: PeriodInfo  # what the period is compared with
    client: ClientInfo  # from the profile
    health: HealthInfo  # at the as-of date
    health_previous: HealthInfo  # at the end of the previous period; band "none" when there was no data yet
    goals: tuple[str, ...]  # from the profile
    relationship: RelationshipInfo  # contacts, interactions in the period, check-ins
    money: MoneyInfo  # per currency, and payment behaviour
    satisfaction: SatisfactionInfo  # surveys up to the as-of date
    risks: tuple[RiskInfo, ...]  # open ones first
    opportunities: tuple[OpportunityInfo, ...]  # as in the profile
    renewal: RenewalInfo | None  # with the configured health.renewal_windows
    next_steps: tuple[NextStep, ...]  # open, earliest due first
    followups: tuple[FollowupInfo, ...]  # due within 30 days of the as-of date, as in followups
    changes: tuple[Change, ...]  # since the previous period
    #: The health score at each of the last 12 month ends, oldest first (the last is ``health``).
    health_history: tuple[HealthMonth, ...] = ()
    plan: PlanInfo | None = None  # None when the profile has no ``plan:``


@dataclass(frozen=True)
class AccountRow(Record):
    """One client in a manager's portfolio."""

    id: str
    name: str
    tier: str
    health: HealthInfo
    money: tuple[CurrencyFigures, ...]
    days_to_pay: Decimal | None
    latest_nps: int | None
    days_since_contact: int | None
    next_step: NextStep | None


@dataclass(frozen=True)
class CurrencyTotals(Record):
    currency: str
    revenue: Money
    revenue_previous: Money
    open: Money  # open invoices less unapplied credits
    overdue: Money


@dataclass(frozen=True)
class ManagerPortfolio(Record):
    """The context of ``portfolio.md.j2`` and ``portfolio.html.j2``: one manager's reviewed clients."""

    manager: str
    as_of: Date
    period: PeriodInfo
    accounts: tuple[AccountRow, ...]  # red first, then by score
    at_risk: tuple[AccountRow, ...]  # in the red band
    totals: tuple[CurrencyTotals, ...]  # per currency
    average_nps: Decimal | None  # over the accounts' latest surveys
    average_days_to_pay: Decimal | None  # over every invoice of the accounts paid in the period, as in portfolio
    #: The manager against their targets (``targets:`` in the settings), as ``portfolio`` shows it for the period; none without targets.
    target: TargetInfo | None = None
    #: The team against its targets, as ``portfolio``'s total; none without team targets or for ``--manager``.
    team_target: TargetInfo | None = None
    #: The accounts per health band at each of the last 12 month ends, oldest first (the last is the as-of date, as ``clients list`` shows it).
    health_months: tuple[BandCount, ...] = ()
    #: The accounts' revenue in each of the last 12 months, per currency (the months of their reviews, added up).
    revenue_months: tuple[CurrencyTrend, ...] = ()
    #: Labels of the aging buckets, youngest first.
    aging_buckets: tuple[str, ...] = ()
    #: The accounts' open receivables by age, per currency (as ``aging ar`` buckets them).
    aging: tuple[AgingTotal, ...] = ()
    #: The manager's open pipeline, as ``pipeline --manager <manager>`` shows it; none for unassigned accounts.
    pipeline: PipelineSummary | None = None
    #: Contract renewals of the manager's active and paused clients within the widest ``health.renewal_windows`` window (or passed), soonest first.
    renewals: tuple[UpcomingRenewal, ...] = ()
    #: The manager's prospects with their open pipeline, as ``portfolio --format json`` lists them.
    prospects: tuple[ProspectInfo, ...] = ()
    prospect_pipeline: tuple[Money, ...] = ()  # the prospects' open pipeline, per currency
    #: NPS and CSAT over the survey responses of the manager's accounts in the period, pooled, as ``portfolio --format json`` ``satisfaction``.
    satisfaction: NpsCsat | None = None


@dataclass(frozen=True)
class BandCount(Record):
    """How many accounts were in each health band at one month end."""

    month: str  # YYYY-MM
    date: Date  # the month end; the as-of date for the as-of month
    green: int
    amber: int
    red: int
    unscored: int  # accounts with nothing to score yet


@dataclass(frozen=True)
class CurrencyTrend(Record):
    """Revenue per month in one currency."""

    currency: str
    months: tuple[MonthAmount, ...]  # each of the 12 months; in_period marks the review period's months
    total: Money  # of the 12 months


@dataclass(frozen=True)
class StageTotal(Record):
    """The open opportunities at one stage (``pipeline --format json`` ``by_stage``)."""

    stage: str
    count: int
    value: tuple[Money, ...]  # per currency
    weighted: tuple[Money, ...]  # value x probability, per currency


@dataclass(frozen=True)
class PipelineSummary(Record):
    """A manager's open pipeline: the figures of ``pipeline --manager <manager> --format json``."""

    stages: tuple[StageTotal, ...]  # one per open stage, in the stages' order
    count: int  # open opportunities
    value: tuple[Money, ...]
    weighted: tuple[Money, ...]
    slipping: int  # open opportunities past their expected close
    renewals_at_risk: tuple[str, ...]  # ids of the clients whose renewal is in its window with no renewal opportunity open


@dataclass(frozen=True)
class UpcomingRenewal(Record):
    """A contract renewing soon."""

    id: str
    name: str
    date: Date
    days: int  # from the as-of date; negative once passed
    auto_renew: bool
    opportunity: str | None  # the open renewal opportunity, if any
    at_risk: bool  # no renewal opportunity open
    contract_value: Money | None


@dataclass(frozen=True)
class ProspectInfo(Record):
    """A client not won yet (status ``prospect``) and its open opportunities."""

    id: str
    name: str
    tier: str
    opportunities: int  # open opportunities
    pipeline: tuple[Money, ...]  # their value, per currency
    weighted: tuple[Money, ...]  # weighted by probability, per currency


@dataclass(frozen=True)
class TargetInfo(Record):
    """Revenue against a revenue target and accounts against an accounts target, as ``portfolio`` shows them (docs/relationship.md, "Targets")."""

    period: str | None  # the target's year (2026) or quarter (2026-Q4); none without a revenue target for the period
    target: Money | None
    revenue: Money | None  # revenue in the target's currency in the period, as in portfolio
    attainment: Decimal | None  # revenue / target, percent to one decimal
    elapsed_days: int | None  # days of the target's period up to the period's end
    period_days: int | None  # days of the target's period
    pro_rata_target: Money | None  # target x elapsed_days / period_days
    pro_rata_attainment: Decimal | None  # revenue / pro_rata_target, percent to one decimal
    gap: Money | None  # target - revenue (below 0 once the target is passed)
    other_currencies: tuple[str, ...]  # currencies with revenue the target does not count
    accounts: int  # active clients managed
    accounts_target: int | None


@dataclass(frozen=True)
class IndexClient(Record):
    id: str
    name: str
    manager: str | None
    health: HealthInfo


@dataclass(frozen=True)
class IndexManager(Record):
    name: str
    accounts: int
    at_risk: int


@dataclass(frozen=True)
class ReviewIndex(Record):
    """The context of ``index.md.j2`` and ``index.html.j2`` (plus ``ext``, md or html)."""

    as_of: Date
    period: PeriodInfo
    clients: tuple[IndexClient, ...]  # red first
    managers: tuple[IndexManager, ...]
    #: The firm's figures for the period per currency, as ``portfolio --format json`` ``totals``; currencies are never added together.
    totals: tuple[IndexCurrency, ...] = ()
    #: Accounts per health band at the as-of date, as ``portfolio --format json`` ``totals.bands``.
    bands: tuple[BandTally, ...] = ()


@dataclass(frozen=True)
class IndexCurrency(Record):
    """The firm's revenue in the period, open and overdue receivables in one currency, and the revenue per manager."""

    currency: str
    revenue: Money
    open: Money
    overdue: Money
    managers: tuple[ManagerAmount, ...]  # revenue in the period per manager, in the portfolio's order


@dataclass(frozen=True)
class ManagerAmount(Record):
    name: str  # the manager; "unassigned" for accounts without one
    revenue: Money


@dataclass(frozen=True)
class BandTally(Record):
    band: Band
    accounts: int


# --- the firm: the owner's review --------------------------------------------------


@dataclass(frozen=True)
class ClientShare(Record):
    """One client's revenue in the firm's last 12 months, in one currency."""

    id: str
    name: str
    manager: str | None
    tier: str
    revenue: Money  # in the 12 months, as in revenue and portfolio for the same dates
    share_pct: Decimal | None  # of the currency's total, one decimal; None when the total is not positive


@dataclass(frozen=True)
class TopShare(Record):
    """The share of the largest clients in one currency's revenue."""

    size: int  # 1, 5 or 10
    clients: tuple[ClientShare, ...]  # the largest clients, at most ``size`` of them
    revenue: Money  # their revenue together
    share_pct: Decimal | None  # of the currency's total, one decimal


@dataclass(frozen=True)
class GroupRevenue(Record):
    """Revenue of a group of clients: one account manager, or one tier."""

    name: str  # the manager ("unassigned" for clients without one), or the tier
    clients: int  # clients of the group with revenue in the currency
    revenue: Money
    share_pct: Decimal | None  # of the currency's total, one decimal


@dataclass(frozen=True)
class FirmCurrency(Record):
    """The firm's revenue in one currency; amounts in different currencies are never added."""

    currency: str
    revenue: Money  # in the 12 months: the sum of the clients' revenue, and of ``months``
    months: tuple[MonthAmount, ...]  # each of the 12 months; in_period marks the review period's months
    clients: tuple[ClientShare, ...]  # every client with revenue in the currency, largest first (then by id)
    top: tuple[TopShare, ...]  # the top 1, 5 and 10 clients
    managers: tuple[GroupRevenue, ...]  # largest first, then by name
    tiers: tuple[GroupRevenue, ...]  # largest first, then by name


@dataclass(frozen=True)
class AgingTotal(Record):
    """The aging totals of one side in one currency: ``aging ar|ap --format json`` ``totals``."""

    currency: str
    buckets: tuple[AgingAmount, ...]  # open documents by age bucket
    total: Money  # open documents
    credits: Money  # unapplied credits, apart from the buckets
    net: Money  # total less credits


@dataclass(frozen=True)
class DsoPoint(Record):
    """DSO at one month end, as ``dso ar`` would give it with that day as the as-of date."""

    month: str  # YYYY-MM
    date: Date  # the month's last day; the as-of date for its own month
    days: Decimal | None  # None when nothing was invoiced in the window
    open: Money  # open invoices less unapplied credits on that day
    invoiced: Money  # invoiced in the window up to that day


@dataclass(frozen=True)
class DsoTrend(Record):
    currency: str
    window: int  # days of invoicing DSO is measured against (90, as dso's default)
    points: tuple[DsoPoint, ...]  # one per month of the 12, oldest first


@dataclass(frozen=True)
class AtRiskAccount(Record):
    """A client in the red band (a red flag makes it red whatever the score), as in the reviews."""

    id: str
    name: str
    manager: str | None
    tier: str
    health: HealthInfo  # the same health the client's review shows
    revenue: tuple[Money, ...]  # revenue at stake: its revenue in the 12 months, per currency
    open: tuple[Money, ...]  # open invoices less unapplied credits, per currency
    overdue: tuple[Money, ...]  # open invoices past due, per currency


@dataclass(frozen=True)
class CashPosition(Record):
    """One bank or cash account's balance in one currency at the as-of date: a row of ``cash --format json`` ``positions``."""

    account: str
    currency: str
    balance: Money  # the sum of its postings to the as-of date
    asserted_on: Date | None  # the last ``balance`` assertion on or before the as-of date
    asserted: Money | None  # what that assertion says the account held
    statement_end: Date | None  # the last day of the last bank statement filed for the account
    statement: str | None  # that statement's file


@dataclass(frozen=True)
class CashWeek(Record):
    """One week of the forecast in one currency, as ``cash --format json`` gives it."""

    week: int  # 1 to 13; week 1 starts the day after the as-of date
    start: Date
    end: Date
    opening: Money  # the previous week's closing; week 1: the currency's cash at the as-of date
    receipts: Money  # open invoices expected in the week (due date plus the client's median lateness)
    payments: Money  # open bills due in the week (negative)
    recurring: Money  # ``cash.recurring`` rules falling in the week (signed)
    closing: Money  # opening + receipts + payments + recurring
    below_floor: bool  # closing is below ``cash.floor``


@dataclass(frozen=True)
class CashAtRisk(Record):
    """An open invoice past the last collection level: listed apart, not counted in the forecast."""

    document: str
    party: str
    due: Date
    days_past_due: int
    open: Money


@dataclass(frozen=True)
class CashCurrency(Record):
    """The cash forecast in one currency; currencies are never added together."""

    currency: str
    opening: Money  # cash at the as-of date: the sum of the accounts' positions in the currency
    closing: Money  # the last week's closing
    weeks: tuple[CashWeek, ...]  # the 13 weeks, first first
    floor: Money | None  # ``cash.floor`` for the currency, if set
    floor_week: CashWeek | None  # the first week whose closing is below the floor
    at_risk: Money  # the open amount of the at-risk invoices in the currency (not in the forecast)


@dataclass(frozen=True)
class CashInfo(Record):
    """The cash position and the 13-week forecast: ``acct-tool cash`` (see docs/cash.md) for the same books and as-of date."""

    as_of: Date
    start: Date  # the first day of week 1: the day after the as-of date
    end: Date  # the last day of the last week
    positions: tuple[CashPosition, ...]  # by account, then currency
    currencies: tuple[CashCurrency, ...]  # by currency
    at_risk: tuple[CashAtRisk, ...]  # most days past due first


@dataclass(frozen=True)
class IncomeCurrency(Record):
    """The income statement's totals in one currency, for the period and the one before it."""

    currency: str
    income: Money  # shown positive
    expenses: Money  # shown positive
    net_income: Money  # income - expenses
    income_previous: Money
    expenses_previous: Money
    net_income_previous: Money


@dataclass(frozen=True)
class IncomeInfo(Record):
    """The income statement summary: ``financials income --period <the review period>`` (see docs/financials.md)."""

    period: PeriodInfo  # the review period
    previous: PeriodInfo  # the period beside it, by the financials rule: the previous quarter, month or year, or a year to date's dates a year earlier
    currencies: tuple[IncomeCurrency, ...]  # by currency; none when the ledger has no income or expense in either period


@dataclass(frozen=True)
class FirmReview(Record):
    """The context of ``firm.md.j2`` and ``firm.html.j2``: the owner's view of the whole firm.

    Every active and paused client counts (and any other with revenue or money open),
    whatever PARTY or --manager chose. ``cash`` and ``income`` are the cash and financials
    engines' figures; they are none when the review was built without the ledger's entries
    (the built-in templates then say "not available")."""

    as_of: Date  # the as-of date (--as-of)
    period: PeriodInfo  # the review period, as in the reviews
    start: Date  # first day of the 12 months: the first of the month 11 months before the as-of date's
    end: Date  # the as-of date
    months: tuple[str, ...]  # YYYY-MM of the 12 months, oldest first
    currencies: tuple[FirmCurrency, ...]  # revenue per currency, by currency
    aging_buckets: tuple[str, ...]
    ar_aging: tuple[AgingTotal, ...]  # receivables at the as-of date, per currency
    ap_aging: tuple[AgingTotal, ...]  # payables at the as-of date, per currency
    dso: tuple[DsoTrend, ...]  # receivables' DSO at each month end, per currency
    at_risk: tuple[AtRiskAccount, ...]  # lowest score first, then by id
    cash: CashInfo | None = None  # the cash position at the as-of date and the 13-week forecast
    income: IncomeInfo | None = None  # the income statement of the review period beside the previous period


# --- the client's deck: what the client sees of its own review ---------------------


@dataclass(frozen=True)
class DeckClient(Record):
    """The client, as its own review names it."""

    id: str
    name: str
    manager: str | None  # the account manager, as in the profile
    since: Date | None


@dataclass(frozen=True)
class InvoicedDocument(Record):
    document: str  # the invoice number, as in `open --format json`
    date: Date
    due: Date
    description: str  # the invoice's narration in the ledger
    amount: Money  # as invoiced


@dataclass(frozen=True)
class DeckCurrency(Record):
    """One currency of the client's own figures; amounts in different currencies are never added."""

    currency: str
    fees: Money  # revenue from the client in the period: the internal review's `revenue`
    fees_ytd: Money  # 1 January to the as-of date: the internal review's `revenue_ytd`
    months: tuple[MonthAmount, ...]  # fees in the 12 months up to the end of the period
    open: Money  # open invoices less unapplied credits, as in the internal review
    overdue: Money  # open invoices past due
    credits: Money  # unapplied credits


@dataclass(frozen=True)
class AgreedStep(Record):
    """A next step agreed in an interaction and not done yet (the interaction itself stays internal)."""

    action: str
    due: Date
    owner: str | None  # the step's owner, else who held the interaction, else the manager


@dataclass(frozen=True)
class ContractInfo(Record):
    start: Date | None
    end: Date | None
    renewal: Date | None  # the renewal date the internal review shows
    days_to_renewal: int | None  # from the as-of date; negative once passed
    auto_renew: bool
    notice_days: int | None


@dataclass(frozen=True)
class DeckObjective(Record):
    """An objective of the account plan as the client reads it."""

    what: str
    measure: str | None
    target: str | None  # as the profile writes it
    current: str | None
    due: Date | None
    status: str  # planned, on track, behind plan, done or dropped


@dataclass(frozen=True)
class ClientDeck(Record):
    """The context of ``review-client.md.j2`` and ``review-client.html.j2``: the review a client sees.

    A projection of the client's :class:`ClientReview`, never a second computation: no health
    score, risks, follow-ups, interactions, notes, tags, opportunities or other clients."""

    as_of: Date  # the as-of date (--as-of)
    period: PeriodInfo  # the review period
    client: DeckClient
    #: firm, recipient and remittance, as every client document gets them (docs/documents.md);
    #: the remittance is in the currency of the first open invoice
    letterhead: dict[str, Any]
    goals: tuple[str, ...]  # from the profile
    currencies: tuple[DeckCurrency, ...]  # per currency
    invoiced: tuple[InvoicedDocument, ...]  # invoices dated in the period, by date
    open_documents: tuple[OpenDocument, ...]  # the internal review's open invoices, by due date
    next_steps: tuple[AgreedStep, ...]  # open, earliest due first
    contract: ContractInfo | None  # None when the profile names no contract dates
    #: The account plan's objectives, agreed with the client (from the internal review's);
    #: its stakeholder map and whitespace stay internal
    objectives: tuple[DeckObjective, ...] = ()
    plan_reviewed: Date | None = None  # when the plan was last reviewed with the client


RECORDS: tuple[type[Record], ...] = (
    ClientReview,
    PeriodInfo,
    ClientInfo,
    HealthInfo,
    HealthComponent,
    HealthFlag,
    HealthMonth,
    RelationshipInfo,
    Contact,
    InteractionInfo,
    SentimentCounts,
    MoneyInfo,
    CurrencyFigures,
    MonthAmount,
    AgingAmount,
    OpenDocument,
    SatisfactionInfo,
    NpsCsat,
    SurveyInfo,
    RiskInfo,
    OpportunityInfo,
    RenewalInfo,
    NextStep,
    FollowupInfo,
    Change,
    PlanInfo,
    PlanObjective,
    PlanStakeholder,
    PlanWhitespace,
    ManagerPortfolio,
    AccountRow,
    CurrencyTotals,
    TargetInfo,
    BandCount,
    CurrencyTrend,
    PipelineSummary,
    StageTotal,
    UpcomingRenewal,
    ProspectInfo,
    ReviewIndex,
    IndexClient,
    IndexManager,
    IndexCurrency,
    ManagerAmount,
    BandTally,
)

#: The records of the client's deck (``review --audience client``), documented on their own.
DECK_RECORDS: tuple[type[Record], ...] = (ClientDeck, DeckClient, DeckCurrency, InvoicedDocument, AgreedStep, ContractInfo, DeckObjective)

#: The records of the owner's review (``firm.md`` / ``firm.html``), documented on their own.
FIRM_RECORDS: tuple[type[Record], ...] = (
    FirmReview,
    FirmCurrency,
    ClientShare,
    TopShare,
    GroupRevenue,
    AgingTotal,
    DsoTrend,
    DsoPoint,
    AtRiskAccount,
    CashInfo,
    CashPosition,
    CashCurrency,
    CashWeek,
    CashAtRisk,
    IncomeInfo,
    IncomeCurrency,
)


# --- records from engine results ------------------------------------------------


def period_info(p: Period) -> PeriodInfo:
    """A period as the templates get it."""
    return PeriodInfo(p.label, p.start, p.end, tuple(p.months()), p.to_date)


def health_info(score: HealthScore | None, missing: str = "no health score (not a client)") -> HealthInfo:
    if score is None:
        return HealthInfo(None, "none", "none", missing, (), ())
    components = tuple(HealthComponent(c.name, c.label, c.weight, c.points, c.applies, c.lost, c.reason) for c in score.reasons)
    components += tuple(HealthComponent(c.name, c.label, c.weight, None, False, 0, c.reason) for c in score.components if not c.applies)
    band: Any = score.band
    score_band: Any = score.score_band
    return HealthInfo(score.score, band, score_band, score.summary, components, tuple(HealthFlag(f.code, f.reason) for f in score.red_flags))
