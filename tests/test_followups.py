"""Follow-ups: each rule on a small profile, with as-of dates on the edges; then the examples."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

from acct_tool.books.load import load_books
from acct_tool.engines.followups import Followup, followups
from acct_tool.engines.receivables import Side, open_items

Books = Callable[..., Path]

OPENS = """\
2025-01-01 open Assets:Receivable:Acme USD
2025-01-01 open Assets:Receivable:Beta USD
"""


def client(ident: str = "acme", *, tier: str = "standard", status: str = "active", kind: str = "client", manager: str = "lan", body: str = "") -> str:
    account = "payable: Liabilities:Payable:Acme" if kind == "vendor" else f"receivable: Assets:Receivable:{ident.title()}"
    contacts = "contacts:\n  - {name: Mai Tran, role: CFO, email: mai@acme.example, decision_maker: true}\n  - {name: Raj Patel, email: ap@acme.example, phone: '+1 555 0100', billing: true}\n"
    return (
        f"id: {ident}\nname: {ident.title()} Inc\nkind: {kind}\nstatus: {status}\ntier: {tier}\nmanager: {manager}\naccounts: {{{account}}}\n{contacts}{body}"
    )


def run(
    books: Books, as_of: str, profiles: dict[str, str], ledger: str = "", settings: str | None = None, within: int = 0, manager: str | None = None
) -> list[Followup]:
    head = OPENS + ("2025-01-01 open Liabilities:Payable:Acme USD\n" if "Liabilities:Payable:Acme" in "".join(profiles.values()) else "")
    root = books(ledger=head + ledger, profiles=profiles, settings=settings)
    loaded = load_books(root, datetime.date.fromisoformat(as_of))
    assert not [d for d in loaded.diagnostics if d.severity.value == "error"], loaded.diagnostics
    items = open_items(loaded.party_postings, loaded.parties, loaded.settings, Side.AR, loaded.as_of, loaded.precisions)
    return list(followups(loaded.parties, loaded.settings, items, loaded.as_of, loaded.precisions, within=within, manager=manager).items)


def of_kind(found: list[Followup], kind: str) -> list[Followup]:
    return [f for f in found if f.kind == kind]


# --- next steps ---------------------------------------------------------------

STEP = """\
interactions:
  - date: 2026-11-01
    channel: call
    with: Mai Tran
    by: priya
    summary: Pricing call
    next_step: {action: Send the quote, due: 2026-11-20}
  - date: 2026-11-02
    channel: email
    summary: Sent the case study
    next_step: {action: Send the case study, due: 2026-11-05, done: true}
"""


def test_next_step_due_today_is_listed_but_not_overdue(books: Books) -> None:
    [step] = of_kind(run(books, "2026-11-20", {"acme": client(body=STEP)}), "next-step")
    assert (step.status, step.days_overdue, step.overdue, step.due) == ("due today", 0, False, datetime.date(2026, 11, 20))
    assert step.message == "Send the quote (agreed 2026-11-01 with Mai Tran)"
    assert step.owner == "priya"  # the interaction's `by`, before the manager


def test_next_step_one_day_late_is_overdue_and_a_done_step_never_shows(books: Books) -> None:
    found = of_kind(run(books, "2026-11-21", {"acme": client(body=STEP)}), "next-step")
    assert [(f.message.split(" (")[0], f.days_overdue, f.status) for f in found] == [("Send the quote", 1, "overdue")]


def test_next_step_not_yet_due_needs_within(books: Books) -> None:
    assert of_kind(run(books, "2026-11-15", {"acme": client(body=STEP)}), "next-step") == []
    [step] = of_kind(run(books, "2026-11-15", {"acme": client(body=STEP)}, within=5), "next-step")
    assert (step.status, step.days_overdue) == ("upcoming", -5)
    assert of_kind(run(books, "2026-11-15", {"acme": client(body=STEP)}, within=4), "next-step") == []


def test_next_step_owner_falls_back_to_the_manager_and_step_owner_wins(books: Books) -> None:
    body = STEP.replace("    by: priya\n", "").replace("due: 2026-11-20}", "due: 2026-11-20, owner: tom}")
    [step] = of_kind(run(books, "2026-11-30", {"acme": client(body=body)}), "next-step")
    assert step.owner == "tom"
    body = STEP.replace("    by: priya\n", "")
    [step] = of_kind(run(books, "2026-11-30", {"acme": client(body=body)}), "next-step")
    assert step.owner == "lan"


def test_interactions_after_the_as_of_date_are_ignored(books: Books) -> None:
    assert of_kind(run(books, "2026-10-31", {"acme": client(body=STEP)}, within=60), "next-step") == []


# --- check-ins ----------------------------------------------------------------

LAST_CONTACT = """\
interactions:
  - {date: 2026-09-01, channel: meeting, summary: Kickoff}
  - {date: 2026-10-01, channel: call, summary: Review}
