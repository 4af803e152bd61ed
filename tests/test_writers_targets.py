"""Every writer refuses a target that exists and is not a regular file, and there is one writer.

A FIFO, a socket, a device or a folder where a report, a draft, a scaffold file,
a profile or a cache file should go is never replaced (as root, ``--draft
/dev/null --force`` would otherwise replace ``/dev/null``), and never read from
(a FIFO blocks a reader forever). Commands exit 2 and name the target. Real
device files are never touched here: FIFOs and sockets in ``tmp_path`` stand in.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, EXAMPLES_AS_OF, REPO, run_cli

from acct_tool.books import cache
from acct_tool.edit import files, interaction_text, profile_edit
from acct_tool.edit.files import WriteError, write_atomic

PACKAGE = REPO / "acct_tool"


@pytest.fixture
def sockets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """``make(path)`` binds a Unix socket at ``path`` (short relative names: socket paths are limited)."""
    made: list[socket.socket] = []

    def make(path: Path) -> None:
        monkeypatch.chdir(path.parent)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(path.name)
        made.append(sock)

    yield make
    for sock in made:
        sock.close()


def make_special(kind: str, path: Path, sockets: Callable[[Path], None]) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        sockets(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "symlink-to-fifo":
        os.mkfifo(path.with_name(path.name + ".real"))
        path.symlink_to(path.name + ".real")
    else:
        raise AssertionError(kind)


def still_special(kind: str, path: Path) -> bool:
    mode = os.lstat(path).st_mode
    if kind == "symlink-to-fifo":
        return stat.S_ISLNK(mode) and stat.S_ISFIFO(os.stat(path).st_mode)
    return {"fifo": stat.S_ISFIFO, "socket": stat.S_ISSOCK, "folder": stat.S_ISDIR}[kind](mode)


KINDS = ["fifo", "socket", "folder", "symlink-to-fifo"]


# --- the writer itself --------------------------------------------------------------------------


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("kind", KINDS)
def test_write_atomic_refuses_what_is_not_a_regular_file(tmp_path: Path, sockets: Callable[[Path], None], kind: str, force: bool) -> None:
    target = tmp_path / "out.txt"
    make_special(kind, target, sockets)
    with pytest.raises(WriteError, match=re.escape(str(target)) + ".*(not a regular file|is a folder)"):
        write_atomic(target, "text\n", force=force)
    assert still_special(kind, target)
    assert [p.name for p in tmp_path.iterdir() if ".tmp" in p.name] == []


def test_write_atomic_writes_bytes_with_a_given_mode(tmp_path: Path) -> None:
    target = tmp_path / "data.bin"
    write_atomic(target, b"\x00\xff\n", mode=0o600)
    assert target.read_bytes() == b"\x00\xff\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    write_atomic(target, "two\r\n", force=True, mode=0o640, durable=False)
    assert target.read_bytes() == b"two\r\n"  # line endings are written as given
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_there_is_one_atomic_writer() -> None:
    """Only files.py makes temporary files and renames them over targets."""
    pattern = re.compile(r"\bos\.(replace|rename|link)\(|\bmkstemp\(|NamedTemporaryFile\(")
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "files.py"
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
    assert not hasattr(profile_edit, "write_atomic") or profile_edit.write_atomic is files.write_atomic
    assert not hasattr(cache, "_write_file")


# --- the commands -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_draft_force_never_replaces_a_special_file(examples_copy: Path, tmp_path: Path, sockets: Callable[[Path], None], kind: str) -> None:
    statement = examples_copy / "ledger" / "statements" / "northbank-2026-10.csv"
    with statement.open("a", encoding="utf-8") as out:  # one line the ledger lacks: a draft to write
        out.write('2026-10-30,CARD PURCHASE OFFICE SUPPLIES,CARD-9999,-12.34,"1,000.00"\n')
    drafts = tmp_path / "drafts.beancount"
    make_special(kind, drafts, sockets)
    result = run_cli("reconcile", "bank", str(statement), "--draft", str(drafts), "--force", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2, result.stderr
    assert str(drafts) in result.stderr and "Traceback" not in result.stderr
    assert still_special(kind, drafts)


def subprocess_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The real entry point, with a time limit: reading a FIFO would block forever."""
    full = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    full.pop("ACCT_TOOL_BOOKS", None)
    return subprocess.run([sys.executable, "-m", "acct_tool", *args], capture_output=True, text=True, env=full, timeout=timeout)


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("name", ["review-acme.md", ".acct-tool-manifest.json"])
def test_review_out_neither_reads_nor_replaces_a_fifo(tmp_path: Path, name: str, force: bool) -> None:
    from acct_tool.render.report_files import MANIFEST

    assert name in ("review-acme.md", MANIFEST)
    out = tmp_path / "reviews"
    out.mkdir()
    os.mkfifo(out / name)
    args = ["--books", str(EXAMPLES), "--as-of", EXAMPLES_AS_OF, "review", "--out", str(out)] + (["--force"] if force else [])
    try:
        done = subprocess_cli(*args)
    except subprocess.TimeoutExpired:
        pytest.fail("review --out blocked on a FIFO in the output folder")
    assert done.returncode == 2, done.stderr
    assert str(out / name) in done.stderr and "Traceback" not in done.stderr
    assert stat.S_ISFIFO(os.lstat(out / name).st_mode)


