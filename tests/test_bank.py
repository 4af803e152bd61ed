"""Bank reconciliation: the matching engine, the command, the draft file and the examples."""

from __future__ import annotations

import datetime
import random
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from codes_seen import record
from conftest import EXAMPLES, EXAMPLES_AS_OF, LEDGER_HEAD, run_cli

from acct_tool.books.ledger import AccountPosting, account_postings, load_ledger
from acct_tool.edit.files import WriteError, write_atomic
from acct_tool.engines.bank import match_lines, reconcile_bank
from acct_tool.engines.bank_drafts import render_drafts
from acct_tool.engines.statements import StatementLine

D = datetime.date
BANK = "Assets:Bank:Operating"

SETTINGS = """\
statements:
  counter_account: Expenses:Uncategorized
  formats:
    plain:
      date: Date
      amount: Amount
      description: Description
      reference: Reference
      balance: Balance
      thousands_separator: ","
  files:
    - {match: "statements/*.csv", format: plain, account: "Assets:Bank:Operating"}
"""

#: Opening balance 1,000.00; after the three entries below 1,000 + 500 - 120 + 2,000 = 3,380.00.
LEDGER = """\
2026-01-01 * "Opening balance"
  Assets:Bank:Operating  1000.00 USD
  Equity:Opening-Balances

2026-03-02 * "Acme" "Payment" ^INV-1
  Assets:Bank:Operating  500.00 USD
  Income:Services

2026-03-05 * "CloudNest" "Hosting March"
  Assets:Bank:Operating  -120.00 USD
  Expenses:Hosting

2026-03-10 * "Zeta" "Payment"
  invoice: "INV-7"
  Assets:Bank:Operating  2000.00 USD
  Income:Services
"""

HEADER = "Date,Description,Reference,Amount,Balance\n"


def statement(root: Path, body: str, name: str = "march.csv", header: str = HEADER) -> Path:
    folder = root / "statements"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(header + textwrap.dedent(body))
    return path


def reconcile(root: Path, path: Path, *args: str) -> Any:
    return run_cli("reconcile", "bank", str(path), *args, books=root, as_of="2026-12-31")


# -- the engine --------------------------------------------------------------------------


def line(row: int, day: int, amount: str, reference: str = "") -> StatementLine:
    return StatementLine(row, D(2026, 3, day), Decimal(amount), f"line {row}", reference, None)


def posting(n: int, day: int, amount: str, narration: str = "", links: tuple[str, ...] = (), meta: tuple[str, ...] = ()) -> AccountPosting:
    return AccountPosting(D(2026, 3, day), Decimal(amount), "USD", "*", "", narration, frozenset(links), meta, "main.beancount", n, (n, 0))


def pairs(matches: list[Any]) -> list[tuple[int, int, int]]:
    return [(m.line.row, m.posting.line, m.days) for m in matches]


def test_exact_and_window_matches_with_date_differences() -> None:
    matches, left_lines, left_postings = match_lines(
        [line(2, 2, "500.00"), line(3, 8, "-120.00")],
        [posting(10, 2, "500"), posting(11, 5, "-120.00")],
        3,
    )
    assert pairs(matches) == [(2, 10, 0), (3, 11, -3)]
    assert left_lines == [] and left_postings == []


def test_outside_the_window_or_other_amount_is_not_a_match() -> None:
    matches, left_lines, left_postings = match_lines([line(2, 10, "-120.00"), line(3, 10, "99.99")], [posting(10, 6, "-120.00"), posting(11, 10, "99.98")], 3)
    assert matches == []
    assert [ln.row for ln in left_lines] == [2, 3] and [p.line for p in left_postings] == [10, 11]


def test_equal_amounts_on_nearby_dates_are_resolved_by_reference() -> None:
    # Two 250.00 payments two days apart; the bank books both a day late. Without the
    # references the closest dates would cross them over.
    lines = [line(2, 4, "250.00", "INV-2"), line(3, 5, "250.00", "INV-1")]
    postings = [
        posting(10, 3, "250.00", "Payment", links=("INV-1",)),
        posting(11, 5, "250.00", "Payment for inv-2 (Acme)"),
    ]
    matches, _, _ = match_lines(lines, postings, 3)
    assert pairs(matches) == [(2, 11, 1), (3, 10, -2)]
    assert all(m.by_reference for m in matches)
    # metadata counts too; a reference inside a longer word does not
    matches, _, _ = match_lines([line(2, 4, "9", "R-7")], [posting(10, 4, "9", "XR-70"), posting(11, 6, "9", meta=("r-7",))], 3)
    assert pairs(matches) == [(2, 11, 2)]


