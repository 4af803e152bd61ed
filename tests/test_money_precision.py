"""Money is shown at each currency's own precision, drawn from the ledger as fava does.

The precision of a currency is the most common number of decimal places the ledger
writes it with (Beancount's display context); a currency the ledger does not use
gets two places.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from conftest import run_cli

from acct_tool.books import cache
from acct_tool.books.load import load_books
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
    "tom": "id: tom\nname: Tom\nkind: client\nstatus: active\ntier: standard\nmanager: lan\ncurrencies: [BTC]\naccounts: {receivable: Assets:Receivable:Tom}\n",
    "sato": "id: sato\nname: Sato\nkind: client\nstatus: active\ntier: standard\nmanager: lan\ncurrencies: [JPY, USD]\naccounts: {receivable: Assets:Receivable:Sato}\n",
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


AS_OF = "2026-11-30"


def test_tables_show_each_currency_at_its_precision(books) -> None:  # type: ignore[no-untyped-def]
    root = precision_books(books)
    table = run_cli("open", "ar", books=root, as_of=AS_OF).output
    assert "  INV-2  2026-04-01  2026-05-01    0.0123  0.0000  0.0123   213" in table
    assert "  INV-3  2026-04-01  2026-05-01   150,000     0  150,000   213" in table
    assert "  INV-4  2026-04-02  2026-05-02  1,200.50  0.00  1,200.50   212" in table
    assert "unapplied credit: tom 0.0005 BTC" in table
    aging = run_cli("aging", "ar", books=root, as_of=AS_OF).output
    assert "unapplied credits: tom 0.0005; net open 0.0118 BTC" in aging
    listed = run_cli("clients", "list", books=root, as_of=AS_OF).output
    assert "150,000 JPY, 1,200.50 USD" in listed and "0.0118 BTC" in listed
    tie = run_cli("reconcile", "ar", books=root, as_of=AS_OF).output
    assert "tom    BTC    0.0123   0.0005    0.0118          ok" in tie


def test_csv_figures_are_at_each_currency_s_precision(books) -> None:  # type: ignore[no-untyped-def]
    root = precision_books(books)
    rows = run_cli("open", "ar", "--format", "csv", books=root, as_of=AS_OF).output.splitlines()
    assert sorted(rows[1:]) == [
        "INV-2,tom,2026-04-01,2026-05-01,BTC,0.0123,0.0000,0.0123,213",
        "INV-3,sato,2026-04-01,2026-05-01,JPY,150000,0,150000,213",
        "INV-4,sato,2026-04-02,2026-05-02,USD,1200.50,0.00,1200.50,212",
    ]
    tie = run_cli("reconcile", "ar", "--format", "csv", books=root, as_of=AS_OF).output.splitlines()
    assert "tom,Assets:Receivable:Tom,BTC,0.0123,0.0005,0.0118,0.0000,true" in tie
    listed = run_cli("clients", "list", "--format", "csv", books=root, as_of=AS_OF).output
    assert "150000 JPY; 1200.50 USD" in listed


def test_json_amounts_are_at_each_currency_s_precision(books) -> None:  # type: ignore[no-untyped-def]
    root = precision_books(books)
    data = run_cli("open", "ar", "--format", "json", books=root, as_of=AS_OF).json()
    opened = {d["document"]: d["open"] for d in data["documents"]}
    assert opened == {
        "INV-2": {"number": "0.0123", "currency": "BTC"},
        "INV-3": {"number": "150000", "currency": "JPY"},
        "INV-4": {"number": "1200.50", "currency": "USD"},
    }
    assert data["unapplied_credits"][0]["unapplied"] == {"number": "0.0005", "currency": "BTC"}
    listed = run_cli("clients", "list", "--format", "json", books=root, as_of=AS_OF).json()["clients"]
    sato = next(c for c in listed if c["id"] == "sato")
    assert sato["open"] == [{"number": "150000", "currency": "JPY"}, {"number": "1200.50", "currency": "USD"}]


def test_the_statement_in_markdown_keeps_each_currency_s_precision(books) -> None:  # type: ignore[no-untyped-def]
    root = precision_books(books)
    text = run_cli("statement", "tom", "--from", "2026-01-01", "--format", "md", books=root, as_of=AS_OF).output
    assert "| 2026-03-20 | Paid | payment (applies to INV-1) |  | 0.0045 | -0.0005 |" in text


def test_an_overpayment_in_btc_says_by_how_much(books: Callable[..., Path]) -> None:
    root = precision_books(books)
    result = run_cli("reconcile", "ar", books=root, as_of=AS_OF)
    assert "INV-1 overpaid by 0.0005 BTC" in result.output


def test_reviews_in_markdown_and_html_show_each_currency_at_its_precision(books) -> None:  # type: ignore[no-untyped-def]
    root = precision_books(books)
    md = run_cli("review", "sato", "--format", "md", books=root, as_of=AS_OF).output
    assert "| Revenue year to date | 150,000 |" in md and "| Revenue year to date | 1,200.50 |" in md
    assert "| 90+ | 150,000 |" in md and "| INV-3 | 2026-04-01 | 2026-05-01 | 150,000 JPY | 213 |" in md
    html = run_cli("review", "tom", "--format", "html", books=root, as_of=AS_OF).output
    assert "<b>0.0163</b>" in html and "<title>2026-03: 0.0040 BTC</title>" in html
    assert "<td>0.0123 BTC</td>" in html  # the aging chart's table


def test_filters_and_charts_take_the_precisions_they_are_given() -> None:
    from acct_tool.render.template_filters import filters, template_globals

    bound = filters(PRECISIONS)
    assert bound["money"](D("0.00451"), "BTC") == "0.0045 BTC"
    assert bound["money"](Money(D("150000"), "JPY")) == "150,000 JPY"
    assert bound["amount"](D("150000"), "JPY") == "150,000"
    assert bound["money"](D("12"), "USD", 0) == "12 USD"  # explicit places win
    chart = template_globals(PRECISIONS)["bar_chart"]("Revenue", ["2026-03"], [D("0.004")], "BTC")
    assert "<td>0.0040 BTC</td>" in chart
    assert "<td>0.0040 BTC</td>" in template_globals(PRECISIONS)["stacked_bar"]("Aging", ["90+"], [D("0.004")], "BTC")


def test_health_reasons_and_follow_ups_write_amounts_at_their_precision(books: Callable[..., Path]) -> None:
    """The sentences the engines write (health reasons, red flags, chase messages) use the ledger's precision too."""
    root = precision_books(books)
    shown = run_cli("clients", "show", "sato", books=root, as_of=AS_OF).output
    assert "150,000 JPY" in shown
    assert "150,000.00 JPY" not in shown
