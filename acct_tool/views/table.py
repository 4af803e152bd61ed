"""Plain tables for the terminal, and the same rows as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any, Sequence

from acct_tool.text_safety import csv_cell, json_text, visible


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def render(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, right: Sequence[int] = (), footer: Sequence[Any] | None = None) -> str:
    """A table with a rule under the header; columns in ``right`` (indexes) are right-aligned.

    Control characters in a cell are shown as escapes (``\\x1b``): a cell is one line on a terminal.
    """
    text_rows = [[visible(cell(v)) for v in row] for row in rows]
    foot = [visible(cell(v)) for v in footer] if footer is not None else None
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


def plain(value: Any) -> Any:
    """JSON-ready: Decimals as strings, dates as ISO strings, recursively."""
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def to_json(value: Any) -> str:
    return json_text(json.dumps(plain(value), indent=2, ensure_ascii=False)) + "\n"
