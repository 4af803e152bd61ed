"""Limits on report templates: Jinja's sandbox keeps them away from Python
internals, but not from building huge values or running forever.

Every operation that builds a string or a list from smaller pieces is sized
before it runs, from its arguments, and refused when the result would be longer
than MAX_SIZE: the ``*``, ``+``, ``%`` and ``**`` operators, ``~``, ``str.format``
and ``format_map`` (widths and precisions resolved from their arguments), the
string and list methods that pad, replace, join, translate or grow, every
filter (those that take a size or a filler are sized from it, those that turn a
value into text from that value), printing a value, and the output captured by
``{% set %}`` blocks, macros, ``caller()`` and ``{% filter %}`` blocks. Whatever
a call or filter returns is measured as well. The output is counted as it is
produced, and rendering has a wall-clock and a memory limit. Every refusal is a
SecurityError (or TooSlow, or MemoryError), which :mod:`acct_tool.reports` turns
into a ``template-unsafe`` diagnostic.
"""

from __future__ import annotations

import datetime
import inspect
import itertools
import os
import re
import signal
import string
import threading
import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Callable

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.exceptions import SecurityError
from jinja2.filters import make_attrgetter
from jinja2.runtime import Context, markup_join, str_join
from jinja2.sandbox import SandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter
from jinja2.utils import Namespace, _PassArg
from markupsafe import Markup

#: Longest string or list a template may build in one step, and the most output it may write.
MAX_SIZE = 10_000_000
MAX_OUTPUT = 50_000_000
#: Largest integer (in bits) a template may compute.
MAX_BITS = 100_000
#: Seconds one template may take to render (enforced where signals can be used).
MAX_SECONDS = 60.0
#: Memory one render may add to the process (enforced where the address space can be capped: Linux).
MAX_MEMORY = 2_000_000_000


def _too_big(what: str) -> SecurityError:
    return SecurityError(f"{what} would be longer than {MAX_SIZE:,} characters or items; a template may not build values this large")


def _fits(size: int, what: str) -> None:
    if size > MAX_SIZE:
        raise _too_big(what)


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)) else None


def _checked(value: Any, what: str) -> Any:
    """``value``, refused when an operation returned something over the cap anyway."""
    size = _length(value)
    if size is not None:
        _fits(size, what)
    return value


# --- how long a value is as text, without making the text --------------------------------------

_VIEWS: tuple[type[Any], ...] = (type({}.keys()), type({}.values()), type({}.items()))
_CONTAINERS: tuple[type[Any], ...] = (list, tuple, set, frozenset, dict, *_VIEWS)
#: What :func:`_shape` walks: anything else prints a short text of its own.
_WALKED: tuple[type[Any], ...] = (*_CONTAINERS, Namespace)
_END = object()


def _repr_length(text: str) -> int:
    """An upper bound on ``len(repr(text))``: quotes, escaped backslashes and quotes, escaped control characters."""
    extra = 8 if isinstance(text, Markup) else 0  # Markup('...')
    if text.isprintable():
        return len(text) + 2 + text.count("\\") + text.count("'") + extra
    return (4 if text.isascii() else 10) * len(text) + 2 + extra


#: Conversions that write a number in full, without an exponent (``%d`` of a float too).
_FIXED = frozenset("fFdiu%")


def _number_length(value: Any, conversion: str) -> int:
    """An upper bound on the characters of ``value`` formatted as a number with ``conversion``
    (a %-formatting or format-spec type), before any width, precision or digit grouping."""
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() // 3 + 3  # octal has the most digits
    if isinstance(value, Decimal) and value.is_finite():
        digits, exponent = value.as_tuple()[1:]
        return len(digits) + (abs(int(exponent)) + 10 if conversion in _FIXED else 14)
    return 330 if conversion in _FIXED else 32  # a float in fixed notation has up to 309 digits


def _leaf_length(value: Any, nested: bool) -> int:
    """An upper bound on ``len(str(value))`` (``repr`` when ``nested`` in a container) of a value that is no container."""
    if isinstance(value, str):
        return _repr_length(value) if nested else len(value)
    if isinstance(value, (int, float, Decimal)) or value is None:
        return _number_length(value, "") + (12 if nested and isinstance(value, Decimal) else 0)
    if isinstance(value, (bytes, bytearray)):
        return 4 * len(value) + 14  # b'\x00', bytearray(b'')
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        return 48
    if nested:  # an object of the books inside a list: its repr, however often the list repeats it
        try:
            return len(repr(value))
        except Exception:  # noqa: BLE001 - printing it will say what is wrong
            return 64
    return 64  # other objects print a short description of themselves


