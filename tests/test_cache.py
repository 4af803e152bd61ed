"""The cache: an unchanged ledger is not loaded again, and a cache is never stale.

Each test changes one input -- an included ledger file, a new file matching an
include glob, a profile, the settings, the as-of date -- and checks that the
answer is the fresh one; a corrupt or foreign cache file is ignored and rebuilt.
"""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import LEDGER_HEAD, make_books, run_cli

from acct_tool.books import cache, ledger
from acct_tool.books.load import Books, load_books
from acct_tool.engines import receivables as receivables_engine
from acct_tool.engines.receivables import OpenItems, Side


def open_items(books: Books, side: Side, as_of: datetime.date | None = None) -> OpenItems:
    """The open items of loaded books, from the explicit inputs the engine takes."""
    return receivables_engine.open_items(books.party_postings, books.parties, books.settings, side, as_of or books.as_of, books.precisions)


ACME = """\
id: acme
name: ACME
kind: client
manager: lan
accounts: {receivable: Assets:Receivable:Acme}
"""

LEDGER = (
    LEDGER_HEAD
    + """\
2025-01-01 open Assets:Receivable:Acme USD
include "2026.beancount"
"""
)

Y2026 = """\
2026-01-10 * "ACME" "Invoice" ^INV-1
  due: 2026-02-09
  Assets:Receivable:Acme  100.00 USD
  Income:Services
"""

AS_OF = datetime.date(2026, 3, 1)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    books = make_books(tmp_path / "books", ledger="", profiles={"acme": ACME}, head=LEDGER)
    (books / "ledger" / "2026.beancount").write_text(Y2026)
    return books


class Loads:
    def __init__(self) -> None:
        self.count = 0


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Loads]:
    """Counts real ledger loads."""
    counter = Loads()
    real = ledger.load_entries

    def counting(path: Path, root: Path, **options: Any) -> Any:
        counter.count += 1
        return real(path, root, **options)

    monkeypatch.setattr(ledger, "load_entries", counting)
    yield counter


def open_total(root: Path, as_of: datetime.date = AS_OF) -> Any:
    books = load_books(root, as_of, use_cache=True)
    return sum((d.open for d in open_items(books, Side.AR).open_documents()), start=0)


def test_unchanged_ledger_is_not_loaded_again(root: Path, cache_dir: Path, loads: Loads) -> None:
    assert open_total(root) == 100
    assert loads.count == 1
    assert open_total(root) == 100
    assert loads.count == 1  # served from the cache
    files = sorted(p.name for p in cache_dir.iterdir())
    assert any(f.startswith("ledger-") for f in files) and any(f.startswith("files-") for f in files)
    assert not list(root.rglob("*cache*"))  # nothing lands in the books


def test_change_in_an_included_file_is_seen(root: Path, cache_dir: Path, loads: Loads) -> None:
    assert open_total(root) == 100
    (root / "ledger" / "2026.beancount").write_text(Y2026.replace("100.00", "250.00"))
    assert open_total(root) == 250
    assert loads.count == 2


def test_same_size_same_mtime_edit_is_seen(root: Path, cache_dir: Path, loads: Loads) -> None:
    """Content, not modification times, keys the cache (Beancount's own cache uses times and sizes)."""
    target = root / "ledger" / "2026.beancount"
    assert open_total(root) == 100
    stat = target.stat()
    target.write_text(Y2026.replace("100.00", "900.00"))  # same length
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert open_total(root) == 900


def test_new_file_matching_an_include_glob_is_seen(tmp_path: Path, cache_dir: Path, loads: Loads) -> None:
    root = make_books(tmp_path / "globbed", ledger="", profiles={"acme": ACME}, head=LEDGER.replace('include "2026.beancount"', 'include "years/*.beancount"'))
    (root / "ledger" / "years").mkdir()
    (root / "ledger" / "years" / "2026.beancount").write_text(Y2026)
    assert open_total(root) == 100
    (root / "ledger" / "years" / "2027.beancount").write_text(Y2026.replace("INV-1", "INV-2").replace("2026-01-10", "2026-02-10"))
    assert open_total(root) == 200
    assert loads.count == 2


