"""Receivables and payables: documents, application of payments, aging, tie-out."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import run_cli

from acct_tool.books.load import Books, load_books
from acct_tool.engines import items_at, receivables
from acct_tool.engines.aging import age, bucket_labels, bucket_of
from acct_tool.engines.payments import behaviour, dso
from acct_tool.engines.receivables import Document, OpenItems, Side


def open_items(books: Books, side: Side, as_of: datetime.date | None = None) -> OpenItems:
    """The open items of loaded books, from the explicit inputs the engine takes."""
    return receivables.open_items(books.party_postings, books.parties, books.settings, side, as_of or books.as_of, books.precisions)


D = Decimal

ACME = """\
id: acme
name: ACME
kind: client
manager: lan
accounts: {receivable: Assets:Receivable:Acme}
terms: {payment_days: 30}
"""

HEAD = """\
2025-01-01 open Assets:Receivable:Acme USD
"""


def load(books: Callable[..., Path], ledger: str, as_of: str = "2026-12-31", profiles: dict[str, str] | None = None, head: str = HEAD) -> Books:
    root = books(ledger=head + ledger, profiles=profiles or {"acme": ACME})
    return load_books(root, datetime.date.fromisoformat(as_of))


def invoice(date: str, number: str, amount: str, due: str | None = None, account: str = "Assets:Receivable:Acme", cur: str = "USD") -> str:
    meta = f"\n  due: {due}" if due else ""
    return f"""
{date} * "ACME" "Invoice {number}" ^{number}{meta}
  {account}  {amount} {cur}
  Income:Services
"""


def payment(date: str, amount: str, *links: str, account: str = "Assets:Receivable:Acme", cur: str = "USD") -> str:
    tags = " ".join("^" + link for link in links)
    bank = "Assets:Bank:Operating" if cur == "USD" else "Assets:Bank:Euro"
    return f"""
{date} * "ACME" "Payment" {tags}
  {bank}  {amount} {cur}
  {account}
"""


def docs_by_ref(items: OpenItems) -> dict[str, Document]:
    return {d.ref: d for d in items.documents}


def test_invoice_open_with_due_from_metadata(books: Callable[..., Path]) -> None:
    b = load(books, invoice("2026-01-10", "INV-1", "1000.00", due="2026-01-20"), as_of="2026-02-01")
    items = open_items(b, Side.AR)
    (doc,) = items.documents
    assert (doc.ref, doc.amount, doc.open, doc.due) == ("INV-1", D("1000.00"), D("1000.00"), datetime.date(2026, 1, 20))
    assert doc.days_past_due(items.as_of) == 12
    assert items.diagnostics == ()


def test_due_from_party_terms_then_settings_default(books: Callable[..., Path]) -> None:
    profile = ACME.replace("terms: {payment_days: 30}", "terms: {payment_days: 14}")
    b = load(books, invoice("2026-01-10", "INV-1", "10.00"), profiles={"acme": profile})
    assert open_items(b, Side.AR).documents[0].due == datetime.date(2026, 1, 24)
    profile = ACME.replace("terms: {payment_days: 30}\n", "")
    b = load(books, invoice("2026-01-10", "INV-1", "10.00"), profiles={"acme": profile})
    assert open_items(b, Side.AR).documents[0].due == datetime.date(2026, 2, 9)  # settings default 30


def test_partial_payments_to_the_cent(books: Callable[..., Path]) -> None:
    ledger = invoice("2026-01-10", "INV-1", "1000.00") + payment("2026-01-20", "333.33", "INV-1") + payment("2026-02-01", "333.34", "INV-1")
    items = open_items(load(books, ledger), Side.AR)
    doc = items.documents[0]
    assert (doc.paid, doc.open) == (D("666.67"), D("333.33"))
    assert [a.amount for a in doc.applications] == [D("333.33"), D("333.34")]
    assert items.balance("acme") == {"USD": D("333.33")}


def test_one_payment_over_two_invoices_by_posting_metadata(books: Callable[..., Path]) -> None:
    ledger = (
        invoice("2026-01-10", "INV-1", "500.00")
        + invoice("2026-01-15", "INV-2", "250.00")
        + """
2026-02-01 * "ACME" "Payment for two invoices"
  Assets:Bank:Operating   600.00 USD
  Assets:Receivable:Acme  -400.00 USD
    invoice: "INV-1"
  Assets:Receivable:Acme  -200.00 USD
    invoice: "INV-2"
