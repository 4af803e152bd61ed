"""bean-check and ``acct-tool check`` report the same ledger errors, with the same file and line.

Each broken ledger is checked by the real ``bean-check --json`` (run in parallel
subprocesses, once per module) and by ``acct-tool check --format json``. Where
bean-check cannot say where an error is (``<load>``, line 0: missing or cyclic
includes, plugins that fail), acct-tool must still name a real file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from codes_seen import check, record
from conftest import make_books

BEAN_CHECK = Path(sys.executable).parent / "bean-check"

HEAD = """\
option "operating_currency" "USD"
2025-01-01 open Assets:Bank:Operating USD
2025-01-01 open Income:Services
2025-01-01 open Expenses:Hosting
2025-01-01 open Equity:Opening-Balances
"""

PLUGINS = {
    "acct_parity_raises": '__plugins__ = ["explode"]\n\ndef explode(entries, options_map):\n    raise RuntimeError("plugin exploded")\n',
    "acct_parity_broken_import": 'raise ImportError("cannot import this plugin")\n',
    "acct_parity_reports": (
        "import collections\n"
        '__plugins__ = ["report"]\n'
        'Error = collections.namedtuple("Error", "source message entry")\n\n'
        "def report(entries, options_map):\n"
        '    return entries, [Error(e.meta, "narration must not be empty", e) for e in entries if getattr(e, "narration", None) == ""]\n'
    ),
    # a pad no line of the ledger writes: Beancount's pad plugin runs after the ledger's plugins, so it sees it
    "acct_parity_pads": (
        "from beancount.core import data\n"
        '__plugins__ = ["add_pad"]\n\n'
        "def add_pad(entries, options_map):\n"
        "    first = next(e for e in entries if isinstance(e, data.Open))\n"
        '    return entries + [data.Pad(first.meta, first.date, "Assets:Bank:Operating", "Equity:Opening-Balances")], []\n'
    ),
}


@dataclass
class Case:
    ledger: str
    codes: set[str]
    files: dict[str, str] = field(default_factory=dict)


CASES: dict[str, Case] = {
    "syntax-error": Case("2026-01-01 opn Assets:Bank:Savings\n", {"ledger-syntax"}),
    "unbalanced-transaction": Case('2026-01-02 * "Hosting"\n  Expenses:Hosting  10 USD\n  Assets:Bank:Operating  -9 USD\n', {"ledger-validation"}),
    "failing-balance": Case(
        '2026-01-02 * "Sale"\n  Assets:Bank:Operating  100 USD\n  Income:Services\n2026-01-10 balance Assets:Bank:Operating  90 USD\n',
        {"ledger-balance"},
    ),
    "unopened-account": Case('2026-01-02 * "Sale"\n  Assets:Bank:Savings  100 USD\n  Income:Services\n', {"ledger-validation"}),
    "closed-account": Case(
        '2026-01-01 close Expenses:Hosting\n2026-02-01 * "Hosting"\n  Expenses:Hosting  10 USD\n  Assets:Bank:Operating\n',
        {"ledger-validation"},
    ),
    "currency-not-allowed": Case('2026-01-02 * "Sale"\n  Assets:Bank:Operating  100 EUR\n  Income:Services\n', {"ledger-validation"}),
    "two-missing-amounts": Case('2026-01-02 * "Sale"\n  Assets:Bank:Operating\n  Income:Services\n', {"ledger-booking"}),
    "unused-pad": Case("2026-01-01 pad Assets:Bank:Operating Equity:Opening-Balances\n", {"ledger-pad"}),
    "missing-document": Case('2026-01-01 document Assets:Bank:Operating "statements/missing.pdf"\n', {"ledger-document"}),
    "deprecated-option": Case('option "inferred_tolerance_multiplier" "0.6"\n', {"ledger-deprecated"}),
    "error-in-included-file": Case(
        'include "2026.beancount"\n',
        {"ledger-validation", "ledger-syntax"},
        {"ledger/2026.beancount": '2026-03-01 * "Sale"\n  Assets:Bank:Nope  10 USD\n  Income:Services\n2026-03-02 balanse Assets:Bank:Operating 0 USD\n'},
    ),
    "missing-include": Case('include "2025.beancount"\n', {"ledger-load"}),
    "include-cycle": Case('include "a.beancount"\n', {"ledger-load"}, {"ledger/a.beancount": 'include "main.beancount"\n'}),
    "plugin-not-found": Case('plugin "acct_parity_no_such_module"\n', {"ledger-plugin"}),
    "plugin-raises": Case('plugin "acct_parity_raises"\n', {"ledger-plugin"}),
    "plugin-fails-to-import": Case('plugin "acct_parity_broken_import"\n', {"ledger-plugin"}),
    "pad-made-by-a-plugin": Case('plugin "acct_parity_pads"\n', {"ledger-pad"}),
    "plugin-reports-errors": Case('plugin "acct_parity_reports"\n2026-01-02 * ""\n  Assets:Bank:Operating  1 USD\n  Income:Services\n', {"ledger-error"}),
    "several-at-once": Case(
        'include "q1.beancount"\n2026-06-01 * "Sale"\n  Assets:Bank:Nope  1 USD\n  Income:Services\n2026-06-30 balance Assets:Bank:Operating 5 USD\n',
        {"ledger-validation", "ledger-balance", "ledger-syntax"},
        {"ledger/q1.beancount": '2026-01-01 * "Sale"\n  Assets:Bank:Operating  1 USD\n  Income:Services\n2026-01-02 open Assets:Bank:Savings EURO!\n'},
    ),
}


@dataclass
class Checked:
    root: Path
    bean_check: list[dict[str, Any]]
    exit_code: int


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plugins")
    for name, source in PLUGINS.items():
        (folder / f"{name}.py").write_text(source)
    return folder


@pytest.fixture(scope="module")
def bean_checked(tmp_path_factory: pytest.TempPathFactory, plugin_dir: Path) -> dict[str, Checked]:
    """Every case written to its own books folder and checked by bean-check, all in parallel."""
    assert BEAN_CHECK.exists(), f"bean-check not found next to {sys.executable}"
    base = tmp_path_factory.mktemp("parity")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(plugin_dir), os.environ.get("PYTHONPATH")])))
    running = {}
    for name, case in CASES.items():
        root = make_books(base / name, ledger=case.ledger, head=HEAD)
        for rel, text in case.files.items():
            (root / rel).write_text(text)
        command = [str(BEAN_CHECK), "--no-cache", "--json", str(root / "ledger" / "main.beancount")]
        running[name] = (root, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    out = {}
    for name, (root, process) in running.items():
        stdout, stderr = process.communicate(timeout=60)
        assert stdout.strip(), f"bean-check printed nothing for {name}: {stderr}"
        out[name] = Checked(root, json.loads(stdout)["errors"], process.returncode)
    return out


@pytest.fixture
def plugins_importable(plugin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.syspath_prepend(str(plugin_dir))
    for name in PLUGINS:
        monkeypatch.delitem(sys.modules, name, raising=False)
    yield


def _relative(filename: str, root: Path) -> str:
    return Path(filename).resolve().relative_to(root.resolve()).as_posix()


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0].rstrip(": ").removesuffix("Traceback (most recent call last)").rstrip(": ")


@pytest.mark.parametrize("name", list(CASES))
def test_same_ledger_errors_as_bean_check(name: str, bean_checked: dict[str, Checked], plugins_importable: None) -> None:
    case, checked = CASES[name], bean_checked[name]
    assert checked.exit_code == 1 and checked.bean_check, f"{name} is not broken for bean-check"

    exit_code, found = check(checked.root)
    assert exit_code == 1
    ours = [d for d in found if d["code"].startswith("ledger-")]
    assert {d["code"] for d in ours} == case.codes
    record(*case.codes)

    located = [e for e in checked.bean_check if e["filename"] and not e["filename"].startswith("<")]
    unlocated = [e for e in checked.bean_check if e not in located]
    # Errors bean-check locates: the same (file, line) pairs and the same messages.
    expected = {(_relative(e["filename"], checked.root), e["lineno"], e["message"]) for e in located}
    ours_located = {(d["file"], d["line"], d["message"]) for d in ours if d["message"] in {e["message"] for e in located}}
    assert ours_located == expected
    # Errors bean-check reports at <load>:0: acct-tool names a real file of the books.
    for error in unlocated:
        matches = [d for d in ours if _first_line(d["message"]) == _first_line(error["message"]) or d["message"].startswith(_first_line(error["message"]))]
        assert len(matches) == 1, (error, ours)
        assert matches[0]["file"] and (checked.root / matches[0]["file"]).is_file(), matches[0]
    # Nothing more, nothing less.
    assert len(ours) == len(checked.bean_check)


def test_error_in_an_included_file_is_reported_in_that_file(bean_checked: dict[str, Checked]) -> None:
    _, found = check(bean_checked["error-in-included-file"].root)
    assert sorted((d["file"], d["line"], d["code"]) for d in found if d["code"].startswith("ledger-")) == [
        ("ledger/2026.beancount", 1, "ledger-validation"),
        ("ledger/2026.beancount", 4, "ledger-syntax"),
    ]


@pytest.mark.parametrize(("name", "line"), [("plugin-not-found", 6), ("plugin-raises", 6), ("plugin-fails-to-import", 6)])
def test_failing_plugin_points_at_its_plugin_line(name: str, line: int, bean_checked: dict[str, Checked], plugins_importable: None) -> None:
    _, found = check(bean_checked[name].root)
    [d] = [d for d in found if d["code"] == "ledger-plugin"]
    assert (d["file"], d["line"]) == ("ledger/main.beancount", line)
    assert "Traceback" not in d["message"] and "\n" not in d["message"]


def test_plugin_error_message_keeps_the_exception(bean_checked: dict[str, Checked], plugins_importable: None) -> None:
    _, found = check(bean_checked["plugin-raises"].root)
    [d] = [d for d in found if d["code"] == "ledger-plugin"]
    assert d["message"] == 'Error applying plugin "acct_parity_raises": RuntimeError: plugin exploded'


@pytest.mark.parametrize(
    ("name", "file", "line"),
    [("missing-include", "ledger/main.beancount", 6), ("include-cycle", "ledger/a.beancount", 1)],
)
def test_include_problems_point_at_the_include_line(name: str, file: str, line: int, bean_checked: dict[str, Checked]) -> None:
    """bean-check says <load>:0; we point at the include line (for a cycle: the one that closes it)."""
    _, found = check(bean_checked[name].root)
    [d] = [d for d in found if d["code"] == "ledger-load"]
    assert (d["file"], d["line"]) == (file, line)


# --- the cached parse gives what Beancount's own loader gives ----------------------


def _beancount(main: Path) -> tuple[Any, Any, Any]:
    """Beancount's uncached load, as bean-check runs it."""
    from beancount import loader
    from beancount.ops import validation

    return loader._uncached_load_file(os.path.abspath(main), None, validation.HARDCORE_VALIDATIONS, None)  # type: ignore[no-untyped-call,no-any-return]


