"""The pipeline as a terminal table, JSON or CSV (``acct-tool pipeline``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from acct_tool.engines.pipeline import ClosedDeal, Deal, Pipeline, Total, WinRate
from acct_tool.engines.relationship import plural
from acct_tool.money import Precisions, format_money
from acct_tool.render.client_parts import money_json, money_text
from acct_tool.render.table import csv_amount, render, to_csv, to_json
from acct_tool.render.text_safety import for_terminal

HEADERS = ["party", "opportunity", "type", "stage", "value", "prob.", "weighted", "close", "in stage", "owner", "flags"]
TOTAL_HEADERS = ["count", "value", "weighted"]
RENEWAL_HEADERS = ["party", "manager", "renewal", "days", "window", "contract value"]
CLOSED_HEADERS = ["party", "opportunity", "type", "stage", "value", "close", "owner"]
CSV_HEADERS = [
    "party",
    "status",
    "opportunity",
    "type",
    "stage",
    "currency",
    "value",
    "probability",
    "probability_source",
    "weighted",
    "close",
    "stage_since",
    "days_in_stage",
    "owner",
    "manager",
    "slipping",
    "days_slipped",
]
UNKNOWN = "unknown"


def age_in_stage(d: Deal) -> str:
    """``12 days``, or ``unknown`` when the profile gives no ``stage_since``."""
    return plural(d.days_in_stage, "day") if d.days_in_stage is not None else UNKNOWN


def opportunities(n: int) -> str:
    return f"{n} opportunit{'y' if n == 1 else 'ies'}"


def flags(d: Deal) -> str:
    return f"slipping {plural(d.days_slipped, 'day')}" if d.slipping else ""


def _rate(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value}%"


def _totals_table(label: str, totals: tuple[Total, ...], precisions: Precisions | None) -> str:
    rows = [[t.name, t.count, money_text(t.value, precisions=precisions), money_text(t.weighted, precisions=precisions)] for t in totals]
    return render([label, *TOTAL_HEADERS], rows, right=[1, 2, 3])


def win_rate_text(w: WinRate, precisions: Precisions | None = None) -> str:
    if not w.won and not w.lost:
        return "Win rate: n/a (nothing won or lost)"
    values = "; ".join(f"{_rate(r.rate)} of {r.currency} ({format_money(r.won, precisions)} won, {format_money(r.lost, precisions)} lost)" for r in w.by_value)
    return f"Win rate: {_rate(w.by_count)} by count ({w.won} won, {w.lost} lost)" + (f"; by value {values}" if values else "")


@for_terminal
def table(result: Pipeline, precisions: Precisions | None = None) -> str:
    t = result.totals
    out = [f"Pipeline at {result.as_of}: {opportunities(t.count)} open\n"]
    if result.deals:
        deal_rows: list[list[Any]] = [
            [
                d.party,
                d.name,
                d.type,
                d.stage,
                money_text([d.value] if d.value else [], precisions=precisions),
                f"{d.probability}%" + ("*" if d.default_probability else ""),
                money_text([d.weighted] if d.weighted else [], precisions=precisions),
                d.close or "",
                age_in_stage(d),
                d.owner or "",
                flags(d),
            ]
            for d in result.deals
        ]
        out.append("\n" + render(HEADERS, deal_rows, right=[4, 5, 6]))
        if any(d.default_probability for d in result.deals):
            out.append("* the stage's default probability (settings pipeline.probabilities)\n")
        out.append("\nBy stage\n" + _totals_table("stage", result.by_stage, precisions))
        out.append("\nBy manager\n" + _totals_table("manager", result.by_manager, precisions))
        out.append(f"\nTotal: value {money_text(t.value, 'nothing', precisions)}; weighted {money_text(t.weighted, 'nothing', precisions)}\n")
    if result.slipping:
        out.append(f"Slipping: {opportunities(len(result.slipping))} past the expected close date\n")
    out.append("\nRenewals at risk (no renewal opportunity open)\n")
    if result.renewals_at_risk:
        rows: list[list[Any]] = [
            [
                r.party,
                r.manager or "",
                r.renewal.date,
                r.renewal.days,
                f"{r.window} days",
                money_text([r.contract_value] if r.contract_value else [], precisions=precisions),
            ]
            for r in result.renewals_at_risk
        ]
        out.append(render(RENEWAL_HEADERS, rows, right=[3, 5]))
    else:
        out.append("none\n")
    out.append(f"\nWon and lost {result.start} to {result.end}\n")
    if result.closed:
        out.append(render(CLOSED_HEADERS, [_closed_row(c, precisions) for c in result.closed], right=[4]))
    else:
        out.append("none\n")
    out.append(win_rate_text(result.win_rate, precisions) + "\n")
    return "".join(out)


def _closed_row(c: ClosedDeal, precisions: Precisions | None) -> list[Any]:
    return [c.party, c.name, c.type, c.stage, money_text([c.value] if c.value else [], precisions=precisions), c.close, c.owner or ""]


def deal_json(d: Deal) -> dict[str, Any]:
    return {
        "party": d.party,
        "party_name": d.party_name,
        "status": d.status,
        "name": d.name,
        "type": d.type,
        "stage": d.stage,
        "value": d.value,
        "probability": d.probability,
        "probability_source": "default" if d.default_probability else "profile",
        "weighted": d.weighted,
        "close": d.close,
        "stage_since": d.stage_since,
        "days_in_stage": d.days_in_stage,
        "owner": d.owner,
        "manager": d.manager,
        "slipping": d.slipping,
        "days_slipped": d.days_slipped,
    }


def total_json(t: Total, key: str) -> dict[str, Any]:
    return {key: t.name, "count": t.count, "value": money_json(t.value), "weighted": money_json(t.weighted)}


def json(result: Pipeline, precisions: Precisions | None = None) -> str:
    w = result.win_rate
    return to_json(
        {
            "as_of": result.as_of,
            "period": {"start": result.start, "end": result.end},
            "opportunities": [deal_json(d) for d in result.deals],
            "by_stage": [total_json(t, "stage") for t in result.by_stage],
            "by_manager": [total_json(t, "manager") for t in result.by_manager],
            "totals": {"count": result.totals.count, "value": money_json(result.totals.value), "weighted": money_json(result.totals.weighted)},
            "renewals_at_risk": [
                {
                    "party": r.party,
                    "party_name": r.party_name,
                    "manager": r.manager,
                    "renewal": r.renewal.date,
                    "days": r.renewal.days,
                    "window": r.window,
                    "contract_value": r.contract_value,
                }
                for r in result.renewals_at_risk
            ],
            "closed": [
                {
                    "party": c.party,
                    "party_name": c.party_name,
                    "name": c.name,
                    "type": c.type,
                    "stage": c.stage,
                    "value": c.value,
                    "close": c.close,
                    "owner": c.owner,
                }
                for c in result.closed
            ],
            "win_rate": {
                "won": w.won,
                "lost": w.lost,
                "by_count_pct": w.by_count,
                "by_value": [{"currency": r.currency, "won": r.won, "lost": r.lost, "rate_pct": r.rate} for r in w.by_value],
            },
        },
        precisions,
    )


def csv(result: Pipeline, precisions: Precisions | None = None) -> str:
    """One row per open opportunity."""
    rows = []
    for d in result.deals:
        cur = d.value.currency if d.value else ""
        rows.append(
            [
                d.party,
                d.status,
                d.name,
                d.type,
                d.stage,
                cur,
                csv_amount(d.value.number, cur, precisions) if d.value else None,
                d.probability,
                "default" if d.default_probability else "profile",
                csv_amount(d.weighted.number, cur, precisions) if d.weighted else None,
                d.close,
                d.stage_since,
                d.days_in_stage,
                d.owner,
                d.manager,
                "yes" if d.slipping else "no",
                d.days_slipped,
            ]
        )
    return to_csv(CSV_HEADERS, rows)
