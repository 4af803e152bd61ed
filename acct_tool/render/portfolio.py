"""The portfolio per account manager and in total: table, JSON and CSV (``acct-tool portfolio``)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from acct_tool.engines.portfolio import Portfolio, Prospect, Rollup
from acct_tool.engines.relationship import plural
from acct_tool.engines.targets import TargetStanding
from acct_tool.money import Money, Precisions, format_money
from acct_tool.render.client_parts import health_json, money_json, money_text
from acct_tool.render.table import csv_amount, render, to_csv, to_json
from acct_tool.render.text_safety import for_terminal

PORTFOLIO_HEADERS = ["client", "tier", "revenue", "open", "overdue", "days to pay", "NPS", "health"]


def _num(value: Decimal | int | None) -> str:
    return "" if value is None else str(value)


def _rollup_lines(r: Rollup, indent: str = "  ", precisions: Precisions | None = None) -> str:
    bands = ", ".join(f"{n} {band}" for band, n in r.bands.items() if n)
    risk = ", ".join(r.at_risk) or "none"
    return (
        f"{indent}{plural(r.accounts, 'account')}; revenue {money_text(r.revenue, '0.00', precisions)}\n"
        f"{indent}open {money_text(r.open, 'nothing', precisions)}; overdue {money_text(r.overdue, 'nothing', precisions)}; "
        f"days to pay {_num(r.average_days_to_pay) or 'n/a'}\n"
        f"{indent}average NPS {_num(r.average_nps) or 'n/a'}; average health {_num(r.average_health) or 'n/a'} ({bands or 'no scores'}); at risk: {risk}\n"
        f"{indent}current account plans: {r.current_plans} of {plural(r.active_accounts, 'account')} managed\n"
        f"{_satisfaction_line(r, indent)}"
    )


def _satisfaction_line(r: Rollup, indent: str) -> str:
    f = r.satisfaction
    if f is None:
        return ""
    n, c = f.nps, f.csat
    return (
        f"{indent}NPS in the period {_num(n.score) or 'n/a'} ({plural(n.responses, 'response')}); "
        f"CSAT {_num(c.average) or 'n/a'} ({plural(c.responses, 'response')})\n"
    )


def has_targets(result: Portfolio) -> bool:
    """True when some manager or the team has a revenue or accounts target for the period."""
    return any(_has_target(r.target) for r in (*result.managers, result.totals))


def _has_target(t: TargetStanding | None) -> bool:
    return t is not None and (t.revenue is not None or t.accounts_target is not None)


def _target_lines(t: TargetStanding | None, precisions: Precisions | None = None) -> str:
    """Revenue against target, pro rata and the gap; accounts managed against their target."""
    if t is None:
        return ""
    a = t.revenue
    if a is None:
        out = ["  target: none for this period\n"]
    else:
        out = [
            f"  target {a.period.label}: {format_money(a.target, precisions)}; revenue {format_money(a.revenue, precisions)} ({a.attainment}%); "
            f"pro rata {a.pro_rata_attainment}% of {format_money(a.pro_rata_target, precisions)} ({a.elapsed_days} of {a.period_days} days); "
            f"gap {format_money(a.gap, precisions)}\n"
        ]
        if t.other_currencies:
            out.append(f"  revenue in {', '.join(t.other_currencies)} is not counted against the {a.target.currency} target\n")
    against = f" (target {t.accounts_target})" if t.accounts_target is not None else ""
    out.append(f"  accounts managed: {t.accounts} active{against}\n")
    return "".join(out)


def _prospect_lines(r: Rollup, precisions: Precisions | None = None, *, each: bool = True) -> str:
    """The manager's prospects, apart from the accounts, with their open pipeline (``each``: one line per prospect too)."""
    if not r.prospects:
        return ""
    out = [f"  {plural(len(r.prospects), 'prospect')}; open pipeline {money_text(r.prospect_pipeline, 'nothing', precisions)}\n"]
    for p in r.prospects if each else ():
        deals = f"{p.opportunities} open opportunit{'y' if p.opportunities == 1 else 'ies'}"
        out.append(
            f"    {p.id} ({p.name}): {deals}, {money_text(p.pipeline, 'no value', precisions)} (weighted {money_text(p.weighted, 'nothing', precisions)})\n"
        )
    return "".join(out)


