"""Money is shown at each currency's own precision, drawn from the ledger as fava does.

The precision of a currency is the most common number of decimal places the ledger
writes it with (Beancount's display context); a currency the ledger does not use
gets two places.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from acct_tool import cache
from acct_tool.books import load_books
from acct_tool.money import Money, amount_json, format_amount, format_money, number_text, places_of

D = Decimal

PRECISIONS = {"BTC": 4, "JPY": 0, "USD": 2}


def test_each_currency_is_written_at_its_precision() -> None:
    assert format_amount(D("0.0005"), "BTC", PRECISIONS) == "0.0005 BTC"
    assert format_amount(D("150000"), "JPY", PRECISIONS) == "150,000 JPY"
    assert format_amount(D("1200.5"), "USD", PRECISIONS) == "1,200.50 USD"
    assert format_amount(D("1200.5"), "USD", PRECISIONS, unit=False) == "1,200.50"
    assert format_money(Money(D("0.01234"), "BTC"), PRECISIONS) == "0.0123 BTC"


def test_a_currency_the_ledger_does_not_use_gets_two_places() -> None:
    assert places_of("EUR", PRECISIONS) == 2
    assert places_of("USD", None) == 2
    assert format_amount(D("7"), "EUR", PRECISIONS) == "7.00 EUR"


def test_rounding_is_half_to_even_and_zero_is_never_negative() -> None:
    assert format_amount(D("0.125"), "USD", PRECISIONS) == "0.12 USD"
    assert format_amount(D("0.135"), "USD", PRECISIONS) == "0.14 USD"
    assert format_amount(D("-0.001"), "USD", PRECISIONS) == "0.00 USD"
    assert number_text(D("0"), "USD", PRECISIONS) == "0.00"
    assert number_text(D("0"), "JPY", PRECISIONS) == "0"


def test_the_json_amount_is_number_and_currency() -> None:
    assert amount_json(D("12000"), "USD", PRECISIONS) == {"number": "12000.00", "currency": "USD"}
    assert amount_json(D("0.0045"), "BTC", PRECISIONS) == {"number": "0.0045", "currency": "BTC"}


LEDGER = """\
2025-01-01 open Assets:Receivable:Tom
2025-01-01 open Assets:Receivable:Sato
2025-01-01 open Assets:Bank:Wallet
2026-03-01 * "Invoice" ^INV-1
  Assets:Receivable:Tom  0.004 BTC
  Income:Services
2026-03-20 * "Paid" ^INV-1
  Assets:Receivable:Tom  -0.0045 BTC
  Assets:Bank:Wallet
2026-04-01 * "Invoice" ^INV-2
  Assets:Receivable:Tom  0.0123 BTC
  Income:Services
2026-04-01 * "Invoice" ^INV-3
  Assets:Receivable:Sato  150000 JPY
  Income:Services
2026-04-02 * "Invoice" ^INV-4
  Assets:Receivable:Sato  1200.50 USD
  Income:Services
"""

PROFILES = {
    "tom": "id: tom\nname: Tom\nkind: client\nstatus: active\ntier: standard\nmanager: lan\naccounts: {receivable: Assets:Receivable:Tom}\n",
    "sato": "id: sato\nname: Sato\nkind: client\nstatus: active\ntier: standard\nmanager: lan\naccounts: {receivable: Assets:Receivable:Sato}\n",
}


def precision_books(make) -> Path:  # type: ignore[no-untyped-def]
    return make(ledger=LEDGER, profiles=PROFILES)  # type: ignore[no-any-return]


def test_the_ledger_facts_carry_the_precision_of_each_currency(books) -> None:  # type: ignore[no-untyped-def]
    root = precision_books(books)
    loaded = load_books(root, datetime.date(2026, 11, 30), use_cache=False)
    # 0.004 and 0.0045 tie between three and four places: the larger wins, as in Beancount
    assert loaded.precisions == {"BTC": 4, "JPY": 0, "USD": 2}


def test_the_precisions_are_cached_with_the_facts(books) -> None:  # type: ignore[no-untyped-def]
    root = precision_books(books)
    load_books(root, datetime.date(2026, 11, 30), use_cache=True)
    cached = cache.load_facts(root / "ledger" / "main.beancount", root)
    assert cached is not None and cached.precisions == {"BTC": 4, "JPY": 0, "USD": 2}
    again = load_books(root, datetime.date(2026, 11, 30), use_cache=True)
    assert not again.ledger.loaded and again.precisions == {"BTC": 4, "JPY": 0, "USD": 2}
