"""Views of clients: the list and one client in full (the pieces they share with the
portfolio are in :mod:`acct_tool.render.client_parts`; the portfolio is
:mod:`acct_tool.render.portfolio`)."""

from __future__ import annotations

import datetime
import textwrap
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from acct_tool.engines import plans
from acct_tool.engines.health import HealthPoint
from acct_tool.engines.portfolio import ClientDetail, ClientSummary
from acct_tool.engines.receivables import Document
from acct_tool.engines.relationship import Csat, NetPromoter, SatisfactionFigures, plural
from acct_tool.engines.revenue import Revenue
from acct_tool.money import Money, Precisions, format_money
from acct_tool.render.client_parts import health_json as health_json
from acct_tool.render.client_parts import health_lines as health_lines
from acct_tool.render.client_parts import money_csv as money_csv
from acct_tool.render.client_parts import money_json as money_json
from acct_tool.render.client_parts import money_text as money_text
from acct_tool.render.followups import when
from acct_tool.render.table import output_width, render, to_csv, to_json
from acct_tool.render.text_safety import for_terminal, visible

# --- clients list -------------------------------------------------------------

LIST_HEADERS = ["id", "name", "tier", "manager", "status", "open", "overdue", "last contact", "next step", "health", "band"]
CSV_HEADERS = [
    "id", "name", "kind", "tier", "manager", "status", "open", "overdue",
    "last_contact", "days_since_contact", "next_step_due", "next_step", "health_score", "health_band", "red_flags",
]  # fmt: skip


def _short(text: str, width: int = 26) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@for_terminal
def list_table(rows: Sequence[ClientSummary], as_of: str, precisions: Precisions | None = None) -> str:
    head = f"Clients as of {as_of}\n\n"
    if not rows:
        return head + "no parties match\n"
    body = []
    for r in rows:
        contact = f"{r.days_since_contact}d ago" if r.days_since_contact is not None else "never"
        body.append(
            [
                r.id,
                _short(r.name),
                r.tier if r.kind != "vendor" else "vendor",
                r.manager or "",
                r.status,
                money_text(r.open, precisions=precisions),
                money_text(r.overdue, precisions=precisions),
                contact,
                r.next_step.due if r.next_step else "",
                r.health.score if r.health else "",
                (r.health.band + ("!" if r.health.red_flags else "")) if r.health else "",
            ]
        )
    note = "\n! red flag: the band is red whatever the score (see `acct-tool clients show ID`)\n" if any(r.health and r.health.red_flags for r in rows) else ""
    return head + render(LIST_HEADERS, body, right=[5, 6, 9], shrink=[1]) + note


def list_csv(rows: Sequence[ClientSummary], precisions: Precisions | None = None) -> str:
    body = [
        [
            r.id,
            r.name,
            r.kind,
            r.tier,
            r.manager,
            r.status,
            money_csv(r.open, precisions),
            money_csv(r.overdue, precisions),
            r.last_contact,
            r.days_since_contact,
            r.next_step.due if r.next_step else None,
            r.next_step.action if r.next_step else None,
            r.health.score if r.health else None,
            r.health.band if r.health else None,
            "; ".join(f.code for f in r.health.red_flags) if r.health else None,
        ]
        for r in rows
    ]
    return to_csv(CSV_HEADERS, body)


def summary_json(r: ClientSummary) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "kind": r.kind,
        "tier": r.tier,
        "manager": r.manager,
        "status": r.status,
        "open": money_json(r.open),
        "overdue": money_json(r.overdue),
        "last_contact": r.last_contact,
        "days_since_contact": r.days_since_contact,
        "next_step": {"action": r.next_step.action, "due": r.next_step.due, "owner": r.next_step.owner} if r.next_step else None,
        "health": health_json(r.health),
    }


def list_json(rows: Sequence[ClientSummary], as_of: str, precisions: Precisions | None = None) -> str:
    return to_json({"as_of": as_of, "clients": [summary_json(r) for r in rows]}, precisions)


# --- clients show -------------------------------------------------------------

RECENT = 6


