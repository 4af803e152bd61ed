"""Every cached answer equals the uncached one, byte for byte.

The example books are loaded with the cache primed by every command, then changed
in one way (nothing, a ledger file edited, an included file added or removed, a
profile or the settings edited); each command's output with the cache must then
be exactly what the same command prints with ``--no-cache``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXAMPLES_AS_OF, Result, run_cli

COMMANDS: tuple[tuple[str, ...], ...] = (
    ("check", "--format", "json"),
    ("followups", "--format", "json"),
    ("aging", "ar", "--format", "json"),
    ("reconcile", "ap", "--format", "json"),
    ("clients", "show", "acme", "--format", "json"),
    ("statement", "nordlicht", "--format", "json"),
    ("statement", "oakridge-dental", "--from", "2026-05-01", "--format", "json"),
    ("open", "ar", "--format", "json"),
    ("review", "acme", "--format", "md"),
    ("review", "--format", "json"),  # with the firm page: cash and the income statement
    ("cash", "--format", "json"),
    ("reconcile", "bank", "ledger/statements/northbank-2026-10.csv", "--format", "json"),
)

INVOICE = """
2026-11-20 * "ACME Manufacturing" "Rush job" ^INV-2026-901
  due: 2026-11-25
  Assets:Receivable:Acme  1500.00 USD
  Income:Services:Projects
"""


def _edit_ledger(root: Path) -> None:
    with (root / "ledger" / "2026.beancount").open("a") as f:
        f.write(INVOICE)


def _add_included_file(root: Path) -> None:
    (root / "ledger" / "extra.beancount").write_text(INVOICE)
    with (root / "ledger" / "main.beancount").open("a") as f:
        f.write('include "extra.beancount"\n')


def _remove_included_file(root: Path) -> None:
    main = root / "ledger" / "main.beancount"
    main.write_text(main.read_text().replace('include "extra.beancount"\n', ""))
    (root / "ledger" / "extra.beancount").unlink()


def _edit_profile(root: Path) -> None:
    acme = root / "clients" / "acme.yaml"
    text = acme.read_text()
    assert "payment_days: 30" in text
    acme.write_text(text.replace("payment_days: 30", "payment_days: 10", 1))


def _edit_settings(root: Path) -> None:
    settings = root / "acct-tool.yaml"
    settings.write_text(re.sub(r"(?m)^payment_days: \d+", "payment_days: 14", settings.read_text()) + "collection_levels: [3, 20, 45]\n")


def _nothing(root: Path) -> None:
    pass


#: name -> (how the books are before the cache is primed, the change made after)
EDITS: dict[str, tuple[Callable[[Path], None], Callable[[Path], None]]] = {
    "nothing": (_nothing, _nothing),
    "ledger file edited": (_nothing, _edit_ledger),
    "included file added": (_nothing, _add_included_file),
    "included file removed": (_add_included_file, _remove_included_file),
    "profile edited": (_nothing, _edit_profile),
    "settings edited": (_nothing, _edit_settings),
}


def run(root: Path, args: tuple[str, ...], *, cache: bool) -> Result:
    return run_cli(*(() if cache else ("--no-cache",)), *args, books=root, as_of=EXAMPLES_AS_OF)


@pytest.mark.parametrize("edit", list(EDITS))
def test_cached_output_equals_uncached_output_after_an_edit(edit: str, examples_copy: Path, cache_dir: Path) -> None:
    root = examples_copy
    prepare, change = EDITS[edit]
    prepare(root)
    for args in COMMANDS:  # prime the cache with every fact every command draws
        run(root, args, cache=True)
    change(root)
    for args in COMMANDS:
        cached, cold = run(root, args, cache=True), run(root, args, cache=False)
        assert (cached.exit_code, cached.output, cached.stderr) == (cold.exit_code, cold.output, cold.stderr), " ".join(args)
        again = run(root, args, cache=True)  # and once more, now from what the first cached run stored
        assert (again.exit_code, again.output, again.stderr) == (cold.exit_code, cold.output, cold.stderr), " ".join(args)
    assert any(cache_dir.iterdir()), "the cache was used"


def test_the_edits_change_what_the_commands_say(examples_copy: Path, cache_dir: Path) -> None:
    """The comparison above is only worth something if the edits show in the output."""
    before = {args: run(examples_copy, args, cache=False).output for args in COMMANDS[:3]}
    _edit_ledger(examples_copy)
    _edit_settings(examples_copy)
    after = {args: run(examples_copy, args, cache=True).output for args in COMMANDS[:3]}
    assert all(before[args] != after[args] for args in before)


def test_a_warm_check_allocates_nothing_and_a_new_date_allocates_again(examples_copy: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from acct_tool.engines import receivables

    first = run(examples_copy, ("check", "--format", "json"), cache=True)
    calls: list[object] = []
    real = receivables.open_items

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(receivables, "open_items", counting)
    warm = run(examples_copy, ("check", "--format", "json"), cache=True)
    assert (warm.exit_code, warm.output) == (first.exit_code, first.output)
    assert calls == []  # the receivable exceptions came from the cache
    other_day = run_cli("check", "--format", "json", books=examples_copy, as_of="2026-06-30")
    assert len(calls) == 2  # AR and AP, for the new date
    assert other_day.output == run_cli("--no-cache", "check", "--format", "json", books=examples_copy, as_of="2026-06-30").output