"""
    )
    docs = docs_by_ref(open_items(load(books, ledger), Side.AR))
    assert docs["INV-1"].open == D("100.00")
    assert docs["INV-2"].open == D("50.00")
    assert docs["INV-1"].applications[0].how == "metadata"


def test_one_posting_linked_to_two_invoices_pays_oldest_first(books: Callable[..., Path]) -> None:
    ledger = invoice("2026-01-15", "INV-2", "250.00") + invoice("2026-01-10", "INV-1", "500.00") + payment("2026-02-01", "600.00", "INV-1", "INV-2")
    docs = docs_by_ref(open_items(load(books, ledger), Side.AR))
    assert (docs["INV-1"].open, docs["INV-2"].open) == (D("0.00"), D("150.00"))


def test_credit_note_reduces_its_invoice(books: Callable[..., Path]) -> None:
    ledger = (
        invoice("2026-01-10", "INV-1", "1200.00")
        + """
2026-01-20 * "ACME" "Credit note CN-1 on INV-1" ^INV-1
  credit_note: "CN-1"
  Assets:Receivable:Acme  -200.00 USD
  Income:Services
"""
    )
    items = open_items(load(books, ledger), Side.AR)
    assert items.documents[0].open == D("1000.00")
    assert items.credits[0].kind == "credit note"


def test_overpayment_leaves_an_unapplied_credit_and_a_warning(books: Callable[..., Path]) -> None:
    ledger = invoice("2026-01-10", "INV-1", "4200.00") + payment("2026-02-01", "4500.00", "INV-1")
    items = open_items(load(books, ledger), Side.AR)
    assert items.documents[0].open == D("0")
    (credit,) = items.unapplied_credits()
    assert credit.unapplied == D("300.00")
    assert [d.code for d in items.diagnostics] == ["overpaid-document"]
    assert items.diagnostics[0].severity.value == "warning"
    assert items.balance("acme") == {"USD": D("-300.00")}
    assert all(t.ok for t in items.ties)


def test_unlinked_payment_applies_fifo_by_due_date(books: Callable[..., Path]) -> None:
    ledger = (
        invoice("2026-01-10", "INV-1", "100.00", due="2026-03-01")
        + invoice("2026-01-20", "INV-2", "100.00", due="2026-02-01")
        + invoice("2026-01-25", "INV-3", "100.00", due="2026-02-25")
        + payment("2026-02-10", "150.00")
    )
    docs = docs_by_ref(open_items(load(books, ledger), Side.AR))
    assert docs["INV-2"].open == D("0.00")  # due first
    assert docs["INV-3"].open == D("50.00")
    assert docs["INV-1"].open == D("100.00")
    assert docs["INV-2"].applications[0].how == "fifo"


def test_linked_payments_take_precedence_over_fifo(books: Callable[..., Path]) -> None:
    ledger = (
        invoice("2026-01-10", "INV-1", "100.00")
        + invoice("2026-01-20", "INV-2", "100.00")
        + payment("2026-01-25", "100.00")
        + payment("2026-02-01", "100.00", "INV-1")
    )
    docs = docs_by_ref(open_items(load(books, ledger), Side.AR))
    assert docs["INV-1"].open == D("0.00")
    assert docs["INV-2"].open == D("0.00")
    assert docs["INV-1"].applications[0].how == "linked"


def test_unlinked_payment_larger_than_everything_open_is_a_prepayment(books: Callable[..., Path]) -> None:
    ledger = invoice("2026-01-10", "INV-1", "100.00") + payment("2026-01-25", "250.00")
    items = open_items(load(books, ledger), Side.AR)
    assert items.unapplied_credits()[0].unapplied == D("150.00")
    assert items.diagnostics == ()


def test_historical_as_of_shows_what_was_open_then(books: Callable[..., Path]) -> None:
    ledger = invoice("2026-01-10", "INV-1", "100.00") + payment("2026-03-01", "100.00", "INV-1")
    before = open_items(load(books, ledger, as_of="2026-02-28"), Side.AR)
    after = open_items(load(books, ledger, as_of="2026-03-01"), Side.AR)
    assert before.documents[0].open == D("100.00")
    assert after.documents[0].open == D("0")
    assert before.ties[0].ledger_balance == D("100.00")


def test_payment_before_the_as_of_for_a_later_invoice_waits_as_credit(books: Callable[..., Path]) -> None:
    ledger = payment("2026-01-05", "100.00", "INV-9") + invoice("2026-01-10", "INV-9", "100.00")
    early = open_items(load(books, ledger, as_of="2026-01-07"), Side.AR)
    assert early.unapplied_credits()[0].unapplied == D("100.00")
    assert early.diagnostics == ()  # the invoice exists in the ledger, just later
    later = open_items(load(books, ledger, as_of="2026-01-31"), Side.AR)
    assert later.documents[0].open == D("0")
    assert [d.code for d in later.diagnostics] == ["payment-before-document"]


def test_two_currencies_for_one_client_are_never_summed(books: Callable[..., Path]) -> None:
    head = HEAD.replace("Acme USD", "Acme USD,EUR") + "2025-01-01 open Assets:Bank:Euro EUR\n"
    profile = ACME + "currencies: [USD, EUR]\n"
    ledger = invoice("2026-01-10", "INV-1", "100.00") + invoice("2026-01-11", "INV-2", "70.00", cur="EUR") + payment("2026-01-20", "30.00", cur="EUR")
    items = open_items(load(books, ledger, profiles={"acme": profile}, head=head), Side.AR)
    assert items.balance("acme") == {"EUR": D("40.00"), "USD": D("100.00")}
    aging = age(items, (30, 60, 90))
    assert set(aging.tables) == {"EUR", "USD"}
    assert aging.totals("EUR").total == D("40.00")
    assert aging.totals("USD").total == D("100.00")
    assert all(t.ok for t in items.ties) and len(items.ties) == 2


def test_document_in_a_currency_the_party_does_not_use(books: Callable[..., Path]) -> None:
    head = HEAD.replace("Acme USD", "Acme USD,EUR")
    items = open_items(load(books, invoice("2026-01-11", "INV-2", "70.00", cur="EUR"), head=head), Side.AR)
    assert [d.code for d in items.diagnostics] == ["document-currency"]


def test_unknown_and_foreign_and_duplicate_documents_are_errors(books: Callable[..., Path]) -> None:
    zeta = ACME.replace("acme", "zeta").replace("Acme", "Zeta")
    head = HEAD + "2025-01-01 open Assets:Receivable:Zeta USD\n"
    ledger = (
        invoice("2026-01-10", "INV-1", "100.00")
        + invoice("2026-01-11", "INV-1", "100.00")
        + invoice("2026-01-12", "INV-Z", "100.00", account="Assets:Receivable:Zeta")
        + payment("2026-01-20", "10.00", "INV-404")
        + payment("2026-01-21", "10.00", "INV-Z")
    )
    items = open_items(load(books, ledger, head=head, profiles={"acme": ACME, "zeta": zeta}), Side.AR)
    codes = sorted(d.code for d in items.diagnostics)
    assert codes == ["duplicate-document", "unknown-document", "unknown-document"]


def test_unnumbered_document_is_tracked_by_file_and_line(books: Callable[..., Path]) -> None:
    ledger = """