def _shape(value: Any, limit: int) -> tuple[int, int]:
    """``(characters, indentation)`` of ``str(value)``: an upper bound on its length, and the
    number of indentation steps a pretty printer would add (each item indented by its depth).

    Lists, tuples, sets, dicts and namespaces are walked, each reference counted as often as it
    is printed (``['x' * 10**5] * 10**4`` prints a billion characters); a container inside
    itself prints as ``[...]``. Counting stops once ``limit`` is passed.
    """
    if isinstance(value, str):
        return len(value), 0
    chars = indent = 0
    active: set[int] = set()
    stack: list[tuple[Iterator[Any], int, int]] = []
    known: dict[int, int] = {}  # the repr length of each long string or object, measured once however often it is referenced

    def enter(item: Any, depth: int) -> None:
        nonlocal chars, indent
        if isinstance(item, Namespace):
            chars += 13  # <Namespace {...}>
            item = object.__getattribute__(item, "_Namespace__attrs")
        if not isinstance(item, _CONTAINERS):
            if not isinstance(item, (str, int, float, Decimal)) or (isinstance(item, str) and len(item) > 64):
                length = known.get(id(item))
                if length is None:
                    length = known[id(item)] = _leaf_length(item, depth > 0)
                chars += length
            else:
                chars += _leaf_length(item, depth > 0)
            return
        if id(item) in active:
            chars += 5
            return
        count = len(item)
        chars += 2 + 2 * count + (2 * count if isinstance(item, dict) else 0) + (12 if isinstance(item, _VIEWS) else 0)
        indent += (depth + 1) * count
        if count and chars <= limit:
            active.add(id(item))
            children = itertools.chain.from_iterable(item.items()) if isinstance(item, dict) else iter(item)
            stack.append((children, depth + 1, id(item)))

    enter(value, 0)
    while stack and chars <= limit:
        children, depth, ident = stack[-1]
        child = next(children, _END)
        if child is _END:
            stack.pop()
            active.discard(ident)
        else:
            enter(child, depth)
    return chars, indent


def text_length(value: Any) -> int:
    """An upper bound on ``len(str(value))``, counted only as far as just past MAX_SIZE."""
    if isinstance(value, str):
        return len(value)
    return _shape(value, MAX_SIZE)[0] if isinstance(value, _WALKED) else _leaf_length(value, False)


def _repr_text_length(value: Any) -> int:
    return _repr_length(value) if isinstance(value, str) else text_length(value)


def _taken(values: Any, what: str, room: int) -> Any:
    """``values`` with a length, refused past ``room`` items: a collection as it is, an iterator
    read into a list (never more than one item past ``room``)."""
    items: Any = values if isinstance(values, (str, *_CONTAINERS)) else list(itertools.islice(values, room + 1))
    if len(items) > room:
        raise _too_big(what)
    return items


# --- formatting: %, the format filter, str.format ----------------------------------------------


def _printf_fields(fmt: str) -> Iterator[tuple[str | None, str, str | None, str]]:
    """The conversions of a %-format: (mapping key, width, precision, conversion), as Python parses them."""
    n = len(fmt)
    i = fmt.find("%")
    while 0 <= i < n - 1:
        j, key = i + 1, None
        if fmt[j] == "(":
            depth, k = 1, j + 1
            while k < n and depth:
                depth += {"(": 1, ")": -1}.get(fmt[k], 0)
                k += 1
            key, j = fmt[j + 1 : k - 1], k
        while j < n and fmt[j] in "#0- +":
            j += 1
        width_start = j
        if j < n and fmt[j] == "*":
            j += 1
        else:
            while j < n and fmt[j].isdigit():
                j += 1
        width, precision = fmt[width_start:j], None
        if j < n and fmt[j] == ".":
            precision_start = j = j + 1
            if j < n and fmt[j] == "*":
                j += 1
            else:
                while j < n and fmt[j].isdigit():
                    j += 1
            precision = fmt[precision_start:j]
        while j < n and fmt[j] in "hlL":
            j += 1
        conversion = fmt[j] if j < n else ""
        yield key, width, precision, conversion
        i = fmt.find("%", j + 1)


def _amount(digits: str | None, take: Callable[[], Any]) -> int:
    """A width or precision: its digits, or the argument a ``*`` takes."""
    if not digits:
        return 0
    if digits == "*":
        value = take()
        return abs(value) if isinstance(value, int) else 0
    return MAX_SIZE + 1 if len(digits) > 9 else int(digits)