def test_without_references_the_closest_date_wins() -> None:
    matches, _, left = match_lines([line(2, 10, "-50")], [posting(10, 8, "-50"), posting(11, 11, "-50"), posting(12, 12, "-50")], 3)
    assert pairs(matches) == [(2, 11, 1)]
    assert [p.line for p in left] == [10, 12]


def test_equal_amounts_never_stay_unmatched_when_a_pairing_exists() -> None:
    # Greedy by distance would pair row 2 with posting 10 (0 days) and strand row 3 and
    # posting 11, six days apart; the augmenting step pairs both within the window.
    matches, left_lines, left_postings = match_lines([line(2, 4, "-500"), line(3, 1, "-500")], [posting(10, 4, "-500"), posting(11, 7, "-500")], 3)
    assert sorted(pairs(matches)) == [(2, 11, 3), (3, 10, 3)]
    assert left_lines == [] and left_postings == []


def test_a_reference_match_is_never_given_up_to_pair_another_line() -> None:
    matches, left_lines, _ = match_lines([line(2, 4, "-500", "X-1"), line(3, 1, "-500")], [posting(10, 4, "-500", "paid X-1"), posting(11, 7, "-500")], 3)
    assert pairs(matches) == [(2, 10, 0)] and [ln.row for ln in left_lines] == [3]


def test_matching_is_deterministic_whatever_the_input_order() -> None:
    rng = random.Random(7)
    lines = [line(i, rng.randint(1, 28), rng.choice(["10", "20", "-5"]), rng.choice(["", "A", "B"])) for i in range(2, 60)]
    postings = [posting(i, rng.randint(1, 28), rng.choice(["10", "20", "-5"]), rng.choice(["", "a", "b x"])) for i in range(100, 160)]
    expected = pairs(match_lines(lines, postings, 3)[0])
    for _ in range(5):
        rng.shuffle(lines)
        rng.shuffle(postings)
        assert pairs(match_lines(lines, postings, 3)[0]) == expected
    # one-to-one
    assert len({p[0] for p in expected}) == len(expected) == len({p[1] for p in expected})


def test_drafts_render_escaped_beancount() -> None:
    text = render_drafts(
        [StatementLine(7, D(2026, 3, 9), Decimal("-12.50"), 'Fee "Q1" \\ net', "GEB-1", None)],
        account=BANK,
        counter_account="Expenses:Uncategorized",
        currency="USD",
        statement="statements/march.csv",
    )
    assert '2026-03-09 ! "Fee \\"Q1\\" \\\\ net"' in text
    assert '  statement: "statements/march.csv:7"\n  statement_ref: "GEB-1"\n' in text
    assert "  Assets:Bank:Operating  -12.50 USD\n  Expenses:Uncategorized\n" in text


# -- the command on inline books ------------------------------------------------------------


def test_clean_statement_exits_0(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, settings=SETTINGS)
    path = statement(
        root,
        """\
        2026-03-02,ACME PAYMENT,INV-1,500.00,"1,500.00"
        2026-03-06,CLOUDNEST,,-120.00,"1,380.00"
        2026-03-11,ZETA,INV-7,"2,000.00","3,380.00"
    """,
    )
    result = reconcile(root, path)
    assert result.exit_code == 0, result.output + result.stderr
    assert "Matched: 3" in result.output
    assert "Statement   3,380.00 USD" in result.output and "agrees" in result.output
    assert "Reconciled: every line matched, closing balance agrees." in result.output
    assert all(len(text) <= 80 for text in result.output.splitlines())
    doc = reconcile(root, path, "--output", "json").json()
    assert doc["reconciled"] is True
    assert [(m["statement"]["row"], m["days"], m["statement"]["amount"]["number"], m["ledger"]["line"]) for m in doc["matched"]] == [
        (2, 0, "500.00", 10),
        (3, -1, "-120.00", 14),  # ledger date minus bank date
        (4, -1, "2000.00", 18),
    ]
    assert doc["matched"][2]["by_reference"] is True  # INV-7 is in the entry's metadata
    assert doc["closing_balance"] == {
        "date": "2026-03-11",
        "row": 4,
        "statement": {"number": "3380.00", "currency": "USD"},
        "ledger": {"number": "3380.00", "currency": "USD"},
        "difference": {"number": "0.00", "currency": "USD"},
        "agrees": True,
    }
    assert doc["matched"][0]["ledger"]["file"] == "ledger/main.beancount"


