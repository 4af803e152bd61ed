"""Work done on another CPU while the command goes on: a forked child computes a value
and sends it back pickled through a pipe.

Beancount's validation of a large ledger takes seconds and needs nothing but the
entries; the command meanwhile reads the profiles and draws its facts. :func:`aside`
forks a child for such a computation when that can help and is safe: a POSIX
system with ``fork``, more than one CPU for this process, memory to spare for a
copy of it, and the caller in the main thread. Otherwise -- and whenever the child
fails, is killed or sends something unreadable -- the value is computed in this
process, so the answer never depends on whether a child ran.

``ACCT_TOOL_NO_ASIDE=1`` turns it off (everything runs in this process).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
X = TypeVar("X")

ENV_OFF = "ACCT_TOOL_NO_ASIDE"


class Pending(Generic[T]):
    """A value being computed; :meth:`result` waits for it (once) and returns it."""

    def __init__(self, compute: Callable[[], T]) -> None:
        self._compute: Callable[[], T] | None = compute
        self._done = False
        self._value: T | None = None
        #: True when the value was computed in this process although a child was to compute it.
        self.fell_back = False

    def result(self) -> T:
        if not self._done:
            self._value = self._wait()
            self._done = True
            self._compute = None  # let go of what it computes from
        return self._value  # type: ignore[return-value]

    def _wait(self) -> T:
        return self._here()

    def _here(self) -> T:
        assert self._compute is not None
        return self._compute()


class _Child(Pending[T]):
    def __init__(self, fallback: Callable[[], T], pid: int, fd: int) -> None:
        super().__init__(fallback)
        self._pid, self._fd = pid, fd

    def _wait(self) -> T:
        chunks = []
        try:
            while True:
                chunk = os.read(self._fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(self._fd)
            _, status = os.waitpid(self._pid, 0)
        if os.waitstatus_to_exitcode(status) == 0:
            try:
                sent = pickle.loads(b"".join(chunks))
            except Exception:
                sent = None
            if isinstance(sent, tuple) and len(sent) == 2 and sent[0] == "value":
                return sent[1]  # type: ignore[no-any-return]
        self.fell_back = True
        return self._here()


def enabled() -> bool:
    return os.environ.get(ENV_OFF, "").lower() not in ("1", "true", "yes", "on")


def aside(compute: Callable[[], T], *, allowed: bool = True, fallback: Callable[[], T] | None = None) -> Pending[T]:
    """``compute`` in a forked child when that is allowed, possible and worth it; else now, here.

    When a child was forked, this process keeps only ``fallback`` (default: ``compute``)
    for the case the child fails: a ``fallback`` that needs less lets what ``compute``
    reads be freed meanwhile."""
    forked = _fork_with_pipe() if allowed and enabled() and _can_fork() else None
    if forked is None:
        pending = Pending(compute)
        pending.result()
        return pending
    pid, read, write = forked
    if pid == 0:  # the child: compute, send, and leave without running any of the parent's cleanup
        code = 1
        try:
            _let_go_of_stdio()
            os.close(read)
            data = pickle.dumps(("value", compute()), protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(data)
            while view:
                view = view[os.write(write, view) :]
            code = 0
        except BaseException:
            pass
        finally:
            os._exit(code)
    os.close(write)
    return _Child(fallback or compute, pid, read)


def _fork_with_pipe() -> tuple[int, int, int] | None:
    """(``os.fork()``, the read end, the write end) of a pipe made just before; None when
    the fork failed."""
    read, write = os.pipe()
    try:
        return os.fork(), read, write
    except OSError:
        os.close(read)
        os.close(write)
        return None


def _can_fork() -> bool:
    if not hasattr(os, "fork") or threading.current_thread() is not threading.main_thread():
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return cpus > 1 and _memory_to_spare()


def _memory_to_spare() -> bool:
    """True when the system has at least twice this process's resident memory available
    (the child may end up copying most of it); False where that cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            resident = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024 > 2 * resident
    except (OSError, ValueError, IndexError):
        return False
    return False


def can_detach() -> bool:
    """Whether :func:`detach` would run its job (in a child) rather than skip it."""
    return enabled() and _can_fork()


def detach(prepare: Callable[[], T], commit: Callable[[T], None]) -> Callable[[], None]:
    """``commit(prepare())`` in a forked child -- a snapshot of this process as it is now --
    where ``prepare`` runs at once and ``commit`` only once the function returned is
    called: it lets the child go on and waits for it to end. A process that never calls
    it (a command that crashed or was interrupted) commits nothing: its child sees the
    end of the pipe and leaves. Where no child can be forked, nothing is done at all
    (``commit`` must be something the process can do without: writing a cache)."""
    forked = _fork_with_pipe() if can_detach() else None
    if forked is None:
        return _nothing
    pid, read, write = forked
    if pid == 0:
        code = 1
        try:
            _let_go_of_stdio()
            os.close(write)
            prepared = prepare()
            if os.read(read, 1) == b"1":
                commit(prepared)
                code = 0
        except BaseException:
            pass
        finally:
            os._exit(code)
    os.close(read)
    return _Gate(pid, write)


class _Gate:
    """Called, lets a detached child commit and waits for it; dropped uncalled, lets it go
    without committing (its pipe is closed)."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self._fd = pid, fd

    def __call__(self) -> None:
        if self._fd < 0:
            return
        with contextlib.suppress(OSError):
            os.write(self._fd, b"1")
        self._close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)

    def _close(self) -> None:
        fd, self._fd = self._fd, -1
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)

    def __del__(self) -> None:
        self._close()


def _nothing() -> None:
    """Nothing to wait for."""


def spread(compute: Callable[[X], T], items: Sequence[X]) -> list[T]:
    """``[compute(item) for item in items]``, with every other item computed in a forked
    child (see :func:`aside`) while this process computes the rest; in order."""
    if len(items) < 2:
        return [compute(item) for item in items]
    theirs = list(items[1::2])
    pending = aside(lambda: [compute(item) for item in theirs])
    mine = [compute(item) for item in items[0::2]]
    others = pending.result()
    out: list[T] = []
    for i in range(len(items)):
        out.append(mine[i // 2] if i % 2 == 0 else others[i // 2])
    return out


def _let_go_of_stdio() -> None:
    """In a child: standard input, output and error on /dev/null, so that the child never
    holds the command's pipes open (a reader waits for the end of its input) nor writes
    into its output."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    if null > 2:
        os.close(null)
