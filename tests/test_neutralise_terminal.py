"""No control character from the books reaches a terminal: each is shown as an escape.

ESC starts sequences that clear the screen (``ESC [2J``), set the window title or hide a
link (``ESC ]8;;URL BEL``); a profile key, a profile value, a narration or a bank
description can hold them. Every text output shows C0 and C1 control characters and DEL
as Python-style escapes (``\\x1b``, ``\\x07``, ``\\x9b``, ``\\n``); JSON escapes them as
``\\u001b``; the newlines that make up the output's own lines stay.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Result

from acct_tool.cli import cli
from acct_tool.diagnostics import Diagnostic, Severity
from acct_tool.render import diagnostics as diagnostics_view
from acct_tool.render.table import render, to_csv, to_json
from acct_tool.render.text_safety import csv_cell, visible, visible_lines

Books = Callable[..., Path]

OSC_LINK = "\x1b]8;;http://x\x07click\x1b]8;;\x07"
#: Any control character a terminal would act on: C0 but newline, DEL, C1.
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
AS_OF = "2026-11-30"


def run_cli(*args: str, books: Path, as_of: str) -> Result:
    """The CLI as on a terminal: Click strips some escapes from output that is not one."""
    result = CliRunner().invoke(cli, ["--books", str(books), "--as-of", as_of, *args], color=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return Result(result.exit_code, result.stdout, result.stderr)


# --- the escapes ------------------------------------------------------------------------------


def test_visible_escapes_c0_del_and_c1() -> None:
    assert visible(OSC_LINK) == "\\x1b]8;;http://x\\x07click\\x1b]8;;\\x07"
    assert visible("a\nb\tc\rd\x00e\x7ff\x9bg") == "a\\nb\\tc\\rd\\x00e\\x7ff\\x9bg"
    assert visible("Café Müller — 東京 ½") == "Café Müller — 東京 ½"


def test_visible_lines_keeps_the_newlines_only() -> None:
    assert visible_lines("one\x1b[2J\ntwo\r\n") == "one\\x1b[2J\ntwo\\r\n"


def test_escaping_twice_changes_nothing() -> None:
    once = visible(OSC_LINK + "\n\x9b")
    assert visible(once) == once and visible_lines(once) == once


def test_table_cells_are_escaped() -> None:
    text = render(["name"], [["ACME\x1b[2J\nInc"]])
    assert not CONTROL.search(text)
    assert text.splitlines()[2] == "ACME\\x1b[2J\\nInc"


def test_diagnostics_text_escapes_every_field() -> None:
    d = Diagnostic(Severity.ERROR, "unknown-key", f"unknown key '{OSC_LINK}'", "clients/a\x1b[2J.yaml", 3, 1, hint="did you mean\n'x\x07'?")
    text = diagnostics_view.to_text([d])
    assert not CONTROL.search(text)
    first = text.splitlines()[0]
    assert first == "clients/a\\x1b[2J.yaml:3:1: error unknown-key unknown key '\\x1b]8;;http://x\\x07click\\x1b]8;;\\x07'"
    assert text.splitlines()[1] == "    hint: did you mean\\n'x\\x07'?"


def test_a_multi_line_message_still_continues_indented() -> None:
    d = Diagnostic(Severity.ERROR, "ledger-validation", "first\nsecond\x1b[2J", "ledger/main.beancount", 4)
    assert diagnostics_view.to_text([d]).splitlines()[:2] == ["ledger/main.beancount:4: error ledger-validation first", "    second\\x1b[2J"]


def test_github_annotations_escape_control_characters(tmp_path: Path) -> None:
    d = Diagnostic(Severity.WARNING, "unknown-key", f"unknown key '{OSC_LINK}'\nmore", "clients/a\x1b.yaml", 3, 1, hint="h\x9b")
    text = diagnostics_view.to_github([d], tmp_path, cwd=tmp_path)
    assert not CONTROL.search(text)
    assert (
        text == "::warning file=clients/a\\x1b.yaml,line=3,col=1,title=unknown-key::unknown key '\\x1b]8;;http://x\\x07click\\x1b]8;;\\x07'%0Amore (h\\x9b)\n"
    )


def test_json_escapes_del_and_c1_too_and_keeps_the_value() -> None:
    value = {"name": "a\x1b[2J\x07\x7f\x9b2J\u0085"}
    assert json.loads(to_json(value)) == value
    [d] = json.loads(diagnostics_view.to_json([Diagnostic(Severity.ERROR, "c", value["name"], "f")]))
    assert d["message"] == value["name"]
    for text in (to_json(value), diagnostics_view.to_json([Diagnostic(Severity.ERROR, "c", value["name"], "f")])):
        assert not CONTROL.search(text)


def test_csv_cells_escape_control_characters_but_tabs_and_newlines() -> None:
    assert csv_cell("a\x1b[2Jb\tc\nd\re") == "a\\x1b[2Jb\tc\nd\\re"
    assert csv_cell("\r=1+2") == "\\r=1+2"
    assert csv_cell("\t=1+2") == "'\t=1+2"
    assert csv_cell(Decimal("-12.50")) == "-12.50"
    assert not CONTROL.search(to_csv(["x"], [["a\x9b\x07"]]).replace("\t", ""))


# --- through the commands ---------------------------------------------------------------------

ESC_NAME = "ACME \\e]8;;http://x\\aManufacturing\\e]8;;\\a \\x9b2J"

PROFILE = f"""\
id: acme
name: "{ESC_NAME}"
kind: client
status: active
tier: key
manager: lan
accounts: {{receivable: Assets:Receivable:Acme}}
contacts:
  - {{name: "Mai \\e[2JTran", role: CFO, email: mai@acme.example, decision_maker: true}}
