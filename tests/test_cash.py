"""``acct-tool cash``: the position per cash account and the weekly forecast per currency."""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from conftest import EXAMPLES_AS_OF, run_cli

Books = Callable[..., Path]

HEAD = """\
option "operating_currency" "USD"
2025-01-01 open Assets:Bank:Operating USD
2025-01-01 open Assets:Bank:Euro EUR
2025-01-01 open Assets:Receivable:Acme USD
2025-01-01 open Liabilities:Payable:Hostco USD
2025-01-01 open Income:Services USD
2025-01-01 open Expenses:Hosting USD
2025-01-01 open Expenses:Rent USD
2025-01-01 open Expenses:Salaries USD
2025-01-01 open Equity:Opening-Balances USD,EUR

2026-01-01 * "Opening"
  Assets:Bank:Operating   10000.00 USD
  Assets:Bank:Euro         2000.00 EUR
  Equity:Opening-Balances
"""

ACME = "id: acme\nname: Acme\nkind: client\nmanager: ana\naccounts:\n  receivable: Assets:Receivable:Acme\n"
HOSTCO = "id: hostco\nname: Hostco\nkind: vendor\naccounts:\n  payable: Liabilities:Payable:Hostco\n"


def invoice(number: str, date: str, due: str, amount: str) -> str:
    return f"""
{date} * "Acme" "Invoice {number}" ^{number}
  due: {due}
  Assets:Receivable:Acme   {amount} USD
  Income:Services
"""


def paid(number: str, date: str, amount: str) -> str:
    return f"""
{date} * "Acme" "Payment {number}" ^{number}
  Assets:Bank:Operating    {amount} USD
  Assets:Receivable:Acme
"""


def cash_json(root: Path, *args: str, as_of: str = "2026-11-30") -> Any:
    result = run_cli("cash", "--format", "json", *args, books=root, as_of=as_of)
    assert result.exit_code == 0, result.stderr
    return result.json()


def money(value: dict[str, str]) -> Decimal:
    return Decimal(value["number"])


def lines(data: Any, currency: str) -> list[dict[str, Any]]:
    block = currency_block(data, currency)
    found: list[dict[str, Any]] = [line for week in block["weeks"] for line in week["lines"]]
    return found + list(block["beyond"])


def currency_block(data: Any, currency: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in data["currencies"] if c["currency"] == currency)
    return found


# -- the examples ------------------------------------------------------------------


def test_the_position_is_beancounts_own_balance_of_each_cash_account(examples_copy: Path) -> None:
    from beancount import loader
    from beancount.core import realization

    data = cash_json(examples_copy, as_of=EXAMPLES_AS_OF)
    as_of = datetime.date.fromisoformat(EXAMPLES_AS_OF)
    entries, errors, _options = loader.load_file(str(examples_copy / "ledger" / "main.beancount"))
    assert errors == []
    real = realization.realize([e for e in entries if e.date <= as_of])  # type: ignore[no-untyped-call]
    shown = {(p["account"], p["currency"]): money(p["balance"]) for p in data["positions"]}
    assert {account for account, _ in shown} == {"Assets:Bank:Operating", "Assets:Bank:Euro"}
    for (account, currency), balance in shown.items():
        inventory = realization.get(real, account).balance  # type: ignore[no-untyped-call]
        assert balance == inventory.get_currency_units(currency).number, account
    # the last balance assertion on or before the as-of date, and the last statement filed
    operating = next(p for p in data["positions"] if p["account"] == "Assets:Bank:Operating")
    assert operating["last_balance_assertion"] == {"date": "2026-11-01", "amount": {"number": "169270.75", "currency": "USD"}}
    assert operating["last_statement"]["end"] == "2026-10-31"
    assert operating["last_statement"]["file"].startswith("ledger/statements/northbank-2026-10.")


