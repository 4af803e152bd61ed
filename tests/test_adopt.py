"""``acct-tool adopt``: settings and profiles for a ledger the tool did not write.

Each test writes a small ledger inline (or copies the examples' ledger without
their settings and profiles), runs the real command, and reads back what it wrote.
"""

from __future__ import annotations

import datetime
import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

from acct_tool.books.profiles import load_party
from acct_tool.books.schema import validate
from acct_tool.books.settings import load_settings
from acct_tool.books.yamlsource import parse_yaml
from acct_tool.edit.adopt_write import _scalar, ledger_candidates
from acct_tool.engines.adopt import party_key, slug, split_camel

AS_OF = "2026-11-30"


def files_in(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def write_ledger(root: Path, text: str, name: str = "books.beancount") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return root


def profiles(root: Path) -> dict[str, dict[str, Any]]:
    """Every profile adopt wrote, as data; each must load without a problem."""
    out = {}
    for path in sorted((root / "clients").glob("*.yaml")):
        party, problems = load_party(path, f"clients/{path.name}")
        assert problems == [] and party is not None, (path.name, problems)
        out[path.stem] = yaml.safe_load(path.read_text())
    return out


def settings_of(root: Path) -> dict[str, Any]:
    _, problems = load_settings(root)
    assert problems == [], problems
    data = yaml.safe_load((root / "acct-tool.yaml").read_text())
    assert isinstance(data, dict)
    return data


# --- the examples' ledger ----------------------------------------------------------------------------------


def aging_totals(root: Path) -> dict[str, Any]:
    result = run_cli("aging", "ar", "--format", "json", books=root, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    return {currency: group["totals"] for currency, group in result.json()["currencies"].items()}


def test_adopting_the_examples_ledger_gives_books_that_check_reconcile_and_age_like_the_examples(tmp_path: Path) -> None:
    root = tmp_path / "books"
    root.mkdir()
    shutil.copytree(EXAMPLES / "ledger", root / "ledger")
    result = run_cli("adopt", books=root, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    assert "wrote acct-tool.yaml" in result.output.splitlines()
    assert "acct-tool check" in result.stderr and "acct-tool reconcile ar" in result.stderr
    data = settings_of(root)
    assert data["ledger"] == "ledger/main.beancount"
    assert (data["receivable_root"], data["payable_root"], data["operating_currency"]) == ("Assets:Receivable", "Liabilities:Payable", "USD")
    assert "control_accounts" not in data and "document_pattern" not in data
    written = profiles(root)
    assert written["acme"]["name"] == "ACME Manufacturing" and written["acme"]["kind"] == "client"
    assert written["harbor-logistics"]["accounts"] == {"receivable": "Assets:Receivable:HarborLogistics"}
    assert written["nordlicht"]["currencies"] == ["EUR"]
    assert written["dana-okafor"]["kind"] == "vendor"
    for command in (["check"], ["reconcile", "ar"], ["reconcile", "ap"]):
        done = run_cli(*command, books=root, as_of=EXAMPLES_AS_OF)
        assert done.exit_code == 0, (command, done.output, done.stderr)
    assert aging_totals(root) == aging_totals(EXAMPLES)
    assert files_in(root / "ledger") == files_in(EXAMPLES / "ledger")  # the ledger is never written


# --- per-party sub-accounts --------------------------------------------------------------------------------

SUB_ACCOUNTS = """\
option "operating_currency" "USD"
2025-01-01 open Assets:Bank:Operating USD
2025-01-01 open Assets:Bank:Euro EUR
2025-01-01 open Assets:Receivable:HarborLogistics USD
2025-01-01 open Assets:Receivable:Nordlicht EUR
2025-01-01 open Assets:Receivable:HostCo USD
2025-06-01 open Assets:Receivable:QuietClient USD
2025-01-01 open Liabilities:Payable:HostCo USD
2025-01-01 open Income:Services
2025-01-01 open Expenses:Hosting

2025-02-03 * "Harbor Logistics Inc" "Invoice INV-1" ^INV-1
  Assets:Receivable:HarborLogistics  1000.00 USD
  Income:Services
2025-03-03 * "Harbor Logistics Inc" "Payment INV-1" ^INV-1
  Assets:Bank:Operating  1000.00 USD
  Assets:Receivable:HarborLogistics
2025-01-20 * "Harbor Logistics" "Invoice INV-0" ^INV-0
  Assets:Receivable:HarborLogistics  500.00 USD
  Income:Services
2025-04-01 * "Nordlicht Verlag GmbH" "Invoice INV-2" ^INV-2
  Assets:Receivable:Nordlicht  800.00 EUR
  Income:Services
2025-05-01 * "HostCo" "Invoice INV-3" ^INV-3
  Assets:Receivable:HostCo  300.00 USD
  Income:Services
2025-05-02 * "HostCo" "Bill BILL-9" ^BILL-9
  Expenses:Hosting  120.00 USD
  Liabilities:Payable:HostCo
"""


def test_per_party_sub_accounts_get_one_profile_each(tmp_path: Path) -> None:
    root = write_ledger(tmp_path / "books", SUB_ACCOUNTS)
    result = run_cli("adopt", books=root, as_of=AS_OF)
    assert result.exit_code == 0, result.stderr
    written = profiles(root)
    assert sorted(written) == ["harbor-logistics", "host-co", "nordlicht", "quiet-client"]
    harbor = written["harbor-logistics"]
    # the name is the most frequent payee; the id comes from the account; since is the first posting
    assert harbor == {
        "id": "harbor-logistics",
        "name": "Harbor Logistics Inc",
        "kind": "client",
        "status": "active",
        "since": datetime.date(2025, 1, 20),
        "accounts": {"receivable": "Assets:Receivable:HarborLogistics"},
    }
    assert "aliases" not in harbor  # payees are matched on control accounts only
    assert written["nordlicht"]["currencies"] == ["EUR"] and written["nordlicht"]["since"] == datetime.date(2025, 4, 1)
    # the same party on both sides is one profile of kind both
    assert written["host-co"]["kind"] == "both"
    assert written["host-co"]["accounts"] == {"receivable": "Assets:Receivable:HostCo", "payable": "Liabilities:Payable:HostCo"}
    # an account with no postings: the name is its own, split, and there is no first posting
    assert written["quiet-client"]["name"] == "Quiet Client" and "since" not in written["quiet-client"]
    data = settings_of(root)
    assert data["ledger"] == "books.beancount" and data["profiles"] == "clients"
    assert "control_accounts" not in data
    assert run_cli("check", books=root, as_of=AS_OF).exit_code == 0


def test_a_receivable_and_a_payable_account_of_one_name_are_one_party_of_kind_both(tmp_path: Path) -> None:
    ledger = """\
    2025-01-01 open Assets:Receivable:Acme USD
    2025-01-01 open Liabilities:Payable:Acme USD
    2025-01-01 open Liabilities:Payable:Other USD
    2025-01-01 open Income:Services
    2025-01-01 open Expenses:Parts
    2025-02-01 * "ACME Manufacturing" "Invoice" ^INV-1
      Assets:Receivable:Acme  100.00 USD
      Income:Services
    2025-01-15 * "Acme Parts Dept" "Bill" ^B-1
      Expenses:Parts  40.00 USD
      Liabilities:Payable:Acme
    """
    root = write_ledger(tmp_path / "books", ledger)
    result = run_cli("adopt", books=root, as_of=AS_OF)
    assert result.exit_code == 0
    assert "2 parties (0 clients, 1 vendor, 1 both):" in result.output.splitlines()
    written = profiles(root)
    assert sorted(written) == ["acme", "other"]
    assert written["acme"]["kind"] == "both" and written["acme"]["name"] == "ACME Manufacturing"
    assert written["acme"]["accounts"] == {"receivable": "Assets:Receivable:Acme", "payable": "Liabilities:Payable:Acme"}
    assert written["acme"]["since"] == datetime.date(2025, 1, 15)
    assert written["other"] == {"id": "other", "name": "Other", "kind": "vendor", "status": "active", "accounts": {"payable": "Liabilities:Payable:Other"}}


# --- a control account -------------------------------------------------------------------------------------

CONTROL = """\
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


def test_a_control_account_gets_one_profile_per_payee_and_a_narration_pattern(tmp_path: Path) -> None:
    root = write_ledger(tmp_path / "books", CONTROL)
    result = run_cli("adopt", books=root, as_of=AS_OF)
    assert result.exit_code == 0, result.stderr
    data = settings_of(root)
    assert data["control_accounts"] == ["Assets:AR"]
    assert data["receivable_root"] == "Assets:AR" and data["operating_currency"] == "NZD"
    assert data["document_pattern"] == r"\b(SI)-\d+\b"
    assert "document_keys" not in data
    written = profiles(root)
    assert sorted(written) == ["kauri-build-ltd", "rimu-civil", "tui-homes"]
    kauri = written["kauri-build-ltd"]
    assert kauri["name"] == "Kauri Build Ltd" and kauri["aliases"] == ["Kauri Build Limited"]
    assert kauri["since"] == datetime.date(2025, 1, 1)
    assert all(p["accounts"] == {"receivable": "Assets:AR"} and p["kind"] == "client" for p in written.values())
    assert "aliases" not in written["tui-homes"] and "currencies" not in written["tui-homes"]
    assert "notice" not in result.output


def test_spellings_that_fold_to_one_need_no_alias_and_party_metadata_wins_over_the_payee(tmp_path: Path) -> None:
    ledger = CONTROL + textwrap.dedent(
        """\
        2025-04-01 * "TUI  HOMES" "Balance SI-0885"
          Assets:Bank:Cheque  800.00 NZD
          Assets:AR
        2025-04-02 * "Bank transfer" "Deposit"
          customer: "Rimu Civil Ltd."
          Assets:Bank:Cheque  900.00 NZD
          Assets:AR
        """
    )
    root = write_ledger(tmp_path / "books", ledger)
    assert run_cli("adopt", books=root, as_of=AS_OF).exit_code == 0
    written = profiles(root)
    assert sorted(written) == ["kauri-build-ltd", "rimu-civil", "tui-homes"]  # no party "Bank transfer"
    assert "aliases" not in written["tui-homes"]
    assert written["rimu-civil"]["aliases"] == ["Rimu Civil Ltd."]


def test_postings_that_name_no_party_are_counted_not_guessed(tmp_path: Path) -> None:
    ledger = CONTROL + textwrap.dedent(
        """\
        2025-04-01 * "Deposit"
          Assets:Bank:Cheque  50.00 NZD
          Assets:AR
        2025-04-02 * "Deposit"
          Assets:Bank:Cheque  60.00 NZD
          Assets:AR
        """
    )
    root = write_ledger(tmp_path / "books", ledger)
    result = run_cli("adopt", books=root, as_of=AS_OF)
    assert result.exit_code == 0
    assert sorted(profiles(root)) == ["kauri-build-ltd", "rimu-civil", "tui-homes"]
    [notice] = [line for line in result.output.splitlines() if line.startswith("notice:")]
    assert "2 postings on Assets:AR have no payee and no party metadata" in notice
    proposal = run_cli("adopt", "--dry-run", "--format", "json", books=root, as_of=AS_OF).json()
    assert proposal["control_accounts"] == [{"account": "Assets:AR", "side": "receivable", "parties": 3, "unknown_postings": 2}]


def test_metadata_keys_distinct_per_document_become_document_keys(tmp_path: Path) -> None:
    ledger = """\
    2025-01-01 open Assets:Bank USD
    2025-01-01 open Assets:Debtors USD
    2025-01-01 open Income:Sales USD
    2025-02-01 * "Acme" "Widgets"
      num: "1001"
      project: "P-7"
      note: "first batch"
      Assets:Debtors  100.00 USD
      Income:Sales
    2025-02-02 * "Beta" "Gadgets"
      num: "1002"
      project: "P-7"
      note: "second batch"
      Assets:Debtors  200.00 USD
      Income:Sales
    2025-03-01 * "Acme" "Payment"
      num: "1001"
      Assets:Bank  100.00 USD
      Assets:Debtors
    """
    root = write_ledger(tmp_path / "books", ledger)
    assert run_cli("adopt", books=root, as_of=AS_OF).exit_code == 0
    data = settings_of(root)
    assert data["document_keys"] == ["num"]  # not the shared project, not the free-text note
    assert data["control_accounts"] == ["Assets:Debtors"] and data["receivable_root"] == "Assets:Debtors"
    assert data["operating_currency"] == "USD"  # no option: the currency of the receivables


def test_a_receivable_with_an_unusual_name_is_found_by_its_use(tmp_path: Path) -> None:
    ledger = """\
    2025-01-01 open Assets:Bank:Main USD
    2025-01-01 open Assets:Owed:Jobs USD
    2025-01-01 open Income:Jobs USD
    2025-01-01 open Expenses:Rent USD
    2025-02-01 * "Acme" "Job 1"
      Assets:Owed:Jobs  100.00 USD
      Income:Jobs
    2025-02-02 * "Beta" "Job 2"
      Assets:Owed:Jobs  200.00 USD
      Income:Jobs
    2025-03-01 * "Acme" "Paid job 1"
      Assets:Bank:Main  100.00 USD
      Assets:Owed:Jobs
    2025-03-02 * "Landlord" "Rent"
      Expenses:Rent  50.00 USD
      Assets:Bank:Main
    2025-03-03 * "Acme" "Cash sale"
      Assets:Bank:Main  10.00 USD
      Income:Jobs
    """
    root = write_ledger(tmp_path / "books", ledger)
    assert run_cli("adopt", books=root, as_of=AS_OF).exit_code == 0
    data = settings_of(root)
    assert data["receivable_root"] == "Assets:Owed:Jobs"  # not the bank, which pays rent
    assert data["control_accounts"] == ["Assets:Owed:Jobs"]
    assert sorted(profiles(root)) == ["acme", "beta"]


def test_name_assets_and_name_liabilities_options_are_respected(tmp_path: Path) -> None:
    ledger = """\
    option "name_assets" "Aktiva"
    option "name_liabilities" "Passiva"
    2025-01-01 open Aktiva:Bank EUR
    2025-01-01 open Aktiva:Forderungen:Kunde EUR
    2025-01-01 open Passiva:Verbindlichkeiten:Lieferant EUR
    2025-01-01 open Expenses:Material EUR
    2025-01-01 open Income:Umsatz EUR
    2025-02-01 * "Kunde GmbH" "Rechnung" ^R-1
      Aktiva:Forderungen:Kunde  100.00 EUR
      Income:Umsatz
    2025-02-02 * "Lieferant AG" "Bill" ^B-1
      Expenses:Material  50.00 EUR
      Passiva:Verbindlichkeiten:Lieferant
    """
    root = write_ledger(tmp_path / "books", ledger)
    assert run_cli("adopt", books=root, as_of=AS_OF).exit_code == 0
    data = settings_of(root)
    assert (data["receivable_root"], data["payable_root"], data["operating_currency"]) == ("Aktiva:Forderungen", "Passiva:Verbindlichkeiten", "EUR")
    assert {p["id"]: p["kind"] for p in profiles(root).values()} == {"kunde": "client", "lieferant": "vendor"}


# --- what is written, and what is never overwritten -------------------------------------------------------


def test_dry_run_prints_every_file_and_writes_nothing(tmp_path: Path) -> None:
    root = write_ledger(tmp_path / "books", CONTROL)
    before = files_in(root)
    result = run_cli("adopt", "--dry-run", books=root, as_of=AS_OF)
    assert result.exit_code == 0, result.stderr
    assert files_in(root) == before
    assert not (root / "clients").exists()
    real = write_ledger(tmp_path / "other", CONTROL)
    assert run_cli("adopt", books=real, as_of=AS_OF).exit_code == 0
    for path, text in files_in(real).items():
        if path != "books.beancount":
            assert f"--- {path} (new)\n{text.decode()}" in result.output, path
    assert "nothing was written" in result.stderr


def test_dry_run_json_holds_the_files_and_the_proposal(tmp_path: Path) -> None:
    root = write_ledger(tmp_path / "books", CONTROL)
    doc = run_cli("adopt", "--dry-run", "--format", "json", books=root, as_of=AS_OF).json()
    assert doc["ledger"] == "books.beancount" and doc["settings"]["control_accounts"] == ["Assets:AR"]
    assert [f["path"] for f in doc["files"]] == ["clients/kauri-build-ltd.yaml", "clients/rimu-civil.yaml", "clients/tui-homes.yaml", "acct-tool.yaml"]
    assert not any(f["written"] or f["exists"] for f in doc["files"])
    assert [p["aliases"] for p in doc["parties"] if p["id"] == "kauri-build-ltd"] == [["Kauri Build Limited"]]
    assert files_in(root) == {"books.beancount": (root / "books.beancount").read_bytes()}


def test_an_existing_settings_file_or_profile_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    root = write_ledger(tmp_path / "books", CONTROL)
    (root / "acct-tool.yaml").write_text("payment_days: 14\n")
    before = files_in(root)
    result = run_cli("adopt", books=root, as_of=AS_OF)
    assert result.exit_code == 2 and "acct-tool.yaml already exists" in result.stderr and "--force" in result.stderr
    assert files_in(root) == before
    (root / "acct-tool.yaml").unlink()
    (root / "clients").mkdir()
    (root / "clients" / "tui-homes.yaml").write_text("mine\n")
    before = files_in(root)
    result = run_cli("adopt", books=root, as_of=AS_OF)
    assert result.exit_code == 2 and "clients/tui-homes.yaml already exists" in result.stderr
    assert files_in(root) == before  # not even the other profiles


def test_force_overwrites_settings_and_profiles_but_never_the_ledger(tmp_path: Path) -> None:
    root = write_ledger(tmp_path / "books", CONTROL)
    (root / "acct-tool.yaml").write_text("payment_days: 14\n")
    (root / "clients").mkdir()
    (root / "clients" / "tui-homes.yaml").write_text("mine\n")
    ledger = (root / "books.beancount").read_bytes()
    result = run_cli("adopt", "--force", books=root, as_of=AS_OF)
    assert result.exit_code == 0, result.stderr
    assert settings_of(root)["control_accounts"] == ["Assets:AR"]
    assert profiles(root)["tui-homes"]["name"] == "Tui Homes"
    assert (root / "books.beancount").read_bytes() == ledger


def test_a_folder_where_the_settings_file_goes_is_refused_even_with_force(tmp_path: Path) -> None:
    root = write_ledger(tmp_path / "books", CONTROL)
    (root / "acct-tool.yaml").mkdir()
    result = run_cli("adopt", "--force", books=root, as_of=AS_OF)
    assert result.exit_code == 2 and "acct-tool.yaml is a folder" in result.stderr
    assert not (root / "clients").exists()


# --- which ledger -------------------------------------------------------------------------------------------


def test_the_ledger_defaults_to_the_main_file_of_the_folder_or_of_ledger(tmp_path: Path) -> None:
    root = tmp_path / "books"
    write_ledger(root, 'include "2025.beancount"\n', "ledger/main.beancount")
    write_ledger(root, CONTROL, "ledger/2025.beancount")
    assert ledger_candidates(root) == ["ledger/main.beancount"]
    assert run_cli("adopt", books=root, as_of=AS_OF).exit_code == 0
    assert settings_of(root)["ledger"] == "ledger/main.beancount"


def test_several_candidate_ledgers_are_a_usage_error_naming_them(tmp_path: Path) -> None:
    root = write_ledger(tmp_path / "books", CONTROL, "a.beancount")
    write_ledger(root, CONTROL, "b.beancount")
    result = run_cli("adopt", books=root, as_of=AS_OF)
    assert result.exit_code == 2
    assert "a.beancount, b.beancount" in result.stderr and "acct-tool adopt a.beancount" in result.stderr
    assert sorted(files_in(root)) == ["a.beancount", "b.beancount"]
    # naming one resolves it, relative to the books folder when it is not in the working directory
    assert run_cli("adopt", "b.beancount", books=root, as_of=AS_OF).exit_code == 0
    assert settings_of(root)["ledger"] == "b.beancount"


def test_no_ledger_at_all_is_a_usage_error(tmp_path: Path) -> None:
    root = tmp_path / "books"
    root.mkdir()
    result = run_cli("adopt", books=root, as_of=AS_OF)
    assert result.exit_code == 2 and "no *.beancount file" in result.stderr
    assert run_cli("adopt", "missing.beancount", books=root, as_of=AS_OF).exit_code == 2
    assert files_in(root) == {}


def test_a_ledger_outside_the_books_folder_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "books"
    root.mkdir()
    outside = write_ledger(tmp_path / "elsewhere", CONTROL) / "books.beancount"
    result = run_cli("adopt", str(outside), books=root, as_of=AS_OF)
    assert result.exit_code == 2 and "outside the books folder" in result.stderr
    assert files_in(root) == {}
    result = run_cli("adopt", "../elsewhere/books.beancount", books=root, as_of=AS_OF)
    assert result.exit_code == 2 and "outside the books folder" in result.stderr


def test_adopt_takes_the_working_directory_not_the_books_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other-books"
    other.mkdir()
    monkeypatch.setenv("ACCT_TOOL_BOOKS", str(other))
    root = write_ledger(tmp_path / "books", CONTROL)
    monkeypatch.chdir(root)
    result = run_cli("adopt", as_of=AS_OF)
    assert result.exit_code == 0, result.stderr
    assert (root / "acct-tool.yaml").is_file() and not any(other.iterdir())
    assert "  acct-tool check" in result.stderr.splitlines()  # here already: no `cd` in the next steps


def test_books_after_the_command_name_the_folder_too(tmp_path: Path) -> None:
    root = write_ledger(tmp_path / "books", CONTROL)
    result = run_cli("adopt", "--books", str(root), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "adopting books.beancount" in result.output


# --- a ledger with errors -----------------------------------------------------------------------------------


def test_a_ledger_that_does_not_parse_writes_nothing_and_says_why(tmp_path: Path) -> None:
    root = write_ledger(tmp_path / "books", "this is not a ledger\n}}}} ]]]]\n\x00\x01 binary\n")
    result = run_cli("adopt", books=root, as_of=AS_OF)
    assert result.exit_code == 2
    assert "books.beancount:1: error ledger-syntax" in result.stderr
    assert "nothing was written" in result.stderr and "Traceback" not in result.stderr
    assert sorted(files_in(root)) == ["books.beancount"]


def test_a_ledger_with_errors_is_still_adopted_and_the_errors_are_reported(tmp_path: Path) -> None:
    broken = CONTROL + "2025-05-01 balance Assets:Bank:Cheque 1.00 NZD\n"
    root = write_ledger(tmp_path / "books", broken)
    result = run_cli("adopt", books=root, as_of=AS_OF)
    assert result.exit_code == 1
    assert "error ledger-balance" in result.stderr
    assert (root / "acct-tool.yaml").is_file() and sorted(profiles(root)) == ["kauri-build-ltd", "rimu-civil", "tui-homes"]
    doc = run_cli("adopt", "--dry-run", "--format", "json", books=root, as_of=AS_OF).json()
    assert [d["code"] for d in doc["diagnostics"]] == ["ledger-balance"]


def test_a_ledger_beancount_cannot_load_is_a_usage_error_with_its_diagnostic(tmp_path: Path) -> None:
    too_large = CONTROL + '2025-05-01 * "Tui Homes" "Payment"\n  Assets:Bank:Cheque  1234567890123456789012345678901234567890.00 NZD\n  Assets:AR\n'
    root = write_ledger(tmp_path / "books", too_large)
    result = run_cli("adopt", books=root, as_of=AS_OF)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "error ledger-amount-too-large" in result.stderr and "could not be loaded" in result.stderr
    assert sorted(files_in(root)) == ["books.beancount"]


# --- the pieces ---------------------------------------------------------------------------------------------


def test_party_keys_join_spellings_that_differ_in_punctuation_or_legal_form() -> None:
    assert party_key("Kauri Build Ltd") == party_key("Kauri Build Limited") == party_key("Kauri-Build, Ltd.") == party_key("kauri build")
    assert party_key("O'Brien Inc") == party_key("OBrien")
    assert party_key("Kauri Build") != party_key("Kauri Built")
    assert party_key("Inc") == "inc"  # a name that is only a legal form keeps it


def test_ids_are_schema_valid_slugs() -> None:
    assert slug("Quill & Ink Publishing") == "quill-ink-publishing"
    assert slug("Café Müller GmbH") == "cafe-muller-gmbh"
    assert slug("!!!") == "party" and slug("CON") == "con-party"
    assert len(slug("x" * 200)) == 64
    assert split_camel("HarborLogistics") == "Harbor Logistics" and split_camel("ACMECorp") == "ACME Corp"


@pytest.mark.parametrize("value", ["Quill & Ink", "yes", "3M", "A: B", "#1 Bakery", "O'Brien", "Assets:AR", r"\b(SI|CN)-\d+\b", "tab\there", "esc\x1b[2J"])
def test_yaml_scalars_read_back_as_written(value: str) -> None:
    assert yaml.safe_load(f"k: {_scalar(value)}") == {"k": value}


def test_odd_payee_names_give_profiles_that_pass_the_schema(tmp_path: Path) -> None:
    ledger = "2025-01-01 open Assets:Bank USD\n2025-01-01 open Assets:AR USD\n2025-01-01 open Income:Sales USD\n" + "".join(
        f'2025-02-0{i + 1} * "{name}" "Sale"\n  Assets:AR  10.00 USD\n  Income:Sales\n' for i, name in enumerate(["yes", "3M", "A: B #1", "Con", "Quill & Ink"])
    )
    root = write_ledger(tmp_path / "books", ledger)
    assert run_cli("adopt", books=root, as_of=AS_OF).exit_code == 0
    written = profiles(root)
    assert {p["name"] for p in written.values()} == {"yes", "3M", "A: B #1", "Con", "Quill & Ink"}
    assert "con-party" in written
    for path in (root / "clients").glob("*.yaml"):
        doc, problems = parse_yaml(path.read_text(), path.name)
        assert doc is not None and problems == [] and validate(doc, "party")[0] == []


def test_the_settings_file_explains_every_key_it_writes(tmp_path: Path) -> None:
    root = write_ledger(tmp_path / "books", CONTROL)
    assert run_cli("adopt", books=root, as_of=AS_OF).exit_code == 0
    text = (root / "acct-tool.yaml").read_text()
    assert text.startswith("# acct-tool settings, written by `acct-tool adopt` from books.beancount.")
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if line and not line.startswith("#"):
            assert lines[number - 1].startswith("#"), line  # every key has its comment
    assert json.dumps(settings_of(root), default=str)
