"""The cache is written once, after the command's output is flushed -- by a child the
command leaves behind, so that the command has returned before the write begins.

The answer shows first; the cache write follows, on exit 0 and on exit 1 (findings)
alike, and never when the command crashed or the user interrupted it.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES_AS_OF, REPO

from acct_tool.books import aside
from acct_tool.cli import check as check_command
from acct_tool.cli import cli

#: Runs the real entry point with the ledger-facts writer waiting, before it writes, for a
#: byte on the descriptor ``GATE_FD`` names: the test decides when the write may happen.
#: With ``REACHED_FD``, a byte is written there when the command finds another command's
#: cache writes going on and waits for them; a load of the ledger is announced on stderr.
PROGRAM = textwrap.dedent(
    """
    import os, sys
    from acct_tool.books import cache, cache_lock, ledger
    real = cache.save_facts
    def gated(*args):
        os.read(int(os.environ["GATE_FD"]), 1)
        real(*args)
    if "GATE_FD" in os.environ:
        cache.save_facts = gated
    real_wait = cache_lock.wait_for_writers
    def reached():  # tells when it finds another command's writes to wait for
        real_wait(waiting=lambda: os.write(int(os.environ["REACHED_FD"]), b"1"))
    if "REACHED_FD" in os.environ:
        cache_lock.wait_for_writers = reached
    real_load = ledger.load_entries
    def loading(*args, **kwargs):
        sys.stderr.write("<ledger loaded>\\n")
        return real_load(*args, **kwargs)
    ledger.load_entries = loading
    from acct_tool.cli import main
    sys.argv = ["acct-tool", *sys.argv[1:]]
    main()
    """
)

needs_fork = pytest.mark.skipif(not hasattr(os, "fork") or not aside.enabled(), reason="the writes run in the command itself here")


class Run:
    """The command run to its end, its cache write held back until :meth:`let_write`."""

    def __init__(self, books: Path, cache_dir: Path, *args: str) -> None:
        gate_read, self._gate = os.pipe()
        self._done, done_write = os.pipe()  # at its end once every process holding it has ended
        env = {**os.environ, "ACCT_TOOL_CACHE_DIR": str(cache_dir), "GATE_FD": str(gate_read)}
        env.pop("ACCT_TOOL_NO_CACHE", None)
        command = [sys.executable, "-c", PROGRAM, "--books", str(books), "--as-of", EXAMPLES_AS_OF, *args]
        try:  # a write made before the command returns would wait for the gate forever: a timeout
            self.finished = subprocess.run(
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO, env=env, timeout=60, pass_fds=(gate_read, done_write)
            )
        finally:
            os.close(gate_read)
            os.close(done_write)

    def let_write(self) -> None:
        """Open the gate, then wait for the processes the command left to end."""
        os.write(self._gate, b"1")
        os.close(self._gate)
        while True:
            ready, _, _ = select.select([self._done], [], [], 60)
            assert ready, "the cache writer did not end"
            if not os.read(self._done, 1024):
                break
        os.close(self._done)


LOADED = "<ledger loaded>"


def _ledger_caches(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("ledger-*"))


@needs_fork
@pytest.mark.parametrize("args", [("check", "--format", "json"), ("aging", "ar"), ("followups",)])
def test_the_command_returns_before_the_cache_is_written(examples_copy: Path, tmp_path: Path, args: tuple[str, ...]) -> None:
    run = Run(examples_copy, tmp_path / "cache", *args)
    assert run.finished.returncode in (0, 1), run.finished.stdout
    assert run.finished.stdout.strip(), "nothing was printed"
    assert _ledger_caches(tmp_path / "cache") == []  # the write waits behind the gate, the command has returned
    run.let_write()
    assert len(_ledger_caches(tmp_path / "cache")) == 1


@needs_fork
def test_findings_still_write_the_cache(examples_copy: Path, tmp_path: Path) -> None:
    profile = examples_copy / "clients" / "acme.yaml"
    profile.write_text(profile.read_text() + "unknown_key: 1\n")
    run = Run(examples_copy, tmp_path / "cache", "check")
    assert run.finished.returncode == 1 and "unknown_key" in run.finished.stdout
    run.let_write()
    assert len(_ledger_caches(tmp_path / "cache")) == 1


@needs_fork
def test_a_command_run_while_the_last_one_writes_the_cache_waits_for_it_and_is_served_by_it(examples_copy: Path, tmp_path: Path) -> None:
    """``acct-tool check && acct-tool aging ar`` in a script: the second starts while the
    first one's cache is being written, and must not load the ledger again for lack of it."""
    first = Run(examples_copy, tmp_path / "cache", "check", "--format", "json")
    assert first.finished.returncode in (0, 1) and LOADED in first.finished.stdout
    reached, reached_write = os.pipe()
    env = {**os.environ, "ACCT_TOOL_CACHE_DIR": str(tmp_path / "cache"), "REACHED_FD": str(reached_write)}
    env.pop("ACCT_TOOL_NO_CACHE", None)
    command = [sys.executable, "-c", PROGRAM, "--books", str(examples_copy), "--as-of", EXAMPLES_AS_OF, "check", "--format", "json"]
    try:
        second = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO, env=env, pass_fds=(reached_write,))
    finally:
        os.close(reached_write)
    try:
        ready, _, _ = select.select([reached], [], [], 60)
        assert ready and os.read(reached, 1) == b"1", "the second command did not wait for the first one's writes"
    finally:
        os.close(reached)
    first.let_write()  # only now is the first command's cache written
    out, _ = second.communicate(timeout=60)
    assert second.returncode == first.finished.returncode
    assert LOADED not in out, "the second command loaded the ledger instead of waiting for the cache"
    assert out == first.finished.stdout.replace(LOADED + "\n", "")


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
