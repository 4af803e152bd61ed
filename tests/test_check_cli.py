"""``acct-tool check`` end to end: output formats, exit codes, finding the books, and no tracebacks."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from codes_seen import check, expect
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acct_tool.books.profiles import load_party
from acct_tool.books.settings import load_settings

Books = Callable[..., Path]

LEDGER = """\
2025-01-01 open Assets:Receivable:Acme USD
2025-01-01 open Assets:Receivable:Zeta USD
2026-01-05 * "Invoice" ^INV-1
  Assets:Receivable:Zeta  100 USD
  Income:Services
"""
ACME = """\
id: acme
name: ACME
kind: client
accounts: {receivable: Assets:Receivable:Acme}
"""

LINE = re.compile(r"^(?P<file>\S+?):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<severity>error|warning) (?P<code>[a-z][a-z-]*) (?P<message>\S.*)$")


@pytest.fixture(autouse=True)
def _no_books_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACCT_TOOL_BOOKS", raising=False)


def broken_books(books: Books) -> Path:
    """Two errors in one profile, one in another, and a warning in the ledger."""
    return books(
        ledger=LEDGER,
        profiles={
            "acme": ACME + "tier: gold\nmanger: lan\n",
            "beta": "id: beta\nname: Beta\nkind: client\nstatus: prospect\nsince: 2026-02-30\n",
        },
    )


# --- text ----------------------------------------------------------------------------------


def test_text_format_lines_and_summary(books: Books) -> None:
    root = broken_books(books)
    result = run_cli("check", books=root, as_of="2026-11-30")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[-1] == "3 errors, 1 warning in 3 files"
    findings = [LINE.match(line) for line in lines[:-1] if not line.startswith("    hint: ")]
    assert all(findings), lines
    assert [(m["file"], m["line"], m["col"], m["severity"], m["code"]) for m in findings if m] == [
        ("clients/acme.yaml", "5", "7", "error", "bad-value"),
        ("clients/acme.yaml", "6", "1", "error", "unknown-key"),
        ("clients/beta.yaml", "5", "8", "error", "invalid-date"),
        ("ledger/main.beancount", "9", None, "warning", "account-no-profile"),
    ]
    assert "clients/acme.yaml:6:1: error unknown-key unknown key 'manger'\n    hint: did you mean 'manager'?\n" in result.output
    assert str(root) not in result.output  # paths are relative to the books root


def test_text_format_when_clean(books: Books) -> None:
    root = books(ledger="2025-01-01 open Assets:Receivable:Acme USD\n", profiles={"acme": ACME})
    result = run_cli("check", books=root, as_of="2026-11-30")
    assert (result.exit_code, result.output) == (0, "no problems found\n")


def test_text_summary_counts_singular(books: Books) -> None:
    root = books(ledger="2025-01-01 open Assets:Receivable:Acme USD\n", profiles={"acme": ACME + "tier: gold\n"})
    result = run_cli("check", books=root, as_of="2026-11-30")
    assert result.output.splitlines()[-1] == "1 error, 0 warnings in 1 file"


# --- json ----------------------------------------------------------------------------------


def test_json_format(books: Books) -> None:
    root = broken_books(books)
    result = run_cli("check", "--format", "json", books=root, as_of="2026-11-30")
    assert result.exit_code == 1
    found = json.loads(result.output)
    assert found[0] == {
        "severity": "error",
        "code": "bad-value",
        "message": "tier: 'gold' is not one of key, strategic, standard",
        "file": "clients/acme.yaml",
        "line": 5,
        "column": 7,
        "hint": None,
    }
    assert [d["code"] for d in found] == ["bad-value", "unknown-key", "invalid-date", "account-no-profile"]
    assert found[-1]["column"] is None and found[-1]["severity"] == "warning"


def test_json_format_when_clean(books: Books) -> None:
    root = books(ledger="2025-01-01 open Assets:Receivable:Acme USD\n", profiles={"acme": ACME})
    result = run_cli("check", "--format", "json", books=root, as_of="2026-11-30")
    assert (result.exit_code, json.loads(result.output)) == (0, [])


# --- github --------------------------------------------------------------------------------


def test_github_format_paths_relative_to_the_working_directory(books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    root = broken_books(books)
    monkeypatch.chdir(root.parent)
    result = run_cli("check", "--format", "github", books=root, as_of="2026-11-30")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "::error file=books/clients/acme.yaml,line=5,col=7,title=bad-value::tier: 'gold' is not one of key, strategic, standard"
    assert lines[1].startswith("::error file=books/clients/acme.yaml,line=6,col=1,title=unknown-key::unknown key 'manger' (did you mean 'manager'?)")
    assert lines[-1].startswith("::warning file=books/ledger/main.beancount,line=9,title=account-no-profile::")
    assert len(lines) == 4  # no summary line: every line is an annotation

    monkeypatch.chdir(root / "clients")
    lines = run_cli("check", "--format", "github", books=root, as_of="2026-11-30").output.splitlines()
    assert lines[0].startswith("::error file=acme.yaml,line=5,col=7,")
    assert lines[-1].startswith("::warning file=../ledger/main.beancount,line=9,")


PLUGIN = """\
import collections

