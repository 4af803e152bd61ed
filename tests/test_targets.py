"""Revenue and account targets per manager and for the team in `portfolio` and the review portfolios."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from codes_seen import check, expect
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

Books = Callable[..., Path]

OPENS = """\
2025-01-01 open Assets:Receivable:Acme USD
2025-01-01 open Assets:Receivable:Nord EUR
2025-01-01 open Assets:Receivable:Quill USD
2025-01-01 open Assets:Receivable:Meridian USD
2025-01-01 open Assets:Receivable:Dormant USD
"""
LEDGER = """
2026-01-10 * "ACME" "Invoice" ^INV-1
  Assets:Receivable:Acme  2000.00 USD
  Income:Services

2026-02-01 * "ACME" "Invoice" ^INV-2
  Assets:Receivable:Acme  1000.00 USD
  Income:Services

2026-02-01 * "Nordlicht" "Invoice" ^INV-3
  Assets:Receivable:Nord  500.00 EUR
  Income:Services

2026-01-20 * "Quill" "Invoice" ^INV-4
  Assets:Receivable:Quill  4000.00 USD
  Income:Services

2026-02-05 * "Meridian" "Invoice" ^INV-5
  Assets:Receivable:Meridian  1000.00 USD
  Income:Services
"""


def profile(ident: str, manager: str, account: str, status: str = "active", currency: str = "USD") -> str:
    return f"id: {ident}\nname: {ident.title()}\nkind: client\nstatus: {status}\nmanager: {manager}\ncurrencies: [{currency}]\naccounts: {{receivable: {account}}}\n"


PROFILES = {
    "acme": profile("acme", "lan", "Assets:Receivable:Acme"),
    "nord": profile("nord", "lan", "Assets:Receivable:Nord", currency="EUR"),
    "quill": profile("quill", "tom", "Assets:Receivable:Quill"),
    "dormant": profile("dormant", "tom", "Assets:Receivable:Dormant", status="paused"),
    "meridian": profile("meridian", "priya", "Assets:Receivable:Meridian"),
}
TARGETS = """\
targets:
  team: {2026: 100000 USD, 2026-Q1: 20000 USD}
  managers:
    lan: {2026-Q1: 10000 USD, accounts: 3}
    tom: {2026: 36500 USD, accounts: 1}
