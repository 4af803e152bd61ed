"""Run ``check --format json`` and assert on single diagnostics, remembering which codes were asserted.

``tests/test_zz_codes_coverage.py`` runs last and fails when a documented code
was never provoked-and-asserted by any test. Tests of other commands can
register the codes they assert on with :func:`record`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import run_cli

#: Codes some test provoked and asserted on during this session.
SEEN: set[str] = set()

AS_OF = "2026-11-30"

Diag = dict[str, Any]


def record(*codes: str) -> None:
    SEEN.update(codes)


def check(books: Path, *args: str, as_of: str = AS_OF) -> tuple[int, list[Diag]]:
    """``acct-tool --books BOOKS --as-of AS_OF check --format json ARGS`` -> (exit code, diagnostics)."""
    result = run_cli("check", "--format", "json", *args, books=books, as_of=as_of)
    found = result.json()
    assert isinstance(found, list), result.output
    for d in found:
        assert set(d) == {"severity", "code", "message", "file", "line", "column", "hint"}, d
    return result.exit_code, found


def codes(found: list[Diag]) -> list[str]:
    return [d["code"] for d in found]


def expect(
    found: list[Diag],
    code: str,
    file: str,
    line: int | None,
    column: int | None,
    *,
    severity: str = "error",
    message: str | None = None,
    hint: str | None = None,
) -> Diag:
    """The one diagnostic with ``code`` at ``file:line:column``; ``message``/``hint`` must be substrings."""
    matches = [d for d in found if d["code"] == code and d["file"] == file and d["line"] == line and d["column"] == column]
    shown = "\n".join(f"  {d['file']}:{d['line']}:{d['column']} {d['severity']} {d['code']} {d['message']}" for d in found)
    assert len(matches) == 1, f"expected one {code} at {file}:{line}:{column}, got:\n{shown}"
    d = matches[0]
    assert d["severity"] == severity, d
    if message is not None:
        assert message in d["message"], d
    if hint is not None:
        assert d["hint"] is not None and hint in d["hint"], d
    record(code)
    return d
