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
import functools
import os
import pickle
import select
import threading
from collections.abc import Callable, Sequence
from typing import Generic, NoReturn, TypeVar

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
        sent = _receive(self._pid, self._fd)
        if sent is not _FAILED:
            return sent  # type: ignore[return-value]
        self.fell_back = True
        return self._here()


def enabled() -> bool:
    return os.environ.get(ENV_OFF, "").lower() not in ("1", "true", "yes", "on")


def aside(compute: Callable[[], T], *, allowed: bool = True, fallback: Callable[[], T] | None = None) -> Pending[T]:
    """``compute`` in a forked child when that is allowed, possible and worth it; else now, here.

    When a child was forked, this process keeps only ``fallback`` (default: ``compute``)
    for the case the child fails: a ``fallback`` that needs less lets what ``compute``
    reads be freed meanwhile."""
    _reap()
    forked = _fork_with_pipe() if allowed and enabled() and _can_fork() else None
    if forked is None:
        pending = Pending(compute)
        pending.result()
        return pending
    pid, read, write = forked
    if pid == 0:  # the child: compute, send, and leave
        _child(read, lambda: _send(write, compute()))
    os.close(write)
    return _Child(fallback or compute, pid, read)


class Shared(Pending[list[T]]):
    """Units of work shared between a forked child and this process: each unit is computed
    once, by whichever of the two claims it first; :meth:`result` gives their values in
    the units' order.

    The child starts claiming at once. This process claims what is left when it calls
    :meth:`help` -- once it has nothing better to do, or before it lets go of what the
    units read -- and :meth:`result` helps first if that was not done. When the child
    fails, the whole of the value comes from ``fallback``, here.
    """

    def __init__(self, units: Sequence[Callable[[], T]], fallback: Callable[[], list[T]], pid: int, fd: int, claims: _Claims) -> None:
        super().__init__(fallback)
        self._units: Sequence[Callable[[], T]] | None = units
        self._pid, self._fd, self._claims = pid, fd, claims
        self._mine: dict[int, T] = {}
        self._failed = False

    def let_go(self) -> None:
        """Let go of the units (and what they read) without computing any here: the child
        computes them all."""
        self._units = None

    def help(self) -> None:
        """Compute here the units the child has not claimed yet, then let go of the units."""
        units, self._units = self._units, None
        if units is None or self._failed:
            return
        while True:
            index = self._claims.claim(stop=self._fd)
            if index is None:
                return
            try:
                self._mine[index] = units[index]()
            except (Exception, SystemExit):  # the fallback computes it again, and raises where the caller can tell
                self._failed = True
                return

    def _wait(self) -> list[T]:
        self.help()
        sent = _receive(self._pid, self._fd)
        self._claims.close()
        if not self._failed and isinstance(sent, dict):
            merged = {**sent, **self._mine}
            if len(merged) == self._claims.total and all(i in merged for i in range(len(merged))):
                return [merged[i] for i in range(len(merged))]
        self._mine = {}
        self.fell_back = True
        return self._here()


class _Claims:
    """A counter in memory shared with a forked child, and a one-byte token in a pipe that
    whoever changes the counter holds meanwhile: the next unit to compute."""

    def __init__(self, total: int) -> None:
        import mmap

        self.total = total
        self._parent = os.getpid()
        self._next = mmap.mmap(-1, 8)  # anonymous and shared: the child sees the same bytes
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.write(self._write, b"t")

    def claim(self, stop: int | None = None) -> int | None:
        """The next unit's index, or None when every unit is claimed -- or, with ``stop``,
        once that descriptor is readable (the child has finished or died, perhaps
        holding the token). In the child, None too once the parent is gone."""
        while True:
            ready, _, _ = select.select([self._read] if stop is None else [self._read, stop], [], [], None if stop is not None else 1.0)
            if stop is not None and stop in ready:
                return None
            if not ready:  # the child, waiting: a parent killed holding the token never gives it back
                if os.getppid() != self._parent:
                    return None
                continue
            try:
                os.read(self._read, 1)
            except BlockingIOError:  # the other process took the token first
                continue
            try:
                index = int.from_bytes(self._next[:8], "little")
                if index >= self.total:
                    return None
                self._next[:8] = (index + 1).to_bytes(8, "little")
                return index
            finally:
                os.write(self._write, b"t")

    def close(self) -> None:
        for fd in (self._read, self._write):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._next.close()


