"""A manager's portfolio page and the index of `review --out`: each figure equals the command that shows it."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli
from test_review_browser import load_page


def _json(*args: str) -> Any:
    result = run_cli(*args, "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


@pytest.fixture(scope="module")
def review() -> Any:
    return _json("review")


@pytest.fixture(scope="module")
def portfolio() -> Any:
    return _json("portfolio", "--from", "2026-10-01", "--to", EXAMPLES_AS_OF)


def _managers(portfolio: Any) -> dict[str, Any]:
    return {m["name"]: m for m in portfolio["managers"]}


def test_health_at_the_last_month_is_the_bands_clients_list_shows(review: Any) -> None:
    clients = {c["id"]: c for c in _json("clients", "list")["clients"]}
    for name, page in review["portfolios"].items():
        last = page["health_months"][-1]
        assert last["date"] == EXAMPLES_AS_OF and len(page["health_months"]) == 12
        bands = [clients[a["id"]]["health"]["band"] for a in page["accounts"]]
        assert (last["green"], last["amber"], last["red"]) == (bands.count("green"), bands.count("amber"), bands.count("red")), name


def test_pipeline_summary_is_pipeline_for_the_manager(review: Any) -> None:
    for name, page in review["portfolios"].items():
        pipe = _json("pipeline", "--manager", name)
        summary = page["pipeline"]
        assert summary["count"] == pipe["totals"]["count"]
        assert summary["value"] == pipe["totals"]["value"] and summary["weighted"] == pipe["totals"]["weighted"]
        assert [(s["stage"], s["weighted"]) for s in summary["stages"]] == [(s["stage"], s["weighted"]) for s in pipe["by_stage"]]
        assert summary["slipping"] == sum(1 for o in pipe["opportunities"] if o["slipping"])
        assert summary["renewals_at_risk"] == [r["party"] for r in pipe["renewals_at_risk"]]


def test_renewals_coming_up_say_whether_a_renewal_opportunity_is_open(review: Any) -> None:
    renewals = review["portfolios"]["lan"]["renewals"]
    assert [(r["id"], r["date"], r["opportunity"], r["at_risk"]) for r in renewals] == [("fernwood", "2027-01-15", "Retainer renewal 2027", False)]
    for page in review["portfolios"].values():
        assert all(r["days"] <= 90 for r in page["renewals"])


def test_prospects_are_the_ones_portfolio_lists(review: Any, portfolio: Any) -> None:
    managers = _managers(portfolio)
    seen = 0
    for name, page in review["portfolios"].items():
        assert page["prospects"] == [{k: p[k] for k in ("id", "name", "tier", "opportunities", "pipeline", "weighted")} for p in managers[name]["prospects"]]
        assert page["prospect_pipeline"] == managers[name]["prospect_pipeline"]
        seen += len(page["prospects"])
    assert seen  # the examples have prospects


def test_nps_and_csat_per_manager_equal_portfolio(review: Any, portfolio: Any) -> None:
    managers = _managers(portfolio)
    answered = 0
    for name, page in review["portfolios"].items():
        mine = managers[name]["satisfaction"]
        shown = page["satisfaction"]
        assert (shown["nps"], shown["responses"], shown["csat"], shown["csat_responses"]) == (
            mine["nps"],
            mine["responses"],
            mine["csat"],
            mine["csat_responses"],
        )
        assert mine["promoters"] + mine["passives"] + mine["detractors"] == mine["responses"]
        answered += mine["responses"]
    year = _managers(_json("portfolio", "--from", "2026-01-01", "--to", EXAMPLES_AS_OF))
    assert any(m["satisfaction"]["responses"] for m in year.values())  # surveys of the year are pooled per manager


def test_index_totals_are_the_sum_of_the_managers_per_currency(review: Any, portfolio: Any) -> None:
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for m in portfolio["managers"]:
        for field in ("revenue", "open", "overdue"):
            for money in m[field]:
                sums[(field, money["currency"])] += Decimal(money["number"])
    totals = review["index"]["totals"]
    assert [t["currency"] for t in totals] == sorted({c for _, c in sums})
    for t in totals:
        for field in ("revenue", "open", "overdue"):
            assert t[field]["currency"] == t["currency"]
            assert Decimal(t[field]["number"]) == sums.get((field, t["currency"]), Decimal(0)), (field, t["currency"])
        assert sum(Decimal(m["revenue"]["number"]) for m in t["managers"]) == Decimal(t["revenue"]["number"])
    bands = {b["band"]: b["accounts"] for b in review["index"]["bands"]}
    assert bands == portfolio["totals"]["bands"]


def test_portfolio_and_index_pages_load_cleanly_with_their_charts(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("review", "--format", "html", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.output
    probe = {"svgs": "document.querySelectorAll('svg').length", "sections": "[...document.querySelectorAll('section[id]')].map(s => s.id).join(',')"}
    page = load_page(out / "portfolio-lan.html", tmp_path / "p1", probe)
    page.assert_clean()
    assert page.values["svgs"] == 3  # health per band, revenue (USD), aging (USD)
    for section in ("health-trend", "revenue-trend", "aging", "pipeline", "renewals", "prospects", "satisfaction"):
        assert section in page.values["sections"]
    index = load_page(out / "index.html", tmp_path / "p2", {"svgs": "document.querySelectorAll('svg').length"})
    index.assert_clean()
    assert index.values["svgs"] == 2  # revenue per manager in EUR and in USD
