"""Account reviews: the context every review, portfolio and index template gets.

Pure: builds plain data (dicts, lists, Decimals, dates) from the loaded books for
a period and an as-of date; rendering is :mod:`acct_tool.reports`' job. The
shape is documented in ``docs/templates.md`` because users write their own
templates against it; keep the two in step.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from acct_tool import health as health_engine
from acct_tool import relationship as rel
from acct_tool.aging import age
from acct_tool.followups import Followup, followups
from acct_tool.payments import behaviour, dso
from acct_tool.periods import Period
from acct_tool.receivables import ZERO, OpenItems, Side, open_items
from acct_tool.revenue import Attribution, attribute, revenue

if TYPE_CHECKING:
    from acct_tool.books import Books
    from acct_tool.parties import Party

Context = dict[str, Any]
BAND_ORDER = {"red": 0, "amber": 1, "green": 2}


@dataclass(frozen=True)
class ReviewSet:
    """Everything to render: one context per client, per manager, and the index."""

    clients: dict[str, Context]
    portfolios: dict[str, Context]
    index: Context


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


def _period(p: Period) -> Context:
    return {"label": p.label, "start": p.start, "end": p.end, "months": p.months()}


def build(books: Books, period: Period, party_ids: Sequence[str] | None = None, manager: str | None = None) -> ReviewSet:
    """Contexts for the chosen clients (default: all active clients) and their managers."""
    as_of = books.as_of
    items = open_items(books, Side.AR, as_of)
    attribution = attribute(books)
    scores = health_engine.score_all(books, as_of, items=items, attribution=attribution)
    previous = period.previous()
    before = min(previous.end, as_of)
    before_items = open_items(books, Side.AR, before)
    before_scores = health_engine.score_all(books, before, items=before_items, attribution=attribution)
    actions = followups(books, as_of, within=30, items=items)
    paying = behaviour(items)
    dsos = dso(items)

    if party_ids:
        chosen = [books.parties[p] for p in party_ids]
    else:
        chosen = [p for p in books.parties.values() if p.is_client and p.status == "active"]
    if manager is not None:
        chosen = [p for p in chosen if p.manager == manager]

    actions_of: dict[str, list[Followup]] = defaultdict(list)
    for f in actions.items:
        actions_of[f.party].append(f)
    clients: dict[str, Context] = {}
    for party in chosen:
        clients[party.id] = client_context(
            books, party, period, previous, items, before_items, attribution, scores.get(party.id), before_scores.get(party.id),
            actions_of.get(party.id, []), paying.get(party.id), dsos.get(party.id, {}),
        )
    portfolios: dict[str, Context] = {}
    for name in sorted({c["client"]["manager"] or "unassigned" for c in clients.values()}):
        members = [c for c in clients.values() if (c["client"]["manager"] or "unassigned") == name]
        portfolios[name] = portfolio_context(name, members, period, as_of)
    index = {
        "as_of": as_of,
        "period": _period(period),
        "clients": [{"id": c["client"]["id"], "name": c["client"]["name"], "manager": c["client"]["manager"], "health": c["health"]} for c in sorted(clients.values(), key=_risk_order)],
        "managers": [{"name": name, "accounts": len(p["accounts"]), "at_risk": len(p["at_risk"])} for name, p in portfolios.items()],
    }
    return ReviewSet(clients, portfolios, index)


def _risk_order(c: Context) -> tuple[int, int, str]:
    h = c["health"]
    return (BAND_ORDER.get(h["band"], 3), h["score"] if h["score"] is not None else 101, c["client"]["id"])


def _health(score: health_engine.HealthScore | None) -> Context:
    if score is None:
        return {"score": None, "band": "none", "summary": "no health score (not a client)", "components": [], "red_flags": []}
    return {
        "score": score.score,
        "band": score.band,
        "score_band": score.score_band,
        "summary": score.summary,
        "components": [
            {"name": c.name, "label": c.label, "weight": c.weight, "points": c.points, "applies": c.applies, "lost": c.lost, "reason": c.reason}
            for c in score.reasons
        ]
        + [{"name": c.name, "label": c.label, "weight": c.weight, "points": None, "applies": False, "lost": 0, "reason": c.reason} for c in score.components if not c.applies],
        "red_flags": [{"code": f.code, "reason": f.reason} for f in score.red_flags],
    }


def client_context(
    books: Books,
    party: Party,
    period: Period,
    previous: Period,
    items: OpenItems,
    before_items: OpenItems,
    attribution: Attribution,
    score: health_engine.HealthScore | None,
    before_score: health_engine.HealthScore | None,
    actions: Sequence[Followup],
    paying: Any,
    party_dso: dict[str, Any],
) -> Context:
    as_of = books.as_of
    end = min(period.end, as_of)
    postings = attribution.of(party.id)
    now_rev = revenue(postings, party.id, period.start, end)
    prev_rev = revenue(postings, party.id, previous.start, previous.end)
    ytd = revenue(postings, party.id, datetime.date(as_of.year, 1, 1), as_of)
    first = _months_back(end, 11)
    trailing = revenue(postings, party.id, first, end)
    docs = items.open_documents(party.id)
    party_items = OpenItems(Side.AR, as_of, tuple(docs), tuple(items.unapplied_credits(party.id)), (), ())
    aging = age(party_items, books.settings.aging_limits)

    currencies = sorted({m.currency for m in now_rev.totals} | {m.currency for m in prev_rev.totals} | {d.currency for d in docs} | set(aging.tables))
    limit = party.terms.credit_limit
    money = []
    for cur in currencies:
        rev, rev_prev = now_rev.total(cur), prev_rev.total(cur)
        target = party.revenue_targets.get(as_of.year)
        target_amount = target.number if target is not None and target.currency == cur else None
        open_total = sum((d.open for d in docs if d.currency == cur), ZERO)
        overdue = sum((d.open for d in docs if d.currency == cur and d.days_past_due(as_of) > 0), ZERO)
        credits = sum((c.unapplied for c in party_items.credits if c.currency == cur), ZERO)
        buckets = aging.totals(cur).buckets if cur in aging.tables else {b: ZERO for b in aging.labels}
        period_months = set(period.months())
        months = [{"month": m.month, "amount": m.amount, "in_period": m.month in period_months} for m in trailing.months if m.currency == cur]
        ytd_amount = ytd.total(cur)
        limit_amount = limit.number if limit is not None and limit.currency == cur else None
        d = party_dso.get(cur)
        money.append(
            {
                "currency": cur,
                "revenue": rev,
                "revenue_previous": rev_prev,
                "revenue_change_pct": _change(rev, rev_prev),
                "revenue_ytd": ytd_amount,
                "target": target_amount,
                "target_pct": _pct(ytd_amount, target_amount) if target_amount else None,
                "months": months,
                "open": open_total,
                "overdue": overdue,
                "credits": credits,
                "aging": [{"bucket": b, "amount": buckets[b]} for b in aging.labels],
                "credit_limit": limit_amount,
                "credit_use_pct": _pct(open_total - credits, limit_amount) if limit_amount else None,
                "dso": d.days if d is not None else None,
            }
        )
    fresh = rel.freshness(party, as_of, books.settings.cadence)
    talks = [i for i in party.interactions if period.start <= i.date <= end]
    sentiments = {s: sum(1 for i in talks if i.sentiment == s) for s in ("positive", "neutral", "negative")}
    makers = rel.decision_makers(party)
    sat = rel.satisfaction_trend(party, as_of)
    surveys = [s for s in party.satisfaction if s.date <= as_of]
    renewal = rel.renewal(party, as_of)
    risks = sorted(party.risks, key=lambda r: (not rel.is_open_risk(r, as_of), r.opened))
    steps = rel.open_next_steps(party, as_of)
    return {
        "as_of": as_of,
        "period": _period(period),
        "previous": _period(previous),
        "client": {
            "id": party.id,
            "name": party.name,
            "kind": party.kind,
            "status": party.status,
            "tier": party.tier,
            "manager": party.manager,
            "industry": party.industry,
            "website": party.website,
            "since": party.since,
        },
        "health": _health(score),
        "health_previous": _health(before_score),
        "goals": list(party.goals),
        "relationship": {
            "contacts": [
                {"name": c.name, "role": c.role, "email": c.email, "phone": c.phone, "decision_maker": c.decision_maker, "primary": c.primary, "billing": c.billing}
                for c in party.contacts
            ],
            "decision_makers": [c.name for c in makers],
            "has_decision_maker": bool(makers),
            "cadence_days": fresh.cadence,
            "last_contact": fresh.last_date,
            "days_since_contact": fresh.days_since,
            "checkin_due": fresh.due,
            "checkin_overdue": (fresh.days_overdue or 0) > 0,
            "interactions": [
                {"date": i.date, "channel": i.channel, "with": list(i.with_), "by": i.by, "summary": i.summary, "sentiment": i.sentiment}
                for i in sorted(talks, key=lambda i: i.date, reverse=True)
            ],
            "sentiment": sentiments,
        },
        "money": {
            "currencies": money,
            "days_to_pay": paying.average_days_to_pay if paying else None,
            "days_late": paying.average_days_late if paying else None,
            "payment_trend": paying.trend if paying else None,
            "open_documents": [
                {"number": d.ref, "date": d.date, "due": d.due, "currency": d.currency, "amount": d.amount, "open": d.open, "days_past_due": d.days_past_due(as_of)}
                for d in sorted(docs, key=lambda d: (d.due, d.ref))
            ],
            "aging_buckets": list(aging.labels),
        },
        "satisfaction": {
            "surveys": [{"date": s.date, "nps": s.nps, "csat": s.csat, "comment": s.comment} for s in sorted(surveys, key=lambda s: s.date)],
            "latest_nps": sat.latest.nps if sat.latest else None,
            "previous_nps": sat.previous.nps if sat.previous else None,
            "trend": sat.direction,
        },
        "risks": [
            {"opened": r.opened, "summary": r.summary, "severity": r.severity, "plan": r.plan, "owner": r.owner, "status": r.status if rel.is_open_risk(r, as_of) else (r.status if r.status != "open" else "closed"), "open": rel.is_open_risk(r, as_of)}
            for r in risks
        ],
        "opportunities": [
            {"name": o.name, "value": o.value.number if o.value else None, "currency": o.value.currency if o.value else None, "stage": o.stage, "close": o.close, "type": o.type, "probability": o.probability}
            for o in party.opportunities
        ],
        "renewal": None
        if renewal is None
        else {"date": renewal.date, "days": renewal.days, "auto_renew": renewal.auto_renew, "opportunity": renewal.opportunity.name if renewal.opportunity else None, "needs_opportunity": renewal.needs_opportunity},
        "next_steps": [
            {"action": s.action, "due": s.due, "owner": s.owner or party.manager, "overdue": s.days_overdue(as_of) > 0, "days_overdue": s.days_overdue(as_of)}
            for s in steps
        ],
        "followups": [
            {"kind": f.kind, "due": f.due, "owner": f.owner, "status": f.status, "message": f.message, "days_overdue": f.days_overdue}
            for f in actions
        ],
        "changes": _changes(party, period, previous, money, score, before_score, sat, as_of),
    }


def _changes(party: Party, period: Period, previous: Period, money: Iterable[Context], score: Any, before: Any, sat: Any, as_of: datetime.date) -> list[str]:
    """What changed since the previous period, in sentences a manager reads."""
    out = []
    if score is not None and before is not None and (score.score != before.score or score.band != before.band):
        direction = "rose" if score.score > before.score else "fell" if score.score < before.score else "stayed"
        out.append(f"Health {direction} from {before.score} ({before.band}) to {score.score} ({score.band}).")
    for m in money:
        if m["revenue"] != m["revenue_previous"]:
            change = m["revenue_change_pct"]
            how = f" ({'+' if change > 0 else ''}{change}%)" if change is not None else ""
            out.append(f"Revenue {m['revenue']:,.2f} {m['currency']} in {period.label}, against {m['revenue_previous']:,.2f} in {previous.label}{how}.")
    end = min(period.end, as_of)
    for r in party.risks:
        if period.start <= r.opened <= end:
            out.append(f"New risk ({r.severity}): {r.summary}.")
        if r.closed and period.start <= r.closed <= end:
            out.append(f"Risk {r.status}: {r.summary}.")
    for s in party.satisfaction:
        if period.start <= s.date <= end and s.nps is not None and sat.previous is not None and sat.latest is s and sat.previous.nps is not None:
            out.append(f"NPS {s.nps}, from {sat.previous.nps} in the survey of {sat.previous.date}.")
    for o in party.opportunities:
        if o.close and period.start <= o.close <= end and o.stage in ("won", "lost"):
            out.append(f"Opportunity {o.stage}: {o.name}.")
    return out or ["No notable changes since the previous period."]


def portfolio_context(manager: str, members: Sequence[Context], period: Period, as_of: datetime.date) -> Context:
    accounts = sorted(members, key=_risk_order)
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: {"revenue": ZERO, "revenue_previous": ZERO, "open": ZERO, "overdue": ZERO})
    for c in accounts:
        for m in c["money"]["currencies"]:
            t = totals[m["currency"]]
            for key in t:
                t[key] += m[key]
    nps = [c["satisfaction"]["latest_nps"] for c in accounts if c["satisfaction"]["latest_nps"] is not None]
    to_pay = [c["money"]["days_to_pay"] for c in accounts if c["money"]["days_to_pay"] is not None]
    rows = []
    for c in accounts:
        step = c["next_steps"][0] if c["next_steps"] else None
        rows.append(
            {
                "id": c["client"]["id"],
                "name": c["client"]["name"],
                "tier": c["client"]["tier"],
                "health": c["health"],
                "money": c["money"]["currencies"],
                "days_to_pay": c["money"]["days_to_pay"],
                "latest_nps": c["satisfaction"]["latest_nps"],
                "days_since_contact": c["relationship"]["days_since_contact"],
                "next_step": step,
            }
        )
    return {
        "manager": manager,
        "as_of": as_of,
        "period": _period(period),
        "accounts": rows,
        "at_risk": [r for r in rows if r["health"]["band"] == "red"],
        "totals": [{"currency": cur, **vals} for cur, vals in sorted(totals.items())],
        "average_nps": (Decimal(sum(nps)) / len(nps)).quantize(Decimal("0.1")) if nps else None,
        "average_days_to_pay": (sum(to_pay, Decimal(0)) / len(to_pay)).quantize(Decimal("0.1")) if to_pay else None,
    }