def test_profile_edit_recomputes_what_depends_on_profiles(root: Path, cache_dir: Path, loads: Loads) -> None:
    assert open_total(root) == 100
    # a new interaction changes nothing the ledger facts depend on: no reload
    (root / "clients" / "acme.yaml").write_text(ACME + "interactions:\n  - {date: 2026-02-01, channel: call, summary: Hello}\n")
    books = load_books(root, AS_OF, use_cache=True)
    assert [i.summary for i in books.parties["acme"].interactions] == ["Hello"]
    assert open_items(books, Side.AR).open_documents()[0].open == 100
    assert loads.count == 1
    # pointing the profile at another account changes the party postings: recomputed
    (root / "clients" / "acme.yaml").write_text(ACME.replace("Assets:Receivable:Acme", "Assets:Receivable:Other"))
    books = load_books(root, AS_OF, use_cache=True)
    assert open_items(books, Side.AR).open_documents() == []
    assert "account-not-opened" in {d.code for d in books.diagnostics}


def test_settings_change_is_seen(root: Path, cache_dir: Path) -> None:
    assert open_total(root) == 100
    (root / "acct-tool.yaml").write_text("payment_days: 45\n")
    books = load_books(root, AS_OF, use_cache=True)
    assert books.settings.payment_days == 45
    (root / "acct-tool.yaml").write_text("payment_days: 45\nbogus: 1\n")
    books = load_books(root, AS_OF, use_cache=True)
    assert "unknown-key" in {d.code for d in books.diagnostics}


def test_as_of_date_is_never_cached(root: Path, cache_dir: Path) -> None:
    assert open_total(root, datetime.date(2026, 3, 1)) == 100
    assert open_total(root, datetime.date(2026, 1, 1)) == 0  # before the invoice


def test_ledger_errors_come_back_from_the_cache_with_their_location(root: Path, cache_dir: Path, loads: Loads) -> None:
    (root / "ledger" / "2026.beancount").write_text(Y2026 + '2026-01-11 * "x"\n  Assets:Bank:Operating  1 USD\n  Income:Services  -2 USD\n')
    first = [(d.code, d.file, d.line) for d in load_books(root, AS_OF, use_cache=True).diagnostics]
    second = [(d.code, d.file, d.line) for d in load_books(root, AS_OF, use_cache=True).diagnostics]
    assert first == second and ("ledger-validation", "ledger/2026.beancount", 5) in first
    assert loads.count == 1


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: b"",
        lambda raw: raw[: len(raw) // 2],
        lambda raw: raw.replace(f'"format": {cache.FORMAT}'.encode(), b'"format": 99'),
        lambda raw: raw[:-10] + b"0123456789",
        lambda raw: b'{"magic": "acct-tool-cache"}\n' + os.urandom(64),
        lambda raw: raw.split(b"\n", 1)[0] + b"\n\x80\x04\x95cos\nsystem\n.",
    ],
    ids=["empty", "truncated", "foreign-format", "corrupt-payload", "junk", "hostile-pickle"],
)
def test_damaged_cache_files_are_ignored_and_rebuilt(root: Path, cache_dir: Path, loads: Loads, damage: Any) -> None:
    assert open_total(root) == 100
    for path in cache_dir.iterdir():
        path.write_bytes(damage(path.read_bytes()))
    assert open_total(root) == 100
    assert loads.count == 2
    assert open_total(root) == 100
    assert loads.count == 2  # rebuilt, and trusted again


