"""Start-up: ``--version`` and ``--help`` load no ledger machinery, and a command imports
only what it needs (the command tree loads each command module when it is run).

What a run imported is read from ``sys.modules`` as a fresh interpreter running the
command line ends.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import EXAMPLES, EXAMPLES_AS_OF, REPO

from acct_tool import cli as cli_package
from acct_tool.cli import cli

#: Nothing that --version or --help need: Beancount, the template engine, YAML, the
#: loader and the engines, and the command modules themselves.
NOT_AT_START = (
    "beancount",
    "jinja2",
    "yaml",
    "ruamel",
    "acct_tool.engines",
    "acct_tool.books.ledger",
    "acct_tool.books.cache",
    "acct_tool.books.settings",
    "acct_tool.books.profiles",
    "acct_tool.checks",
    "acct_tool.render.reports",
    *(f"acct_tool.cli.{name}" for name in ("check", "receivables", "clients", "bank", "review", "init", "adopt")),
)


#: Runs the command line like ``python -m acct_tool`` and, as the process ends, writes the
#: names of every module it imported to the file named by the first argument.
PROGRAM = """
import atexit, json, sys
out = sys.argv.pop(1)
def dump():
    with open(out, "w") as f:
        json.dump(sorted(sys.modules), f)
atexit.register(dump)
sys.argv[0] = "acct-tool"
from acct_tool.cli import main
main()
"""


def imported(*args: str, tmp_path: Path, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``acct-tool ARGS`` in a fresh interpreter; the result and every module it imported."""
    out = tmp_path / "modules.json"
    out.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(out), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "ACCT_TOOL_NO_FAST_EXIT": "1", **(env or {})},  # so that the process ends through atexit
        timeout=120,
    )
    return done, set(json.loads(out.read_text()))


def heavy(modules: set[str], names: tuple[str, ...] = NOT_AT_START) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("-h",), ("reconcile", "--help")])
def test_version_and_help_import_no_ledger_machinery(args: tuple[str, ...], tmp_path: Path) -> None:
    done, modules = imported(*args, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "acct_tool.cli" in modules  # the listing is read right
    assert heavy(modules) == []


def test_help_lists_every_command_with_its_own_summary() -> None:
    done = subprocess.run([sys.executable, "-m", "acct_tool", "--help"], capture_output=True, text=True, cwd=REPO, timeout=120)
    ctx = click.Context(cli, info_name="acct-tool")
    assert done.returncode == 0
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        assert any(line.split()[:1] == [name] and command.get_short_help_str(45).split()[0] in line for line in done.stdout.splitlines())


def test_the_summaries_kept_for_help_are_the_commands_own() -> None:
    """The root group shows each command's summary without importing it: the kept text must be the command's."""
    for group in (cli, cli.commands["reconcile"]):
        assert isinstance(group, cli_package.LazyGroup)
        for name, summary in group.summaries.items():
            command = group.commands[name]
            assert command.short_help is None
            first = " ".join(inspect.cleandoc(command.help or "").split("\n\n")[0].split())
            assert summary == first, f"{name}: update its summary in acct_tool/cli/__init__.py"
            for limit in (20, 45, 80):
                assert cli_package.short_help(summary, limit) == command.get_short_help_str(limit)


def test_check_imports_only_what_it_needs(tmp_path: Path) -> None:
    done, modules = imported("--books", str(EXAMPLES), "--as-of", EXAMPLES_AS_OF, "--no-cache", "check", tmp_path=tmp_path)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert "acct_tool.cli.check" in modules and "beancount" in modules
    others = ("acct_tool.cli.clients", "acct_tool.cli.bank", "acct_tool.cli.review", "acct_tool.cli.adopt", "acct_tool.cli.init", "jinja2")
    assert heavy(modules, (*others, "acct_tool.engines.revenue", "acct_tool.render.reports")) == []