def share(
    units: Sequence[Callable[[], T]],
    *,
    allowed: bool = True,
    fallback: Callable[[], list[T]] | None = None,
    niceness: int = 0,
) -> Pending[list[T]]:
    """``[unit() for unit in units]``, shared with a forked child when that is allowed,
    possible and worth it (see :class:`Shared`); else computed now, here. ``fallback``
    (default: every unit here) gives the whole value when the child fails. The child runs
    ``niceness`` lower in priority (``os.nice``): for work asked for last, so that it takes
    what CPU this process and its other children leave; the units this process claims run
    at its own priority."""

    def every() -> list[T]:
        return [unit() for unit in units]

    _reap()
    claims = _Claims(len(units)) if allowed and len(units) > 1 and enabled() and _can_fork() else None
    forked = _fork_with_pipe() if claims is not None else None
    if claims is None or forked is None:
        if claims is not None:
            claims.close()
        pending: Pending[list[T]] = Pending(every)
        pending.result()
        return pending
    pid, read, write = forked
    if pid == 0:

        def claim_and_send() -> None:
            if niceness:
                with contextlib.suppress(OSError):
                    os.nice(niceness)
            done: dict[int, T] = {}
            while (index := claims.claim()) is not None:
                done[index] = units[index]()
            _send(write, done)

        _child(read, claim_and_send)
    os.close(write)
    return Shared(units, fallback or every, pid, read, claims)


def _send(fd: int, value: object) -> None:
    """In a child: ``value`` pickled down the pipe ``fd``, which is then closed, so that the
    parent reads it to the end without waiting for this process to be torn down."""
    data = pickle.dumps(("value", value), protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.close(fd)


#: What :func:`_receive` gives for a child that failed, was killed or sent something unreadable.
_FAILED = object()


def _receive(pid: int, fd: int) -> object:
    """What the child ``pid`` sent down ``fd``, once it has closed the pipe (sent its value,
    or ended); :data:`_FAILED` when it failed, was killed or sent something unreadable."""
    chunks = []
    try:
        while True:
            try:
                chunk = os.read(fd, 1 << 20)
            except BlockingIOError:
                select.select([fd], [], [])
                continue
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
        _reap(pid)
    try:  # a whole pickle came only from a child that computed its value
        sent = pickle.loads(b"".join(chunks))
    except Exception:
        return _FAILED
    if isinstance(sent, tuple) and len(sent) == 2 and sent[0] == "value":
        return sent[1]
    return _FAILED


#: Children that had sent what they computed but were not yet gone when last looked at.
_exiting: list[int] = []


def _reap(pid: int | None = None) -> None:
    """Collect ``pid`` and the children left exiting earlier, without waiting for any: a
    large child takes a while to be torn down once it has sent its value."""
    for child in [*_exiting, *([] if pid is None else [pid])]:
        try:
            done, _ = os.waitpid(child, os.WNOHANG)
        except ChildProcessError:
            done = child
        if done and child in _exiting:
            _exiting.remove(child)
        elif not done and child not in _exiting:
            _exiting.append(child)


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

        def prepare_then_commit() -> None:
            prepared = prepare()
            if os.read(read, 1) == b"1":
                commit(prepared)

        _child(write, prepare_then_commit)
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


def start_spread(compute: Callable[[X], T], items: Sequence[X]) -> Pending[list[T]]:
    """``[compute(item) for item in items]``, begun at once by a forked child that takes the
    items one after the other while this process goes on; :meth:`~Pending.result` computes
    here those the child has not taken yet, then gives them all in order (see :func:`share`)."""
    return share([functools.partial(compute, item) for item in items])


def after_exit(jobs: Sequence[Callable[[], None]]) -> None:
    """Run ``jobs`` (the cache's writes) in a forked child that outlives this process, which
    then ends at once: a command returns as soon as its output is flushed. The child lets
    go of standard input, output and error first, so that nothing reading the command's
    output waits for it. Where no child can be forked, the jobs run here, now.

    Each write is atomic and keyed by what it caches: a command started meanwhile finds
    the cache as it was, and is answered the same."""
    # Neither a second CPU nor memory to spare is needed: this process ends as the child begins.
    alone = hasattr(os, "fork") and threading.current_thread() is threading.main_thread()
    forked = _fork_with_pipe() if enabled() and alone else None
    if forked is None:
        for job in jobs:
            job()
        return
    pid, read, write = forked
    if pid == 0:

        def every() -> None:
            os.setsid()  # out of the command's process group: a ^C after it returned leaves the writes be
            for job in jobs:
                job()

        _child(read, every)
    os.close(read)
    os.close(write)


def _child(close: int, work: Callable[[], None]) -> NoReturn:
    """In a forked child: ``work``, with standard input and output let go of and ``close``
    (the parent's end of the pipe) closed; then leave -- 0 when ``work`` ran to its end, 1
    otherwise -- without running any of the parent's cleanup."""
    code = 1
    try:
        _let_go_of_stdio()
        os.close(close)
        work()
        code = 0
    except BaseException:
        pass
    finally:
        os._exit(code)


def _let_go_of_stdio() -> None:
    """In a child: standard input, output and error on /dev/null, so that the child never
    holds the command's pipes open (a reader waits for the end of its input) nor writes
    into its output."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    if null > 2:
        os.close(null)