def test_receipts_are_the_open_receivables_counted_each_with_its_number(examples_copy: Path) -> None:
    data = cash_json(examples_copy, "--weeks", "52", as_of=EXAMPLES_AS_OF)
    opened = run_cli("open", "ar", "--format", "json", books=examples_copy, as_of=EXAMPLES_AS_OF).json()["documents"]
    at_risk = {r["document"] for r in data["at_risk"]}
    for currency in ("USD", "EUR"):
        receipts = [line for line in lines(data, currency) if line["kind"] == "receipt"]
        assert all(line["source"]["kind"] == "invoice" and line["source"]["document"] for line in receipts)
        counted = [d for d in opened if d["open"]["currency"] == currency and d["document"] not in at_risk]
        assert sorted(line["source"]["document"] for line in receipts) == sorted(d["document"] for d in counted)
        assert sum(money(line["amount"]) for line in receipts) == sum(money(d["open"]) for d in counted)
        block = currency_block(data, currency)
        assert sum(money(w["receipts"]) for w in block["weeks"]) == sum(money(line["amount"]) for line in receipts)


def test_invoices_past_the_last_collection_level_are_at_risk_not_receipts(examples_copy: Path) -> None:
    data = cash_json(examples_copy, as_of=EXAMPLES_AS_OF)
    risk = {r["document"]: r for r in data["at_risk"]}
    assert risk["INV-2026-039"]["party"] == "harbor-logistics"
    assert risk["INV-2026-039"]["days_past_due"] == 108
    assert all(r["days_past_due"] >= 60 for r in risk.values())  # the last of the default levels 7, 30, 60
    assert "INV-2026-039" not in {line["source"].get("document") for line in lines(data, "USD")}
    table = run_cli("cash", books=examples_copy, as_of=EXAMPLES_AS_OF).output
    assert "At risk" in table and "INV-2026-039" in table.split("At risk")[1]


def test_currencies_are_never_added_together(examples_copy: Path) -> None:
    data = cash_json(examples_copy, as_of=EXAMPLES_AS_OF)
    assert [c["currency"] for c in data["currencies"]] == ["EUR", "USD"]
    for block in data["currencies"]:
        currency = block["currency"]
        held = [money(p["balance"]) for p in data["positions"] if p["currency"] == currency]
        assert money(block["opening"]) == sum(held)
        for week in block["weeks"]:
            for key in ("opening", "receipts", "payments", "recurring", "closing"):
                assert week[key]["currency"] == currency
            assert all(line["amount"]["currency"] == currency for line in week["lines"])


