"""Books as firms keep them: one receivable account for every customer, the customer in the
payee, invoice numbers in the narration, an opening balance with the old invoices inside it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from codes_seen import check, codes, expect
from conftest import run_cli

from acct_tool.books.load import Needs, load_books
from acct_tool.engines.receivables import Side, open_items
from acct_tool.engines.revenue import year_to_date

Books = Callable[..., Path]
AS_OF = "2026-04-30"

# No operating_currency option: the ledger's own currency (NZD) is the default.
HEAD = """\
2025-01-01 open Assets:Bank:Cheque NZD
2025-01-01 open Assets:AR NZD
2025-01-01 open Income:Services NZD
2025-01-01 open Liabilities:GST NZD
2025-01-01 open Expenses:BadDebts NZD
2025-01-01 open Equity:Opening-Balances NZD
"""

FIRM = """
2026-01-01 * "Kauri Build Ltd" "Opening balance"
  Assets:AR  1500.00 NZD
  Equity:Opening-Balances

2026-01-01 * "Tui Surveys" "Opening balance"
  Assets:AR  400.00 NZD
  Equity:Opening-Balances

2026-02-03 * "Kauri Build Ltd" "Phase 2 construction staking SI-0884"
  Assets:AR  2300.00 NZD
  Income:Services  -2000.00 NZD
  Liabilities:GST  -300.00 NZD

2026-02-10 * "Harbour Homes" "Boundary survey SI-0885"
  Assets:AR  1150.00 NZD
  Income:Services

2026-02-20 * "Tui Surveys" "Set-out SI-0886"
  Assets:AR  575.00 NZD
  Income:Services

2026-03-01 * "KAURI BUILD  LTD" "Phase 3 staking SI-0887"
  Assets:AR  920.00 NZD
  Income:Services

2026-03-05 * "Harbour Homes" "Customer payment settling SI-0885"
  Assets:Bank:Cheque  1150.00 NZD
  Assets:AR

2026-03-06 * "Kauri Build Limited" "Customer payment settling SI-0884"
  Assets:Bank:Cheque  2300.00 NZD
  Assets:AR

2026-03-10 * "Tui Surveys" "Part payment"
  Assets:Bank:Cheque  300.00 NZD
  Assets:AR

2026-03-12 * "Kauri Build Ltd" "Payment of SI-0712"
  Assets:Bank:Cheque  1000.00 NZD
  Assets:AR