interactions:
  - date: 2026-11-01
    channel: call
    with: "Mai \\e[2JTran"
    summary: "Pricing \\e[2Jcall"
    next_step: {{action: "Send \\e]0;pwned\\athe quote", due: 2026-11-20}}
"""

LEDGER = """\
2025-01-01 open Assets:Receivable:Acme USD

2026-09-01 * "ACME" "web\x1b[2J work"
  invoice: "INV\x1b[2J-1"
  due: 2026-10-01
  Assets:Receivable:Acme     1000.00 USD
  Income:Services
"""

CHECKED = """\
"\\e]8;;http://x\\aclick\\e]8;;\\a": 1
"\\x9b2J": 2
"""


@pytest.fixture
def hostile(books: Books) -> Path:
    root = books(
        ledger=LEDGER,
        profiles={"acme": PROFILE},
        settings="statements:\n  formats:\n    plain: {date: Date, amount: Amount, description: Description}\n",
    )
    (root / "oct.csv").write_bytes(b"Date,Description,Amount\n2026-10-01,PAY\x1b]0;pwned\x07MENT,-12.50\n")
    return root


def test_check_text_shows_an_escape_in_a_profile_key_not_the_byte(books: Books) -> None:
    root = books(profiles={"acme": PROFILE.replace("accounts: {receivable: Assets:Receivable:Acme}\n", "") + CHECKED})
    result = run_cli("check", books=root, as_of=AS_OF)
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output and "\x9b" not in result.output
    assert "unknown key '\\x1b]8;;http://x\\x07click\\x1b]8;;\\x07'" in result.output
    assert "unknown key '\\x9b2J'" in result.output


def test_check_github_shows_an_escape_not_the_byte(books: Books) -> None:
    root = books(profiles={"acme": PROFILE.replace("accounts: {receivable: Assets:Receivable:Acme}\n", "") + CHECKED})
    result = run_cli("check", "--format", "github", books=root, as_of=AS_OF)
    assert not CONTROL.search(result.output)
    assert "\\x1b]8;;http://x\\x07click" in result.output


BANK = ["reconcile", "bank", "{books}/oct.csv", "--account", "Assets:Bank:Operating", "--statement-format", "plain"]

#: Every output a command prints from the books: text, and JSON and CSV where it has them.
OUTPUTS = [
    *(
        [*args, *extra]
        for args in (["clients", "list"], ["followups", "--within", "30"], ["portfolio"], ["open", "ar"], ["aging", "ar"],
                     ["aging", "ar", "--by", "document"], ["dso", "ar"], ["reconcile", "ar"], ["statement", "acme", "--from", "2026-09-01"])
        for extra in ([], ["--format", "json"], ["--format", "csv"])
    ),
    ["clients", "show", "acme"],
    ["clients", "show", "acme", "--format", "json"],
    ["statement", "acme", "--from", "2026-09-01", "--format", "md"],
    ["review", "acme"],
    BANK,
    [*BANK, "--output", "json"],
    [*BANK, "--output", "csv"],
]  # fmt: skip


@pytest.mark.parametrize("args", OUTPUTS, ids=" ".join)
def test_no_control_character_reaches_the_terminal(hostile: Path, args: list[str]) -> None:
    result = run_cli(*(a.replace("{books}", str(hostile)) for a in args), books=hostile, as_of=AS_OF)
    assert result.exit_code in (0, 1), result.stderr
    assert result.output.strip()
    for stream in (result.output, result.stderr):
        found = CONTROL.search(stream.replace("\t", "") if "csv" in args else stream)
        assert found is None, f"{found.group()!r} at {found.start()}: {stream[max(found.start() - 40, 0) : found.start() + 40]!r}"


def test_the_escapes_show_where_the_text_was(hostile: Path) -> None:
    listed = run_cli("clients", "list", books=hostile, as_of=AS_OF).output
    assert "ACME \\x1b]8;;http" in listed
    shown = run_cli("clients", "show", "acme", books=hostile, as_of=AS_OF).output
    assert shown.startswith("ACME \\x1b]8;;http://x\\x07Manufacturing\\x1b]8;;\\x07 \\x9b2J (acme)\n")
    bank = run_cli(
        "reconcile", "bank", str(hostile / "oct.csv"), "--account", "Assets:Bank:Operating", "--statement-format", "plain", books=hostile, as_of=AS_OF
    )
    assert "PAY\\x1b]0;pwned\\x07MENT" in bank.output
