"""The portfolio per account manager and in total: table, JSON and CSV (``acct-tool portfolio``)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from acct_tool.engines.portfolio import Portfolio, Prospect, Rollup
from acct_tool.engines.relationship import plural
from acct_tool.money import Money, Precisions
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
    )


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
        out.append(_prospect_lines(r, precisions))
    out.append("\nTotal\n" + _rollup_lines(result.totals, precisions=precisions) + _prospect_lines(result.totals, precisions, each=False))
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
        "prospects": [_prospect_json(p) for p in r.prospects],
        "prospect_pipeline": money_json(r.prospect_pipeline),
    }


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
            }
            for c in r.clients
        ]
        managers.append(item)
    return to_json({"start": result.start, "end": result.end, "managers": managers, "totals": _rollup_json(result.totals)}, precisions)


PORTFOLIO_CSV = ["manager", "client", "tier", "status", "currency", "revenue", "open", "overdue", "days_to_pay", "nps", "csat", "health_score", "health_band"]


def portfolio_csv(result: Portfolio, precisions: Precisions | None = None) -> str:
    """One row per client and currency (a client with no money gets one row with an empty currency).

    The accounts only: prospects, which have none of these figures, are in the table and the JSON."""
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
                )  # fmt: skip
    return to_csv(PORTFOLIO_CSV, rows)
