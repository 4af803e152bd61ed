"""Reading a user's text file: whether it is a regular file at all, then its UTF-8 text.

A FIFO or a device would block or never end, so the kind of file is checked
before it is opened; a file that is too large, unreadable, not UTF-8 or binary
is a diagnostic, never an exception.
"""

from __future__ import annotations

import stat
from pathlib import Path

from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.edit.files import special_kind


def kind_problem(mode: int) -> str | None:
    """What is wrong with reading a file of this ``st_mode`` as text, as words that follow its
    name ("is a FIFO, not a regular file"); ``None`` for a regular file. Reading a FIFO or a
    device would block or never end, so callers refuse before opening."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    return f"is {special_kind(mode) or 'something other than a file'}, not a regular file"


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a regular file ("does not exist", "is a FIFO, not a
    regular file", ...), as words that follow its name; ``None`` when it can."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "is a link to a file that does not exist" if path.is_symlink() else "does not exist"
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    return kind_problem(mode)


def read_text(path: Path, display: str, max_bytes: int) -> tuple[str | None, list[Diagnostic]]:
    """Read a UTF-8 text file, turning every failure into a diagnostic."""
    here = Location(display)
    try:
        info = path.stat()
        problem = kind_problem(info.st_mode)
        if problem is not None:
            return None, [diag("file-unreadable", f"{display} {problem}", here)]
        size = info.st_size
        if size > max_bytes:
            return None, [
                diag(
                    "file-too-large",
                    f"{display} is {size:,} bytes; the limit is {max_bytes:,}",
                    here,
                    hint="split the file or trim old entries",
                )
            ]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [diag("file-unreadable", f"cannot read {display}: {exc.strerror or exc}", here)]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            diag(
                "file-encoding",
                f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                Location(display, line, col),
                hint="save the file as UTF-8",
            )
        ]
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return None, [diag("file-encoding", "binary content (NUL byte) in a text file", Location(display, line, 1))]
    return text, []