@for_terminal
def portfolio_table(result: Portfolio, precisions: Precisions | None = None) -> str:
    out = [f"Portfolio {result.start} to {result.end} (open, overdue and health at {result.end})\n"]
    if not result.managers:
        return out[0] + "no accounts\n"
    targets = has_targets(result)
    for r in result.managers:
        rows = []
        for c in r.clients:
            s = c.summary
            health = f"{s.health.score} {s.health.band}" if s.health else ""
            money = [money_text(m, precisions=precisions) for m in (c.revenue.totals, s.open, s.overdue)]
            rows.append([s.id, s.tier, *money, _num(c.days_to_pay), _num(c.nps), health])
        out.append(f"\n{r.name}\n")
        if rows:
            out.append(render(PORTFOLIO_HEADERS, rows, right=[2, 3, 4, 5, 6]))
        out.append(_rollup_lines(r, precisions=precisions))
        out.append(_target_lines(r.target, precisions) if targets and r.accounts else "")
        out.append(_prospect_lines(r, precisions))
    out.append("\nTotal\n" + _rollup_lines(result.totals, precisions=precisions))
    out.append(_target_lines(result.totals.target, precisions) if targets and _has_target(result.totals.target) else "")
    out.append(_prospect_lines(result.totals, precisions, each=False))
    return "".join(out)


def _rollup_json(r: Rollup) -> dict[str, Any]:
    return {
        "name": r.name,
        "accounts": r.accounts,
        "revenue": money_json(r.revenue),
        "open": money_json(r.open),
        "overdue": money_json(r.overdue),
        "average_days_to_pay": r.average_days_to_pay,
        "average_nps": r.average_nps,
        "average_csat": r.average_csat,
        "average_health": r.average_health,
        "at_risk": list(r.at_risk),
        "bands": dict(r.bands),
        "accounts_managed": r.active_accounts,
        "current_plans": r.current_plans,
        "prospects": [_prospect_json(p) for p in r.prospects],
        "prospect_pipeline": money_json(r.prospect_pipeline),
        "target": target_json(r.target),
        "satisfaction": satisfaction_json(r),
    }


def satisfaction_json(r: Rollup) -> dict[str, Any] | None:
    """NPS (promoters minus detractors, in % of the responses) and CSAT over the period's responses, pooled."""
    f = r.satisfaction
    if f is None:
        return None
    n, c = f.nps, f.csat
    return {
        "nps": n.score,
        "responses": n.responses,
        "promoters": n.promoters,
        "passives": n.passives,
        "detractors": n.detractors,
        "csat": c.average,
        "csat_responses": c.responses,
    }


def target_json(t: TargetStanding | None) -> dict[str, Any] | None:
    """A standing against targets: ``revenue`` is null when there is no revenue target for the period."""
    if t is None:
        return None
    a = t.revenue
    revenue = None
    if a is not None:
        revenue = {
            "period": a.period.label,
            "start": a.period.start,
            "end": a.period.end,
            "target": a.target,
            "revenue": a.revenue,
            "attainment": a.attainment,
            "elapsed_days": a.elapsed_days,
            "period_days": a.period_days,
            "pro_rata_target": a.pro_rata_target,
            "pro_rata_attainment": a.pro_rata_attainment,
            "gap": a.gap,
            "other_currencies": list(t.other_currencies),
        }
    return {"revenue": revenue, "accounts": t.accounts, "accounts_target": t.accounts_target}


def _prospect_json(p: Prospect) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "tier": p.tier,
        "manager": p.manager,
        "opportunities": p.opportunities,
        "pipeline": money_json(p.pipeline),
        "weighted": money_json(p.weighted),
    }