def printf_length(fmt: str, values: Any) -> int:
    """An upper bound on ``len(fmt % values)``, from the widths, precisions and arguments."""
    positional = list(values) if isinstance(values, tuple) else [values]
    taken = iter(positional)

    def take() -> Any:
        return next(taken, None)

    size = len(fmt)
    for key, width_digits, precision_digits, conversion in _printf_fields(fmt):
        if conversion == "%":
            continue
        width, precision = _amount(width_digits, take), _amount(precision_digits, take)
        if width > MAX_SIZE or precision > MAX_SIZE:
            return MAX_SIZE + 1
        if key is None:
            value = take()
        else:
            try:
                value = values[key]
            except Exception:  # noqa: BLE001 - the formatting itself reports it
                value = None
        if conversion == "s":
            body = text_length(value)
        elif conversion in "ra":
            body = _repr_text_length(value)
        elif conversion == "c":
            body = 1
        else:
            body = _number_length(value, conversion) + precision
        if precision_digits is not None and conversion in "sra":
            body = min(body, precision)
        size += max(width, body)
        if size > MAX_SIZE:
            break
    return size


_STANDARD_SPEC = re.compile(r"(?:.?[<>=^])?[-+ ]?z?#?0?(?P<width>\d*)[,_]?(?:\.(?P<precision>\d*))?[bcdeEfFgGnosxX%]?", re.DOTALL)


