"""End to end: books kept on one shared ``Assets:AR``, adopted, then read by the receivables commands.

The customers are told apart only by payee (one under two spellings), invoice
numbers are only in narrations (SI-0884 style), and payments name the invoice
they settle in theirs. After ``acct-tool adopt`` the books must check clean and
``open ar`` must list exactly the invoices that are really open.
"""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli
from test_adopt import CONTROL, write_ledger

AS_OF = "2025-06-30"


def adopted(tmp_path: Path) -> Path:
    root = write_ledger(tmp_path / "books", CONTROL)
    result = run_cli("adopt", books=root, as_of=AS_OF)
    assert result.exit_code == 0, result.stderr
    return root


def test_adopted_control_account_books_check_clean(tmp_path: Path) -> None:
    root = adopted(tmp_path)
    result = run_cli("check", books=root, as_of=AS_OF)
    assert result.exit_code == 0, result.output


def test_adopted_control_account_books_list_exactly_the_open_invoices(tmp_path: Path) -> None:
    root = adopted(tmp_path)
    result = run_cli("open", "ar", "--format", "json", books=root, as_of=AS_OF)
    assert result.exit_code == 0, result.stderr
    open_now = {(d["document"], d["party"], d["open"]["number"]) for d in result.json()["documents"]}
    assert open_now == {("SI-0885", "tui-homes", "800.00"), ("SI-0886", "rimu-civil", "2500.00"), ("SI-0887", "rimu-civil", "900.00")}
    assert result.json()["unapplied_credits"] == []
    assert run_cli("reconcile", "ar", books=root, as_of=AS_OF).exit_code == 0