"""


def test_check_in_on_the_cadence_day_is_due_today_not_overdue(books: Books) -> None:
    profile = client(tier="strategic", body=LAST_CONTACT)  # strategic: every 30 days; 2026-10-01 + 30 = 2026-10-31
    [due] = of_kind(run(books, "2026-10-31", {"acme": profile}), "check-in")
    assert (due.status, due.due, due.days_overdue) == ("due today", datetime.date(2026, 10, 31), 0)
    assert due.message == "Check in: last contact 2026-10-01, 30 days ago; strategic accounts every 30 days"
    assert due.contact == "Mai Tran <mai@acme.example>"
    [late] = of_kind(run(books, "2026-11-01", {"acme": profile}), "check-in")
    assert (late.status, late.days_overdue) == ("overdue", 1)
    assert of_kind(run(books, "2026-10-30", {"acme": profile}), "check-in") == []


def test_cadence_comes_from_the_settings_by_tier(books: Books) -> None:
    profile = client(tier="key", body=LAST_CONTACT)
    [late] = of_kind(run(books, "2026-10-16", {"acme": profile}), "check-in")  # key: every 14 days by default
    assert late.days_overdue == 1
    assert of_kind(run(books, "2026-10-16", {"acme": profile}, settings="cadence: {key: 21}\n"), "check-in") == []


def test_last_contact_is_the_latest_interaction_whatever_the_file_order(books: Books) -> None:
    body = "interactions:\n  - {date: 2026-10-01, channel: call, summary: Review}\n  - {date: 2026-06-01, channel: call, summary: 'Old, added late'}\n"
    [due] = of_kind(run(books, "2026-12-30", {"acme": client(body=body)}), "check-in")
    assert due.due == datetime.date(2026, 12, 30)  # 2026-10-01 + 90 (standard)


def test_check_in_without_any_interaction_and_who_gets_none(books: Books) -> None:
    [never] = of_kind(run(books, "2026-11-30", {"acme": client()}), "check-in")
    assert (never.status, never.due) == ("open", None)
    assert "no interaction on record" in never.message
    old = "interactions:\n  - {date: 2025-01-01, channel: call, summary: Bye}\n"
    assert of_kind(run(books, "2026-11-30", {"acme": client(status="churned", body=old)}), "check-in") == []
    assert of_kind(run(books, "2026-11-30", {"acme": client(status="paused", body=old)}), "check-in") == []
    assert of_kind(run(books, "2026-11-30", {"acme": client(kind="vendor", body=old)}), "check-in") == []


# --- renewals -----------------------------------------------------------------


def renewing(on: str, opportunity: str = "") -> str:
    opp = f"opportunities:\n  - {opportunity}\n" if opportunity else ""
    return client(body=f"contract: {{start: 2026-01-01, renewal: {on}}}\n{opp}")


def test_renewal_exactly_90_days_away_is_due_today(books: Books) -> None:
    [r] = of_kind(run(books, "2026-10-02", {"acme": renewing("2026-12-31")}), "renewal")
    assert (r.status, r.days_overdue, r.due) == ("due today", 0, datetime.date(2026, 10, 2))
    assert r.message == "Renewal 2026-12-31 is 90 days away (within 90 days) and no renewal opportunity is open"
    assert of_kind(run(books, "2026-10-01", {"acme": renewing("2026-12-31")}), "renewal") == []  # 91 days


def test_renewal_windows_90_60_30(books: Books) -> None:
    def message(as_of: str) -> str:
        [r] = of_kind(run(books, as_of, {"acme": renewing("2026-12-31")}), "renewal")
        return r.message

    assert "61 days away (within 90 days)" in message("2026-10-31")
    assert "60 days away (within 60 days)" in message("2026-11-01")
    assert "31 days away (within 60 days)" in message("2026-11-30")
    assert "30 days away (within 30 days)" in message("2026-12-01")
    assert message("2026-12-31") == "Renewal 2026-12-31 is today and no renewal opportunity is open"
    assert message("2027-01-02") == "Renewal date 2026-12-31 passed 2 days ago and no renewal opportunity is open"


def test_open_renewal_opportunity_silences_the_renewal_but_a_lost_one_does_not(books: Books) -> None:
    opened = "{name: Renewal 2027, type: renewal, stage: proposal}"
    assert of_kind(run(books, "2026-12-01", {"acme": renewing("2026-12-31", opened)}), "renewal") == []
    lost = "{name: Renewal 2027, type: renewal, stage: lost}"
    assert len(of_kind(run(books, "2026-12-01", {"acme": renewing("2026-12-31", lost)}), "renewal")) == 1
    expansion = "{name: Phase 2, type: expansion, stage: proposal}"
    assert len(of_kind(run(books, "2026-12-01", {"acme": renewing("2026-12-31", expansion)}), "renewal")) == 1


def test_renewal_windows_follow_the_settings(books: Books) -> None:
    settings = "health: {renewal_windows: [45, 15]}\n"
    assert of_kind(run(books, "2026-11-15", {"acme": renewing("2026-12-31")}, settings=settings), "renewal") == []  # 46 days
    [r] = of_kind(run(books, "2026-11-16", {"acme": renewing("2026-12-31")}, settings=settings), "renewal")
    assert r.days_overdue == 0 and "within 45 days" in r.message


# --- risks without a plan -------------------------------------------------------


def test_open_risk_without_plan_is_due_the_day_it_was_opened(books: Books) -> None:
    body = """\
