"""The owner's review: ``firm.md`` / ``firm.html`` from ``review --out``, and ``firm`` in ``review --format json``.

Its figures are the other commands' figures over the 12 months to the as-of date:
revenue as ``portfolio --from``, aging as ``aging``, DSO as ``dso`` at each month end,
health as the reviews; cash as ``cash`` and the income statement as ``financials income``
for the review period. Regenerate the golden file after an intended change with
``ACCT_TOOL_REGEN=1 pytest tests/test_firm_review.py``.
"""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

GOLDEN = Path(__file__).parent / "golden" / "firm.md"
REGEN = os.environ.get("ACCT_TOOL_REGEN") == "1"
START = "2025-12-01"  # the 12 months to 2026-11-30


def cli_json(*args: str, as_of: str = EXAMPLES_AS_OF) -> Any:
    result = run_cli(*args, "--format", "json", books=EXAMPLES, as_of=as_of)
    assert result.exit_code == 0, result.stderr
    return result.json()


@pytest.fixture(scope="module")
def firm() -> dict[str, Any]:
    data: dict[str, Any] = cli_json("review")["firm"]
    return data


def write(out: Path, fmt: str, *args: str) -> dict[str, str]:
    result = run_cli("review", "--format", fmt, "--out", str(out), *args, books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    return {p.name: p.read_text("utf-8") for p in sorted(out.iterdir()) if not p.name.startswith(".")}


def pct(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def test_concentration_is_the_portfolio_revenue_of_the_largest_clients(firm: dict[str, Any]) -> None:
    portfolio = cli_json("portfolio", "--from", START)
    by_currency: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for manager in portfolio["managers"]:
        for client in manager["clients"]:
            for m in client["revenue"]:
                by_currency[m["currency"]][client["id"]] = Decimal(m["number"])
    assert firm["start"] == START and firm["end"] == EXAMPLES_AS_OF
    assert [c["currency"] for c in firm["currencies"]] == sorted(by_currency) == ["EUR", "USD"]
    for cur in firm["currencies"]:
        amounts = by_currency[cur["currency"]]
        total = sum(amounts.values(), Decimal(0))
        assert Decimal(cur["revenue"]["number"]) == total
        assert cur["revenue"]["currency"] == cur["currency"]  # never summed across currencies
        largest = sorted(amounts.values(), reverse=True)
        top = {t["size"]: t for t in cur["top"]}
        assert Decimal(top[1]["share_pct"]) == pct(largest[0], total)
        assert Decimal(top[5]["share_pct"]) == pct(sum(largest[:5], Decimal(0)), total)
        assert Decimal(top[10]["share_pct"]) == pct(sum(largest[:10], Decimal(0)), total)
        assert top[1]["clients"][0]["id"] == max(amounts, key=lambda pid: (amounts[pid], pid))
    usd = next(c for c in firm["currencies"] if c["currency"] == "USD")
    assert [t["share_pct"] for t in usd["top"]] == ["27.1", "93.5", "100.0"]  # ACME's 150,500 of 554,800
    # per manager: the portfolio's own totals for the same dates
    managers = {m["name"]: {r["currency"]: r["number"] for r in m["revenue"]} for m in portfolio["managers"]}
    for cur in firm["currencies"]:
        for group in cur["managers"]:
            assert managers[group["name"]][cur["currency"]] == group["revenue"]["number"]


def test_revenue_by_month_sums_to_the_twelve_months(firm: dict[str, Any]) -> None:
    assert firm["months"] == ["2025-12", *(f"2026-{m:02d}" for m in range(1, 12))]
    for cur in firm["currencies"]:
        assert [m["month"] for m in cur["months"]] == firm["months"]
        assert sum((Decimal(m["amount"]["number"]) for m in cur["months"]), Decimal(0)) == Decimal(cur["revenue"]["number"])
        assert sum((Decimal(g["revenue"]["number"]) for g in cur["tiers"]), Decimal(0)) == Decimal(cur["revenue"]["number"])
        assert [m["month"] for m in cur["months"] if m["in_period"]] == ["2026-10", "2026-11"]


@pytest.mark.parametrize("side", ["ar", "ap"])
def test_aging_totals_are_the_aging_command_totals(firm: dict[str, Any], side: str) -> None:
    aging = cli_json("aging", side)
    mine = {t["currency"]: t for t in firm[f"{side}_aging"]}
    assert sorted(mine) == sorted(aging["currencies"]) and mine
    assert firm["aging_buckets"] == aging["buckets"]
    for cur, table in aging["currencies"].items():
        totals = table["totals"]
        assert {b["bucket"]: b["amount"] for b in mine[cur]["buckets"]} == totals["buckets"]
        assert (mine[cur]["total"], mine[cur]["credits"], mine[cur]["net"]) == (totals["total"], totals["credits"], totals["net"])


def test_dso_at_each_month_end_is_dso_with_that_day_as_the_as_of_date(firm: dict[str, Any]) -> None:
    for day, month in ((EXAMPLES_AS_OF, "2026-11"), ("2026-10-31", "2026-10"), ("2026-02-28", "2026-02")):
        overall = {r["open"]["currency"]: r for r in cli_json("dso", "ar", as_of=day) if r["party"] == "(all)"}
        for trend in firm["dso"]:
            point = next(p for p in trend["points"] if p["month"] == month)
            assert point["date"] == day
            assert point["days"] == overall[trend["currency"]]["dso_days"]
            assert point["open"] == overall[trend["currency"]]["open"]
    assert all(len(t["points"]) == 12 for t in firm["dso"])


def test_at_risk_accounts_carry_their_review_health_and_revenue_at_stake(firm: dict[str, Any]) -> None:
    review = cli_json("review")
    red = sorted(pid for pid, r in review["clients"].items() if r["health"]["band"] == "red")
    assert [a["id"] for a in firm["at_risk"]] == red == ["harbor-logistics"]
    harbor = firm["at_risk"][0]
    assert harbor["health"] == review["clients"]["harbor-logistics"]["health"]
    assert harbor["revenue"] == [{"number": "96000.00", "currency": "USD"}]  # as portfolio --from 2025-12-01
    assert harbor["overdue"] == [{"number": "29000.00", "currency": "USD"}]


def test_firm_md_matches_its_golden_file(tmp_path: Path) -> None:
    text = write(tmp_path / "out", "md")["firm.md"]
    if REGEN:
        GOLDEN.write_text(text, "utf-8")
    assert text == GOLDEN.read_text("utf-8"), "firm.md differs from tests/golden/firm.md; rerun with ACCT_TOOL_REGEN=1 if intended"


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_index_links_the_firm_page_first_and_two_runs_give_the_same_bytes(tmp_path: Path, fmt: str) -> None:
    first = write(tmp_path / "one", fmt)
    second = write(tmp_path / "two", fmt)
    assert first == second
    index = first["index." + fmt]
    links = [part.split(")")[0] for part in index.split("](")[1:]] if fmt == "md" else [part.split('"')[0] for part in index.split('href="')[1:]]
    assert links[0] == f"firm.{fmt}"
    assert f"firm.{fmt}" in first


def test_the_firm_page_covers_the_whole_firm_whatever_the_selection(tmp_path: Path) -> None:
    files = write(tmp_path / "out", "md", "--manager", "tom")
    assert "ACME Manufacturing" in files["firm.md"] and "27.1%" in files["firm.md"]


def test_the_client_audience_writes_no_firm_page(tmp_path: Path) -> None:
    files = write(tmp_path / "out", "md", "--audience", "client")
    assert files and not any(name.startswith("firm") for name in files)
    deck = run_cli("review", "acme", "--audience", "client", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()
    assert "firm" not in deck and "at_risk" not in deck


def test_cash_is_the_cash_command_position_and_forecast(firm: dict[str, Any]) -> None:
    cash = cli_json("cash")
    mine = firm["cash"]
    assert (mine["as_of"], mine["start"], mine["end"]) == (cash["as_of"], cash["start"], cash["end"])
    # the position per account and currency
    theirs = [(p["account"], p["currency"], Decimal(p["balance"]["number"])) for p in cash["positions"]]
    assert [(p["account"], p["currency"], Decimal(p["balance"]["number"])) for p in mine["positions"]] == theirs
    assert len(theirs) == 2
    for p, q in zip(mine["positions"], cash["positions"]):
        assert p["balance"]["currency"] == p["currency"]
        assert p["asserted_on"] == q["last_balance_assertion"]["date"]
        assert p["statement_end"] == q["last_statement"]["end"]
    # the forecast per currency: every week's figures, the floor week and what is at risk
    assert [c["currency"] for c in mine["currencies"]] == [c["currency"] for c in cash["currencies"]] == ["EUR", "USD"]
    for c, theirs_c in zip(mine["currencies"], cash["currencies"]):
        assert len(c["weeks"]) == 13
        for key in ("opening", "receipts", "payments", "recurring", "closing"):
            assert [Decimal(w[key]["number"]) for w in c["weeks"]] == [Decimal(w[key]["number"]) for w in theirs_c["weeks"]], key
        assert [w["start"] for w in c["weeks"]] == [w["start"] for w in theirs_c["weeks"]]
        assert Decimal(c["opening"]["number"]) == Decimal(theirs_c["opening"]["number"])
        assert Decimal(c["closing"]["number"]) == Decimal(theirs_c["weeks"][-1]["closing"]["number"])
        assert (c["floor_week"] or {}).get("week") == theirs_c["floor_week"]
        risky = sum((Decimal(r["open"]["number"]) for r in cash["at_risk"] if r["open"]["currency"] == c["currency"]), Decimal(0))
        assert Decimal(c["at_risk"]["number"]) == risky
        assert {m["currency"] for w in c["weeks"] for m in (w["opening"], w["closing"])} == {c["currency"]}  # never summed across currencies
    usd = mine["currencies"][1]
    assert usd["floor_week"]["week"] == 8 and usd["at_risk"] == {"number": "13000.00", "currency": "USD"}
    assert [r["document"] for r in mine["at_risk"]] == [r["document"] for r in cash["at_risk"]]


def _totals(statement: dict[str, Any]) -> dict[str, dict[str, list[Decimal]]]:
    out: dict[str, dict[str, list[Decimal]]] = {}
    for block in statement["currencies"]:
        sections = {s["kind"]: [Decimal(m["number"]) for m in s["total"]] for s in block["sections"]}
        out[block["currency"]] = {"income": sections["Income"], "expenses": sections["Expenses"], "net": [Decimal(m["number"]) for m in block["net_income"]]}
    return out


@pytest.mark.parametrize(("args", "previous"), [((), ("2026-07-01", "2026-08-30")), (("--period", "2026"), ("2025-01-01", "2025-11-30"))])
def test_income_is_the_financials_income_statement_for_the_period_and_the_previous_one(
    firm: dict[str, Any], args: tuple[str, ...], previous: tuple[str, str]
) -> None:
    income = cli_json("review", *args)["firm"]["income"] if args else firm["income"]
    statement = cli_json("financials", "income", "--period", args[1] if args else "2026-Q4")
    now, before = statement["columns"]
    assert (income["period"]["label"], income["period"]["start"], income["period"]["end"]) == (now["label"], now["from"], now["to"])
    assert (income["previous"]["start"], income["previous"]["end"]) == (before["from"], before["to"]) == previous
    assert income["previous"]["label"] == before["label"]
    theirs = _totals(statement)
    assert [c["currency"] for c in income["currencies"]] == sorted(theirs) == ["EUR", "USD"]
    for c in income["currencies"]:
        t = theirs[c["currency"]]
        assert [Decimal(c["income"]["number"]), Decimal(c["income_previous"]["number"])] == t["income"]
        assert [Decimal(c["expenses"]["number"]), Decimal(c["expenses_previous"]["number"])] == t["expenses"]
        assert [Decimal(c["net_income"]["number"]), Decimal(c["net_income_previous"]["number"])] == t["net"]
        assert {c[k]["currency"] for k in ("income", "expenses", "net_income", "net_income_previous")} == {c["currency"]}


def test_the_firm_page_shows_cash_the_forecast_and_the_income_statement(tmp_path: Path) -> None:
    md = write(tmp_path / "md", "md")["firm.md"]
    html = write(tmp_path / "html", "html")["firm.html"]
    for text in (md, html):
        assert "not available" not in text
        assert "Assets:Bank:Operating" in text and "138,589.55" in text  # the position
        assert "First week below the floor of 150,000.00 USD: week 8" in text  # the floor week
        assert "13,000.00 USD" in text  # at risk, not counted
        assert "19,632.60" in text and "8,258.10" in text  # net income, 2026-Q4 to date beside 2026-Q3
    cash = html[html.index('<section id="cash">') : html.index('<section id="income">')]
    assert cash.count("<svg") == 2 and 'id="chart-closing-cash-per-week-usd"' in cash
    assert "stroke-dasharray" in cash  # the floor, drawn as a dashed line
    assert cash.count("<th>Week</th>") + cash.count('<th class="num">Week</th>') == 2  # each chart with the forecast's table


def test_without_the_ledger_cash_and_income_are_not_available(tmp_path: Path) -> None:
    from acct_tool.books.load import load_books
    from acct_tool.engines.review import build
    from acct_tool.periods import quarter_of
    from acct_tool.render.reports import Templates

    as_of = datetime.date.fromisoformat(EXAMPLES_AS_OF)
    books = load_books(EXAMPLES, as_of, use_cache=False)
    reviews = build(books.parties, books.settings, books.party_postings, books.attribution, as_of, books.precisions, quarter_of(as_of))
    assert reviews.firm["cash"] is None and reviews.firm["income"] is None
    templates = Templates(None, books.precisions)
    for fmt in ("md", "html"):
        bare, problems = templates.render(f"firm.{fmt}.j2", {**reviews.firm, "ext": fmt}, books.root)
        assert problems == [] and bare is not None
        assert "13-week forecast: not available" in bare and "previous period: not available" in bare


def test_one_review_to_stdout_reads_no_entries_and_forecasts_no_cash(examples_copy: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from acct_tool.books import ledger
    from acct_tool.engines import cash

    seen = {"loads": 0, "forecasts": 0}
    load, forecast = ledger.load_entries, cash.forecast

    def loading(*args: Any, **kwargs: Any) -> Any:
        seen["loads"] += 1
        return load(*args, **kwargs)

    def forecasting(*args: Any, **kwargs: Any) -> Any:
        seen["forecasts"] += 1
        return forecast(*args, **kwargs)

    monkeypatch.setattr(ledger, "load_entries", loading)
    monkeypatch.setattr(cash, "forecast", forecasting)
    assert run_cli("review", "acme", books=examples_copy, as_of=EXAMPLES_AS_OF).exit_code == 0  # fills the cache
    seen.update(loads=0, forecasts=0)
    for args in (("review", "acme"), ("review", "acme", "--format", "html"), ("review", "--audience", "client", "--out", str(examples_copy.parent / "deck"))):
        result = run_cli(*args, books=examples_copy, as_of=EXAMPLES_AS_OF)
        assert result.exit_code == 0, result.stderr
    assert seen == {"loads": 0, "forecasts": 0}
    assert run_cli("review", "--out", str(examples_copy.parent / "out"), books=examples_copy, as_of=EXAMPLES_AS_OF).exit_code == 0
    assert seen == {"loads": 1, "forecasts": 1}  # the firm page reads the entries, and forecasts once


def test_review_out_builds_the_reviews_without_the_entries_in_memory(examples_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The firm page's cash and income figures are drawn from the entries first, and the
    entries let go: the reviews (the month ends, the health history) are built without them."""
    from acct_tool.books.ledger import Ledger
    from acct_tool.engines import review as review_engine

    ledgers: list[Ledger] = []
    held: list[bool] = []
    real_init, real_build = Ledger.__init__, review_engine.build

    def init(self: Ledger, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        ledgers.append(self)

    def build(*args: Any, **kwargs: Any) -> Any:
        held.append(any(ledger.loaded for ledger in ledgers))
        return real_build(*args, **kwargs)

    monkeypatch.setattr(Ledger, "__init__", init)
    monkeypatch.setattr(review_engine, "build", build)
    monkeypatch.setenv("ACCT_TOOL_NO_CACHE", "1")
    out = examples_copy.parent / "out"
    result = run_cli("review", "--format", "md", "--out", str(out), books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    assert ledgers and held == [False]
    assert "## Cash position" in (out / "firm.md").read_text("utf-8")


def test_firm_html_loads_cleanly_in_a_browser(tmp_path: Path) -> None:
    from test_review_browser import CHROMIUM, load_page

    if CHROMIUM is None:
        pytest.skip("Chromium is not installed here (Debian: apt-get install chromium); the browser check was not run")
    out = tmp_path / "out"
    write(out, "html")
    loaded = load_page(out / "firm.html", tmp_path / "profile", {"title": "document.title", "svgs": "document.querySelectorAll('svg').length"})
    loaded.assert_clean()
    assert loaded.values["title"].startswith("The firm")
    # closing cash per week in EUR and USD, revenue by month in EUR and USD, AR aging EUR and USD, AP aging USD, DSO EUR and USD
    assert loaded.values["svgs"] == 9


def test_the_receivables_at_each_month_end_are_computed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The health history and the DSO trend look at the same month ends: each date's open
    items are computed once for both, from postings classified once per side -- allocated at
    the latest date, and derived from it at the month ends before."""
    from acct_tool.engines import earlier, receivables

    seen: list[tuple[str, datetime.date]] = []
    derived: list[datetime.date] = []
    classified: list[str] = []
    real_at, real_init, real_earlier = receivables.Classified.at, receivables.Classified.__init__, earlier.Earlier.at

    def counting(self: receivables.Classified, day: datetime.date) -> receivables.OpenItems:
        seen.append((self.side.value, day))
        return real_at(self, day)

    def deriving(self: earlier.Earlier, day: datetime.date) -> receivables.OpenItems | None:
        found = real_earlier(self, day)
        if found is not None:
            seen.append((self.classified.side.value, day))
            derived.append(day)
        return found

    def classifying(self: receivables.Classified, *args: Any) -> None:
        real_init(self, *args)
        classified.append(self.side.value)

    monkeypatch.setattr(receivables.Classified, "at", counting)
    monkeypatch.setattr(earlier.Earlier, "at", deriving)
    monkeypatch.setattr(receivables.Classified, "__init__", classifying)
    monkeypatch.setenv("ACCT_TOOL_NO_ASIDE", "1")  # every computation in this process, where it is counted
    write(tmp_path / "out", "md")
    receivable_days = [day for side, day in seen if side == "ar"]
    assert len(receivable_days) >= 11  # the month ends were computed
    assert len(receivable_days) == len(set(receivable_days)), sorted(receivable_days)
    assert len(derived) >= 10, derived  # the month ends before the latest date computed
    # one classification of the receivables for the as-of date and all the month ends, and
    # the payables' unless the cache holds them
    assert classified.count("ar") == 1, classified
    assert [side for side, _ in seen].count("ap") == classified.count("ap") <= 1, seen