def test_missing_ledger_entry_missing_statement_line_and_balance_difference(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, settings=SETTINGS)
    path = statement(
        root,
        """\
        2026-03-02,ACME PAYMENT,INV-1,500.00,"1,500.00"
        2026-03-09,WIRE FEE,FEE-9,-15.00,"1,485.00"
        2026-03-11,ZETA,INV-7,"2,000.00","3,485.00"
    """,
    )
    result = reconcile(root, path)
    assert result.exit_code == 1
    out = result.output
    assert "Missing from the ledger: 1" in out and "FEE-9 WIRE FEE" in out
    assert "Missing from the statement: 1" in out and "ledger/main.beancount:14" in out
    assert "Difference   -105.00 USD  DIFFERS" in out
    assert all(len(text) <= 80 for text in out.splitlines())
    assert " ".join(out.split("\n\n")[-1].split()) == (
        "Not reconciled: 1 statement line missing from the ledger; 1 ledger posting missing from the statement; closing balance differs by -105.00 USD."
    )
    doc = reconcile(root, path, "--output", "json").json()
    assert doc["summary"] == {"lines": 3, "matched": 2, "missing_in_ledger": 1, "missing_in_statement": 1}
    assert doc["missing_in_ledger"][0] == {
        "row": 3,
        "date": "2026-03-09",
        "amount": {"number": "-15.00", "currency": "USD"},
        "description": "WIRE FEE",
        "reference": "FEE-9",
        "balance": {"number": "1485.00", "currency": "USD"},
    }
    assert doc["missing_in_statement"][0]["amount"] == {"number": "-120.00", "currency": "USD"}
    assert doc["closing_balance"]["difference"] == {"number": "-105.00", "currency": "USD"}
    rows = reconcile(root, path, "--output", "csv").output.splitlines()
    assert rows[0].startswith("kind,statement_row,statement_date,statement_amount,ledger_date,ledger_amount,days")
    assert [r.split(",")[0] for r in rows[1:]] == ["matched", "matched", "missing-in-ledger", "missing-in-statement", "closing-balance"]
    assert rows[-1] == "closing-balance,4,2026-03-11,3485.00,2026-03-11,3380.00,,USD,,,,,"


def test_postings_outside_the_period_are_not_missing_and_window_is_an_option(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, settings=SETTINGS)
    path = statement(root, "2026-03-06,CLOUDNEST,,-120.00,\n", header="Date,Description,Reference,Amount,Balance\n")
    result = reconcile(root, path)
    assert result.exit_code == 0, result.output  # 03-02 and 03-10 lie outside the one-day period
    result = reconcile(root, path, "--window", "0")
    assert result.exit_code == 1
    assert "Missing from the ledger: 1" in result.output and "Missing from the statement: 0" in result.output


def test_malformed_rows_are_diagnostics_on_stderr_and_exit_1(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, settings=SETTINGS)
    path = statement(
        root,
        """\
        2026-03-02,ACME PAYMENT,INV-1,500.00,
        03/06/2026,CLOUDNEST,,-120.00,
        2026-03-10,ZETA,INV-7,2.000.00,
        2026-03-11,SHORT
    """,
    )
    result = reconcile(root, path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:3] == [
        "statements/march.csv:3:1: error statement-bad-date '03/06/2026' in column 'Date' does not match the date format '%Y-%m-%d'",
        "statements/march.csv:4:23: error statement-bad-number '2.000.00' in column 'Amount' is not a number with decimal mark '.', thousands separator ','",
        "statements/march.csv:5:1: error statement-columns the row has 2 field(s); the header has 5",
    ]
    doc = reconcile(root, path, "--output", "json").json()
    assert [d["code"] for d in doc["diagnostics"]] == ["statement-bad-date", "statement-bad-number", "statement-columns"]
    record("statement-bad-date", "statement-bad-number", "statement-columns")


