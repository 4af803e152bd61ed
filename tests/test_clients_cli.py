"""`clients list`, `clients show` and `portfolio` as a user sees them; every new command has help with an example."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

Books = Callable[..., Path]

OPENS = """\
2025-01-01 open Assets:Receivable:Acme USD
2025-01-01 open Assets:Receivable:Nord EUR
2025-01-01 open Assets:Bank:Euro EUR
2025-01-01 open Liabilities:Payable:Host USD
"""
ACME = """\
id: acme
name: ACME Manufacturing
kind: client
tier: key
manager: lan
accounts: {receivable: Assets:Receivable:Acme}
contacts:
  - {name: Mai Tran, role: CFO, email: mai@acme.example, decision_maker: true, billing: true}
interactions:
  - {date: 2026-11-20, channel: meeting, with: Mai Tran, by: lan, summary: Renewal options, sentiment: positive,
     next_step: {action: Send proposal, due: 2026-12-04}}
"""
NORD = """\
id: nord
name: Nordlicht
kind: client
tier: strategic
manager: priya
currencies: [EUR]
accounts: {receivable: Assets:Receivable:Nord}
"""
HOST = """\
id: host
name: HostCo
kind: vendor
accounts: {payable: Liabilities:Payable:Host}
"""
LEDGER = """
2026-10-01 * "ACME" "Invoice" ^INV-1
  due: 2026-10-31
  Assets:Receivable:Acme  1000.00 USD
  Income:Services

2026-11-01 * "ACME" "Invoice" ^INV-2
  due: 2026-12-01
  Assets:Receivable:Acme  2000.00 USD
  Income:Services

2026-11-05 * "Nordlicht" "Invoice" ^INV-3
  due: 2026-11-19
  Assets:Receivable:Nord  500.00 EUR
  Income:Services
