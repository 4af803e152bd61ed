"""Amounts of money: a ``Decimal`` and a currency, never floats, never mixed currencies."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Any, NamedTuple

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


#: Places per currency (``{"USD": 2, "JPY": 0, "BTC": 8}``): how the ledger writes each one.
Precisions = Mapping[str, int]

#: The places of a currency the ledger does not use.
DEFAULT_PLACES = 2


def places_of(currency: str | None, precisions: Precisions | None = None) -> int:
    """The decimal places ``currency`` is shown with: the ledger's, else :data:`DEFAULT_PLACES`."""
    if currency is None or not precisions:
        return DEFAULT_PLACES
    return precisions.get(currency, DEFAULT_PLACES)


def quantized(number: Decimal, places: int) -> Decimal:
    """``number`` at ``places`` decimal places, half to even; zero is never negative.

    Rounded in a context as wide as the number, so that no amount (a ledger may hold
    any) is too long to show."""
    quantum = Decimal(1).scaleb(-places)
    digits = max(number.adjusted(), 0) + places + 2 if number.is_finite() else 0
    value = number.quantize(quantum, rounding=ROUND_HALF_EVEN, context=Context(prec=max(28, digits)))
    return value.copy_abs() if value.is_zero() else value


def format_number(number: Decimal, places: int = DEFAULT_PLACES) -> str:
    """``Decimal("12345.5")`` -> ``"12,345.50"``: thousands separated, fixed places."""
    return f"{quantized(number, places):,}"


def format_amount(number: Decimal, currency: str, precisions: Precisions | None = None, *, unit: bool = True) -> str:
    """``12345.5, "USD"`` -> ``"12,345.50 USD"``: the one way an amount is written for people.

    At the currency's precision in ``precisions`` (see :func:`places_of`); with
    ``unit=False`` without the currency, for a column or section that names it."""
    text = format_number(number, places_of(currency, precisions))
    return f"{text} {currency}" if unit else text


def format_money(money: Money, precisions: Precisions | None = None) -> str:
    """``Money(12000, "USD")`` -> ``"12,000.00 USD"`` (see :func:`format_amount`)."""
    return format_amount(money.number, money.currency, precisions)


def number_text(number: Decimal, currency: str, precisions: Precisions | None = None) -> str:
    """``12000, "USD"`` -> ``"12000.00"``: the number of a JSON amount, at the currency's precision."""
    return str(quantized(number, places_of(currency, precisions)))


def amount_json(number: Decimal, currency: str, precisions: Precisions | None = None) -> dict[str, Any]:
    """The one JSON shape of an amount: ``{"number": "12000.00", "currency": "USD"}``."""
    return {"number": number_text(number, currency, precisions), "currency": currency}


def by_currency(amounts: Iterable[Money]) -> list[Money]:
    """``amounts`` sorted by currency: the order of every multi-currency total."""
    return sorted(amounts, key=lambda m: m.currency)


#: Every average the tool shows (days to pay, days late, NPS, CSAT, health, DSO) is
#: rounded to one decimal place, half to even ("banker's rounding", as Python's
#: ``round`` and Beancount's own display do): 2.25 -> 2.2, 2.35 -> 2.4.
AVERAGE_PLACES = 1


def average(values: Iterable[Decimal | int]) -> Decimal | None:
    """The mean of ``values`` rounded by the one rule for averages; ``None`` for no values."""
    items = values if isinstance(values, list) else list(values)
    if not items:
        return None
    # whole numbers (days) add up as integers: the same sum as Decimals', exactly
    return rounded(Decimal(sum(items)) / len(items))


def rounded(value: Decimal, places: int = AVERAGE_PLACES) -> Decimal:
    """``value`` at ``places`` decimal places, half to even: the rule for every derived figure."""
    return value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN)
