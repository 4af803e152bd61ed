"""Follow-ups as a terminal table, CSV or JSON."""

from __future__ import annotations

from typing import Any

from acct_tool.engines.followups import Followup, Followups
from acct_tool.money import Precisions
from acct_tool.render.table import csv_amount, render, to_csv, to_json
from acct_tool.render.text_safety import for_terminal

HEADERS = ["when", "kind", "party", "owner", "action"]
CSV_HEADERS = ["status", "due", "days_overdue", "kind", "party", "owner", "message", "contact", "document", "amount", "currency", "level", "file", "line"]


def when(f: Followup) -> str:
    """``46 days overdue``, ``due today``, ``due in 3 days`` or ``no date``."""
    days = f.days_overdue
    if days is None:
        return "no date"
    if days == 0:
        return "due today"
    unit = "day" if abs(days) == 1 else "days"
    return f"{days} {unit} overdue" if days > 0 else f"due in {-days} {unit}"


@for_terminal
def table(result: Followups) -> str:
    window = "today" if result.within == 0 else f"within {result.within} days"
    head = f"Follow-ups as of {result.as_of} (due {window})\n"
    if not result.items:
        return head + "nothing to follow up\n"
    counts: dict[str, int] = {}
    for f in result.items:
        counts[f.status] = counts.get(f.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    rows = [[when(f), f.kind, f.party, f.owner or "", f.message] for f in result.items]
    return head + "\n" + render(HEADERS, rows) + f"\n{len(result.items)} follow-ups: {summary}\n"


def _row(f: Followup, precisions: Precisions | None = None) -> list[Any]:
    return [
        f.status,
        f.due,
        f.days_overdue,
        f.kind,
        f.party,
        f.owner,
        f.message,
        f.contact,
        f.document,
        csv_amount(f.amount.number, f.amount.currency, precisions) if f.amount else None,
        f.amount.currency if f.amount else None,
        f.level,
        f.where.file if f.where else None,
        f.where.line if f.where else None,
    ]


def csv(result: Followups, precisions: Precisions | None = None) -> str:
    return to_csv(CSV_HEADERS, [_row(f, precisions) for f in result.items])


def as_dict(f: Followup) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "status": f.status,
        "party": f.party,
        "party_name": f.party_name,
        "manager": f.manager,
        "owner": f.owner,
        "due": f.due,
        "days_overdue": f.days_overdue,
        "message": f.message,
        "contact": f.contact,
        "document": f.document,
        "amount": f.amount,
        "level": f.level,
        "file": f.where.file if f.where else None,
        "line": f.where.line if f.where else None,
    }


def json(result: Followups, precisions: Precisions | None = None) -> str:
    return to_json({"as_of": result.as_of, "within": result.within, "overdue": len(result.overdue), "items": [as_dict(f) for f in result.items]}, precisions)