def test_missing_column_and_encoding_problems_exit_1(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, settings=SETTINGS)
    path = statement(root, "2026-03-02,x,,500.00\n", header="Date,Description,Reference,Betrag\n")
    result = reconcile(root, path)
    assert result.exit_code == 1 and "statement-missing-column" in result.stderr
    path.write_bytes(b"Date,Description,Reference,Amount,Balance\n2026-03-02,Caf\xe9,,500.00,\n")
    result = reconcile(root, path)
    assert result.exit_code == 1
    assert "statements/march.csv:2:15: error statement-encoding not valid utf-8 (byte 0xe9)" in result.stderr
    record("statement-missing-column", "statement-encoding")


def test_settings_lookup_and_usage_errors(books: Callable[..., Path], tmp_path: Path) -> None:
    root = books(ledger=LEDGER, settings=SETTINGS)
    elsewhere = tmp_path / "other.csv"
    elsewhere.write_text(HEADER + "2026-03-06,CLOUDNEST,,-120.00,\n")
    result = reconcile(root, elsewhere)
    assert result.exit_code == 2
    assert "pass --statement-format NAME and --account ACCOUNT" in result.stderr and "formats: plain" in result.stderr
    assert reconcile(root, elsewhere, "--statement-format", "plain", "--account", BANK).exit_code == 0
    result = reconcile(root, elsewhere, "--statement-format", "plian", "--account", BANK)
    assert result.exit_code == 2 and "did you mean 'plain'?" in result.stderr
    result = reconcile(root, elsewhere, "--statement-format", "plain", "--account", "Assets:Bank:Operatin")
    assert result.exit_code == 2 and "not opened" in result.stderr
    result = reconcile(root, tmp_path / "nope.csv")
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert reconcile(root, elsewhere, "--window", "-1").exit_code == 2


def test_ledger_errors_are_mentioned_but_do_not_stop_the_reconciliation(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER + '\n2026-03-20 * "Broken"\n  Assets:Nowhere  1 USD\n  Income:Services\n', settings=SETTINGS)
    path = statement(root, "2026-03-06,CLOUDNEST,,-120.00,\n")
    result = reconcile(root, path)
    assert result.exit_code == 0
    assert "note: the ledger has 1 error(s)" in result.stderr


# -- drafts ----------------------------------------------------------------------------------


def bean_check(main: Path) -> list[str]:
    """Errors of ``main`` as bean-check reports them: the loader in-process, and the script when installed."""
    ledger = load_ledger(main, main.parent)
    found = [d.message for d in ledger.diagnostics]
    script = shutil.which("bean-check", path=str(Path(sys.executable).parent))
    if script:
        run = subprocess.run([script, str(main)], capture_output=True, text=True, check=False)
        assert run.returncode == (1 if found else 0), run.stdout + run.stderr
    return found


def test_draft_file_passes_bean_check_once_included(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, settings=SETTINGS)
    path = statement(
        root,
        """\
        2026-03-02,ACME PAYMENT,INV-1,500.00,"1,500.00"
        2026-03-06,CLOUDNEST,,-120.00,"1,380.00"
        2026-03-09,"WIRE FEE \"\"URGENT\"\"",FEE-9,-15.00,"1,365.00"
        2026-03-11,ZETA,INV-7,"2,000.00","3,365.00"
        2026-03-12,INTEREST,,0.42,"3,365.42"
    """,
    )
    draft = root / "ledger" / "drafts.beancount"
    ledger_before = (root / "ledger" / "main.beancount").read_text()
    result = reconcile(root, path, "--draft", str(draft))
    assert result.exit_code == 1
    assert "wrote 2 draft entries" in result.stderr
    assert (root / "ledger" / "main.beancount").read_text() == ledger_before  # the ledger is never edited
    text = draft.read_text()
    assert len(re.findall(r"^2026-03-\d\d ! ", text, re.M)) == 2 and "open Expenses:Uncategorized" in text  # not opened in this ledger
    assert '  statement_ref: "FEE-9"\n  Assets:Bank:Operating  -15.00 USD\n  Expenses:Uncategorized\n' in text

    main = root / "ledger" / "with-drafts.beancount"
    main.write_text('include "main.beancount"\ninclude "drafts.beancount"\n')
    assert bean_check(main) == []

    # Once included, the drafts match their lines (by reference where there is one).
    (root / "ledger" / "main.beancount").write_text(ledger_before + '\ninclude "drafts.beancount"\n')
    again = root / "again.beancount"
    result = reconcile(root, path, "--output", "json", "--draft", str(again))
    assert result.json()["reconciled"] is True, result.stderr
    assert [m["by_reference"] for m in result.json()["matched"]] == [True, False, True, True, False]
    assert not again.exists() and "no draft written" in result.stderr


