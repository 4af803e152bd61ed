"""Messages the commands print themselves (usage errors, warnings, "logged ...") show
control characters as escapes, like every view does."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

ESC = "\x1b]8;;http://x\x07click\x1b]8;;\x07"


def test_usage_error_quoting_an_id_escapes_control_characters() -> None:
    result = run_cli("clients", "show", f"acme{ESC}", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "\\x1b]8;;http://x\\x07" in result.stderr


def test_log_warning_and_confirmation_escape_control_characters(tmp_path: Path) -> None:
    books = tmp_path / "books"
    shutil.copytree(EXAMPLES, books)
    result = run_cli("log", "acme", "--channel", "call", "--summary", "hello", "--with", f"Mai{ESC}", books=books, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    both = result.output + result.stderr
    assert "\x1b" not in both and "\x07" not in both
    assert "Mai\\x1b]8;;" in result.stderr  # the unknown-contact warning
    assert "Mai\\x1b]8;;" in result.output  # "logged ... with Mai..."
