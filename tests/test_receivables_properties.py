"""Property: for any sequence of invoices, payments and credit notes the tie-out holds
and the aging buckets add up to the open total."""

from __future__ import annotations

import datetime
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from conftest import make_books
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acct_tool.books.load import Books, load_books
from acct_tool.engines import receivables
from acct_tool.engines.aging import age
from acct_tool.engines.receivables import OpenItems, Side


def open_items(books: Books, side: Side, as_of: datetime.date | None = None) -> OpenItems:
    """The open items of loaded books, from the explicit inputs the engine takes."""
    return receivables.open_items(books.party_postings, books.parties, books.settings, side, as_of or books.as_of, books.precisions)


PROFILE = """\
id: acme
name: ACME
kind: client
accounts: {receivable: Assets:Receivable:Acme}
currencies: [USD, EUR]
"""
HEAD = """\
option "operating_currency" "USD"
2025-01-01 open Assets:Bank:Operating
2025-01-01 open Assets:Receivable:Acme USD,EUR
2025-01-01 open Income:Services
"""

cents = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c).scaleb(-2))
day = st.integers(min_value=0, max_value=120)
currency = st.sampled_from(["USD", "EUR"])

event = st.one_of(
    st.tuples(st.just("invoice"), day, cents, currency, st.integers(0, 60)),
    st.tuples(st.just("payment"), day, cents, currency, st.lists(st.integers(0, 30), max_size=3)),
    st.tuples(st.just("split"), day, cents, currency, st.lists(st.integers(0, 30), min_size=2, max_size=3)),
    st.tuples(st.just("credit"), day, cents, currency, st.lists(st.integers(0, 30), max_size=1)),
)


def ledger_text(events: list[tuple[Any, ...]]) -> str:
    start = datetime.date(2026, 1, 1)
    out = [HEAD]
    n = 0
    for kind, offset, amount, cur, extra in events:
        date = start + datetime.timedelta(days=offset)
        if kind == "invoice":
            n += 1
            due = date + datetime.timedelta(days=extra)
            out.append(f'{date} * "Invoice" ^INV-{n}\n  due: {due}\n  Assets:Receivable:Acme  {amount} {cur}\n  Income:Services\n')
        elif kind == "split":
            parts = [f'  Assets:Receivable:Acme  -{amount} {cur}\n    invoice: "INV-{ref}"\n' for ref in extra]
            out.append(f'{date} * "Split payment"\n  Assets:Bank:Operating\n' + "".join(parts))
        else:
            links = " ".join(f"^INV-{ref}" for ref in extra)
            other = "Assets:Bank:Operating" if kind == "payment" else "Income:Services"
            out.append(f'{date} * "{kind}" {links}\n  Assets:Receivable:Acme  -{amount} {cur}\n  {other}\n')
    return "".join(out)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(event, min_size=1, max_size=25), st.integers(min_value=0, max_value=130))
def test_tie_out_holds_and_buckets_sum_to_open(events: list[tuple[Any, ...]], as_of_offset: int) -> None:
    tmp = Path(tempfile.mkdtemp())
    try:
        root = make_books(tmp / "books", ledger=ledger_text(events), profiles={"acme": PROFILE}, head="")
        as_of = datetime.date(2026, 1, 1) + datetime.timedelta(days=as_of_offset)
        books = load_books(root, as_of)
        assert not [d for d in books.diagnostics if d.code.startswith("ledger-")], books.diagnostics
        items = open_items(books, Side.AR)
        assert all(t.ok for t in items.ties), items.ties
        # the ledger balance the tie-out uses agrees with one computed from the events
        expected: dict[str, Decimal] = {}
        for kind, offset, amount, cur, extra in events:
            if datetime.date(2026, 1, 1) + datetime.timedelta(days=offset) <= as_of:
                sign = 1 if kind == "invoice" else -len(extra) if kind == "split" else -1
                expected[cur] = expected.get(cur, Decimal(0)) + sign * amount
        assert {t.currency: t.ledger_balance for t in items.ties} == dict(expected.items())
        assert "tie-out" not in {d.code for d in items.diagnostics}
        for d in items.documents:
            assert Decimal(0) <= d.open <= d.amount
        for c in items.credits:
            assert Decimal(0) <= c.unapplied <= c.amount
        aging = age(items, (30, 60, 90))
        for cur, _rows in aging.tables.items():
            open_total = sum((d.open for d in items.open_documents() if d.currency == cur), Decimal(0))
            assert aging.totals(cur).total == open_total
            credits = sum((c.unapplied for c in items.unapplied_credits() if c.currency == cur), Decimal(0))
            assert aging.totals(cur).net == open_total - credits
    finally:
        shutil.rmtree(tmp)
