"""``--books``, ``--as-of`` and ``--no-cache`` work before the command and after it.

``acct-tool aging ar --as-of 2026-09-30`` is the same request as
``acct-tool --as-of 2026-09-30 aging ar``; given in both places, the one after the
command wins.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, EXAMPLES_AS_OF

from acct_tool.cli import cli
from acct_tool.render.cli_doc import commands

GLOBAL = ("--books", "--as-of", "--no-cache")
LEAVES = [(path, command) for path, command, _ in commands(cli) if not isinstance(command, click.Group)]


def invoke(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(argv), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_as_of_after_the_command_is_the_as_of_before_it() -> None:
    before = invoke("--books", str(EXAMPLES), "--as-of", "2026-09-30", "aging", "ar", "--by", "document")
    after = invoke("aging", "ar", "--by", "document", "--books", str(EXAMPLES), "--as-of", "2026-09-30")
    assert before == after
    assert before[0] == 0 and "as of 2026-09-30" in before[1]
    assert before != invoke("--books", str(EXAMPLES), "--as-of", EXAMPLES_AS_OF, "aging", "ar", "--by", "document")


def test_the_value_after_the_command_wins() -> None:
    late = invoke("--books", str(EXAMPLES), "--as-of", "2026-01-31", "open", "ar", "--format", "json", "--as-of", EXAMPLES_AS_OF)
    assert late == invoke("--books", str(EXAMPLES), "--as-of", EXAMPLES_AS_OF, "open", "ar", "--format", "json")


def test_books_after_the_command_and_over_the_environment(tmp_path: Path) -> None:
    elsewhere = tmp_path / "empty"
    elsewhere.mkdir()
    env = {"ACCT_TOOL_BOOKS": str(elsewhere)}
    code, _, _ = invoke("--as-of", EXAMPLES_AS_OF, "check", env=env)
    assert code != 0, "the environment's books (an empty folder) are not the examples"
    code, out, err = invoke("check", "--books", str(EXAMPLES), "--as-of", EXAMPLES_AS_OF, env=env)
    assert code == 0, err
    assert "0 errors" in out


def test_nested_commands_take_them_too() -> None:
    ar = invoke("reconcile", "ar", "--format", "json", "--books", str(EXAMPLES), "--as-of", EXAMPLES_AS_OF)
    assert ar == invoke("--books", str(EXAMPLES), "--as-of", EXAMPLES_AS_OF, "reconcile", "ar", "--format", "json")
    show = invoke("clients", "show", "harbor-logistics", "--as-of", EXAMPLES_AS_OF, "--books", str(EXAMPLES))
    assert show[0] == 0 and show == invoke("--books", str(EXAMPLES), "--as-of", EXAMPLES_AS_OF, "clients", "show", "harbor-logistics")


def test_no_cache_after_the_command_leaves_the_cache_alone(tmp_path: Path) -> None:
    books = tmp_path / "books"
    shutil.copytree(EXAMPLES, books)
    quiet, used = tmp_path / "quiet", tmp_path / "used"
    code, _, _ = invoke(
        "check", "--books", str(books), "--as-of", EXAMPLES_AS_OF, "--no-cache", env={"ACCT_TOOL_CACHE_DIR": str(quiet), "ACCT_TOOL_NO_CACHE": ""}
    )
    assert code == 0
    assert not quiet.exists() or not any(quiet.rglob("*"))
    code, _, _ = invoke("check", "--books", str(books), "--as-of", EXAMPLES_AS_OF, env={"ACCT_TOOL_CACHE_DIR": str(used), "ACCT_TOOL_NO_CACHE": ""})
    assert code == 0
    assert any(p.is_file() for p in used.rglob("*")), "without --no-cache the load is cached (else this test proves nothing)"


def test_a_bad_date_after_the_command_is_a_usage_error() -> None:
    code, _, err = invoke("aging", "ar", "--books", str(EXAMPLES), "--as-of", "2026-13-01")
    assert code == 2
    assert "--as-of" in err and "YYYY-MM-DD" in err


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[p for p, _ in LEAVES])
def test_every_command_lists_them_in_its_help(path: str, command: click.Command) -> None:
    code, out, _ = invoke(*path.split()[1:], "--help")
    assert code == 0
    for option in GLOBAL:
        assert option in out, f"{path} --help does not show {option}"


def test_the_installed_command_line_takes_them_after_the_command(tmp_path: Path) -> None:
    env = {**os.environ, "ACCT_TOOL_BOOKS": ""}
    env.pop("ACCT_TOOL_BOOKS")
    result = subprocess.run(
        [sys.executable, "-m", "acct_tool", "aging", "ar", "--books", str(EXAMPLES), "--as-of", "2026-09-30", "--no-cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "as of 2026-09-30" in result.stdout
