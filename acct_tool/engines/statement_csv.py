"""The text and rows of a statement file: bytes decoded in the format's encoding,
then CSV rows with the line each one starts on.

Every problem is a diagnostic pointing at the statement's file, line and
column; nothing here raises for bad data.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from acct_tool.diagnostics import Diagnostic, Location, Severity, diag

_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode(raw: bytes, display: str, encoding: str) -> tuple[str | None, list[Diagnostic]]:
    here = Location(display)
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        return None, [diag("statement-encoding", f"unknown encoding '{encoding}' in the statement format", here, hint="use e.g. utf-8, cp1252, latin-1")]
    problems: list[Diagnostic] = []
    if raw.startswith(_UTF8_BOM) and codec not in ("utf-8", "utf-8-sig"):
        problems.append(
            diag(
                "statement-encoding",
                f"the file starts with a UTF-8 byte-order mark but the format declares {encoding}; read as UTF-8",
                Location(display, 1, 1),
                severity=Severity.WARNING,
                hint="set `encoding: utf-8` in the statement format",
            )
        )
        codec = "utf-8"
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        hint = f"the format declares {encoding}; set `encoding:` to the file's real encoding (often cp1252 or utf-8)"
        if raw.startswith(_UTF16_BOMS):
            hint = "the file starts with a UTF-16 byte-order mark; set `encoding: utf-16`"
        message = f"not valid {encoding} (byte 0x{raw[exc.start]:02x})"
        return None, [*problems, diag("statement-encoding", message, Location(display, line, col), hint=hint)]
    except LookupError:  # a codec that is not a text encoding, e.g. rot13
        return None, [*problems, diag("statement-encoding", f"'{encoding}' is not a text encoding", here)]
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        hint = "if the file is UTF-16, set `encoding: utf-16`"
        return None, [*problems, diag("statement-encoding", "binary content (NUL byte) in a text statement", Location(display, line, 1), hint=hint)]
    return text, problems


@dataclass(frozen=True)
class Row:
    fields: list[str]
    #: 1-based line where the row starts, and the text of that physical line.
    line: int
    text: str


class RowReader:
    """CSV rows with the line each one starts on; preamble lines skipped, blank rows dropped."""

    def __init__(self, text: str, delimiter: str, skip_rows: int) -> None:
        # newline="" splits on \n, \r\n and \r alike and lets csv handle quoted line breaks.
        physical = iter(io.StringIO(text, newline=""))
        self._skipped = 0
        for _ in range(max(skip_rows, 0)):
            if next(physical, None) is None:
                break
            self._skipped += 1
        self._current: list[str] = []
        self._csv = csv.reader(self._remember(physical), delimiter=delimiter, strict=False)
        self.row_start = self.next_line = self._skipped + 1

    def _remember(self, lines: Iterator[str]) -> Iterator[str]:
        for line in lines:
            self._current.append(line)
            yield line

    def next_row(self, display: str, problems: list[Diagnostic]) -> Row | None:
        while True:
            self.row_start = self._skipped + self._csv.line_num + 1
            self._current.clear()
            try:
                fields = next(self._csv)
            except StopIteration:
                self.next_line = self.row_start
                return None
            except csv.Error as exc:
                problems.append(diag("statement-csv", f"cannot split the row into fields: {exc}", Location(display, self.row_start)))
                continue
            if any(f.strip() for f in fields):
                return Row(fields, self.row_start, self._current[0] if self._current else "")


def field_column(row: Row, index: int, delimiter: str) -> int | None:
    if index == 0:
        return 1
    quoted, seen = False, 0
    for pos, char in enumerate(row.text):
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            seen += 1
            if seen == index:
                return pos + 2
        elif char in "\r\n":
            break
    return None
