"""Profiles kept in the books root (`profiles: .`): the settings file is not a profile."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

ACME = """\
id: acme
name: ACME
kind: client
status: active
tier: standard
accounts: {receivable: Assets:Receivable:Acme}
"""


def test_settings_file_is_not_read_as_a_profile(tmp_path: Path) -> None:
    root = tmp_path / "books"
    (root / "ledger").mkdir(parents=True)
    (root / "acct-tool.yaml").write_text("profiles: .\npayment_days: 30\n")
    (root / "acme.yaml").write_text(ACME)
    (root / "ledger" / "main.beancount").write_text('option "operating_currency" "USD"\n2025-01-01 open Assets:Receivable:Acme USD\n')
    for _ in range(2):  # cold, then from the cache
        result = run_cli("check", "--format", "json", books=root, as_of="2026-11-30")
        assert result.exit_code == 0, result.output
        assert all(d["file"] != "acct-tool.yaml" for d in result.json())
    listed = run_cli("clients", "list", "--format", "json", books=root, as_of="2026-11-30")
    assert [row["id"] for row in listed.json()["clients"]] == ["acme"]
