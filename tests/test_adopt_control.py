"""End to end: books kept on one shared ``Assets:AR``, adopted, then read by the receivables commands.

The customers are told apart only by payee (one under two spellings), invoice
numbers are only in narrations (SI-0884 style), and payments name the invoice
they settle in theirs. After ``acct-tool adopt`` the books must check clean and
``open ar`` must list exactly the invoices that are really open. This needs the
receivables engine to apply ``control_accounts``, ``aliases`` and
``document_pattern``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import run_cli

AS_OF = "2025-06-30"

LEDGER = """\
option "operating_currency" "NZD"
2025-01-01 open Assets:Bank:Cheque NZD
2025-01-01 open Assets:AR NZD
2025-01-01 open Income:Survey NZD
2025-01-01 open Equity:Opening-Balances NZD

2025-01-01 * "Kauri Build Ltd" "Opening balance SI-0870"
  Assets:AR  3000.00 NZD
  Equity:Opening-Balances
2025-02-03 * "Kauri Build Ltd" "Phase 2 construction staking SI-0884"
  Assets:AR  4600.00 NZD
  Income:Survey
2025-02-10 * "Tui Homes" "Boundary survey SI-0885"
  Assets:AR  1800.00 NZD
  Income:Survey
2025-02-17 * "Rimu Civil" "Topographic survey SI-0886"
  Assets:AR  2500.00 NZD
  Income:Survey
2025-03-01 * "Kauri Build Limited" "Customer payment settling SI-0884"
  Assets:Bank:Cheque  4600.00 NZD
  Assets:AR
2025-03-05 * "Tui Homes" "Part payment SI-0885"
  Assets:Bank:Cheque  1000.00 NZD
  Assets:AR
2025-03-12 * "Kauri Build Ltd" "Customer payment settling SI-0870"
  Assets:Bank:Cheque  3000.00 NZD
  Assets:AR
2025-03-20 * "Rimu Civil" "Set-out SI-0887"
  Assets:AR  900.00 NZD
  Income:Survey
"""


def adopted(tmp_path: Path) -> Path:
    root = tmp_path / "books"
    root.mkdir()
    (root / "books.beancount").write_text(textwrap.dedent(LEDGER))
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
