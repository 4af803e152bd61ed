"""``acct-tool cash``: the position and the weekly forecast as a table, JSON or CSV, and
proposed ``cash.recurring`` entries as YAML. Every figure comes from :mod:`acct_tool.engines.cash`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml

from acct_tool.engines.cash import CurrencyForecast, Forecast, Line, Proposal, Source
from acct_tool.money import Money, Precisions, format_amount, number_text, places_of
from acct_tool.render.table import csv_amount, render, to_csv, to_json
from acct_tool.render.text_safety import visible

FLOOR_MARK = "< floor"


def _money(number: Decimal, currency: str) -> Money:
    return Money(number, currency)


def _source(source: Source) -> dict[str, Any]:
    if source.kind == "recurring":
        return {"kind": "recurring", "rule": source.rule, "account": source.account}
    return {
        "kind": source.kind,
        "document": source.number,
        "party": source.party,
        "due": source.due,
        "expected": source.expected,
        "basis": source.basis,
    }


def _line(line: Line) -> dict[str, Any]:
    return {"date": line.date, "week": line.week, "kind": line.kind, "amount": _money(line.amount, line.currency), "source": _source(line.source)}


def _currency(c: CurrencyForecast) -> dict[str, Any]:
    floor_week = c.floor_week
    return {
        "currency": c.currency,
        "opening": _money(c.opening, c.currency),
        "floor": _money(c.floor, c.currency) if c.floor is not None else None,
        "floor_week": floor_week.number if floor_week is not None else None,
        "weeks": [
            {
                "week": w.number,
                "start": w.start,
                "end": w.end,
                "opening": _money(w.opening, c.currency),
                "receipts": _money(w.receipts, c.currency),
                "payments": _money(w.payments, c.currency),
                "recurring": _money(w.recurring, c.currency),
                "closing": _money(w.closing, c.currency),
                "below_floor": c.floor is not None and w.closing < c.floor,
                "lines": [_line(line) for line in w.lines],
            }
            for w in c.weeks
        ],
        "beyond": [_line(line) for line in c.beyond],
    }


def forecast_json(result: Forecast, precisions: Precisions) -> str:
    return to_json(
        {
            "as_of": result.as_of,
            "start": result.start,
            "end": result.end,
            "positions": [
                {
                    "account": p.account,
                    "currency": p.currency,
                    "balance": _money(p.balance, p.currency),
                    "last_balance_assertion": {"date": p.last_assertion.date, "amount": _money(p.last_assertion.number, p.last_assertion.currency)}
                    if p.last_assertion is not None
                    else None,
                    "last_statement": {"file": p.last_statement.file, "end": p.last_statement.end} if p.last_statement is not None else None,
                }
                for p in result.positions
            ],
            "currencies": [_currency(c) for c in result.currencies],
            "at_risk": [
                {
                    "document": r.document.number or r.document.ref,
                    "party": r.document.party,
                    "due": r.document.due,
                    "days_past_due": r.days_past_due,
                    "level": r.level,
                    "open": _money(r.document.open, r.document.currency),
                }
                for r in result.at_risk
            ],
        },
        precisions,
    )


def forecast_table(result: Forecast, precisions: Precisions) -> str:
    out = [f"Cash position at {result.as_of}\n"]
    rows = [
        [
            p.account,
            _money(p.balance, p.currency),
            f"{p.last_assertion.date} {format_amount(p.last_assertion.number, p.last_assertion.currency, precisions)}" if p.last_assertion else "",
            f"{p.last_statement.end} ({p.last_statement.file})" if p.last_statement else "",
        ]
        for p in result.positions
    ]
    out.append(render(["account", "balance", "last balance assertion", "last statement"], rows, right=[1], precisions=precisions))
    for c in result.currencies:
        places = places_of(c.currency, precisions)
        floor = f"; floor {format_amount(c.floor, c.currency, precisions)}" if c.floor is not None else ""
        out.append(f"\nForecast {c.currency}, {result.start} to {result.end}{floor}\n")
        marked = c.floor_week
        week_rows = [
            [
                w.number,
                w.start,
                w.end,
                w.opening,
                w.receipts,
                w.payments,
                w.recurring,
                w.closing,
                FLOOR_MARK if marked is not None and w.number == marked.number else "",
            ]
            for w in c.weeks
        ]
        headers = ["week", "start", "end", "opening", "receipts", "payments", "recurring", "closing", "floor"]
        out.append(render(headers, week_rows, right=[0, 3, 4, 5, 6, 7], places=places))
        if c.beyond:
            total = sum((line.amount for line in c.beyond), Decimal(0))
            out.append(f"after {result.end}: {len(c.beyond)} more line(s), {format_amount(total, c.currency, precisions)}\n")
    if result.at_risk:
        out.append("\nAt risk (past the last collection level; not in the forecast)\n")
        risk_rows = [
            [r.document.number or r.document.ref, r.document.party, r.document.due, r.days_past_due, _money(r.document.open, r.document.currency)]
            for r in result.at_risk
        ]
        out.append(render(["document", "party", "due", "days past due", "open"], risk_rows, right=[3, 4], precisions=precisions))
    return "".join(out)


CSV_HEADERS = ["currency", "week", "week_start", "week_end", "date", "kind", "amount", "source", "document", "party", "due", "rule", "basis"]


def forecast_csv(result: Forecast, precisions: Precisions) -> str:
    """One row per forecast line (inside the weeks), with the document or rule it comes from."""
    rows = []
    for c in result.currencies:
        for w in c.weeks:
            for line in w.lines:
                s = line.source
                rows.append(
                    [
                        c.currency,
                        w.number,
                        w.start,
                        w.end,
                        line.date,
                        line.kind,
                        csv_amount(line.amount, c.currency, precisions),
                        s.kind,
                        s.number,
                        s.party,
                        s.due,
                        s.rule,
                        s.basis,
                    ]
                )
    return to_csv(CSV_HEADERS, rows)


def proposals_yaml(proposals: list[Proposal], start: object, end: object, precisions: Precisions) -> str:
    """Proposed ``cash.recurring`` entries, to review and paste under ``cash:`` in acct-tool.yaml."""
    if not proposals:
        return f"# no monthly flow found in the postings from {start} to {end}\n"
    entries = [
        {
            "name": visible(p.name),
            "amount": f"{number_text(p.amount, p.currency, precisions)} {p.currency}",
            "cadence": "monthly",
            "day": p.day,
            "account": p.account,
        }
        for p in proposals
    ]
    head = f"# proposed from the postings from {start} to {end}: review them, then add them under `cash:` in acct-tool.yaml (nothing was written)\n"
    body = yaml.safe_dump({"cash": {"recurring": entries}}, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000)
    return head + body