def test_draft_never_overwrites_without_force_nor_the_ledger(books: Callable[..., Path]) -> None:
    root = books(ledger=LEDGER, settings=SETTINGS)
    path = statement(root, "2026-03-09,WIRE FEE,FEE-9,-15.00,\n")
    draft = root / "drafts.beancount"
    draft.write_text("keep me\n")
    result = reconcile(root, path, "--draft", str(draft))
    assert result.exit_code == 2 and "already exists; pass --force" in result.stderr
    assert draft.read_text() == "keep me\n"
    assert reconcile(root, path, "--draft", str(draft), "--force").exit_code == 1
    assert "FEE-9" in draft.read_text()
    result = reconcile(root, path, "--draft", str(root / "ledger" / "main.beancount"), "--force")
    assert result.exit_code == 2 and "part of the books" in result.stderr
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".")) == []  # no temp files left


def test_write_atomic(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomic(target, "one\n")
    assert target.read_text() == "one\n"
    with pytest.raises(WriteError, match="already exists"):
        write_atomic(target, "two\n")
    write_atomic(target, "two\n", force=True)
    assert target.read_text() == "two\n"
    with pytest.raises(WriteError, match="does not exist"):
        write_atomic(tmp_path / "no" / "out.txt", "x")
    with pytest.raises(WriteError, match="is a folder"):
        write_atomic(tmp_path, "x", force=True)
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


# -- help and examples ----------------------------------------------------------------------


def test_help_ends_with_an_example() -> None:
    result = run_cli("reconcile", "bank", "--help")
    assert result.exit_code == 0
    assert result.output.rstrip().splitlines()[-1].strip() != ""
    assert "Example: acct-tool reconcile bank" in result.output
    for option in ("--account", "--statement-format", "--format", "--window", "--draft", "--force"):
        assert option in result.output


STATEMENTS = sorted((EXAMPLES / "ledger" / "statements").glob("*.csv")) if (EXAMPLES / "acct-tool.yaml").exists() else []


@pytest.mark.skipif(len(STATEMENTS) < 2, reason="examples/ has no statements yet")
@pytest.mark.parametrize("path", STATEMENTS, ids=lambda p: p.name)
def test_example_statements_reconcile(path: Path) -> None:
    result = run_cli("reconcile", "bank", str(path), books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.output + result.stderr
    assert result.stderr == ""
    assert "Reconciled: every line matched, closing balance agrees." in result.output


def test_reconcile_bank_engine_closing_balance_reads_newest_first_statements() -> None:
    entries = load_ledger_text(LEDGER)
    lines = [  # newest first, as some banks export
        StatementLine(2, D(2026, 3, 10), Decimal("2000.00"), "", "", Decimal("3380.00")),
        StatementLine(3, D(2026, 3, 5), Decimal("-120.00"), "", "", Decimal("1380.00")),
        StatementLine(4, D(2026, 3, 2), Decimal("500.00"), "", "", Decimal("1500.00")),
    ]
    result = reconcile_bank(account_postings(entries, BANK), BANK, "USD", lines, 3)
    assert result.reconciled and result.balance is not None
    assert (result.balance.row, result.balance.statement, result.balance.ledger) == (2, Decimal("3380.00"), Decimal("3380.00"))


def load_ledger_text(text: str) -> list[Any]:
    with tempfile.TemporaryDirectory() as folder:
        main = Path(folder) / "main.beancount"
        main.write_text(LEDGER_HEAD + text)
        ledger = load_ledger(main, Path(folder))
    assert ledger.diagnostics == []
    return ledger.entries