def _ours(main: Path, **options: Any) -> tuple[Any, Any, Any]:
    """acct-tool's load, with each unchanged file's parse from the cache."""
    from beancount import loader
    from beancount.ops import validation

    from acct_tool.books import beancount_load

    entries, errors, options_map, validating = beancount_load.load(loader, main, validation.HARDCORE_VALIDATIONS, **options)
    return entries, errors + beancount_load.validation_errors(validating, entries), options_map


def _same_load(main: Path, **options: Any) -> None:
    """Entries, errors and options of a cached load equal those of Beancount's own."""
    from beancount.parser import printer

    expected, got = _beancount(main), _ours(main, **{"use_cache": True, **options})
    assert got[0] == expected[0]
    assert [printer.format_entry(e) for e in got[0]] == [printer.format_entry(e) for e in expected[0]]
    assert [(type(e).__name__, e.source.get("filename"), e.source.get("lineno"), e.message) for e in got[1]] == [
        (type(e).__name__, e.source.get("filename"), e.source.get("lineno"), e.message) for e in expected[1]
    ]
    assert {k: v for k, v in got[2].items() if k != "dcontext"} == {k: v for k, v in expected[2].items() if k != "dcontext"}
    assert str(got[2]["dcontext"]) == str(expected[2]["dcontext"])


