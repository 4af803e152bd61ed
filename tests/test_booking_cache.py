"""A load that books only the entries from the kept cut on gives exactly Beancount's booking.

Each case edits books whose booking was kept by an earlier load, then loads them
again and compares entries, errors and options with Beancount's own uncached load.
The ledgers hold lots bought before the cut and sold after it (reductions that need
the inventories kept at the cut), interpolated postings, and booking errors on
both sides of the cut. Whether the kept booking was used is checked too: a case
that should reuse it books fewer entries than the ledger has.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import make_books

from acct_tool.books import aside, beancount_load, booking_cache

pytestmark = pytest.mark.skipif(not aside._can_fork(), reason="the booking is kept by a forked child: no fork here")

TODAY = datetime.date(2026, 12, 15)

MAIN = """\
option "title" "Kept booking"
option "operating_currency" "USD"
include "years/*.beancount"
2024-01-01 open Assets:Bank:Operating USD
2024-01-01 open Assets:Broker ACME,USD "FIFO"
2024-01-01 open Assets:Receivable
2024-01-01 open Income:Services
2024-01-01 open Income:Gains
2024-01-01 open Equity:Opening-Balances
"""


def _year(year: int, months: range) -> str:
    out = []
    for month in months:
        for day in (3, 11, 19, 27):
            date = f"{year}-{month:02d}-{day:02d}"
            out.append(f'{date} * "Client" "Invoice {date}"\n  Assets:Receivable  {month * 10 + day}.00 USD\n  Income:Services\n')
            out.append(f'{date} * "Client" "Paid"\n  Assets:Bank:Operating  {month * 10 + day}.00 USD\n  Assets:Receivable\n')
        out.append(f'{year}-{month:02d}-05 * "Buy"\n  Assets:Broker  2 ACME {{{10 + month}.00 USD}}\n  Assets:Bank:Operating\n')
        if month % 3 == 0:  # sells lots bought months before, across the cut too
            out.append(f'{year}-{month:02d}-21 * "Sell"\n  Assets:Broker  -3 ACME {{}} @ 30.00 USD\n  Assets:Bank:Operating  90.00 USD\n  Income:Gains\n')
    return "".join(out)


YEARS = {
    "2025": _year(2025, range(1, 13)),
    # A reduction with no lot to match before the cut: a booking error the kept booking holds.
    "2026": '2026-01-02 * "Sell what is not there"\n  Assets:Broker  -5 XYZ {} @ 1.00 USD\n  Assets:Bank:Operating  5.00 USD\n' + _year(2026, range(1, 13)),
}


@pytest.fixture
def kept(tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(booking_cache, "MIN_ENTRIES", 20)
    monkeypatch.setattr(booking_cache, "_today", lambda: TODAY)
    root = make_books(tmp_path / "books", head=MAIN)
    (root / "ledger" / "years").mkdir()
    for name, text in YEARS.items():
        (root / "ledger" / "years" / f"{name}.beancount").write_text(text)
    return root / "ledger" / "main.beancount"


def _beancount(main: Path) -> tuple[Any, Any, Any]:
    from beancount import loader
    from beancount.ops import validation

    return loader._uncached_load_file(os.path.abspath(main), None, validation.HARDCORE_VALIDATIONS, None)  # type: ignore[no-untyped-call,no-any-return]


def _ours(main: Path) -> tuple[Any, Any, Any]:
    from beancount import loader
    from beancount.ops import validation

    writes: list[Callable[[], None]] = []
    entries, errors, options_map, validating = beancount_load.load(loader, main, validation.HARDCORE_VALIDATIONS, use_cache=True, parse_writes=writes)
    for write in writes:  # what the command line runs after its output
        write()
    return entries, errors + beancount_load.validation_errors(validating), options_map


def _same(main: Path, booked: list[int] | None = None) -> None:
    """Our load equals Beancount's; ``booked`` then holds only what our load booked."""
    from beancount.parser import printer

    expected = _beancount(main)
    if booked is not None:
        booked.clear()
    got = _ours(main)
    assert got[0] == expected[0]
    assert [printer.format_entry(e) for e in got[0]] == [printer.format_entry(e) for e in expected[0]]
    assert [(type(e).__name__, e.source.get("filename"), e.source.get("lineno"), e.message) for e in got[1]] == [
        (type(e).__name__, e.source.get("filename"), e.source.get("lineno"), e.message) for e in expected[1]
    ]
    assert {k: v for k, v in got[2].items() if k != "dcontext"} == {k: v for k, v in expected[2].items() if k != "dcontext"}


def _append(main: Path, text: str, year: str = "2026") -> None:
    path = main.parent / "years" / f"{year}.beancount"
    path.write_text(path.read_text() + text)


def _replace(main: Path, old: str, new: str, year: str = "2026") -> None:
    path = main.parent / "years" / f"{year}.beancount"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _prime(main: Path, booked: list[int]) -> int:
    """Load once (keeping the booking); how many entries the ledger has."""
    _same(main, booked)
    total = sum(booked)
    assert len(booked) == 2 and booked[0] > booked[1] > 0, "the first load books in two parts around the cut"
    booked.clear()
    return total


