"""After any command, ``git status`` in the books shows nothing new but what was asked for.

The examples are copied into a git repository and committed; every command
then runs inside it (as a user would, found by walking up from the working
directory), and git — counting ignored files too — must see no change, except
the one file a writing command was asked to write.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

STATEMENT = "ledger/statements/northbank-2026-10.csv"

#: Commands that only read; each runs in every format it offers where that matters.
READERS: list[list[str]] = [
    ["check"],
    ["check", "--format", "json"],
    ["check", "--format", "github"],
    ["schema", "party"],
    ["open", "ar"],
    ["open", "ap", "--format", "csv"],
    ["aging", "ar", "--format", "json"],
    ["aging", "ap", "--by", "document"],
    ["dso", "ar", "--by", "manager"],
    ["reconcile", "ar"],
    ["reconcile", "ap", "--format", "csv"],
    ["reconcile", "bank", STATEMENT],
    ["reconcile", "bank", "ledger/statements/rheinbank-2026-10.csv", "--output", "json"],
    ["statement", "acme", "--format", "md"],
    ["clients", "list"],
    ["clients", "show", "harbor-logistics", "--format", "json"],
    ["followups", "--within", "30"],
    ["portfolio", "--format", "csv"],
    ["review", "acme", "--format", "html"],
    ["--help"],
]


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_DATE": "2026-11-30T12:00:00", "GIT_COMMITTER_DATE": "2026-11-30T12:00:00"}
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "core.autocrlf=false", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def status(repo: Path) -> list[str]:
    """Every change git sees, untracked and ignored files included."""
    return git("status", "--porcelain", "--ignored", "--untracked-files=all", cwd=repo).splitlines()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The examples, committed in a fresh git repository that is the working directory."""
    books = tmp_path / "books"
    shutil.copytree(EXAMPLES, books)
    git("init", "-q", cwd=books)
    git("add", "-A", cwd=books)
    git("commit", "-q", "-m", "books", cwd=books)
    assert status(books) == []
    monkeypatch.chdir(books)
    monkeypatch.delenv("ACCT_TOOL_BOOKS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return books


def test_reading_commands_leave_the_books_untouched(repo: Path) -> None:
    for args in READERS:
        result = run_cli(*args, as_of=EXAMPLES_AS_OF)
        assert result.exit_code in (0, 1), (args, result.stderr)
        assert status(repo) == [], args


def test_commands_from_a_subfolder_leave_it_untouched(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "clients")
    for args in (["check"], ["aging", "ar"], ["clients", "list"]):
        assert run_cli(*args, as_of=EXAMPLES_AS_OF).exit_code in (0, 1)
    assert status(repo) == []


def test_the_installed_program_leaves_the_books_untouched(repo: Path, tmp_path: Path) -> None:
    program = Path(sys.executable).parent / "acct-tool"
    if not program.exists():
        pytest.skip("acct-tool is not installed in this environment")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("ACCT_TOOL_BOOKS", None)
    for args in (["check"], ["reconcile", "ar"], ["followups"]):
        done = subprocess.run([str(program), "--as-of", EXAMPLES_AS_OF, *args], cwd=repo, env=env, capture_output=True)
        assert done.returncode in (0, 1), done.stderr
    assert status(repo) == []


def test_review_writes_only_the_folder_it_was_given(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "reviews"
    assert run_cli("review", "--format", "html", "--out", str(outside), as_of=EXAMPLES_AS_OF).exit_code == 0
    assert status(repo) == []
    assert (outside / "index.html").is_file()
    assert run_cli("review", "--out", "reviews", as_of=EXAMPLES_AS_OF).exit_code == 0
    assert {line[3:].split("/")[0] for line in status(repo)} == {"reviews"}


def test_bank_drafts_go_only_to_the_file_asked_for(repo: Path, tmp_path: Path) -> None:
    ledger = repo / "ledger" / "2026.beancount"
    ledger.write_text(ledger.read_text().replace("2026-10-05", "2026-09-05", 1))
    git("commit", "-q", "-am", "drop a posting from October", cwd=repo)
    result = run_cli("reconcile", "bank", STATEMENT, "--draft", str(tmp_path / "drafts.beancount"), as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 1
    assert (tmp_path / "drafts.beancount").is_file()
    assert status(repo) == []


def test_log_changes_only_the_profile_it_logs_to(repo: Path) -> None:
    result = run_cli("log", "acme", "--channel", "call", "--summary", "Checked in", as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    assert status(repo) == [" M clients/acme.yaml"]
    diff = git("diff", "--numstat", cwd=repo).split()
    assert diff[1] == "0", "log only adds lines"


def test_clients_new_adds_only_the_new_profile(repo: Path) -> None:
    result = run_cli("clients", "new", "zeta-labs", "--name", "Zeta Labs", as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    assert status(repo) == ["?? clients/zeta-labs.yaml"]


def test_init_into_a_new_folder_touches_nothing_around_it(repo: Path) -> None:
    assert run_cli("init", "../other-books", as_of=EXAMPLES_AS_OF).exit_code == 0
    assert status(repo) == []
