"""Every command and group has help text that ends with an example, and the example parses.

Walks the Click command tree, so a new command is covered the day it is added.
"""

from __future__ import annotations

import re
import shlex

import click
import pytest
from click.testing import CliRunner

from acct_tool.cli import cli
from acct_tool.render.cli_doc import commands

ALL = commands(cli)
IDS = [path for path, _command, _help in ALL]


def last_paragraph(help_text: str) -> str:
    """The help's last paragraph, without Click's no-rewrap marker (``\\b``)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", help_text.strip()) if p.strip()]
    return paragraphs[-1].replace("\b", "").strip() if paragraphs else ""


def example_of(command: click.Command) -> str:
    """The example command line, joined when it is continued with a backslash."""
    text = last_paragraph(command.help or "").removeprefix("Example:").strip()
    return re.sub(r"\s*\\\n\s*", " ", text)


def parse_only(argv: list[str]) -> click.Command:
    """Parse ``acct-tool ARGV`` down to the command, as Click would, without running it."""
    ctx = cli.make_context("acct-tool", list(argv))
    command: click.Command = cli
    while isinstance(command, click.Group):
        rest = [*ctx._protected_args, *ctx.args]
        name, sub, rest = command.resolve_command(ctx, rest)
        assert sub is not None and name is not None
        ctx = sub.make_context(name, rest, parent=ctx)
        command = sub
    return command


def test_the_tree_has_every_command() -> None:
    for expected in ("acct-tool init", "acct-tool clients new", "acct-tool reconcile bank", "acct-tool check"):
        assert expected in IDS


@pytest.mark.parametrize(("path", "command", "help_text"), ALL, ids=IDS)
def test_has_help(path: str, command: click.Command, help_text: str) -> None:
    assert command.help and command.help.strip(), f"{path} has no help text"
    assert command.get_short_help_str(limit=200).strip(), f"{path} has no short help"
    assert len(command.help.strip().splitlines()[0]) > 20, f"{path}: the first line should say what the command does"


@pytest.mark.parametrize(("path", "command", "help_text"), ALL, ids=IDS)
def test_help_ends_with_an_example(path: str, command: click.Command, help_text: str) -> None:
    assert last_paragraph(command.help or "").startswith("Example: acct-tool"), f"{path}: the help must end with a line 'Example: acct-tool ...'"
    # and --help shows it (Click keeps the paragraph), as the last thing before the options
    assert "Example: acct-tool" in help_text


@pytest.mark.parametrize(("path", "command", "help_text"), ALL, ids=IDS)
def test_every_option_and_argument_is_described(path: str, command: click.Command, help_text: str) -> None:
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"{path} {param.opts[0]} has no help"


@pytest.mark.parametrize(("path", "command", "help_text"), ALL, ids=IDS)
def test_example_is_a_valid_command_line(path: str, command: click.Command, help_text: str) -> None:
    example = example_of(command)
    first = re.split(r"\s(?:&&|\|\||\||>|;)\s", example)[0]
    argv = shlex.split(first)
    assert argv[0] == "acct-tool"
    parsed = parse_only(argv[1:])
    if not isinstance(command, click.Group):
        assert parsed is command, f"{path}: the example runs {parsed.name}, not this command"
    else:
        assert path == "acct-tool" or path.split()[-1] in argv, f"{path}: the example does not use the group"


@pytest.mark.parametrize("path", IDS)
def test_help_option_prints_the_help(path: str) -> None:
    argv = path.split()[1:]
    for flag in ("--help", "-h"):
        result = CliRunner().invoke(cli, [*argv, flag])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"Usage: {' '.join(['cli', *argv])}") or result.output.startswith("Usage:")
        assert "Example: acct-tool" in result.output
