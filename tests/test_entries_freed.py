"""The last fact drawn from Beancount's entries frees them as it reads them.

What the party postings hold takes the memory the entries held instead of adding to it:
the entries are let go of first, and each is freed once read. A command that reads the
entries itself (the firm page) has the party postings drawn when it lets go of them.
"""

from __future__ import annotations

import datetime
import gc
import weakref
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, EXAMPLES_AS_OF, make_books

from acct_tool.books import party_postings as party_postings_module
from acct_tool.books.ledger import Ledger
from acct_tool.books.load import Needs, load_books

AS_OF = datetime.date(2026, 3, 1)

ACME = """\
id: acme
name: ACME
kind: client
manager: lan
accounts: {receivable: Assets:Receivable:Acme}
"""

LEDGER = """\
2025-01-01 open Assets:Receivable:Acme USD
2025-01-01 open Assets:Bank USD

2026-01-10 * "ACME" "Invoice" ^INV-1
  due: 2026-02-09
  Assets:Receivable:Acme  100.00 USD
  Income:Services

2026-02-01 * "ACME" "Paid" ^INV-1
  Assets:Bank  100.00 USD
  Assets:Receivable:Acme
"""


class Transaction:
    """Stands for Beancount's: an entry :meth:`Ledger.consume` yields, that a weak reference can follow."""

    def __init__(self, n: int) -> None:
        self.n = n


class Other:
    """Any other directive."""


def number(entry: Any) -> int:
    n: int = entry.n
    return n


def ledger_of(entries: list[Any]) -> Ledger:
    ledger = Ledger(Path("main.beancount"), Path("."))
    ledger._entries = entries
    return ledger


def test_each_entry_is_freed_once_read_and_the_ledger_is_let_go() -> None:
    ledger = ledger_of([Transaction(0), Other(), Transaction(1), Transaction(2)])
    watched = [weakref.ref(e) for e in ledger.entries]
    alive_when_read = []
    numbers = []
    for txn in ledger.consume():
        numbers.append(number(txn))
        alive_when_read.append([w() is not None for w in watched])
        del txn
    assert numbers == [0, 1, 2]  # the transactions, in order; the other directive skipped
    # Each entry before the one being read is gone by then, the ones after it are still there.
    assert alive_when_read == [[True, True, True, True], [False, False, True, True], [False, False, False, True]]
    assert all(w() is None for w in watched)
    assert not ledger.loaded


def test_an_entry_list_held_elsewhere_is_read_and_left_whole() -> None:
    entries = [Transaction(0), Transaction(1)]
    ledger = ledger_of(entries)  # this test holds the list too
    assert [number(t) for t in ledger.consume()] == [0, 1]
    assert [t.n for t in entries] == [0, 1]  # not emptied under its other holder
    assert not ledger.loaded


@pytest.fixture
def books_root(tmp_path: Path) -> Path:
    return make_books(tmp_path / "books", ledger=LEDGER, profiles={"acme": ACME})


@pytest.fixture
def readers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What each drawing of the party postings read the transactions through."""
    seen: list[str] = []
    real = party_postings_module.extract_party_postings

    def recording(transactions: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(getattr(transactions, "gi_code", None), "co_name", type(transactions).__name__))
        return real(transactions, *args, **kwargs)

    monkeypatch.setattr(party_postings_module, "extract_party_postings", recording)
    monkeypatch.setenv("ACCT_TOOL_NO_CACHE", "1")
    return seen


def fresh_party_postings(root: Path) -> tuple[Any, ...]:
    """The party postings drawn with the entries kept, as a command that reads the entries asks for them."""
    books = load_books(root, AS_OF, use_cache=False, needs=Needs(party_postings=True, entries=True))
    return books.party_postings


def test_a_command_that_leaves_the_entries_has_the_party_postings_free_them(books_root: Path, readers: list[str]) -> None:
    books = load_books(books_root, AS_OF, use_cache=False, needs=Needs(party_postings=True, attribution=True))
    assert readers == ["consume"]  # drawn last, by the reader that frees the entries
    assert not books.ledger.loaded
    postings = books.party_postings
    assert [(p.date, p.number) for p in postings] == [(datetime.date(2026, 1, 10), Decimal(100)), (datetime.date(2026, 2, 1), Decimal(-100))]
    assert postings == fresh_party_postings(books_root)


def test_a_command_that_keeps_the_entries_has_the_party_postings_drawn_when_it_lets_them_go(books_root: Path, readers: list[str]) -> None:
    books = load_books(books_root, AS_OF, use_cache=False, needs=Needs(party_postings=True, entries=True))
    assert readers == [] and books.ledger.loaded  # nothing drawn yet: the command reads the entries first
    assert len(list(books.ledger.transactions())) == 2
    books.release()
    assert readers == ["consume"] and not books.ledger.loaded
    assert books.party_postings == fresh_party_postings(books_root)
    assert readers == ["consume", "transactions"]  # the fresh load's, asked for with the entries kept
    books.release()  # nothing left to draw: the same postings, not drawn again
    assert readers == ["consume", "transactions"]


def test_party_postings_asked_for_before_the_entries_are_let_go_keep_them(books_root: Path, readers: list[str]) -> None:
    books = load_books(books_root, AS_OF, use_cache=False, needs=Needs(party_postings=True, entries=True))
    first = books.party_postings
    assert readers == ["transactions"] and books.ledger.loaded
    books.release()
    assert readers == ["transactions"] and not books.ledger.loaded
    assert books.party_postings is first


def live_transactions() -> int:
    return sum(1 for o in gc.get_objects() if type(o).__name__ == "Transaction" and type(o).__module__.startswith("beancount"))


def test_the_entries_are_freed_while_the_party_postings_are_drawn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loaded as the commands load, with the cache off: nothing else holds the entries, so
    each transaction is gone by the time the drawing has read the next but one."""
    invoices = "".join(
        f'\n2026-01-{day:02d} * "ACME" "Invoice" ^INV-{day}\n  Assets:Receivable:Acme  {day}.00 USD\n  Income:Services\n' for day in range(1, 21)
    )
    root = make_books(tmp_path / "books", ledger=LEDGER + invoices, profiles={"acme": ACME})
    monkeypatch.setenv("ACCT_TOOL_NO_CACHE", "1")
    alive: list[int] = []
    real = party_postings_module.extract_party_postings

    def counting(transactions: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        def counted() -> Iterator[Any]:
            for txn in transactions:
                alive.append(live_transactions())
                yield txn

        return real(counted(), *args, **kwargs)

    monkeypatch.setattr(party_postings_module, "extract_party_postings", counting)
    gc.collect()  # what earlier tests left for the collector
    before = live_transactions()
    books = load_books(root, AS_OF, use_cache=False, needs=Needs(party_postings=True))
    assert len(books.party_postings) == len(alive) == 22
    alive = [n - before for n in alive]
    # All there when the drawing starts; when it reads the last, only that one and the one
    # before it (which the reader still holds) are left.
    assert alive[0] == 22 and alive[-1] == 2
    assert alive == sorted(alive, reverse=True)


def test_the_examples_party_postings_are_the_same_whichever_reader_draws_them(readers: list[str]) -> None:
    as_of = datetime.date.fromisoformat(EXAMPLES_AS_OF)
    freed = load_books(EXAMPLES, as_of, use_cache=False, needs=Needs(party_postings=True)).party_postings
    kept = load_books(EXAMPLES, as_of, use_cache=False, needs=Needs(party_postings=True, entries=True)).party_postings
    assert readers == ["consume", "transactions"]
    assert freed == kept and len(freed) > 50