"""


@pytest.fixture
def root(books: Books) -> Path:
    return books(ledger=OPENS + LEDGER, profiles={"acme": ACME, "nord": NORD, "host": HOST})


def test_list_table(root: Path) -> None:
    result = run_cli("clients", "list", books=root, as_of="2026-11-30")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "Clients as of 2026-11-30"
    assert lines[2].split() == ["id", "name", "tier", "manager", "status", "open", "overdue", "last", "contact", "next", "step", "health", "band"]
    acme = next(line for line in lines if line.startswith("acme"))
    assert "3,000.00 USD" in acme and "1,000.00 USD" in acme and "10d ago" in acme and "2026-12-04" in acme
    nord = next(line for line in lines if line.startswith("nord"))
    assert "500.00 EUR" in nord and "never" in nord
    host = next(line for line in lines if line.startswith("host"))
    assert "vendor" in host and "green" not in host  # vendors have no health score


def test_list_json_and_filters(root: Path) -> None:
    data = run_cli("clients", "list", "--format", "json", books=root, as_of="2026-11-30").json()
    assert data["as_of"] == "2026-11-30"
    acme = data["clients"][0]
    assert (acme["id"], acme["open"], acme["overdue"], acme["days_since_contact"]) == (
        "acme",
        [{"number": "3000.00", "currency": "USD"}],
        [{"number": "1000.00", "currency": "USD"}],
        10,
    )
    assert acme["next_step"] == {"action": "Send proposal", "due": "2026-12-04", "owner": "lan"}
    assert acme["health"]["band"] in ("green", "amber", "red") and acme["health"]["components"][0]["name"] == "payment"

    def ids(*options: str) -> list[str]:
        return [c["id"] for c in run_cli("clients", "list", "--format", "json", *options, books=root, as_of="2026-11-30").json()["clients"]]

    assert ids() == ["acme", "host", "nord"]
    assert ids("--manager", "priya") == ["nord"]
    assert ids("--tier", "key") == ["acme"]
    assert ids("--kind", "vendor") == ["host"]
    assert ids("--kind", "client") == ["acme", "nord"]
    assert ids("--status", "churned") == []
    assert run_cli("clients", "list", "--tier", "gold", books=root).exit_code == 2


def test_list_csv(root: Path) -> None:
    lines = run_cli("clients", "list", "--format", "csv", books=root, as_of="2026-11-30").output.splitlines()
    assert (
        lines[0] == "id,name,kind,tier,manager,status,open,overdue,last_contact,days_since_contact,next_step_due,next_step,health_score,health_band,red_flags"
    )
    assert lines[1].startswith("acme,ACME Manufacturing,client,key,lan,active,3000.00 USD,1000.00 USD,2026-11-20,10,2026-12-04,Send proposal,")


def test_show_one_client(root: Path) -> None:
    result = run_cli("clients", "show", "acme", books=root, as_of="2026-11-30")
    assert result.exit_code == 0
    text = result.output
    for expected in (
        "ACME Manufacturing (acme)",
        "client · key · active · manager lan",
        "Mai Tran  CFO   decision maker, billing  mai@acme.example",
        "2026-11-20 meeting with Mai Tran [positive]: Renewal options",
        "next step: Send proposal, due 2026-12-04 (in 4 days)",
        "Open risks\n  none",
        "Renewal\n  no renewal date in the contract",
        "Revenue 2026 to 2026-11-30: 3,000.00 USD",
        "Open: 3,000.00 USD; overdue: 1,000.00 USD",
        "1,000.00 USD  30 days past due",
        "Health ",
        "Chase INV-1 (second reminder): 1,000.00 USD open, 30 days past due; contact Mai Tran <mai@acme.example>",
    ):
        assert expected in text, expected
    data = run_cli("clients", "show", "acme", "--format", "json", books=root, as_of="2026-11-30").json()
    assert data["revenue"]["this_year"] == [{"number": "3000.00", "currency": "USD"}]
    assert [m["month"] for m in data["revenue"]["months"]][-2:] == ["2026-10", "2026-11"]
    assert data["followups"][0]["kind"] == "collection"


def test_show_unknown_party_is_a_usage_error(root: Path) -> None:
    result = run_cli("clients", "show", "acme-corp", books=root, as_of="2026-11-30")
    assert result.exit_code == 2
    assert "no party with id 'acme-corp'" in result.stderr


def test_portfolio_per_manager_and_totals_per_currency(root: Path) -> None:
    result = run_cli("portfolio", books=root, as_of="2026-11-30")
    assert result.exit_code == 0
    assert result.output.startswith("Portfolio 2026-01-01 to 2026-11-30")
    assert "\nlan\n" in result.output and "\npriya\n" in result.output
    assert "Total\n  2 accounts; revenue 500.00 EUR, 3,000.00 USD" in result.output
    data = run_cli("portfolio", "--format", "json", books=root, as_of="2026-11-30").json()
    assert [m["name"] for m in data["managers"]] == ["lan", "priya"]
    assert data["totals"]["open"] == [{"number": "500.00", "currency": "EUR"}, {"number": "3000.00", "currency": "USD"}]
    assert data["totals"]["overdue"] == [{"number": "500.00", "currency": "EUR"}, {"number": "1000.00", "currency": "USD"}]
    only = run_cli("portfolio", "--manager", "priya", "--from", "2026-11-01", "--format", "json", books=root, as_of="2026-11-30").json()
    assert [c["id"] for m in only["managers"] for c in m["clients"]] == ["nord"]
    october = run_cli("portfolio", "--from", "2026-10-01", "--to", "2026-10-31", "--format", "json", books=root, as_of="2026-11-30").json()
    assert october["totals"]["revenue"] == [{"number": "1000.00", "currency": "USD"}]
    assert october["totals"]["open"] == [{"number": "1000.00", "currency": "USD"}]  # open items at --to
    csv = run_cli("portfolio", "--format", "csv", books=root, as_of="2026-11-30").output.splitlines()
    assert csv[0] == "manager,client,tier,status,currency,revenue,open,overdue,days_to_pay,nps,csat,health_score,health_band"
    assert csv[1].startswith("lan,acme,key,active,USD,3000.00,3000.00,1000.00,")


def test_portfolio_rejects_a_period_after_the_as_of_date(root: Path) -> None:
    assert run_cli("portfolio", "--to", "2026-12-31", books=root, as_of="2026-11-30").exit_code == 2
    assert run_cli("portfolio", "--from", "2026-11-30", "--to", "2026-11-01", books=root, as_of="2026-11-30").exit_code == 2


def test_examples_list_and_portfolio() -> None:
    listed = run_cli("clients", "list", "--kind", "client", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()["clients"]
    bands = {c["id"]: (c["health"]["score"], c["health"]["band"]) for c in listed}
    assert bands["harbor-logistics"] == (13, "red")
    assert bands["acme"][1] == "green"
    harbor = next(c for c in listed if c["id"] == "harbor-logistics")
    assert (harbor["open"], harbor["overdue"], harbor["days_since_contact"]) == (
        [{"number": "37000.00", "currency": "USD"}],
        [{"number": "29000.00", "currency": "USD"}],
        60,
    )
    table = run_cli("clients", "list", "--manager", "tom", books=EXAMPLES, as_of=EXAMPLES_AS_OF).output
    assert "red!" in table and "! red flag" in table
    portfolio = run_cli("portfolio", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()
    tom = next(m for m in portfolio["managers"] if m["name"] == "tom")
    assert tom["at_risk"] == ["harbor-logistics"]
    assert tom["accounts"] == 3
    assert portfolio["totals"]["open"] == [{"number": "7800.00", "currency": "EUR"}, {"number": "104100.00", "currency": "USD"}]


NEW_COMMANDS = [("clients",), ("clients", "list"), ("clients", "show"), ("followups",), ("portfolio",), ("log",)]


@pytest.mark.parametrize("command", NEW_COMMANDS, ids=" ".join)
def test_every_command_has_help_ending_with_an_example(command: tuple[str, ...]) -> None:
    result = run_cli(*command, "--help")
    assert result.exit_code == 0
    help_text = result.output.split("Options:")[0].strip()
    last_paragraph = help_text.split("\n\n")[-1].strip()
    assert last_paragraph.startswith("Example: acct-tool "), help_text


# --- clients new on a ledger that already has the party's account -----------------------------

EXISTING_SETTINGS = "payment_days: 30\npayable_root: Liabilities:AccountsPayable\nreceivable_root: Assets:Receivable\n"
EXISTING_LEDGER = """\
2025-01-01 open Liabilities:AccountsPayable:IRD USD
2025-01-01 open Liabilities:Tax:HMRC USD

