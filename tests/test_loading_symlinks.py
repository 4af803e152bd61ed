"""Symlinks in the books that lead nowhere: loops and dangling links are reported, never raised."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from codes_seen import Diag, expect
from conftest import run_cli

from acct_tool.books import ledger

LEDGER = """\
2025-01-01 open Assets:Receivable:Acme USD
include "more.beancount"
"""


@pytest.fixture(params=["cache", "no-cache"])
def cache_flag(request: pytest.FixtureRequest) -> tuple[str, ...]:
    return ("--no-cache",) if request.param == "no-cache" else ()


def check(root: Path, *flags: str) -> tuple[int, list[Diag]]:
    result = run_cli(*flags, "check", "--format", "json", books=root)
    found: list[Diag] = result.json()
    return result.exit_code, found


def test_a_looping_ledger_link_is_reported_in_every_format(books: Callable[..., Path], cache_flag: tuple[str, ...]) -> None:
    root = books(ledger=LEDGER)
    main = root / "ledger" / "main.beancount"
    main.unlink()
    main.symlink_to("main.beancount")
    for fmt in ("text", "json", "github"):
        result = run_cli(*cache_flag, "check", "--format", fmt, books=root)
        assert result.exit_code == 1, result.output + result.stderr
        assert "ledger/main.beancount is a symlink loop" in result.output


def test_a_looping_include_is_named_again_when_served_from_the_cache(books: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    root = books(ledger=LEDGER)
    (root / "ledger" / "more.beancount").symlink_to("more.beancount")
    loads = []
    real = ledger.load_entries

    def counted(*args: Any, **options: Any) -> Any:
        loads.append(args)
        return real(*args, **options)

    monkeypatch.setattr(ledger, "load_entries", counted)
    for _ in range(2):  # cold, then warm
        code, found = check(root)
        assert code == 1
        expect(found, "ledger-load", "ledger/main.beancount", 7, None, message="is a symlink loop")
    assert len(loads) == 1


def test_a_dangling_include_link_says_so(books: Callable[..., Path], cache_flag: tuple[str, ...]) -> None:
    root = books(ledger=LEDGER)
    (root / "ledger" / "more.beancount").symlink_to("gone/more.beancount")
    code, found = check(root, *cache_flag)
    assert code == 1
    expect(found, "ledger-load", "ledger/main.beancount", 7, None, message="is a symlink to a missing file")
