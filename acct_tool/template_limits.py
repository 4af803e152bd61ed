"""Limits on report templates: Jinja's sandbox keeps them away from Python
internals, but not from building huge values or running forever.

The operators and string methods that can grow a value fast are checked before
they run, the output is counted as it is produced, and rendering has a
wall-clock and a memory limit. Every refusal is a SecurityError (or TooSlow, or
MemoryError), which :mod:`acct_tool.reports` turns into a ``template-unsafe``
diagnostic.
"""

from __future__ import annotations

import os
import re
import signal
import threading
from typing import Any, Callable, Mapping

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment


#
# Jinja's sandbox stops templates from reaching Python internals, but not from
# exhausting memory or time (``{{ 'x' * 10**10 }}`` is even folded at compile
# time). The operators and string methods that can grow a value fast are checked
# before they run, the output is counted as it is produced, and rendering has a
# wall-clock limit. Every refusal is a SecurityError: a ``template-unsafe`` diagnostic.

#: Longest string or list a template may build in one step, and the most output it may write.
MAX_SIZE = 10_000_000
MAX_OUTPUT = 50_000_000
#: Largest integer (in bits) a template may compute.
MAX_BITS = 100_000
#: Seconds one template may take to render (enforced where signals can be used).
MAX_SECONDS = 60.0
#: Memory one render may add to the process (enforced where the address space can be capped: Linux).
MAX_MEMORY = 2_000_000_000

_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d*)(?:\.(\*|\d*))?")
_FIELD = re.compile(r"\{[^{}]*\}")


def _too_big(what: str) -> SecurityError:
    return SecurityError(f"{what}: a template may not build values this large")


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, list, tuple)) else None


def _check_width(text: str, pattern: re.Pattern[str]) -> None:
    """Refuse printf/format specs with a width or precision that would allocate a huge string."""
    for spec in pattern.findall(text):
        for part in (spec if isinstance(spec, tuple) else (spec,)):
            if part == "*":
                raise SecurityError("'*' widths are not allowed in templates")
            for digits in re.findall(r"\d+", part):
                if len(digits) > 7 or int(digits) > MAX_SIZE:
                    raise _too_big("a format width")


def _check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "**" and isinstance(left, int) and isinstance(right, int):
        if abs(left) > 1 and right > 0 and right * max(left.bit_length(), 1) > MAX_BITS:
            raise _too_big(f"{left} ** {right}")
    elif operator == "*":
        for seq, times in ((left, right), (right, left)):
            size = _length(seq)
            if size is not None and isinstance(times, int) and size * times > MAX_SIZE:
                raise _too_big("repeating a string or list")
        if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_BITS:
            raise _too_big("multiplying these numbers")
    elif operator == "+":
        a, b = _length(left), _length(right)
        if a is not None and b is not None and a + b > MAX_SIZE:
            raise _too_big("joining these strings or lists")
    elif operator == "%" and isinstance(left, str):
        _check_width(left, _SPEC)


def _check_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """String methods that take a size (ljust, center, zfill, replace, format...) stay within MAX_SIZE."""
    method = getattr(obj, "__wrapped__", obj)  # the sandbox wraps str.format
    owner = getattr(method, "__self__", None)
    if not isinstance(owner, str):
        return
    name = getattr(method, "__name__", "")
    values = [*args, *kwargs.values()]
    if any(isinstance(v, int) and v > MAX_SIZE for v in values):
        raise _too_big(f"str.{name}")
    if name in ("format", "format_map"):
        _check_width(owner, _FIELD)
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        _check_replace(owner, args[0], args[1])
    elif name == "expandtabs":
        if owner.count("\t") * (int(values[0]) if values and isinstance(values[0], int) else 8) > MAX_SIZE:
            raise _too_big("str.expandtabs")
    elif name == "join" and args and isinstance(args[0], (list, tuple)):
        if len(owner) * len(args[0]) + sum(len(str(x)) for x in args[0]) > MAX_SIZE:
            raise _too_big("str.join")


def _check_replace(text: str, old: str, new: str) -> None:
    grows = len(new) - len(old)
    if grows > 0 and (len(text) + 1 if old == "" else text.count(old)) * grows + len(text) > MAX_SIZE:
        raise _too_big("replace")


def bounded_filters(filters: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Jinja's own filters that take a size, wrapped with the same checks as the string methods."""
    center, indent, fmt, replace, join = (filters[n] for n in ("center", "indent", "format", "replace", "join"))

    def f_center(value: Any, width: int = 80) -> Any:
        if isinstance(width, int) and width > MAX_SIZE:
            raise _too_big("center")
        return center(value, width)

    def f_indent(value: Any, width: Any = 4, *args: Any, **kwargs: Any) -> Any:
        size = width if isinstance(width, int) else len(str(width))
        if size * (str(value).count("\n") + 1) > MAX_SIZE:
            raise _too_big("indent")
        return indent(value, width, *args, **kwargs)

    def f_format(value: Any, *args: Any, **kwargs: Any) -> Any:
        _check_width(str(value), _SPEC)
        return fmt(value, *args, **kwargs)

    @jinja2.pass_eval_context
    def f_replace(eval_ctx: Any, value: Any, old: Any, new: Any, count: Any = None) -> Any:
        _check_replace(str(value), str(old), str(new))
        return replace(eval_ctx, value, old, new, count)

    @jinja2.pass_eval_context
    def f_join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> Any:
        items = list(value) if not isinstance(value, (str, list, tuple)) else value
        if len(str(d)) * len(items) + sum(len(str(x)) for x in items) > MAX_SIZE:
            raise _too_big("join")
        return join(eval_ctx, items, d, attribute)

    return {"center": f_center, "indent": f_indent, "format": f_format, "replace": f_replace, "join": f_join}


class Sandbox(SandboxedEnvironment):
    """Jinja's sandbox with the limits above on operators and string methods."""

    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
        _check_call(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)


class memory_cap:
    """Cap the address space while a template renders, so that no trick can exhaust memory.

    The checks above give clear messages for the usual ways to build huge values;
    this catches the rest (string concatenation with ``~`` in a loop, macros
    calling macros) as a MemoryError instead of the machine running out.
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