def test_no_cache_flag_and_environment(root: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_cli("--no-cache", "check", books=root, as_of="2026-03-01")
    assert result.exit_code == 0
    assert not cache_dir.exists() or not list(cache_dir.iterdir())
    monkeypatch.setenv(cache.ENV_OFF, "1")
    assert run_cli("check", books=root, as_of="2026-03-01").exit_code == 0
    assert not cache_dir.exists() or not list(cache_dir.iterdir())
    monkeypatch.delenv(cache.ENV_OFF)
    assert run_cli("check", books=root, as_of="2026-03-01").exit_code == 0
    assert list(cache_dir.iterdir())


def test_cached_profile_diagnostics_keep_their_locations(root: Path, cache_dir: Path) -> None:
    (root / "clients" / "acme.yaml").write_text(ACME + "tier: gold\n")
    first = run_cli("check", "--format", "json", books=root, as_of="2026-03-01").json()
    second = run_cli("check", "--format", "json", books=root, as_of="2026-03-01").json()
    assert first == second
    assert {(d["code"], d["file"], d["line"]) for d in second} >= {("bad-value", "clients/acme.yaml", 6)}


def test_bank_postings_come_from_the_cache(tmp_path: Path, cache_dir: Path, loads: Loads) -> None:
    root = make_books(
        tmp_path / "bank",
        ledger='2026-01-05 * "Rent"\n  Assets:Bank:Operating  -50.00 USD\n  Expenses:Hosting\n',
        settings="statements:\n  formats:\n    b: {date: Date, amount: Amount}\n  files:\n    - {match: '*.csv', format: b, account: Assets:Bank:Operating}\n",
    )
    (root / "s.csv").write_text("Date,Amount\n2026-01-05,-50.00\n")
    first = run_cli("reconcile", "bank", str(root / "s.csv"), books=root, as_of="2026-03-01")
    second = run_cli("reconcile", "bank", str(root / "s.csv"), books=root, as_of="2026-03-01")
    assert first.exit_code == second.exit_code == 0
    assert first.output == second.output
    assert loads.count == 1


def test_a_well_formed_but_hostile_profile_cache_is_refused(root: Path, cache_dir: Path, tmp_path: Path) -> None:
    """Even with a valid checksum, unpickling builds only the tool's own records."""
    marker = tmp_path / "pwned"
    payload = b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."
    cache._write(cache.files_cache_file(root), {"root": str(root)}, payload)
    assert cache.load_parsed(root) == {}
    assert not marker.exists()
    assert open_total(root) == 100


def test_a_cache_written_by_other_code_is_ignored(root: Path, cache_dir: Path, loads: Loads, monkeypatch: pytest.MonkeyPatch) -> None:
    assert open_total(root) == 100
    real = cache._versions()
    monkeypatch.setattr(cache, "_versions", lambda: {**real, "code": "something-else"})
    assert open_total(root) == 100
    assert loads.count == 2


def test_clean_profiles_are_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Marks are dropped after loading; a clean run must not parse any profile again."""
    from conftest import EXAMPLES

    from acct_tool.books import parties

    calls: list[str] = []
    real = parties._reparse

    def counted(path: str, display: str) -> Any:
        calls.append(display)
        return real(path, display)

    monkeypatch.setattr(parties, "_reparse", counted)
    books = load_books(EXAMPLES, datetime.date(2026, 11, 30), use_cache=False)
    for side in Side:
        open_items(books, side)
    assert calls == []


def test_new_folder_matching_a_nested_include_glob_is_seen(tmp_path: Path, cache_dir: Path, loads: Loads) -> None:
    root = make_books(
        tmp_path / "nested",
        ledger="",
        profiles={"acme": ACME},
        head=LEDGER.replace('include "2026.beancount"', 'include "years/*/*.beancount"\ninclude "imports/*.beancount"'),
    )
    (root / "ledger" / "years" / "2026").mkdir(parents=True)
    (root / "ledger" / "imports").mkdir()
    (root / "ledger" / "years" / "2026" / "a.beancount").write_text(Y2026)
    assert open_total(root) == 100
    (root / "ledger" / "years" / "2027").mkdir()
    (root / "ledger" / "years" / "2027" / "b.beancount").write_text(Y2026.replace("INV-1", "INV-2"))
    assert open_total(root) == 200
    (root / "ledger" / "imports" / "c.beancount").write_text(Y2026.replace("INV-1", "INV-3"))
    assert open_total(root) == 300
    assert loads.count == 3


def test_facts_are_not_cached_when_a_file_changed_during_the_load(root: Path, cache_dir: Path, loads: Loads, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time_ns", lambda: 0)  # every file looks newer than the load's start
    assert open_total(root) == 100
    assert open_total(root) == 100
    assert loads.count == 2  # nothing was cached


def test_a_books_plugin_is_an_input(tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_books(tmp_path / "plugged", ledger="", profiles={"acme": ACME}, head='option "insert_pythonpath" "TRUE"\nplugin "acct_cache_plug"\n' + LEDGER)
    (root / "ledger" / "2026.beancount").write_text(Y2026)
    plugin = root / "ledger" / "acct_cache_plug.py"
    plugin.write_text("__plugins__ = ['run']\ndef run(entries, options):\n    return entries, []\n")
    monkeypatch.syspath_prepend(str(root / "ledger"))
    first = load_books(root, AS_OF, use_cache=True)
    assert not [d for d in first.diagnostics if d.code.startswith("ledger-")]
    import importlib
    import sys

    plugin.write_text(
        "import collections\nE = collections.namedtuple('E', 'source message entry')\n__plugins__ = ['run']\n"
        "def run(entries, options):\n    return entries, [E({'filename': '<plugin>', 'lineno': 0}, 'custom rule violated', None)]\n"
    )
    sys.modules.pop("acct_cache_plug", None)
    importlib.invalidate_caches()
    second = load_books(root, AS_OF, use_cache=True)
    assert "custom rule violated" in {d.message for d in second.diagnostics}


def test_an_unreadable_profiles_subfolder_is_reported(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Path.rglob skips folders it cannot read without a word; the loader must say so."""
    hidden = root / "clients" / "archive"
    hidden.mkdir()
    (hidden / "old.yaml").write_text(ACME.replace("acme", "old"))
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path) == hidden:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    books = load_books(root, AS_OF, use_cache=False)
    problems = [(d.code, d.file) for d in books.diagnostics if d.code == "file-unreadable"]
    assert problems == [("file-unreadable", "clients/archive")]
    assert "old" not in books.parties


