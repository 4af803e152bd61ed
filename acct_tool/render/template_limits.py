"""Limits on report templates: Jinja's sandbox keeps them away from Python
internals, but not from building huge values or running forever.

The limits themselves are here, with the guards that hold a whole render to
them: the output is counted as it is produced, and rendering has a wall-clock
and a memory limit. Every operation that builds a string or a list is sized
before it runs (:mod:`acct_tool.render.template_sizes` measures, and
:mod:`acct_tool.render.template_sandbox` and :mod:`acct_tool.render.template_filter_limits`
refuse what would be longer than MAX_SIZE). Every refusal is a SecurityError (or
TooSlow, or MemoryError), which :mod:`acct_tool.render.reports` turns into a
``template-unsafe`` diagnostic.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Mapping
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError

#: Longest string or list a template may build in one step, and the most output it may write.
MAX_SIZE = 10_000_000
MAX_OUTPUT = 50_000_000
#: Largest integer (in bits) a template may compute.
MAX_BITS = 100_000
#: Seconds one template may take to render (enforced where signals can be used).
MAX_SECONDS = 60.0
#: Memory one render may add to the process (enforced where the address space can be capped: Linux).
MAX_MEMORY = 2_000_000_000


class memory_cap:
    """Cap the address space while a template renders, so that no trick can exhaust memory.

    The size checks keep every single value under MAX_SIZE; this catches the
    rest (many different values of nearly that size kept at once) as a
    MemoryError instead of the machine running out.
    """

    def __init__(self, extra: int) -> None:
        self.extra = extra
        self.previous: tuple[int, int] | None = None

    def __enter__(self) -> None:
        try:
            import resource

            with open("/proc/self/statm", encoding="ascii") as statm:
                used = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = used + self.extra
            if (soft == resource.RLIM_INFINITY or soft > limit) and (hard == resource.RLIM_INFINITY or limit <= hard):
                resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
                self.previous = (soft, hard)
        except (ImportError, OSError, ValueError, AttributeError):  # not Linux: no cap
            self.previous = None

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, self.previous)


class TooSlow(BaseException):
    """Raised by the render deadline; a BaseException so that no ``except Exception`` swallows it."""


class deadline:
    """Interrupt rendering after ``seconds`` (on the main thread of a system with SIGALRM)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.armed = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        self.previous: Any = None

    def __enter__(self) -> None:
        if self.armed:
            self.previous = signal.signal(signal.SIGALRM, self._expired)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def _expired(self, *_: object) -> None:
        raise TooSlow()

    def __exit__(self, *exc: object) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)


def render_bounded(template: jinja2.Template, context: Mapping[str, Any]) -> str:
    """Render ``template``, refusing output larger than MAX_OUTPUT as it is produced."""
    parts: list[str] = []
    size = 0
    for chunk in template.generate(**context):
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise SecurityError(f"the output is larger than {MAX_OUTPUT:,} characters")
        parts.append(chunk)
    return "".join(parts)
