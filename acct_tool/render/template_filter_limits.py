"""Jinja's filters behind the size limits: each filter that takes a size, a filler or
a format is sized from its arguments before it runs, each that turns its value
into text is sized from that value, and whatever a filter returns is measured.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Mapping
from typing import Any

import jinja2
from jinja2.filters import make_attrgetter
from jinja2.runtime import Context
from jinja2.utils import _PassArg

from acct_tool.render import template_limits as limits
from acct_tool.render.template_sizes import WALKED, checked, fits, joined_length, printf_length, replace_length, shape, size_of, taken, text_length

#: Filters that turn their value into text first: sized from that value.
_TEXT_FILTERS = frozenset(
    {
        "capitalize",
        "center",
        "e",
        "escape",
        "forceescape",
        "format",
        "indent",
        "lower",
        "pprint",
        "replace",
        "safe",
        "string",
        "striptags",
        "title",
        "trim",
        "truncate",
        "upper",
        "urlencode",
        "urlize",
        "wordcount",
        "wordwrap",
        "xmlattr",
        "date",
        "days",
        "md",
        "money",
        "number",
        "pct",
        "signed",
    }
)


def _f_center(env: jinja2.Environment, value: Any, width: Any = 80) -> Any:
    if isinstance(width, int):
        fits(max(text_length(value), width), "the center filter")
    return value


def _f_indent(env: jinja2.Environment, value: Any, width: Any = 4, first: Any = False, blank: Any = False) -> Any:
    step = width if isinstance(width, int) else len(str(width))
    lines = value.count("\n") + 1 if isinstance(value, str) else text_length(value)
    fits(text_length(value) + max(step, 0) * lines, "the indent filter")
    return value


def _f_wordwrap(
    env: jinja2.Environment, value: Any, width: Any = 79, break_long_words: Any = True, wrapstring: Any = None, break_on_hyphens: Any = True
) -> Any:
    size = text_length(value)
    paragraphs = value.count("\n") + 1 if isinstance(value, str) else 1
    # every two consecutive lines hold more than width - 1 characters, or the first would take the next word
    lines = 2 * size // max((width if isinstance(width, int) else 79) - 1, 1) + paragraphs + 1
    joint = len(wrapstring) if isinstance(wrapstring, str) else len(env.newline_sequence)
    fits(size + lines * joint, "the wordwrap filter")
    return value


def _f_format(env: jinja2.Environment, value: Any, *args: Any, **kwargs: Any) -> Any:
    fits(printf_length(str(value), kwargs or args), "the format filter")
    return value


def _f_replace(env: jinja2.Environment, value: Any, old: Any = "", new: Any = "", count: Any = None) -> Any:
    fits(replace_length(str(value), str(old), str(new), -1 if count is None else count), "the replace filter")
    return value


def _f_join(env: jinja2.Environment, value: Any, d: Any = "", attribute: Any = None) -> Any:
    items = taken(value, "the join filter", limits.MAX_SIZE)
    getter = make_attrgetter(env, attribute) if attribute is not None else None
    sizes = (text_length(getter(x) if getter else x) for x in items)
    fits(joined_length(str(d), items, sizes), "the join filter")
    return items


def _f_list(env: jinja2.Environment, value: Any) -> Any:
    return taken(value, "the list filter", limits.MAX_SIZE)


def _f_sum(env: jinja2.Environment, value: Any, attribute: Any = None, start: Any = 0) -> Any:
    items = taken(value, "the sum filter", limits.MAX_SIZE)
    if size_of(start) is not None:
        getter = make_attrgetter(env, attribute) if attribute is not None else None
        sizes = itertools.chain([size_of(start) or 0], (size_of(getter(x) if getter else x) or 0 for x in items))
        fits(joined_length("", items, sizes), "the sum filter")
    return items


def _f_count(what: str) -> Callable[..., Any]:
    """batch and slice: the size of each batch, or the number of slices."""

    def check(env: jinja2.Environment, value: Any, count: Any, fill_with: Any = None) -> Any:
        if isinstance(count, int):
            fits(count, what)
        return value

    return check


def _f_tojson(env: jinja2.Environment, value: Any, indent: Any = None) -> Any:
    step = indent if isinstance(indent, int) else 0 if indent is None else len(str(indent))
    chars, depth = shape(value, limits.MAX_SIZE)
    fits(chars + max(step, 0) * depth, "the tojson filter")
    return value


def _f_urlize(
    env: jinja2.Environment, value: Any, trim_url_limit: Any = None, nofollow: Any = False, target: Any = None, rel: Any = None, extra_schemes: Any = None
) -> Any:
    words = len(value.split()) if isinstance(value, str) else text_length(value)
    fits(text_length(value) + words * (len(str(target or "")) + len(str(rel or "")) + 64), "the urlize filter")
    return value


def _f_date(env: jinja2.Environment, value: Any, fmt: Any = "") -> Any:
    if isinstance(fmt, str):
        fits(len(fmt) + 64 * fmt.count("%"), "the date filter")
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
    # Whether arguments bind depends only on how many are positional and which are named.
    shapes: dict[tuple[int, tuple[str, ...]], bool] = {}

    @jinja2.pass_context
    def bounded(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        if text_filter and isinstance(value, WALKED):
            fits(text_length(value), what)
        if check is not None and signature is not None:
            shape = (len(args), tuple(kwargs))
            fit = shapes.get(shape)
            if fit is None:
                fit = shapes[shape] = _binds(signature, context.environment, value, args, kwargs)
            if fit:
                value = check(context.environment, value, *args, **kwargs)
        if passes is _PassArg.context:
            result = func(context, value, *args, **kwargs)
        elif passes is _PassArg.eval_context:
            result = func(context.eval_ctx, value, *args, **kwargs)
        elif passes is _PassArg.environment:
            result = func(context.environment, value, *args, **kwargs)
        else:
            result = func(value, *args, **kwargs)
        return checked(result, what)

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
