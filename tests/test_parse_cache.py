"""Each ledger file's parse is cached: an edit re-parses only the edited file, and the cache is never trusted blindly."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import make_books, run_cli

from acct_tool.books import ledger, parse_cache

MAIN = """\
option "operating_currency" "USD"
include "years/*.beancount"
2024-01-01 open Assets:Bank:Operating USD
2024-01-01 open Income:Services
"""


def year(y: int, amount: str = "100.00") -> str:
    return f'{y}-03-01 * "Sale {y}"\n  Assets:Bank:Operating  {amount} USD\n  Income:Services\n'


@pytest.fixture
def root(tmp_path: Path) -> Path:
    books = make_books(tmp_path / "books", head=MAIN)
    (books / "ledger" / "years").mkdir()
    for y in (2024, 2025, 2026):
        (books / "ledger" / "years" / f"{y}.beancount").write_text(year(y))
    return books


Parses = list[str]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Parses:
    """The files Beancount's parser really parses (a cached parse does not call it)."""
    from beancount.parser import parser

    seen: Parses = []
    real = parser.parse_file

    def counting(file: Any, report_filename: str | None = None, **options: Any) -> Any:
        seen.append(Path(report_filename or str(file)).name)
        return real(file, report_filename=report_filename, **options)

    monkeypatch.setattr(parser, "parse_file", counting)
    return seen


def load(root: Path, **options: Any) -> tuple[list[Any], list[Any]]:
    entries, facts = ledger.load_entries(root / "ledger" / "main.beancount", root, **options)
    return entries, facts.diagnostics


def narrations(entries: list[Any]) -> list[str]:
    return [e.narration for e in entries if type(e).__name__ == "Transaction"]


def parse_files(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("parse-*")) if cache_dir.exists() else []


def test_an_edit_reparses_only_the_edited_file(root: Path, cache_dir: Path, parses: Parses) -> None:
    load(root)
    assert sorted(parses) == ["2024.beancount", "2025.beancount", "2026.beancount", "main.beancount"]
    parses.clear()
    (root / "ledger" / "years" / "2026.beancount").write_text(year(2026, "250.00"))
    entries, problems = load(root)
    assert parses == ["2026.beancount"]
    assert not problems
    assert [p.units.number for e in entries if type(e).__name__ == "Transaction" for p in e.postings if p.account == "Assets:Bank:Operating"][-1] == 250


def test_a_check_after_an_edit_reparses_only_the_edited_file(root: Path, cache_dir: Path, parses: Parses) -> None:
    assert run_cli("check", books=root, as_of="2026-12-31").exit_code == 0
    parses.clear()
    (root / "ledger" / "years" / "2025.beancount").write_text(year(2025, "90.00"))
    assert run_cli("check", books=root, as_of="2026-12-31").exit_code == 0
    assert parses == ["2025.beancount"]


def test_one_cache_file_per_ledger_file_replaced_on_change(root: Path, cache_dir: Path) -> None:
    load(root)
    assert len(parse_files(cache_dir)) == 4
    for amount in ("1.00", "2.00", "3.00"):
        (root / "ledger" / "years" / "2026.beancount").write_text(year(2026, amount))
        load(root)
    assert len(parse_files(cache_dir)) == 4


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: b"",
        lambda raw: raw[: len(raw) // 2],
        lambda raw: raw[:-10] + b"0123456789",
        lambda raw: raw.replace(b'"format": 1', b'"format": 99'),
        lambda raw: b'{"magic": "acct-tool-parse"}\n' + os.urandom(64),
    ],
    ids=["empty", "truncated", "corrupt-payload", "foreign-format", "junk"],
)
def test_a_damaged_cached_parse_is_parsed_again_with_the_same_result(root: Path, cache_dir: Path, parses: Parses, damage: Callable[[bytes], bytes]) -> None:
    cold = load(root)
    target = parse_cache.parse_cache_file(os.path.abspath(root / "ledger" / "years" / "2025.beancount"))
    target.write_bytes(damage(target.read_bytes()))
    parses.clear()
    assert load(root) == cold
    assert parses == ["2025.beancount"]
    parses.clear()
    assert load(root) == cold  # written again, and trusted again
    assert parses == []


def _rewrite_payload(path: Path, payload: bytes) -> None:
    """Replace a cache file's payload, with a checksum that matches it: only the unpickler stands in the way."""
    import json

    header = json.loads(path.read_bytes().partition(b"\n")[0])
    header.pop("sha256")
    parse_cache.write_file(path, header, payload)


