"""Writes are atomic: a failure at any step leaves the previous file whole and no stray file behind.

Every write goes through ``files.write_atomic`` (reports, drafts, scaffolds, new
profiles, ``log``, the cache); covered here with every command that writes
(``review --out``, ``reconcile bank --draft``, ``log``, ``init``, ``clients new``).
Failures are injected where they happen in real life: the final rename, the hard
link that publishes a new file, the flush to disk (a full disk), and an interrupt
in the middle.
Two ``review --out`` runs into one folder at once must leave complete files and
a manifest that knows all of them.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, EXAMPLES_AS_OF, REPO, run_cli

from acct_tool.edit import files
from acct_tool.edit.files import WriteError, write_atomic
from acct_tool.render import report_files


def leftovers(folder: Path) -> list[str]:
    """Temporary files a writer left behind."""
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp") or (p.name.startswith(".") and ".tmp" in p.name))


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def failing(real: Callable[..., Any], *, after: int = 0, error: BaseException | None = None) -> Callable[..., Any]:
    """``real``, except that call number ``after`` + 1 (and every later one) raises ``error``."""
    calls = {"n": 0}

    def fake(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > after:
            raise error or OSError(errno.EIO, os.strerror(errno.EIO))
        return real(*args, **kwargs)

    return fake


# --- files.write_atomic -------------------------------------------------------------------


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "out" / "report.md"
    path.parent.mkdir()
    path.write_text("previous version\n" * 100)
    return path


def test_a_failed_rename_keeps_the_previous_file(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = target.read_bytes()
    monkeypatch.setattr(os, "replace", failing(os.replace))
    with pytest.raises(WriteError, match="cannot write"):
        write_atomic(target, "new version\n" * 100, force=True)
    assert target.read_bytes() == before
    assert leftovers(target.parent) == []


def test_a_failed_link_of_a_new_file_leaves_nothing(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new = target.parent / "new.md"
    monkeypatch.setattr(os, "link", failing(os.link))  # falls back to a rename...
    monkeypatch.setattr(os, "replace", failing(os.replace))  # ...which fails too
    with pytest.raises(WriteError):
        write_atomic(new, "text\n")
    assert not new.exists()
    assert leftovers(target.parent) == []


@pytest.mark.parametrize("where", ["write", "fsync", "chmod"])
def test_a_full_disk_mid_write_keeps_the_previous_file(target: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    before = target.read_bytes()
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    if where == "write":
        real_fdopen = os.fdopen

        def fdopen(*args: Any, **kwargs: Any) -> Any:
            handle = real_fdopen(*args, **kwargs)
            real_write = handle.write

            def write(text: str) -> int:
                real_write(text[: len(text) // 2])  # half the text reaches the temporary file
                raise full

            handle.write = write
            return handle

        monkeypatch.setattr(os, "fdopen", fdopen)
    else:
        monkeypatch.setattr(os, where, failing(getattr(os, where), error=full))
    with pytest.raises(WriteError, match="No space left"):
        write_atomic(target, "new version\n" * 100, force=True)
    assert target.read_bytes() == before
    assert leftovers(target.parent) == []


def test_an_interrupt_mid_write_keeps_the_previous_file(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = target.read_bytes()
    monkeypatch.setattr(os, "fsync", failing(os.fsync, error=KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new version\n", force=True)
    assert target.read_bytes() == before
    assert leftovers(target.parent) == []


def test_a_new_file_never_replaces_one_that_appeared_meanwhile(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new = target.parent / "race.md"
    real_link = os.link

    def link(src: Any, dst: Any, **kwargs: Any) -> None:
        Path(dst).write_text("written by someone else\n")  # appears between the check and the link
        real_link(src, dst, **kwargs)

    monkeypatch.setattr(os, "link", link)
    with pytest.raises(WriteError, match="already exists"):
        write_atomic(new, "mine\n")
    assert new.read_text() == "written by someone else\n"
    assert leftovers(target.parent) == []


# --- the commands -------------------------------------------------------------------------


def test_review_out_with_a_failing_rename_leaves_whole_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert run_cli("review", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF).exit_code == 0
    old = {p.name: p.read_text() for p in out.iterdir()}
    fresh = tmp_path / "fresh"
    assert run_cli("review", "--out", str(fresh), "--period", "2026-Q3", books=EXAMPLES, as_of=EXAMPLES_AS_OF).exit_code == 0
    new = {p.name: p.read_text() for p in fresh.iterdir()}
    assert old["review-acme.md"] != new["review-acme.md"]

    monkeypatch.setattr(os, "replace", failing(os.replace, after=3))
    result = run_cli("review", "--out", str(out), "--period", "2026-Q3", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr
    now = {p.name: p.read_text() for p in out.iterdir()}
    assert sorted(now) == sorted(old)
    assert sum(now[name] == new[name] for name in now) == 3  # three were replaced before the failure...
    assert all(now[name] in (old[name], new[name]) for name in now)  # ...and every file is one whole version
    assert leftovers(out) == []


def test_log_with_a_failing_rename_keeps_the_profile(examples_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = examples_copy / "clients" / "acme.yaml"
    before = snapshot(examples_copy)
    monkeypatch.setattr(os, "replace", failing(os.replace))
    result = run_cli("log", "acme", "--channel", "call", "--summary", "Checked in", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2
    assert "cannot write clients/acme.yaml" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(examples_copy) == before
    assert leftovers(profile.parent) == []


def test_log_with_a_full_disk_keeps_the_profile(examples_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(examples_copy)
    monkeypatch.setattr(os, "fsync", failing(os.fsync, error=OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))))
    result = run_cli("log", "acme", "--channel", "call", "--summary", "Checked in", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2
    assert "No space left" in result.stderr
    assert snapshot(examples_copy) == before


def test_draft_with_a_failing_rename_writes_nothing(examples_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    statement = examples_copy / "ledger" / "statements" / "northbank-2026-10.csv"
    with statement.open("a", encoding="utf-8") as out:  # a line the ledger does not have: one draft to write
        out.write('2026-10-30,CARD PURCHASE OFFICE SUPPLIES,CARD-9999,-12.34,"1,000.00"\n')
    before = snapshot(examples_copy)
    drafts = tmp_path / "drafts.beancount"
    monkeypatch.setattr(os, "link", failing(os.link))
    monkeypatch.setattr(os, "replace", failing(os.replace))
    result = run_cli("reconcile", "bank", str(statement), "--draft", str(drafts), books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2, result.stderr
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr
    assert not drafts.exists()
    assert leftovers(tmp_path) == []
    assert snapshot(examples_copy) == before


def test_clients_new_with_a_failing_link_writes_no_profile(examples_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(examples_copy)
    monkeypatch.setattr(os, "link", failing(os.link))
    monkeypatch.setattr(os, "replace", failing(os.replace))
    result = run_cli("clients", "new", "zenith", "--name", "Zenith Labs", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2, result.stderr
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(examples_copy) == before
    assert leftovers(examples_copy) == []


def test_init_with_a_failing_rename_leaves_only_whole_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = tmp_path / "whole" / "books"  # the folder's name goes into the files: the same in both runs
    assert run_cli("init", str(whole), as_of=EXAMPLES_AS_OF).exit_code == 0
    expected = {p.relative_to(whole).as_posix(): p.read_bytes() for p in whole.rglob("*") if p.is_file()}
    target = tmp_path / "broken" / "books"
    monkeypatch.setattr(os, "link", failing(os.link, after=2))
    monkeypatch.setattr(os, "replace", failing(os.replace, after=0))
    result = run_cli("init", str(target), as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2, result.stderr
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr
    written = {p.relative_to(target).as_posix(): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert 0 < len(written) < len(expected)
    assert all(expected[name] == data for name, data in written.items())  # what exists is whole
    assert leftovers(target) == []


# --- two writers at once ------------------------------------------------------------------


def test_two_write_reports_at_once_keep_every_manifest_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deterministic: each writer is slowed down inside the write loop, so without the folder
    lock both would read the empty manifest and the second would drop the first one's entries."""
    out = tmp_path / "out"
    real = files.write_atomic

    def slow(path: Path, text: str, force: bool = False, **kwargs: Any) -> None:
        time.sleep(0.05)
        real(path, text, force, **kwargs)

    monkeypatch.setattr(report_files, "write_atomic", slow)
    errors: list[BaseException] = []

    def run(names: list[str]) -> None:
        try:
            report_files.write_reports(out, {name: f"{name}\n" for name in names})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=([f"a{i}.md" for i in range(4)],)), threading.Thread(target=run, args=([f"b{i}.md" for i in range(4)],))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    manifest = json.loads((out / report_files.MANIFEST).read_text())
    assert sorted(manifest) == sorted([f"a{i}.md" for i in range(4)] + [f"b{i}.md" for i in range(4)])
    assert leftovers(out) == []


