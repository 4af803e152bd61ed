"""Plain tables for the terminal, and the same rows as CSV or JSON.

Money in JSON has one shape, written here for every command: a :class:`Money` becomes
``{"number": "12000.00", "currency": "USD"}``, the number a decimal string at the
currency's precision (see :mod:`acct_tool.money` and docs/index.md, "JSON output").
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from acct_tool.money import DEFAULT_PLACES, Money, Precisions, amount_json, format_money, format_number, places_of, quantized
from acct_tool.render.text_safety import csv_cell, json_text, visible


def cell(value: Any, places: int = DEFAULT_PLACES, precisions: Precisions | None = None) -> str:
    """A table cell: a ``Decimal`` at ``places`` (the table's currency's), a :class:`Money` with its unit."""
    if value is None:
        return ""
    if isinstance(value, Money):
        return format_money(value, precisions)
    if isinstance(value, Decimal):
        return format_number(value, places)
    return str(value)


def render(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    right: Sequence[int] = (),
    footer: Sequence[Any] | None = None,
    places: int = DEFAULT_PLACES,
    precisions: Precisions | None = None,
) -> str:
    """A table with a rule under the header; columns in ``right`` (indexes) are right-aligned.

    ``Decimal`` cells are written at ``places`` (a table of one currency passes that
    currency's), :class:`Money` cells at their own currency's precision in ``precisions``.
    Control characters in a cell are shown as escapes (``\\x1b``): a cell is one line on a terminal.
    """
    text_rows = [[visible(cell(v, places, precisions)) for v in row] for row in rows]
    foot = [visible(cell(v, places, precisions)) for v in footer] if footer is not None else None
    widths = [len(h) for h in headers]
    for row in text_rows + ([foot] if foot else []):
        for i, v in enumerate(row):
            widths[i] = max(widths[i], len(v))

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(widths[i]) if i in right else v.ljust(widths[i]) for i, v in enumerate(values)]
        return "  ".join(parts).rstrip()

    out = [line(list(headers)), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in text_rows]
    if foot:
        out.append("  ".join("-" * w for w in widths))
        out.append(line(foot))
    return "\n".join(out) + "\n"


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Every CSV the tool writes: text cells that a spreadsheet would run as a formula get a ``'``.

    Pass numbers and dates as ``Decimal``, ``int`` and ``date``, not as strings: a cell is
    judged by its type, so ``Decimal("-12.50")`` stays ``-12.50`` while the text ``-1+1`` does not.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return buf.getvalue()


def csv_amount(number: Decimal | None, currency: str, precisions: Precisions | None = None) -> Decimal | None:
    """A CSV figure at ``currency``'s precision; still a ``Decimal``, so the writer keeps its minus sign."""
    return None if number is None else quantized(number, places_of(currency, precisions))


def plain(value: Any, precisions: Precisions | None = None) -> Any:
    """JSON-ready, recursively: :class:`Money` as the amount object at its currency's
    precision in ``precisions``, other Decimals as strings, dates as ISO strings."""
    if isinstance(value, Money):
        return amount_json(value.number, value.currency, precisions)
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v, precisions) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, precisions) for v in value]
    return value


def to_json(value: Any, precisions: Precisions | None = None) -> str:
    """``value`` as JSON (see :func:`plain`); pass the ledger's ``precisions`` when it holds money."""
    return json_text(json.dumps(plain(value, precisions), indent=2, ensure_ascii=False)) + "\n"
