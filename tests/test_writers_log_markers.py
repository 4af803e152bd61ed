"""`log` on a profile with YAML document markers (``---`` first, ``...`` last) adds lines only.

The markers, the comments around them, and every other line stay as they were;
only a list written in flow style (``[...]``) has one line changed, since such a
list cannot grow otherwise.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import run_cli

from acct_tool.edit import interaction_layout, interaction_text
from acct_tool.edit.interaction_text import NewInteraction

Books = Callable[..., Path]

OPENS = "2025-01-01 open Assets:Receivable:Acme USD\n"
HEAD = """\
id: acme
name: ACME Manufacturing
kind: client
tier: key
manager: lan
accounts: {receivable: Assets:Receivable:Acme}
terms:
    payment_days: 30
goals: [Cut onboarding time,   Second plant]
contacts:
  - {name: Mai Tran, role: CFO, decision_maker: true}
"""
BLOCK = """\
interactions:
  - date: 2026-10-02
    channel: meeting
    summary: Quarterly review
"""
FLOW_ONE_LINE = "interactions: [{date: 2026-10-02, channel: meeting, summary: Quarterly review}]   # kept short\n"
FLOW_LINES = "interactions: [\n  {date: 2026-10-02, channel: meeting, summary: Quarterly review}\n]\n"
SATISFACTION = "satisfaction:\n  - {date: 2026-09-30, nps: 9}   # Q3\n"

LAYOUTS = {
    "start": "---\n" + HEAD + BLOCK + SATISFACTION,
    "end": HEAD + BLOCK + SATISFACTION + "...\n",
    "both": "---\n" + HEAD + BLOCK + SATISFACTION + "...\n",
    "start-with-comment": "--- # ACME profile\n" + HEAD + BLOCK + SATISFACTION,
    "directive": "%YAML 1.1\n---\n" + HEAD + BLOCK + SATISFACTION + "...\n",
    "interactions-last-before-end": "---\n" + HEAD + SATISFACTION + BLOCK + "...\n",
    "end-without-newline": "---\n" + HEAD + SATISFACTION + BLOCK + "...",
    "comments-after-end": "---\n" + HEAD + SATISFACTION + BLOCK + "# last words\n...\n# after the document\n",
    "no-interactions-before-end": "---\n" + HEAD + SATISFACTION + "...\n",
    "no-interactions-comments-after-end": HEAD + SATISFACTION + "...\n# the end\n",
    "crlf": ("---\n" + HEAD + BLOCK + SATISFACTION + "...\n").replace("\n", "\r\n"),
}


def ops(before: str, after: str) -> list[tuple[str, int, int, int, int]]:
    matcher = difflib.SequenceMatcher(None, before.splitlines(keepends=True), after.splitlines(keepends=True), autojunk=False)
    return [op for op in matcher.get_opcodes() if op[0] != "equal"]


def log_once(books: Books, text: str) -> tuple[Path, str]:
    root = books(ledger=OPENS, profiles={})
    path = root / "clients" / "acme.yaml"
    path.write_bytes(text.encode("utf-8"))
    result = run_cli("log", "acme", "--channel", "call", "--with", "Mai Tran", "--summary", "Renewal terms agreed",
                     "--next", "Send the contract", "--due", "2026-12-10", books=root, as_of="2026-11-30")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    check = run_cli("check", books=root, as_of="2026-11-30")
    assert check.exit_code == 0, check.output + check.stderr
    return root, path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_log_only_adds_lines_whatever_the_document_markers(books: Books, layout: str) -> None:
    before = LAYOUTS[layout]
    _, after = log_once(books, before)
    assert [op[0] for op in ops(before, after)] == ["insert"], "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True)))
    doc = yaml.safe_load(after)
    assert doc["interactions"][-1]["summary"] == "Renewal terms agreed"
    assert doc["terms"] == {"payment_days": 30}


@pytest.mark.parametrize("markers", [("---\n", "...\n"), ("--- # ACME\n", "...\n# after\n"), ("", "")])
@pytest.mark.parametrize("flow", [FLOW_ONE_LINE, FLOW_LINES])
def test_a_flow_list_changes_only_where_it_must(books: Books, flow: str, markers: tuple[str, str]) -> None:
    start, end = markers
    before = start + HEAD + flow + SATISFACTION + end
    _, after = log_once(books, before)
    changed = ops(before, after)
    assert len(changed) == 1 and changed[0][2] - changed[0][1] == 1, "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True)))
    assert after.startswith(start + HEAD) and after.endswith(SATISFACTION + end)  # markers, indentation, flow lists kept
    assert yaml.safe_load(after)["interactions"][-1]["summary"] == "Renewal terms agreed"


@pytest.mark.parametrize("markers", [("---\n", "...\n"), ("%YAML 1.1\n--- # ACME\n", "...\n# after\n")])
def test_the_whole_document_fallback_keeps_the_markers(markers: tuple[str, str]) -> None:
    start, end = markers
    body = start + HEAD + BLOCK + SATISFACTION + end
    entry = NewInteraction(datetime.date(2026, 11, 30), "call", "Short call")
    item = interaction_layout.item_node(entry.as_data(), False, True)
    expected = yaml.safe_load(body)
    expected["interactions"].append(interaction_layout.plain_data(item))
    after = interaction_text._reemit(body, item, (2, 4, 2), "\n", expected)
    assert after.startswith(start) and after.endswith(end)
    assert yaml.safe_load(after) == expected
