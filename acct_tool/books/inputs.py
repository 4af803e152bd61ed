"""What a loaded ledger was drawn from, and whether it is still the same.

The cache trusts facts drawn from a ledger only while every input is unchanged:
the content of each file Beancount read and of the books' own plugin modules,
the names in the folders holding them, and what every ``include`` pattern
matches (a new yearly folder must count as a change).

Also how the books' paths are resolved: a symlink loop or a link to nowhere is
something to report, never an exception.
"""

from __future__ import annotations

import errno
import glob
import hashlib
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

INCLUDE = re.compile(r'^\s*include\s+"(?P<target>[^"]+)"')


def real_path(path: str | os.PathLike[str]) -> Path:
    """``path`` with every symlink followed, as far as they lead.

    Like ``Path.resolve()``, except that a symlink loop is not an exception (Python
    before 3.13 raises ``RuntimeError``): the looping part is kept as written, and
    reading the file then fails as it would for any file that cannot be opened."""
    return Path(os.path.realpath(path))


def broken_link(path: str | os.PathLike[str]) -> str | None:
    """Why ``path``, which exists as a name, cannot be followed to a file: "a symlink
    loop" or "a symlink to a missing file"; ``None`` when it is not a broken link."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symlink loop"
        if exc.errno == errno.ENOENT and os.path.islink(path):
            return "a symlink to a missing file"
    except ValueError:  # a NUL byte in the name: not a path at all
        return None
    return None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_digest(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return _digest(handle.read())
    except OSError:
        return None


def _listing(folder: str) -> str:
    """The names in ``folder``; hidden files (Beancount's own pickle cache, editor
    swap files) do not count."""
    try:
        names = sorted(n for n in os.listdir(folder) if not n.startswith("."))
    except OSError:
        return ""
    return _digest("\n".join(names).encode("utf-8", "surrogateescape"))


def _include_patterns(files: Iterable[str]) -> list[str]:
    """Every ``include`` of the read files, as an absolute glob pattern."""
    out = []
    for filename in files:
        try:
            with open(filename, encoding="utf-8", errors="replace") as handle:
                for text in handle:
                    match = INCLUDE.match(text)
                    if match:
                        out.append(os.path.normpath(os.path.join(os.path.dirname(filename), os.path.expanduser(match.group("target")))))
        except OSError:
            continue
    return sorted(set(out))


def _matches(pattern: str) -> list[str]:
    return sorted(glob.glob(pattern, recursive=True))


def track_inputs(path: Path, files: Iterable[str], plugins: Iterable[str], root: Path, started_ns: int) -> dict[str, Any] | None:
    """The content of every file the facts were drawn from: the ledger files, the
    books' own plugin modules, the folders holding them, and what every include
    pattern matches. ``None`` when one of them changed after the load began."""
    tracked = {str(real_path(path)), *files}
    books = str(real_path(root))
    for name in plugins:
        module_file = getattr(sys.modules.get(name), "__file__", None)
        if isinstance(module_file, str) and os.path.abspath(module_file).startswith(books + os.sep):
            tracked.add(os.path.abspath(module_file))
    paths = sorted(tracked)
    for p in paths:
        try:
            if os.stat(p).st_mtime_ns >= started_ns:
                return None  # edited while it was loading: these facts may already be stale
        except OSError:
            pass
    folders = sorted({os.path.dirname(p) for p in paths})
    patterns = _include_patterns(paths)
    return {
        "files": [[p, _file_digest(p)] for p in paths],
        "folders": [[f, _listing(f)] for f in folders],
        "globs": [[g, _matches(g)] for g in patterns],
    }


def inputs_unchanged(inputs: Any) -> bool:
    """True when every input recorded by :func:`track_inputs` is as it was."""
    if not isinstance(inputs, dict):
        return False
    for path, digest in inputs["files"]:
        if digest is None or _file_digest(path) != digest:
            return False
    for folder, listing in inputs["folders"]:
        if _listing(folder) != listing:
            return False
    return all(_matches(pattern) == matches for pattern, matches in inputs["globs"])