def _wrap(text: str, indent: str, more: str = "  ") -> list[str]:
    width = min(100, output_width() or 100)  # a terminal narrower than 100 columns gets its own width
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent + more) or [indent]


def _revenue_line(label: str, rev: Revenue, target: Money | None, precisions: Precisions | None = None) -> str:
    text = f"  {label}: {money_text(rev.totals, '0.00', precisions)}"
    if target is not None:
        got = rev.total(target.currency)
        share = f", {(got * 100 / target.number).quantize(Decimal(1))}%" if target.number else ""
        text += f" (target {format_money(target, precisions)}{share})"
    return text


@for_terminal
def show_text(
    d: ClientDetail, precisions: Precisions | None = None, survey: SatisfactionFigures | None = None, history: Sequence[HealthPoint] | None = None
) -> str:
    p, s, as_of = d.party, d.summary, d.as_of
    out = [f"{visible(p.name)} ({p.id})"]
    facts = [p.kind, p.tier if p.is_client else None, p.status, f"manager {p.manager}" if p.manager else "no manager", f"since {p.since}" if p.since else None]
    out.append(" · ".join(f for f in facts if f))
    extra = [visible(x) for x in (p.industry, p.website) if x]
    if extra:
        out.append(" · ".join(extra))
    terms = []
    if p.terms.payment_days is not None:
        terms.append(f"pays in {p.terms.payment_days} days")
    if p.terms.credit_limit:
        terms.append(f"credit limit {format_money(p.terms.credit_limit, precisions)}")
    c = p.contract
    if c.start or c.end or c.value:
        span = f"{c.start or '?'} to {c.end or 'open-ended'}"
        terms.append(f"contract {span}" + (f", {format_money(c.value, precisions)}" if c.value else ""))
    if terms:
        out.append("Terms: " + "; ".join(terms))
    out.append(f"As of {as_of}")

    if d.health is not None:
        out += ["", *health_lines(d.health)]
    if history is not None:
        out += ["", *history_lines(history)]

    out += ["", "Follow-ups"]
    if d.followups:
        out += [f"  {when(f):<18} {f.kind:<15} {visible(f.message)}" for f in d.followups if f.days_overdue is None or f.days_overdue >= -14]
    else:
        out.append("  none")

    out += ["", "Contacts"]
    if p.contacts:
        rows = []
        for ct in p.contacts:
            roles = [r for r, on in (("decision maker", ct.decision_maker), ("primary", ct.primary), ("billing", ct.billing)) if on]
            rows.append([ct.name, ct.role or "", ", ".join(roles), ct.email or "", ct.phone or ""])
        out += ["  " + line for line in render(["name", "role", "", "email", "phone"], rows, margin=2).splitlines()]
    else:
        out.append("  none")
    if p.is_client and not any(ct.decision_maker for ct in p.contacts):
        out.append("  no decision maker among the contacts")

    fresh = d.freshness
    since = f", {plural(fresh.days_since or 0, 'day')} ago" if fresh.last else ""
    cadence = f"; every {fresh.cadence} days for {p.tier}" if fresh.last and p.is_client else ""
    out += ["", f"Interactions (last contact {fresh.last_date or 'never'}{since}{cadence})"]
    for i in d.interactions[:RECENT]:
        people = f" with {', '.join(i.with_)}" if i.with_ else ""
        mood = f" [{i.sentiment}]" if i.sentiment else ""
        out += _wrap(f"{i.date} {i.channel}{people}{mood}: {i.summary}", "  ", "    ")
        if i.next_step is not None:
            step = i.next_step
            state = "done" if step.done else when_step(step.due, as_of)
            out.append(f"      next step: {visible(step.action)}, due {step.due} ({state})")
    if len(d.interactions) > RECENT:
        out.append(f"  ... and {len(d.interactions) - RECENT} earlier")
    if not d.interactions:
        out.append("  none on record")

    out += ["", "Open risks"]
    for r in d.risks:
        owner = f", owner {r.owner}" if r.owner else ""
        out += _wrap(f"{r.opened} {r.severity}{owner}: {r.summary}", "  ")
        out += _wrap(f"plan: {r.plan}" if r.plan and r.plan.strip() else "plan: NONE - write a remediation plan", "      ", "      ")
    if not d.risks:
        out.append("  none")

    if plans.has_plan(p):
        out += ["", *plan_lines(plans.progress(p.plan, as_of), precisions)]

    out += ["", "Opportunities"]
    for o in d.opportunities:
        value = format_money(o.value, precisions) if o.value else "no value"
        chance = f", {o.probability}%" if o.probability is not None else ""
        close = f", close {o.close}" if o.close else ""
        out.append(f"  {visible(o.name)}: {o.type}, {o.stage}, {value}{chance}{close}")
    if not d.opportunities:
        out.append("  none")

    out += ["", "Renewal"]
    rn = d.renewal
    if rn is None:
        out.append("  no renewal date in the contract")
    else:
        away = f"in {plural(rn.days, 'day')}" if rn.days >= 0 else f"{plural(-rn.days, 'day')} ago"
        auto = "renews automatically" if rn.auto_renew else "no automatic renewal"
        notice = f", {p.contract.notice_days} days notice" if p.contract.notice_days is not None else ""
        opp = f"renewal opportunity '{visible(rn.opportunity.name)}' at {rn.opportunity.stage}" if rn.opportunity else "no renewal opportunity open"
        out.append(f"  {rn.date} ({away}); {auto}{notice}; {opp}")

    out += ["", "Money"]
    year = as_of.year
    if p.is_client:
        out.append(_revenue_line(f"Revenue {year} to {as_of}", d.revenue_this_year, p.revenue_targets.get(year), precisions))
        out.append(_revenue_line(f"Revenue {year - 1}", d.revenue_last_year, p.revenue_targets.get(year - 1), precisions))
        out.append(f"  Open: {money_text(s.open, 'nothing', precisions)}; overdue: {money_text(s.overdue, 'nothing', precisions)}")
        out += _documents(d.open_documents, as_of, precisions)
    if p.is_vendor:
        bills: dict[str, Decimal] = {}
        for bill in d.open_bills:
            bills[bill.currency] = bills.get(bill.currency, Decimal(0)) + bill.open
        out.append(f"  Open bills: {money_text((Money(v, c) for c, v in sorted(bills.items())), 'nothing', precisions)}")
        out += _documents(d.open_bills, as_of, precisions)
    pay = d.paying
    if pay is not None and pay.average_days_to_pay is not None:
        trend = f"; trend {pay.trend}" if pay.trend else ""
        late = pay.average_days_late or Decimal(0)
        lateness = f"{abs(late)} days early" if late < 0 else f"{late} days late" if late > 0 else "on the due date"
        out.append(f"  Pays in {pay.average_days_to_pay} days on average ({lateness}, {plural(len(pay.paid), 'paid invoice')}){trend}")
    sat = d.satisfaction
    if sat.latest is not None or (survey is not None and (survey.nps.responses or survey.csat.responses)):
        out += ["", "Satisfaction"]
        if survey is not None:
            out.append(f"  {satisfaction_line(survey)}")
    if sat.latest is not None:
        scores = ", ".join(
            x
            for x in (
                f"latest NPS response {sat.latest.nps}" if sat.latest.nps is not None else "",
                f"CSAT {sat.latest.csat}" if sat.latest.csat is not None else "",
            )
            if x
        )
        trend = f", {sat.direction}" if sat.direction else ""
        out.append(f"  {sat.latest.date}: {scores}{trend}" + (f' - "{visible(sat.latest.comment)}"' if sat.latest.comment else ""))
    return "\n".join(out) + "\n"


