"""A settings file that is a broken symlink is an error, never a silent fall-back to the defaults."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from codes_seen import Diag, expect
from conftest import run_cli

from acct_tool.books.load import find_root


def check(root: Path | None, *flags: str) -> tuple[int, list[Diag]]:
    result = run_cli(*flags, "check", "--format", "json", books=root)
    found: list[Diag] = result.json()
    return result.exit_code, found


@pytest.mark.parametrize(("target", "why"), [("acct-tool.yaml", "a symlink loop"), ("shared/acct-tool.yaml", "a symlink to a missing file")])
def test_a_broken_settings_link_is_reported_cold_and_warm(books: Callable[..., Path], target: str, why: str) -> None:
    root = books()
    (root / "acct-tool.yaml").unlink()
    (root / "acct-tool.yaml").symlink_to(target)
    for flags in ((), (), ("--no-cache",)):
        code, found = check(root, *flags)
        assert code == 1
        expect(found, "file-unreadable", "acct-tool.yaml", None, None, message=f"acct-tool.yaml is {why}")


def test_a_dangling_settings_link_marks_the_books_root(tmp_path: Path, books: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Walking up, the broken link is found first: its books are the ones meant, not an outer folder's."""
    (tmp_path / "acct-tool.yaml").write_text("payment_days: 30\n")  # outer books, which must not be picked
    root = books()
    (root / "acct-tool.yaml").unlink()
    (root / "acct-tool.yaml").symlink_to("nowhere.yaml")
    assert find_root(None, start=root / "clients") == root.resolve()
    monkeypatch.delenv("ACCT_TOOL_BOOKS", raising=False)
    monkeypatch.chdir(root / "ledger")
    code, found = check(None)
    assert code == 1
    expect(found, "file-unreadable", "acct-tool.yaml", None, None, message="symlink to a missing file")


def test_a_books_option_that_is_a_symlink_loop_says_so(tmp_path: Path) -> None:
    loop = tmp_path / "books"
    loop.symlink_to("books")
    result = run_cli("check", books=loop)
    assert result.exit_code == 2
    assert "is a symlink loop" in result.stderr
