"""An amount wider than Beancount's decimal arithmetic is named at its posting, not reported as a plugin failure."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from codes_seen import Diag, codes, expect
from conftest import run_cli

WIDE = "1234567890123456789012345678901234567890.00"


def check(root: Path, *flags: str) -> tuple[int, list[Diag]]:
    result = run_cli(*flags, "check", "--format", "json", books=root)
    found: list[Diag] = result.json()
    return result.exit_code, found


@pytest.mark.parametrize("flags", [(), ("--no-cache",)])
def test_a_wide_amount_in_an_include_is_named_at_its_line(books: Callable[..., Path], flags: tuple[str, ...]) -> None:
    root = books(ledger='include "2026.beancount"\n')
    (root / "ledger" / "2026.beancount").write_text(f'2026-01-05 * "typo"\n  Assets:Bank:Operating  {WIDE} USD\n  Income:Services\n')
    code, found = check(root, *flags)
    assert code == 1
    d = expect(found, "ledger-amount-too-large", "ledger/2026.beancount", 2, None, message=f"{WIDE} USD")
    assert "28" in d["message"]
    assert "ledger-plugin" not in codes(found)


def test_every_wide_amount_is_named_and_the_text_says_where(books: Callable[..., Path]) -> None:
    twice = f'2026-01-05 * "typo"\n  Assets:Bank:Operating  {WIDE} USD\n  Income:Services\n'
    root = books(ledger=twice + twice.replace("01-05", "01-06"))
    result = run_cli("--no-cache", "check", books=root)
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if "ledger-amount-too-large" in ln]
    assert [ln.split(" error ")[0] for ln in lines] == ["ledger/main.beancount:7:", "ledger/main.beancount:10:"]
    assert "plugin" not in result.output


def test_an_amount_just_past_the_precision_is_named(books: Callable[..., Path]) -> None:
    root = books(ledger='2026-01-05 * "typo"\n  Assets:Bank:Operating  123456789012345678901234567.00 USD\n  Income:Services\n')
    code, found = check(root, "--no-cache")
    assert code == 1
    expect(found, "ledger-amount-too-large", "ledger/main.beancount", 7, None)


def test_an_amount_that_overflows_only_with_its_neighbours_names_the_transaction(books: Callable[..., Path]) -> None:
    """28 digits fit, but booking quantizes them to the 0.001 of the fee: 31 digits."""
    root = books(ledger='2026-01-05 * "typo"\n  Assets:Bank:Operating  1234567890123456789012345678 USD\n  Expenses:Hosting  0.001 USD\n  Income:Services\n')
    code, found = check(root, "--no-cache")
    assert code == 1
    expect(found, "ledger-amount-too-large", "ledger/main.beancount", 6, None, message="an amount in this entry (1234567890123456789012345678 USD)")
