"""Account plans (``plan:`` in a client profile): parsing, diagnostics, ``clients show``,
follow-ups, the client's deck, the portfolio and the profile cache."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from codes_seen import check, expect
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

from acct_tool.books.load import load_books

Books = Callable[..., Path]

OPENS = """\
2025-01-01 open Assets:Receivable:Acme USD
2025-01-01 open Assets:Receivable:Beta USD
"""


def client(ident: str = "acme", *, tier: str = "key", manager: str = "lan", plan: str = "", maker: bool = True) -> str:
    decides = "true" if maker else "false"
    return (
        f"id: {ident}\nname: {ident.title()} Inc\nkind: client\nstatus: active\ntier: {tier}\nmanager: {manager}\n"
        f"accounts: {{receivable: Assets:Receivable:{ident.title()}}}\n"
        f"contacts:\n  - {{name: Mai Tran, role: CFO, decision_maker: {decides}}}\n  - {{name: Raj Patel, role: Head of IT}}\n"
        f"interactions:\n  - {{date: 2026-11-20, channel: call, with: Mai Tran, summary: Monthly call}}\n{plan}"
    )


PLAN = """\
plan:
  reviewed: 2026-06-30
  objectives:
    - {what: Ship the portal, measure: dealers live, target: 200, current: 120, due: 2026-10-31, status: at-risk, owner: priya}
    - {what: Migrate the archive, due: 2026-06-30, status: done}
    - {what: Old idea, due: 2026-01-31, status: dropped}
  stakeholders:
    - {name: Mai Tran, influence: high, stance: sponsor}
    - {name: Raj Patel, influence: medium, stance: blocker}
  whitespace:
    - {service: Hosting, estimate: 12000 USD}
    - {service: Training, estimate: 3000 USD}
    - {service: Berlin office, estimate: 5000 EUR, notes: Opens 2027}
