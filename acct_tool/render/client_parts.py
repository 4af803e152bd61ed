"""What every view of clients shows the same way: totals in several currencies, and the health score."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from acct_tool.engines.health import HealthScore
from acct_tool.money import Money, Precisions, by_currency, format_money
from acct_tool.render.table import csv_amount
from acct_tool.render.text_safety import Figures


def money_text(amounts: Iterable[Money], empty: str = "-", precisions: Precisions | None = None) -> str:
    """``37,000.00 USD, 7,800.00 EUR`` (never summed), or ``empty``."""
    parts = [format_money(m, precisions) for m in amounts]
    return ", ".join(parts) if parts else empty


def money_json(amounts: Iterable[Money]) -> list[Money]:
    """A multi-currency total for JSON: its amounts sorted by currency (the encoder writes each one)."""
    return by_currency(amounts)


def money_csv(amounts: Iterable[Money], precisions: Precisions | None = None) -> Figures:
    """``-300.00 USD; 12.50 EUR``: figures, so the CSV writer keeps a leading minus."""
    return Figures("; ".join(f"{csv_amount(m.number, m.currency, precisions)} {m.currency}" for m in amounts))


def health_json(h: HealthScore | None) -> dict[str, Any] | None:
    if h is None:
        return None
    return {
        "score": h.score,
        "band": h.band,
        "score_band": h.score_band,
        "red_flags": [{"code": f.code, "reason": f.reason} for f in h.red_flags],
        "components": [
            {"name": c.name, "label": c.label, "weight": c.weight, "points": c.points, "applies": c.applies, "reason": c.reason} for c in h.components
        ],
    }


def health_lines(h: HealthScore, indent: str = "  ") -> list[str]:
    """The score, then every red flag and component with its points and reason."""
    flagged = " (red flags override the score)" if h.red_flags and h.score_band != "red" else ""
    out = [f"Health {h.score}/100, {h.band.upper()}{flagged}"]
    for flag in h.red_flags:
        out.append(f"{indent}red flag  {flag.reason}")
    width = max(len(c.label) for c in h.components)
    for c in (*h.reasons, *(c for c in h.components if not c.applies)):
        points = f"{c.points:>3}/{c.weight:<3}" if c.applies else "  n/a  "
        out.append(f"{indent}{c.label:<{width}}  {points}  {c.reason}")
    return out