2026-01-10 * "ACME" "Invoice without a number"
  Assets:Receivable:Acme  100.00 USD
  Income:Services
"""
    items = open_items(load(books, ledger), Side.AR)
    (doc,) = items.documents
    assert doc.number is None and doc.ref.startswith("ledger/main.beancount:")
    assert [d.code for d in items.diagnostics] == ["unnumbered-document"]


def test_credit_limit_warning(books: Callable[..., Path]) -> None:
    profile = ACME.replace("terms: {payment_days: 30}", "terms: {payment_days: 30, credit_limit: 150 USD}")
    items = open_items(load(books, invoice("2026-01-10", "INV-1", "100.00") + invoice("2026-01-11", "INV-2", "100.00"), profiles={"acme": profile}), Side.AR)
    (problem,) = items.diagnostics
    assert problem.code == "credit-limit" and "200.00 USD" in problem.message
    assert problem.file == "clients/acme.yaml" and problem.line == 6


def test_payables_bills_and_payments(books: Callable[..., Path]) -> None:
    vendor = """\
id: hostco
name: HostCo
kind: vendor
accounts: {payable: Liabilities:Payable:HostCo}
terms: {payment_days: 15}
"""
    head = "2025-01-01 open Liabilities:Payable:HostCo USD\n"
    ledger = """
