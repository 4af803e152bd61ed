"""Filters and functions report templates can use: small pure functions, registered explicitly."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Callable

from acct_tool import charts
from acct_tool.money import Money
from acct_tool.text_safety import markdown as f_md


def f_money(value: Any, currency: str | None = None, places: int = 2) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, Money):  # the number; the currency is shown when passed, as for a plain number
        value = value.number
    number = Decimal(str(value))
    text = f"{number.quantize(Decimal(1).scaleb(-places)):,}"
    return f"{text} {currency}" if currency else text


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
}
