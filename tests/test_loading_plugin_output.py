"""What a books plugin prints while the ledger loads is reported, and never mixed into the output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from codes_seen import Diag, codes, expect
from conftest import LEDGER_HEAD, run_cli

from acct_tool.books import ledger

PLUGIN = """\
import sys
print("noisy plugin imported")
__plugins__ = ["run"]

def run(entries, options_map):
    print("checked", len(entries), "entries")
    for n in range(10):
        print("detail", n, file=sys.stderr)
    return entries, []
"""


@pytest.fixture
def noisy(books: Callable[..., Path], request: pytest.FixtureRequest) -> Iterator[Path]:
    name = f"acct_noisy_{request.node.name.replace('[', '_').replace(']', '_').replace('-', '_')}"
    root = books(head=f'option "insert_pythonpath" "TRUE"\nplugin "{name}"\n' + LEDGER_HEAD)
    (root / "ledger" / f"{name}.py").write_text(PLUGIN)
    yield root
    sys.modules.pop(name, None)


def check(root: Path, *flags: str) -> tuple[int, list[Diag]]:
    result = run_cli(*flags, "check", "--format", "json", books=root)
    found: list[Diag] = json.loads(result.output)  # nothing but the JSON on stdout
    return result.exit_code, found


def test_plugin_output_is_a_warning_at_its_plugin_line_cold_and_warm(noisy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loads = []
    real = ledger.load_entries

    def counted(*args: Any, **options: Any) -> Any:
        loads.append(args)
        return real(*args, **options)

    monkeypatch.setattr(ledger, "load_entries", counted)
    for _ in range(2):  # the second run is served from the cache and does not run the plugin
        code, found = check(noisy)
        assert code == 0
        d = expect(found, "ledger-plugin-output", "ledger/main.beancount", 2, None, severity="warning")
        assert d["message"].startswith('plugin "acct_noisy_')
        assert "noisy plugin imported" in d["message"] and "checked 4 entries" in d["message"]
        assert "more lines" in d["message"]  # the first lines only
    assert len(loads) == 1


def test_plugin_output_without_the_cache(noisy: Path) -> None:
    code, found = check(noisy, "--no-cache")
    assert codes(found) == ["ledger-plugin-output"]
    assert code == 0


def test_plugin_output_fails_strict_and_stays_off_stdout_in_text(noisy: Path) -> None:
    result = run_cli("--no-cache", "check", "--strict", books=noisy)
    assert result.exit_code == 1
    assert result.output.startswith("ledger/main.beancount:2: warning ledger-plugin-output")
    assert "detail" not in result.stderr
