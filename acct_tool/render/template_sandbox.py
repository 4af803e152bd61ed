"""The sandbox report templates run in: Jinja's, which keeps them away from Python
internals, with every operation that builds a string or a list sized before it
runs and refused when the result would be longer than
:data:`acct_tool.render.template_limits.MAX_SIZE`: the ``*``, ``+``, ``%`` and ``**``
operators, ``~``, ``str.format`` and ``format_map`` (widths and precisions
resolved from their arguments), the string and list methods that pad, replace,
join, translate or grow, printing a value, and the output captured by
``{% set %}`` blocks, macros, ``caller()`` and ``{% filter %}`` blocks. Whatever a
call returns is measured as well. Filters are bounded in
:mod:`acct_tool.render.template_filter_limits`.
"""

from __future__ import annotations

import string
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.exceptions import SecurityError
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import SandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter
from markupsafe import Markup

from acct_tool.render import template_limits as limits
from acct_tool.render.template_sizes import (
    WALKED,
    checked,
    field_length,
    fits,
    joined_length,
    printf_length,
    replace_length,
    repr_text_length,
    size_of,
    taken,
    text_length,
)


class _BoundedFormatting(string.Formatter):
    """str.format that sizes each field from its resolved format spec before formatting it,
    and the whole result as it grows: ``'{0:>{1}}'.format('x', '999999999')`` is refused."""

    _size = 0

    def vformat(self, format_string: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
        self._size = len(format_string)
        return super().vformat(format_string, args, kwargs)

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion in ("r", "a"):
            fits(repr_text_length(value), "str.format")
        elif conversion == "s":
            fits(text_length(value), "str.format")
        return super().convert_field(value, conversion)

    def format_field(self, value: Any, format_spec: str) -> Any:
        fits(self._size + field_length(value, format_spec), "str.format")
        text = super().format_field(value, format_spec)
        self._size += len(text)
        fits(self._size, "str.format")
        return text


class _Formatter(_BoundedFormatting, SandboxedFormatter):
    pass


class _EscapeFormatter(_BoundedFormatting, SandboxedEscapeFormatter):
    pass


# --- operators and methods --------------------------------------------------------------------


def _check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "**" and isinstance(left, int) and isinstance(right, int):
        if abs(left) > 1 and right > 0 and right * max(left.bit_length(), 1) > limits.MAX_BITS:
            raise SecurityError(f"{left} ** {right}: a template may not compute numbers this large")
    elif operator == "*":
        for seq, times in ((left, right), (right, left)):
            size = size_of(seq)
            if size is not None and isinstance(times, int):
                fits(size * times, "repeating a string or list")
        if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > limits.MAX_BITS:
            raise SecurityError("multiplying these numbers: a template may not compute numbers this large")
    elif operator == "+":
        a, b = size_of(left), size_of(right)
        if a is not None and b is not None:
            fits(a + b, "joining these strings or lists")
    elif operator == "%" and isinstance(left, str):
        fits(printf_length(left, right), "% formatting")


def _str_method(owner: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Size the string methods that grow text; returns the arguments (an iterator to join is read first)."""
    what = f"str.{name}"
    if name in ("ljust", "rjust", "center", "zfill") and args and isinstance(args[0], int):
        fits(max(len(owner), args[0]), what)
    elif name == "expandtabs":
        tabsize = args[0] if args else kwargs.get("tabsize", 8)
        fits(len(owner) + owner.count("\t") * (tabsize if isinstance(tabsize, int) else 8), what)
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        fits(replace_length(owner, args[0], args[1], args[2] if len(args) > 2 else kwargs.get("count", -1)), what)
    elif name == "join" and len(args) == 1:
        items = taken(args[0], what, limits.MAX_SIZE)
        if isinstance(items, str):  # joins its characters
            fits(len(owner) * max(len(items) - 1, 0) + len(items), what)
        else:
            fits(joined_length(owner, items, (len(x) if isinstance(x, str) else 0 for x in items)), what)
        return (items,)
    elif name == "translate" and len(args) == 1 and isinstance(args[0], dict):
        longest = max((len(v) for v in args[0].values() if isinstance(v, str)), default=1)
        fits(len(owner) * max(longest, 1), what)
    return args


def _list_method(owner: list[Any], name: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    what = f"list.{name}"
    if name == "extend" and len(args) == 1:
        return (taken(args[0], what, limits.MAX_SIZE - len(owner)),)
    if name in ("append", "insert"):
        fits(len(owner) + 1, what)
    return args


def _check_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Size a call to a string or list method before it runs; returns the arguments to call it with."""
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if isinstance(owner, str):
        return _str_method(owner, name, args, kwargs)
    if isinstance(owner, list):
        return _list_method(owner, name, args)
    return args


# --- concatenation and captured output --------------------------------------------------------


def bounded_concat(parts: Iterable[str]) -> str:
    """Jinja's ``concat`` for the output a ``{% set %}`` block, a macro, ``caller()`` or a
    ``{% filter %}`` block captures: the pieces are counted before they are joined."""
    pieces = parts if isinstance(parts, list) else list(parts)
    fits(sum(len(p) for p in pieces), "the output of a block or macro")
    return "".join(pieces)


def _printable(value: Any) -> Any:
    """Jinja's ``finalize`` hook, run on every ``{{ value }}``: printing a list is sized first."""
    if isinstance(value, WALKED):
        fits(text_length(value), "printing this value")
    return value


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator with ``~`` sized before it joins."""

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            markup = "context.eval_ctx.volatile"
        else:
            markup = "True" if frame.eval_ctx.autoescape else "False"
        self.write(f"environment.tilde({markup}, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class Sandbox(SandboxedEnvironment):
    """Jinja's sandbox with the size limits above on everything that builds strings or lists."""

    intercepted_binops = frozenset({"+", "*", "**", "%"})
    code_generator_class = _CodeGenerator
    concat = staticmethod(bounded_concat)

    def __init__(self, **options: Any) -> None:
        options.setdefault("finalize", _printable)
        super().__init__(**options)

    @staticmethod
    def tilde(markup: bool, values: tuple[Any, ...]) -> str:
        """``a ~ b``: the parts are sized before they are joined (escaping may still grow them a little)."""
        size = 0
        for value in values:
            size += text_length(value)
            fits(size, "joining with ~")
        text = markup_join(values) if markup else str_join(values)
        fits(len(text), "joining with ~")
        return text

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return checked(super().call_binop(context, operator, left, right), f"the {operator} operator")

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        args = _check_call(__obj, args, kwargs)
        return checked(super().call(__context, __obj, *args, **kwargs), f"calling {getattr(__obj, '__name__', 'this')}")

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Jinja's sandboxed ``str.format`` and ``format_map``, with every field sized first."""
        if not isinstance(value, (types.MethodType, types.BuiltinMethodType)) or value.__name__ not in ("format", "format_map"):
            return None
        owner = value.__self__
        if not isinstance(owner, str):
            return None
        is_map = value.__name__ == "format_map"
        kind = type(owner)
        formatter = _EscapeFormatter(self, escape=owner.escape) if isinstance(owner, Markup) else _Formatter(self)

        def bounded(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs:
                    raise TypeError("format_map() takes no keyword arguments")
                if len(args) != 1:
                    raise TypeError(f"format_map() takes exactly one argument ({len(args)} given)")
                kwargs, args = args[0], ()
            return kind(formatter.vformat(owner, args, kwargs))

        bounded.__name__ = value.__name__
        bounded.__doc__ = value.__doc__
        return bounded
