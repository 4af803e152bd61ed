"""An empty ledger that loaded is still checked against the profiles; one that failed to load is not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from codes_seen import Diag, codes, expect
from conftest import run_cli

ACME = """\
id: acme
name: ACME
kind: client
manager: lan
accounts: {receivable: Assets:Receivable:Acme}
"""


def check(root: Path, *flags: str) -> tuple[int, list[Diag]]:
    result = run_cli(*flags, "check", "--format", "json", books=root)
    found: list[Diag] = result.json()
    return result.exit_code, found


@pytest.mark.parametrize("head", ["", 'option "operating_currency" "USD"\n', "; nothing here yet\n"])
def test_an_empty_ledger_is_cross_checked_cold_and_warm(books: Callable[..., Path], head: str) -> None:
    root = books(head=head, profiles={"acme": ACME})
    for _ in range(2):  # the second run is served from the cache
        code, found = check(root)
        assert code == 1
        expect(found, "account-not-opened", "clients/acme.yaml", 5, 24)


def test_an_empty_ledger_without_the_cache_is_cross_checked(books: Callable[..., Path]) -> None:
    root = books(head="", profiles={"acme": ACME})
    code, found = check(root, "--no-cache")
    assert code == 1
    expect(found, "account-not-opened", "clients/acme.yaml", 5, 24)


def test_a_ledger_that_did_not_load_is_not_cross_checked(books: Callable[..., Path]) -> None:
    root = books(profiles={"acme": ACME}, settings="ledger: ledger/nope.beancount\n")
    code, found = check(root)
    assert code == 1
    assert codes(found) == ["ledger-missing"]