def _field_length(value: Any, spec: str) -> int:
    """An upper bound on ``len(format(value, spec))``."""
    if isinstance(value, (datetime.date, datetime.time)):
        return len(spec) + 64 * spec.count("%") + 64  # strftime
    match = _STANDARD_SPEC.fullmatch(spec)
    if match is None:
        return len(spec) + text_length(value)
    width, precision = (_amount((d or "").lstrip("0"), lambda: None) for d in match.group("width", "precision"))
    if isinstance(value, str) or not isinstance(value, (int, float, Decimal)):
        body = text_length(value)
        return max(width, min(body, precision) if match.group("precision") else body)
    body = _number_length(value, spec[-1:]) + precision
    return max(width, body + body // 3 + 2)  # digit grouping, sign, percent


class _BoundedFormatting(string.Formatter):
    """str.format that sizes each field from its resolved format spec before formatting it,
    and the whole result as it grows: ``'{0:>{1}}'.format('x', '999999999')`` is refused."""

    _size = 0

    def vformat(self, format_string: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
        self._size = len(format_string)
        return super().vformat(format_string, args, kwargs)

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion in ("r", "a"):
            _fits(_repr_text_length(value), "str.format")
        elif conversion == "s":
            _fits(text_length(value), "str.format")
        return super().convert_field(value, conversion)

    def format_field(self, value: Any, format_spec: str) -> Any:
        _fits(self._size + _field_length(value, format_spec), "str.format")
        text = super().format_field(value, format_spec)
        self._size += len(text)
        _fits(self._size, "str.format")
        return text


class _Formatter(_BoundedFormatting, SandboxedFormatter):
    pass


class _EscapeFormatter(_BoundedFormatting, SandboxedEscapeFormatter):
    pass


# --- operators and methods --------------------------------------------------------------------


def _check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "**" and isinstance(left, int) and isinstance(right, int):
        if abs(left) > 1 and right > 0 and right * max(left.bit_length(), 1) > MAX_BITS:
            raise SecurityError(f"{left} ** {right}: a template may not compute numbers this large")
    elif operator == "*":
        for seq, times in ((left, right), (right, left)):
            size = _length(seq)
            if size is not None and isinstance(times, int):
                _fits(size * times, "repeating a string or list")
        if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_BITS:
            raise SecurityError("multiplying these numbers: a template may not compute numbers this large")
    elif operator == "+":
        a, b = _length(left), _length(right)
        if a is not None and b is not None:
            _fits(a + b, "joining these strings or lists")
    elif operator == "%" and isinstance(left, str):
        _fits(printf_length(left, right), "% formatting")


def _replace_length(text: str, old: str, new: str, count: Any = -1) -> int:
    found = len(text) + 1 if old == "" else text.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * max(len(new) - len(old), 0)


def _joined_length(separator: str, items: Any, sizes: Iterable[int]) -> int:
    """The length of ``separator`` joining ``items`` of ``sizes``, counted only until it passes MAX_SIZE."""
    total = len(separator) * max(len(items) - 1, 0)
    for size in sizes:
        total += size
        if total > MAX_SIZE:
            break
    return total


def _str_method(owner: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Size the string methods that grow text; returns the arguments (an iterator to join is read first)."""
    what = f"str.{name}"
    if name in ("ljust", "rjust", "center", "zfill") and args and isinstance(args[0], int):
        _fits(max(len(owner), args[0]), what)
    elif name == "expandtabs":
        tabsize = args[0] if args else kwargs.get("tabsize", 8)
        _fits(len(owner) + owner.count("\t") * (tabsize if isinstance(tabsize, int) else 8), what)
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        _fits(_replace_length(owner, args[0], args[1], args[2] if len(args) > 2 else kwargs.get("count", -1)), what)
    elif name == "join" and len(args) == 1:
        items = _taken(args[0], what, MAX_SIZE)
        if isinstance(items, str):  # joins its characters
            _fits(len(owner) * max(len(items) - 1, 0) + len(items), what)
        else:
            _fits(_joined_length(owner, items, (len(x) if isinstance(x, str) else 0 for x in items)), what)
        return (items,)
    elif name == "translate" and len(args) == 1 and isinstance(args[0], dict):
        longest = max((len(v) for v in args[0].values() if isinstance(v, str)), default=1)
        _fits(len(owner) * max(longest, 1), what)
    return args


def _list_method(owner: list[Any], name: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    what = f"list.{name}"
    if name == "extend" and len(args) == 1:
        return (_taken(args[0], what, MAX_SIZE - len(owner)),)
    if name in ("append", "insert"):
        _fits(len(owner) + 1, what)
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


# --- filters ----------------------------------------------------------------------------------

#: Filters that turn their value into text first: sized from that value.
_TEXT_FILTERS = frozenset(
    {
        "capitalize", "center", "e", "escape", "forceescape", "format", "indent", "lower", "pprint", "replace", "safe", "string", "striptags",
        "title", "trim", "truncate", "upper", "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr",
        "date", "days", "md", "money", "number", "pct", "signed",
    }
)


def _f_center(env: jinja2.Environment, value: Any, width: Any = 80) -> Any:
    if isinstance(width, int):
        _fits(max(text_length(value), width), "the center filter")
    return value


def _f_indent(env: jinja2.Environment, value: Any, width: Any = 4, first: Any = False, blank: Any = False) -> Any:
    step = width if isinstance(width, int) else len(str(width))
    lines = value.count("\n") + 1 if isinstance(value, str) else text_length(value)
    _fits(text_length(value) + max(step, 0) * lines, "the indent filter")
    return value


def _f_wordwrap(env: jinja2.Environment, value: Any, width: Any = 79, break_long_words: Any = True, wrapstring: Any = None, break_on_hyphens: Any = True) -> Any:
    size = text_length(value)
    paragraphs = value.count("\n") + 1 if isinstance(value, str) else 1
    # every two consecutive lines hold more than width - 1 characters, or the first would take the next word
    lines = 2 * size // max((width if isinstance(width, int) else 79) - 1, 1) + paragraphs + 1
    joint = len(wrapstring) if isinstance(wrapstring, str) else len(env.newline_sequence)
    _fits(size + lines * joint, "the wordwrap filter")
    return value


def _f_format(env: jinja2.Environment, value: Any, *args: Any, **kwargs: Any) -> Any:
    _fits(printf_length(str(value), kwargs or args), "the format filter")
    return value


def _f_replace(env: jinja2.Environment, value: Any, old: Any = "", new: Any = "", count: Any = None) -> Any:
    _fits(_replace_length(str(value), str(old), str(new), -1 if count is None else count), "the replace filter")
    return value


def _f_join(env: jinja2.Environment, value: Any, d: Any = "", attribute: Any = None) -> Any:
    items = _taken(value, "the join filter", MAX_SIZE)
    getter = make_attrgetter(env, attribute) if attribute is not None else None
    sizes = (text_length(getter(x) if getter else x) for x in items)
    _fits(_joined_length(str(d), items, sizes), "the join filter")
    return items


def _f_list(env: jinja2.Environment, value: Any) -> Any:
    return _taken(value, "the list filter", MAX_SIZE)


def _f_sum(env: jinja2.Environment, value: Any, attribute: Any = None, start: Any = 0) -> Any:
    items = _taken(value, "the sum filter", MAX_SIZE)
    if _length(start) is not None:
        getter = make_attrgetter(env, attribute) if attribute is not None else None
        sizes = itertools.chain([_length(start) or 0], (_length(getter(x) if getter else x) or 0 for x in items))
        _fits(_joined_length("", items, sizes), "the sum filter")
    return items


def _f_count(what: str) -> Callable[..., Any]:
    """batch and slice: the size of each batch, or the number of slices."""

    def check(env: jinja2.Environment, value: Any, count: Any, fill_with: Any = None) -> Any:
        if isinstance(count, int):
            _fits(count, what)
        return value

    return check


def _f_tojson(env: jinja2.Environment, value: Any, indent: Any = None) -> Any:
    step = indent if isinstance(indent, int) else 0 if indent is None else len(str(indent))
    chars, depth = _shape(value, MAX_SIZE)
    _fits(chars + max(step, 0) * depth, "the tojson filter")
    return value


def _f_urlize(
    env: jinja2.Environment, value: Any, trim_url_limit: Any = None, nofollow: Any = False, target: Any = None, rel: Any = None, extra_schemes: Any = None
) -> Any:
    words = len(value.split()) if isinstance(value, str) else text_length(value)
    _fits(text_length(value) + words * (len(str(target or "")) + len(str(rel or "")) + 64), "the urlize filter")
    return value


def _f_date(env: jinja2.Environment, value: Any, fmt: Any = "") -> Any:
    if isinstance(fmt, str):
        _fits(len(fmt) + 64 * fmt.count("%"), "the date filter")
    return value


#: Filters that take a size, a filler or a format, sized from their arguments before they run;
#: each returns the value to filter (an iterator read into a list where it must be counted).
_FILTER_CHECKS: dict[str, Callable[..., Any]] = {
    "center": _f_center,
    "indent": _f_indent,
    "wordwrap": _f_wordwrap,
    "format": _f_format,
    "replace": _f_replace,
    "join": _f_join,
    "list": _f_list,
    "sum": _f_sum,
    "batch": _f_count("the batch filter"),
    "slice": _f_count("the slice filter"),
    "tojson": _f_tojson,
    "urlize": _f_urlize,
    "date": _f_date,
}


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` behind the size checks. Every bounded filter takes the context, which also keeps
    Jinja from running it at compile time, where no check could stop its result."""
    passes = _PassArg.from_obj(func)
    check = _FILTER_CHECKS.get(name)
    signature = inspect.signature(check) if check is not None else None
    text_filter = name in _TEXT_FILTERS
    what = f"the {name} filter"

    @jinja2.pass_context
    def bounded(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        if text_filter and isinstance(value, _WALKED):
            _fits(text_length(value), what)
        if check is not None and signature is not None and _binds(signature, context.environment, value, args, kwargs):
            value = check(context.environment, value, *args, **kwargs)
        if passes is _PassArg.context:
            result = func(context, value, *args, **kwargs)
        elif passes is _PassArg.eval_context:
            result = func(context.eval_ctx, value, *args, **kwargs)
        elif passes is _PassArg.environment:
            result = func(context.environment, value, *args, **kwargs)
        else:
            result = func(value, *args, **kwargs)
        return _checked(result, what)

    bounded.__name__ = getattr(func, "__name__", name)
    bounded.__doc__ = func.__doc__
    return bounded


def _binds(signature: inspect.Signature, env: jinja2.Environment, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether the arguments fit the filter; when not, the filter itself says what is wrong."""
    try:
        signature.bind(env, value, *args, **kwargs)
    except TypeError:
        return False
    return True


def bounded_filters(filters: Mapping[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Every filter in ``filters`` behind the size checks."""
    return {name: _bounded_filter(name, func) for name, func in filters.items()}


# --- concatenation and captured output --------------------------------------------------------


def bounded_concat(parts: Iterable[str]) -> str:
    """Jinja's ``concat`` for the output a ``{% set %}`` block, a macro, ``caller()`` or a
    ``{% filter %}`` block captures: the pieces are counted before they are joined."""
    pieces = parts if isinstance(parts, list) else list(parts)
    _fits(sum(len(p) for p in pieces), "the output of a block or macro")
    return "".join(pieces)


def _printable(value: Any) -> Any:
    """Jinja's ``finalize`` hook, run on every ``{{ value }}``: printing a list is sized first."""
    if isinstance(value, _WALKED):
        _fits(text_length(value), "printing this value")
    return value


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator with ``~`` sized before it joins."""

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:  # noqa: N802 - Jinja's visitor name
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
            _fits(size, "joining with ~")
        text = markup_join(values) if markup else str_join(values)
        _fits(len(text), "joining with ~")
        return text

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return _checked(super().call_binop(context, operator, left, right), f"the {operator} operator")

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
        args = _check_call(__obj, args, kwargs)
        return _checked(super().call(__context, __obj, *args, **kwargs), f"calling {getattr(__obj, '__name__', 'this')}")

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


class memory_cap:
    """Cap the address space while a template renders, so that no trick can exhaust memory.

    The checks above keep every single value under MAX_SIZE; this catches the
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