@pytest.mark.parametrize("kind", ["fifo", "socket", "symlink-to-fifo"])
def test_init_refuses_a_special_file_where_a_scaffold_file_goes(tmp_path: Path, sockets: Callable[[Path], None], kind: str) -> None:
    target = tmp_path / "books"
    target.mkdir()
    make_special(kind, target / "acct-tool.yaml", sockets)
    result = run_cli("init", str(target), "--force", as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2, result.output + result.stderr
    assert "acct-tool.yaml" in result.stderr and "not a regular file" in result.stderr
    assert still_special(kind, target / "acct-tool.yaml")
    assert not (target / "ledger").exists()  # refused before anything was written


@pytest.mark.parametrize("kind", ["fifo", "socket", "folder"])
def test_clients_new_refuses_a_special_file_where_the_profile_goes(examples_copy: Path, sockets: Callable[[Path], None], kind: str) -> None:
    path = examples_copy / "clients" / "zenith.yaml"
    make_special(kind, path, sockets)
    result = run_cli("clients", "new", "zenith", "--name", "Zenith Labs", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2, result.stderr
    assert "clients/zenith.yaml" in result.stderr and "Traceback" not in result.stderr
    assert still_special(kind, path)


@pytest.mark.parametrize("kind", ["fifo", "socket", "folder"])
def test_log_never_replaces_a_profile_that_became_special(
    examples_copy: Path, sockets: Callable[[Path], None], monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """The profile is read as a regular file, then replaced by something else before the write."""
    profile = examples_copy / "clients" / "acme.yaml"
    real = interaction_text.insert_interaction

    def swap(text: str, entry: Any) -> str:
        out = real(text, entry)
        profile.unlink()
        make_special(kind, profile, sockets)
        return out

    monkeypatch.setattr(profile_edit, "insert_interaction", swap)
    result = run_cli("log", "acme", "--channel", "call", "--summary", "Checked in", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2, result.output + result.stderr
    assert "clients/acme.yaml" in result.stderr and "Traceback" not in result.stderr
    assert still_special(kind, profile)


def test_log_still_writes_through_a_symlink_to_a_regular_file(examples_copy: Path, tmp_path: Path) -> None:
    real = tmp_path / "kept-elsewhere.yaml"
    profile = examples_copy / "clients" / "acme.yaml"
    shutil.move(profile, real)
    profile.symlink_to(real)
    result = run_cli("log", "acme", "--channel", "call", "--summary", "Checked in", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    assert profile.is_symlink() and "Checked in" in real.read_text()


@pytest.mark.parametrize("which", ["files", "ledger"])
def test_a_fifo_in_the_cache_is_neither_read_nor_replaced(examples_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str) -> None:
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    monkeypatch.setenv(cache.ENV_DIR, str(cache_dir))
    root = examples_copy.resolve()
    fifo = cache.files_cache_file(root) if which == "files" else cache.ledger_cache_file(root / "ledger" / "main.beancount", root)
    os.mkfifo(fifo)
    try:
        done = subprocess_cli("--books", str(root), "--as-of", EXAMPLES_AS_OF, "check", env={cache.ENV_DIR: str(cache_dir)})
    except subprocess.TimeoutExpired:
        pytest.fail("check blocked on a FIFO in the cache folder")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
