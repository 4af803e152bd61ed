"""The health score over the last 12 month ends, and NPS and CSAT over a period's responses."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

from acct_tool.books.load import load_books
from acct_tool.engines import relationship as rel
from acct_tool.engines.health import history_dates

Books = Callable[..., Path]
HARBOR = "harbor-logistics"


def show(party: str, as_of: str, *extra: str) -> Any:
    result = run_cli("clients", "show", party, "--format", "json", *extra, books=EXAMPLES, as_of=as_of)
    assert result.exit_code == 0, result.output + result.stderr
    return result.json()


@pytest.fixture(scope="module")
def harbor_history() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = show(HARBOR, EXAMPLES_AS_OF, "--history")["health_history"]
    return found


def test_twelve_month_ends_the_last_equal_to_the_score_today(harbor_history: list[dict[str, Any]]) -> None:
    months = [p["month"] for p in harbor_history]
    assert months == ["2025-12", *(f"2026-{m:02d}" for m in range(1, 12))]
    assert [p["date"] for p in harbor_history][:3] == ["2025-12-31", "2026-01-31", "2026-02-28"]
    today = show(HARBOR, EXAMPLES_AS_OF)["client"]["health"]
    last = harbor_history[-1]
    assert (last["date"], last["score"], last["band"]) == (EXAMPLES_AS_OF, today["score"], today["band"])
    assert last["score"] == 13 and last["band"] == "red"
    assert last["change"] == last["score"] - harbor_history[-2]["score"]
    assert last["reason"].startswith("red flag: INV-2026-039 is 108 days past due")


@pytest.mark.parametrize("index", [5, 9])
def test_a_month_in_the_middle_equals_clients_show_at_that_month_end(harbor_history: list[dict[str, Any]], index: int) -> None:
    point = harbor_history[index]
    then = show(HARBOR, point["date"])
    assert (point["score"], point["band"]) == (then["client"]["health"]["score"], then["client"]["health"]["band"])
    assert point["satisfaction"] == then["satisfaction"]


def test_the_history_is_only_computed_when_asked() -> None:
    assert "health_history" not in show(HARBOR, EXAMPLES_AS_OF)


def test_history_text_names_the_main_reason_of_each_change() -> None:
    result = run_cli("clients", "show", HARBOR, "--history", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Health history (month ends; 2026-11-30 for 2026-11)" in text
    row = next(line for line in text.splitlines() if line.strip().startswith("2026-09"))
    assert "40" in row and "red" in row and "-22" in row and "red flag: Open high risk without a plan" in row
    assert "latest NPS response 3" in text  # one survey's NPS is a response, not an NPS


def test_the_as_of_month_is_seen_at_the_as_of_date() -> None:
    dates = history_dates(datetime.date(2026, 3, 17))
    assert len(dates) == 12
    assert dates[0] == datetime.date(2025, 4, 30) and dates[-2] == datetime.date(2026, 2, 28) and dates[-1] == datetime.date(2026, 3, 17)


def test_no_score_before_the_client_has_anything_to_score(books: Books) -> None:
    profile = "id: newco\nname: NewCo\nkind: client\nstatus: active\ntier: standard\ninteractions:\n  - {date: 2026-10-05, channel: call, summary: Kick-off}\n"
    root = books(profiles={"newco": profile})
    result = run_cli("clients", "show", "newco", "--history", "--format", "json", books=root, as_of="2026-11-30")
    points = result.json()["health_history"]
    assert [p["score"] for p in points[:10]] == [None] * 10 and points[9]["band"] == "none"
    assert points[10]["score"] is not None and points[10]["reason"] == "first score"


# --- NPS and CSAT -------------------------------------------------------------------


def client(name: str, manager: str, rows: list[str]) -> str:
    surveys = "".join(f"  - {r}\n" for r in rows)
    return f"id: {name}\nname: {name}\nkind: client\nstatus: active\ntier: standard\nmanager: {manager}\nsatisfaction:\n{surveys}"


SURVEYS = {
    "acme": client(
        "acme",
        "lan",
        [
            "{date: 2026-02-10, nps: 10, csat: 5}",
            "{date: 2026-04-10, nps: 9, csat: 4}",
            "{date: 2026-06-10, nps: 8, csat: 4}",
            "{date: 2026-08-10, nps: 6}",
            "{date: 2026-10-10, nps: 3, csat: 2}",
            "{date: 2024-10-10, nps: 0, csat: 1}",  # more than 12 months before: not counted
        ],
    ),
    "bolt": client("bolt", "lan", ["{date: 2026-05-01, nps: 10, csat: 5}", "{date: 2026-09-01, nps: 9}"]),
    "cove": client("cove", "tom", ["{date: 2026-07-01, csat: 3}"]),
}


def test_nps_is_promoters_minus_detractors_over_the_responses(books: Books) -> None:
    loaded = load_books(books(profiles=SURVEYS), datetime.date(2026, 11, 30))
    acme = rel.trailing_satisfaction(loaded.parties["acme"], loaded.as_of)
    assert (acme.nps.responses, acme.nps.promoters, acme.nps.passives, acme.nps.detractors) == (5, 2, 1, 2)
    assert acme.nps.score == Decimal("0.0")  # (2 - 2) / 5
    assert acme.csat.responses == 4 and acme.csat.average == Decimal("3.75")  # (5 + 4 + 4 + 2) / 4
    only_csat = rel.trailing_satisfaction(loaded.parties["cove"], loaded.as_of)
    assert only_csat.nps.score is None and only_csat.nps.responses == 0 and only_csat.csat.average == Decimal("3.00")
    spring = rel.net_promoter(loaded.parties["acme"].satisfaction, datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))
    assert spring.score == Decimal("66.7")  # 10, 9, 8: (2 - 0) / 3


def test_nps_and_csat_per_manager_pool_the_responses(books: Books) -> None:
    loaded = load_books(books(profiles=SURVEYS), datetime.date(2026, 11, 30))
    found = rel.by_manager(loaded.parties.values(), datetime.date(2025, 12, 1), datetime.date(2026, 11, 30))
    lan_nps, lan_csat = found["lan"]
    # acme's five responses and bolt's two: 4 promoters, 1 passive, 2 detractors
    assert (lan_nps.responses, lan_nps.promoters, lan_nps.detractors) == (7, 4, 2)
    assert lan_nps.score == Decimal("28.6")  # 100 x 2 / 7, not the mean of acme's 0 and bolt's 100
    assert lan_csat.average == Decimal("4.00")  # (5 + 4 + 4 + 2 + 5) / 5
    tom_nps, tom_csat = found["tom"]
    assert tom_nps.score is None and tom_csat.average == Decimal("3.00")


def test_clients_show_prints_nps_and_csat(books: Books) -> None:
    root = books(profiles=SURVEYS)
    data = run_cli("clients", "show", "acme", "--format", "json", books=root, as_of="2026-11-30").json()["satisfaction"]
    assert data["nps"] == {"score": "0.0", "responses": 5, "promoters": 2, "passives": 1, "detractors": 2}
    assert data["csat"] == {"average": "3.75", "responses": 4}
    text = run_cli("clients", "show", "acme", books=root, as_of="2026-11-30").output
    assert "NPS 0.0 (5 responses: 2 promoters, 1 passive, 2 detractors); CSAT 3.75 (4 responses)" in text


# --- the review ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def harbor_review() -> dict[str, str]:
    files = {}
    for fmt in ("html", "md", "json"):
        result = run_cli("review", HARBOR, "--format", fmt, books=EXAMPLES, as_of=EXAMPLES_AS_OF)
        assert result.exit_code == 0, result.output + result.stderr
        files[fmt] = result.output
    return files


def test_the_review_draws_the_health_trend_with_its_table(harbor_review: dict[str, str]) -> None:
    html = harbor_review["html"]
    start = html.index('<figure class="chart" id="chart-health-score-last-12-month-ends">')
    figure = html[start : html.index("</figure>", start)]
    assert figure.count("<circle") == 12 and "<svg" in figure
    assert '<table class="chart-data">' in figure and "<td>2026-09</td><td>40</td>" in figure
    assert "<td>2026-11</td><td>13</td>" in figure
    assert "CSAT responses over time" in html and "Latest NPS response: 3" in html
    assert "| 2026-09-30 | 40 | red | -22 | red flag: Open high risk without a plan" in harbor_review["md"]
    assert "| Last 12 months | -33.3 | 3 (1, 0, 2) | 3.33 | 3 |" in harbor_review["md"]


def test_the_review_trend_is_the_history_clients_show_prints(harbor_review: dict[str, str], harbor_history: list[dict[str, Any]]) -> None:
    review = json.loads(harbor_review["json"])["clients"][HARBOR]
    assert [(p["date"], p["score"], p["band"], p["reason"]) for p in review["health_history"]] == [
        (p["date"], p["score"], p["band"], p["reason"]) for p in harbor_history
    ]
    assert review["health_history"][-1]["score"] == review["health"]["score"]
    assert review["satisfaction"]["last_12_months"]["nps"] == show(HARBOR, EXAMPLES_AS_OF)["satisfaction"]["nps"]["score"]


def test_the_client_deck_shows_no_health() -> None:
    result = run_cli("review", HARBOR, "--audience", "client", "--format", "html", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.output
    assert "Health" not in result.output and "NPS" not in result.output
