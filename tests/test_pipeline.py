"""`pipeline`: open opportunities weighed by probability, slipping and renewals at risk, won
and lost with the win rate; prospects in `portfolio`."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import yaml
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

from acct_tool.money import format_number

Books = Callable[..., Path]
OPEN = ("lead", "qualified", "proposal", "negotiation")
DEFAULTS = {"lead": 10, "qualified": 25, "proposal": 50, "negotiation": 75}


def amounts(items: Iterable[dict[str, str]]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for m in items:
        out[m["currency"]] += Decimal(m["number"])
    return dict(out)


def expected_examples() -> dict[tuple[str, str], tuple[int, Decimal, str]]:
    """(party, opportunity) -> (probability, weighted value, currency), straight from the profiles' YAML."""
    out = {}
    for path in sorted((EXAMPLES / "clients").glob("*.yaml")):
        profile = yaml.safe_load(path.read_text("utf-8"))
        if profile["kind"] not in ("client", "both"):
            continue
        for o in profile.get("opportunities", []):
            if o.get("stage", "lead") not in OPEN:
                continue
            number, currency = o["value"].split()
            probability = o.get("probability", DEFAULTS[o.get("stage", "lead")])
            weighted = (Decimal(number) * probability / 100).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
            out[(profile["id"], o["name"])] = (probability, weighted, currency)
    return out


