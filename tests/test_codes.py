"""Diagnostic codes are stable, documented with an example each, and docs/diagnostics.md is generated.

Regenerate the page after changing :data:`acct_tool.diagnostics.CODES`::

    python -m acct_tool.render.codes_doc > docs/diagnostics.md

or run this test with ``ACCT_TOOL_REGEN=1``. That every code is provoked by a
test is checked by ``test_zz_codes_coverage.py``, which runs last.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import REPO

from acct_tool.diagnostics import CODES, Severity
from acct_tool.render.codes_doc import GROUPS, OTHER, group_of, render

DOC = REPO / "docs" / "diagnostics.md"


def test_docs_are_generated_from_the_codes_table() -> None:
    text = render(CODES)
    if os.environ.get("ACCT_TOOL_REGEN"):
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, "docs/diagnostics.md is stale: run `python -m acct_tool.render.codes_doc > docs/diagnostics.md`"


def test_module_prints_the_page() -> None:
    result = subprocess.run([sys.executable, "-m", "acct_tool.render.codes_doc"], capture_output=True, text=True, check=True)
    assert result.stdout == render(CODES)


def test_every_code_has_one_table_row_with_its_severity_meaning_and_example() -> None:
    text = render(CODES)
    for name, code in CODES.items():
        rows = [line for line in text.splitlines() if line.startswith(f"| `{name}` |")]
        assert len(rows) == 1, name
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", rows[0])[1:-1]]
        assert cells[1] == code.severity.value
        assert cells[2] and cells[3], name


@pytest.mark.parametrize("name", list(CODES))
def test_code_is_well_formed(name: str) -> None:
    code = CODES[name]
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", name), "codes are lowercase words joined by dashes"
    assert isinstance(code.severity, Severity)
    assert code.summary.endswith(".") and code.summary[0].isupper()
    assert code.example.strip(), "every code is documented with an example"


def test_codes_are_sorted_into_sections() -> None:
    unsorted = [name for name in CODES if group_of(name) == OTHER[0]]
    assert unsorted == [], "add the code to a section in acct_tool/render/codes_doc.py GROUPS"


def test_sections_appear_in_order_and_only_when_they_have_codes() -> None:
    codes = {"yaml-syntax": CODES["yaml-syntax"], "ledger-syntax": CODES["ledger-syntax"]}
    text = render(codes)
    assert text.index("## Files and YAML") < text.index("## Ledger")
    assert "## Profiles against the ledger" not in text
    assert [title for title, _, _ in GROUPS][:3] == ["Files and YAML", "Profiles and settings", "Ledger"]


def test_pipes_in_examples_do_not_break_the_table() -> None:
    from acct_tool.diagnostics import Code

    text = render({"yaml-syntax": Code(Severity.ERROR, "Has a | pipe.", "`a | b`")})
    [row] = [line for line in text.splitlines() if line.startswith("| `yaml-syntax`")]
    assert len(re.split(r"(?<!\\)\|", row)) == 6
