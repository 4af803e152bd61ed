"""Client and vendor profiles against the schema: every problem names file, line and column."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from codes_seen import check, codes, expect

from acct_tool.books.profiles import load_parties
from acct_tool.money import Money

Books = Callable[..., Path]

LEDGER = """\
2025-01-01 open Assets:Receivable:Acme USD
2025-01-01 open Liabilities:Payable:CloudNest USD
2025-01-01 open Income:Services:Acme
"""

HEAD = """\
id: acme
name: ACME Manufacturing
kind: client
accounts: {receivable: Assets:Receivable:Acme}
"""

#: The profile sketched in DESIGN.md, with every section filled in.
FULL = """\
id: acme                      # must equal the file stem
name: ACME Manufacturing
kind: client
status: active
tier: key
manager: lan
since: 2024-03-01
website: https://acme.example
industry: Manufacturing
currencies: [USD]
accounts:
  receivable: Assets:Receivable:Acme
  income: [Income:Services:Acme]
terms: {payment_days: 30, credit_limit: 50000 USD}
contract: {start: 2025-01-01, end: 2026-12-31, renewal: 2026-12-31, value: 120000 USD, auto_renew: false, notice_days: 60}
contacts:
  - {name: Mai Tran, role: CFO, email: mai@acme.example, decision_maker: true, billing: true}
  - name: Carlos Ruiz
    phone: "+1 555 0100"
    primary: true
goals: [Cut onboarding time for new plants by half]
interactions:
  - {date: 2026-10-02, channel: meeting, with: Mai Tran, by: lan, summary: "SLA review", sentiment: negative,
     next_step: {action: Send revised SLA, due: 2026-10-09, owner: lan}}
  - {date: 2026-10-20, channel: call, with: [Mai Tran, Carlos Ruiz], summary: Follow-up, sentiment: neutral}
satisfaction: [{date: 2026-09-30, nps: 6}, {date: 2026-06-30, csat: 4, comment: fine}]
risks:
  - {opened: 2026-10-02, summary: Evaluating a competitor, plan: "Exec call", status: open, severity: high, owner: lan}
opportunities:
  - {name: Second plant rollout, value: 40000 USD, stage: proposal, close: 2027-01-31, type: expansion, probability: 40}
targets: {revenue: {2026: 150000 USD, 2027: 180000.50 USD}}
tags: [manufacturing, midwest]
notes: |
  Anything at all.
"""


def one_profile(books: Books, text: str, name: str = "acme") -> Path:
    return books(ledger=LEDGER, profiles={name: text})


def test_full_profile_is_clean_and_fully_loaded(books: Books) -> None:
    root = one_profile(books, FULL)
    exit_code, found = check(root)
    assert (exit_code, found) == (0, [])
    parties, problems = load_parties(root, "clients")
    assert problems == []
    acme = parties["acme"]
    assert acme.terms.credit_limit == Money(Decimal("50000"), "USD")
    assert acme.revenue_targets == {2026: Money(Decimal("150000"), "USD"), 2027: Money(Decimal("180000.50"), "USD")}
    assert acme.interactions[0].next_step is not None and acme.interactions[0].next_step.due == datetime.date(2026, 10, 9)
    assert acme.interactions[1].with_ == ("Mai Tran", "Carlos Ruiz")
    assert [c.name for c in acme.contacts] == ["Mai Tran", "Carlos Ruiz"]
    assert acme.where("tier").line == 5


# --- the document's shape -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shape"),
    [("- id: acme\n- name: ACME\n", "a list"), ("acme\n", "a single value"), ("42\n", "a single value")],
)
def test_profile_that_is_not_a_mapping(books: Books, text: str, shape: str) -> None:
    root = one_profile(books, text)
    exit_code, found = check(root)
    assert exit_code == 1
    assert codes(found) == ["not-a-mapping"]
    expect(found, "not-a-mapping", "clients/acme.yaml", 1, 1, message=shape)


# --- keys ---------------------------------------------------------------------------------


def test_unknown_key_suggests_the_closest(books: Books) -> None:
    root = one_profile(books, HEAD + "manger: lan\n")
    exit_code, found = check(root)
    assert exit_code == 1
    assert codes(found) == ["unknown-key"]
    expect(found, "unknown-key", "clients/acme.yaml", 5, 1, message="unknown key 'manger'", hint="did you mean 'manager'?")


def test_unknown_nested_keys_point_at_the_key(books: Books) -> None:
    root = one_profile(
        books,
        HEAD
        + """\
