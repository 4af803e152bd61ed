"""Revenue per client: income postings of the transactions on the client's receivable, plus listed income accounts."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from codes_seen import record
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

from acct_tool.books.load import load_books
from acct_tool.engines.revenue import full_year, revenue, year_to_date, year_to_date_total
from acct_tool.money import Money

Books = Callable[..., Path]
D = Decimal
day = datetime.date.fromisoformat

OPENS = """\
2025-01-01 open Assets:Receivable:Acme USD,EUR
2025-01-01 open Assets:Receivable:Beta USD
2025-01-01 open Assets:Bank:Euro EUR
2025-01-01 open Income:Consulting:Acme USD
"""


def profile(ident: str, income: str = "") -> str:
    accounts = f"{{receivable: Assets:Receivable:{ident.title()}{', income: [' + income + ']' if income else ''}}}"
    currencies = "[USD, EUR]" if ident == "acme" else "[USD]"
    return f"id: {ident}\nname: {ident.title()}\nkind: client\ncurrencies: {currencies}\naccounts: {accounts}\n"


def attributed(books: Books, ledger: str, acme_income: str = "", beta_income: str = ""):  # type: ignore[no-untyped-def]
    root = books(ledger=OPENS + ledger, profiles={"acme": profile("acme", acme_income), "beta": profile("beta", beta_income)})
    loaded = load_books(root, day("2026-12-31"))
    assert not [d for d in loaded.diagnostics if d.severity.value == "error"], loaded.diagnostics
    return loaded.attribution


INVOICES = """
2026-01-10 * "Acme" "Invoice" ^INV-1
  Assets:Receivable:Acme  1200.00 USD
  Income:Services        -1000.00 USD
  Income:Consulting:Acme  -200.00 USD

2026-02-03 * "Acme" "Payment" ^INV-1
  Assets:Bank:Operating  1200.00 USD
  Assets:Receivable:Acme

2026-03-15 * "Acme" "Credit note" ^CN-1
  credit_note: "CN-1"
  Income:Services          150.00 USD
  Assets:Receivable:Acme  -150.00 USD

2026-03-20 * "Acme" "Invoice in EUR" ^INV-2
  Assets:Receivable:Acme  800.00 EUR
  Income:Services

2026-04-01 * "Beta" "Invoice" ^INV-3
  Assets:Receivable:Beta  500.00 USD
  Income:Services