def cli(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("ACCT_TOOL_BOOKS", None)
    return subprocess.Popen(
        [sys.executable, "-m", "acct_tool", "--books", str(EXAMPLES), "--as-of", EXAMPLES_AS_OF, *args],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_two_review_runs_into_one_folder_leave_complete_files(tmp_path: Path) -> None:
    reference: dict[str, str] = {}
    for fmt in ("md", "html"):
        ref = tmp_path / f"ref-{fmt}"
        assert run_cli("review", "--format", fmt, "--out", str(ref), books=EXAMPLES, as_of=EXAMPLES_AS_OF).exit_code == 0
        reference |= {p.name: p.read_text() for p in ref.iterdir() if p.name != report_files.MANIFEST}
    out = tmp_path / "shared"
    runs = [cli("review", "--format", fmt, "--out", str(out), cwd=tmp_path) for fmt in ("md", "html", "md", "html")]
    results = [(run.wait(timeout=120), run.stderr.read() if run.stderr else "") for run in runs]
    for run in runs:
        for stream in (run.stdout, run.stderr):
            if stream:
                stream.close()
    for code, stderr in results:
        assert code == 0, stderr
        assert "Traceback" not in stderr
    written = {p.name: p.read_text() for p in out.iterdir() if p.name != report_files.MANIFEST}
    assert written == reference  # every file whole, and the same as a run on its own
    manifest = json.loads((out / report_files.MANIFEST).read_text())
    assert sorted(manifest) == sorted(reference)
    assert leftovers(out) == []
    # and a third run, which must recognise every file as its own, still succeeds without --force
    again = run_cli("review", "--out", str(out), "--period", "2026-Q3", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert again.exit_code == 0, again.stderr