terms:
  payment_day: 30
interactions:
  - {date: 2026-10-02, channel: call, summary: x, nextstep: {action: a, due: 2026-10-09}}
""",
    )
    _, found = check(root)
    expect(found, "unknown-key", "clients/acme.yaml", 6, 3, message="'payment_day' in terms", hint="did you mean 'payment_days'?")
    expect(found, "unknown-key", "clients/acme.yaml", 8, 51, message="'nextstep' in interactions[0]", hint="did you mean 'next_step'?")


def test_unknown_key_without_a_close_match_lists_the_known_keys(books: Books) -> None:
    root = one_profile(books, HEAD + "zzz: 1\n")
    _, found = check(root)
    expect(found, "unknown-key", "clients/acme.yaml", 5, 1, hint="known keys: id, name, aliases, kind")


def test_missing_required_keys(books: Books) -> None:
    root = one_profile(books, "id: acme\nkind: client\naccounts: {receivable: Assets:Receivable:Acme}\ninteractions:\n  - {date: 2026-10-02, summary: x}\n")
    exit_code, found = check(root)
    assert exit_code == 1
    expect(found, "missing-key", "clients/acme.yaml", 1, 1, message="missing required key 'name'")
    expect(found, "missing-key", "clients/acme.yaml", 5, 5, message="missing required key 'channel' in interactions[0]")


def test_survey_without_a_score(books: Books) -> None:
    root = one_profile(books, HEAD + "satisfaction:\n  - {date: 2026-09-30, comment: no score}\n")
    _, found = check(root)
    expect(found, "missing-key", "clients/acme.yaml", 6, 5, message="nps")


# --- values -------------------------------------------------------------------------------


def test_wrong_type(books: Books) -> None:
    root = one_profile(books, HEAD + "terms: {payment_days: thirty}\ngoals: Grow\n")
    _, found = check(root)
    expect(found, "wrong-type", "clients/acme.yaml", 5, 23, message="terms.payment_days: expected a whole number, got text 'thirty'")
    expect(found, "wrong-type", "clients/acme.yaml", 6, 8, message="goals: expected a list")


def test_empty_value_is_wrong_type(books: Books) -> None:
    root = one_profile(books, "id: acme\nname:\nkind: client\naccounts: {receivable: Assets:Receivable:Acme}\n")
    _, found = check(root)
    assert codes(found) == ["wrong-type"]
    assert found[0]["line"] == 2 and "got an empty value" in found[0]["message"]


def test_enum_value_with_and_without_a_suggestion(books: Books) -> None:
    root = one_profile(books, HEAD + "tier: gold\nstatus: activ\n")
    exit_code, found = check(root)
    assert exit_code == 1
    assert codes(found) == ["bad-value", "bad-value"]
    gold = expect(found, "bad-value", "clients/acme.yaml", 5, 7, message="tier: 'gold' is not one of key, strategic, standard")
    assert gold["hint"] is None
    expect(found, "bad-value", "clients/acme.yaml", 6, 9, message="status: 'activ'", hint="did you mean 'active'?")


def test_yaml_booleans_are_not_strings(books: Books) -> None:
    # `tier: yes` is a boolean in YAML; the message must say so rather than show 'yes'
    root = one_profile(books, HEAD + "tier: yes\n")
    _, found = check(root)
    expect(found, "bad-value", "clients/acme.yaml", 5, 7, message="boolean true")


def test_out_of_range(books: Books) -> None:
    root = one_profile(books, HEAD + "satisfaction: [{date: 2026-09-30, nps: 11}]\nterms: {payment_days: -1}\n")
    _, found = check(root)
    expect(found, "out-of-range", "clients/acme.yaml", 5, 40, message="satisfaction[0].nps: 11 is out of range; it must be at most 10")
    expect(found, "out-of-range", "clients/acme.yaml", 6, 23, message="at least 0")


@pytest.mark.parametrize(
    ("value", "column"),
    [("2026-02-30", 8), ("2026-1-5", 8), ("05/01/2026", 8), ("2026-01-01T10:00:00", 8), ("20260101", 8)],
)
def test_invalid_date(books: Books, value: str, column: int) -> None:
    root = one_profile(books, HEAD + f"since: {value}\n")
    exit_code, found = check(root)
    assert exit_code == 1
    assert codes(found) == ["invalid-date"]
    expect(found, "invalid-date", "clients/acme.yaml", 5, column, message="a date like 2026-01-31")


def test_invalid_date_deep_inside_a_list(books: Books) -> None:
    root = one_profile(
        books,
        HEAD
        + "interactions:\n  - {date: 2026-10-02, channel: call, summary: x}\n  - {date: 2026-10-03, channel: call, summary: y,\n     next_step: {action: z, due: 2026-13-01}}\n",
    )
    _, found = check(root)
    expect(found, "invalid-date", "clients/acme.yaml", 8, 34, message="interactions[1].next_step.due")


@pytest.mark.parametrize("value", ["50000", "'50000'", "USD 50000", "50000 usd", "50,000 USD", "1e5 USD", "-5 USD", "50000USD"])
def test_invalid_amount(books: Books, value: str) -> None:
    root = one_profile(books, HEAD + f"terms:\n  credit_limit: {value}\n")
    _, found = check(root)
    assert codes(found) == ["invalid-amount"]
    expect(found, "invalid-amount", "clients/acme.yaml", 6, 17, message="an amount like '50000 USD'")


def test_invalid_amount_in_targets_keeps_the_valid_years(books: Books) -> None:
    root = one_profile(books, HEAD + "targets:\n  revenue:\n    2026: 150000 USD\n    2027: lots\n")
    _, found = check(root)
    expect(found, "invalid-amount", "clients/acme.yaml", 8, 11, message="targets.revenue.2027")
    parties, _ = load_parties(root, "clients")
    assert parties["acme"].revenue_targets == {2026: Money(Decimal("150000"), "USD")}


@pytest.mark.parametrize("value", ["receivable:acme", "Assets", "Assets:receivable acme", "Assets::Acme"])
def test_invalid_account(books: Books, value: str) -> None:
    root = one_profile(books, f"id: acme\nname: A\nkind: client\naccounts:\n  receivable: {value}\n")
    _, found = check(root)
    # the schema problem only: no cascaded "has no accounts.receivable"
    assert codes(found) == ["invalid-account"]
    expect(found, "invalid-account", "clients/acme.yaml", 5, 15, message="a Beancount account like Assets:Receivable:Acme")


@pytest.mark.parametrize(
    ("stem", "value", "expectation"),
    [
        ("acme", "ACME", "lowercase slug"),
        ("acme", "acme corp", "lowercase slug"),
        ("acme", "../x", "lowercase slug"),
        ("acme", "-acme", "lowercase slug"),
        ("acme", "a" * 65, "lowercase slug"),
        ("con", "con", "safe as a file name"),
        ("lpt1", "lpt1", "safe as a file name"),
    ],
)
def test_id_that_is_not_a_slug(books: Books, stem: str, value: str, expectation: str) -> None:
    root = one_profile(books, HEAD.replace("id: acme", f"id: '{value}'"), name=stem)
    exit_code, found = check(root)
    assert exit_code == 1
    assert codes(found) == ["invalid-id"]  # and no id-mismatch on top
    expect(found, "invalid-id", f"clients/{stem}.yaml", 1, 5, message=expectation)


def test_invalid_value_forms(books: Books) -> None:
    root = one_profile(
        books,
        "id: acme\nname: ''\nkind: client\naccounts: {receivable: Assets:Receivable:Acme}\ncontacts:\n  - {name: Mai, email: mai at acme}\ncurrencies: [usd]\n",
    )
    _, found = check(root)
    expect(found, "invalid-value", "clients/acme.yaml", 2, 7, message="name: must not be empty")
    expect(found, "invalid-value", "clients/acme.yaml", 6, 24, message="an email address")
    expect(found, "invalid-value", "clients/acme.yaml", 7, 14, message="a currency code like USD")


def test_dates_out_of_order(books: Books) -> None:
    root = one_profile(books, HEAD + "contract: {start: 2026-01-01, end: 2025-12-31}\n")
    _, found = check(root)
    expect(found, "invalid-value", "clients/acme.yaml", 5, 36, message="contract.end 2025-12-31 is before contract.start 2026-01-01")


def test_every_problem_in_a_file_is_reported_at_once(books: Books) -> None:
    root = one_profile(books, HEAD + "tier: gold\nmanger: lan\nsince: 2026-02-30\nterms: {credit_limit: 5000}\n")
    _, found = check(root)
    assert codes(found) == ["bad-value", "unknown-key", "invalid-date", "invalid-amount"]
    assert [d["line"] for d in found] == [5, 6, 7, 8]


def test_valid_parts_of_a_broken_profile_are_kept(books: Books) -> None:
    # One bad interaction or contact must not discard the others (reports depend on them).
    root = one_profile(
        books,
        HEAD
        + """\
