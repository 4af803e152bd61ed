"""Plain tables for the terminal, and the same rows as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any, Sequence


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def render(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, right: Sequence[int] = (), footer: Sequence[Any] | None = None) -> str:
    """A table with a rule under the header; columns in ``right`` (indexes) are right-aligned."""
    text_rows = [[cell(v) for v in row] for row in rows]
    foot = [cell(v) for v in footer] if footer is not None else None
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
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else str(v) for v in row])
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
    return json.dumps(plain(value), indent=2, ensure_ascii=False) + "\n"