def test_an_unchanged_ledger_books_only_from_the_cut(kept: Path, booked: list[int]) -> None:
    total = _prime(kept, booked)
    _same(kept, booked)
    assert len(booked) == 1 and booked[0] < total / 4


def test_an_entry_appended_after_the_cut_books_only_from_the_cut(kept: Path, booked: list[int]) -> None:
    total = _prime(kept, booked)
    _append(kept, '2026-12-14 * "Sell after the cut"\n  Assets:Broker  -4 ACME {} @ 31.00 USD\n  Assets:Bank:Operating  124.00 USD\n  Income:Gains\n')
    _same(kept, booked)
    assert len(booked) == 1 and booked[0] < total / 4
    booked.clear()
    _append(kept, '2026-12-14 * "And an error after the cut"\n  Assets:Broker  -1 XYZ {} @ 1.00 USD\n  Assets:Bank:Operating  1.00 USD\n')
    _same(kept, booked)  # the index now has the edited file's bytes; the comparison holds again
    assert len(booked) == 1 and booked[0] < total / 4


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda main: _replace(main, "2026-02-11", "2026-02-12"), id="a date before the cut"),
        pytest.param(lambda main: _replace(main, "  Assets:Broker  2 ACME {12.00 USD}", "  Assets:Broker  7 ACME {12.00 USD}"), id="a lot before the cut"),
        pytest.param(
            lambda main: _append(main, '2026-03-01 * "Late entry before the cut"\n  Assets:Bank:Operating  1.00 USD\n  Income:Services\n'),
            id="an entry dated before the cut",
        ),
        pytest.param(lambda main: _replace(main, "2025-06-11", "2025-06-12", year="2025"), id="an older file"),
        pytest.param(
            lambda main: (main.parent / "years" / "2024.beancount").write_text('2024-06-01 * "Older"\n  Assets:Bank:Operating  1.00 USD\n  Income:Services\n'),
            id="a new file before the cut",
        ),
        pytest.param(lambda main: (main.parent / "years" / "2025.beancount").unlink(), id="a removed file"),
        pytest.param(lambda main: main.write_text(main.read_text().replace('"FIFO"', '"LIFO"')), id="a booking method"),
        pytest.param(lambda main: main.write_text(main.read_text() + 'option "inferred_tolerance_default" "USD:0.01"\n'), id="an option"),
    ],
)
def test_an_edit_before_the_cut_books_everything_again(kept: Path, booked: list[int], edit: Callable[[Path], None]) -> None:
    _prime(kept, booked)
    edit(kept)
    _same(kept, booked)
    assert len(booked) == 2, "the whole ledger is booked, in two parts around a new cut"


def test_a_new_file_after_the_cut_keeps_the_booking(kept: Path, booked: list[int]) -> None:
    total = _prime(kept, booked)
    (kept.parent / "years" / "2027.beancount").write_text('2026-12-01 * "In its own file"\n  Assets:Bank:Operating  1.00 USD\n  Income:Services\n')
    _same(kept, booked)
    assert len(booked) == 1 and booked[0] < total / 4


def test_a_kept_booking_that_does_not_read_back_is_booked_again(kept: Path, booked: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    _prime(kept, booked)
    real = booking_cache._Unpickler.load
    calls = []

    def failing_second(self: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:  # the comparison of nothing changed is skipped, so the first read is the booking's
            raise EOFError("truncated")
        return real(self)

    monkeypatch.setattr(booking_cache._Unpickler, "load", failing_second)
    _same(kept, booked)
    assert calls


def test_the_check_command_agrees_with_an_uncached_one_after_edits(kept: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import run_cli

    root = kept.parent.parent
    first = run_cli("check", "--format", "json", books=root, as_of="2026-12-31")
    assert first.exit_code == 1  # the booking errors
    _append(kept, '2026-12-14 * "Paid twice"\n  Assets:Bank:Operating  5.00 USD\n  Assets:Receivable\n')
    cached = run_cli("check", "--format", "json", books=root, as_of="2026-12-31")
    monkeypatch.setenv("ACCT_TOOL_NO_CACHE", "1")
    uncached = run_cli("check", "--format", "json", books=root, as_of="2026-12-31")
    assert cached.output == uncached.output
    assert cached.exit_code == uncached.exit_code


def test_a_load_whose_command_never_finishes_keeps_nothing(kept: Path, cache_dir: Path) -> None:
    """The kept booking (and each parse) is written only when the command runs its writes after
    its output; a command that crashed never does, and its children leave without writing."""
    from beancount import loader
    from beancount.ops import validation

    writes: list[Callable[[], None]] = []
    beancount_load.load(loader, kept, validation.HARDCORE_VALIDATIONS, use_cache=True, parse_writes=writes)
    children = [job.pid for job in writes if isinstance(job, aside._Gate)]
    assert children, "the booking and the parses are kept by children"
    del writes[:]  # what a crashed command does with them: the children's pipes close
    for pid in children:
        os.waitpid(pid, 0)  # they leave without writing
    assert not list(cache_dir.glob("booking-*")) and not list(cache_dir.glob("parse-*"))
