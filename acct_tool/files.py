"""Writing the files a user asked for: atomically, and never over a file without ``force``.

The text goes to a temporary file in the target's folder, is flushed to disk,
and then takes the target's name in one step, so a reader never sees half a
file and an interrupted run leaves the old file (or none) in place.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


class WriteError(Exception):
    """The file cannot be written; the message says why and what to do."""


def write_atomic(path: Path, text: str, force: bool = False, *, encoding: str = "utf-8", durable: bool = True) -> None:
    """Write ``text`` to ``path``; an existing file is replaced only with ``force``.

    ``durable=False`` skips the flush to disk before the rename: the write stays
    atomic for readers, but a power cut may lose it -- fine for files that are
    regenerated from the books anyway (reports), and much faster for hundreds."""
    folder = path.parent
    if path.is_dir():
        raise WriteError(f"{path} is a folder")
    if not folder.is_dir():
        raise WriteError(f"cannot write {path}: folder {folder} does not exist")
    if path.exists() and not force:
        raise WriteError(f"{path} already exists; pass --force to overwrite it")
    try:
        handle, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise WriteError(f"cannot write in {folder}: {exc.strerror or exc}") from None
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "w", encoding=encoding, newline="\n") as out:
            out.write(text)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        os.chmod(temp, 0o666 & ~_umask())
        if force:
            os.replace(temp, path)
        else:
            _link_new(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, FileExistsError):
            raise WriteError(f"{path} already exists; pass --force to overwrite it") from None
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def _link_new(temp: Path, path: Path) -> None:
    """Give ``temp`` the name ``path`` only if no file has it: no race with another writer."""
    try:
        os.link(temp, path)
    except FileExistsError:
        raise
    except OSError:  # file systems without hard links
        if path.exists():
            raise FileExistsError(path) from None
        os.replace(temp, path)
        return
    temp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