PARITY_MAIN = """\
option "title" "Parity"
option "operating_currency" "USD"
option "insert_pythonpath" "TRUE"
include "years/*.beancount"
include "years/2025.beancount"
2024-01-01 open Assets:Bank:Operating USD,EUR
2024-01-01 open Assets:Broker
2024-01-01 open Income:Services
2024-01-01 open Equity:Opening-Balances
2024-01-02 pad Assets:Bank:Operating Equity:Opening-Balances
2024-01-03 balance Assets:Bank:Operating 1000.00 USD
"""

PARITY_YEARS = {
    "2024": '2024-03-01 * "Sale" ^INV-1 #work\n  invoice: "INV-1"\n  Assets:Bank:Operating  100.00 USD\n  Income:Services\n',
    "2025": (
        'option "operating_currency" "EUR"\n'
        'pushtag #y2025\n2025-02-01 * "Buy"\n  Assets:Broker  10 ACME {12.5 USD}\n  Assets:Bank:Operating\n'
        '2025-03-01 * "Sell"\n  Assets:Broker  -5 ACME {} @ 14.000 USD\n  Assets:Bank:Operating  70.000 USD\n  Income:Services\npoptag #y2025\n'
        "2025-04-01 price ACME 15 USD\n"
    ),
    "2026": '2026-01-05 * "Unbalanced"\n  Assets:Bank:Operating  10 USD\n  Income:Services  -9 USD\n2026-02-01 opn Nope\n',
}