contacts:
  - {name: Mai Tran, email: not-an-email}
  - {name: Carlos Ruiz}
interactions:
  - {date: 2026-10-02, channel: call, summary: ok}
  - {date: 2026-10-03, channel: phone, summary: bad channel}
goals: [Grow, '']
""",
    )
    parties, problems = load_parties(root, "clients")
    assert sorted(d.code for d in problems) == ["bad-value", "invalid-value", "invalid-value"]
    acme = parties["acme"]
    assert [c.name for c in acme.contacts] == ["Mai Tran", "Carlos Ruiz"]
    assert acme.contacts[0].email is None
    assert [i.summary for i in acme.interactions] == ["ok"]
    assert acme.goals == ("Grow",)


# --- ids and files -----------------------------------------------------------------------


def test_id_different_from_the_file_stem(books: Books) -> None:
    root = one_profile(books, HEAD.replace("id: acme", "id: acme-corp"))
    exit_code, found = check(root)
    assert exit_code == 1
    assert codes(found) == ["id-mismatch"]
    expect(
        found,
        "id-mismatch",
        "clients/acme.yaml",
        1,
        5,
        message="id 'acme-corp' differs from the file name 'acme.yaml'",
        hint="rename the file to acme-corp.yaml or set `id: acme`",
    )


def test_two_profiles_with_the_same_id(books: Books) -> None:
    root = books(ledger=LEDGER, profiles={"acme": HEAD})
    (root / "clients" / "sub").mkdir()
    (root / "clients" / "sub" / "acme.yml").write_text(HEAD)
    exit_code, found = check(root)
    assert exit_code == 1
    assert codes(found) == ["duplicate-id"]
    expect(found, "duplicate-id", "clients/sub/acme.yml", 1, 5, message="id 'acme' is also used by clients/acme.yaml")


def test_duplicate_id_declared_in_a_differently_named_file(books: Books) -> None:
    root = books(ledger=LEDGER, profiles={"acme": HEAD, "zeta": HEAD})
    _, found = check(root)
    assert sorted(codes(found)) == ["duplicate-id", "id-mismatch"]
    expect(found, "duplicate-id", "clients/zeta.yaml", 1, 5, message="clients/acme.yaml")


def test_missing_profiles_folder_is_a_warning(books: Books) -> None:
    root = books(ledger=LEDGER)
    (root / "clients").rmdir()
    exit_code, found = check(root)
    assert exit_code == 0
    expect(found, "profiles-missing", "clients", None, None, severity="warning", message="clients/ does not exist", hint="profiles:")
    strict_exit, _ = check(root, "--strict")
    assert strict_exit == 1


def test_profiles_folder_that_is_a_file(books: Books) -> None:
    root = books(ledger=LEDGER)
    (root / "clients").rmdir()
    (root / "clients").write_text("acme\n")
    exit_code, found = check(root)
    assert exit_code == 1
    expect(found, "file-unreadable", "clients", None, None, message="not a folder")


def test_problems_in_several_files_are_sorted_by_file_and_line(books: Books) -> None:
    root = books(
        ledger=LEDGER,
        profiles={
            "zeta": "id: zeta\nname: Z\nkind: vendor\naccounts: {payable: Liabilities:Payable:CloudNest}\ntier: gold\n",
            "acme": HEAD + "tier: silver\nmanger: x\n",
        },
    )
    _, found = check(root)
    assert [(d["file"], d["line"]) for d in found] == [("clients/acme.yaml", 5), ("clients/acme.yaml", 6), ("clients/zeta.yaml", 5)]
