"""Plain tables for the terminal, and the same rows as CSV or JSON.

A table fits the width of the output (:func:`output_width`): ``$COLUMNS`` when it
is set, else the terminal's width when stdout is a terminal, else no limit (a
pipe or a file gets whole lines). When a table is wider, its text columns
(names, summaries, actions -- left-aligned columns of text) give up width, the
widest first: the last column wraps onto more lines at its own indent, other
text is cut with "…". Figures (amounts, dates, counts, right-aligned columns)
are never cut, so a table whose figures alone are wider stays wider. CSV and
JSON are never cut.

Money in JSON has one shape, written here for every command: a :class:`Money` becomes
``{"number": "12000.00", "currency": "USD"}``, the number a decimal string at the
currency's precision (see :mod:`acct_tool.money` and docs/index.md, "JSON output").
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

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


#: ``render(width=TERMINAL)``: as wide as :func:`output_width` says.
TERMINAL: Literal["terminal"] = "terminal"
#: A text column is not made narrower than this (or its header, or its widest cell when that is less).
MIN_TEXT_WIDTH = 10
GAP = "  "


def output_width() -> int | None:
    """The width tables fit in: ``$COLUMNS`` (a positive number), else the terminal's
    width when stdout is a terminal, else ``None`` (no limit: output to a pipe or a file)."""
    value = os.environ.get("COLUMNS", "").strip()
    if value:
        try:
            columns = int(value)
        except ValueError:
            columns = 0
        if columns > 0:
            return columns
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):  # a replaced or closed stdout
        return None
    return shutil.get_terminal_size().columns


def _is_prose(values: Sequence[Any]) -> bool:
    """A column of prose, which may be cut: text only (no number, amount or date), some of it
    words with spaces -- not ids and document numbers, which are cut nowhere."""
    texts = [v for v in values if v is not None]
    return all(isinstance(v, str) for v in texts) and any(" " in v.strip() for v in texts)


def _line_width(widths: Sequence[int]) -> int:
    return sum(widths) + len(GAP) * max(0, len(widths) - 1)


def _fit(widths: list[int], headers: Sequence[str], shrinkable: Sequence[int], room: int) -> list[int]:
    """``widths`` with the ``shrinkable`` columns narrowed, widest first, until the line fits ``room``."""
    out = list(widths)
    floor = {i: min(out[i], max(len(headers[i]), MIN_TEXT_WIDTH)) for i in shrinkable}
    excess = _line_width(out) - room
    while excess > 0:
        candidates = [i for i in shrinkable if out[i] > floor[i]]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: (out[i], i))
        others = [out[i] for i in candidates if i != widest]
        step = min(excess, out[widest] - floor[widest], max(1, out[widest] - max(others, default=0)))
        out[widest] -= step
        excess -= step
    return out


#: Where the second and later lines of a folded row start.
FOLD_INDENT = 4


def _bands(widths: Sequence[int], room: int) -> list[list[int]]:
    """The columns in bands of one line each that fit ``room``: one band when the table
    fits, else the columns in order, the second band on indented by :data:`FOLD_INDENT`."""
    bands: list[list[int]] = [[]]
    for i, w in enumerate(widths):
        band = bands[-1]
        indent = FOLD_INDENT if len(bands) > 1 else 0
        if band and indent + _line_width([*(widths[j] for j in band), w]) > room:
            bands.append([i])
        else:
            band.append(i)
    return bands


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def render(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    right: Sequence[int] = (),
    footer: Sequence[Any] | None = None,
    places: int = DEFAULT_PLACES,
    precisions: Precisions | None = None,
    width: int | Literal["terminal"] | None = TERMINAL,
    margin: int = 0,
    shrink: Sequence[int] | None = None,
) -> str:
    """A table with a rule under the header; columns in ``right`` (indexes) are right-aligned.

    ``Decimal`` cells are written at ``places`` (a table of one currency passes that
    currency's), :class:`Money` cells at their own currency's precision in ``precisions``.
    Control characters in a cell are shown as escapes (``\\x1b``): a cell is one line on a terminal.

    The table fits ``width`` (default: :func:`output_width`; ``None``: no limit) less
    ``margin``, the columns the caller puts before each line. First the text columns in
    ``shrink`` (default: the left-aligned columns of prose) give up width down to
    :data:`MIN_TEXT_WIDTH`: the last column wraps, others are cut with "…". When the
    figures alone are too wide, each row is folded onto more lines, the later ones
    indented, every cell whole.
    """
    text_rows = [[visible(cell(v, places, precisions)) for v in row] for row in rows]
    foot = [visible(cell(v, places, precisions)) for v in footer] if footer is not None else None
    widths = [len(h) for h in headers]
    for row in text_rows + ([foot] if foot else []):
        for i, v in enumerate(row):
            widths[i] = max(widths[i], len(v))
    limit = output_width() if width == TERMINAL else width
    room = None if limit is None else max(1, limit - margin)
    if room is not None and _line_width(widths) > room:
        if shrink is None:
            values = [*rows, *([footer] if footer is not None else [])]
            shrink = [i for i in range(len(headers)) if i not in right and _is_prose([row[i] for row in values if i < len(row)])]
        widths = _fit(widths, headers, shrink, room)
    bands = _bands(widths, room) if room is not None else [list(range(len(headers)))]
    last = len(headers) - 1

    def lines(values: Sequence[str]) -> list[str]:
        cells = [[v] for v in values]
        for i, v in enumerate(values):
            if len(v) > widths[i]:
                cells[i] = (textwrap.wrap(v, widths[i], break_on_hyphens=False) or [""]) if i == last and len(bands) == 1 else [_cut(v, widths[i])]
        out = []
        for number, band in enumerate(bands):
            indent = " " * (FOLD_INDENT if number else 0)
            height = max((len(cells[i]) for i in band if i < len(cells)), default=1)
            for n in range(height):
                parts = [(i, cells[i][n] if i < len(cells) and n < len(cells[i]) else "") for i in band]
                text = GAP.join(v.rjust(widths[i]) if i in right else v.ljust(widths[i]) for i, v in parts).rstrip()
                if text or number == 0:
                    out.append(indent + text if text else text)
        return out

    rule = "\n".join((" " * (FOLD_INDENT if n else 0)) + GAP.join("-" * widths[i] for i in band) for n, band in enumerate(bands))
    out = [*lines(list(headers)), rule]
    for r in text_rows:
        out += lines(r)
    if foot:
        out.append(rule)
        out += lines(foot)
    return "\n".join(out) + "\n"


def fit_lines(text: str, width: int | Literal["terminal"] | None = TERMINAL) -> str:
    """``text`` with every line longer than ``width`` (default: :func:`output_width`) wrapped
    at spaces, the rest indented two more than the line: the prose around a table
    (titles, notes, totals). A line without spaces stays whole."""
    limit = output_width() if width == TERMINAL else width
    if limit is None:
        return text
    out = []
    for line in text.split("\n"):
        if len(line) <= limit or " " not in line.strip():
            out.append(line)
            continue
        lead = line[: len(line) - len(line.lstrip(" "))]
        out += textwrap.wrap(line, limit, initial_indent="", subsequent_indent=lead + "  ", break_long_words=False, break_on_hyphens=False) or [line]
    return "\n".join(out)


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
