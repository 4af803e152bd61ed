"""Every table command prints JSON and CSV too, and no output carries terminal escapes.

A table command is one whose terminal output is a table: ``--format table|text``
plus ``json`` and ``csv``.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

from acct_tool.cli import cli
from acct_tool.render.cli_doc import commands

STATEMENT = "ledger/statements/northbank-2026-10.csv"

#: Every table command, with the arguments that make it print something, and its format option.
TABLES: dict[str, tuple[list[str], str]] = {
    "open": (["open", "ar"], "--format"),
    "aging": (["aging", "ar", "--by", "document"], "--format"),
    "dso": (["dso", "ar", "--by", "manager"], "--format"),
    "statement": (["statement", "oakridge-dental", "--from", "2026-01-01"], "--format"),
    "clients list": (["clients", "list"], "--format"),
    "followups": (["followups", "--within", "30"], "--format"),
    "portfolio": (["portfolio"], "--format"),
    "reconcile ar": (["reconcile", "ar"], "--format"),
    "reconcile ap": (["reconcile", "ap"], "--format"),
    "reconcile bank": (["reconcile", "bank", str(EXAMPLES / STATEMENT)], "--format"),
    "cash": (["cash"], "--format"),
    "pipeline": (["pipeline"], "--format"),
}

#: Commands with a --format that are not tables: a report, a detail page, diagnostics.
NOT_TABLES = {
    "acct-tool check",
    "acct-tool clients show",
    "acct-tool review",
    "acct-tool adopt",
    # documents a client receives (Markdown, HTML, PDF, e-mail drafts), not tables
    "acct-tool invoice",
    "acct-tool dunning",
    # financial statements: sections and subtotals, each with its own --format test in tests/test_financials.py
    "acct-tool financials trial",
    "acct-tool financials income",
    "acct-tool financials balance",
}


def format_choices(command: click.Command, option: str) -> list[str]:
    [param] = [p for p in command.params if isinstance(p, click.Option) and option in p.opts]
    assert isinstance(param.type, click.Choice)
    return [str(c) for c in param.type.choices]


def run(args: list[str], *extra: str) -> tuple[int, str]:
    result = run_cli(*args, *extra, books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, result.output


def test_every_command_with_a_format_option_is_listed_here() -> None:
    with_format = {path for path, command, _ in commands(cli) if any(isinstance(p, click.Option) and p.name in ("fmt", "output") for p in command.params)}
    assert with_format == {f"acct-tool {name}" for name in TABLES} | NOT_TABLES


@pytest.mark.parametrize("name", TABLES)
def test_table_command_offers_json_and_csv(name: str) -> None:
    path = ["acct-tool", *name.split()]
    [command] = [c for p, c, _ in commands(cli) if p == " ".join(path)]
    choices = format_choices(command, TABLES[name][1])
    assert {"json", "csv"} <= set(choices)
    assert choices[0] in ("table", "text"), "the terminal table stays the default"


@pytest.mark.parametrize("name", TABLES)
def test_json_output_parses_and_keeps_amounts_exact(name: str) -> None:
    args, option = TABLES[name]
    _, output = run(args, option, "json")
    data = json.loads(output, parse_float=Decimal)
    assert data
    assert "float" not in {type(v).__name__ for v in _leaves(data)}


@pytest.mark.parametrize("name", TABLES)
def test_csv_output_is_one_header_and_rows_of_the_same_width(name: str) -> None:
    args, option = TABLES[name]
    _, output = run(args, option, "csv")
    rows = list(csv.reader(io.StringIO(output)))
    assert len(rows) >= 2, output
    header = rows[0]
    assert all(h and h == h.strip() for h in header) and len(set(header)) == len(header)
    assert all(len(row) == len(header) for row in rows)


@pytest.mark.parametrize("name", TABLES)
def test_formats_agree_on_the_exit_code(name: str) -> None:
    args, option = TABLES[name]
    codes = {run(args, option, fmt)[0] for fmt in format_choices(_command(name), option)}
    assert len(codes) == 1


def _command(name: str) -> click.Command:
    [command] = [c for p, c, _ in commands(cli) if p == f"acct-tool {name}"]
    return command


def _leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


# --- the CSV added for reconcile ar|ap and statement -------------------------------------------


def test_reconcile_csv_has_one_row_per_party_and_currency() -> None:
    code, output = run(["reconcile", "ar"], "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(output)))
    assert code == 0
    assert list(rows[0]) == ["party", "account", "currency", "open_documents", "unapplied_credits", "ledger_balance", "difference", "ok"]
    quill = next(r for r in rows if r["party"] == "quill-ink")
    assert (quill["open_documents"], quill["unapplied_credits"], quill["ledger_balance"], quill["ok"]) == ("2800.00", "300.00", "2500.00", "true")
    as_json = json.loads(run(["reconcile", "ar"], "--format", "json")[1])
    assert len(rows) == len(as_json["ties"])


def test_reconcile_csv_keeps_stdout_to_the_table_and_reports_exceptions_on_stderr() -> None:
    result = run_cli("reconcile", "ar", "--format", "csv", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert "overpaid-document" not in result.output
    assert "overpaid-document" in result.stderr


def test_statement_csv_has_brought_forward_lines_and_closing_balance() -> None:
    _, output = run(["statement", "oakridge-dental", "--from", "2026-09-01"], "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(output)))
    assert list(rows[0]) == ["currency", "date", "kind", "reference", "description", "charge", "credit", "balance", "applies_to"]
    assert rows[0]["kind"] == "brought forward" and rows[0]["date"] == "2026-09-01"
    assert rows[-1]["kind"] == "closing balance" and rows[-1]["date"] == EXAMPLES_AS_OF
    data = json.loads(run(["statement", "oakridge-dental", "--from", "2026-09-01"], "--format", "json")[1])
    usd = data["currencies"]["USD"]
    assert [r["balance"] for r in rows[1:-1]] == [line["balance"]["number"] for line in usd["lines"]]
    assert rows[-1]["balance"] == usd["closing"]["number"]


# --- no colours ------------------------------------------------------------------------------------

ESCAPE = "\x1b"


def _every_invocation() -> list[list[str]]:
    # a PDF is bytes, not text for a terminal (it is never written to one)
    out = [args + [option, fmt] for name, (args, option) in TABLES.items() for fmt in format_choices(_command(name), option) if fmt != "pdf"]
    out += [["check"], ["clients", "show", "harbor-logistics"], ["review", "acme"], ["schema"], ["--help"], ["aging", "--help"]]
    return out


@pytest.mark.parametrize("args", _every_invocation(), ids=lambda a: " ".join(a).replace(str(EXAMPLES), "examples"))
def test_no_ansi_escapes_with_no_color_even_on_a_terminal(args: list[str]) -> None:
    # color=True makes Click behave as if stdout were a terminal (keep escapes);
    # with NO_COLOR set there must be none to keep.
    result = CliRunner().invoke(cli, ["--books", str(EXAMPLES), "--as-of", EXAMPLES_AS_OF, *args], env={"NO_COLOR": "1"}, color=True)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert ESCAPE not in result.stdout and ESCAPE not in result.stderr


@pytest.mark.parametrize("args", [["aging", "ar"], ["clients", "list"], ["check"], ["followups"]])
def test_no_ansi_escapes_when_not_a_terminal(args: list[str]) -> None:
    result = CliRunner().invoke(cli, ["--books", str(EXAMPLES), "--as-of", EXAMPLES_AS_OF, *args])
    assert ESCAPE not in result.stdout and ESCAPE not in result.stderr


def test_no_colour_calls_in_the_code() -> None:
    """acct-tool prints plain text; a colour added later must honour NO_COLOR and non-terminals."""
    package = Path(__file__).resolve().parent.parent / "acct_tool"
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        for needle in ("click.style(", "secho(", "\\x1b[", "\\033[", "colorama")
        if needle in path.read_text(encoding="utf-8")
    ]
    assert offenders == [], "colour output found: make it respect NO_COLOR and non-terminals, then update this test"
