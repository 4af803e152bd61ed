"""Progress: a load shows what it is doing on a terminal's stderr, on one line that is
erased when it ends; nothing on a pipe, and nothing with a format read by programs."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, EXAMPLES_AS_OF, REPO

from acct_tool.cli.common import Status

LOADING, DRAWING = "loading ledger: parsing…", "drawing facts…"
#: What the line shows at the end: blanks over the last step, the cursor back at its start.
ERASE = "\r" + " " * len(DRAWING) + "\r"


def _run(*args: str, tty: bool, tmp_path: Path) -> tuple[int, str, str]:
    """Run ``acct-tool`` with stderr on a pseudo-terminal (or a pipe); exit code, stdout, stderr."""
    env = {**os.environ, "ACCT_TOOL_STATUS_DELAY": "0", "ACCT_TOOL_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "acct_tool", "--books", str(EXAMPLES), "--as-of", EXAMPLES_AS_OF, "--no-cache", *args]
    if not tty:
        done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
        return done.returncode, done.stdout, done.stderr
    master, slave = pty.openpty()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, cwd=REPO, env=env) as child:
        os.close(slave)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            shown += chunk
        assert child.stdout is not None
        out = child.stdout.read().decode()
        code = child.wait(timeout=120)
    os.close(master)
    return code, out, shown.decode(errors="replace")


def test_a_terminal_shows_the_load_and_erases_it(tmp_path: Path) -> None:
    code, out, err = _run("check", tty=True, tmp_path=tmp_path)
    assert code in (0, 1)
    assert err.startswith(f"\r{LOADING}")
    assert f"\r{DRAWING}" in err
    assert err.endswith(ERASE)  # the line is erased when the load ends
    assert "loading ledger" not in out and "\r" not in out


def test_a_pipe_shows_nothing(tmp_path: Path) -> None:
    code, _out, err = _run("check", tty=False, tmp_path=tmp_path)
    assert code in (0, 1)
    assert "loading ledger" not in err and "\r" not in err


@pytest.mark.parametrize("fmt", ["json", "github"])
def test_a_format_for_programs_shows_nothing(tmp_path: Path, fmt: str) -> None:
    code, out, err = _run("check", "--format", fmt, tty=True, tmp_path=tmp_path)
    assert code in (0, 1) and out
    assert "loading ledger" not in err and "\r" not in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_quick_load_shows_nothing() -> None:
    screen = _Terminal()
    status = Status(screen, delay=60)
    status(LOADING)
    status.close()
    assert screen.getvalue() == ""


def test_the_line_shows_the_latest_step_and_is_erased() -> None:
    screen = _Terminal()
    status = Status(screen, delay=0)
    status(LOADING)
    status._timer.join()
    status(DRAWING)
    status.close()
    status("after the end")  # nothing shows once closed
    padding = " " * (len(LOADING) - len(DRAWING))
    assert screen.getvalue() == f"\r{LOADING}\r{DRAWING}{padding}\r{' ' * len(DRAWING)}\r"