@pytest.fixture
def parity_books(tmp_path: Path, cache_dir: Path) -> Path:
    root = make_books(tmp_path / "books", head=PARITY_MAIN)
    (root / "ledger" / "years").mkdir()
    for name, text in PARITY_YEARS.items():
        (root / "ledger" / "years" / f"{name}.beancount").write_text(text)
    return root / "ledger" / "main.beancount"


def _edit_included(main: Path) -> None:
    path = main.parent / "years" / "2026.beancount"
    path.write_text(path.read_text() + '2026-03-01 * "Another"\n  Assets:Bank:Operating  5.5 EUR\n  Income:Services\n')


def _add_included(main: Path) -> None:
    (main.parent / "years" / "2027.beancount").write_text('2027-01-01 * "New year"\n  Assets:Bank:Operating  1 USD\n  Income:Services\n')


def _remove_included(main: Path) -> None:
    (main.parent / "years" / "2024.beancount").unlink()


def _edit_main_options(main: Path) -> None:
    main.write_text(
        main.read_text().replace('option "title" "Parity"', 'option "title" "Renamed"\noption "booking_method" "FIFO"\noption "display_precision" "USD:0.001"')
    )


def _include_a_cycle_and_a_missing_file(main: Path) -> None:
    (main.parent / "years" / "2026.beancount").write_text(PARITY_YEARS["2026"] + 'include "../main.beancount"\ninclude "missing.beancount"\n')


