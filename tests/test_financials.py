"""``financials trial|income|balance``: the statements balance, and agree with bean-query on the same ledger.

bean-query runs on the examples and on a small generated book (benchmarks/generate.py);
its sums are computed from the postings' dates (income) or with its own
``BALANCES … FROM OPEN ON … CLOSE ON … CLEAR`` (balance sheet).
"""

from __future__ import annotations

import csv
import datetime
import io
import shutil
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from codes_seen import record
from conftest import EXAMPLES, EXAMPLES_AS_OF, REPO, run_cli

if str(REPO) not in sys.path:  # benchmarks/ is a folder of the repository, not of the package
    sys.path.insert(0, str(REPO))

from benchmarks.generate import generate

Figures = dict[tuple[str, str], Decimal]

GENERATED_AS_OF = "2026-12-31"


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("fin") / "examples"
    shutil.copytree(EXAMPLES, target)
    return target


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fin-gen") / "books"
    generate(root, 300, seed=11, years=1)
    return root


def _bean_query(books: Path, query: str) -> Figures:
    """``query`` (account, inventory rows) run by bean-query on the books' ledger: (account, currency) -> units."""
    from beancount import loader
    from beanquery.query import run_query  # type: ignore[import-untyped]

    entries, _errors, options = loader.load_file(str(books / "ledger" / "main.beancount"))
    _types, rows = run_query(entries, options, query)
    out: Figures = {}
    for account, inventory in rows:
        for position in inventory.get_positions():
            if position.units.number:
                key = (account, position.units.currency)
                out[key] = out.get(key, Decimal(0)) + position.units.number
    return out


def _json(books: Path, as_of: str, *args: str) -> Any:
    result = run_cli("financials", *args, "--format", "json", books=books, as_of=as_of)
    assert result.exit_code == 0, result.output + result.stderr
    return result.json()


def _lines(statement: Any, column: int = 0, signed: bool = True) -> Figures:
    """(account, currency) -> the figure in ``column``, turned back to Beancount's sign when ``signed``."""
    out: Figures = {}
    for block in statement["currencies"]:
        for section in block["sections"]:
            flip = -1 if signed and section["kind"] in ("Income", "Liabilities", "Equity") else 1
            for line in section["lines"]:
                amount = line["amounts"][column]
                assert amount["currency"] == block["currency"]
                number = Decimal(amount["number"]) * flip
                if number:
                    out[(line["account"], block["currency"])] = number
    return out


def _day_after(day: str) -> str:
    return (datetime.date.fromisoformat(day) + datetime.timedelta(days=1)).isoformat()


def _cases() -> Iterator[Any]:
    yield pytest.param("examples", EXAMPLES_AS_OF, id="examples")
    yield pytest.param("generated", GENERATED_AS_OF, id="generated")


# --- trial balance ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("which", "as_of"), list(_cases()))
def test_the_trial_balance_sums_to_zero_in_every_currency(which: str, as_of: str, request: pytest.FixtureRequest) -> None:
    books: Path = request.getfixturevalue(which)
    trial = _json(books, as_of, "trial")
    assert trial["balanced"] is True
    currencies = {line["balance"]["currency"] for line in trial["lines"]}
    assert {t["currency"] for t in trial["totals"]} == currencies
    for total in trial["totals"]:
        assert total["debit"] == total["credit"]
        assert Decimal(total["difference"]["number"]) == 0
        lines = [Decimal(line["balance"]["number"]) for line in trial["lines"] if line["balance"]["currency"] == total["currency"]]
        assert sum(lines, Decimal(0)) == 0
    expected = _bean_query(books, f"BALANCES AT units FROM CLOSE ON {_day_after(as_of)}")
    assert {(line["account"], line["balance"]["currency"]): Decimal(line["balance"]["number"]) for line in trial["lines"]} == expected


def test_the_examples_trial_balance_in_eur_and_usd(examples: Path) -> None:
    trial = _json(examples, EXAMPLES_AS_OF, "trial")
    totals = {t["currency"]: t["debit"] for t in trial["totals"]}
    assert totals == {"EUR": {"number": "83900.00", "currency": "EUR"}, "USD": {"number": "1041964.00", "currency": "USD"}}


def test_a_transaction_that_does_not_balance_is_a_diagnostic(books: Any) -> None:
    root = books(
        ledger="""
        2026-03-01 * "Hosting, mistyped"
          Expenses:Hosting         100.00 USD
          Assets:Bank:Operating    -90.00 USD
        """
    )
    result = run_cli("financials", "trial", books=root, as_of="2026-03-31")
    assert result.exit_code == 1
    assert "ledger-unbalanced" in result.stderr and "off by 10.00 USD" in result.stderr
    assert "Equity:Conversions:Current" in result.output  # where Beancount's close puts what is left over
    record("ledger-unbalanced")


