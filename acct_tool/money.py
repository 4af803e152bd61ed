"""Amounts of money: a ``Decimal`` and a currency, never floats, never mixed currencies."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Iterable, NamedTuple

#: The largest amounts the tool takes in, wherever they come from (profiles, statements):
#: at most this many digits before the decimal point (leading zeros aside) and after it.
#: 23 digits in all stay inside the 28 of Python's default decimal context, so the figures
#: worked out from an amount (shares, paces, rounding to cents) never overflow it. The
#: party schema's ``amount`` pattern spells out the same bound.
MAX_WHOLE_DIGITS = 15
MAX_FRACTION_DIGITS = 8
BOUND = f"at most {MAX_WHOLE_DIGITS} digits before the decimal point and {MAX_FRACTION_DIGITS} after it"

_AMOUNT = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s+([A-Z][A-Z0-9'._-]{0,22}[A-Z0-9])\s*$")


class Money(NamedTuple):
    number: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.number} {self.currency}"


def within_bound(number: Decimal) -> bool:
    """True when ``number`` has no more digits than :data:`MAX_WHOLE_DIGITS` and :data:`MAX_FRACTION_DIGITS` allow."""
    if not number.is_finite():
        return False
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    whole = number.adjusted() + 1 if number else 0
    return whole <= MAX_WHOLE_DIGITS and -exponent <= MAX_FRACTION_DIGITS


def parse_money(text: object) -> Money | None:
    """``"50000 USD"`` -> ``Money(Decimal("50000"), "USD")``; ``None`` for anything else,
    including amounts beyond the bound."""
    if not isinstance(text, str):
        return None
    match = _AMOUNT.match(text)
    if not match:
        return None
    try:
        number = Decimal(match.group(1))
    except InvalidOperation:  # pragma: no cover - the pattern only admits valid numbers
        return None
    return Money(number, match.group(2)) if within_bound(number) else None


def format_number(number: Decimal, places: int = 2) -> str:
    """``Decimal("12345.5")`` -> ``"12,345.50"``: thousands separated, fixed places.

    Rounded in a context as wide as the number, so that no amount (a ledger may hold
    any) is too long to show."""
    quantum = Decimal(1).scaleb(-places)
    digits = max(number.adjusted(), 0) + places + 2 if number.is_finite() else 0
    return f"{number.quantize(quantum, context=Context(prec=max(28, digits))):,}"


def format_money(money: Money, places: int = 2) -> str:
    return f"{format_number(money.number, places)} {money.currency}"


#: Every average the tool shows (days to pay, days late, NPS, CSAT, health, DSO) is
#: rounded to one decimal place, half to even ("banker's rounding", as Python's
#: ``round`` and Beancount's own display do): 2.25 -> 2.2, 2.35 -> 2.4.
AVERAGE_PLACES = 1


def average(values: Iterable[Decimal | int]) -> Decimal | None:
    """The mean of ``values`` rounded by the one rule for averages; ``None`` for no values."""
    items = [Decimal(v) for v in values]
    if not items:
        return None
    return rounded(sum(items, Decimal(0)) / len(items))


def rounded(value: Decimal, places: int = AVERAGE_PLACES) -> Decimal:
    """``value`` at ``places`` decimal places, half to even: the rule for every derived figure."""
    return value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN)