"""


def books_with(books: Books, **profiles: str) -> Path:
    return books(ledger=OPENS, profiles=profiles)


# --- parsing and diagnostics ----------------------------------------------------


def test_a_plan_is_read_from_the_profile(books: Books) -> None:
    root = books_with(books, acme=client(plan=PLAN))
    loaded = load_books(root, datetime.date(2026, 11, 30))
    assert not [d for d in loaded.diagnostics if d.severity.value == "error"], loaded.diagnostics
    plan = loaded.parties["acme"].plan
    assert plan.reviewed == datetime.date(2026, 6, 30)
    first = plan.objectives[0]
    assert (first.what, first.status, first.target, first.current) == ("Ship the portal", "at-risk", 200, 120)
    assert [(s.name, s.influence, s.stance) for s in plan.stakeholders] == [("Mai Tran", "high", "sponsor"), ("Raj Patel", "medium", "blocker")]
    assert [w.service for w in plan.whitespace] == ["Hosting", "Training", "Berlin office"]


def test_a_stakeholder_who_is_not_a_contact_is_located(books: Books) -> None:
    plan = "plan:\n  stakeholders:\n    - {name: mai  TRAN, stance: sponsor}\n    - {name: Jo Bloggs, stance: skeptic}\n"
    code, found = check(books_with(books, acme=client(plan=plan)))
    assert code == 1
    expect(found, "unknown-stakeholder", "clients/acme.yaml", 16, 14, message="'Jo Bloggs' is not one of the profile's contacts", hint="Mai Tran, Raj Patel")
    assert sum(1 for d in found if d["code"] == "unknown-stakeholder") == 1  # case and spacing are ignored


def test_a_bad_objective_status_is_located_and_the_objective_kept_as_planned(books: Books) -> None:
    plan = "plan:\n  objectives:\n    - {what: Ship it, due: 2020-01-31, status: late}\n    - {what: Keep it, due: 2020-02-28, status: on-track}\n"
    root = books_with(books, acme=client(plan=plan))
    code, found = check(root)
    assert code == 1
    expect(found, "bad-value", "clients/acme.yaml", 15, 48, message="late")
    assert not [d for d in found if d["code"] == "invalid-date"]  # a due date long past is fine
    kept = load_books(root, datetime.date(2026, 11, 30)).parties["acme"].plan
    assert [(o.what, o.status) for o in kept.objectives] == [("Ship it", "planned"), ("Keep it", "on-track")]  # the bad value only


# --- clients show ---------------------------------------------------------------------


def test_clients_show_gives_the_plan_with_its_progress(books: Books) -> None:
    root = books_with(books, acme=client(plan=PLAN))
    text = run_cli("clients", "show", "acme", books=root, as_of="2026-11-30").output
    assert "Account plan (reviewed 2026-06-30; current)" in text
    assert "Objectives: 1 of 2 done" in text  # the dropped one is not counted
    assert "[at-risk OVERDUE] Ship the portal, due 2026-10-31" in text
    assert "dealers live: 120 of 200 (owner priya)" in text
    assert "Raj Patel  medium     blocker" in text
    assert "Whitespace: 5,000.00 EUR, 15,000.00 USD" in text  # per currency, never summed
    data = run_cli("clients", "show", "acme", "--format", "json", books=root, as_of="2026-11-30").json()["plan"]
    assert (data["objectives_done"], data["objectives_total"], data["current"], data["has_sponsor"]) == (1, 2, True, True)
    assert data["objectives"][0] == {
        "what": "Ship the portal",
        "measure": "dealers live",
        "target": "200",
        "current": "120",
        "due": "2026-10-31",
        "status": "at-risk",
        "owner": "priya",
        "overdue": True,
    }
    assert data["whitespace_total"] == [{"number": "5000.00", "currency": "EUR"}, {"number": "15000.00", "currency": "USD"}]
    later = run_cli("clients", "show", "acme", books=root, as_of="2027-07-01").output
    assert "Account plan (reviewed 2026-06-30; not current: review it with the client)" in later


def test_a_client_without_a_plan_shows_none(books: Books) -> None:
    root = books_with(books, acme=client())
    assert "Account plan" not in run_cli("clients", "show", "acme", books=root, as_of="2026-11-30").output
    assert "plan" not in run_cli("clients", "show", "acme", "--format", "json", books=root, as_of="2026-11-30").json()


# --- follow-ups --------------------------------------------------------------------------


def followups(root: Path, as_of: str = "2026-11-30") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = run_cli("followups", "--format", "json", books=root, as_of=as_of).json()["items"]
    return items


def test_an_overdue_objective_is_a_followup_until_it_is_done(books: Books) -> None:
    root = books_with(books, acme=client(plan=PLAN))
    found = [f for f in followups(root) if f["kind"] == "objective"]
    assert [(f["due"], f["days_overdue"], f["owner"]) for f in found] == [("2026-10-31", 30, "priya")]
    assert found[0]["message"] == "Meet the plan objective (at-risk): Ship the portal (dealers live: 120 of 200)"
    assert "objective" in run_cli("followups", books=root, as_of="2026-11-30").output
    profile = root / "clients" / "acme.yaml"
    profile.write_text(profile.read_text().replace("status: at-risk", "status: done"))
    assert not [f for f in followups(root) if f["kind"] == "objective"]


def test_a_key_account_whose_plan_has_no_sponsor_gets_a_followup(books: Books) -> None:
    unsponsored = PLAN.replace("stance: sponsor", "stance: supporter")
    root = books_with(books, acme=client(plan=unsponsored), beta=client("beta", tier="standard", plan=unsponsored))
    found = [(f["party"], f["due"], f["message"]) for f in followups(root) if f["kind"] == "sponsor"]
    assert found == [("acme", None, "Win a sponsor at this key account: no stakeholder of the plan is a sponsor (decision makers: Mai Tran)")]
    # with a sponsor, or without a plan, there is nothing to do
    assert not [f for f in followups(books_with(books, acme=client(plan=PLAN))) if f["kind"] == "sponsor"]
    assert not [f for f in followups(books_with(books, acme=client())) if f["kind"] == "sponsor"]


def test_without_a_decision_maker_only_the_decision_maker_followup_is_raised(books: Books) -> None:
    root = books_with(books, acme=client(plan=PLAN.replace("stance: sponsor", "stance: neutral"), maker=False))
    kinds = [f["kind"] for f in followups(root)]
    assert "decision-maker" in kinds and "sponsor" not in kinds


# --- reviews ------------------------------------------------------------------------------


def test_the_internal_review_shows_the_whole_plan() -> None:
    text = run_cli("review", "harbor-logistics", "--format", "md", books=EXAMPLES, as_of=EXAMPLES_AS_OF).output
    assert "## Account plan" in text
    assert "| Paul Ferreira | low | blocker |" in text
    assert "**No sponsor among the stakeholders.**" in text
    assert "at-risk (**overdue**)" in text


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_the_client_deck_shows_the_objectives_but_no_stance_or_whitespace(fmt: str) -> None:
    text = run_cli("review", "acme", "--audience", "client", "--format", fmt, books=EXAMPLES, as_of=EXAMPLES_AS_OF).output
    assert "Onboarding kit in every plant" in text and "Dealer portal live" in text
    assert "plants with the kit" in text
    for internal in ("stance", "sponsor", "supporter", "influence", "Trade show booth design", "Hanover", "whitespace"):
        assert internal not in text.lower() if internal.islower() else internal not in text, f"{internal!r} in the client's {fmt} deck"
    harbor = run_cli("review", "harbor-logistics", "--audience", "client", "--format", fmt, books=EXAMPLES, as_of=EXAMPLES_AS_OF).output
    assert "behind plan" in harbor and "blocker" not in harbor and "skeptic" not in harbor


# --- portfolio ---------------------------------------------------------------------------


def test_the_portfolio_counts_the_current_plans_per_manager(books: Books) -> None:
    stale = PLAN.replace("reviewed: 2026-06-30", "reviewed: 2025-11-29")
    root = books_with(books, acme=client(plan=PLAN), beta=client("beta", plan=stale))
    text = run_cli("portfolio", books=root, as_of="2026-11-30").output
    assert "\nlan\n" in text and "  current account plans: 1 of 2 accounts managed" in text
    data = run_cli("portfolio", "--format", "json", books=root, as_of="2026-11-30").json()
    lan = data["managers"][0]
    assert (lan["name"], lan["current_plans"], lan["accounts_managed"]) == ("lan", 1, 2)
    assert [(c["id"], c["plan_current"]) for c in lan["clients"]] == [("acme", True), ("beta", False)]
    assert data["totals"]["current_plans"] == 1
    csv = run_cli("portfolio", "--format", "csv", books=root, as_of="2026-11-30").output.splitlines()
    assert csv[0].endswith(",health_band,plan_current")
    assert [line.split(",")[1] + ":" + line.split(",")[-1] for line in csv[1:]] == ["acme:true", "beta:false"]
    # reviewed exactly a year and a day before: no longer current
    assert "current account plans: 0 of 2" in run_cli("portfolio", books=root, as_of="2027-07-01").output


def test_the_examples_portfolio_counts_acme_and_harbor() -> None:
    data = run_cli("portfolio", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()
    counts = {m["name"]: m["current_plans"] for m in data["managers"]}
    assert counts["lan"] == 1 and counts["tom"] == 1 and data["totals"]["current_plans"] == 2


# --- the profile cache ------------------------------------------------------------------


def test_the_cache_reads_the_plan_back(examples_copy: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from acct_tool.books import yamlsource

    cold = load_books(examples_copy, datetime.date(2026, 11, 30), use_cache=True)
    parsed: list[str] = []
    real = yamlsource.parse_yaml

    def parsing(*args: Any, **kwargs: Any) -> Any:
        parsed.append(str(args[1] if len(args) > 1 else kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(yamlsource, "parse_yaml", parsing)
    warm = load_books(examples_copy, datetime.date(2026, 11, 30), use_cache=True)
    assert parsed == []
    assert warm.parties["acme"].plan == cold.parties["acme"].plan
    assert warm.parties["acme"].plan.stakeholders[0].stance == "sponsor"
    assert warm.parties["harbor-logistics"].plan.objectives[0].status == "at-risk"