def plan_lines(plan: plans.Progress, precisions: Precisions | None = None) -> list[str]:
    """The account plan: review date, objectives done out of total, each objective, the
    stakeholder map and the whitespace."""
    reviewed = f"reviewed {plan.reviewed}" if plan.reviewed else "never reviewed with the client"
    state = "current" if plan.current else "not current: review it with the client"
    out = [f"Account plan ({reviewed}; {state})", f"  Objectives: {plan.done} of {plan.total} done"]
    for o in plan.objectives:
        ob = o.objective
        due = f", due {ob.due}" if ob.due else ""
        late = " OVERDUE" if o.overdue else ""
        out += _wrap(f"[{ob.status}{late}] {visible(ob.what)}{due}", "    ", "      ")
        target, current = plans.progress_value(ob.target), plans.progress_value(ob.current)
        if ob.measure or target is not None or current is not None:
            measure = f"{visible(ob.measure)}: " if ob.measure else ""
            value = visible(f"{current if current is not None else '?'} of {target}" if target is not None else f"{current}")
            owner = f" (owner {ob.owner})" if ob.owner else ""
            out += _wrap(f"{measure}{value}{owner}", "      ", "      ")
    if plan.stakeholders:
        out.append("  Stakeholders" + ("" if plan.has_sponsor else " (no sponsor)"))
        rows = [[visible(s.name), s.influence, s.stance] for s in plan.stakeholders]
        out += ["    " + line for line in render(["name", "influence", "stance"], rows, margin=2).splitlines()]
    if plan.whitespace:
        out.append(f"  Whitespace: {money_text(plan.whitespace_total.values(), 'no estimate', precisions)}")
        for w in plan.whitespace:
            estimate = f": {format_money(w.estimate, precisions)}" if w.estimate else ""
            notes = f" - {visible(w.notes)}" if w.notes else ""
            out += _wrap(f"{visible(w.service)}{estimate}{notes}", "    ", "      ")
    return out


