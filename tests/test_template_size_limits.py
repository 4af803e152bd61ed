"""No operation a template can use builds a string or list over the size cap.

``docs/templates.md`` promises that no single string or list a template builds is
longer than ``MAX_SIZE`` (10 million; one million here). Every way we know of to
build text or lists from small pieces is tried: ``str.format`` and
``format_map`` (widths and precisions from arguments, repeated fields, lists and
their repr), ``%`` formatting and the ``format`` filter (``*`` widths, repeated
fields, mappings), ``*`` repetition, ``join``, the padding and replacing string
methods, ``translate``, the filters that take a size or a filler (``center``,
``indent``, ``wordwrap``, ``batch``, ``slice``, ``sum``, ``tojson``,
``urlize``, ``date``), ``~`` concatenation, captured blocks, macros, filter
blocks, printing a list, and growing a list in place. Each must be refused with
a ``template-unsafe`` diagnostic that names the size limit, at once and without
allocating anything near the size it asked for.
"""

from __future__ import annotations

import datetime
import tracemalloc
from typing import Any

import jinja2
import pytest
from codes_seen import record

from acct_tool.render import template_limits
from acct_tool.render.reports import Templates

CAP = 1_000_000


class Big:
    """An object of the context with a long repr."""

    def __repr__(self) -> str:
        return "x" * 100_000