"""


def profile(pid: str, name: str, account: str, aliases: str = "") -> str:
    extra = f"aliases: [{aliases}]\n" if aliases else ""
    return f"id: {pid}\nname: {name}\n{extra}kind: client\nmanager: ana\naccounts:\n  receivable: {account}\n"


PROFILES = {
    "kauri-build": profile("kauri-build", "Kauri Build Ltd", "Assets:AR", "Kauri Build Limited"),
    "harbour-homes": profile("harbour-homes", "Harbour Homes", "Assets:AR"),
    "tui-surveys": profile("tui-surveys", "Tui Surveys", "Assets:AR"),
}
SETTINGS = "receivable_root: Assets:AR\ndocument_pattern: '\\bSI-\\d+\\b'\n"

#: What is truly open at the as-of date: (party, document, open amount).
OPEN = [
    ("kauri-build", "(no number)", "500.00"),  # 1,500 opening minus the payment naming SI-0712 (inside it)
    ("kauri-build", "SI-0887", "920.00"),
    ("tui-surveys", "(no number)", "100.00"),  # 400 opening minus the unlinked part payment
    ("tui-surveys", "SI-0886", "575.00"),
]


def firm(books: Books, ledger: str = FIRM, profiles: dict[str, str] | None = None, settings: str = SETTINGS) -> Path:
    return books(ledger=ledger, head=HEAD, profiles=PROFILES if profiles is None else profiles, settings=settings)


def open_rows(root: Path) -> list[tuple[str, str, str]]:
    result = run_cli("open", "ar", "--format", "json", books=root, as_of=AS_OF)
    assert result.exit_code == 0, result.output + result.stderr
    rows = [(d["party"], d["document"] if ":" not in d["document"] else "(no number)", d["open"]["number"]) for d in result.json()["documents"]]
    assert all(d["open"]["currency"] == "NZD" for d in result.json()["documents"])
    return sorted(rows)


def test_open_items_on_a_control_account_are_told_apart_by_payee_and_narration(books: Books) -> None:
    root = firm(books)
    assert open_rows(root) == sorted(OPEN)


def test_check_is_clean_and_the_tie_out_holds_per_party(books: Books) -> None:
    root = firm(books)
    exit_code, found = check(root, as_of=AS_OF)
    assert exit_code == 0
    # only the opening balances that are still partly open, and no currency complaint about NZD
    assert codes(found) == ["unnumbered-document", "unnumbered-document"]
    assert all("opening balance" in d["message"] for d in found)
    result = run_cli("reconcile", "ar", "--format", "json", books=root, as_of=AS_OF)
    assert result.exit_code == 0
    ties = {t["party"]: (t["open_documents"]["number"], t["ledger_balance"]["number"], t["ok"]) for t in result.json()["ties"]}
    assert ties == {
        "harbour-homes": ("0.00", "0.00", True),
        "kauri-build": ("1420.00", "1420.00", True),
        "tui-surveys": ("675.00", "675.00", True),
    }


def test_followups_chase_only_what_is_open(books: Books) -> None:
    root = firm(books)
    result = run_cli("followups", "--format", "json", books=root, as_of=AS_OF)
    assert result.exit_code == 0, result.stderr
    chased = sorted((i["party"], i["document"] if ":" not in i["document"] else "(no number)") for i in result.json()["items"] if i["kind"] == "collection")
    assert chased == sorted((party, doc) for party, doc, _ in OPEN)
    assert "SI-0884" not in result.output and "SI-0885" not in result.output


def test_the_same_books_with_a_sub_account_per_customer_give_the_same_open_items(books: Books) -> None:
    accounts = {"Kauri Build Ltd": "Kauri", "KAURI BUILD  LTD": "Kauri", "Kauri Build Limited": "Kauri", "Harbour Homes": "Harbour", "Tui Surveys": "Tui"}
    blocks = []
    for block in FIRM.strip().split("\n\n"):
        payee = block.split('"')[1]
        blocks.append(block.replace("Assets:AR", f"Assets:AR:{accounts[payee]}"))
    head = HEAD + "".join(f"2025-01-01 open Assets:AR:{a} NZD\n" for a in ("Kauri", "Harbour", "Tui"))
    profiles = {
        "kauri-build": profile("kauri-build", "Kauri Build Ltd", "Assets:AR:Kauri"),
        "harbour-homes": profile("harbour-homes", "Harbour Homes", "Assets:AR:Harbour"),
        "tui-surveys": profile("tui-surveys", "Tui Surveys", "Assets:AR:Tui"),
    }
    root = books(ledger="\n" + "\n\n".join(blocks) + "\n", head=head, profiles=profiles, settings=SETTINGS)
    assert open_rows(root) == sorted(OPEN)
    assert check(root, as_of=AS_OF)[0] == 0


def test_revenue_on_a_control_account_is_the_payees(books: Books) -> None:
    root = firm(books)
    loaded = load_books(root, datetime.date(2026, 4, 30), use_cache=False, needs=Needs(attribution=True))
    ytd = {pid: year_to_date(loaded.attribution.of(pid), pid, loaded.as_of).total("NZD") for pid in PROFILES}
    assert ytd == {"kauri-build": Decimal("2920.00"), "harbour-homes": Decimal("1150.00"), "tui-surveys": Decimal("575.00")}


def items_of(root: Path, as_of: str = AS_OF) -> Any:
    loaded = load_books(root, datetime.date.fromisoformat(as_of), use_cache=False, needs=Needs(party_postings=True))
    return open_items(loaded.party_postings, loaded.parties, loaded.settings, Side.AR, loaded.as_of, loaded.precisions)


def test_a_payee_that_is_nobodys_is_reported_and_applied_to_nobody(books: Books) -> None:
    ledger = FIRM + '\n2026-04-01 * "Kauri Bild" "Payment"\n  Assets:Bank:Cheque  920.00 NZD\n  Assets:AR\n'
    root = firm(books, ledger)
    items = items_of(root)
    (problem,) = [d for d in items.diagnostics if d.code == "unassigned-posting"]
    assert "payee 'Kauri Bild'" in problem.message and problem.line is not None
    assert ("kauri-build", "SI-0887", Decimal("920.00")) in [(d.party, d.ref, d.open) for d in items.open_documents()]
    result = run_cli("reconcile", "ar", books=root, as_of=AS_OF)
    assert "unassigned-posting" in result.output and "Kauri Bild" in result.output


def test_a_name_two_profiles_share_is_ambiguous(books: Books) -> None:
    profiles = dict(PROFILES, **{"tui-surveys": profile("tui-surveys", "Tui Surveys", "Assets:AR", "Harbour Homes")})
    items = items_of(firm(books, profiles=profiles))
    ambiguous = [d for d in items.diagnostics if d.code == "ambiguous-party"]
    assert len(ambiguous) == 2 and "harbour-homes, tui-surveys" in ambiguous[0].message  # the invoice SI-0885 and its payment
    assert "harbour-homes" not in {d.party for d in items.documents}


def test_party_metadata_wins_over_the_payee_and_a_payment_without_payee_follows_its_document(books: Books) -> None:
    ledger = FIRM + (
        '\n2026-04-02 * "Card settlement" "SI-0886"\n  customer: "tui-surveys"\n  Assets:Bank:Cheque  575.00 NZD\n  Assets:AR\n'
        '\n2026-04-03 * "Paid SI-0887"\n  Assets:Bank:Cheque  920.00 NZD\n  Assets:AR\n'
    )
    items = items_of(firm(books, ledger))
    assert [d.code for d in items.diagnostics if d.code in ("unassigned-posting", "ambiguous-party")] == []
    assert [(d.party, d.number) for d in items.open_documents()] == [("kauri-build", None), ("tui-surveys", None)]


@pytest.mark.parametrize(
    ("legs", "kind"),
    [
        ("  Income:Services  100.00 NZD\n  Liabilities:GST  15.00 NZD\n", "credit note"),
        ("  Expenses:BadDebts  115.00 NZD\n", "write-off"),
        ("  Assets:Bank:Cheque  114.00 NZD\n  Expenses:BadDebts  1.00 NZD\n", "payment"),
    ],
)
def test_a_credit_is_what_its_other_legs_say(books: Books, legs: str, kind: str) -> None:
    ledger = FIRM + f'\n2026-04-05 * "Tui Surveys" "Adjustment SI-0886"\n  Assets:AR  -115.00 NZD\n{legs}'
    items = items_of(firm(books, ledger))
    (credit,) = [c for c in items.credits if c.date.isoformat() == "2026-04-05"]
    assert credit.kind == kind
    statement = run_cli("statement", "tui-surveys", "--format", "json", books=firm(books, ledger), as_of=AS_OF)
    assert kind in statement.output


def test_a_zero_amount_party_posting_is_no_document(books: Books) -> None:
    ledger = FIRM + '\n2026-04-06 * "Tui Surveys" "Quote" ^Q-19\n  Assets:AR  0.00 NZD\n  Income:Services  0.00 NZD\n'
    root = firm(books, ledger)
    exit_code, found = check(root, as_of=AS_OF)
    assert exit_code == 0 and "unknown-document" not in codes(found)
    assert open_rows(root) == sorted(OPEN)


def test_only_open_documents_without_a_number_are_reported(books: Books) -> None:
    ledger = '\n2026-02-01 * "Tui Surveys" "Survey"\n  Assets:AR  100.00 NZD\n  Income:Services\n' * 9
    ledger += '\n2026-02-02 * "Tui Surveys" "Payment"\n  Assets:Bank:Cheque  800.00 NZD\n  Assets:AR\n'
    root = firm(books, ledger, profiles={"tui-surveys": PROFILES["tui-surveys"]})
    _, found = check(root, as_of=AS_OF)
    assert codes(found) == ["unnumbered-document"]  # the one still open, not the eight paid ones
    result = run_cli("reconcile", "ar", books=root, as_of=AS_OF)
    assert "paid invoices with no number (told apart by file:line): tui-surveys 8" in result.output
    assert run_cli("reconcile", "ar", "--format", "json", books=root, as_of=AS_OF).json()["paid_unnumbered"] == {"tui-surveys": 8}


def test_receivables_outside_the_configured_root_get_a_hint(books: Books) -> None:
    root = firm(books, settings="document_pattern: '\\bSI-\\d+\\b'\n", profiles={})
    exit_code, found = check(root, as_of=AS_OF)
    assert exit_code == 0
    expect(
        found,
        "empty-root",
        "ledger/main.beancount",
        9,
        None,
        severity="warning",
        message="nothing is posted under receivable_root Assets:Receivable, but Assets:AR looks like a receivable account",
        hint="receivable_root: Assets:AR",
    )


def test_without_an_operating_currency_option_the_accounts_open_line_decides(books: Books) -> None:
    head = "2025-01-01 open Assets:Bank:Cheque\n2025-01-01 open Assets:AR:Tui NZD\n2025-01-01 open Income:Services\n2025-01-01 open Equity:Capital\n"
    # the ledger writes USD most, but Tui's account takes only NZD
    ledger = '\n2026-01-02 * "Capital"\n  Assets:Bank:Cheque  10.00 USD\n  Equity:Capital  -10.00 USD\n' * 3
    ledger += '\n2026-02-20 * "Tui Surveys" "Set-out" ^SI-0886\n  Assets:AR:Tui  575.00 NZD\n  Income:Services\n'
    root = books(ledger=ledger, head=head, profiles={"tui-surveys": profile("tui-surveys", "Tui Surveys", "Assets:AR:Tui")}, settings=SETTINGS)
    assert check(root, as_of=AS_OF) == (0, [])


def test_an_open_bill_without_a_number_is_hinted_with_a_bill_number(books: Books) -> None:
    head = HEAD + "2025-01-01 open Liabilities:AP:Ird NZD\n2025-01-01 open Expenses:Tax NZD\n"
    ledger = '\n2026-03-01 * "IRD" "Provisional tax"\n  Liabilities:AP:Ird  -90.00 NZD\n  Expenses:Tax\n'
    vendor = "id: ird\nname: IRD\nkind: vendor\naccounts:\n  payable: Liabilities:AP:Ird\n"
    root = books(ledger=ledger, head=head, profiles={"ird": vendor}, settings="payable_root: Liabilities:AP\n")
    _, found = check(root, as_of=AS_OF)
    (d,) = found
    assert d["code"] == "unnumbered-document" and "^BILL-2026-001" in (d["hint"] or "")


def test_an_unassigned_bill_on_a_shared_payable_account_hints_vendor_metadata(books: Books) -> None:
    head = HEAD + "2025-01-01 open Liabilities:AP NZD\n2025-01-01 open Expenses:Tax NZD\n"
    ledger = '\n2026-03-01 * "Inland Revenue" "Provisional tax" ^B-1\n  Liabilities:AP  -90.00 NZD\n  Expenses:Tax\n'
    vendor = "id: {0}\nname: {1}\nkind: vendor\naccounts:\n  payable: Liabilities:AP\n"
    profiles = {"ird": vendor.format("ird", "IRD"), "acc": vendor.format("acc", "ACC")}
    root = books(ledger=ledger, head=head, profiles=profiles, settings="payable_root: Liabilities:AP\n")
    _, found = check(root, as_of=AS_OF)
    (d,) = [d for d in found if d["code"] == "unassigned-posting"]
    assert "payee 'Inland Revenue'" in d["message"] and 'vendor: "ID"' in (d["hint"] or "")
