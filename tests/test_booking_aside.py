"""Booking a ledger's later entries in a child gives exactly Beancount's booking in order.

The ledgers hold interpolated postings, prices in another currency, lots held at cost
(early, and in one case late), postings that leave their currency to the account's
inventory, and booking errors in the child's share; the entries and errors are
compared with ``beancount.parser.booking.book`` on the same parse, and whole loads
with Beancount's own loader.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import make_books

from acct_tool.books import aside, beancount_load, booking_aside, booking_cache

pytestmark = pytest.mark.skipif(not aside.can_detach(), reason="the later entries are booked by a forked child: no fork here")

MAIN = """\
option "title" "Booked on two CPUs"
option "operating_currency" "USD"
include "years/*.beancount"
2025-01-01 open Assets:Bank:Operating USD
2025-01-01 open Assets:Bank:Euro EUR
2025-01-01 open Assets:Broker ACME,USD "FIFO"
2025-01-01 open Assets:Receivable
2025-01-01 open Income:Services
2025-01-01 open Income:Gains
2025-01-01 open Expenses:Fees
2025-01-01 open Equity:Opening-Balances
2025-01-01 open Assets:Petty
"""


def _year(year: int, *, lots: bool) -> str:
    out = []
    for month in range(1, 13):
        for day in (3, 11, 19, 27):
            date = f"{year}-{month:02d}-{day:02d}"
            out.append(
                f'{date} * "Client" "Invoice {date}" #work ^INV-{date}\n  inv: "{date}"\n  Assets:Receivable  {month * 10 + day}.00 USD\n  Income:Services\n'
            )
            out.append(f'{date} * "Client" "Paid"\n  Assets:Bank:Operating  {month * 10 + day}.00 USD\n    note: "kept on the posting"\n  Assets:Receivable\n')
        out.append(f'{year}-{month:02d}-08 * "Euro client"\n  Assets:Bank:Euro  100.00 EUR @ 1.10 USD\n  Income:Services\n')
        out.append(f'{year}-{month:02d}-09 * "Fee"\n  Expenses:Fees  2.50 USD\n  Assets:Bank:Euro  -2.27 EUR @@ 2.50 USD\n')
        out.append(f"{year}-{month:02d}-28 balance Assets:Bank:Euro  {month * 97.73 + (year - 2025) * 1172.76:.2f} EUR\n")
        if lots:
            out.append(f'{year}-{month:02d}-05 * "Buy"\n  Assets:Broker  2 ACME {{{10 + month}.00 USD}}\n  Assets:Bank:Operating\n')
            if month % 3 == 0:
                out.append(f'{year}-{month:02d}-21 * "Sell"\n  Assets:Broker  -3 ACME {{}} @ 30.00 USD\n  Assets:Bank:Operating  90.00 USD\n  Income:Gains\n')
    return "".join(out)


#: Two postings left to be filled in one currency: an interpolation error in the later entries.
TWO_OPEN = '2026-11-05 * "Two left open"\n  Assets:Bank:Operating  10.00 USD\n  Income:Services\n  Expenses:Fees\n'
#: A posting that leaves its currency to the account's inventory (USD only there).
NO_CURRENCY = '2026-11-06 * "No currency"\n  Assets:Bank:Operating  -5.00\n  Expenses:Fees  5.00 USD\n'
#: A price booking fills in (the posting is sent whole) and a finer precision (other tolerances).
PRICE_AND_PRECISION = (
    '2026-11-07 * "Price left open"\n  Assets:Bank:Euro  10.00 EUR @ USD\n  Expenses:Fees  -11.00 USD\n'
    '2026-11-08 * "Three places"\n  Assets:Bank:Operating  1.125 USD\n  Income:Services\n'
)
#: A lot held at cost late: the child's share must begin after it.
LATE_LOT = '2026-10-14 * "Buy late"\n  Assets:Broker  1 ACME {20.00 USD}\n  Assets:Bank:Operating\n'


@pytest.fixture
def small_split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(booking_aside, "MIN_ASIDE", 20)
    monkeypatch.setattr(booking_aside, "_RUN", 7)  # the child books its share in many runs


def _books(tmp_path: Path, late: str = "") -> Path:
    root = make_books(tmp_path / "books", head=MAIN)
    (root / "ledger" / "years").mkdir()
    (root / "ledger" / "years" / "2025.beancount").write_text(_year(2025, lots=True))
    (root / "ledger" / "years" / "2026.beancount").write_text(_year(2026, lots=False) + late)
    return root / "ledger" / "main.beancount"


def _parsed(main: Path) -> tuple[list[Any], dict[str, Any]]:
    from beancount.core import data

    from acct_tool.books import parse_cache

    entries, _, options_map = parse_cache.parse_recursive(os.path.abspath(main), use_cache=False)
    entries.sort(key=data.entry_sortkey)
    return entries, options_map


def _described(errors: list[Any]) -> list[tuple[Any, ...]]:
    from beancount.parser import printer

    return [(type(e).__name__, e.source.get("filename"), e.source.get("lineno"), e.message, e.entry and printer.format_entry(e.entry)) for e in errors]


def _same_booking(main: Path) -> int:
    """Our booking of ``main`` equals Beancount's; where the child's share began."""
    from beancount.parser import booking, printer

    entries, options_map = _parsed(main)
    at = booking_aside.split_at(entries)
    assert at is not None, "the later entries are booked in a child"
    got, got_errors = booking_aside.book(entries, options_map)
    entries, options_map = _parsed(main)
    expected, expected_errors = booking.book(entries, options_map)  # type: ignore[no-untyped-call]
    assert got == expected
    assert [printer.format_entry(e) for e in got] == [printer.format_entry(e) for e in expected]
    assert [e.meta for e in got] == [e.meta for e in expected]  # the tolerances booking writes there
    assert _described(got_errors) == _described(expected_errors)
    return at


@pytest.mark.usefixtures("small_split")
@pytest.mark.parametrize(
    "late",
    ["", TWO_OPEN, NO_CURRENCY + TWO_OPEN, PRICE_AND_PRECISION],
    ids=["clean", "an interpolation error", "a currency from the inventory", "a price filled in and other tolerances"],
)
def test_the_later_entries_booked_aside_are_beancounts(tmp_path: Path, late: str) -> None:
    main = _books(tmp_path, late)
    at = _same_booking(main)
    entries, _ = _parsed(main)
    if late == NO_CURRENCY + TWO_OPEN:
        assert entries[at - 1].narration == "No currency", "the share begins after the posting that reads its inventory"
    else:
        assert at > len(entries) // 2, "the child books the later half"


@pytest.mark.usefixtures("small_split")
def test_a_late_lot_held_at_cost_moves_the_split_after_it(tmp_path: Path) -> None:
    main = _books(tmp_path, LATE_LOT)
    at = _same_booking(main)
    entries, _ = _parsed(main)
    assert entries[at - 1].narration == "Buy late"


@pytest.mark.usefixtures("small_split")
def test_no_child_books_a_share_that_reads_the_inventories_up_to_its_end(tmp_path: Path) -> None:
    main = _books(tmp_path, '2026-12-30 * "Buy last"\n  Assets:Broker  1 ACME {20.00 USD}\n  Assets:Bank:Operating\n')
    entries, _ = _parsed(main)
    assert booking_aside.split_at(entries) is None


def test_small_ledgers_are_booked_here(tmp_path: Path) -> None:
    entries, _ = _parsed(_books(tmp_path))
    assert len(entries) < booking_aside.MIN_ASIDE
    assert booking_aside.split_at(entries) is None


def _beancount(main: Path) -> tuple[Any, Any, Any]:
    from beancount import loader
    from beancount.ops import validation

    return loader._uncached_load_file(os.path.abspath(main), None, validation.HARDCORE_VALIDATIONS, None)  # type: ignore[no-untyped-call,no-any-return]


def _ours(main: Path, *, use_cache: bool) -> tuple[Any, Any, Any]:
    from beancount import loader
    from beancount.ops import validation

    writes: list[Callable[[], None]] = []
    entries, errors, options_map, validating = beancount_load.load(loader, main, validation.HARDCORE_VALIDATIONS, use_cache=use_cache, parse_writes=writes)
    for write in writes:
        write()
    return entries, errors + beancount_load.validation_errors(validating), options_map


def _same_load(main: Path, *, use_cache: bool, booked: list[int] | None = None) -> None:
    """Our load equals Beancount's; ``booked`` then holds only what our load booked."""
    from beancount.parser import printer

    expected = _beancount(main)
    if booked is not None:
        booked.clear()
    got = _ours(main, use_cache=use_cache)
    assert [printer.format_entry(e) for e in got[0]] == [printer.format_entry(e) for e in expected[0]]
    assert got[0] == expected[0]
    assert _described(got[1]) == _described(expected[1])


