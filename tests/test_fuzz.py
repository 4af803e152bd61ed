"""Fuzzing: random YAML documents, random bytes, random CSV rows and random templates never escape as exceptions.

Where the other tests pick inputs by hand, these let hypothesis pick them:

* YAML documents that start as valid profiles and settings (dumped in every
  style PyYAML has) and are then mutated the way hands and tools break files:
  a stray fragment, a deleted span, a tab, a duplicated line, anchors and aliases,
  truncation. The profile loader and the settings loader must answer with data
  or diagnostics, each diagnostic a documented code pointing inside the file.
* Graphs of anchors and aliases: loaded or refused as too complex, and fast.
* Random bytes, and valid profiles with random bytes flipped.
* CSV statements in random formats (delimiter, decimal convention, date
  format, preamble, encoding, line ends) with rows that mix good and bad cells,
  quoted and broken; then the parsed lines against random ledger postings
  through the matcher, whose pairing must stay one-to-one.
* Random report templates: rendered or refused with a template diagnostic.
* A few of each through the real CLI, which must not raise.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml
from conftest import make_books, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acct_tool.books.globs import glob_matches
from acct_tool.books.ledger import AccountPosting
from acct_tool.books.profiles import load_party
from acct_tool.books.settings import StatementFormat, load_settings
from acct_tool.books.yamlsource import parse_yaml
from acct_tool.diagnostics import CODES
from acct_tool.engines.bank import match_lines
from acct_tool.engines.statements import parse_statement
from acct_tool.render import template_limits
from acct_tool.render.reports import Templates

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SLOW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

PROFILE_KEYS = [
    "id", "name", "kind", "status", "tier", "manager", "since", "website", "industry", "currencies", "accounts", "terms",
    "contract", "contacts", "goals", "interactions", "satisfaction", "risks", "opportunities", "targets", "tags", "notes",
]  # fmt: skip
NESTED_KEYS = ["receivable", "payable", "payment_days", "credit_limit", "date", "channel", "summary", "with", "nps", "plan", "value", "due", "action", "email"]
SETTINGS_KEYS = ["ledger", "profiles", "templates", "payment_days", "aging_limits", "cadence", "health", "statements", "operating_currency", "receivable_root"]

SCALARS = st.one_of(
    st.sampled_from(
        [
            "acme",
            "ACME Manufacturing",
            "client",
            "vendor",
            "both",
            "key",
            "active",
            "2026-01-31",
            "2026-02-30",
            "0000-00-00",
            "50000 USD",
            "1e5 USD",
            "-5 USD",
            "Assets:Receivable:Acme",
            "receivable:acme",
            "../x",
            "CON",
            "mai@acme.example",
            "call",
            "meeting",
            "positive",
            "",
            " ",
            "yes",
            "no",
            "on",
            "~",
            "null",
            "0x1F",
            "0o17",
            ".inf",
            "-.nan",
            "1_000",
            "12:30:00",
            "2026-01-01T10:00:00Z",
            "é",
            "\u2028",
            "\x85",
            "Ω≈ç√",
            "<script>",
            "{{ x }}",
        ]
    ),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(min_value=datetime.date(1, 1, 1)),
    st.text(max_size=25),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(NESTED_KEYS) | st.text(max_size=8), inner, max_size=4),
    max_leaves=25,
)
FRAGMENTS = st.sampled_from(
    [
        "\t", "  ", "- ", ": ", "? ", "{", "}", "[", "]", ",", "'", '"', "#", "&a ", "*a", "*zz", "&b [*a, *a]", "!!python/object:os.system ",
        "!!binary ", "!custom ", "%YAML 1.1\n", "---\n", "...\n", "|\n", ">-\n", "<<: *a\n", "\\", "\x00", "\x07", "\ufeff", "\ud7ff",
        "\n", "\r", "\r\n", "key: value\n", "id: other\n", "name: x\nname: y\n",
    ]
)  # fmt: skip


def dump(data: Any, style: dict[str, Any]) -> str:
    try:
        return str(yaml.safe_dump(data, **style))
    except (yaml.YAMLError, ValueError, OverflowError):  # a value PyYAML cannot write: fall back to repr
        return repr(data)


@st.composite
def yaml_documents(draw: st.DrawFn, keys: list[str]) -> str:
    """A document in some PyYAML style, then broken in up to five random ways."""
    data = draw(st.dictionaries(st.sampled_from(keys) | st.text(max_size=10), VALUES, max_size=8))
    style = {
        "default_flow_style": draw(st.sampled_from([False, True, None])),
        "indent": draw(st.integers(2, 8)),
        "width": draw(st.sampled_from([10, 80, 4096])),
        "allow_unicode": draw(st.booleans()),
        "explicit_start": draw(st.booleans()),
        "sort_keys": draw(st.booleans()),
    }
    text = dump(data, style)
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["insert", "delete", "tab", "duplicate", "alias", "truncate", "indent"]))
        at = draw(st.integers(0, len(text)))
        if kind == "insert":
            text = text[:at] + draw(FRAGMENTS) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        elif kind == "tab":
            text = text.replace("  ", "\t", draw(st.integers(1, 3)))
        elif kind == "truncate":
            text = text[:at]
        else:
            lines = text.splitlines(keepends=True) or [""]
            i = draw(st.integers(0, len(lines) - 1))
            if kind == "duplicate":
                lines.insert(i, lines[i])
            elif kind == "indent":
                lines[i] = " " * draw(st.integers(1, 9)) + lines[i]
            else:
                lines[i] = lines[i].replace(": ", ": &a ", 1) + f"extra{i}: *a\n"
            text = "".join(lines)
    return text


def assert_diagnostics(problems: list[Any], file: str, text: str) -> None:
    lines = text.count("\n") + text.count("\r") + 2
    for d in problems:
        assert d.code in CODES, d
        assert d.file == file, d
        assert d.line is None or 1 <= d.line <= lines, (d, lines)
        assert d.column is None or d.column >= 1, d


@FUZZ
@given(text=yaml_documents(PROFILE_KEYS))
def test_random_yaml_profiles_load_or_give_diagnostics(tmp_path: Path, text: str) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(text, "utf-8", errors="surrogatepass")
    party, problems = load_party(path, "clients/acme.yaml")
    assert_diagnostics(problems, "clients/acme.yaml", text)
    assert party is not None or problems, "a profile that yields no party must say why"


@FUZZ
@given(text=yaml_documents(SETTINGS_KEYS))
def test_random_yaml_settings_load_or_give_diagnostics(tmp_path: Path, text: str) -> None:
    (tmp_path / "acct-tool.yaml").write_text(text, "utf-8", errors="surrogatepass")
    loaded, problems = load_settings(tmp_path)
    assert_diagnostics(problems, "acct-tool.yaml", text)
    assert loaded.ledger and loaded.profiles  # every key keeps a usable value


@st.composite
def alias_graphs(draw: st.DrawFn) -> str:
    """Anchors, each a list of aliases to earlier anchors: sizes grow up to width ** depth."""
    count = draw(st.integers(1, 12))
    lines = ["a0: &a0 [x, y]"]
    for i in range(1, count):
        refs = draw(st.lists(st.integers(0, i - 1), min_size=1, max_size=12))
        style = draw(st.sampled_from(["flow", "block", "merge"]))
        if style == "flow":
            lines.append(f"a{i}: &a{i} [" + ", ".join(f"*a{r}" for r in refs) + "]")
        elif style == "block":
            lines.append(f"a{i}: &a{i}\n" + "".join(f"  - *a{r}\n" for r in refs).rstrip("\n"))
        else:
            lines.append(f"a{i}: &a{i} {{k{i}: *a{refs[0]}}}")
    lines.append(f"goals: *a{count - 1}")
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None)
@given(text=alias_graphs())
def test_alias_graphs_are_loaded_or_refused_quickly(text: str) -> None:
    started = time.perf_counter()
    doc, problems = parse_yaml(text, "clients/acme.yaml")
    assert time.perf_counter() - started < 10
    assert_diagnostics(problems, "clients/acme.yaml", text)
    assert doc is not None or [d.code for d in problems] == ["yaml-too-complex"]


VALID = (
    b"id: acme\nname: ACME\nkind: client\naccounts: {receivable: Assets:Receivable:Acme}\n"
    b"contacts:\n  - {name: Mai Tran, email: mai@acme.example}\n"
    b"interactions:\n  - {date: 2026-10-01, channel: call, summary: Kick-off}\n"
)


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=600),
        st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=6).map(
            lambda flips: bytes(dict(flips).get(i, b) for i, b in enumerate(VALID))
        ),
    )
)
def test_random_bytes_as_a_profile_or_settings(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "acme.yaml"
    path.write_bytes(data)
    _, problems = load_party(path, "clients/acme.yaml")
    assert_diagnostics(problems, "clients/acme.yaml", data.decode("latin-1"))
    (tmp_path / "acct-tool.yaml").write_bytes(data)
    _, problems = load_settings(tmp_path)
    assert_diagnostics(problems, "acct-tool.yaml", data.decode("latin-1"))


# --- statements -----------------------------------------------------------------------------

CONVENTIONS = [(".", ""), (".", ","), (",", "."), (",", " "), (".", "'")]
DATE_FORMATS = {"%Y-%m-%d": "2026-10-{:02d}", "%d.%m.%Y": "{:02d}.10.2026", "%m/%d/%y": "10/{:02d}/26"}


@st.composite
def statement_formats(draw: st.DrawFn) -> StatementFormat:
    mark, thousands = draw(st.sampled_from(CONVENTIONS))
    split = draw(st.booleans())
    return StatementFormat(
        name="fuzz",
        date="Date",
        date_format=draw(st.sampled_from(sorted(DATE_FORMATS))),
        amount=None if split else "Amount",
        debit="Out" if split else None,
        credit="In" if split else None,
        description=draw(st.sampled_from([None, "Text"])),
        reference=draw(st.sampled_from([None, "Ref"])),
        balance=draw(st.sampled_from([None, "Balance"])),
        delimiter=draw(st.sampled_from([",", ";", "\t", "|"])),
        encoding=draw(st.sampled_from(["utf-8", "cp1252", "utf-16", "latin-1"])),
        skip_rows=draw(st.integers(0, 3)),
        decimal_mark=mark,
        thousands_separator=thousands,
        sign=draw(st.sampled_from(["as-is", "inverted"])),
    )


def cells(fmt: StatementFormat) -> st.SearchStrategy[str]:
    good_number = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False).map(
        lambda d: f"{d:,.2f}".replace(",", "\0").replace(".", fmt.decimal_mark).replace("\0", fmt.thousands_separator)
    )
    good_date = st.integers(1, 31).map(DATE_FORMATS[fmt.date_format].format)
    junk = st.sampled_from(["", " ", "x", "1e3", "--5", "(3.00)", "5-", "+7", "1,2,3", '"', '""', "\n", "\r\n", fmt.delimiter, "\x00", "\ufeff", "–12"])
    return st.one_of(good_number, good_date, junk, st.text(max_size=15))


@st.composite
def statements(draw: st.DrawFn) -> tuple[StatementFormat, bytes]:
    fmt = draw(statement_formats())
    header = [h for h in ("Date", fmt.amount, fmt.debit, fmt.credit, fmt.description, fmt.reference, fmt.balance) if h]
    if draw(st.integers(0, 9)) == 0:
        header = draw(st.permutations(header + ["Extra"]))
    rows = draw(st.lists(st.lists(cells(fmt), min_size=len(header) - 1, max_size=len(header) + 1), max_size=12))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    buffer = io.StringIO()
    if draw(st.booleans()):  # a well-behaved CSV writer
        writer = csv.writer(buffer, delimiter=fmt.delimiter, lineterminator=newline, quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])))
        writer.writerows([header, *rows])
        body = buffer.getvalue()
    else:  # hand-joined, so that quotes and delimiters inside cells break rows
        body = newline.join(fmt.delimiter.join(row) for row in [header, *rows])
    preamble = "".join(f"Preamble line {i}{newline}" for i in range(draw(st.integers(0, 3))))
    encoding = draw(st.sampled_from([fmt.encoding, fmt.encoding, "utf-8", "utf-16", "cp1252"]))
    raw = (preamble + body).encode(encoding, errors="replace")
    if draw(st.integers(0, 5)) == 0:
        raw = b"\xef\xbb\xbf" + raw
    return fmt, raw


STATEMENT_CODES = {c for c in CODES if c.startswith("statement-")}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=statements())
def test_random_statements_parse_or_give_diagnostics(case: tuple[StatementFormat, bytes]) -> None:
    fmt, raw = case
    lines, problems = parse_statement(raw, "statements/fuzz.csv", fmt)
    assert {d.code for d in problems} <= STATEMENT_CODES, problems
    physical = raw.count(b"\n") + raw.count(b"\r") + 2
    for d in problems:
        assert d.file == "statements/fuzz.csv"
        assert d.line is None or 1 <= d.line <= physical, d
    assert all(isinstance(line.amount, Decimal) and isinstance(line.date, datetime.date) for line in lines)
    assert [line.row for line in lines] == sorted({line.row for line in lines})  # one line per row, in file order


@st.composite
def matching_cases(draw: st.DrawFn) -> tuple[list[Any], list[AccountPosting], int]:
    fmt = replace(StatementFormat(name="m", date="Date", amount="Amount", reference="Ref"))
    amounts = st.sampled_from([Decimal("10.00"), Decimal("-10.00"), Decimal("99.99"), Decimal("0.01"), Decimal("10")])
    rows = draw(st.lists(st.tuples(st.integers(1, 28), amounts, st.sampled_from(["", "INV-1", "inv-2", "X"])), max_size=15))
    text = "Date,Amount,Ref\n" + "".join(f"2026-10-{d:02d},{a},{r}\n" for d, a, r in rows)
    lines, problems = parse_statement(text.encode(), "s.csv", fmt)
    assert problems == []
    postings = [
        AccountPosting(
            date=datetime.date(2026, 10, day),
            number=amount,
            currency="USD",
            flag="*",
            payee="",
            narration=narration,
            links=frozenset(),
            meta=(),
            file=None,
            line=None,
            order=(i, 0),
        )
        for i, (day, amount, narration) in enumerate(
            draw(st.lists(st.tuples(st.integers(1, 28), amounts, st.sampled_from(["", "INV-1", "pays inv-2"])), max_size=15))
        )
    ]
    return lines, postings, draw(st.integers(0, 5))


@FUZZ
@given(case=matching_cases())
def test_matching_random_lines_and_postings_stays_one_to_one(case: tuple[list[Any], list[AccountPosting], int]) -> None:
    lines, postings, window = case
    matches, left_lines, left_postings = match_lines(lines, postings, window)
    assert len(matches) + len(left_lines) == len(lines)
    assert len(matches) + len(left_postings) == len(postings)
    assert len({id(m.line) for m in matches}) == len(matches) and len({m.posting.order for m in matches}) == len(matches)
    for m in matches:
        assert m.line.amount == m.posting.number and abs((m.posting.date - m.line.date).days) <= window


# --- templates ------------------------------------------------------------------------------

TEMPLATE_PARTS = st.sampled_from(
    [
        "{{ client.name }}", "{{ client.__class__ }}", "{{ x }}", "{{ 1 / 0 }}", "{{ 'a' * 3 }}", "{{ 'a' * 10**9 }}", "{{ 9 ** 9 ** 9 }}",
        "{{ range(10**6)|list|length }}", "{% for i in range(3) %}", "{% endfor %}", "{% if client %}", "{% endif %}", "{% if %}",
        "{% include 'nope.j2' %}", "{% include '../../etc/passwd' %}", "{% extends 't.md.j2' %}", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
        "{{ client.name|money }}", "{{ none|pct }}", "{{ '%s' % client }}", "{{ '{0.__class__}'.format(client) }}", "{{ cycler.__init__ }}",
        "{% set ns = namespace(s='x') %}", "{{ lipsum() }}", "{{ client.name|center(10**8) }}", "{{ bar_chart('t', ['a'], [1]) }}",
        "{{", "}}", "{%", "%}", "{#", "#}", "text ", "\n", "<b>", "&",
    ]
)  # fmt: skip


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template_limits, "MAX_SECONDS", 2.0)
    monkeypatch.setattr(template_limits, "MAX_MEMORY", 300_000_000)


@FUZZ
@given(parts=st.lists(TEMPLATE_PARTS, max_size=8), html=st.booleans())
def test_random_templates_render_or_give_a_template_diagnostic(small_limits: None, parts: list[str], html: bool) -> None:
    name = "t.html.j2" if html else "t.md.j2"
    templates = Templates(None)
    templates.env.loader = jinja2.DictLoader({name: "".join(parts)})
    text, problems = templates.render(name, {"client": {"name": "<ACME & Co>"}})
    assert (text is None) == bool(problems)
    assert all(d.code.startswith("template-") and d.code in CODES for d in problems), problems
    if text is not None and html:
        assert "<ACME" not in text


# --- through the real CLI -------------------------------------------------------------------


@SLOW
@given(text=yaml_documents(PROFILE_KEYS))
def test_random_profiles_through_check(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    root = make_books(tmp_path_factory.mktemp("fuzz"), ledger="2025-01-01 open Assets:Receivable:Acme USD\n")
    (root / "clients" / "acme.yaml").write_text(text, "utf-8", errors="surrogatepass")
    result = run_cli("check", "--format", "json", books=root, as_of="2026-11-30")  # re-raises any exception
    assert result.exit_code in (0, 1)
    for d in result.json():
        assert d["code"] in CODES


@SLOW
@given(case=statements())
def test_random_statements_through_reconcile_bank(tmp_path_factory: pytest.TempPathFactory, case: tuple[StatementFormat, bytes]) -> None:
    fmt, raw = case
    fields = {k: getattr(fmt, k) for k in _FORMAT_KEYS if getattr(fmt, k) is not None}
    files = [{"match": "s.csv", "format": "fuzz", "account": "Assets:Bank:Operating"}]
    text = yaml.safe_dump({"statements": {"formats": {"fuzz": fields}, "files": files}})
    root = make_books(tmp_path_factory.mktemp("fuzz"), settings=text)
    (root / "s.csv").write_bytes(raw)
    result = run_cli("reconcile", "bank", str(root / "s.csv"), "--output", "json", books=root, as_of="2026-11-30")
    assert result.exit_code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    assert {d["code"] for d in result.json()["diagnostics"]} <= STATEMENT_CODES


_FORMAT_KEYS = (
    "date",
    "date_format",
    "amount",
    "debit",
    "credit",
    "description",
    "reference",
    "balance",
    "delimiter",
    "encoding",
    "skip_rows",
    "decimal_mark",
    "thousands_separator",
    "sign",
)


# --- statement globs ----------------------------------------------------------------------


def glob_oracle(pattern: str, path: str) -> bool:
    """The glob as a regular expression (what `glob_matches` did before it matched in linear time)."""
    pattern = pattern.strip().removeprefix("./")
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and (close := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1 : close]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\").replace("^", "\\^") + "]")
            i = close + 1
            continue
        else:
            out.append(re.escape(char))
        i += 1
    try:
        return re.fullmatch("".join(out), path) is not None
    except re.error:
        return pattern == path


@settings(max_examples=500, deadline=None)
@given(
    pattern=st.lists(st.sampled_from(["a", "b", "-", ".", "/", "*", "**", "**/", "?", "[ab]", "[!a]", "[z-a]", "[/]", "[\\]", "./"]), max_size=8).map("".join),
    path=st.text(alphabet="ab-./\\", max_size=10),
)
def test_glob_matching_agrees_with_a_regular_expression(pattern: str, path: str) -> None:
    assert glob_matches(pattern, path) == glob_oracle(pattern, path)