# --- income statement ------------------------------------------------------------------------------


@pytest.mark.parametrize(("which", "as_of"), list(_cases()))
@pytest.mark.parametrize("period", [None, "2026-Q3", "2026-09"])
def test_the_income_statement_agrees_with_bean_query(which: str, as_of: str, period: str | None, request: pytest.FixtureRequest) -> None:
    books: Path = request.getfixturevalue(which)
    statement = _json(books, as_of, "income", *(("--period", period) if period else ()))
    current, previous = statement["columns"]
    for index, column in enumerate((current, previous)):
        query = (
            "SELECT account, sum(units(position)) WHERE account ~ '^(Income|Expenses):' "
            f"AND date >= {column['from']} AND date <= {column['to']} GROUP BY account"
        )
        assert _lines(statement, index) == _bean_query(books, query), column
    for block in statement["currencies"]:
        income, expenses = (Decimal(s["total"][0]["number"]) for s in block["sections"])
        assert Decimal(block["net_income"][0]["number"]) == income - expenses


def test_the_previous_period_beside_each_period(examples: Path) -> None:
    def columns(*args: str) -> list[tuple[str, str]]:
        return [(c["from"], c["to"]) for c in _json(examples, EXAMPLES_AS_OF, "income", *args)["columns"]]

    assert columns() == [("2026-01-01", "2026-11-30"), ("2025-01-01", "2025-11-30")]  # year to date: the same dates a year earlier
    assert columns("--period", "2026-Q3") == [("2026-07-01", "2026-09-30"), ("2026-04-01", "2026-06-30")]
    assert columns("--period", "2026-01") == [("2026-01-01", "2026-01-31"), ("2025-12-01", "2025-12-31")]
    assert columns("--period", "2025") == [("2025-01-01", "2025-12-31"), ("2024-01-01", "2024-12-31")]
    assert columns("--from", "2026-03-01", "--to", "2026-03-10") == [("2026-03-01", "2026-03-10"), ("2026-02-19", "2026-02-28")]


@pytest.mark.parametrize(("which", "as_of"), list(_cases()))
@pytest.mark.parametrize("by", ["month", "quarter"])
def test_the_columns_by_month_or_quarter_sum_to_the_period(which: str, as_of: str, by: str, request: pytest.FixtureRequest) -> None:
    books: Path = request.getfixturevalue(which)
    statement = _json(books, as_of, "income", "--period", "2026", "--by", by)
    parts = statement["columns"][:-2]
    assert len(parts) == (12 if by == "month" else 4) - (1 if which == "examples" and by == "month" else 0)
    assert parts[0]["from"] == "2026-01-01" and parts[-1]["to"] == statement["columns"][-2]["to"]
    for block in statement["currencies"]:
        rows = [line["amounts"] for section in block["sections"] for line in section["lines"]]
        rows += [section["total"] for section in block["sections"]] + [block["net_income"]]
        for amounts in rows:
            whole = Decimal(amounts[len(parts)]["number"])
            assert sum((Decimal(a["number"]) for a in amounts[: len(parts)]), Decimal(0)) == whole


def test_currencies_are_never_added_together(examples: Path) -> None:
    statement = _json(examples, EXAMPLES_AS_OF, "income")
    totals = {block["currency"]: block["sections"][0]["total"][0] for block in statement["currencies"]}
    assert totals == {"EUR": {"number": "49700.00", "currency": "EUR"}, "USD": {"number": "519300.00", "currency": "USD"}}
    table = run_cli("financials", "income", books=examples, as_of=EXAMPLES_AS_OF).output
    assert "569,000.00" not in table  # what EUR and USD income would make if added up


def test_depth_rolls_accounts_up(examples: Path) -> None:
    full = _lines(_json(examples, EXAMPLES_AS_OF, "income", "--period", "2026-Q3"), signed=False)
    rolled = _lines(_json(examples, EXAMPLES_AS_OF, "income", "--period", "2026-Q3", "--depth", "2"), signed=False)
    services = sum((n for (account, cur), n in full.items() if account.startswith("Income:Services:") and cur == "USD"), Decimal(0))
    assert rolled[("Income:Services", "USD")] == services
    assert not any(account.count(":") > 1 for account, _ in rolled)