@pytest.mark.usefixtures("small_split")
def test_a_load_without_the_cache_is_beancounts(tmp_path: Path) -> None:
    _same_load(_books(tmp_path, TWO_OPEN), use_cache=False)


@pytest.mark.usefixtures("small_split", "cache_dir")
def test_the_booking_kept_after_a_split_load_books_later_edits_as_beancount_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, booked: list[int]) -> None:
    """The first load (the cache on, nothing kept yet) books in a child and keeps the booking at
    its cut, with inventories added up from both shares; loads after edits read them back."""
    import datetime

    monkeypatch.setattr(booking_cache, "MIN_ENTRIES", 20)
    monkeypatch.setattr(booking_cache, "_today", lambda: datetime.date(2026, 12, 31))
    # an account first used in the child's share, before the cut
    main = _books(tmp_path, TWO_OPEN + '2026-06-15 * "Petty cash"\n  Assets:Petty  50.00 CAD @ 0.70 USD\n  Assets:Bank:Operating\n')
    entries, _ = _parsed(main)
    at = booking_aside.split_at(entries)
    cut = booking_cache._cut([e.date for e in entries])
    assert at is not None and cut is not None and entries[at].date < datetime.date(2026, 6, 15) < entries[cut[0]].date
    _same_load(main, use_cache=True)
    # after the cut: currencies only the kept inventories can tell, and a sale of a lot bought in 2025
    with (main.parent / "years" / "2026.beancount").open("a") as f:
        f.write('2026-12-20 * "Petty, no currency"\n  Assets:Petty  -5.00\n  Expenses:Fees\n')
        f.write('2026-12-21 * "Sell"\n  Assets:Broker  -2 ACME {} @ 30.00 USD\n  Assets:Bank:Operating  60.00 USD\n  Income:Gains\n')
    _same_load(main, use_cache=True, booked=booked)
    assert len(booked) == 1 and booked[0] < len(entries) // 4, "the kept booking was read back"


def test_the_inventories_added_up_after_a_split_are_those_of_booking_in_order(tmp_path: Path) -> None:
    from beancount.parser import booking_full

    entries, options_map = _parsed(_books(tmp_path, NO_CURRENCY))
    methods = booking_aside.methods_of(entries, options_map)
    split, cut = len(entries) // 2, len(entries) * 3 // 4
    booked, _, expected = booking_full._book(entries[:cut], options_map, methods)  # type: ignore[no-untyped-call]
    assert len(booked) == cut
    _, _, balances = booking_full._book(entries[:split], options_map, methods)  # type: ignore[no-untyped-call]
    booking_cache._add_postings(balances, booked[split:cut])
    assert list(balances) == list(expected)
    assert {a: list(inv) for a, inv in balances.items()} == {a: list(inv) for a, inv in expected.items()}