"""
#: Day 45 of the 90 days of 2026-Q1 and of the 365 of 2026.
AS_OF = "2026-02-14"


@pytest.fixture
def root(books: Books) -> Path:
    return books(ledger=OPENS + LEDGER, profiles=PROFILES, settings=TARGETS)


def portfolio_json(root: Path, *args: str, as_of: str = AS_OF) -> dict[str, Any]:
    result = run_cli("portfolio", "--format", "json", *args, books=root, as_of=as_of)
    assert result.exit_code == 0, result.output + result.stderr
    data: dict[str, Any] = result.json()
    return data


def usd(number: str) -> dict[str, str]:
    return {"number": number, "currency": "USD"}


def test_attainment_pro_rata_and_gap_per_manager(root: Path) -> None:
    data = portfolio_json(root)
    managers = {m["name"]: m for m in data["managers"]}
    lan = managers["lan"]["target"]
    assert lan["revenue"] == {
        "period": "2026-Q1",
        "start": "2026-01-01",
        "end": "2026-03-31",
        "target": usd("10000.00"),
        "revenue": usd("3000.00"),  # the EUR invoice is not counted against a USD target
        "attainment": "30.0",
        "elapsed_days": 45,
        "period_days": 90,
        "pro_rata_target": usd("5000.00"),
        "pro_rata_attainment": "60.0",
        "gap": usd("7000.00"),
        "other_currencies": ["EUR"],
    }
    assert (lan["accounts"], lan["accounts_target"]) == (2, 3)
    tom = managers["tom"]["target"]
    # the year: 45 of 365 days gone, 36,500 x 45 / 365 = 4,500 pro rata
    assert (tom["revenue"]["period"], tom["revenue"]["attainment"]) == ("2026", "11.0")
    assert (tom["revenue"]["pro_rata_target"], tom["revenue"]["pro_rata_attainment"]) == (usd("4500.00"), "88.9")
    assert tom["revenue"]["gap"] == usd("32500.00")
    assert (tom["accounts"], tom["accounts_target"]) == (1, 1)  # the paused client is an account, not an active one
    assert managers["tom"]["accounts"] == 2
    # the revenue held against the target is the revenue the portfolio shows
    for m in data["managers"]:
        if m["target"]["revenue"]:
            shown = next(r for r in m["revenue"] if r["currency"] == "USD")
            assert m["target"]["revenue"]["revenue"] == shown


def test_a_manager_without_a_target_shows_none_not_zero(root: Path) -> None:
    priya = next(m for m in portfolio_json(root)["managers"] if m["name"] == "priya")
    assert priya["target"] == {"revenue": None, "accounts": 1, "accounts_target": None}
    table = run_cli("portfolio", books=root, as_of=AS_OF).output
    priya_part = table.split("\npriya\n")[1].split("\ntom\n")[0]
    assert "target: none for this period" in priya_part and "%" not in priya_part
    assert "target 2026-Q1: 10,000.00 USD; revenue 3,000.00 USD (30.0%); pro rata 60.0% of 5,000.00 USD (45 of 90 days); gap 7,000.00 USD" in table
    assert "revenue in EUR is not counted against the USD target" in table
    assert "accounts managed: 2 active (target 3)" in table


def test_the_team_is_the_sum_of_the_managers_revenue_in_the_currency(root: Path) -> None:
    data = portfolio_json(root)
    team = data["totals"]["target"]["revenue"]
    managers_usd = sum(Decimal(r["number"]) for m in data["managers"] for r in m["revenue"] if r["currency"] == "USD")
    assert Decimal(team["revenue"]["number"]) == managers_usd == Decimal(8000)
    assert (team["period"], team["target"], team["attainment"]) == ("2026-Q1", usd("20000.00"), "40.0")
    assert (team["pro_rata_target"], team["pro_rata_attainment"], team["gap"]) == (usd("10000.00"), "80.0", usd("12000.00"))
    assert team["other_currencies"] == ["EUR"]
    assert data["totals"]["target"]["accounts"] == 4
    # one manager alone is not the team
    assert portfolio_json(root, "--manager", "lan")["totals"]["target"] is None


def test_quarter_targets_apply_to_a_period_from_the_quarters_first_day(books: Books) -> None:
    ledger = OPENS + LEDGER + '\n2026-04-02 * "ACME" "Invoice" ^INV-6\n  Assets:Receivable:Acme  600.00 USD\n  Income:Services\n'
    root = books(ledger=ledger, profiles=PROFILES, settings=TARGETS + "    priya: {2026-Q2: 1200 USD}\n")
    as_of = "2026-04-30"  # day 30 of the 91 days of 2026-Q2
    q2 = {m["name"]: m["target"]["revenue"] for m in portfolio_json(root, "--from", "2026-04-01", as_of=as_of)["managers"]}
    # a target with no revenue yet is 0%, with all of it still to earn
    assert (q2["priya"]["period"], q2["priya"]["attainment"], q2["priya"]["gap"]) == ("2026-Q2", "0.0", usd("1200.00"))
    year = {m["name"]: m["target"]["revenue"] for m in portfolio_json(root, as_of=as_of)["managers"]}
    # from 1 January to 30 April: lan has only a Q1 target, which this period does not measure
    assert year["lan"] is None
    assert (year["tom"]["period"], year["tom"]["elapsed_days"], year["tom"]["period_days"]) == ("2026", 120, 365)
    # lan has no Q2 target: Q2 revenue is not held against the year's, nor against Q1's
    assert q2["lan"] is None and q2["tom"] is None
    # a period from another day than a target period's first is measured against no target
    mid = portfolio_json(root, "--from", "2026-02-01", as_of=AS_OF)
    assert all(m["target"]["revenue"] is None for m in mid["managers"]) and mid["totals"]["target"]["revenue"] is None


def test_a_quarterly_target_with_revenue_in_its_quarter(books: Books) -> None:
    ledger = OPENS + LEDGER + '\n2026-04-02 * "Meridian" "Invoice" ^INV-6\n  Assets:Receivable:Meridian  600.00 USD\n  Income:Services\n'
    root = books(ledger=ledger, profiles=PROFILES, settings=TARGETS + "    priya: {2026-Q2: 1820 USD}\n")
    priya = next(m for m in portfolio_json(root, "--from", "2026-04-01", as_of="2026-04-30")["managers"] if m["name"] == "priya")
    got = priya["target"]["revenue"]
    # 1,820 x 30 / 91 = 600: exactly on pace
    assert (got["period"], got["revenue"], got["attainment"], got["pro_rata_target"], got["pro_rata_attainment"], got["gap"]) == (
        "2026-Q2",
        usd("600.00"),
        "33.0",
        usd("600.00"),
        "100.0",
        usd("1220.00"),
    )


def test_targets_in_csv(root: Path) -> None:
    result = run_cli("portfolio", "--format", "csv", books=root, as_of=AS_OF)
    rows = list(csv.DictReader(io.StringIO(result.output)))
    lan = next(r for r in rows if r["manager"] == "lan" and r["client"] == "")
    assert (lan["target_period"], lan["target"], lan["attainment"], lan["pro_rata_target"], lan["pro_rata_attainment"], lan["gap"]) == (
        "2026-Q1",
        "10000.00",
        "30.0",
        "5000.00",
        "60.0",
        "7000.00",
    )
    assert (lan["revenue"], lan["accounts_managed"], lan["accounts_target"]) == ("3000.00", "2", "3")
    team = rows[-1]
    assert (team["manager"], team["revenue"], team["target"], team["gap"]) == ("(team)", "8000.00", "20000.00", "12000.00")
    priya = next(r for r in rows if r["manager"] == "priya" and r["client"] == "")
    assert (priya["target"], priya["attainment"], priya["accounts_managed"]) == ("", "", "1")


def test_invalid_targets_are_located_diagnostics(books: Books) -> None:
    settings = """\