def test_table_json_and_csv_show_the_same_figures(examples_copy: Path) -> None:
    data = cash_json(examples_copy, as_of=EXAMPLES_AS_OF)
    table = run_cli("cash", books=examples_copy, as_of=EXAMPLES_AS_OF).output
    rows = list(csv.DictReader(io.StringIO(run_cli("cash", "--format", "csv", books=examples_copy, as_of=EXAMPLES_AS_OF).output)))
    sums: dict[tuple[str, int, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        sums[(row["currency"], int(row["week"]), row["kind"])] += Decimal(row["amount"])
    for block in data["currencies"]:
        section = table.split(f"Forecast {block['currency']},")[1].split("\n\n")[0]
        for week in block["weeks"]:
            for kind, key in (("receipt", "receipts"), ("payment", "payments"), ("recurring", "recurring")):
                assert sums[(block["currency"], week["week"], kind)] == money(week[key])
            shown = next(line for line in section.splitlines() if line.split()[:2] == [str(week["week"]), week["start"]])
            figures = [Decimal(v.replace(",", "")) for v in shown.split()[3:8]]
            assert figures == [money(week[k]) for k in ("opening", "receipts", "payments", "recurring", "closing")]
    # the example's floor (150,000 USD) is first broken by January's payroll
    usd = currency_block(data, "USD")
    assert usd["floor_week"] == 8
    assert money(usd["weeks"][7]["closing"]) < Decimal(150000) <= money(usd["weeks"][6]["closing"])
    marked = [line for line in table.split("Forecast USD,")[1].splitlines() if "< floor" in line]
    assert len(marked) == 1 and marked[0].split()[0] == "8"


# -- inline books ------------------------------------------------------------------


def test_recurring_rules_land_in_the_weeks_of_their_dates(books: Books) -> None:
    settings = """\
cash:
  recurring:
    - {name: Payroll, amount: -3000.00 USD, cadence: monthly, day: 25, account: Expenses:Salaries}
    - {name: Rent, amount: 800 USD, direction: out, cadence: monthly, first: 2026-12-01, until: 2027-01-31}
    - {name: Cleaning, amount: -50 USD, cadence: weekly, first: 2026-12-03}
    - {name: Insurance, amount: -1200 USD, cadence: quarterly, first: 2026-10-15}
    - {name: Grant, amount: 500 EUR, cadence: yearly, first: 2026-02-10}
"""
    root = books(head=HEAD, settings=settings)
    data = cash_json(root, "--weeks", "13")
    usd = lines(data, "USD")
    dates = defaultdict(list)
    for line in usd:
        assert line["source"]["kind"] == "recurring"
        dates[line["source"]["rule"]].append((line["date"], line["week"], line["amount"]["number"]))
    # week 1 starts on 2026-12-01; week n is days 7(n-1) .. 7n-1 after it
    assert dates["Payroll"] == [("2026-12-25", 4, "-3000.00"), ("2027-01-25", 8, "-3000.00"), ("2027-02-25", 13, "-3000.00")]
    assert dates["Rent"] == [("2026-12-01", 1, "-800.00"), ("2027-01-01", 5, "-800.00")]  # until 2027-01-31
    assert [d for d, _, _ in dates["Cleaning"]][:3] == ["2026-12-03", "2026-12-10", "2026-12-17"] and len(dates["Cleaning"]) == 13
    assert dates["Insurance"] == [("2027-01-15", 7, "-1200.00")]
    # yearly from February 2026: 10 February 2027, week 11, in its own currency
    assert [(line["date"], line["week"], line["amount"]) for line in lines(data, "EUR")] == [("2027-02-10", 11, {"number": "500.00", "currency": "EUR"})]
    eur = currency_block(data, "EUR")
    assert money(eur["weeks"][10]["recurring"]) == Decimal(500) and money(eur["weeks"][12]["closing"]) == Decimal(2500)


def test_a_floor_marks_the_first_week_below_it(books: Books) -> None:
    settings = """\
cash:
  floor: ["6000 USD", "100 EUR"]
  recurring:
    - {name: Payroll, amount: -3000 USD, cadence: weekly, first: 2026-12-02}
"""
    root = books(head=HEAD, settings=settings)
    data = cash_json(root, "--weeks", "4")
    usd = currency_block(data, "USD")
    assert [money(w["closing"]) for w in usd["weeks"]] == [Decimal(7000), Decimal(4000), Decimal(1000), Decimal(-2000)]
    assert usd["floor"] == {"number": "6000.00", "currency": "USD"}
    assert usd["floor_week"] == 2
    assert [w["below_floor"] for w in usd["weeks"]] == [False, True, True, True]
    assert currency_block(data, "EUR")["floor_week"] is None
    table = run_cli("cash", "--weeks", "4", books=root, as_of="2026-11-30").output
    usd_table = table.split("Forecast USD,")[1]
    assert [line.split()[0] for line in usd_table.splitlines() if line.endswith("< floor")] == ["2"]
    # a floor as a mapping works the same
    mapped = books(head=HEAD, settings=settings.replace('["6000 USD", "100 EUR"]', "{USD: 6000}"))
    assert currency_block(cash_json(mapped, "--weeks", "4"), "USD")["floor_week"] == 2


def test_a_receipt_is_expected_at_due_plus_the_median_lateness(books: Books) -> None:
    history = ""
    # seven paid invoices: the first paid (25 days late) is too old to count; the last six were 2, 4, 10, 12, 20, 30 days late
    for i, late in enumerate([25, 2, 4, 10, 12, 20, 30], start=1):
        due = datetime.date(2026, 1, 15) + datetime.timedelta(days=30 * i)
        history += invoice(f"INV-{i}", str(due - datetime.timedelta(days=30)), str(due), "100.00")
        history += paid(f"INV-{i}", str(due + datetime.timedelta(days=late)), "100.00")
    history += invoice("INV-OPEN", "2026-11-20", "2026-12-20", "500.00")
    history += invoice("INV-LATE", "2026-10-20", "2026-11-25", "250.00")
    root = books(head=HEAD, ledger=history, profiles={"acme": ACME}, settings="payment_days: 30\n")
    data = cash_json(root)
    receipts = {line["source"]["document"]: line for line in lines(data, "USD") if line["kind"] == "receipt"}
    assert set(receipts) == {"INV-OPEN", "INV-LATE"}
    # median of 2, 4, 10, 12, 20, 30 = (10 + 12) / 2 = 11 days
    assert receipts["INV-OPEN"]["source"] == {
        "kind": "invoice",
        "document": "INV-OPEN",
        "party": "acme",
        "due": "2026-12-20",
        "expected": "2026-12-31",
        "basis": "median 11 days late over 6 paid invoices",
    }
    assert receipts["INV-OPEN"]["week"] == 5
    # 2026-11-25 + 11 days = 2026-12-06, in week 1
    assert receipts["INV-LATE"]["source"]["expected"] == "2026-12-06" and receipts["INV-LATE"]["week"] == 1


def test_without_payment_history_a_receipt_is_expected_on_its_due_date_and_bills_on_theirs(books: Books) -> None:
    ledger = invoice("INV-9", "2026-11-01", "2026-11-20", "700.00")
    ledger += """
2026-11-10 * "Hostco" "Bill B-1" ^B-1
  due: 2026-11-25
  Liabilities:Payable:Hostco  -90.00 USD
  Expenses:Hosting

2026-11-20 * "Hostco" "Bill B-2" ^B-2
  due: 2026-12-20
  Liabilities:Payable:Hostco  -60.00 USD
  Expenses:Hosting

2026-11-28 * "Acme" "Payment on account"
  Assets:Bank:Operating   100.00 USD
  Assets:Receivable:Acme
"""
    root = books(head=HEAD, ledger=ledger, profiles={"acme": ACME, "hostco": HOSTCO})
    data = cash_json(root)
    found = {line["source"]["document"]: line for line in lines(data, "USD")}
    assert found["INV-9"]["source"]["expected"] == "2026-11-20" and found["INV-9"]["week"] == 1
    assert found["INV-9"]["amount"]["number"] == "600.00"  # the payment on account is applied to it
    assert found["INV-9"]["source"]["basis"].startswith("due date: no paid invoices")
    assert found["B-1"]["kind"] == "payment" and found["B-1"]["amount"]["number"] == "-90.00" and found["B-1"]["week"] == 1
    assert found["B-2"]["week"] == 3 and found["B-2"]["source"]["basis"] == "due date"


def test_unapplied_credits_are_not_receipts(books: Books) -> None:
    ledger = """
2026-11-28 * "Acme" "Prepayment"
  Assets:Bank:Operating   400.00 USD
  Assets:Receivable:Acme
"""
    root = books(head=HEAD, ledger=ledger, profiles={"acme": ACME})
    data = cash_json(root)
    assert lines(data, "USD") == []
    assert money(currency_block(data, "USD")["opening"]) == Decimal("10400.00")


def test_propose_recurring_reads_monthly_flows_and_writes_nothing(books: Books) -> None:
    ledger = ""
    for month, rent, payroll in ((9, "1500.00", "8000.00"), (10, "1500.00", "8100.00"), (11, "1500.00", "8050.00")):
        ledger += f"""
2026-{month:02d}-01 * "Mill Street" "Rent"
  Expenses:Rent   {rent} USD
  Assets:Bank:Operating
2026-{month:02d}-25 * "Payroll" "Salaries"
  Expenses:Salaries   {payroll} USD
  Assets:Bank:Operating
"""
    ledger += """
2026-10-12 * "Hosting" "One-off"
  Expenses:Hosting   300.00 USD
  Assets:Bank:Operating
2026-09-05 * "Acme" "Payment"
  Assets:Bank:Operating   900.00 USD
  Assets:Receivable:Acme
2026-10-05 * "Acme" "Payment"
  Assets:Bank:Operating   900.00 USD
  Assets:Receivable:Acme
2026-11-05 * "Acme" "Payment"
  Assets:Bank:Operating   900.00 USD
  Assets:Receivable:Acme
"""
    root = books(head=HEAD, ledger=ledger, profiles={"acme": ACME})
    before = (root / "acct-tool.yaml").read_text()
    result = run_cli("cash", "--propose-recurring", books=root, as_of="2026-11-30")
    assert result.exit_code == 0, result.stderr
    import yaml

    proposed = yaml.safe_load(result.output)["cash"]["recurring"]
    assert proposed == [
        {"name": "Mill Street", "amount": "-1500.00 USD", "cadence": "monthly", "day": 1, "account": "Expenses:Rent"},
        {"name": "Payroll", "amount": "-8050.00 USD", "cadence": "monthly", "day": 25, "account": "Expenses:Salaries"},
    ]
    assert (root / "acct-tool.yaml").read_text() == before
    # what it proposes is valid settings, and forecasts as proposed
    (root / "acct-tool.yaml").write_text(result.output)
    assert run_cli("check", books=root, as_of="2026-11-30").exit_code == 0
    planned = [line for line in lines(cash_json(root), "USD") if line["source"].get("rule") == "Payroll"]
    assert [line["date"] for line in planned][:2] == ["2026-12-25", "2027-01-25"]


def test_cash_accounts_may_name_accounts_and_prefixes(books: Books) -> None:
    head = (
        HEAD
        + '2025-01-01 open Assets:Petty USD\n2025-01-01 open Assets:Cash:Till USD\n2026-01-02 * "Till"\n  Assets:Cash:Till  50.00 USD\n  Assets:Petty  20.00 USD\n  Equity:Opening-Balances\n'
    )
    default = cash_json(books(head=head))
    assert [p["account"] for p in default["positions"]] == ["Assets:Bank:Euro", "Assets:Bank:Operating", "Assets:Cash:Till"]
    named = cash_json(make_named(books, head))
    assert [(p["account"], p["balance"]["number"]) for p in named["positions"]] == [("Assets:Bank:Operating", "10000.00"), ("Assets:Petty", "20.00")]
    assert [c["currency"] for c in named["currencies"]] == ["USD"]


def make_named(books: Books, head: str) -> Path:
    return books(head=head, settings="cash_accounts: [Assets:Bank:Operating, Assets:Petty]\n")


def test_bad_cash_settings_are_diagnostics(books: Books) -> None:
    root = books(head=HEAD, settings="cash:\n  floor: {usd: 5}\n  recurring:\n    - {name: Rent, amount: 800, cadence: fortnightly}\n")
    result = run_cli("check", "--format", "json", books=root, as_of="2026-11-30")
    assert result.exit_code == 1
    codes = {d["code"] for d in result.json()}
    assert {"invalid-amount", "bad-value", "invalid-value"} <= codes
    floor = next(d for d in result.json() if d["message"].startswith("cash.floor"))
    assert "a mapping of currency to amount like {USD: 50000}" in floor["message"]
    assert run_cli("cash", books=root, as_of="2026-11-30").exit_code == 0  # the bad rule is left out


def test_csv_neutralises_text_a_spreadsheet_would_run(books: Books) -> None:
    settings = "cash:\n  recurring:\n    - {name: '=HYPERLINK(\"http://x\")', amount: -10 USD, cadence: weekly}\n"
    root = books(head=HEAD, settings=settings)
    rows = list(csv.DictReader(io.StringIO(run_cli("cash", "--format", "csv", "--weeks", "1", books=root, as_of="2026-11-30").output)))
    assert [(row["rule"], row["amount"], row["date"]) for row in rows] == [('\'=HYPERLINK("http://x")', "-10.00", "2026-12-01")]
