"""The cache is written once, after the command's output is flushed.

The answer shows first; the cache write follows, on exit 0 and on exit 1 (findings)
alike, and never when the command crashed or the user interrupted it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES_AS_OF, REPO

from acct_tool.cli import check as check_command
from acct_tool.cli import cli

MARK = "<cache written>"

#: Runs the real entry point with the ledger-facts writer announcing itself on stderr,
#: which shares one pipe with stdout: the order of the two in it is the order of events.
PROGRAM = textwrap.dedent(
    f"""
    import sys
    from acct_tool.books import cache
    real = cache.save_facts
    def announced(*args):
        sys.stderr.write({MARK!r} + "\\n")
        sys.stderr.flush()
        real(*args)
    cache.save_facts = announced
    from acct_tool.cli import main
    sys.argv = ["acct-tool", *sys.argv[1:]]
    main()
    """
)


def _run(books: Path, cache_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ACCT_TOOL_CACHE_DIR": str(cache_dir)}
    env.pop("ACCT_TOOL_NO_CACHE", None)
    command = [sys.executable, "-c", PROGRAM, "--books", str(books), "--as-of", EXAMPLES_AS_OF, *args]
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO, env=env, timeout=120)


@pytest.mark.parametrize("args", [("check", "--format", "json"), ("aging", "ar"), ("followups",)])
def test_the_output_comes_before_the_cache_write(examples_copy: Path, tmp_path: Path, args: tuple[str, ...]) -> None:
    done = _run(examples_copy, tmp_path / "cache", *args)
    assert done.returncode in (0, 1), done.stdout
    assert done.stdout.count(MARK) == 1
    before, _, after = done.stdout.partition(MARK)
    assert before.strip(), "nothing was printed before the cache was written"
    assert not after.strip(), f"output after the cache write: {after!r}"


def test_findings_still_write_the_cache(examples_copy: Path, tmp_path: Path) -> None:
    profile = examples_copy / "clients" / "acme.yaml"
    profile.write_text(profile.read_text() + "unknown_key: 1\n")
    done = _run(examples_copy, tmp_path / "cache", "check")
    assert done.returncode == 1
    assert done.stdout.rstrip().endswith(MARK)
    assert [p.name for p in (tmp_path / "cache").glob("ledger-*")]


def _cache_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("error", [RuntimeError("a bug"), KeyboardInterrupt()])
def test_a_crashed_or_interrupted_command_writes_no_cache(examples_copy: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    def failing(*_args: object) -> object:
        raise error

    monkeypatch.setattr(check_command, "findings", failing)
    args = ["--books", str(examples_copy), "--as-of", EXAMPLES_AS_OF, "check"]
    result = CliRunner().invoke(cli, args, standalone_mode=False)
    assert isinstance(result.exception, (type(error), click.exceptions.Abort))
    assert _cache_files(cache_dir) == []
