"""The parsed-files cache keeps settings and profiles apart.

With ``profiles: .`` the settings file sits in the profiles folder, so one path is
read both as the settings and as a profile; a cache keyed by path alone handed
the settings to the profile loader.
"""

from __future__ import annotations

from pathlib import Path

from conftest import make_books, run_cli

ACME = """\
id: acme
name: ACME
kind: client
accounts: {receivable: Assets:Receivable:Acme}
"""
LEDGER = 'option "operating_currency" "USD"\n2025-01-01 open Assets:Receivable:Acme USD\n'


def test_profiles_in_the_books_root_with_the_cache_on(tmp_path: Path, cache_dir: Path) -> None:
    root = make_books(tmp_path / "flat", ledger="", head=LEDGER, settings="profiles: .\n")
    (root / "acme.yaml").write_text(ACME)
    uncached = run_cli("--no-cache", "check", "--format", "json", books=root, as_of="2026-11-30")
    first = run_cli("check", "--format", "json", books=root, as_of="2026-11-30")
    second = run_cli("check", "--format", "json", books=root, as_of="2026-11-30")
    assert first.exit_code == second.exit_code == uncached.exit_code
    assert first.json() == second.json() == uncached.json()
    assert list(cache_dir.iterdir())  # the cache was used
    shown = run_cli("clients", "show", "acme", books=root, as_of="2026-11-30")
    assert shown.exit_code == 0, shown.stderr