def portfolio_json(result: Portfolio, precisions: Precisions | None = None) -> str:
    managers = []
    for r in result.managers:
        item = _rollup_json(r)
        item["clients"] = [
            {
                "id": c.summary.id,
                "name": c.summary.name,
                "tier": c.summary.tier,
                "status": c.summary.status,
                "revenue": money_json(c.revenue.totals),
                "revenue_by_month": [{"month": m.month, "amount": Money(m.amount, m.currency)} for m in c.revenue.months],
                "open": money_json(c.summary.open),
                "overdue": money_json(c.summary.overdue),
                "days_to_pay": c.days_to_pay,
                "nps": c.nps,
                "csat": c.csat,
                "health": health_json(c.summary.health),
                "plan": c.has_plan,
                "plan_current": c.plan_current,
            }
            for c in r.clients
        ]
        managers.append(item)
    return to_json({"start": result.start, "end": result.end, "managers": managers, "totals": _rollup_json(result.totals)}, precisions)


PORTFOLIO_CSV = ["manager", "client", "tier", "status", "currency", "revenue", "open", "overdue", "days_to_pay", "nps", "csat", "health_score", "health_band"]


#: Columns added when the settings give targets: filled on one row per manager, after its
#: clients, and on a last ``(team)`` row, whose client columns are empty.
TARGETS_CSV = ["target_period", "target", "attainment", "pro_rata_target", "pro_rata_attainment", "gap", "accounts_managed", "accounts_target"]
TEAM = "(team)"
#: The column added when some account has an account plan: is it current (``true``/``false``).
PLANS_CSV = ["plan_current"]


def _target_row(name: str, t: TargetStanding, precisions: Precisions | None) -> list[Any]:
    a = t.revenue
    cur = a.target.currency if a is not None else ""
    money: list[Any] = [None] * 6
    if a is not None:
        money = [
            a.period.label,
            csv_amount(a.target.number, cur, precisions),
            a.attainment,
            csv_amount(a.pro_rata_target.number, cur, precisions),
            a.pro_rata_attainment,
            csv_amount(a.gap.number, cur, precisions),
        ]
    revenue = csv_amount(a.revenue.number, cur, precisions) if a is not None else None
    return [name, None, None, None, cur, revenue, None, None, None, None, None, None, None, *money, t.accounts, t.accounts_target]


def has_plans(result: Portfolio) -> bool:
    return any(c.has_plan for r in result.managers for c in r.clients)


def portfolio_csv(result: Portfolio, precisions: Precisions | None = None) -> str:
    """One row per client and currency (a client with no money gets one row with an empty currency).

    The accounts only: prospects, which have none of these figures, are in the table and the JSON.
    With targets, the :data:`TARGETS_CSV` columns and a row per manager and for the team;
    when some account has a plan, the :data:`PLANS_CSV` column last (empty on target rows)."""
    targets = has_targets(result)
    with_plans = has_plans(result)
    rows = []
    for r in result.managers:
        for c in r.clients:
            s = c.summary
            currencies = sorted({m.currency for m in (*c.revenue.totals, *s.open, *s.overdue)}) or [""]
            for cur in currencies:

                def pick(amounts: Iterable[Money], cur: str = cur) -> Decimal | None:
                    return csv_amount(next((m.number for m in amounts if m.currency == cur), Decimal(0) if cur else None), cur, precisions)

                rows.append(
                    [r.name, s.id, s.tier, s.status, cur, pick(c.revenue.totals), pick(s.open), pick(s.overdue), c.days_to_pay, c.nps, c.csat,
                     s.health.score if s.health else None, s.health.band if s.health else None]
                    + ([None] * len(TARGETS_CSV) if targets else [])
                    + (["true" if c.plan_current else "false"] if with_plans else [])
                )  # fmt: skip
        if targets and r.target is not None and r.accounts:
            rows.append(_target_row(r.name, r.target, precisions) + ([None] if with_plans else []))
    if targets and _has_target(result.totals.target) and result.totals.target is not None:
        rows.append(_target_row(TEAM, result.totals.target, precisions) + ([None] if with_plans else []))
    return to_csv(PORTFOLIO_CSV + (TARGETS_CSV if targets else []) + (PLANS_CSV if with_plans else []), rows)
