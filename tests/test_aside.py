"""Beancount's validation run in a child process gives the answer it gives in this one.

The child is an optimisation only: whether it ran, failed, or was turned off, the
diagnostics -- their text, order and places -- are the same.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES_AS_OF, count_forks, make_books, run_cli

from acct_tool.books import aside, beancount_load, ledger

needs_fork = pytest.mark.skipif(not aside._can_fork(), reason="no fork, one CPU, or too little memory here")

# Validation findings of several kinds, with a syntax error and a failing balance around them,
# so that their order among the load's own findings is visible.
BROKEN = """\
2026-01-01 opn Assets:Bank:Savings
2026-01-02 * "Hosting"
  Expenses:Hosting  10 USD
  Assets:Bank:Operating  -9 USD
2026-01-03 * "To an account never opened"
  Expenses:Travel  5 USD
  Assets:Bank:Operating
2026-01-04 balance Assets:Bank:Operating  90 USD
2026-01-05 close Assets:Bank:Nowhere
2025-01-01 open Assets:Bank:Operating USD
"""


@needs_fork
def test_a_value_computed_aside_comes_from_a_child() -> None:
    pending = aside.aside(os.getpid)
    assert pending.result() != os.getpid()
    assert pending.result() == pending.result()  # waited for once


@needs_fork
def test_a_child_that_fails_leaves_the_value_to_this_process() -> None:
    parent = os.getpid()

    def compute() -> str:
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        return "here"

    assert aside.aside(compute).result() == "here"


@needs_fork
def test_a_child_killed_midway_leaves_the_value_to_this_process() -> None:
    parent = os.getpid()

    def compute() -> int:
        if os.getpid() != parent:
            os._exit(9)
        return 42

    assert aside.aside(compute).result() == 42


def _busy(n: int) -> int:
    """Some work for a unit (the tests never sleep)."""
    return sum(i * i for i in range(n))


@needs_fork
def test_shared_units_are_each_computed_once_in_order_and_this_process_takes_its_share() -> None:
    parent = os.getpid()
    hold_read, hold_write = os.pipe()

    def unit(i: int) -> Callable[[], tuple[int, int, int]]:
        def compute() -> tuple[int, int, int]:
            if os.getpid() != parent:  # the child, on the first unit it takes, waits for this process to have helped
                os.read(hold_read, 1)
            return i, _busy(2000 + i), os.getpid()

        return compute

    shared = aside.share([unit(i) for i in range(60)])
    assert isinstance(shared, aside.Shared)
    shared.help()
    os.write(hold_write, b"g" * 60)
    values = shared.result()
    os.close(hold_read)
    os.close(hold_write)
    assert [(i, total) for i, total, _ in values] == [(i, _busy(2000 + i)) for i in range(60)]
    here = [i for i, _, pid in values if pid == parent]
    assert len(here) >= 59, "this process left the work to the child"
    assert not shared.fell_back


@needs_fork
def test_shared_units_whose_child_dies_come_whole_from_the_fallback() -> None:
    parent = os.getpid()
    child: list[int] = []

    def unit(i: int) -> Callable[[], int]:
        def compute() -> int:
            if os.getpid() != parent:
                os._exit(5)
            os.waitid(os.P_PID, child[0], os.WEXITED | os.WNOWAIT)  # this process takes its first unit once the child has died on one
            return i

        return compute

    shared = aside.share([unit(i) for i in range(8)], fallback=lambda: [-1] * 8)
    assert isinstance(shared, aside.Shared)
    child.append(shared._pid)
    assert shared.result() == [-1] * 8
    assert shared.fell_back


@needs_fork
def test_an_interrupt_while_this_process_takes_its_share_is_not_swallowed() -> None:
    parent = os.getpid()
    hold_read, hold_write = os.pipe()

    def compute() -> int:
        if os.getpid() != parent:  # the child holds its first unit until this process has given up
            os.read(hold_read, 1)
            return 1
        raise KeyboardInterrupt

    shared = aside.share([compute] * 4, fallback=lambda: [-1])
    assert isinstance(shared, aside.Shared)
    with pytest.raises(KeyboardInterrupt):
        shared.help()
    os.write(hold_write, b"gggg")
    assert shared.result() == [-1]  # a unit was never computed: the fallback's value
    os.close(hold_read)
    os.close(hold_write)


def test_shared_units_without_a_child_are_computed_here_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(aside.ENV_OFF, "1")
    shared = aside.share([lambda i=i: (i, os.getpid()) for i in range(5)], fallback=list)  # type: ignore[misc]
    assert shared.result() == [(i, os.getpid()) for i in range(5)]


def test_turned_off_it_computes_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(aside.ENV_OFF, "1")
    assert aside.aside(os.getpid).result() == os.getpid()
    assert aside.aside(os.getpid, allowed=False).result() == os.getpid()


@needs_fork
@pytest.mark.parametrize("run", [250, 1])
def test_the_validation_aside_finds_what_it_finds_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: int) -> None:
    """Whole, or split into runs of one entry each that the child and this process share."""
    root = make_books(tmp_path / "books", ledger=BROKEN)
    main = root / "ledger" / "main.beancount"
    _, here = ledger.load_entries(main, root, use_cache=False)
    monkeypatch.setattr(beancount_load, "ASIDE_MIN_ENTRIES", 0)
    monkeypatch.setattr(beancount_load, "_MIN_RUN", run)
    settle: list[Callable[[], None]] = []
    _, facts = ledger.load_entries(main, root, use_cache=False, settle=settle)
    assert len(settle) == 1
    settle[0]()
    settle[0]()  # a second call adds nothing
    assert [d.code for d in here.diagnostics].count("ledger-validation") >= 3
    assert facts.diagnostics == here.diagnostics


@needs_fork
def test_check_reports_the_same_with_and_without_the_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_books(tmp_path / "books", ledger=BROKEN)
    monkeypatch.setenv("ACCT_TOOL_NO_CACHE", "1")
    monkeypatch.setenv(aside.ENV_OFF, "1")
    serial = run_cli("check", "--format", "json", books=root, as_of="2026-12-31")
    monkeypatch.delenv(aside.ENV_OFF)
    monkeypatch.setattr(beancount_load, "ASIDE_MIN_ENTRIES", 0)
    forked = count_forks(monkeypatch)
    parallel = run_cli("check", "--format", "json", books=root, as_of="2026-12-31")
    assert forked, "the validation did not run aside"
    assert serial.exit_code == parallel.exit_code == 1
    assert parallel.output == serial.output
    assert "ledger-validation" in serial.output


@needs_fork
@pytest.mark.parametrize(("profiles", "share"), [({}, "help"), ({"acme": "id: acme\nname: Acme\nkind: client\n"}, "let go")])
def test_a_command_takes_its_share_of_a_small_ledgers_validation_only_with_no_parties_to_draw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, profiles: dict[str, str], share: str
) -> None:
    """With parties, the command draws and computes their facts while the child validates;
    with none, it has nothing better to do than validate too. The findings are the same."""
    root = make_books(tmp_path / "books", ledger=BROKEN, profiles=profiles)
    monkeypatch.setenv("ACCT_TOOL_NO_CACHE", "1")
    monkeypatch.setenv(aside.ENV_OFF, "1")
    serial = run_cli("check", "--format", "json", books=root, as_of="2026-12-31")
    monkeypatch.delenv(aside.ENV_OFF)
    monkeypatch.setattr(beancount_load, "ASIDE_MIN_ENTRIES", 0)
    calls: list[str] = []
    helps, lets_go = aside.Shared.help, aside.Shared.let_go

    def help_(self: aside.Shared[Any]) -> None:
        calls.append("help")
        helps(self)

    def let_go(self: aside.Shared[Any]) -> None:
        calls.append("let go")
        lets_go(self)

    monkeypatch.setattr(aside.Shared, "help", help_)
    monkeypatch.setattr(aside.Shared, "let_go", let_go)
    parallel = run_cli("check", "--format", "json", books=root, as_of="2026-12-31")
    assert calls[:1] == [share], calls
    assert (parallel.exit_code, parallel.output) == (serial.exit_code, serial.output)
    assert "ledger-validation" in serial.output


@needs_fork
def test_a_validation_that_raises_is_a_finding_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from beancount.ops import validation

    def explode(entries: object, options_map: object) -> list[object]:
        raise RuntimeError("validation exploded")

    root = make_books(tmp_path / "books", ledger=BROKEN)
    monkeypatch.setattr(validation, "HARDCORE_VALIDATIONS", [*validation.HARDCORE_VALIDATIONS, explode])
    monkeypatch.setattr(beancount_load, "ASIDE_MIN_ENTRIES", 0)
    settle: list[Callable[[], None]] = []
    _, facts = ledger.load_entries(root / "ledger" / "main.beancount", root, use_cache=False, settle=settle)
    settle[0]()
    assert facts.failed and facts.inputs is None
    assert any(d.code == "ledger-plugin" and "validation exploded" in d.message for d in facts.diagnostics)


def test_loading_leaves_beancounts_list_of_validations_as_it_was(tmp_path: Path) -> None:
    from beancount.ops import validation

    root = make_books(tmp_path / "books", ledger=BROKEN)
    before = list(validation.VALIDATIONS)
    first = ledger.load_entries(root / "ledger" / "main.beancount", root, use_cache=False)[1].diagnostics
    second = ledger.load_entries(root / "ledger" / "main.beancount", root, use_cache=False)[1].diagnostics
    assert before == validation.VALIDATIONS
    assert first == second


@needs_fork
def test_spread_gives_every_result_in_order_half_of_them_from_a_child() -> None:
    parent = os.getpid()
    found = aside.spread(lambda n: (n * n, os.getpid() == parent), list(range(7)))
    assert [value for value, _ in found] == [n * n for n in range(7)]
    assert [here for _, here in found] == [n % 2 == 0 for n in range(7)]


@needs_fork
def test_what_the_trends_draw_from_the_month_ends_receivables_through_spread_is_what_they_draw_one_by_one() -> None:
    """The health scores and the DSO at each month end, drawn where the receivables are computed
    (half of the dates in a child) and handed back, equal those drawn from the receivables here."""
    import datetime

    from conftest import EXAMPLES, EXAMPLES_AS_OF

    from acct_tool.books.load import Needs, load_books
    from acct_tool.engines.concentration import day_dso
    from acct_tool.engines.health import day_scores, history_dates
    from acct_tool.engines.items_at import ItemsAt
    from acct_tool.engines.receivables import OpenItems, Side

    books = load_books(EXAMPLES, datetime.date.fromisoformat(EXAMPLES_AS_OF), use_cache=False, needs=Needs(party_postings=True, attribution=True))
    args = (books.party_postings, books.parties, books.settings, Side.AR, books.precisions)
    days = history_dates(books.as_of)
    clients = [p for p in books.parties.values() if p.is_client]
    uses = dict([day_scores(clients, books.settings, books.attribution, books.precisions), day_dso()])

    def where(items: OpenItems) -> int:
        return os.getpid()

    def not_again(items: OpenItems) -> Any:
        raise AssertionError("drawn again: the prefetch should have kept it")

    spread, one_by_one = ItemsAt(*args, spread=aside.spread), ItemsAt(*args)
    spread.prefetch(days, {**uses, "where": where})
    for day in days:
        for key, use in uses.items():
            assert spread.use(key, day, not_again) == one_by_one.use(key, day, use)
    assert len({spread.use("where", day, not_again) for day in days}) == 2  # half of the dates were computed in a child
    health_key = next(iter(uses))
    assert any(score is not None for day in days for score in spread.use(health_key, day, not_again).values())
    # the dates computed before the prefetch (the as-of date the caller had, one kept whole for
    # it) are drawn through the spread with the others, and draw the same
    known = ItemsAt(*args, known=books.open_items(Side.AR), spread=aside.spread)
    known.prefetch(days, {**uses, "where": where}, keep=[days[3]], derive_kept=True)
    for day in days:
        for key, use in uses.items():
            assert known.use(key, day, not_again) == one_by_one.use(key, day, use), (key, day)
    assert len({known.use("where", day, not_again) for day in days}) == 2
    # begun without waiting (a child takes the dates one after the other while this process
    # goes on), they are waited for when first used, and draw the same
    begun = ItemsAt(*args, known=books.open_items(Side.AR), start=aside.start_spread)
    begun.prefetch(days, {**uses, "where": where}, keep=[days[3]], derive_kept=True, wait=False)
    assert begun.derived(days[3]).as_of == days[3]  # what was kept is there before the others are waited for
    for day in days:
        for key, use in uses.items():
            assert begun.use(key, day, not_again) == one_by_one.use(key, day, use), (key, day)


@needs_fork
def test_a_validation_child_that_dies_is_made_good_by_a_second_load_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_books(tmp_path / "books", ledger=BROKEN)
    main = root / "ledger" / "main.beancount"
    _, here = ledger.load_entries(main, root, use_cache=False)
    parent, real, real_fork = os.getpid(), beancount_load.validation_units, aside._fork_with_pipe
    children: list[int] = []

    def forking() -> tuple[int, int, int] | None:
        forked = real_fork()
        if forked is not None and forked[0] > 0:
            children.append(forked[0])
        return forked

    def dying(unit: Callable[[], list[Any]]) -> Callable[[], list[Any]]:
        def run() -> list[Any]:
            if os.getpid() != parent:
                os._exit(3)
            with contextlib.suppress(ChildProcessError, IndexError):  # the second load, here, forks none
                os.waitid(os.P_PID, children[-1], os.WEXITED | os.WNOWAIT)  # this process takes its share once the child has died on a unit
            return unit()

        return run

    monkeypatch.setattr(aside, "_fork_with_pipe", forking)

    monkeypatch.setattr(beancount_load, "validation_units", lambda *args: [dying(unit) for unit in real(*args)])
    monkeypatch.setattr(beancount_load, "ASIDE_MIN_ENTRIES", 0)
    settle: list[Callable[[], None]] = []
    _, facts = ledger.load_entries(main, root, use_cache=False, settle=settle)
    settle[0]()
    assert facts.diagnostics == here.diagnostics
    assert facts.inputs is None  # what was validated is a second reading of the files: not cached


@needs_fork
def test_many_profiles_read_beside_the_ledger_give_the_same_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from acct_tool.books import load

    profiles = {
        f"client-{n:03d}": f"id: client-{n:03d}\nname: Client {n}\nkind: client\nstatus: active\ntier: standard\nmanager: lan\n"
        f"accounts: {{receivable: Assets:Receivable:C{n:03d}}}\n"
        f"interactions:\n  - {{date: 2026-11-{1 + n % 28:02d}, channel: call, summary: Check-in {n}, sentiment: positive}}\n"
        for n in range(load.ASIDE_MIN_PROFILES + 5)
    }
    opens = "".join(f"2025-01-01 open Assets:Receivable:C{n:03d} USD\n" for n in range(len(profiles)))
    root = make_books(tmp_path / "books", ledger=opens + '2026-10-01 * "Invoice"\n  Assets:Receivable:C007  100 USD\n  Income:Services\n', profiles=profiles)
    broken = root / "clients" / "client-003.yaml"
    broken.write_text(broken.read_text() + "tier: [not, a, tier]\n")  # a problem found by the child, reported as its own
    monkeypatch.setenv("ACCT_TOOL_NO_CACHE", "1")
    forked = count_forks(monkeypatch)
    beside = [run_cli(*args, books=root, as_of="2026-12-31") for args in (("check", "--format", "json"), ("clients", "list", "--format", "json"))]
    assert forked, "the profiles were not read in a child"
    monkeypatch.setenv(aside.ENV_OFF, "1")
    here = [run_cli(*args, books=root, as_of="2026-12-31") for args in (("check", "--format", "json"), ("clients", "list", "--format", "json"))]
    assert [(r.exit_code, r.output) for r in beside] == [(r.exit_code, r.output) for r in here]
    assert "client-003.yaml" in here[0].output
    assert len(here[1].json()["clients"]) >= load.ASIDE_MIN_PROFILES


@needs_fork
@pytest.mark.usefixtures("cache_dir")
def test_the_revenue_attribution_drawn_in_a_child_gives_the_same_reviews_and_cache(examples_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large ledger's attribution is drawn in a child while the command goes on; the child
    sends it encoded as the cache keeps it. The reviews are those drawn here, and so are
    the ones a second run reads from the cache the first one wrote."""
    from acct_tool.books import drawer, load

    review = ("review", "--format", "json")
    monkeypatch.setenv(aside.ENV_OFF, "1")
    monkeypatch.setenv("ACCT_TOOL_NO_CACHE", "1")
    here = run_cli(*review, books=examples_copy, as_of=EXAMPLES_AS_OF)
    monkeypatch.delenv(aside.ENV_OFF)
    monkeypatch.delenv("ACCT_TOOL_NO_CACHE")
    monkeypatch.setattr(load, "ASIDE_MIN_TRANSACTIONS", 0)
    encoded: list[str] = []
    real = drawer._encoded_aside

    def encoded_aside(kind: str, compute: Callable[[], Any]) -> Any:
        encoded.append(kind)
        return real(kind, compute)

    monkeypatch.setattr(drawer, "_encoded_aside", encoded_aside)
    from acct_tool.engines import revenue

    drawn_here: list[int] = []
    attribute = revenue.attribute_transactions

    def attribute_here(*args: Any, **kwargs: Any) -> Any:
        drawn_here.append(os.getpid())
        return attribute(*args, **kwargs)

    monkeypatch.setattr(revenue, "attribute_transactions", attribute_here)
    forked = count_forks(monkeypatch)
    cold = run_cli(*review, books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert encoded == ["attribution"] and forked, "the attribution was not drawn in a child"
    assert drawn_here == [], "what the child sent was not used: the attribution was drawn again here"
    warm = run_cli(*review, books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert encoded == ["attribution"] and drawn_here == [], "the second run drew it again instead of reading the cache"
    assert here.exit_code == cold.exit_code == warm.exit_code
    assert cold.output == here.output
    assert warm.output == here.output
    assert here.json()["clients"]["acme"]["money"]["currencies"][0]["revenue_ytd"]["number"] == "150500.00"  # revenue attributed
