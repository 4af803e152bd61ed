"""Terminal manners: unknown names are usage errors with a suggestion, tables fit the
terminal without cutting a figure, and the shell completes names from the books."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

from acct_tool.cli import cli

EX = ["--books", str(EXAMPLES), "--as-of", EXAMPLES_AS_OF]


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["followups", "--manager", "nobody"], "known: "),
        (["followups", "--manager", "tomm"], "did you mean 'tom'?"),
        (["portfolio", "--manager", "lann"], "did you mean 'lan'?"),
        (["clients", "list", "--manager", "priy"], "did you mean 'priya'?"),
        (["review", "--manager", "lna", "--format", "json"], "did you mean 'lan'?"),
        (["clients", "show", "acmee"], "did you mean 'acme'?"),
        (["open", "ar", "--party", "acm"], "did you mean 'acme'?"),
        (["statement", "harbor"], "did you mean 'harbor-logistics'?"),
        (["dunning", "vertex", "--format", "md"], "did you mean 'vertex-retail'?"),
        (["review", "meridan", "--format", "json"], "did you mean 'meridian'?"),
        (["log", "acmee", "--channel", "call", "--summary", "x"], "did you mean 'acme'?"),
        (["clients", "list", "--kind", "bothh"], "bothh"),
    ],
)
def test_unknown_names_are_usage_errors_with_a_suggestion(args: list[str], hint: str) -> None:
    result = run_cli(*args, books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2, result.output
    assert hint in result.stderr
    assert result.output == ""


def test_kind_help_says_what_each_value_lists() -> None:
    text = run_cli("clients", "list", "--help").output
    assert "client: clients and parties of kind both" in " ".join(text.split())
    rows = {
        k: {r["id"] for r in run_cli("clients", "list", "--kind", k, "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).json()["clients"]}
        for k in ("client", "vendor", "both")
    }
    assert rows["both"] <= rows["client"] and rows["both"] <= rows["vendor"]


def run_at(width: str, *args: str) -> str:
    result = CliRunner(env={"COLUMNS": width}).invoke(cli, [*EX, *args])
    assert result.exit_code in (0, 1), result.output
    return result.stdout


AMOUNT = re.compile(r"-?\d{1,3}(?:,\d{3})*\.\d{2}")


COMMANDS = [["followups"], ["clients", "list"], ["open", "ar"], ["aging", "ar", "--by", "document"], ["portfolio"], ["statement", "acme"]]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_tables_fit_80_columns_and_keep_every_figure(args: list[str]) -> None:
    wide = run_at("1000", *args)
    narrow = run_at("80", *args)
    long = [line for line in narrow.splitlines() if len(line) > 80]
    assert long == []
    assert sorted(AMOUNT.findall(narrow)) == sorted(AMOUNT.findall(wide))


def test_open_amounts_in_a_narrow_table_are_the_json_ones() -> None:
    narrow = run_at("80", "open", "ar")
    data = json.loads(run_at("80", "open", "ar", "--format", "json"))
    opened = {f"{n:,.2f}" for n in (Decimal(d["open"]["number"]) for d in data["documents"])}
    assert opened and opened <= set(AMOUNT.findall(narrow))


def test_a_pipe_without_columns_gets_whole_lines() -> None:
    result = CliRunner().invoke(cli, [*EX, "followups"], env={"COLUMNS": ""})
    assert any(len(line) > 80 for line in result.stdout.splitlines())


def test_followup_actions_wrap_and_names_are_cut_with_an_ellipsis() -> None:
    narrow = run_at("80", "followups")
    assert "Send payment plan proposal and book exec sponsor call" in " ".join(narrow.split())
    clients = run_at("60", "clients", "list")
    assert "…" in clients
    assert max(len(line) for line in clients.splitlines()) <= 60


def test_csv_and_json_are_never_cut() -> None:
    assert run_at("40", "followups", "--format", "csv") == run_at("1000", "followups", "--format", "csv")
    assert run_at("40", "clients", "list", "--format", "json") == run_at("1000", "clients", "list", "--format", "json")


def complete(args: str, incomplete: str, books: Path | None = EXAMPLES) -> list[str]:
    env = {"_ACCT_TOOL_COMPLETE": "bash_complete", "COMP_WORDS": f"acct-tool {args} {incomplete}", "COMP_CWORD": str(len(args.split()) + 1)}
    env["ACCT_TOOL_BOOKS"] = str(books) if books else ""
    result = CliRunner(env=env).invoke(cli, [], prog_name="acct-tool")
    assert result.exit_code == 0, result.output
    return [line.partition(",")[2] for line in result.output.splitlines() if line]  # bash_complete: "type,value" lines


def test_completion_of_party_ids_and_managers() -> None:
    assert complete("clients show", "har") == ["harbor-logistics"]
    assert complete("done", "ac") == ["acme"]
    assert "vertex-retail" in complete("open ar --party", "v")
    assert complete("followups --manager", "") == ["lan", "priya", "tom"]
    assert complete(f"--books {EXAMPLES} portfolio --manager", "p") == ["priya"]
    assert set(complete("dunning acme", "m")) == {"meridian"}


def test_completion_without_books_returns_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert complete("clients show", "a", books=None) == []
    assert complete("followups --manager", "", books=None) == []
    assert complete("done", "", books=tmp_path / "missing") == []


def test_completion_of_statement_files(tmp_path: Path) -> None:
    books = tmp_path / "books"
    (books / "bank").mkdir(parents=True)
    (books / "acct-tool.yaml").write_text("statements:\n  files:\n    - {match: 'bank/*.csv', account: Assets:Bank:Operating}\n")
    (books / "bank" / "2026-10.csv").write_text("")
    (books / "bank" / "notes.txt").write_text("")
    found = complete("reconcile bank", "", books=books)
    assert [Path(f).resolve() for f in found] == [(books / "bank" / "2026-10.csv").resolve()]