def test_an_empty_period(examples: Path) -> None:
    statement = _json(examples, EXAMPLES_AS_OF, "income", "--period", "2024")
    assert statement["currencies"] == []
    result = run_cli("financials", "income", "--period", "2024", books=examples, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0 and "No income or expenses" in result.output


@pytest.mark.parametrize(
    "args",
    [("income", "--period", "2026-12"), ("income", "--period", "2027"), ("balance", "--period", "2027-Q1"), ("income", "--from", "2026-12-05")],
)
def test_a_period_after_the_as_of_date_is_a_usage_error(examples: Path, args: tuple[str, ...]) -> None:
    result = run_cli("financials", *args, books=examples, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2
    assert "after the as-of date" in result.stderr


def test_period_and_dates_together_are_a_usage_error(examples: Path) -> None:
    result = run_cli("financials", "income", "--period", "2026-Q3", "--from", "2026-07-01", books=examples, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2


# --- balance sheet ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("which", "as_of"), list(_cases()))
@pytest.mark.parametrize("period", [None, "2026-Q3"])
def test_the_balance_sheet_agrees_with_bean_query_and_balances(which: str, as_of: str, period: str | None, request: pytest.FixtureRequest) -> None:
    books: Path = request.getfixturevalue(which)
    sheet = _json(books, as_of, "balance", *(("--period", period) if period else ()))
    current = sheet["current_period"]
    expected = _bean_query(books, f"BALANCES AT units FROM OPEN ON {current['from']} CLOSE ON {_day_after(current['to'])} CLEAR")
    assert _lines(sheet) == {k: v for k, v in expected.items() if k[0].split(":")[0] in ("Assets", "Liabilities", "Equity")}
    assert sheet["balanced"] is True
    for block in sheet["currencies"]:
        assets, liabilities, equity = (Decimal(s["total"][0]["number"]) for s in block["sections"])
        assert assets == liabilities + equity
        assert Decimal(block["difference"][0]["number"]) == 0


def test_the_net_income_of_the_period_is_closed_into_current_earnings(examples: Path) -> None:
    for period in (None, "2026-Q3"):
        args = ("--period", period) if period else ()
        income = _json(examples, EXAMPLES_AS_OF, "income", *args)
        sheet = _json(examples, EXAMPLES_AS_OF, "balance", *args)
        net = {block["currency"]: block["net_income"][0] for block in income["currencies"]}
        earnings = {
            cur: {"number": str(n), "currency": cur} for (account, cur), n in _lines(sheet, signed=False).items() if account == "Equity:Earnings:Current"
        }
        assert earnings == net


# --- one source of truth ---------------------------------------------------------------------------


def _table_numbers(text: str) -> list[str]:
    return [word for word in text.split() if any(ch.isdigit() for ch in word) and "." in word and ":" not in word and word[0] in "-0123456789"]


@pytest.mark.parametrize("args", [("trial",), ("income", "--by", "quarter"), ("balance",)])
def test_every_format_shows_the_same_figures(examples: Path, args: tuple[str, ...]) -> None:
    def run(fmt: str) -> str:
        result = run_cli("financials", *args, "--format", fmt, books=examples, as_of=EXAMPLES_AS_OF)
        assert result.exit_code == 0, result.stderr
        return result.output

    data = _json(examples, EXAMPLES_AS_OF, *args)
    if args[0] == "trial":
        wanted = [amount["number"] for line in data["lines"] for amount in (line["debit"], line["credit"]) if amount]
        wanted += [t[k]["number"] for t in data["totals"] for k in ("debit", "credit")]
    else:
        wanted = []
        for block in data["currencies"]:
            for section in block["sections"]:
                wanted += [a["number"] for line in section["lines"] for a in line["amounts"]] + [a["number"] for a in section["total"]]
            wanted += [a["number"] for a in block["net_income" if args[0] == "income" else "difference"]]
    rows = list(csv.reader(io.StringIO(run("csv"))))
    first = 2 if args[0] == "trial" else 3
    from_csv = [cell for row in rows[1:] for cell in row[first:] if cell]
    assert sorted(from_csv) == sorted(wanted)
    as_text = sorted(n.replace(",", "") for n in _table_numbers(run("table")))
    as_md = sorted(n.replace(",", "") for n in _table_numbers(run("md").replace("|", " ")))
    if args[0] == "trial":
        as_text = [n for n in as_text if Decimal(n) != 0]  # the difference column
    assert as_text == sorted(wanted)
    assert as_md == sorted(wanted)
