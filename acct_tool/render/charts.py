"""Inline SVG charts for HTML reports: no scripts, nothing fetched, deterministic output.

Each function returns a ``<figure>`` holding the chart (with a ``<title>`` for
screen readers), a caption, and a table of the numbers it draws, so the chart
prints and reads without colour and the figures can be checked. All text is
escaped here; the result is safe to insert into an autoescaped template.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from html import escape

from markupsafe import Markup

from acct_tool.money import Precisions, format_number, places_of

WIDTH, HEIGHT = 640, 220
PAD_L, PAD_R, PAD_T, PAD_B = 64, 12, 16, 36
INK, GRID, ACCENT, MUTED, WARN, BAD = "#1f2933", "#d9dee3", "#2f6fb1", "#a9c1dc", "#c9822b", "#b83b3b"


def _id(title: str) -> str:
    return "chart-" + (re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "x")


def _num(value: Decimal, places: int = 2) -> str:
    return format_number(value, places)


def _nice_max(value: Decimal) -> Decimal:
    """A round axis maximum at or above ``value``."""
    if value <= 0:
        return Decimal(1)
    exponent = len(str(int(value))) - 1
    step = Decimal(10) ** exponent
    for factor in (1, 2, 2.5, 5, 10):
        top = step * Decimal(str(factor))
        if top >= value:
            return top
    return step * 10


def _figure(title: str, svg: str, headers: Sequence[str], rows: Sequence[Sequence[str]], note: str = "") -> Markup:
    cid = _id(title)
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    note_html = f'<p class="chart-note">{escape(note)}</p>' if note else ""
    return Markup(
        f'<figure class="chart" id="{cid}">'
        f"<figcaption>{escape(title)}</figcaption>{svg}{note_html}"
        f'<table class="chart-data"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        f"</figure>"
    )


def _svg_open(title: str) -> str:
    cid = _id(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-labelledby="{cid}-t"><title id="{cid}-t">{escape(title)}</title>'
    )


def _axis(top: Decimal, places: int = 0) -> str:
    parts = []
    plot_h = HEIGHT - PAD_T - PAD_B
    for i in range(5):
        value = top * i / 4
        y = PAD_T + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{WIDTH - PAD_R}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{INK}">{escape(_num(Decimal(value), places))}</text>')
    return "".join(parts)


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[Decimal],
    unit: str = "",
    *,
    highlight: Sequence[bool] | None = None,
    precisions: Precisions | None = None,
) -> Markup:
    """Vertical bars, one per label (e.g. revenue by month); with ``highlight``, the
    highlighted bars are drawn in the accent colour and the others muted. A ``unit``
    that is a currency is written at its precision in ``precisions``."""
    places = places_of(unit or None, precisions)
    top = _nice_max(max(values, default=Decimal(0)))
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B
    n = max(len(values), 1)
    slot = plot_w / n
    bar = slot * 0.64
    parts = [_svg_open(title), _axis(top)]
    for i, (label, value) in enumerate(zip(labels, values)):
        h = float(plot_h * (max(value, Decimal(0)) / top))
        x = PAD_L + slot * i + (slot - bar) / 2
        y = PAD_T + plot_h - h
        colour = ACCENT if highlight is None or highlight[i] else MUTED
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}"><title>{escape(label)}: {escape(_num(value, places))} {escape(unit)}</title></rect>'
        )
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - PAD_B + 16}" text-anchor="middle" font-size="11" fill="{INK}">{escape(label)}</text>')
    parts.append("</svg>")
    rows = [[label, f"{_num(v, places)} {unit}".strip()] for label, v in zip(labels, values)]
    return _figure(title, "".join(parts), ["", unit or "value"], rows)


def stacked_bar(title: str, labels: Sequence[str], values: Sequence[Decimal], unit: str = "", *, precisions: Precisions | None = None) -> Markup:
    """One horizontal bar split into segments (e.g. open receivables by aging bucket); a
    ``unit`` that is a currency is written at its precision in ``precisions``."""
    places = places_of(unit or None, precisions)
    total = sum(values, Decimal(0))
    colours = [ACCENT, "#6c9bd2", WARN, "#d46a3a", BAD, "#7a1f1f"]
    height = 64
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-labelledby="{_id(title)}-t"><title id="{_id(title)}-t">{escape(title)}</title>'
    ]
    x = float(PAD_L)
    span = WIDTH - PAD_L - PAD_R
    for i, (label, value) in enumerate(zip(labels, values)):
        if total <= 0 or value <= 0:
            continue
        w = float(span * (value / total))
        parts.append(
            f'<rect x="{x:.1f}" y="8" width="{w:.1f}" height="24" fill="{colours[min(i, len(colours) - 1)]}"><title>{escape(label)}: {escape(_num(value, places))} {escape(unit)}</title></rect>'
        )
        if w > 36:
            parts.append(f'<text x="{x + w / 2:.1f}" y="50" text-anchor="middle" font-size="11" fill="{INK}">{escape(label)}</text>')
        x += w
    if total <= 0:
        parts.append(f'<text x="{PAD_L}" y="26" font-size="12" fill="{INK}">nothing open</text>')
    parts.append("</svg>")
    rows = [[label, f"{_num(v, places)} {unit}".strip()] for label, v in zip(labels, values)]
    rows.append(["total", f"{_num(total, places)} {unit}".strip()])
    return _figure(title, "".join(parts), ["bucket", unit or "value"], rows)


def line_chart(title: str, labels: Sequence[str], values: Sequence[Decimal], *, top: Decimal, unit: str = "") -> Markup:
    """Points joined by a line on a fixed scale (e.g. NPS 0-10 over time)."""
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B
    n = len(values)
    parts = [_svg_open(title), _axis(top)]
    points = []
    for i, (label, value) in enumerate(zip(labels, values)):
        x = PAD_L + (plot_w * (i + 0.5) / n if n else 0)
        y = PAD_T + plot_h - float(plot_h * (value / top))
        points.append((x, y, label, value))
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    for x, y, label, value in points:
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{ACCENT}"><title>{escape(label)}: {escape(str(value))}</title></circle>')
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - PAD_B + 16}" text-anchor="middle" font-size="11" fill="{INK}">{escape(label)}</text>')
    if not points:
        parts.append(f'<text x="{PAD_L + 8}" y="{PAD_T + 20}" font-size="12" fill="{INK}">no surveys yet</text>')
    parts.append("</svg>")
    rows = [[label, str(value)] for label, value in zip(labels, values)]
    return _figure(title, "".join(parts), ["date", unit or "value"], rows)


def balance_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[Decimal],
    unit: str = "",
    *,
    floor: Decimal | None = None,
    precisions: Precisions | None = None,
) -> Markup:
    """A balance over time as bars from zero, up or down (e.g. closing cash per week); with
    ``floor``, a dashed line at that level and the bars below it drawn in red. A ``unit``
    that is a currency is written at its precision in ``precisions``."""
    places = places_of(unit or None, precisions)
    marks = [*values, *([floor] if floor is not None else [])]
    high = _nice_max(max([*marks, Decimal(0)]))
    low = -_nice_max(-min([*marks, Decimal(0)])) if min([*marks, Decimal(0)]) < 0 else Decimal(0)
    span = high - low
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B

    def y_of(value: Decimal) -> float:
        return PAD_T + plot_h - float(plot_h * ((value - low) / span))

    parts = [_svg_open(title)]
    for i in range(5):
        value = low + span * i / 4
        y = y_of(value)
        parts.append(f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{WIDTH - PAD_R}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{INK}">{escape(_num(value, 0))}</text>')
    zero = y_of(Decimal(0))
    parts.append(f'<line x1="{PAD_L}" y1="{zero:.1f}" x2="{WIDTH - PAD_R}" y2="{zero:.1f}" stroke="{INK}" stroke-width="1"/>')
    n = max(len(values), 1)
    slot = plot_w / n
    bar = slot * 0.64
    for i, (label, value) in enumerate(zip(labels, values)):
        top, bottom = (y_of(value), zero) if value >= 0 else (zero, y_of(value))
        x = PAD_L + slot * i + (slot - bar) / 2
        colour = BAD if floor is not None and value < floor else ACCENT
        parts.append(
            f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar:.1f}" height="{bottom - top:.1f}" fill="{colour}"><title>{escape(label)}: {escape(_num(value, places))} {escape(unit)}</title></rect>'
        )
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - PAD_B + 16}" text-anchor="middle" font-size="11" fill="{INK}">{escape(label)}</text>')
    note = ""
    if floor is not None:
        y = y_of(floor)
        parts.append(
            f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{WIDTH - PAD_R}" y2="{y:.1f}" stroke="{WARN}" stroke-width="2" stroke-dasharray="6 4">'
            f"<title>floor: {escape(_num(floor, places))} {escape(unit)}</title></line>"
        )
        note = f"Dashed line: the floor, {_num(floor, places)} {unit}".strip() + "; bars below it in red."
    parts.append("</svg>")
    rows = [[label, f"{_num(v, places)} {unit}".strip()] for label, v in zip(labels, values)]
    return _figure(title, "".join(parts), ["", unit or "value"], rows, note)


#: Colours of named series (health bands); other series take the palette in order.
SERIES_COLOURS = {"green": "#3c8d5a", "amber": WARN, "red": BAD}
PALETTE = [ACCENT, "#6c9bd2", WARN, "#d46a3a", BAD, "#7a1f1f"]


def stacked_columns(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal | int]]], unit: str = "") -> Markup:
    """One column per label split into the ``series`` (name and one value per label), bottom
    up in their order (e.g. accounts per health band at each month end); a table gives
    each label's values and their total."""
    columns = [(name, [Decimal(v) for v in values]) for name, values in series]
    totals = [sum((values[i] for _, values in columns), Decimal(0)) for i in range(len(labels))]
    top = _nice_max(max(totals, default=Decimal(0)))
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B
    n = max(len(labels), 1)
    slot = plot_w / n
    bar = slot * 0.64
    parts = [_svg_open(title), _axis(top)]
    for i, label in enumerate(labels):
        x = PAD_L + slot * i + (slot - bar) / 2
        base = float(PAD_T + plot_h)
        for k, (name, values) in enumerate(columns):
            value = max(values[i], Decimal(0))
            if value <= 0:
                continue
            h = float(plot_h * (value / top))
            colour = SERIES_COLOURS.get(name, PALETTE[k % len(PALETTE)])
            parts.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}"><title>{escape(label)} {escape(name)}: {escape(_num(value, 0))} {escape(unit)}</title></rect>'
            )
            base -= h
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - PAD_B + 16}" text-anchor="middle" font-size="11" fill="{INK}">{escape(label)}</text>')
    parts.append("</svg>")
    rows = [[label, *(_num(values[i], 0) for _, values in columns), _num(totals[i], 0)] for i, label in enumerate(labels)]
    note = "Bottom to top: " + ", ".join(name for name, _ in columns) + "."
    return _figure(title, "".join(parts), ["", *(name for name, _ in columns), "total"], rows, note)
