"""User templates render only in the sandbox, escape every user string in HTML, and cannot exhaust the machine.

``tests/test_review.py`` has the first escapes; here every way out we know of is
tried through the real CLI (the diagnostic must name the template and line, and
nothing may leak into the output), every user-provided string of every example
profile is made hostile and must arrive escaped in every HTML report, and the
limits on size, time and memory are checked with small bounds.
"""

from __future__ import annotations

import resource
import signal
import textwrap
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml
from codes_seen import record
from conftest import EXAMPLES_AS_OF, run_cli
from jinja2.sandbox import SandboxedEnvironment

from acct_tool.render import template_limits
from acct_tool.render.reports import Templates

SECRET = "s3cr3t-ledger-marker"


def with_template(root: Path, name: str, text: str) -> Path:
    folder = root / "templates"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text), "utf-8")
    return root


def test_every_template_renders_in_a_sandbox(examples_copy: Path) -> None:
    with_template(examples_copy, "review.md.j2", "{{ client.name }}\n")
    for overrides in (None, examples_copy / "templates"):
        env = Templates(overrides).env
        assert isinstance(env, SandboxedEnvironment) and env.sandboxed
        assert isinstance(env.undefined, type) and issubclass(env.undefined, jinja2.StrictUndefined)
        assert "lipsum" not in env.globals


ESCAPES = [
    ("class", "{{ ''.__class__ }}", "template-unsafe"),
    ("mro-subclasses", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "template-unsafe"),
    ("globals-of-a-function", "{{ line_chart.__globals__ }}", "template-unsafe"),
    ("globals-of-a-chart", "{{ bar_chart.__globals__['__builtins__'] }}", "template-unsafe"),
    ("os-via-cycler", "{{ cycler.__init__.__globals__.os.popen('id').read() }}", "template-unsafe"),
    ("os-via-joiner", "{{ joiner.__init__.__globals__.os.system('id') }}", "template-unsafe"),
    ("os-via-namespace", "{{ namespace.__init__.__globals__.os.environ }}", "template-unsafe"),
    ("builtins-via-range", "{{ range.__self__.open('/etc/passwd').read() }}", "template-undefined"),  # the sandbox's range has no __self__
    ("getattr-filter", "{{ client|attr('__class__') }}", "template-unsafe"),
    ("format-field", "{{ '{0.__class__.__mro__}'.format(client) }}", "template-unsafe"),
    ("format-map", "{{ '{x.__class__}'.format_map({'x': client}) }}", "template-unsafe"),
    ("context-internals", "{{ self._TemplateReference__context }}", "template-unsafe"),
    ("loop-internals", "{% for x in [1] %}{{ loop.__class__.__init__.__globals__ }}{% endfor %}", "template-unsafe"),
    ("dict-mutation-to-reach-internals", "{{ {'c': client}.update({'__class__': 1}) or client.__class__ }}", "template-unsafe"),
    ("include-parent", "{% include '../acct-tool.yaml' %}", "template-missing"),
    ("include-absolute", "{% include '/etc/passwd' %}", "template-missing"),
    ("include-ledger-by-absolute-path", "{% include BOOKS ~ '/ledger/main.beancount' %}", "template-missing"),
    ("extends-parent", "{% extends '../ledger/main.beancount' %}", "template-missing"),
    ("import-python-module", "{% import 'os' as os %}{{ os.system('id') }}", "template-missing"),
    ("from-import", "{% from 'subprocess' import run %}{{ run('id') }}", "template-missing"),
]