__plugins__ = ["annotate"]
Error = collections.namedtuple("Error", "source message entry")


def annotate(entries, options_map):
    errors = [Error(e.meta, "first line\\nsecond line: 100%, done", e) for e in entries if getattr(e, "narration", "") == "odd"]
    return entries, errors
"""


def test_github_format_escapes_data_and_properties(books: Books, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "acct_test_annotate.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(plugins))
    monkeypatch.delitem(sys.modules, "acct_test_annotate", raising=False)
    root = books(
        ledger='plugin "acct_test_annotate"\n2026-01-05 * "odd" ^INV-1\n  Assets:Receivable:Acme  1 USD\n  Income:Services\n',
        head="2025-01-01 open Assets:Receivable:Acme USD\n2025-01-01 open Income:Services\n",
    )
    (root / "clients" / "a,b:c%.yaml").write_text(ACME)
    monkeypatch.chdir(root)
    result = run_cli("check", "--format", "github", as_of="2026-11-30", books=root)
    lines = result.output.splitlines()
    assert "::error file=ledger/main.beancount,line=4,title=ledger-error::first line%0Asecond line: 100%25, done" in lines
    mismatch = [line for line in lines if "title=id-mismatch" in line]
    assert mismatch == [
        "::error file=clients/a%2Cb%3Ac%25.yaml,line=1,col=5,title=id-mismatch::"
        "id 'acme' differs from the file name 'a,b:c%25.yaml' (rename the file to acme.yaml or set `id: a,b:c%25`)"
    ]
    # and the same diagnostic through JSON, so that the ledger-error code counts as provoked
    _, found = check(root)
    expect(found, "ledger-error", "ledger/main.beancount", 4, None, message="first line\nsecond line: 100%, done")
    # in text, every line that is not a diagnostic's first line is indented
    text = run_cli("check", as_of="2026-11-30", books=root).output
    assert "ledger/main.beancount:4: error ledger-error first line\n    second line: 100%, done\n" in text
    assert all(LINE.match(line) or line.startswith("    ") for line in text.splitlines()[:-1])


# --- exit codes and finding the books ----------------------------------------------------------


def test_warnings_exit_0_and_strict_makes_them_fail(books: Books) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME})
    for fmt in ("text", "json", "github"):
        assert run_cli("check", "--format", fmt, books=root, as_of="2026-11-30").exit_code == 0
        assert run_cli("check", "--format", fmt, "--strict", books=root, as_of="2026-11-30").exit_code == 1
    result = run_cli("check", "--strict", books=root, as_of="2026-11-30")
    assert result.output.splitlines()[-1] == "0 errors, 1 warning in 1 file"


def test_strict_on_clean_books_exits_0(books: Books) -> None:
    root = books(ledger="2025-01-01 open Assets:Receivable:Acme USD\n", profiles={"acme": ACME})
    assert run_cli("check", "--strict", books=root, as_of="2026-11-30").exit_code == 0


def test_no_books_root_found_walking_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here = tmp_path / "somewhere" / "deep"
    here.mkdir(parents=True)
    if any((p / "acct-tool.yaml").exists() for p in here.parents):
        pytest.skip("an acct-tool.yaml above the temporary folder")
    monkeypatch.chdir(here)
    result = run_cli("check")
    assert result.exit_code == 2
    assert result.output == ""
    assert "no books found" in result.stderr
    assert "--books" in result.stderr and "ACCT_TOOL_BOOKS" in result.stderr
    assert "Traceback" not in result.stderr


def test_books_option_pointing_at_a_missing_folder(tmp_path: Path) -> None:
    result = run_cli("check", books=tmp_path / "nope")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr and "nope" in result.stderr


def test_books_option_pointing_at_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = run_cli("check", books=tmp_path / "file")
    assert result.exit_code == 2
    assert "is not a folder" in result.stderr


def test_unreadable_books_folder(books: Books) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME})
    root.chmod(0)
    try:
        if os.access(root, os.R_OK | os.X_OK):
            pytest.skip("running as a user who can read mode-000 folders (root)")
        result = run_cli("check", books=root)
        assert result.exit_code == 2
        assert "cannot be read" in result.stderr
    finally:
        root.chmod(0o755)


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "2026-02-30", ""])
def test_bad_as_of_is_a_usage_error(books: Books, value: str) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME})
    result = run_cli("check", books=root, as_of=value)
    assert result.exit_code == 2
    assert "--as-of" in result.stderr


def test_unknown_format_is_a_usage_error(books: Books) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME})
    result = run_cli("check", "--format", "xml", books=root)
    assert result.exit_code == 2
    assert "'xml' is not one of" in result.stderr


def test_books_from_the_environment(books: Books, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = broken_books(books)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("ACCT_TOOL_BOOKS", str(root))
    result = run_cli("check", "--format", "json", as_of="2026-11-30")
    assert result.exit_code == 1
    assert next(d["file"] for d in json.loads(result.output)) == "clients/acme.yaml"
    # --books wins over the environment
    monkeypatch.setenv("ACCT_TOOL_BOOKS", str(tmp_path / "missing"))
    assert run_cli("check", books=root, as_of="2026-11-30").exit_code == 1
    assert run_cli("check", as_of="2026-11-30").exit_code == 2


def test_books_found_by_walking_up_from_a_subfolder(books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    root = broken_books(books)
    sub = root / "clients" / "archive" / "2024"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    result = run_cli("check", "--format", "json", as_of="2026-11-30")
    assert result.exit_code == 1
    assert [(d["file"], d["line"]) for d in json.loads(result.output)][:2] == [("clients/acme.yaml", 5), ("clients/acme.yaml", 6)]


def test_relative_books_option(books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    root = broken_books(books)
    monkeypatch.chdir(root.parent)
    result = run_cli("check", "--format", "json", as_of="2026-11-30", books=Path("books"))
    assert json.loads(result.output)[0]["file"] == "clients/acme.yaml"


def test_as_of_defaults_to_today(books: Books) -> None:
    root = books(ledger="2025-01-01 open Assets:Receivable:Acme USD\n", profiles={"acme": ACME})
    assert run_cli("check", books=root).exit_code == 0


# --- no tracebacks, whatever the input -----------------------------------------------------------

NASTY = [
    b"\xff\xfe\x00i\x00d",  # UTF-16
    b"id: acme\r\nname: ACME\r\nkind: client\r\n",  # CRLF
    b"\xef\xbb\xbf\xef\xbb\xbfid: acme\n",  # two BOMs
    b"? [a, b]\n: c\n",  # complex key
    b"{id: acme, name: ACME, kind: client, accounts: [1, 2]}\n",
    b"id: acme\nname: ACME\nkind: client\naccounts: {receivable: 5}\nterms: {payment_days: 1e400}\n",
    b"id: acme\nname: ACME\nkind: [client]\ncontacts: [[1]]\ninteractions: {a: b}\n",
    b"id: &x acme\nname: *x\nkind: client\ntargets: {revenue: {0x7E9: 5 USD, null: 1 USD}}\n",
    b"id: acme\nname: ACME\nkind: client\nsatisfaction: [{date: 2026-01-01, nps: .nan}]\n",
    b"id: acme\nname: ACME\nkind: client\ncontract: {start: 2026-01-01, end: 0001-01-01}\nrisks: [{opened: 9999-12-31, summary: x, closed: 2026-01-01}]\n",
    b"%YAML 1.1\n%TAG ! tag:example.com,2000:\n--- !foo\nid: acme\n",
    b"- &a [*a]\n",
    b"!!binary aGVsbG8=\n",
    b"id: !!int '12'\nname: !!float x\nkind: !!bool maybe\n",
    b"id: acme\n" + b"x" * 200_000 + b": 1\n",
]


@pytest.mark.parametrize("data", NASTY, ids=range(len(NASTY)))
def test_nasty_profiles_never_crash(books: Books, data: bytes) -> None:
    root = books(ledger="2025-01-01 open Assets:Receivable:Acme USD\n")
    (root / "clients" / "acme.yaml").write_bytes(data)
    (root / "acct-tool.yaml").write_bytes(data)
    result = run_cli("check", "--format", "json", books=root, as_of="2026-11-30")  # run_cli re-raises any exception
    assert result.exit_code in (0, 1)
    for d in json.loads(result.output):
        assert d["file"] in ("acct-tool.yaml", "clients/acme.yaml", "ledger/main.beancount"), d


yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["2026-02-30", "2026-01-01", "50000 USD", "Assets:Receivable:Acme", "client", "key", "acme"]),
)
yaml_values = st.recursive(yaml_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=20)
PROFILE_KEYS = [
    "id",
    "name",
    "kind",
    "status",
    "tier",
    "since",
    "accounts",
    "terms",
    "contract",
    "contacts",
    "interactions",
    "satisfaction",
    "risks",
    "opportunities",
    "targets",
    "currencies",
    "goals",
    "tags",
]
profiles = st.dictionaries(st.sampled_from(PROFILE_KEYS) | st.text(max_size=8), yaml_values, max_size=10)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=profiles)
def test_any_yaml_mapping_as_a_profile_gives_diagnostics_not_exceptions(tmp_path: Path, data: dict[object, object]) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    _party, problems = load_party(path, "clients/acme.yaml")
    for d in problems:
        assert d.code and d.file == "clients/acme.yaml"
        assert d.line is None or d.line >= 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300) | st.text(alphabet=st.sampled_from(list("ab: -[]{}&*!|>'\"#%@`,?\t\n\\\x00\x85\u2028é")), max_size=120).map(str.encode))
def test_any_bytes_as_a_profile_or_settings_give_diagnostics_not_exceptions(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "acme.yaml"
    path.write_bytes(data)
    load_party(path, "clients/acme.yaml")
    (tmp_path / "acct-tool.yaml").write_bytes(data)
    load_settings(tmp_path)


# --- the examples ------------------------------------------------------------------------------

needs_examples = pytest.mark.skipif(not (EXAMPLES / "acct-tool.yaml").exists(), reason="examples/ is not finished yet (no acct-tool.yaml)")


@needs_examples
def test_examples_are_clean() -> None:
    result = run_cli("check", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.output


@needs_examples
def test_examples_with_one_broken_field_name_its_file_line_and_column(examples_copy: Path) -> None:
    exit_code, found = check(examples_copy, as_of=EXAMPLES_AS_OF)
    assert exit_code == 0, found
    profile = sorted((examples_copy / "clients").rglob("*.yaml"))[0]
    text = profile.read_text()
    match = re.search(r"^tier: (\S+)", text, re.MULTILINE)
    assert match, f"{profile} has no top-level tier"
    line = text.count("\n", 0, match.start()) + 1
    profile.write_text(text[: match.start(1)] + "gold" + text[match.end(1) :])
    shown = profile.relative_to(examples_copy).as_posix()

    exit_code, found = check(examples_copy, as_of=EXAMPLES_AS_OF)
    assert exit_code == 1
    assert [d for d in found if d["severity"] == "error"] == [
        {
            "severity": "error",
            "code": "bad-value",
            "message": "tier: 'gold' is not one of key, strategic, standard",
            "file": shown,
            "line": line,
            "column": 7,
            "hint": None,
        }
    ]
    text_out = run_cli("check", books=examples_copy, as_of=EXAMPLES_AS_OF).output
    assert f"{shown}:{line}:7: error bad-value tier: 'gold'" in text_out
