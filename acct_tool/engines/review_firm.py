"""The owner's review of the whole firm (``firm.md`` / ``firm.html``): its records built
from :mod:`acct_tool.engines.concentration` (revenue, concentration, aging, DSO, accounts at
risk), :mod:`acct_tool.engines.cash` (position and forecast) and
:mod:`acct_tool.engines.financials` (the income statement beside the previous period).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from acct_tool.engines import cash as cash_engine
from acct_tool.engines import concentration as firm_engine
from acct_tool.engines import financials
from acct_tool.engines import portfolio as engine
from acct_tool.engines.aging import bucket_labels
from acct_tool.engines.items_at import ItemsAt
from acct_tool.engines.receivables import ZERO, Side, open_items
from acct_tool.engines.review_records import (
    AtRiskAccount,
    CashAtRisk,
    CashCurrency,
    CashInfo,
    CashPosition,
    CashWeek,
    FirmReview,
    IncomeCurrency,
    IncomeInfo,
    health_info,
    period_info,
)
from acct_tool.money import Money

if TYPE_CHECKING:
    from acct_tool.books.cash_facts import CashFacts
    from acct_tool.engines.receivables import OpenItems
    from acct_tool.periods import Period


@dataclass(frozen=True)
class FirmLedger:
    """What the owner's review reads from the ledger's entries, beyond the open items: the
    cash accounts' facts (as ``acct-tool cash`` draws them) and Beancount's balances (as
    ``acct-tool financials`` draws them)."""

    cash: CashFacts
    balances: financials.MovementSource


def firm_review(
    ctx: engine.Context,
    period: Period,
    ledger: Callable[[Period], FirmLedger] | None = None,
    receivables_at: ItemsAt | None = None,
    payables_now: Callable[[], OpenItems] | None = None,
) -> FirmReview:
    """The whole firm over the 12 months to the as-of date, from :mod:`acct_tool.engines.concentration`;
    accounts at risk carry the health their own reviews show. With ``ledger``, the cash
    position and forecast of :func:`acct_tool.engines.cash.forecast` (as ``acct-tool cash``
    with its default weeks) and the income statement of
    :func:`acct_tool.engines.financials.income_statement` for ``period``. ``payables_now`` gives
    the payables at the as-of date when the caller has them."""
    as_of = ctx.as_of
    start = firm_engine.window_start(as_of)
    payables = payables_now() if payables_now is not None else open_items(ctx.postings, ctx.parties, ctx.settings, Side.AP, as_of, ctx.precisions)
    limits = ctx.settings.aging_limits
    cash: CashInfo | None = None
    income: IncomeInfo | None = None
    if ledger is not None:
        drawn = ledger(period)
        settings = ctx.settings
        result = cash_engine.forecast(
            drawn.cash, ctx.items, payables, settings.cash.recurring, as_of, levels=settings.collection_levels, floor=settings.cash.floor
        )
        cash = cash_info(result)
        income = income_info(financials.income_statement(drawn.balances, period), period)
    return FirmReview(
        as_of=as_of,
        period=period_info(period),
        start=start,
        end=as_of,
        months=tuple(m for m, _ in firm_engine.month_ends(start, as_of)),
        currencies=firm_engine.revenue_by_currency(ctx, start, as_of, period.months()),
        aging_buckets=tuple(bucket_labels(limits)),
        ar_aging=firm_engine.aging_totals(ctx.items, limits),
        ap_aging=firm_engine.aging_totals(payables, limits),
        dso=firm_engine.dso_trend(ctx, start, items_at=receivables_at),
        at_risk=tuple(
            AtRiskAccount(r.party.id, r.party.name, r.party.manager, r.party.tier, health_info(r.health), r.revenue, r.open, r.overdue)
            for r in firm_engine.at_risk(ctx, start)
        ),
        cash=cash,
        income=income,
    )


def cash_info(result: cash_engine.Forecast) -> CashInfo:
    """The forecast's own figures as the firm page's records (nothing recomputed but the
    at-risk invoices' total per currency)."""
    positions = tuple(
        CashPosition(
            p.account,
            p.currency,
            Money(p.balance, p.currency),
            p.last_assertion.date if p.last_assertion else None,
            Money(p.last_assertion.number, p.last_assertion.currency) if p.last_assertion else None,
            p.last_statement.end if p.last_statement else None,
            p.last_statement.file if p.last_statement else None,
        )
        for p in result.positions
    )
    currencies = []
    for c in result.currencies:
        cur = c.currency
        weeks = tuple(
            CashWeek(
                w.number,
                w.start,
                w.end,
                Money(w.opening, cur),
                Money(w.receipts, cur),
                Money(w.payments, cur),
                Money(w.recurring, cur),
                Money(w.closing, cur),
                c.floor is not None and w.closing < c.floor,
            )
            for w in c.weeks
        )
        marked = c.floor_week
        risky = sum((r.document.open for r in result.at_risk if r.document.currency == cur), ZERO)
        currencies.append(
            CashCurrency(
                cur,
                Money(c.opening, cur),
                weeks[-1].closing if weeks else Money(c.opening, cur),
                weeks,
                Money(c.floor, cur) if c.floor is not None else None,
                weeks[marked.number - 1] if marked is not None else None,
                Money(risky, cur),
            )
        )
    at_risk = tuple(
        CashAtRisk(r.document.number or r.document.ref, r.document.party, r.document.due, r.days_past_due, Money(r.document.open, r.document.currency))
        for r in result.at_risk
    )
    return CashInfo(result.as_of, result.start, result.end, positions, tuple(currencies), at_risk)


def income_info(statement: financials.Statement, period: Period) -> IncomeInfo:
    """The income statement's totals: its ``period`` column and the previous period's beside it."""
    previous = financials.previous_period(period)
    rows = []
    for c in statement.currencies:
        cur = c.currency
        income, expenses = c.section("Income").total, c.section("Expenses").total
        rows.append(
            IncomeCurrency(
                cur,
                Money(income[0], cur),
                Money(expenses[0], cur),
                Money(c.result[0], cur),
                Money(income[-1], cur),
                Money(expenses[-1], cur),
                Money(c.result[-1], cur),
            )
        )
    return IncomeInfo(period_info(period), period_info(previous), tuple(rows))