def plan_json(plan: plans.Progress) -> dict[str, Any]:
    return {
        "reviewed": plan.reviewed,
        "current": plan.current,
        "objectives_done": plan.done,
        "objectives_total": plan.total,
        "objectives": [
            {
                "what": o.objective.what,
                "measure": o.objective.measure,
                "target": plans.progress_value(o.objective.target),
                "current": plans.progress_value(o.objective.current),
                "due": o.objective.due,
                "status": o.objective.status,
                "owner": o.objective.owner,
                "overdue": o.overdue,
            }
            for o in plan.objectives
        ],
        "stakeholders": [{"name": s.name, "influence": s.influence, "stance": s.stance} for s in plan.stakeholders],
        "has_sponsor": plan.has_sponsor,
        "whitespace": [{"service": w.service, "estimate": w.estimate, "notes": w.notes} for w in plan.whitespace],
        "whitespace_total": list(plan.whitespace_total.values()),
    }


def nps_text(nps: NetPromoter) -> str:
    """``NPS +20.0 (5 responses: 2 promoters, 1 passive, 2 detractors)``."""
    if nps.score is None:
        return "NPS – (no response)"
    sign = "+" if nps.score > 0 else ""
    counts = f"{plural(nps.promoters, 'promoter')}, {plural(nps.passives, 'passive')}, {plural(nps.detractors, 'detractor')}"
    return f"NPS {sign}{nps.score} ({plural(nps.responses, 'response')}: {counts})"


def csat_text(found: Csat) -> str:
    return f"CSAT {found.average} ({plural(found.responses, 'response')})" if found.average is not None else "CSAT – (no response)"


def satisfaction_line(survey: SatisfactionFigures) -> str:
    return f"{survey.start} to {survey.end}: {nps_text(survey.nps)}; {csat_text(survey.csat)}"


def history_lines(history: Sequence[HealthPoint]) -> list[str]:
    """The health at each month end, oldest first, with the main reason of each change."""
    out = [f"Health history (month ends; {history[-1].date} for {history[-1].month})" if history else "Health history"]
    rows = []
    for p in history:
        change = "" if p.change is None else f"{p.change:+d}"
        nps = p.satisfaction.nps.score
        rows.append(
            [
                p.month,
                p.score if p.score is not None else "–",
                p.band,
                change,
                ("+" if nps is not None and nps > 0 else "") + str(nps) if nps is not None else "–",
                p.satisfaction.csat.average if p.satisfaction.csat.average is not None else "–",
                _short(p.reason, 70),
            ]
        )
    out += [
        "  " + line
        for line in render(["month", "score", "band", "change", "NPS 12m", "CSAT 12m", "main reason"], rows, right=[1, 3, 4, 5], margin=2).splitlines()
    ]
    return out