2026-01-05 * "HostCo" "Bill" ^BILL-1
  Liabilities:Payable:HostCo  -300.00 USD
  Expenses:Hosting
2026-01-15 * "HostCo" "Payment" ^BILL-1
  Liabilities:Payable:HostCo  100.00 USD
  Assets:Bank:Operating
"""
    items = open_items(load(books, ledger, head=head, profiles={"hostco": vendor}), Side.AP)
    (bill,) = items.documents
    assert (bill.amount, bill.open, bill.due) == (D("300.00"), D("200.00"), datetime.date(2026, 1, 20))
    assert items.ties[0].ledger_balance == D("200.00") and items.ties[0].ok
    assert open_items(load(books, ledger, head=head, profiles={"hostco": vendor}), Side.AR).documents == ()


@pytest.mark.parametrize(
    "days, bucket",
    [(-5, "current"), (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"), (61, "61-90"), (90, "61-90"), (91, "90+"), (400, "90+")],
)
def test_bucket_boundaries(days: int, bucket: str) -> None:
    assert bucket_of(days, (30, 60, 90)) == bucket


def test_bucket_labels_follow_the_limits() -> None:
    assert bucket_labels((30, 60, 90)) == ["current", "1-30", "31-60", "61-90", "90+"]
    assert bucket_labels((15, 45)) == ["current", "1-15", "16-45", "45+"]


def test_aging_buckets_on_real_documents_at_the_edges(books: Callable[..., Path]) -> None:
    as_of = datetime.date(2026, 6, 30)
    ledger = ""
    for i, days in enumerate([0, 1, 30, 31, 60, 61, 90, 91]):
        due = as_of - datetime.timedelta(days=days)
        ledger += invoice("2026-01-01", f"INV-{i}", f"{i + 1}.00", due=due.isoformat())
    items = open_items(load(books, ledger, as_of="2026-06-30"), Side.AR)
    totals = age(items, (30, 60, 90)).totals("USD").buckets
    assert totals == {"current": D("1.00"), "1-30": D("5.00"), "31-60": D("9.00"), "61-90": D("13.00"), "90+": D("8.00")}
    by_date = age(items, (30, 60, 90), basis="date").totals("USD").buckets
    assert by_date["90+"] == D("36.00")  # every document is 180 days old


def test_payment_behaviour_and_trend(books: Callable[..., Path]) -> None:
    ledger = ""
    # four invoices due on the 1st; paid 0, 2, 10, 20 days late
    for i, (month, late) in enumerate([(2, 0), (3, 2), (4, 10), (5, 20)]):
        due = datetime.date(2026, month, 1)
        ledger += invoice(f"2026-{month - 1:02d}-01", f"INV-{i}", "100.00", due=due.isoformat())
        ledger += payment((due + datetime.timedelta(days=late)).isoformat(), "100.00", f"INV-{i}")
    b = behaviour(open_items(load(books, ledger), Side.AR))["acme"]
    assert b.average_days_late == D("8.0")
    assert (b.earlier_days_late, b.recent_days_late, b.trend) == (D("1.0"), D("15.0"), "worsening")


def test_dso_per_party_and_overall(books: Callable[..., Path]) -> None:
    ledger = invoice("2026-05-01", "INV-1", "900.00") + invoice("2026-06-01", "INV-2", "900.00") + payment("2026-06-10", "900.00", "INV-1")
    items = open_items(load(books, ledger, as_of="2026-06-29"), Side.AR)
    result = dso(items)
    # open 900 / invoiced in the last 90 days 1800 * 90 = 45 days
    assert result["acme"]["USD"].days == D("45.0")
    assert result["*"]["USD"].days == D("45.0")
    assert dso(items, {"acme": "lan"})["lan"]["USD"].days == D("45.0")


def test_reconcile_cli_exit_codes(books: Callable[..., Path]) -> None:
    root = books(ledger=HEAD + invoice("2026-01-10", "INV-1", "100.00") + payment("2026-01-20", "10.00", "INV-404"), profiles={"acme": ACME})
    bad = run_cli("reconcile", "ar", "--format", "json", books=root, as_of="2026-02-01")
    assert bad.exit_code == 1
    assert [d["code"] for d in bad.json()["diagnostics"]] == ["unknown-document"]
    assert bad.json()["ties"][0]["ledger_balance"] == {"number": "90.00", "currency": "USD"}
    check = run_cli("check", "--format", "json", books=root, as_of="2026-02-01")
    assert check.exit_code == 1 and "unknown-document" in {d["code"] for d in check.json()}


def test_aging_json_uses_decimal_strings_and_default_bucket_keys(books: Callable[..., Path]) -> None:
    root = books(ledger=HEAD + invoice("2026-01-10", "INV-1", "100.10", due="2026-01-20"), profiles={"acme": ACME})
    result = run_cli("aging", "ar", "--format", "json", books=root, as_of="2026-02-01")
    data = result.json()
    assert data["buckets"] == ["current", "1-30", "31-60", "61-90", "90+"]
    assert data["currencies"]["USD"]["rows"][0]["buckets"]["1-30"] == {"number": "100.10", "currency": "USD"}
    csv = run_cli("open", "ar", "--format", "csv", books=root, as_of="2026-02-01").output.splitlines()
    assert csv[0] == "number,party,date,due,currency,original,paid,open,days_past_due"
    assert csv[1] == "INV-1,acme,2026-01-10,2026-01-20,USD,100.10,0.00,100.10,12"


def test_statement_balance_forward_and_running_balance(books: Callable[..., Path]) -> None:
    ledger = invoice("2026-01-10", "INV-1", "100.00") + invoice("2026-02-10", "INV-2", "50.00") + payment("2026-02-20", "100.00", "INV-1")
    root = books(ledger=HEAD + ledger, profiles={"acme": ACME})
    data = run_cli("statement", "acme", "--from", "2026-02-01", "--to", "2026-02-28", "--format", "json", books=root).json()
    usd = data["currencies"]["USD"]
    assert usd["brought_forward"] == {"number": "100.00", "currency": "USD"}
    assert [line["balance"]["number"] for line in usd["lines"]] == ["150.00", "50.00"]
    assert usd["closing"] == {"number": "50.00", "currency": "USD"}
    assert [d["document"] for d in data["open_documents"]] == ["INV-2"]


def test_dso_command_by_party_and_manager(books: Callable[..., Path]) -> None:
    ledger = invoice("2026-05-01", "INV-1", "900.00") + invoice("2026-06-01", "INV-2", "900.00") + payment("2026-06-10", "900.00", "INV-1")
    root = books(ledger=HEAD + ledger, profiles={"acme": ACME})
    rows = run_cli("dso", "ar", "--format", "json", books=root, as_of="2026-06-29").json()
    assert rows[0]["party"] == "acme" and rows[0]["dso_days"] == "45.0" and rows[0]["avg_days_late"] == "10.0"
    managers = run_cli("dso", "ar", "--by", "manager", "--format", "csv", books=root, as_of="2026-06-29").output.splitlines()
    assert managers[1].startswith("lan,USD,45.0,900.00,1800.00,1,")


def test_a_refunded_prepayment_is_not_swallowed_by_a_later_invoice(books: Callable[..., Path]) -> None:
    ledger = (
        invoice("2026-01-05", "INV-1", "100.00")
        + payment("2026-01-20", "200.00")
        + """
