"""Text on the command line must be UTF-8: bytes that are not are a usage error, never a traceback.

Python hands such bytes over as lone surrogates (``b'\\xff'`` -> ``'\\udcff'``),
which cannot be written to a UTF-8 profile or report. Every free-text option and
argument of the commands is checked by one parameter type.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import EXAMPLES_AS_OF, REPO, run_cli

from acct_tool.cli import cli
from acct_tool.cli.common import TEXT

BAD = "Z\udcffen"  # what Python makes of the bytes b"Z\xffen" in argv


@pytest.mark.parametrize(
    "args",
    [
        ["clients", "new", "zenith", "--name", BAD],
        ["clients", "new", "zenith", "--name", "Zenith", "--manager", BAD],
        ["log", "acme", "--channel", "call", "--summary", BAD],
        ["log", "acme", "--channel", "call", "--summary", "ok", "--with", BAD],
        ["log", "acme", "--channel", "call", "--summary", "ok", "--next", BAD, "--due", "2026-12-10"],
        ["log", "acme", "--channel", "call", "--summary", "ok", "--by", BAD],
        ["clients", "show", BAD],
        ["review", BAD],
        ["open", "ar", "--party", BAD],
    ],
    ids=["new-name", "new-manager", "log-summary", "log-with", "log-next", "log-by", "show-id", "review-id", "open-party"],
)
def test_text_that_is_not_utf8_is_a_usage_error(examples_copy: Path, args: list[str]) -> None:
    before = {p: p.read_bytes() for p in sorted((examples_copy / "clients").iterdir())}
    result = run_cli(*args, books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2, result.output + result.stderr
    assert "is not UTF-8 text" in result.stderr and "Z\\xffen" in result.stderr
    assert {p: p.read_bytes() for p in sorted((examples_copy / "clients").iterdir())} == before


def test_through_the_real_entry_point(examples_copy: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("ACCT_TOOL_BOOKS", None)
    argv = [os.fsencode(sys.executable), b"-m", b"acct_tool", b"--books", os.fsencode(examples_copy), b"--as-of", EXAMPLES_AS_OF.encode(),
            b"clients", b"new", b"zenith", b"--name", b"Z\xffen"]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, env=env, timeout=60)
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2, stderr
    assert "Traceback" not in stderr and "is not UTF-8 text" in stderr and "--name" in stderr
    assert not (examples_copy / "clients" / "zenith.yaml").exists()


def test_every_free_text_parameter_is_checked() -> None:
    """A plain string option or argument of a command would let such bytes through."""

    def walk(command: click.Command, path: str) -> list[str]:
        found = [f"{path} {p.name}" for p in command.params if p.type is click.STRING and p.callback is None] if path else []  # dates have callbacks
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                found += walk(sub, f"{path} {name}".strip())
        return found

    assert walk(cli, "") == []
    assert TEXT.name == click.STRING.name  # shown as TEXT in help, like a plain string