risks:
  - {opened: 2026-11-10, summary: Budget cut, severity: high, owner: tom}
  - {opened: 2026-11-01, summary: Slow approvals, severity: low, plan: Weekly approval call}
  - {opened: 2026-09-01, summary: Old issue, status: closed, closed: 2026-10-01}
"""
    [same_day] = of_kind(run(books, "2026-11-10", {"acme": client(body=body)}), "risk-plan")
    assert (same_day.status, same_day.owner) == ("due today", "tom")
    assert same_day.message == "Write a remediation plan for the open high risk: Budget cut"
    [late] = of_kind(run(books, "2026-11-30", {"acme": client(body=body)}), "risk-plan")
    assert late.days_overdue == 20
    assert of_kind(run(books, "2026-11-09", {"acme": client(body=body)}), "risk-plan") == []  # not opened yet


# --- decision makers ------------------------------------------------------------


def test_key_and_strategic_accounts_need_a_decision_maker(books: Books) -> None:
    def without(tier: str) -> str:
        return client(tier=tier).replace(", decision_maker: true", "")

    for tier in ("key", "strategic"):
        [gap] = of_kind(run(books, "2026-11-30", {"acme": without(tier)}), "decision-maker")
        assert (gap.status, gap.due, gap.overdue) == ("open", None, False)
        assert gap.message == f"Find a decision maker at this {tier} account: none of its 2 contacts is marked decision_maker"
    assert of_kind(run(books, "2026-11-30", {"acme": without("standard")}), "decision-maker") == []
    assert of_kind(run(books, "2026-11-30", {"acme": client(tier="key")}), "decision-maker") == []


# --- collections ----------------------------------------------------------------


def invoice(number: str, date: str, due: str, amount: str = "1000.00") -> str:
    return f"""
{date} * "Acme" "Invoice {number}" ^{number}
  due: {due}
  Assets:Receivable:Acme  {amount} USD
  Income:Services