def _damage_a_cached_parse(main: Path) -> None:
    from acct_tool.books import parse_cache

    target = parse_cache.parse_cache_file(os.path.abspath(main.parent / "years" / "2025.beancount"))
    raw = target.read_bytes()
    target.write_bytes(raw[: len(raw) // 2])


def _add_a_documents_folder(main: Path) -> None:
    """Beancount's documents plugin then makes a ``document`` entry from the folder."""
    folder = main.parent / "docs" / "Assets" / "Bank" / "Operating"
    folder.mkdir(parents=True)
    (folder / "2025-01-05.statement.pdf").write_bytes(b"%PDF-1.4\n")
    main.write_text(main.read_text() + 'option "documents" "docs"\n')


def _drop_the_pad(main: Path) -> None:
    """No ``pad`` and no ``document`` entry: the load leaves Beancount's pad and documents plugins out."""
    text = main.read_text().replace("2024-01-02 pad Assets:Bank:Operating Equity:Opening-Balances\n", "")
    main.write_text(text.replace("2024-01-03 balance Assets:Bank:Operating 1000.00 USD\n", ""))


EDITS = {
    "unchanged": lambda main: None,
    "add-a-documents-folder": _add_a_documents_folder,
    "drop-the-pad": _drop_the_pad,
    "edit-an-included-file": _edit_included,
    "add-a-file-the-glob-matches": _add_included,
    "remove-an-included-file": _remove_included,
    "edit-the-main-file-options": _edit_main_options,
    "include-cycle-and-missing-file": _include_a_cycle_and_a_missing_file,
    "damaged-cached-parse": _damage_a_cached_parse,
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_load_after_an_edit_equals_beancounts_own(edit: str, parity_books: Path) -> None:
    _same_load(parity_books)  # cold: every file parsed, and cached
    EDITS[edit](parity_books)
    _same_load(parity_books)  # only what changed parsed again
    _same_load(parity_books)  # everything from the cache


def test_every_edit_in_turn_equals_beancounts_own(parity_books: Path) -> None:
    for edit in EDITS.values():
        edit(parity_books)
        _same_load(parity_books)


@pytest.mark.parametrize("name", list(CASES))
def test_broken_ledgers_load_from_the_cache_as_beancount_loads_them(name: str, tmp_path: Path, cache_dir: Path, plugins_importable: None) -> None:
    case = CASES[name]
    root = make_books(tmp_path / "books", ledger=case.ledger, head=HEAD)
    for rel, text in case.files.items():
        (root / rel).write_text(text)
    main = root / "ledger" / "main.beancount"
    for _ in range(2):  # cold, then from the cache
        for name in PLUGINS:
            sys.modules.pop(name, None)
        _same_load(main)


@pytest.mark.parametrize("name", list(CASES))
def test_broken_ledgers_validated_aside_load_as_beancount_loads_them(
    name: str, tmp_path: Path, cache_dir: Path, plugins_importable: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the validation runs aside (large ledgers), the balance assertions are checked with
    it: the errors, in their order, and the failing assertions' entries are still Beancount's."""
    from acct_tool.books import beancount_load

    monkeypatch.setattr(beancount_load, "ASIDE_MIN_ENTRIES", 0)
    case = CASES[name]
    root = make_books(tmp_path / "books", ledger=case.ledger, head=HEAD)
    for rel, text in case.files.items():
        (root / rel).write_text(text)
    for name in PLUGINS:
        sys.modules.pop(name, None)
    _same_load(root / "ledger" / "main.beancount", validate_aside=True)


def test_check_reports_a_failing_balance_alike_with_the_validation_aside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import run_cli

    from acct_tool.books import beancount_load

    monkeypatch.setenv("ACCT_TOOL_NO_CACHE", "1")
    root = make_books(tmp_path / "books", ledger=CASES["several-at-once"].ledger, head=HEAD)
    for rel, text in CASES["several-at-once"].files.items():
        (root / rel).write_text(text)
    here = run_cli("check", "--format", "json", books=root, as_of="2026-12-31")
    monkeypatch.setattr(beancount_load, "ASIDE_MIN_ENTRIES", 0)
    beside = run_cli("check", "--format", "json", books=root, as_of="2026-12-31")
    assert "ledger-balance" in here.output
    assert (beside.exit_code, beside.output) == (here.exit_code, here.output)