2026-02-10 * "ACME" "Refund of the overpayment"
  refund: TRUE
  Assets:Receivable:Acme  100.00 USD
  Assets:Bank:Operating
"""
        + invoice("2026-03-01", "INV-2", "100.00")
    )
    items = open_items(load(books, ledger, as_of="2026-03-31"), Side.AR)
    docs = docs_by_ref(items)
    assert docs["INV-1"].open == D("0")
    assert docs["INV-2"].open == D("100.00")  # the prepayment went back to the client in February
    assert items.diagnostics == ()
    assert items.unapplied_credits() == []
    assert all(t.ok for t in items.ties)


def test_an_unlinked_prepayment_waits_for_the_next_invoice(books: Callable[..., Path]) -> None:
    ledger = payment("2026-01-10", "150.00") + invoice("2026-02-01", "INV-1", "100.00") + invoice("2026-03-01", "INV-2", "100.00")
    docs = docs_by_ref(open_items(load(books, ledger, as_of="2026-03-31"), Side.AR))
    assert (docs["INV-1"].open, docs["INV-2"].open) == (D("0"), D("50.00"))


def test_an_invoice_split_over_two_clients_stays_two_documents(books: Callable[..., Path]) -> None:
    zeta = ACME.replace("acme", "zeta").replace("Acme", "Zeta")
    ledger = """