targets:
  team: {2026: 600000 USD, 2026-q4: 100 USD}
  managers:
    tom: {2026: lots, accounts: two}
    lan: {2026: 0 USD, accounts: -1}
  manager: {}
"""
    root = books(ledger=OPENS + LEDGER, profiles=PROFILES, settings=settings)
    exit_code, found = check(root, as_of=AS_OF)
    assert exit_code == 1
    expect(found, "invalid-value", "acct-tool.yaml", 2, 28, message="targets.team: '2026-q4' is not a year like 2026 or a quarter like 2026-Q4")
    expect(found, "invalid-amount", "acct-tool.yaml", 4, 17, message="targets.managers.tom.2026")
    expect(found, "wrong-type", "acct-tool.yaml", 4, 33, message="targets.managers.tom.accounts")
    expect(found, "out-of-range", "acct-tool.yaml", 5, 17, message="targets.managers.lan.2026: a revenue target must be above 0")
    expect(found, "out-of-range", "acct-tool.yaml", 5, 34, message="targets.managers.lan.accounts")
    expect(found, "unknown-key", "acct-tool.yaml", 6, 3, message="'manager' in targets", hint="did you mean 'managers'?")
    # the valid rest still applies: the team's yearly target
    data = portfolio_json(root)
    assert data["totals"]["target"]["revenue"]["target"] == usd("600000.00")
    assert all(m["target"]["revenue"] is None for m in data["managers"])


def test_review_portfolios_show_the_figures_of_portfolio() -> None:
    review = run_cli("review", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert review.exit_code == 0, review.stderr
    portfolios = review.json()["portfolios"]
    period = next(iter(portfolios.values()))["period"]
    data = portfolio_json(EXAMPLES, "--from", period["start"], "--to", period["end"], as_of=EXAMPLES_AS_OF)
    shown = {m["name"]: m["target"] for m in data["managers"]}
    assert any(t["revenue"] for t in shown.values()), "the examples give targets"
    for name, p in portfolios.items():
        want = shown[name]
        got = p["target"]
        assert (got["accounts"], got["accounts_target"]) == (want["accounts"], want["accounts_target"])
        if want["revenue"] is None:
            assert got["period"] is None and got["attainment"] is None
        else:
            for key in ("target", "revenue", "attainment", "elapsed_days", "period_days", "pro_rata_target", "pro_rata_attainment", "gap", "other_currencies"):
                assert got[key] == want["revenue"][key], (name, key)
            assert got["period"] == want["revenue"]["period"]
        team = p["team_target"]
        assert team["attainment"] == data["totals"]["target"]["revenue"]["attainment"]
        assert team["gap"] == data["totals"]["target"]["revenue"]["gap"]
        assert team["revenue"] == data["totals"]["target"]["revenue"]["revenue"]


def test_rendered_review_portfolio_shows_the_target(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("review", "--format", "md", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF).exit_code == 0
    lan = portfolio_json(EXAMPLES, "--from", "2026-10-01", as_of=EXAMPLES_AS_OF)["managers"][0]
    assert lan["name"] == "lan"
    text = (out / "portfolio-lan.md").read_text("utf-8")
    a = lan["target"]["revenue"]
    assert f"| {a['attainment']}% |" in text
    assert f"{a['pro_rata_attainment']}% of" in text