@pytest.mark.parametrize(("body", "code"), [(b, c) for _, b, c in ESCAPES], ids=[n for n, _, _ in ESCAPES])
def test_escapes_fail_with_a_diagnostic_naming_the_template_and_line(examples_copy: Path, body: str, code: str) -> None:
    (examples_copy / "ledger" / "main.beancount").write_text((examples_copy / "ledger" / "main.beancount").read_text() + f"\n; {SECRET}\n")
    body = body.replace("BOOKS", repr(str(examples_copy)))
    with_template(examples_copy, "review.md.j2", "# {{ client.name }}\n" + body + "\n")
    result = run_cli("review", "acme", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 1, result.output
    assert f"templates/review.md.j2:2: error {code}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    leaked = result.output + result.stderr
    assert "uid=" not in leaked and "root:" not in leaked and SECRET not in leaked and "ledger:" not in result.output
    record(code)


def test_an_unsafe_html_template_writes_nothing(examples_copy: Path, tmp_path: Path) -> None:
    with_template(examples_copy, "portfolio.html.j2", "<h1>{{ manager }}</h1>\n{{ manager.__class__.__mro__ }}\n")
    out = tmp_path / "out"
    result = run_cli("review", "--format", "html", "--out", str(out), books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 1
    assert "templates/portfolio.html.j2:2: error template-unsafe" in result.stderr
    assert not out.exists() or not any(out.iterdir())


# --- HTML escaping of every user-provided string ------------------------------------------

#: Where user text lives in a profile: (path, key); a list path applies to every item.
TEXT_FIELDS: list[tuple[tuple[str, ...], str]] = [
    ((), "name"),
    ((), "industry"),
    ((), "website"),
    ((), "notes"),
    (("contacts",), "name"),
    (("contacts",), "role"),
    (("contacts",), "email"),
    (("contacts",), "phone"),
    (("contacts",), "notes"),
    (("interactions",), "summary"),
    (("interactions",), "with"),
    (("interactions", "next_step"), "action"),
    (("satisfaction",), "comment"),
    (("risks",), "summary"),
    (("risks",), "plan"),
    (("opportunities",), "name"),
    (("opportunities",), "notes"),
]
#: The fields the issue names, which the built-in HTML templates show: each must appear, escaped.
MUST_SHOW = {
    "name",
    "interactions.summary",
    "risks.summary",
    "risks.plan",
    "contacts.email",
    "contacts.name",
    "opportunities.name",
    "interactions.next_step.action",
}


def hostile(field: str) -> str:
    """A value that is valid where text is allowed (no spaces, so it is a valid email too) but is HTML."""
    marker = "X" + field.replace(".", "_")
    return f"<i>{marker}</i><script>alert('{marker}')</script>&\"'@x.example"


def poison(data: dict[str, Any]) -> None:
    for path, key in TEXT_FIELDS:
        field = ".".join((*path, key))
        targets: list[Any] = [data]
        for part in path:
            nxt: list[Any] = []
            for t in targets:
                value = t.get(part) if isinstance(t, dict) else None
                nxt += value if isinstance(value, list) else [value] if isinstance(value, dict) else []
            targets = nxt
        for t in targets:
            if isinstance(t, dict) and (key in t or path == ()):
                t[key] = [hostile(field)] if isinstance(t.get(key), list) else hostile(field)
    data["goals"] = [hostile("goals")]
    data["tags"] = [hostile("tags")]
    # a plan's stakeholders name contacts: they follow the contacts' (hostile) names
    for stakeholder in (data.get("plan") or {}).get("stakeholders") or []:
        stakeholder["name"] = hostile("contacts.name")


def test_every_user_string_is_escaped_in_every_html_report(examples_copy: Path, tmp_path: Path) -> None:
    for path in sorted((examples_copy / "clients").glob("*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8"))
        poison(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    checked = run_cli("check", "--format", "json", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert [d for d in checked.json() if d["severity"] == "error"] == [], "the hostile values must be valid profile text"
    out = tmp_path / "out"
    result = run_cli("review", "--format", "html", "--out", str(out), books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    pages = {p.name: p.read_text("utf-8") for p in out.glob("*.html")}
    assert len(pages) > 5
    everything = "\n".join(pages.values())
    for name, html in pages.items():
        assert "<script" not in html.lower(), name
        assert "<i>X" not in html, name  # an unescaped user tag
        assert "alert('X" not in html, name  # quotes are escaped too
    shown = {
        field for field in [".".join((*p, k)) for p, k in TEXT_FIELDS] + ["goals", "tags"] if f"&lt;i&gt;X{field.replace('.', '_')}&lt;/i&gt;" in everything
    }
    assert shown >= MUST_SHOW, sorted(MUST_SHOW - shown)


def test_chart_functions_escape_what_a_template_passes_them() -> None:
    templates = Templates(None)
    templates.env.loader = jinja2.DictLoader(
        {
            "t.html.j2": "{{ bar_chart(name, [name, 'b'], values, name) }}{{ line_chart(name, [name], values[:1], top=10) }}{{ stacked_bar(name, [name], values[:1]) }}"
        }
    )
    from decimal import Decimal

    text, problems = templates.render("t.html.j2", {"name": "<script>x</script>", "values": [Decimal(1), Decimal(2)]})
    assert problems == [] and text is not None
    assert "<script>" not in text and "&lt;script&gt;" in text


# --- limits -------------------------------------------------------------------------------

BOMBS = [
    ("string-repeat", "{{ 'x' * 10**10 }}"),
    ("list-repeat", "{{ [0] * 10**10 }}"),
    ("power", "{{ 7 ** 123456789 }}"),
    ("square-loop", "{% set ns = namespace(n=3) %}{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}{% endfor %}"),
    ("plus-doubling", "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}"),
    ("tilde-doubling", "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"),
    ("percent-width", "{{ '%0999999999d' % 1 }}"),
    ("format-filter-width", "{{ '%-999999999s'|format('x') }}"),
    ("format-method-width", "{{ '{:>999999999}'.format(1) }}"),
    ("ljust", "{{ 'x'.ljust(10**9) }}"),
    ("center-filter", "{{ 'x'|center(10**9) }}"),
    ("indent-filter", "{{ ('a\n' * 1000)|indent(10**6) }}"),
    ("replace-method", "{{ ('x' * 10**6).replace('x', 'y' * 100) }}"),
    ("replace-filter", "{{ ('x' * 10**6)|replace('x', 'y' * 100) }}"),
    ("join-filter", "{{ range(100000)|join('x' * 10**5) }}"),
    ("output", "{% set s = 'x' * 10**6 %}{% for i in range(100) %}{{ s }}{% endfor %}"),
    (
        "macro-nesting",
        "{% set s = 'x' * 10**6 %}{% macro a() %}{% for i in range(100) %}{{ s }}{% endfor %}{% endmacro %}{% macro b() %}{% for i in range(100) %}{{ a() }}{% endfor %}{% endmacro %}{{ b() }}",
    ),
    ("nested-loops", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"),
    ("huge-range", "{% for i in range(10**9) %}{% endfor %}"),
]


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template_limits, "MAX_SIZE", 1_000_000)
    monkeypatch.setattr(template_limits, "MAX_OUTPUT", 5_000_000)
    monkeypatch.setattr(template_limits, "MAX_SECONDS", 1.0)
    monkeypatch.setattr(template_limits, "MAX_MEMORY", 300_000_000)


def render(source: str, context: dict[str, Any] | None = None) -> tuple[str | None, list[Any]]:
    templates = Templates(None)
    templates.env.loader = jinja2.DictLoader({"t.md.j2": source})
    return templates.render("t.md.j2", context or {})


@pytest.mark.parametrize("source", [s for _, s in BOMBS], ids=[n for n, _ in BOMBS])
def test_templates_cannot_build_huge_values_or_run_forever(small_limits: None, source: str) -> None:
    text, problems = render(source)
    assert text is None
    assert [d.code for d in problems] == ["template-unsafe"], problems
    assert problems[0].file == "<built-in>/t.md.j2"
    record("template-unsafe")


def test_limits_leave_ordinary_templates_alone(small_limits: None) -> None:
    source = (
        "{{ 'ab' * 3 }} {{ [1, 2] + [3] }} {{ 2 ** 10 }} {{ 12 * 12 }} {{ '%5.1f' % 3.14159 }} {{ '%s-%s' % ('a', 'b') }}"
        " {{ '{:>6}'.format('x') }} {{ 'x'|center(7) }} {{ 'a'.ljust(3) }}| {{ 'a-b'|replace('-', '--') }} {{ [1, 2]|join(', ') }}"
        " {{ 'x' ~ 'y' }} {{ ('l1\nl2')|indent(2) }}"
    )
    text, problems = render(source)
    assert problems == []
    assert text == "ababab [1, 2, 3] 1024 144   3.1 a-b      x    x    a  | a--b 1, 2 xy l1\n  l2"


def test_render_limits_restore_the_signal_handler_and_the_memory_limit(small_limits: None) -> None:
    def mine(*_: object) -> None:
        pass

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        before = resource.getrlimit(resource.RLIMIT_AS)
        render("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
        render("{{ 'fine' }}")
        assert signal.getsignal(signal.SIGALRM) is mine
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        assert resource.getrlimit(resource.RLIMIT_AS) == before
    finally:
        signal.signal(signal.SIGALRM, previous)
