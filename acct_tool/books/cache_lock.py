"""The cache folder's writing lock: a command that has returned may still be writing the
cache (its writes run in a child once its output is out, see
:func:`acct_tool.books.aside.after_exit`); a command started meanwhile waits for those
writes before it reads the cache, so that ``acct-tool check && acct-tool aging ar`` finds
what the first one wrote.

The writer holds an exclusive ``flock`` on a file in the cache folder, taken before the
command returns and let go when the writer ends, or dies; a reader takes it shared for a
moment. Where ``flock`` is not to be had, nothing waits.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from acct_tool.books.parse_cache import cache_dir

#: The lock a command's cache writer holds (``flock``), from before the command returns
#: until its writes are done: a command started meanwhile waits for them to be done.
WRITING = ".writing.lock"
#: How long a command waits for another's cache writes at most, in seconds.
WRITING_WAIT = 30.0


def _lock_file(create: bool) -> int | None:
    """The cache folder's lock file, opened (created with ``create``); None when it is not
    there, is not a regular file, or locks are not to be had here."""
    try:
        import fcntl  # noqa: F401 - POSIX only
    except ImportError:
        return None
    folder = cache_dir()
    flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | (os.O_CREAT if create else 0)
    try:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / WRITING, flags | getattr(os, "O_NONBLOCK", 0), 0o600)
    except OSError:
        return None
    import stat

    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def hold_writing() -> int | None:
    """Take the cache folder's writing lock (waiting, as :func:`wait_for_writers` does, for
    another writer to finish) and give the descriptor that holds it: the lock is let go once
    every copy of it is closed -- by this process and by a child forked meanwhile to write
    -- or when they end."""
    fd = _lock_file(create=True)
    if fd is not None and not _take(fd, exclusive=True):
        os.close(fd)
        return None
    return fd


def wait_for_writers(waiting: Callable[[], None] | None = None) -> None:
    """Wait until no command is writing the cache: a command run right after another finds
    the cache that one wrote. ``waiting`` is told when there is something to wait for."""
    fd = _lock_file(create=False)
    if fd is not None:
        _take(fd, exclusive=False, waiting=waiting)
        os.close(fd)


def _take(fd: int, *, exclusive: bool, waiting: Callable[[], None] | None = None) -> bool:
    """Lock ``fd`` (``flock``), waiting up to :data:`WRITING_WAIT` seconds for another
    holder: a writer that hangs is given up on, and the command goes on without."""
    import fcntl
    import time

    deadline = time.monotonic() + WRITING_WAIT
    while True:
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if waiting is not None:
                told, waiting = waiting, None
                told()
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        except OSError:
            return False