BOMBS = [
    # str.format and format_map: the width or precision can come from an argument
    ("format-width-from-a-string", "{{ '{0:>{1}}'.format('x', '999999999') }}"),
    ("format-width-from-a-number", "{{ '{0:>{1}}'.format('x', 999999999) }}"),
    ("format-map-width", "{{ '{x:>{w}}'.format_map({'x': 'x', 'w': 999999999}) }}"),
    ("format-precision-from-a-string", "{{ '{:.{}f}'.format(1.5, '999999999') }}"),
    ("format-repeated-field", "{{ ('{0}' * 1000).format('x' * 100000) }}"),
    ("format-field-of-a-list", "{{ '{0}{0}'.format(['x' * 100000] * 1000) }}"),
    ("format-repr-of-a-list", "{{ '{0!r}'.format(['x' * 100000] * 1000) }}"),
    ("markup-format-width", "{{ ('{0:>{1}}'|safe).format('x', '999999999') }}"),
    # % formatting and the format filter
    ("percent-star-width", "{{ '%*s' % (999999999, 'x') }}"),
    ("percent-star-precision", "{{ '%.*f' % (999999999, 1.5) }}"),
    ("percent-repeated-field", "{{ ('%s' * 1000) % (('x' * 100000,) * 1000) }}"),
    ("percent-repeated-key", "{{ ('%(a)s' * 1000) % {'a': 'x' * 100000} }}"),
    ("percent-of-a-list", "{{ '%s' % [['x' * 100000] * 1000] }}"),
    ("format-filter-repeated-key", "{{ ('%(a)s' * 1000)|format(a='x' * 100000) }}"),
    ("format-filter-star-width", "{{ '%*s'|format(999999999, 'x') }}"),
    # repetition
    ("str-repeat", "{{ 'x' * 999999999 }}"),
    ("list-repeat", "{{ [0] * 999999999 }}"),
    ("tuple-repeat", "{{ (0,) * 999999999 }}"),
    ("long-string-repeat", "{{ ('x' * 100000) * 10000 }}"),
    # join
    ("join-method-over-a-string", "{{ ('x' * 1000).join('y' * 1000000) }}"),
    ("join-method-over-a-generator", "{{ ('x' * 100000).join(range(10000)|map('string')) }}"),
    ("join-filter-over-a-generator", "{{ range(10000)|map('string')|join('x' * 100000) }}"),
    ("join-filter-of-lists", "{{ ([['x' * 100000] * 100] * 1000)|join }}"),
    # string methods
    ("ljust", "{{ 'x'.ljust(999999999) }}"),
    ("rjust", "{{ 'x'.rjust(999999999) }}"),
    ("center-method", "{{ 'x'.center(999999999) }}"),
    ("zfill", "{{ '1'.zfill(999999999) }}"),
    ("expandtabs", "{{ ('\t' * 1000).expandtabs(1000000) }}"),
    ("replace-method", "{{ ('x' * 1000).replace('x', 'y' * 1000000) }}"),
    ("replace-empty", "{{ ('x' * 1000).replace('', 'y' * 1000000) }}"),
    ("translate", "{{ ('x' * 100000).translate({120: 'y' * 10000}) }}"),
    # filters that take a size or a filler
    ("center-filter", "{{ 'x'|center(999999999) }}"),
    ("indent-filter-number", "{{ ('a\n' * 100000)|indent(10000) }}"),
    ("indent-filter-string", "{{ ('a\n' * 100000)|indent('x' * 10000) }}"),
    ("wordwrap-filter", "{{ ('a ' * 100000)|wordwrap(1, wrapstring='x' * 10000) }}"),
    ("replace-filter", "{{ ('x' * 1000)|replace('x', 'y' * 1000000) }}"),
    ("string-filter-of-a-list", "{{ (['x' * 100000] * 1000)|string }}"),
    ("upper-filter-of-a-list", "{{ (['x' * 100000] * 1000)|upper }}"),
    ("tojson-indent", "{{ [[1]]|tojson(999999999) }}"),
    ("batch-filler", "{{ [1]|batch(999999999, 0)|list }}"),
    ("slice-count", "{{ [1]|slice(999999999)|list }}"),
    ("sum-of-lists", "{{ ([[0] * 100000] * 10000)|sum(start=[]) }}"),
    ("urlize-target", "{{ ('a.com ' * 100000)|urlize(target='x' * 10000) }}"),
    ("date-format", "{{ day|date('%c' * 400000) }}"),
    # concatenation, captured output, printing
    ("tilde-once", "{% set s = 'x' * 600000 %}{% set t = s ~ s %}"),
    ("tilde-doubling", "{% set ns = namespace(s='x' * 1000) %}{% for i in range(30) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"),
    ("tilde-of-a-list", "{% set t = 'a' ~ (['x' * 100000] * 1000) %}"),
    ("block-set", "{% set s = 'x' * 100000 %}{% set t %}{% for i in range(10000) %}{{ s }}{% endfor %}{% endset %}"),
    ("macro-output", "{% set s = 'x' * 100000 %}{% macro m() %}{% for i in range(10000) %}{{ s }}{% endfor %}{% endmacro %}{% set t = m() %}"),
    (
        "caller-output",
        "{% set s = 'x' * 100000 %}{% macro m() %}{{ caller() }}{% endmacro %}{% call m() %}{% for i in range(10000) %}{{ s }}{% endfor %}{% endcall %}",
    ),
    ("filter-block", "{% set s = 'x' * 100000 %}{% filter upper %}{% for i in range(10000) %}{{ s }}{% endfor %}{% endfilter %}"),
    ("print-a-list", "{{ ['x' * 100000] * 10000 }}"),
    ("print-a-list-of-bytes", "{{ [('x' * 100000).encode()] * 1000 }}"),
    ("print-a-list-of-objects", "{{ [big] * 1000 }}"),
    # lists growing in place
    ("list-extend-doubling", "{% set ns = namespace(l=[0] * 1000) %}{% for i in range(30) %}{% set _ = ns.l.extend(ns.l) %}{% endfor %}"),
]


@pytest.fixture
def cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template_limits, "MAX_SIZE", CAP)
    monkeypatch.setattr(template_limits, "MAX_SECONDS", 5.0)
    monkeypatch.setattr(template_limits, "MAX_MEMORY", 400_000_000)


def render(source: str, name: str = "t.md.j2") -> tuple[str | None, list[Any]]:
    templates = Templates(None)
    templates.env.loader = jinja2.DictLoader({name: source})
    return templates.render(name, {"day": datetime.date(2026, 11, 30), "big": Big()})


