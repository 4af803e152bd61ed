"""The cache holds each fact on its own: a command draws only the facts it shows.

``check`` never attributes revenue, even on a cold load that fills the cache; a
later command that needs a fact the cache lacks draws it (loading the ledger)
and adds it, and every answer served from the cache equals the uncached one.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES_AS_OF, run_cli

from acct_tool.books import ledger
from acct_tool.books import load as load_module
from acct_tool.books.load import Needs, load_books
from acct_tool.engines import revenue

AS_OF = datetime.date.fromisoformat(EXAMPLES_AS_OF)


class Calls:
    def __init__(self) -> None:
        self.attributions = 0
        self.loads = 0


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Calls]:
    """Counts revenue attributions and real ledger loads."""
    seen = Calls()
    attribute, load = revenue.attribute_transactions, ledger.load_entries

    def attributing(*args: Any, **kwargs: Any) -> Any:
        seen.attributions += 1
        return attribute(*args, **kwargs)

    def loading(path: Path, root: Path, **kwargs: Any) -> Any:
        seen.loads += 1
        return load(path, root, **kwargs)

    monkeypatch.setattr(revenue, "attribute_transactions", attributing)
    monkeypatch.setattr(load_module, "attribute_transactions", attributing, raising=False)  # however the loader names it
    monkeypatch.setattr(ledger, "load_entries", loading)
    yield seen


def test_check_cold_does_not_attribute_revenue(examples_copy: Path, cache_dir: Path, calls: Calls) -> None:
    result = run_cli("check", "--format", "json", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code in (0, 1)
    assert calls.loads == 1 and calls.attributions == 0


def test_a_later_command_adds_the_fact_the_cache_lacks(examples_copy: Path, cache_dir: Path, calls: Calls) -> None:
    fresh = run_cli("--no-cache", "portfolio", "--format", "json", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert calls.attributions == 1
    run_cli("check", books=examples_copy, as_of=EXAMPLES_AS_OF)  # caches the party postings only
    assert calls.attributions == 1
    loads = calls.loads
    first = run_cli("portfolio", "--format", "json", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert calls.attributions == 2 and calls.loads == loads + 1  # the cache lacked it: drawn from the ledger
    second = run_cli("portfolio", "--format", "json", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert calls.attributions == 2 and calls.loads == loads + 1  # and now the cache has it
    assert fresh.output == first.output == second.output
    assert fresh.exit_code == first.exit_code == second.exit_code


def test_a_warm_followups_or_aging_neither_allocates_nor_reads_the_party_postings(
    examples_copy: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from acct_tool.books import cache_codec
    from acct_tool.engines import receivables

    commands = (("followups", "--format", "json"), ("aging", "ar", "--format", "json"), ("open", "ap", "--format", "json"))
    cold = [run_cli("--no-cache", *args, books=examples_copy, as_of=EXAMPLES_AS_OF) for args in commands]
    for args in commands:
        run_cli(*args, books=examples_copy, as_of=EXAMPLES_AS_OF)  # primes the cache
    used: list[str] = []
    allocate, decode = receivables.Classified.at, cache_codec.DECODERS["party_postings"]

    def allocating(*args: Any, **kwargs: Any) -> Any:
        used.append("open_items")
        return allocate(*args, **kwargs)

    def decoding(raw: Any) -> Any:
        used.append("party_postings")
        return decode(raw)

    monkeypatch.setattr(receivables.Classified, "at", allocating)
    monkeypatch.setitem(cache_codec.DECODERS, "party_postings", decoding)
    warm = [run_cli(*args, books=examples_copy, as_of=EXAMPLES_AS_OF) for args in commands]
    assert used == []
    assert [(r.exit_code, r.output) for r in warm] == [(r.exit_code, r.output) for r in cold]
    later = run_cli("followups", "--format", "json", books=examples_copy, as_of="2026-10-31")  # another date: allocated again
    assert used == ["party_postings", "open_items"]
    assert later.output == run_cli("--no-cache", "followups", "--format", "json", books=examples_copy, as_of="2026-10-31").output


@pytest.mark.parametrize(
    "order",
    [
        (Needs(party_postings=True), Needs(attribution=True), Needs(party_postings=True, attribution=True)),
        (Needs(attribution=True), Needs(), Needs(party_postings=True)),
        (
            Needs(accounts=frozenset({"Assets:Bank:Operating"})),
            Needs(party_postings=True, attribution=True),
            Needs(accounts=frozenset({"Assets:Bank:Operating"})),
        ),
    ],
)
def test_every_cached_fact_equals_the_uncached_one(examples_copy: Path, cache_dir: Path, order: tuple[Needs, ...]) -> None:
    everything = Needs(party_postings=True, attribution=True, accounts=frozenset({"Assets:Bank:Operating"}))
    fresh = load_books(examples_copy, AS_OF, use_cache=False, needs=everything)
    for needs in (*order, everything):
        books = load_books(examples_copy, AS_OF, use_cache=True, needs=needs)
        assert books.diagnostics == fresh.diagnostics
        assert books.precisions == fresh.precisions
        if needs.party_postings:
            assert books.party_postings == fresh.party_postings
        if needs.attribution:
            assert books.attribution == fresh.attribution
        for account in needs.accounts:
            assert books.account_postings[account] == fresh.account_postings[account]