def examples_json(*args: str) -> Any:
    result = run_cli("pipeline", "--format", "json", *args, books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    return result.json()


def test_examples_list_every_open_opportunity_with_its_weighted_value() -> None:
    data = examples_json()
    expected = expected_examples()
    found = {(o["party"], o["name"]): (o["probability"], Decimal(o["weighted"]["number"]), o["weighted"]["currency"]) for o in data["opportunities"]}
    assert found == expected
    assert ("solstice-health", "Patient intake redesign") in found  # a prospect's
    assert not any(o["stage"] in ("won", "lost") for o in data["opportunities"])
    grand = amounts(data["totals"]["weighted"])
    assert grand == amounts({"number": str(w), "currency": c} for _p, w, c in expected.values())
    for key in ("by_stage", "by_manager"):
        assert amounts(m for t in data[key] for m in t["weighted"]) == grand, key
        assert amounts(m for t in data[key] for m in t["value"]) == amounts(data["totals"]["value"]), key
        assert sum(t["count"] for t in data[key]) == data["totals"]["count"] == len(expected), key
    assert [t["stage"] for t in data["by_stage"]] == list(OPEN)
    assert set(grand) == {"EUR", "USD"}  # never summed across currencies


def test_the_slipping_opportunity_and_the_renewal_without_one_are_flagged() -> None:
    data = examples_json()
    slipping = [o for o in data["opportunities"] if o["slipping"]]
    assert [(o["party"], o["name"], o["days_slipped"], o["stage"]) for o in slipping] == [("vertex-retail", "Product search relaunch", 31, "proposal")]
    assert (slipping[0]["probability"], slipping[0]["probability_source"], slipping[0]["weighted"]) == (
        50,
        "default",
        {"number": "12000.00", "currency": "USD"},
    )
    assert [(r["party"], r["renewal"], r["days"], r["window"]) for r in data["renewals_at_risk"]] == [("harbor-logistics", "2026-12-31", 31, 90)]
    # the same rule as the follow-up "renewal with no renewal opportunity"
    followups = run_cli("followups", "--format", "json", "--within", "365", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()
    assert {f["party"] for f in followups["items"] if f["kind"] == "renewal"} == {r["party"] for r in data["renewals_at_risk"]}
    table = run_cli("pipeline", books=EXAMPLES, as_of=EXAMPLES_AS_OF).output
    assert "slipping 31 days" in table
    assert "harbor-logistics  tom" in table


def test_age_in_stage_from_stage_since_else_unknown() -> None:
    data = examples_json()
    by_name = {o["name"]: o for o in data["opportunities"]}
    assert (by_name["Loyalty module milestone 3"]["stage_since"], by_name["Loyalty module milestone 3"]["days_in_stage"]) == ("2026-09-29", 62)
    assert by_name["Retainer renewal 2027"]["days_in_stage"] == 25
    assert by_name["Dealer portal"]["days_in_stage"] is None
    table = run_cli("pipeline", books=EXAMPLES, as_of=EXAMPLES_AS_OF).output
    assert "62 days" in table and "unknown" in table


PROFILE = """\
id: {id}
name: {name}
kind: client
status: {status}
manager: {manager}
opportunities:
{opportunities}
"""


def profile(ident: str, opportunities: str, *, status: str = "active", manager: str = "lan") -> str:
    return PROFILE.format(id=ident, name=ident.title(), status=status, manager=manager, opportunities=opportunities)


def inline_json(books: Books, profiles: dict[str, str], *args: str, settings: str | None = None) -> Any:
    root = books(profiles=profiles, settings=settings)
    result = run_cli("pipeline", "--format", "json", *args, books=root, as_of="2026-11-30")
    assert result.exit_code == 0, result.stderr
    return result.json()


def test_default_probabilities_come_from_the_settings_and_a_profile_overrides_them(books: Books) -> None:
    deals = """\
  - {name: Audit, value: 10.05 USD, stage: proposal}
  - {name: Rollout, value: 1000 USD, stage: lead}
  - {name: Support, value: 1000 USD, stage: proposal, probability: 90}
"""
    rows = {o["name"]: o for o in inline_json(books, {"acme": profile("acme", deals)})["opportunities"]}
    assert (rows["Audit"]["probability"], rows["Audit"]["probability_source"]) == (50, "default")
    assert rows["Audit"]["weighted"] == {"number": "5.02", "currency": "USD"}  # 5.025, half to even
    assert (rows["Support"]["probability"], rows["Support"]["probability_source"], rows["Support"]["weighted"]["number"]) == (90, "profile", "900.00")
    configured = inline_json(books, {"acme": profile("acme", deals)}, settings="pipeline:\n  probabilities: {proposal: 40}\n")
    rows = {o["name"]: o for o in configured["opportunities"]}
    assert (rows["Audit"]["probability"], rows["Audit"]["weighted"]["number"]) == (40, "4.02")
    assert (rows["Rollout"]["probability"], rows["Support"]["probability"]) == (10, 90)  # lead keeps its default


def test_a_probability_outside_0_to_100_in_the_settings_is_reported(books: Books) -> None:
    root = books(
        profiles={"acme": profile("acme", "  - {name: Audit, value: 100 USD, stage: proposal}\n")}, settings="pipeline:\n  probabilities: {proposal: 150}\n"
    )
    assert run_cli("check", books=root, as_of="2026-11-30").exit_code == 1
    data = run_cli("pipeline", "--format", "json", books=root, as_of="2026-11-30").json()
    assert data["opportunities"][0]["probability"] == 50


CLOSED = """\
  - {name: Jan win, value: 1000 USD, stage: won, close: 2026-02-01}
  - {name: Spring loss, value: 3000 USD, stage: lost, close: 2026-03-01}
  - {name: Euro win, value: 500 EUR, stage: won, close: 2026-05-01}
  - {name: Old loss, value: 9000 USD, stage: lost, close: 2025-12-01}
  - {name: Open one, value: 100 USD, stage: lead, close: 2027-01-31}
"""


def test_won_and_lost_in_the_period_with_the_win_rate(books: Books) -> None:
    profiles = {"acme": profile("acme", CLOSED)}
    year = inline_json(books, profiles)  # default: the year to date
    assert year["period"] == {"start": "2026-01-01", "end": "2026-11-30"}
    assert [(c["name"], c["stage"]) for c in year["closed"]] == [("Jan win", "won"), ("Spring loss", "lost"), ("Euro win", "won")]
    assert year["win_rate"] == {
        "won": 2,
        "lost": 1,
        "by_count_pct": "66.7",
        "by_value": [
            {"currency": "EUR", "won": {"number": "500.00", "currency": "EUR"}, "lost": {"number": "0.00", "currency": "EUR"}, "rate_pct": "100.0"},
            {"currency": "USD", "won": {"number": "1000.00", "currency": "USD"}, "lost": {"number": "3000.00", "currency": "USD"}, "rate_pct": "25.0"},
        ],
    }
    quarter = inline_json(books, profiles, "--period", "2026-Q1")
    assert (quarter["win_rate"]["won"], quarter["win_rate"]["lost"], quarter["win_rate"]["by_count_pct"]) == (1, 1, "50.0")
    span = inline_json(books, profiles, "--from", "2025-12-01", "--to", "2026-02-28")
    assert [c["name"] for c in span["closed"]] == ["Old loss", "Jan win"]
    assert span["win_rate"]["by_value"][0]["rate_pct"] == "10.0"  # 1000 of 10000 USD
    assert [o["name"] for o in span["opportunities"]] == ["Open one"]  # the period chooses only won and lost
    empty = inline_json(books, profiles, "--period", "2026-07")
    assert empty["win_rate"] == {"won": 0, "lost": 0, "by_count_pct": None, "by_value": []}
    root = books(profiles=profiles)
    table = run_cli("pipeline", books=root, as_of="2026-11-30").output
    assert "Win rate: 66.7% by count (2 won, 1 lost)" in table
    assert "25.0% of USD (1,000.00 USD won, 3,000.00 USD lost)" in table
    assert run_cli("pipeline", "--period", "2026-Q1", "--from", "2026-01-01", books=root, as_of="2026-11-30").exit_code == 2
    assert run_cli("pipeline", "--period", "2027", books=root, as_of="2026-11-30").exit_code == 2


def test_manager_and_stage_filters_and_unknown_names(books: Books) -> None:
    tom = examples_json("--manager", "tom")
    assert {o["party"] for o in tom["opportunities"]} == {"quill-ink", "vertex-retail"}  # harbor-logistics has only a lost one
    assert all(o["owner"] == "tom" for o in tom["opportunities"])
    assert [t["manager"] for t in tom["by_manager"]] == ["tom"]
    assert [r["party"] for r in tom["renewals_at_risk"]] == ["harbor-logistics"]
    assert {c["party"] for c in tom["closed"]} == {"harbor-logistics", "quill-ink"}
    assert examples_json("--manager", "priya")["renewals_at_risk"] == []
    proposals = examples_json("--stage", "proposal")
    assert {o["stage"] for o in proposals["opportunities"]} == {"proposal"}
    assert [t["stage"] for t in proposals["by_stage"]] == ["proposal"]
    unknown = run_cli("pipeline", "--manager", "tomm", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert unknown.exit_code == 2
    assert "did you mean 'tom'?" in unknown.stderr
    stage = run_cli("pipeline", "--stage", "proposl", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert stage.exit_code == 2
    assert "did you mean 'proposal'?" in stage.stderr
    assert run_cli("pipeline", "--stage", "won", books=EXAMPLES, as_of=EXAMPLES_AS_OF).exit_code == 2
    # an opportunity's own owner counts it for that person, not for the party's manager
    owned = profile("acme", "  - {name: Audit, value: 100 USD, stage: proposal, owner: sam}\n  - {name: Rollout, value: 200 USD, stage: lead}\n")
    sam = inline_json(books, {"acme": owned}, "--manager", "sam")
    assert [o["name"] for o in sam["opportunities"]] == ["Audit"]
    everyone = inline_json(books, {"acme": owned})
    assert [(t["manager"], t["count"]) for t in everyone["by_manager"]] == [("lan", 1), ("sam", 1)]


def test_table_json_and_csv_agree() -> None:
    data = examples_json()
    rows = list(csv.DictReader(io.StringIO(run_cli("pipeline", "--format", "csv", books=EXAMPLES, as_of=EXAMPLES_AS_OF).output)))
    assert [(r["party"], r["opportunity"], r["stage"], r["currency"], r["value"], r["probability"], r["weighted"], r["slipping"]) for r in rows] == [
        (
            o["party"],
            o["name"],
            o["stage"],
            o["value"]["currency"],
            o["value"]["number"],
            str(o["probability"]),
            o["weighted"]["number"],
            "yes" if o["slipping"] else "no",
        )
        for o in data["opportunities"]
    ]
    table = run_cli("pipeline", books=EXAMPLES, as_of=EXAMPLES_AS_OF).output
    lines = table.splitlines()
    for o in data["opportunities"]:
        weighted = f"{format_number(Decimal(o['weighted']['number']))} {o['weighted']['currency']}"
        assert any(o["name"] in line and weighted in line and line.startswith(o["party"]) for line in lines), o["name"]
    for m in data["totals"]["weighted"]:
        assert f"{format_number(Decimal(m['number']))} {m['currency']}" in table


def test_prospects_in_the_portfolio_apart_from_the_accounts() -> None:
    portfolio = run_cli("portfolio", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()
    lan = next(m for m in portfolio["managers"] if m["name"] == "lan")
    assert [c["id"] for c in lan["clients"]] == ["acme", "fernwood"]
    assert lan["accounts"] == 2 and portfolio["totals"]["accounts"] == 8
    assert [p["id"] for p in lan["prospects"]] == ["solstice-health"]
    pipeline = examples_json()
    solstice = [o for o in pipeline["opportunities"] if o["party"] == "solstice-health"]
    assert amounts(lan["prospects"][0]["pipeline"]) == amounts(o["value"] for o in solstice)
    assert amounts(lan["prospects"][0]["weighted"]) == amounts(o["weighted"] for o in solstice)
    assert amounts(lan["prospect_pipeline"]) == {"USD": Decimal("65000.00")}
    assert [p["id"] for p in portfolio["totals"]["prospects"]] == ["solstice-health"]
    assert all(p["id"] != "solstice-health" for m in portfolio["managers"] for p in m["clients"])
    table = run_cli("portfolio", books=EXAMPLES, as_of=EXAMPLES_AS_OF).output
    assert "  1 prospect; open pipeline 65,000.00 USD\n    solstice-health (Solstice Health Partners): 1 open opportunity" in table


def test_a_manager_with_prospects_only_has_a_portfolio_row_with_no_accounts(books: Books) -> None:
    root = books(profiles={"newco": profile("newco", "  - {name: Pilot, value: 5000 USD, stage: qualified}\n", status="prospect", manager="ana")})
    data = run_cli("portfolio", "--format", "json", books=root, as_of="2026-11-30").json()
    assert [(m["name"], m["accounts"], [p["id"] for p in m["prospects"]]) for m in data["managers"]] == [("ana", 0, ["newco"])]
    assert data["totals"]["accounts"] == 0
    assert data["managers"][0]["prospects"][0]["weighted"] == [{"number": "1250.00", "currency": "USD"}]
    assert "ana\n  0 accounts" in run_cli("portfolio", books=root, as_of="2026-11-30").output
