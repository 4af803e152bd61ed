"""Profiles against the ledger: accounts opened, claimed in one role, currencies allowed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from codes_seen import check, codes, expect

Books = Callable[..., Path]

OPENS = """\
2025-01-01 open Assets:Receivable:Acme USD
2025-01-01 open Liabilities:Payable:CloudNest EUR
2025-01-01 open Assets:Receivable:Both
2025-01-01 open Liabilities:Payable:Both
"""

ACME = """\
id: acme
name: ACME
kind: client
accounts:
  receivable: Assets:Receivable:Acme
"""
CLOUDNEST = """\
id: cloudnest
name: CloudNest
kind: vendor
accounts: {payable: Liabilities:Payable:CloudNest}
"""


def invoice(account: str, number: str, date: str = "2026-01-05", amount: str = "100 USD") -> str:
    return f'{date} * "Invoice" ^{number}\n  {account}  {amount}\n  Income:Services\n'


def test_clean_books(books: Books) -> None:
    root = books(ledger=OPENS + invoice("Assets:Receivable:Acme", "INV-1"), profiles={"acme": ACME, "cloudnest": CLOUDNEST})
    exit_code, found = check(root)
    assert (exit_code, found) == (0, [])


def test_profile_account_never_opened(books: Books) -> None:
    root = books(
        ledger=OPENS,
        profiles={"acme": ACME.replace("Receivable:Acme", "Receivable:Acmee") + "  income: [Income:Services, Income:Consulting]\n"},
    )
    exit_code, found = check(root)
    assert exit_code == 1
    expect(found, "account-not-opened", "clients/acme.yaml", 5, 15, message="Assets:Receivable:Acmee is never opened", hint="open Assets:Receivable:Acmee")
    expect(found, "account-not-opened", "clients/acme.yaml", 6, 29, message="Income:Consulting")
    assert codes(found) == ["account-not-opened", "account-not-opened"]


def test_unopened_income_account_after_an_invalid_one_points_at_the_right_item(books: Books) -> None:
    root = books(ledger=OPENS, profiles={"acme": ACME + "  income: [income, Income:Consulting]\n"})
    _, found = check(root)
    expect(found, "invalid-account", "clients/acme.yaml", 6, 12)
    expect(found, "account-not-opened", "clients/acme.yaml", 6, 20, message="Income:Consulting")


def test_account_with_postings_and_no_profile_is_a_warning(books: Books) -> None:
    ledger = (
        OPENS
        + "2025-01-01 open Assets:Receivable:Zeta\n"
        + invoice("Assets:Receivable:Zeta", "INV-7")
        + invoice("Assets:Receivable:Zeta", "INV-8", "2026-02-05")
    )
    root = books(ledger=ledger, profiles={"acme": ACME, "cloudnest": CLOUDNEST})
    exit_code, found = check(root)
    assert exit_code == 0
    # once per account, at its first posting
    account_codes = [d for d in found if d["code"].startswith("account-")]
    assert len(account_codes) == 1
    expect(
        found,
        "account-no-profile",
        "ledger/main.beancount",
        12,
        None,
        severity="warning",
        message="Assets:Receivable:Zeta has postings but no profile claims it",
        hint="accounts.receivable: Assets:Receivable:Zeta",
    )
    strict_exit, _ = check(root, "--strict")
    assert strict_exit == 1


def test_payable_without_profile_and_opened_but_unused_accounts(books: Books) -> None:
    ledger = OPENS + '2026-01-05 * "Bill" ^BILL-1\n  Liabilities:Payable:Both  -10 USD\n  Expenses:Hosting\n'
    root = books(ledger=ledger, profiles={"acme": ACME, "cloudnest": CLOUDNEST})
    _, found = check(root)
    # Assets:Receivable:Both is opened but has no postings: not reported
    assert [d["message"] for d in found if d["code"] == "account-no-profile"] == [
        "Liabilities:Payable:Both has postings but no profile claims it as its payable account"
    ]
    expect(found, "account-no-profile", "ledger/main.beancount", 11, None, severity="warning")


def test_an_account_shared_by_two_profiles_is_a_control_account(books: Books) -> None:
    ledger = OPENS + '2026-01-05 * "ACME (old)" "Invoice" ^INV-1\n  Assets:Receivable:Acme  100 USD\n  Income:Services\n'
    root = books(ledger=ledger, profiles={"acme": ACME, "acme-old": ACME.replace("id: acme", "id: acme-old").replace("name: ACME", "name: ACME (old)")})
    assert check(root) == (0, [])


def test_an_account_claimed_as_receivable_and_as_payable_names_both_files(books: Books) -> None:
    other = "id: acme-old\nname: ACME old\nkind: vendor\naccounts:\n  payable: Assets:Receivable:Acme\n"
    root = books(ledger=OPENS, profiles={"acme": ACME, "acme-old": other})
    exit_code, found = check(root)
    assert exit_code == 1
    assert codes(found) == ["account-outside-root", "account-two-profiles"]
    d = expect(found, "account-two-profiles", "clients/acme-old.yaml", 5, 12, message="as a receivable account by clients/acme.yaml")
    assert "not both" in d["hint"]


def test_account_outside_the_root_is_a_warning(books: Books) -> None:
    ledger = OPENS + "2025-01-01 open Assets:Bank:Acme USD\n"
    root = books(ledger=ledger, profiles={"acme": ACME.replace("Assets:Receivable:Acme", "Assets:Bank:Acme")})
    exit_code, found = check(root)
    assert exit_code == 0
    expect(found, "account-outside-root", "clients/acme.yaml", 5, 15, severity="warning", message="Assets:Bank:Acme is not under Assets:Receivable")


def test_client_without_receivable(books: Books) -> None:
    root = books(ledger=OPENS, profiles={"acme": "id: acme\nname: ACME\nkind: client\n"})
    exit_code, found = check(root)
    assert exit_code == 1
    assert codes(found) == ["missing-receivable"]
    expect(found, "missing-receivable", "clients/acme.yaml", 3, 7, message="client 'acme' has no accounts.receivable", hint="Assets:Receivable:")


def test_prospects_need_no_account(books: Books) -> None:
    root = books(ledger=OPENS, profiles={"acme": "id: acme\nname: ACME\nkind: client\nstatus: prospect\n"})
    exit_code, found = check(root)
    assert (exit_code, found) == (0, [])


def test_vendor_without_payable(books: Books) -> None:
    root = books(ledger=OPENS, profiles={"cloudnest": "id: cloudnest\nname: CloudNest\nkind: vendor\naccounts: {receivable: Assets:Receivable:Both}\n"})
    _, found = check(root)
    assert codes(found) == ["missing-payable"]
    expect(found, "missing-payable", "clients/cloudnest.yaml", 3, 7, message="vendor 'cloudnest' has no accounts.payable")


def test_party_that_is_both_needs_both_accounts(books: Books) -> None:
    root = books(ledger=OPENS, profiles={"both": "id: both\nname: Both\nkind: both\naccounts: {receivable: Assets:Receivable:Both}\n"})
    _, found = check(root)
    assert codes(found) == ["missing-payable"]
    (root / "clients" / "both.yaml").write_text(
        "id: both\nname: Both\nkind: both\naccounts: {receivable: Assets:Receivable:Both, payable: Liabilities:Payable:Both}\n"
    )
    exit_code, found = check(root)
    assert (exit_code, found) == (0, [])


def test_currencies_must_be_allowed_by_the_account(books: Books) -> None:
    root = books(
        ledger=OPENS,
        profiles={
            "acme": ACME + "terms: {credit_limit: 5000 EUR}\ncontract: {value: 120000 GBP}\ncurrencies: [USD, CHF]\n",
            "cloudnest": CLOUDNEST + "terms: {credit_limit: 100 EUR}\n",
        },
    )
    exit_code, found = check(root)
    assert exit_code == 1
    expect(found, "currency-mismatch", "clients/acme.yaml", 6, 23, message="terms.credit_limit is in EUR, but Assets:Receivable:Acme only allows USD")
    expect(found, "currency-mismatch", "clients/acme.yaml", 7, 19, message="contract.value is in GBP")
    expect(found, "currency-mismatch", "clients/acme.yaml", 8, 19, message="currencies[1] is in CHF")
    assert codes(found) == ["currency-mismatch"] * 3


def test_account_without_currency_constraint_allows_any_currency(books: Books) -> None:
    root = books(
        ledger=OPENS, profiles={"both": "id: both\nname: Both\nkind: client\naccounts: {receivable: Assets:Receivable:Both}\nterms: {credit_limit: 5 JPY}\n"}
    )
    exit_code, found = check(root)
    assert (exit_code, found) == (0, [])


def test_broken_profile_still_takes_part_in_cross_checks(books: Books) -> None:
    # A schema error elsewhere in the profile does not hide that its account is never opened.
    root = books(ledger=OPENS, profiles={"acme": ACME.replace("Acme\n", "Acmee\n") + "tier: gold\n"})
    _, found = check(root)
    assert codes(found) == ["account-not-opened", "bad-value"]


def test_no_cross_checks_when_the_ledger_does_not_load(books: Books) -> None:
    root = books(ledger=OPENS, profiles={"acme": ACME}, settings="ledger: ledger/none.beancount\n")
    _, found = check(root)
    assert codes(found) == ["ledger-missing"]


def test_empty_receivable_is_reported_once(books: Books) -> None:
    root = books(ledger=OPENS, profiles={"acme": "id: acme\nname: ACME\nkind: client\naccounts:\n  receivable:\n"})
    _, found = check(root)
    assert codes(found) == ["wrong-type"]
    assert (found[0]["line"], found[0]["message"]) == (5, "accounts.receivable: expected a Beancount account like Assets:Receivable:Acme, got an empty value")