def test_a_hostile_cached_parse_runs_no_code(root: Path, cache_dir: Path, tmp_path: Path, parses: Parses) -> None:
    cold = load(root)
    marker = tmp_path / "pwned"
    target = parse_cache.parse_cache_file(os.path.abspath(root / "ledger" / "main.beancount"))
    _rewrite_payload(target, b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR.")
    parses.clear()
    assert load(root) == cold
    assert not marker.exists()
    assert parses == ["main.beancount"]


def test_a_cached_parse_of_another_shape_is_not_used(root: Path, cache_dir: Path, parses: Parses) -> None:
    cold = load(root)
    target = parse_cache.parse_cache_file(os.path.abspath(root / "ledger" / "main.beancount"))
    _rewrite_payload(target, pickle.dumps(([], [])))
    parses.clear()
    assert load(root) == cold
    assert parses == ["main.beancount"]


def test_the_same_bytes_under_another_name_are_parsed_for_that_name(root: Path, cache_dir: Path) -> None:
    load(root)
    years = root / "ledger" / "years"
    (years / "2027.beancount").write_text((years / "2026.beancount").read_text())
    entries, _ = load(root)
    files = {e.meta["filename"] for e in entries if type(e).__name__ == "Transaction"}
    assert os.path.abspath(years / "2027.beancount") in files and os.path.abspath(years / "2026.beancount") in files


def test_no_cache_writes_and_reads_no_parse(root: Path, cache_dir: Path, parses: Parses, monkeypatch: pytest.MonkeyPatch) -> None:
    load(root, use_cache=False)
    assert parse_files(cache_dir) == []
    monkeypatch.setenv(parse_cache.ENV_OFF, "1")
    load(root)
    assert parse_files(cache_dir) == []
    monkeypatch.delenv(parse_cache.ENV_OFF)
    load(root)
    assert len(parse_files(cache_dir)) == 4
    parses.clear()
    load(root, use_cache=False)
    assert len(parses) == 4  # cached parses are there, and not used


def test_the_no_cache_flag_after_the_command_leaves_the_parse_cache_alone(root: Path, cache_dir: Path) -> None:
    assert run_cli("check", "--no-cache", books=root, as_of="2026-12-31").exit_code == 0
    assert parse_files(cache_dir) == []


def test_an_encrypted_include_is_never_cached(root: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from beancount.utils import encryption

    secret = root / "ledger" / "secret.beancount.asc"
    secret.write_text("-----BEGIN PGP MESSAGE-----\nnot really\n-----END PGP MESSAGE-----\n")
    monkeypatch.setattr(encryption, "read_encrypted_file", lambda filename: year(2023))
    (root / "ledger" / "main.beancount").write_text(MAIN + 'include "secret.beancount.asc"\n')
    entries, _ = load(root)
    assert "Sale 2023" in narrations(entries)
    assert len(parse_files(cache_dir)) == 4  # main and the three years, not the encrypted file
    assert parse_cache.parse_cache_file(str(secret)) not in parse_files(cache_dir)


def test_progress_names_each_stage_in_order(root: Path, cache_dir: Path) -> None:
    stages: list[str] = []
    load(root, progress=stages.append)
    assert [s.split()[0] for s in stages] == ["parsing", "booking", "running", "validating"]
    assert stages[1:] == ["booking", "running plugins", "validating"]


def test_the_ledger_passes_its_progress_on(root: Path, cache_dir: Path) -> None:
    stages: list[str] = []
    book = ledger.Ledger(root / "ledger" / "main.beancount", root, progress=stages.append)
    assert narrations(book.entries)
    assert stages[-1] == "validating"


EVERY_KIND = """\
option "title" "Every kind"
option "operating_currency" "USD"
option "display_precision" "USD:0.01"
option "booking_method" "FIFO"
option "inferred_tolerance_default" "USD:0.005"
plugin "beancount.plugins.auto_accounts"
pushtag #trip
pushmeta location: "Hanoi"
2020-01-01 open Assets:A USD,EUR "STRICT"
2020-01-01 open Assets:B
2020-01-01 commodity ACME
  name: "Acme"
  ratio: 12.5
  since: 2020-01-02
  listed: TRUE
  price: 10 USD
  home: Assets:A
  label: #tag
2020-01-02 * "Payee" "Narration" #t1 ^l1
  key: "v"
  Assets:A  10 ACME {5 USD, 2020-01-01, "lot"} @ 6 USD
    posting-key: 1
  ! Assets:B  -50 USD
2020-01-03 * "Merge"
  Assets:A  2 ACME {{20 USD}}
  Assets:B  (1 + 19) USD
  Assets:B  -40 USD
2020-01-04 txn "Sell"
  Assets:A  -1 ACME {} @@ 7 USD
  Assets:B
2020-01-05 balance Assets:B -63.00 ~ 0.01 USD
2020-01-05 pad Assets:B Equity:Opening
2020-01-05 note Assets:A "a note"
2020-01-05 document Assets:A "/nowhere/statement.pdf" #t ^l
2020-01-05 event "location" "Hanoi"
2020-01-05 query "cash" "SELECT account"
2020-01-05 price ACME 6.5 USD
2020-01-05 custom "budget" Assets:A "monthly" 10 USD 2.0 TRUE 2020-01-01
2020-02-01 close Assets:A
popmeta location:
poptag #trip
2020-02-02 * "unterminated
option "inferred_tolerance_multiplier" "0.6"
pushtag #left-open
"""


def test_every_kind_of_directive_and_error_comes_back_from_the_cache(tmp_path: Path, cache_dir: Path, parses: Parses) -> None:
    root = make_books(tmp_path / "books", head=EVERY_KIND)
    cold = load(root)
    kinds = {type(e).__name__ for e in cold[0]}
    assert kinds >= {"Open", "Close", "Commodity", "Transaction", "Balance", "Pad", "Note", "Document", "Event", "Query", "Price", "Custom"}, kinds
    assert cold[1]  # and errors of several kinds
    parses.clear()
    assert load(root) == cold
    assert parses == []  # the restricted unpickler builds everything the parser returned
