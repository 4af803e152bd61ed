"""Amounts of money: a ``Decimal`` and a currency, never floats, never mixed currencies."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

_AMOUNT = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s+([A-Z][A-Z0-9'._-]{0,22}[A-Z0-9])\s*$")


class Money(NamedTuple):
    number: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.number} {self.currency}"


def parse_money(text: object) -> Money | None:
    """``"50000 USD"`` -> ``Money(Decimal("50000"), "USD")``; ``None`` for anything else."""
    if not isinstance(text, str):
        return None
    match = _AMOUNT.match(text)
    if not match:
        return None
    try:
        return Money(Decimal(match.group(1)), match.group(2))
    except InvalidOperation:  # pragma: no cover - the pattern only admits valid numbers
        return None


def format_number(number: Decimal, places: int = 2) -> str:
    """``Decimal("12345.5")`` -> ``"12,345.50"``: thousands separated, fixed places."""
    quantum = Decimal(1).scaleb(-places)
    return f"{number.quantize(quantum):,}"


def format_money(money: Money, places: int = 2) -> str:
    return f"{format_number(money.number, places)} {money.currency}"