"""


def test_collection_levels_7_30_60_with_the_billing_contact(books: Books) -> None:
    ledger = invoice("INV-1", "2026-09-01", "2026-10-01")  # 7 days past due on 2026-10-08

    def level(as_of: str) -> list[Followup]:
        return of_kind(run(books, as_of, {"acme": client()}, ledger=ledger), "collection")

    assert level("2026-10-07") == []  # 6 days past due: not yet chased
    [first] = level("2026-10-08")
    assert (first.status, first.level, first.document, str(first.amount)) == ("due today", 1, "INV-1", "1000.00 USD")
    assert first.message == "Chase INV-1 (first reminder): 1,000.00 USD open, 7 days past due; contact Raj Patel <ap@acme.example>, +1 555 0100"
    assert first.contact == "Raj Patel <ap@acme.example>, +1 555 0100"
    [second] = level("2026-10-31")
    assert (second.level, second.days_overdue, "(second reminder)" in second.message) == (2, 0, True)
    [third] = level("2026-12-05")
    assert (third.level, third.days_overdue, "(escalation)" in third.message) == (3, 5, True)
    [upcoming] = of_kind(run(books, "2026-10-05", {"acme": client()}, ledger=ledger, within=3), "collection")
    assert (upcoming.status, upcoming.level, upcoming.days_overdue) == ("upcoming", 1, -3)


def test_collection_levels_follow_the_settings_and_paid_invoices_drop_out(books: Books) -> None:
    ledger = invoice("INV-1", "2026-09-01", "2026-10-01") + invoice("INV-2", "2026-09-02", "2026-10-02")
    ledger += '\n2026-10-10 * "Acme" "Payment" ^INV-2\n  Assets:Bank:Operating  1000.00 USD\n  Assets:Receivable:Acme\n'
    found = of_kind(run(books, "2026-10-15", {"acme": client()}, ledger=ledger, settings="collection_levels: [14, 45]\n"), "collection")
    assert [(f.document, f.level, f.days_overdue) for f in found] == [("INV-1", 1, 0)]


# --- order, filters, CLI --------------------------------------------------------


def test_most_urgent_first_and_manager_filter(books: Books) -> None:
    acme = client(tier="key", body=STEP).replace(", decision_maker: true", "")
    beta = client("beta", manager="tom", body="risks:\n  - {opened: 2026-11-25, summary: Churn talk, severity: high}\n")
    found = run(books, "2026-11-30", {"acme": acme, "beta": beta})
    assert [(f.kind, f.party, f.status, f.days_overdue) for f in found] == [
        ("check-in", "acme", "overdue", 14),  # key: every 14 days since 2026-11-02
        ("next-step", "acme", "overdue", 10),
        ("risk-plan", "beta", "overdue", 5),
        ("check-in", "beta", "open", None),  # never contacted
        ("decision-maker", "acme", "open", None),
    ]
    assert [(f.kind, f.party) for f in run(books, "2026-11-30", {"acme": acme, "beta": beta}, manager="tom")] == [("risk-plan", "beta"), ("check-in", "beta")]
    # priya owns acme's next step (she logged the call), so she sees it though lan manages acme
    assert [f.kind for f in run(books, "2026-11-30", {"acme": acme, "beta": beta}, manager="priya")] == ["next-step"]


def test_fail_on_overdue_exit_codes_and_json(books: Books) -> None:
    root = books(ledger=OPENS, profiles={"acme": client(body=STEP)})
    ok = run_cli("followups", "--fail-on", "overdue", books=root, as_of="2026-11-20")
    assert ok.exit_code == 0 and "due today" in ok.output
    late = run_cli("followups", "--fail-on", "overdue", "--format", "json", books=root, as_of="2026-11-21")
    assert late.exit_code == 1
    data = late.json()
    assert data["overdue"] == 1
    assert data["items"][0] | {"line": None} == {
        "kind": "next-step",
        "status": "overdue",
        "party": "acme",
        "party_name": "Acme Inc",
        "manager": "lan",
        "owner": "priya",
        "due": "2026-11-20",
        "days_overdue": 1,
        "message": "Send the quote (agreed 2026-11-01 with Mai Tran)",
        "contact": None,
        "document": None,
        "amount": None,
        "level": None,
        "file": "clients/acme.yaml",
        "line": None,
    }
    assert run_cli("followups", books=root, as_of="2026-11-21").exit_code == 0  # without --fail-on, listing is success
    csv = run_cli("followups", "--format", "csv", books=root, as_of="2026-11-21").output.splitlines()
    assert csv[0].startswith("status,due,days_overdue,kind,party,owner,message")
    assert csv[1].startswith("overdue,2026-11-20,1,next-step,acme,priya,")


def test_nothing_to_follow_up(books: Books) -> None:
    root = books(ledger=OPENS, profiles={"acme": client(body="interactions:\n  - {date: 2026-11-29, channel: call, summary: Hi}\n")})
    result = run_cli("followups", books=root, as_of="2026-11-30")
    assert result.exit_code == 0
    assert "nothing to follow up" in result.output


# --- the examples ---------------------------------------------------------------


def test_examples_followups_are_what_a_manager_expects() -> None:
    result = run_cli("followups", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    items = result.json()["items"]
    got = [(i["kind"], i["party"], i["days_overdue"]) for i in items]
    assert got == [
        ("objective", "harbor-logistics", 61),  # plan objective due 2026-09-30, at risk
        ("risk-plan", "harbor-logistics", 61),  # "Nothing paid since the July retainer" has no plan
        ("renewal", "harbor-logistics", 59),  # renews 2026-12-31, no renewal opportunity
        ("collection", "harbor-logistics", 48),  # INV-2026-039, 108 days past due: escalation
        ("next-step", "harbor-logistics", 46),  # payment plan proposal, due 2026-10-15
        ("risk-plan", "oakridge-dental", 33),
        ("check-in", "harbor-logistics", 30),  # last contact 2026-10-01, strategic cadence 30
        ("next-step", "oakridge-dental", 20),  # phase 3 estimate, due 2026-11-10
        ("collection", "harbor-logistics", 17),
        ("collection", "harbor-logistics", 16),
        ("collection", "harbor-logistics", 9),
        ("collection", "meridian", 8),
        ("collection", "fernwood", 7),
        ("collection", "vertex-retail", 4),
        ("decision-maker", "meridian", None),  # key account, no decision maker
        ("sponsor", "harbor-logistics", None),  # strategic account, no sponsor in its plan
    ]
    chase = items[3]
    assert chase["document"] == "INV-2026-039" and chase["contact"].startswith("Paul Ferreira <ap@harborlogistics.example>")
    assert chase["owner"] == "tom"
    # fernwood renews 2027-01-15 but has a renewal opportunity; acme is healthy: neither needs a renewal follow-up
    assert not [i for i in items if i["party"] in ("acme", "fernwood") and i["kind"] != "collection"]
    strict = run_cli("followups", "--fail-on", "overdue", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert strict.exit_code == 1
    assert "61 days overdue  risk-plan" in strict.output
    week = run_cli("followups", "--within", "7", "--manager", "lan", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()["items"]
    assert [(i["kind"], i["party"], i["due"]) for i in week] == [
        ("collection", "fernwood", "2026-11-23"),
        ("next-step", "fernwood", "2026-12-01"),
        ("next-step", "acme", "2026-12-04"),
        ("check-in", "acme", "2026-12-04"),
    ]