2025-03-31 * "IRD" "GST return Q1" ^GST-2025-Q1
  Liabilities:AccountsPayable:IRD  -840.00 USD
  Expenses:Hosting

2025-04-20 * "IRD" "GST paid" ^GST-2025-Q1
  Liabilities:AccountsPayable:IRD  840.00 USD
  Assets:Bank:Operating

2025-06-30 * "HMRC" "VAT return" ^VAT-2025-Q2
  Liabilities:Tax:HMRC  -120.00 USD
  Expenses:Hosting
"""


def new_party(root: Path, *args: str) -> Any:
    return run_cli("clients", "new", *args, books=root, as_of="2026-11-30")


def profile(root: Path, party_id: str) -> dict[str, Any]:
    data = yaml.safe_load((root / "clients" / f"{party_id}.yaml").read_text())
    assert isinstance(data, dict)
    return data


def test_clients_new_uses_the_ledgers_spelling_of_the_account_and_its_first_posting(books: Books) -> None:
    root = books(ledger=EXISTING_LEDGER, settings=EXISTING_SETTINGS)
    result = new_party(root, "ird", "--name", "Inland Revenue", "--kind", "vendor")
    assert result.exit_code == 0, result.stderr
    data = profile(root, "ird")
    assert data["accounts"] == {"payable": "Liabilities:AccountsPayable:IRD"}  # not ...:Ird
    assert data["since"] == datetime.date(2025, 3, 31)
    assert "open" not in result.stderr  # the ledger opens it already
    assert run_cli("check", "--strict", books=root, as_of="2026-11-30").exit_code == 0


def test_clients_new_account_option_is_written_as_given(books: Books) -> None:
    root = books(ledger=EXISTING_LEDGER, settings=EXISTING_SETTINGS)
    result = new_party(root, "hmrc", "--name", "HM Revenue & Customs", "--kind", "vendor", "--account", "Liabilities:Tax:HMRC")
    assert result.exit_code == 0, result.stderr
    assert profile(root, "hmrc")["accounts"] == {"payable": "Liabilities:Tax:HMRC"}
    assert profile(root, "hmrc")["since"] == datetime.date(2025, 6, 30)
    assert "open" not in result.stderr
    result = new_party(root, "acme", "--name", "ACME", "--account", "Assets:Clients:ACME-Corp")
    assert result.exit_code == 0, result.stderr
    assert profile(root, "acme")["accounts"] == {"receivable": "Assets:Clients:ACME-Corp"}
    assert profile(root, "acme")["since"] == datetime.date(2026, 11, 30)  # no postings yet: today
    assert "`2026-11-30 open Assets:Clients:ACME-Corp USD`" in result.stderr


def test_clients_new_both_names_the_receivable_and_the_payable(books: Books) -> None:
    root = books(ledger=EXISTING_LEDGER, settings=EXISTING_SETTINGS)
    result = new_party(root, "ird", "--name", "IRD", "--kind", "both", "--account", "Assets:Refunds:IRD", "--payable-account", "Liabilities:Tax:HMRC")
    assert result.exit_code == 0, result.stderr
    assert profile(root, "ird")["accounts"] == {"receivable": "Assets:Refunds:IRD", "payable": "Liabilities:Tax:HMRC"}
    assert profile(root, "ird")["since"] == datetime.date(2025, 6, 30)
    # without --payable-account, the payable is found in the ledger as for a vendor
    result = new_party(root, "ird-2", "--name", "IRD", "--kind", "both", "--account", "Assets:Refunds:IRD")
    assert result.exit_code == 0, result.stderr
    assert profile(root, "ird-2")["accounts"]["payable"] == "Liabilities:AccountsPayable:Ird2"


def test_clients_new_open_suggestion_is_dated_on_the_first_posting(books: Books) -> None:
    unopened = '2025-02-10 * "ACME" "Invoice" ^INV-1\n  Assets:Receivable:ACME  100.00 USD\n  Income:Services\n'
    root = books(ledger=unopened, settings=EXISTING_SETTINGS)
    result = new_party(root, "acme", "--name", "ACME")
    assert result.exit_code == 0, result.stderr
    assert profile(root, "acme")["accounts"] == {"receivable": "Assets:Receivable:ACME"}
    assert profile(root, "acme")["since"] == datetime.date(2025, 2, 10)
    assert "`2025-02-10 open Assets:Receivable:ACME USD`" in result.stderr


def test_clients_new_reads_the_first_posting_from_a_warm_cache(books: Books, cache_dir: Path) -> None:
    root = books(ledger=EXISTING_LEDGER, settings=EXISTING_SETTINGS)
    assert run_cli("check", books=root, as_of="2026-11-30").exit_code == 0  # fills the cache
    assert any(cache_dir.iterdir())
    assert new_party(root, "ird", "--name", "IRD", "--kind", "vendor").exit_code == 0
    assert profile(root, "ird")["since"] == datetime.date(2025, 3, 31)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--account", "Liabilities:tax:hmrc"], "--account 'Liabilities:tax:hmrc' is not a Beancount account name"),
        (["--account", "Liabilities"], "--account 'Liabilities' is not a Beancount account name"),
        (["--account", "Liabilites:Tax:HMRC"], "does not start with one of the ledger's root accounts"),
        (["--account", "Liabilities:Tax:HMRC", "--payable-account", "Liabilities:Tax:HMRC"], "a vendor has one account"),
        (["--kind", "client", "--payable-account", "Liabilities:Tax:HMRC"], "a client has no payable account"),
        (["--status", "prospect", "--account", "Liabilities:Tax:HMRC"], "a prospect gets no ledger account"),
    ],
)
def test_clients_new_refuses_a_bad_account(books: Books, args: list[str], message: str) -> None:
    root = books(ledger=EXISTING_LEDGER, settings=EXISTING_SETTINGS)
    kind = [] if "--kind" in args else ["--kind", "vendor"]
    result = new_party(root, "hmrc", "--name", "HMRC", *kind, *args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert not (root / "clients" / "hmrc.yaml").exists()