@pytest.mark.parametrize("source", [s for _, s in BOMBS], ids=[n for n, _ in BOMBS])
def test_every_way_to_build_a_huge_value_is_refused_before_it_is_built(cap: None, source: str) -> None:
    tracemalloc.start()
    try:
        text, problems = render(source)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert text is None
    assert [d.code for d in problems] == ["template-unsafe"], problems
    assert f"longer than {CAP:,}" in problems[0].message, problems[0].message
    assert peak < 20 * CAP, f"allocated {peak:,} bytes"  # refused before it was built (no timing: machines are noisy)
    record("template-unsafe")


def test_an_html_template_is_bounded_too(cap: None) -> None:
    text, problems = render("{{ '{0:>{1}}'.format('x', '999999999') }}{{ (['<' * 100000] * 1000)|string }}", "t.html.j2")
    assert text is None and [d.code for d in problems] == ["template-unsafe"], problems


def test_the_default_cap_refuses_a_billion_characters_at_once() -> None:
    tracemalloc.start()
    try:
        text, problems = render("# title\n{{ '{0:>{1}}'.format('x', '999999999') }}\n")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000, f"allocated {peak:,} bytes"  # refused before it was built
    assert text is None and [d.code for d in problems] == ["template-unsafe"], problems
    assert f"longer than {template_limits.MAX_SIZE:,}" in problems[0].message


UP_TO_THE_CAP = [
    ("{{ '{0:>{1}}'.format('x', '999000')|length }}", "999000"),
    ("{{ '{x:>{w}}'.format_map({'x': 'x', 'w': 5}) }}", "    x"),
    ("{{ '{:.{}f}'.format(1.5, 3) }} {{ '{0!r}'.format(['a']) }} {{ '{:,}'.format(1234567) }}", "1.500 ['a'] 1,234,567"),
    ("{{ '%*d|%-*s|%.*f' % (5, 42, 3, 'a', 2, 3.14159) }}", "   42|a  |3.14"),
    ("{{ '%(a)s-%(a)s' % {'a': 'x'} }} {{ '%s' % [1, 2] }} {{ '%5.1f%%' % 12.34 }}", "x-x [1, 2]  12.3%"),
    ("{{ '%(a)s+%(b)s'|format(a=1, b=2) }} {{ '%s|%s'|format('a', 'b') }}", "1+2 a|b"),
    ("{{ (('x' * 500000) ~ ('y' * 500000))|length }} {{ 'a' ~ 1 ~ [2] }}", "1000000 a1[2]"),
    ("{{ '-'.join('abc') }} {{ '-'.join(range(3)|map('string')) }} {{ [{'n': 'a'}, {'n': 'b'}]|join(', ', attribute='n') }}", "a-b-c 0-1-2 a, b"),
    ("{{ 'abc'.translate({97: 'xy', 98: None}) }} {{ 'a\tb'.expandtabs(4) }}|", "xyc a   b|"),
    ("{{ [1, 2, 3]|batch(2, 0)|list }} {{ [1, 2, 3]|slice(2)|list }} {{ [[1], [2]]|sum(start=[]) }}", "[[1, 2], [3, 0]] [[1, 2], [3]] [1, 2]"),
    (
        "{{ 'a b c'|wordwrap(3) }}|{{ {'a': 1}|tojson(1) }}|{{ 'see https://a.com'|urlize(target='_top') }}",
        'a b\nc|{\n "a": 1\n}|see <a href="https://a.com" rel="noopener" target="_top">https://a.com</a>',
    ),
    (
        "{% set s %}{% for i in range(3) %}{{ i }}{% endfor %}{% endset %}{% macro m() %}<{{ caller() }}>{% endmacro %}{{ s }}{% call m() %}c{% endcall %}{% filter upper %}up{% endfilter %}",
        "012<c>UP",
    ),
    (
        "{% set ns = namespace(l=[0]) %}{% for i in range(3) %}{% set _ = ns.l.extend(ns.l) %}{% endfor %}{{ ns.l|length }} {{ [['a'] * 2] }} {{ day|date('%d %b') }}",
        "8 [['a', 'a']] 30 Nov",
    ),
]


@pytest.mark.parametrize(("source", "expected"), UP_TO_THE_CAP)
def test_the_same_operations_within_the_cap_work_as_in_python(cap: None, source: str, expected: str) -> None:
    text, problems = render(source)
    assert problems == [], problems
    assert text == expected