def test_bean_checks_own_cache_is_left_alone_and_ignored(root: Path, cache_dir: Path, loads: Loads) -> None:
    """Loading must neither delete nor write Beancount's pickle cache in the books, and
    bean-check writing one must not look like a change to the ledger."""
    theirs = root / "ledger" / ".main.beancount.picklecache"
    assert open_total(root) == 100
    theirs.write_bytes(b"bean-check's")
    assert open_total(root) == 100
    assert loads.count == 1  # a hidden file appearing is not a ledger change
    load_books(root, AS_OF, use_cache=False)  # a real load
    assert theirs.read_bytes() == b"bean-check's"
    assert sorted(p.name for p in (root / "ledger").iterdir()) == [".main.beancount.picklecache", "2026.beancount", "main.beancount"]


@pytest.mark.parametrize("command", [("clients", "list"), ("aging", "ar"), ("check",)])
def test_one_command_writes_the_ledger_facts_at_most_once(
    root: Path, cache_dir: Path, loads: Loads, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    writes: list[Path] = []
    real = cache.save_facts

    def counting(ledger_path: Path, books_root: Path, facts: Any) -> None:
        writes.append(ledger_path)
        real(ledger_path, books_root, facts)

    monkeypatch.setattr(cache, "save_facts", counting)
    cold = run_cli(*command, books=root, as_of=AS_OF.isoformat())
    assert cold.exit_code in (0, 1) and len(writes) == 1 and loads.count == 1
    warm = run_cli(*command, books=root, as_of=AS_OF.isoformat())
    assert (warm.exit_code, warm.output) == (cold.exit_code, cold.output)
    assert len(writes) == 1 and loads.count == 1  # nothing new was drawn: nothing written
    # pointing the profile at another account changes the party postings: recomputed, written once more
    (root / "clients" / "acme.yaml").write_text(ACME.replace("Assets:Receivable:Acme", "Assets:Receivable:Other"))
    run_cli(*command, books=root, as_of=AS_OF.isoformat())
    assert len(writes) == 2


def test_a_fact_that_was_not_declared_is_a_programmer_error(root: Path, cache_dir: Path) -> None:
    from acct_tool.books.load import Needs, UndeclaredNeed

    books = load_books(root, AS_OF, use_cache=True, needs=Needs(accounts=frozenset({"Assets:Receivable:Acme"})))
    assert [p.number for p in books.account_postings["Assets:Receivable:Acme"]]
    with pytest.raises(UndeclaredNeed, match="Needs\\(party_postings=True\\)"):
        assert books.party_postings
    with pytest.raises(UndeclaredNeed, match="Needs\\(attribution=True\\)"):
        assert books.attribution
    with pytest.raises(UndeclaredNeed, match="Assets:Bank"):
        books.account_postings["Assets:Bank"]
    assert not books.ledger.loaded  # the entries were let go once the declared facts were drawn


def test_party_postings_come_back_from_the_cache_field_for_field() -> None:
    import datetime as dt
    from decimal import Decimal as D

    from acct_tool.books.cache_codec import DECODERS, ENCODERS
    from acct_tool.books.party_postings import PartyPosting

    row = PartyPosting(
        "Assets:AR", dt.date(2026, 3, 1), D("920.00"), "NZD", 7, ("SI-1",), "SI-1", None, None, "B-2", dt.date(2026, 4, 1),
        False, "CN-7", True, "Phase 3 SI-0887", "ledger/main.beancount", 12, "Kauri Build Ltd", ("kauri-build",), ("0887",), "Income", True,
        "FT-2026-0301",
    )  # fmt: skip
    assert DECODERS["party_postings"](ENCODERS["party_postings"]([row])) == [row]


SETTINGS_WITH_EVERY_RECORD = """\
payment_days: 30
statements:
  rules: [{match: "PAYROLL", account: Expenses:Payroll}]
  files: [{match: "statements/*.csv", format: bank, account: Assets:Bank:Checking}]
  formats: {bank: {date: Date, amount: Amount, description: Text}}
firm:
  name: Brightline Studio LLC
  bank: [{bank: Northbank, account_number: "1"}, {currency: EUR, bank: Rheinbank, iban: DE89}]
documents: {paper: letter}
"""


def test_a_warm_load_parses_no_settings_or_profile_file(examples_copy: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every record settings and profiles are made of comes back from the cache: one the
    cache could not read back made every command parse every file again."""
    from acct_tool.books import yamlsource

    settings = (examples_copy / "acct-tool.yaml").read_text()
    assert "firm:" in settings and "documents:" in settings  # records of their own, with bank details
    load_books(examples_copy, datetime.date(2026, 11, 30), use_cache=True)
    parsed: list[str] = []
    real = yamlsource.parse_yaml

    def parsing(*args: Any, **kwargs: Any) -> Any:
        parsed.append(str(args[1] if len(args) > 1 else kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(yamlsource, "parse_yaml", parsing)
    warm = load_books(examples_copy, datetime.date(2026, 11, 30), use_cache=True)
    assert parsed == []
    assert warm.settings.firm.name == "Brightline Studio LLC" and warm.settings.firm.bank


def test_the_cache_reads_back_settings_with_every_record(tmp_path: Path) -> None:
    import io
    import pickle

    from acct_tool.books.settings import load_settings

    root = make_books(tmp_path / "books", settings=SETTINGS_WITH_EVERY_RECORD)
    settings, found = load_settings(root)
    assert found == []
    assert settings.statements.rules and settings.firm.bank and settings.documents.paper == "letter"
    assert cache._Unpickler(io.BytesIO(pickle.dumps(settings))).load() == settings