def nps_json(nps: NetPromoter) -> dict[str, Any]:
    return {"score": nps.score, "responses": nps.responses, "promoters": nps.promoters, "passives": nps.passives, "detractors": nps.detractors}


def satisfaction_json(survey: SatisfactionFigures) -> dict[str, Any]:
    return {
        "from": survey.start,
        "to": survey.end,
        "nps": nps_json(survey.nps),
        "csat": {"average": survey.csat.average, "responses": survey.csat.responses},
    }


def history_json(history: Sequence[HealthPoint]) -> list[dict[str, Any]]:
    return [
        {
            "month": p.month,
            "date": p.date,
            "score": p.score,
            "band": p.band,
            "change": p.change,
            "reason": p.reason,
            "red_flags": [f.code for f in p.health.red_flags] if p.health else [],
            "satisfaction": satisfaction_json(p.satisfaction),
        }
        for p in history
    ]


def _documents(documents: Iterable[Document], as_of: datetime.date, precisions: Precisions | None = None) -> list[str]:
    out = []
    for doc in documents:
        days = doc.days_past_due(as_of)
        state = f"{plural(days, 'day')} past due" if days > 0 else "due today" if days == 0 else f"due {doc.due}"
        out.append(f"    {doc.ref:<14} {format_money(Money(doc.open, doc.currency), precisions):>16}  {state}")
    return out


def when_step(due: datetime.date, as_of: datetime.date) -> str:
    days = (as_of - due).days
    return f"{plural(days, 'day')} overdue" if days > 0 else "due today" if days == 0 else f"in {plural(-days, 'day')}"


def show_json(
    d: ClientDetail, precisions: Precisions | None = None, survey: SatisfactionFigures | None = None, history: Sequence[HealthPoint] | None = None
) -> str:
    p = d.party
    extra: dict[str, Any] = {}
    if survey is not None:
        extra["satisfaction"] = satisfaction_json(survey)
    if history is not None:
        extra["health_history"] = history_json(history)
    if plans.has_plan(p):
        extra["plan"] = plan_json(plans.progress(p.plan, d.as_of))
    return to_json(
        {
            "as_of": d.as_of,
            "client": summary_json(d.summary),
            "contacts": [
                {
                    "name": c.name,
                    "role": c.role,
                    "email": c.email,
                    "phone": c.phone,
                    "decision_maker": c.decision_maker,
                    "primary": c.primary,
                    "billing": c.billing,
                }
                for c in p.contacts
            ],
            "interactions": [
                {"date": i.date, "channel": i.channel, "with": list(i.with_), "by": i.by, "summary": i.summary, "sentiment": i.sentiment}
                for i in d.interactions
            ],
            "next_steps": [{"action": s.action, "due": s.due, "owner": s.owner, "days_overdue": s.days_overdue(d.as_of)} for s in d.next_steps],
            "open_risks": [{"opened": r.opened, "severity": r.severity, "summary": r.summary, "plan": r.plan, "owner": r.owner} for r in d.risks],
            "opportunities": [
                {"name": o.name, "type": o.type, "stage": o.stage, "value": o.value, "close": o.close, "probability": o.probability} for o in d.opportunities
            ],
            "renewal": None
            if d.renewal is None
            else {
                "date": d.renewal.date,
                "days": d.renewal.days,
                "auto_renew": d.renewal.auto_renew,
                "opportunity": d.renewal.opportunity.name if d.renewal.opportunity else None,
            },
            "revenue": {
                "this_year": money_json(d.revenue_this_year.totals),
                "last_year": money_json(d.revenue_last_year.totals),
                "months": [{"month": m.month, "amount": Money(m.amount, m.currency)} for m in d.revenue_this_year.months],
            },
            "days_to_pay": d.paying.average_days_to_pay if d.paying else None,
            "followups": [{"kind": f.kind, "status": f.status, "due": f.due, "days_overdue": f.days_overdue, "message": f.message} for f in d.followups],
            **extra,
        },
        precisions,
    )