"""


def test_income_postings_of_receivable_transactions_are_revenue(books: Books) -> None:
    found = attributed(books, INVOICES)
    rev = revenue(found.of("acme"), "acme", day("2026-01-01"), day("2026-12-31"))
    # invoice 1,200 (two income lines), payment 0, credit note -150; EUR apart
    assert rev.totals == (Money(D("800.00"), "EUR"), Money(D("1050.00"), "USD"))
    assert rev.total("USD") == D("1050.00") and rev.total("GBP") == D(0)
    assert revenue(found.of("beta"), "beta", day("2026-01-01"), day("2026-12-31")).totals == (Money(D("500.00"), "USD"),)
    assert [(p.account, p.amount) for p in found.of("acme") if p.currency == "USD"] == [
        ("Income:Services", D("1000.00")),
        ("Income:Consulting:Acme", D("200.00")),
        ("Income:Services", D("-150.00")),
    ]
    assert found.diagnostics == ()


def test_revenue_by_month_per_currency_with_zero_months(books: Books) -> None:
    rev = revenue(attributed(books, INVOICES).of("acme"), "acme", day("2026-01-01"), day("2026-04-30"))
    assert [(m.month, m.currency, m.amount) for m in rev.months] == [
        ("2026-01", "EUR", D(0)),
        ("2026-02", "EUR", D(0)),
        ("2026-03", "EUR", D("800.00")),
        ("2026-04", "EUR", D(0)),
        ("2026-01", "USD", D("1200.00")),
        ("2026-02", "USD", D(0)),
        ("2026-03", "USD", D("-150.00")),
        ("2026-04", "USD", D(0)),
    ]


def test_period_bounds_are_inclusive_and_years_are_calendar_years(books: Books) -> None:
    found = attributed(books, INVOICES).of("acme")
    assert revenue(found, "acme", day("2026-01-10"), day("2026-01-10")).total("USD") == D("1200.00")
    assert revenue(found, "acme", day("2026-01-11"), day("2026-03-14")).totals == ()
    assert year_to_date(found, "acme", day("2026-03-15")).total("USD") == D("1050.00")
    assert full_year(found, "acme", 2025).totals == ()


def test_the_year_to_date_total_the_health_score_reads_is_the_revenue_total(books: Books) -> None:
    found = attributed(books, INVOICES)
    for party in ("acme", "beta"):
        for as_of in ("2026-01-09", "2026-01-10", "2026-03-15", "2026-03-19", "2026-12-31", "2027-01-05"):
            for currency in ("USD", "EUR", "GBP"):
                whole = year_to_date(found.of(party), party, day(as_of)).total(currency)
                assert year_to_date_total(found.of(party), party, day(as_of), currency) == whole, (party, as_of, currency)
    assert year_to_date_total(found.of("acme"), "acme", day("2026-03-15"), "USD") == D("1050.00")
    assert year_to_date_total(found.of("acme"), "acme", day("2027-01-05"), "USD") == D(0)  # a new year starts at zero
    assert year_to_date_total(found.of("acme"), "beta", day("2026-12-31"), "USD") == D(0)  # another client's postings do not count


def test_sub_accounts_of_the_receivable_belong_to_the_client(books: Books) -> None:
    ledger = '2025-01-01 open Assets:Receivable:Acme:ProjectX USD\n2026-05-01 * "Acme" "Project invoice" ^INV-9\n  Assets:Receivable:Acme:ProjectX  700.00 USD\n  Income:Services\n'
    assert year_to_date(attributed(books, ledger).of("acme"), "acme", day("2026-12-31")).total("USD") == D("700.00")


def test_cash_sale_counts_through_an_income_account_only_one_profile_lists(books: Books) -> None:
    sale = '2026-06-01 * "Acme" "Workshop paid on the spot"\n  Assets:Bank:Operating  300.00 USD\n  Income:Consulting:Acme\n'
    found = attributed(books, sale, acme_income="Income:Consulting:Acme")
    assert [(p.party, p.amount) for p in found.of("acme")] == [("acme", D("300.00"))]
    unlisted = attributed(books, sale)
    assert unlisted.of("acme") == () and unlisted.diagnostics == ()


def test_cash_sale_to_a_shared_income_account_counts_for_nobody_with_a_warning(books: Books) -> None:
    sale = '2026-06-01 * "Walk-in" "Workshop"\n  Assets:Bank:Operating  300.00 USD\n  Income:Services\n'
    found = attributed(books, sale, acme_income="Income:Services", beta_income="Income:Services")
    assert found.of("acme") == found.of("beta") == ()
    [warning] = found.diagnostics
    assert (warning.code, warning.severity.value, warning.file, warning.line) == ("account-shared-income", "warning", "ledger/main.beancount", 10)
    assert "listed by several profiles (acme, beta)" in warning.message
    record("account-shared-income")
    # ... while a shared account on an invoice is simply the invoiced client's
    invoice = '2026-06-02 * "Beta" "Invoice" ^INV-7\n  Assets:Receivable:Beta  400.00 USD\n  Income:Services\n'
    found = attributed(books, invoice, acme_income="Income:Services", beta_income="Income:Services")
    assert (found.of("acme"), [p.amount for p in found.of("beta")]) == ((), [D("400.00")])


def test_one_transaction_on_two_receivables_splits_its_income(books: Books) -> None:
    joint = '2026-07-01 * "Joint event"\n  Assets:Receivable:Acme  600.00 USD\n  Assets:Receivable:Beta  400.00 USD\n  Income:Services  -1000.01 USD\n  Assets:Bank:Operating  0.01 USD\n'
    found = attributed(books, joint)
    acme, beta = found.of("acme")[0].amount, found.of("beta")[0].amount
    assert (acme, beta) == (D("600.01"), D("400.00"))  # shares by receivable amount; the last share takes the cent
    assert acme + beta == D("1000.01")


def test_examples_revenue_in_show_and_portfolio() -> None:
    books = load_books(EXAMPLES, day(EXAMPLES_AS_OF))
    found = books.attribution
    assert found.diagnostics == ()
    assert year_to_date(found.of("harbor-logistics"), "harbor-logistics", books.as_of).totals == (Money(D("88000.00"), "USD"),)
    assert full_year(found.of("harbor-logistics"), "harbor-logistics", 2025).totals == (Money(D("46500.00"), "USD"),)
    assert year_to_date(found.of("nordlicht"), "nordlicht", books.as_of).totals == (Money(D("49700.00"), "EUR"),)
    assert found.of("pinecrest") and year_to_date(found.of("pinecrest"), "pinecrest", books.as_of).totals == ()
    shown = run_cli("clients", "show", "harbor-logistics", books=EXAMPLES, as_of=EXAMPLES_AS_OF).output
    assert "Revenue 2026 to 2026-11-30: 88,000.00 USD (target 96,000.00 USD, 92%)" in shown
    assert "Revenue 2025: 46,500.00 USD" in shown
    totals = run_cli("portfolio", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()["totals"]
    assert totals["revenue"] == [{"number": "49700.00", "currency": "EUR"}, {"number": "519300.00", "currency": "USD"}]  # never summed across currencies