2026-01-10 * "Shared project" ^INV-1
  Assets:Receivable:Acme  100.00 USD
  Assets:Receivable:Zeta   50.00 USD
  Income:Services
"""
    items = open_items(load(books, ledger, head=HEAD + "2025-01-01 open Assets:Receivable:Zeta USD\n", profiles={"acme": ACME, "zeta": zeta}), Side.AR)
    assert sorted((d.party, d.amount) for d in items.documents) == [("acme", D("100.00")), ("zeta", D("50.00"))]
    assert all(t.ok for t in items.ties)


def test_open_items_are_a_function_of_the_postings_and_parties_given(books: Callable[..., Path]) -> None:
    """The engine reads nothing but its inputs: no postings, or no party owning them, means no open items."""
    b = load(books, invoice("2026-01-10", "INV-1", "100.00"), as_of="2026-02-01")
    given = receivables.open_items(b.party_postings, b.parties, b.settings, Side.AR, b.as_of, b.precisions)
    assert [d.ref for d in given.open_documents()] == ["INV-1"]
    assert receivables.open_items((), b.parties, b.settings, Side.AR, b.as_of, b.precisions).documents == ()
    assert receivables.open_items(b.party_postings, {}, b.settings, Side.AR, b.as_of, b.precisions).documents == ()


def test_the_open_items_at_many_dates_are_those_at_each_date_alone(books: Callable[..., Path]) -> None:
    """:class:`items_at.ItemsAt` classifies the postings once and allocates them again per date:
    whatever order the dates come in, each answer is the one computed for that date alone --
    with a linked payment that takes an invoice FIFO paid earlier, a payment waiting for a
    later invoice, an overpayment, a credit note and a refund."""
    ledger = (
        invoice("2026-01-10", "INV-1", "100.00")
        + invoice("2026-01-20", "INV-2", "100.00")
        + payment("2026-01-25", "100.00")
        + payment("2026-02-01", "100.00", "INV-1")
        + payment("2026-02-05", "80.00", "INV-4")
        + invoice("2026-02-10", "INV-3", "100.00")
        + invoice("2026-03-01", "INV-4", "80.00")
        + payment("2026-03-05", "130.00", "INV-3")
        + """
2026-03-10 * "ACME" "Credit note" ^INV-2
  credit_note: "CN-1"
  Income:Services  20.00 USD
  Assets:Receivable:Acme

2026-03-20 * "ACME" "Refund of the overpayment"
  refund: TRUE
  Assets:Receivable:Acme  30.00 USD
  Assets:Bank:Operating
"""
    )
    loaded = load(books, ledger)
    days = [datetime.date.fromisoformat(d) for d in ("2026-01-24", "2026-01-31", "2026-02-28", "2026-03-31", "2026-02-04", "2026-03-15", "2026-01-10")]

    def shown(items: OpenItems) -> tuple[object, ...]:
        return (items.documents, items.credits, items.refunds, items.ties, items.diagnostics)

    alone = {day: shown(open_items(loaded, Side.AR, day)) for day in days}
    assert len({alone[day] for day in days}) == len(days)  # every date differs from every other
    for order in (days, sorted(days), sorted(days, reverse=True)):
        at = items_at.ItemsAt(loaded.party_postings, loaded.parties, loaded.settings, Side.AR, loaded.precisions)
        assert {day: shown(at(day)) for day in order} == alone


@pytest.mark.parametrize("command", [("aging", "ar"), ("open", "ar"), ("reconcile", "ar"), ("followups",), ("clients", "list"), ("dso", "ar"), ("cash",)])
def test_a_command_on_broken_books_still_answers_and_warns(books: Callable[..., Path], command: tuple[str, ...]) -> None:
    """The warning is given once the command has computed its answer (the ledger's validation
    may still be running beside it), and the answer is printed all the same."""
    unbalanced = '\n2026-02-01 * "Lunch"\n  Assets:Bank:Operating  -10.00 USD\n  Income:Services  5.00 USD\n'
    root = books(ledger=HEAD + invoice("2026-01-10", "INV-1", "100.00") + unbalanced, profiles={"acme": ACME})
    result = run_cli(*command, books=root, as_of="2026-03-31")
    assert result.exit_code == 0, result.stderr
    assert "warning: the books have 1 error; run `acct-tool check` for details" in result.stderr
    assert result.output.strip()
