"""Writing files: atomically, only over regular files, and never over a file without ``force``.

The one writer of the tool: reports, drafts, scaffolds, new profiles, ``log``'s
edits and the cache all go through :func:`write_atomic`. The data goes to a
temporary file in the target's folder, is flushed to disk (unless the caller
does not need it to survive a power cut), and then takes the target's name in
one step, so a reader never sees half a file and an interrupted run leaves the
old file (or none) in place. A target that exists and is not a regular file
(a folder, a FIFO, a socket, a device -- also behind a symlink) is refused:
renaming over it would replace it, and reading it may block forever.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """One writer at a time in ``folder``, across processes: an advisory lock on the folder.

    For read-change-write edits (``log``) and files that list others (the
    reports' manifest): two runs at once would otherwise each write what they
    read before, dropping the other's change. The folder, not the file, is
    locked, because every write replaces the file by a new one. Without
    ``fcntl`` (Windows), or on a folder that cannot be opened, there is no lock;
    each write is still atomic."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


class WriteError(Exception):
    """The file cannot be written; the message says why and what to do."""


_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def special_kind(mode: int) -> str | None:
    """What a file of ``mode`` is when it is neither a regular file nor a folder ("a FIFO",
    "a character device", ...), else None: the one wording for readers and writers."""
    return next((name for test, name in _KINDS if test(mode)), None if stat.S_ISREG(mode) or stat.S_ISDIR(mode) else "not a regular file")


def _refusal(name: str, mode: int) -> str | None:
    """Why a file of ``mode`` is not written (or read) as a regular file, or None when it is one."""
    if stat.S_ISDIR(mode):
        return f"{name} is a folder"
    kind = special_kind(mode)
    return f"{name} is {kind}, not a regular file: acct-tool neither reads nor replaces it" if kind else None


def check_target(path: Path, force: bool = False, *, shown: str | None = None) -> None:
    """Raise :class:`WriteError` unless ``path`` may be written: it does not exist, or
    it is a regular file (through symlinks) and ``force`` is given."""
    name = shown or str(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path) and not force:  # a dangling symlink: writing would replace the link
            raise WriteError(f"{name} already exists (a symlink); pass --force to overwrite it") from None
        return
    except OSError as exc:
        raise WriteError(f"cannot write {name}: {exc.strerror or exc}") from None
    refusal = _refusal(name, mode)
    if refusal:
        raise WriteError(refusal)
    if not force:
        raise WriteError(f"{name} already exists; pass --force to overwrite it")


def read_regular(path: Path, *, shown: str | None = None) -> bytes:
    """The bytes of a file about to be replaced; :class:`WriteError` when it cannot be
    read or is not a regular file (a FIFO is never opened for a blocking read)."""
    name = shown or str(path)
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise WriteError(f"cannot read {name}: it does not exist") from None
    except IsADirectoryError:
        raise WriteError(f"{name} is a folder") from None
    except OSError as exc:
        raise WriteError(f"cannot read {name}: {exc.strerror or exc}") from None
    with os.fdopen(handle, "rb") as source:
        refusal = _refusal(name, os.fstat(source.fileno()).st_mode)
        if refusal:
            raise WriteError(refusal)
        try:
            return source.read()
        except OSError as exc:
            raise WriteError(f"cannot read {name}: {exc.strerror or exc}") from None


def write_atomic(
    path: Path,
    data: str | bytes,
    force: bool = False,
    *,
    encoding: str = "utf-8",
    durable: bool = True,
    mode: int | None = None,
    shown: str | None = None,
) -> None:
    """Write ``data`` (text, encoded with ``encoding``, or bytes) to ``path``.

    An existing file is replaced only with ``force``, and only when it is a
    regular file. Line endings are written as given. ``mode`` sets the
    permissions (default: what a new file gets under the umask). ``shown`` names
    the file in messages (default: ``path``). ``durable=False`` skips the flush
    to disk before the rename: the write stays atomic for readers, but a power
    cut may lose it -- fine for files that are regenerated anyway (reports, the
    cache), and much faster for hundreds."""
    name = shown or str(path)
    folder = path.parent
    check_target(path, force, shown=name)
    if not folder.is_dir():
        raise WriteError(f"cannot write {name}: folder {folder} does not exist")
    try:
        raw = data.encode(encoding) if isinstance(data, str) else data
    except UnicodeEncodeError as exc:
        raise WriteError(f"cannot write {name}: the text cannot be encoded as {encoding} ({exc.reason})") from None
    try:
        import tempfile  # here: a command that writes nothing does not pay for importing it

        handle, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise WriteError(f"cannot write in {folder}: {exc.strerror or exc}") from None
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(raw)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        os.chmod(temp, 0o666 & ~_umask() if mode is None else mode)
        if force:
            check_target(path, force=True, shown=name)  # as late as can be: it may have changed meanwhile
            os.replace(temp, path)
        else:
            _link_new(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, FileExistsError):
            raise WriteError(f"{name} already exists; pass --force to overwrite it") from None
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write {name}: {exc.strerror or exc}") from None
        raise


def _link_new(temp: Path, path: Path) -> None:
    """Give ``temp`` the name ``path`` only if no file has it: no race with another writer."""
    try:
        os.link(temp, path)
    except FileExistsError:
        raise
    except OSError:  # file systems without hard links
        if os.path.lexists(path):
            raise FileExistsError(path) from None
        os.replace(temp, path)
        return
    temp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
