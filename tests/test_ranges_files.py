"""Statements and profiles that are not regular files are named for what they are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from acct_tool.books.settings import StatementFormat
from acct_tool.books.text_files import file_problem, read_text
from acct_tool.engines.statements import read_statement

PLAIN = StatementFormat(name="plain", date="Date", amount="Amount")


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null on this system")
def test_a_device_as_a_statement_is_refused_before_reading() -> None:
    lines, problems = read_statement(Path("/dev/null"), "null.csv", PLAIN)
    assert lines == []
    assert [(d.code, d.file, d.message) for d in problems] == [("file-unreadable", "null.csv", "null.csv is a character device, not a regular file")]


def test_a_fifo_as_a_statement_is_refused_without_blocking(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    lines, problems = read_statement(pipe, "pipe.csv", PLAIN)
    assert (lines, [d.message for d in problems]) == ([], ["pipe.csv is a FIFO, not a regular file"])


def test_the_profile_loader_and_the_statement_reader_word_file_kinds_alike(tmp_path: Path) -> None:
    pipe, folder, missing = tmp_path / "pipe", tmp_path / "folder", tmp_path / "missing"
    os.mkfifo(pipe)
    folder.mkdir()
    assert file_problem(pipe) == "is a FIFO, not a regular file"
    assert file_problem(folder) == "is a folder, not a file"
    assert file_problem(missing) == "does not exist"
    (tmp_path / "file").write_text("x")
    assert file_problem(tmp_path / "file") is None
    for path in (pipe, folder):
        _, problems = read_text(path, path.name, 1000)
        assert [d.message for d in problems] == [f"{path.name} {file_problem(path)}"]
