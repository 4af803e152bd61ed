"""Filters and functions report templates can use: small pure functions, registered explicitly.

Money is written by :mod:`acct_tool.money` at each currency's precision in the ledger:
:func:`filters` and :func:`template_globals` bind that formatter to the books' precisions.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from acct_tool.money import Money, Precisions, format_amount, format_money, format_number
from acct_tool.render import charts
from acct_tool.render.text_safety import markdown as f_md


def f_money(value: Any, currency: str | None = None, places: int | None = None, *, precisions: Precisions | None = None) -> str:
    """``12000 | money("USD")`` -> ``12,000.00 USD``, at the currency's precision; a :class:`Money`
    needs no currency; without one, the number alone at ``places`` (default two)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, Money):
        return format_money(value, precisions)
    number = Decimal(str(value))
    if currency and places is None:
        return format_amount(number, currency, precisions)
    text = format_number(number, 2 if places is None else places)
    return f"{text} {currency}" if currency else text


def f_amount(value: Any, currency: str, *, precisions: Precisions | None = None) -> str:
    """``12000 | amount("USD")`` -> ``12,000.00``: the number at the currency's precision, without
    the unit (for a table or section that names the currency)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, Money):
        value = value.number
    return format_amount(Decimal(str(value)), currency, precisions, unit=False)


def f_number(value: Any, places: int = 0) -> str:
    if value is None:
        return "–"
    return f"{Decimal(str(value)).quantize(Decimal(1).scaleb(-places)):,}"


def f_pct(value: Any, places: int = 0) -> str:
    if value is None:
        return "–"
    return f"{Decimal(str(value)).quantize(Decimal(1).scaleb(-places))}%"


def f_signed(value: Any, places: int = 0) -> str:
    if value is None:
        return "–"
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    return f"+{number}" if number > 0 else str(number)


def f_date(value: Any, fmt: str = "%Y-%m-%d") -> str:
    if value is None:
        return "–"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.strftime(fmt)
    return str(value)


def f_days(value: Any) -> str:
    if value is None:
        return "–"
    n = int(value)
    return f"{n} day{'s' if abs(n) != 1 else ''}"


FILTERS: dict[str, Callable[..., str]] = {
    "money": f_money,
    "amount": f_amount,
    "number": f_number,
    "pct": f_pct,
    "signed": f_signed,
    "date": f_date,
    "days": f_days,
    "md": f_md,
}

GLOBALS: dict[str, Any] = {
    "bar_chart": charts.bar_chart,
    "stacked_bar": charts.stacked_bar,
    "line_chart": charts.line_chart,
    "balance_chart": charts.balance_chart,
    "stacked_columns": charts.stacked_columns,
}


def filters(precisions: Precisions | None = None) -> dict[str, Callable[..., str]]:
    """:data:`FILTERS`, with ``money`` and ``amount`` at the precisions of the books' ledger."""

    def money(value: Any, currency: str | None = None, places: int | None = None) -> str:
        return f_money(value, currency, places, precisions=precisions)

    def amount(value: Any, currency: str) -> str:
        return f_amount(value, currency, precisions=precisions)

    return {**FILTERS, "money": money, "amount": amount}


def template_globals(precisions: Precisions | None = None) -> dict[str, Any]:
    """:data:`GLOBALS`, the charts of money writing it at the precisions of the books' ledger."""

    def bar_chart(title: str, labels: Sequence[str], values: Sequence[Decimal], unit: str = "", *, highlight: Sequence[bool] | None = None) -> Markup:
        return charts.bar_chart(title, labels, values, unit, highlight=highlight, precisions=precisions)

    def stacked_bar(title: str, labels: Sequence[str], values: Sequence[Decimal], unit: str = "") -> Markup:
        return charts.stacked_bar(title, labels, values, unit, precisions=precisions)

    def balance_chart(title: str, labels: Sequence[str], values: Sequence[Decimal], unit: str = "", *, floor: Decimal | None = None) -> Markup:
        return charts.balance_chart(title, labels, values, unit, floor=floor, precisions=precisions)

    return {**GLOBALS, "bar_chart": bar_chart, "stacked_bar": stacked_bar, "balance_chart": balance_chart}
