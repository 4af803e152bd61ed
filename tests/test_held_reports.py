"""Rendered files are held compressed until they are written, and written as rendered.

``review --out`` holds every file until all are rendered (nothing is written when one
would be refused); :func:`~acct_tool.render.report_files.pack` keeps each text file as the
UTF-8 bytes it is written as, compressed, and :class:`~acct_tool.render.report_files.Unpacked`
hands them to the writer as those bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from acct_tool.edit.files import WriteError
from acct_tool.render import report_files

TEXT = "<p>Überfällig: 1.234,50 € – “Acme”</p>\n" * 200
PDF = b"%PDF-1.7 \x00\xff binary"


def test_held_files_are_written_as_the_same_bytes_and_manifest_as_the_text(tmp_path: Path) -> None:
    held = report_files.Unpacked({"review-acme.html": report_files.pack(TEXT), "review-acme.pdf": report_files.pack(PDF)})
    plain: dict[str, str | bytes] = {"review-acme.html": TEXT, "review-acme.pdf": PDF}
    report_files.write_reports(tmp_path / "held", held)
    report_files.write_reports(tmp_path / "plain", plain)
    for name in plain:
        assert (tmp_path / "held" / name).read_bytes() == (tmp_path / "plain" / name).read_bytes()
    assert (tmp_path / "held" / "review-acme.html").read_text("utf-8") == TEXT
    manifest = (tmp_path / "held" / report_files.MANIFEST).read_text()
    assert json.loads(manifest) == json.loads((tmp_path / "plain" / report_files.MANIFEST).read_text())


def test_text_is_held_smaller_than_python_keeps_it() -> None:
    packed = report_files.pack(TEXT)
    assert isinstance(packed, report_files.Packed)
    assert len(packed.zipped) < len(TEXT.encode("utf-8")) // 10
    assert report_files.pack(PDF) is PDF and report_files.pack(None) is None


def test_text_that_cannot_be_encoded_is_refused_by_name_and_nothing_is_written(tmp_path: Path) -> None:
    broken = "a lone surrogate: \ud800"
    assert report_files.pack(broken) == broken  # left as text, for the writer to refuse
    out = tmp_path / "out"
    with pytest.raises(WriteError, match=r"bad\.md"):
        report_files.write_reports(out, report_files.Unpacked({"bad.md": report_files.pack(broken)}))
    assert not (out / "bad.md").exists()


class _Counted(report_files.Unpacked):
    """Held files that count how often each is unpacked."""

    def __init__(self, held: dict[str, str | bytes | report_files.Packed]) -> None:
        super().__init__(held)
        self.reads: dict[str, int] = {}

    def __getitem__(self, name: str) -> str | bytes:
        self.reads[name] = self.reads.get(name, 0) + 1
        return super().__getitem__(name)


def test_each_held_file_is_unpacked_once_to_be_written_and_again_only_to_compare_with_one_in_its_place(tmp_path: Path) -> None:
    """Hundreds of files are written at once: the check that nothing would be refused unpacks
    only those that have a file in their place."""
    out = tmp_path / "out"
    report_files.write_reports(out, {"review-acme.html": TEXT})
    held = _Counted({"review-acme.html": report_files.pack(TEXT), "review-beta.html": report_files.pack(TEXT)})
    report_files.write_reports(out, held)
    assert held.reads == {"review-acme.html": 2, "review-beta.html": 1}
    assert (out / "review-beta.html").read_text("utf-8") == TEXT
