"""How large a value a template operation would build, measured before it runs.

Each function here gives an upper bound on the length of a result (the text of
a value, a %-format, a format spec, a replace or a join) from the operation's
arguments, without making the result, and counts only as far as just past
:data:`acct_tool.render.template_limits.MAX_SIZE`. :mod:`acct_tool.render.template_sandbox` and
:mod:`acct_tool.render.template_filter_limits` refuse what would not fit.
"""

from __future__ import annotations

import datetime
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.utils import Namespace
from markupsafe import Markup

from acct_tool.render import template_limits as limits


def _too_big(what: str) -> SecurityError:
    return SecurityError(f"{what} would be longer than {limits.MAX_SIZE:,} characters or items; a template may not build values this large")


def fits(size: int, what: str) -> None:
    if size > limits.MAX_SIZE:
        raise _too_big(what)


def size_of(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)) else None


def checked(value: Any, what: str) -> Any:
    """``value``, refused when an operation returned something over the cap anyway."""
    size = size_of(value)
    if size is not None:
        fits(size, what)
    return value


# --- how long a value is as text, without making the text --------------------------------------

_VIEWS: tuple[type[Any], ...] = (type({}.keys()), type({}.values()), type({}.items()))
_CONTAINERS: tuple[type[Any], ...] = (list, tuple, set, frozenset, dict, *_VIEWS)
#: What :func:`shape` walks: anything else prints a short text of its own.
WALKED: tuple[type[Any], ...] = (*_CONTAINERS, Namespace)
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
        except Exception:
            return 64
    return 64  # other objects print a short description of themselves


def shape(value: Any, limit: int) -> tuple[int, int]:
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
    return shape(value, limits.MAX_SIZE)[0] if isinstance(value, WALKED) else _leaf_length(value, False)


def repr_text_length(value: Any) -> int:
    return _repr_length(value) if isinstance(value, str) else text_length(value)


def taken(values: Any, what: str, room: int) -> Any:
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
    return limits.MAX_SIZE + 1 if len(digits) > 9 else int(digits)


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
        if width > limits.MAX_SIZE or precision > limits.MAX_SIZE:
            return limits.MAX_SIZE + 1
        if key is None:
            value = take()
        else:
            try:
                value = values[key]
            except Exception:
                value = None
        if conversion == "s":
            body = text_length(value)
        elif conversion in "ra":
            body = repr_text_length(value)
        elif conversion == "c":
            body = 1
        else:
            body = _number_length(value, conversion) + precision
        if precision_digits is not None and conversion in "sra":
            body = min(body, precision)
        size += max(width, body)
        if size > limits.MAX_SIZE:
            break
    return size


_STANDARD_SPEC = re.compile(r"(?:.?[<>=^])?[-+ ]?z?#?0?(?P<width>\d*)[,_]?(?:\.(?P<precision>\d*))?[bcdeEfFgGnosxX%]?", re.DOTALL)


def field_length(value: Any, spec: str) -> int:
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


def replace_length(text: str, old: str, new: str, count: Any = -1) -> int:
    found = len(text) + 1 if old == "" else text.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * max(len(new) - len(old), 0)


def joined_length(separator: str, items: Any, sizes: Iterable[int]) -> int:
    """The length of ``separator`` joining ``items`` of ``sizes``, counted only until it passes MAX_SIZE."""
    total = len(separator) * max(len(items) - 1, 0)
    for size in sizes:
        total += size
        if total > limits.MAX_SIZE:
            break
    return total
