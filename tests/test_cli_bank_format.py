"""``reconcile bank`` takes ``--format text|json|csv`` like every other command.

The statement's CSV layout is ``--statement-format NAME``; ``--output`` is still
accepted, as a hidden alias of ``--format``, so existing scripts keep working.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
from conftest import EXAMPLES, EXAMPLES_AS_OF, REPO, run_cli

from acct_tool.cli import cli
from acct_tool.render.cli_doc import commands

STATEMENT = EXAMPLES / "ledger" / "statements" / "northbank-2026-10.csv"
BANK = ["reconcile", "bank"]


def bank(*args: str) -> tuple[int, str, str]:
    result = run_cli(*BANK, *args, books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    return result.exit_code, result.output, result.stderr


def test_format_picks_the_output() -> None:
    code, out, _ = bank(str(STATEMENT), "--format", "json")
    assert code in (0, 1)
    doc = json.loads(out)
    assert doc["account"] == "Assets:Bank:Operating"
    code_csv, out_csv, _ = bank(str(STATEMENT), "--format", "csv")
    assert code_csv == code and out_csv.splitlines()[0].count(",") >= 3
    assert bank(str(STATEMENT), "--format", "text")[1] == bank(str(STATEMENT))[1]


def test_output_is_a_hidden_alias_of_format() -> None:
    for fmt in ("json", "csv", "text"):
        assert bank(str(STATEMENT), "--output", fmt) == bank(str(STATEMENT), "--format", fmt)
    assert bank(str(STATEMENT), "--output", "json", "--format", "json") == bank(str(STATEMENT), "--format", "json")
    code, _, err = bank(str(STATEMENT), "--output", "json", "--format", "csv")
    assert code == 2 and "--output" in err and "--format" in err
    [command] = [c for p, c, _ in commands(cli) if p == "acct-tool reconcile bank"]
    [output] = [p for p in command.params if isinstance(p, click.Option) and "--output" in p.opts]
    assert output.hidden
    assert "--output" not in run_cli(*BANK, "--help").output


def test_statement_format_names_the_csv_layout(tmp_path: Path) -> None:
    elsewhere = tmp_path / "october.csv"  # outside the books: no `statements.files` entry matches
    shutil.copy(STATEMENT, elsewhere)
    code, _, err = bank(str(elsewhere))
    assert code == 2 and "pass --statement-format NAME and --account ACCOUNT" in err
    matched = bank(str(elsewhere), "--statement-format", "northbank", "--account", "Assets:Bank:Operating", "--format", "json")
    assert matched[0] in (0, 1) and json.loads(matched[1])["account"] == "Assets:Bank:Operating"
    code, _, err = bank(str(elsewhere), "--statement-format", "northbnk", "--account", "Assets:Bank:Operating")
    assert code == 2 and "did you mean 'northbank'?" in err


def test_a_statement_layout_given_to_format_is_a_usage_error() -> None:
    code, _, err = bank(str(STATEMENT), "--format", "northbank")
    assert code == 2
    assert "--statement-format" in err


def test_help_and_docs_show_the_new_names() -> None:
    help_text = run_cli(*BANK, "--help").output
    assert "--format [text|json|csv]" in help_text
    assert "--statement-format NAME" in help_text
    usage = (REPO / "docs" / "bank.md").read_text(encoding="utf-8")
    assert "[--statement-format NAME]" in usage and "[--format text|json|csv]" in usage
    assert "--output" not in usage.replace("`--output` is", "")
