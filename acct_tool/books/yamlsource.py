"""Read a YAML file into plain data that remembers where every value came from.

The parsing itself -- duplicate keys reported, the line and column of every key
and value kept, alias bombs and absurd nesting refused, nothing constructed but
plain data -- is :mod:`acct_tool.books.yaml_compose`, imported only when a file
is really parsed, so that a command served from the cache never loads PyYAML.
Dates stay ISO strings here; the schema checks them and the party builder parses them.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime
import gc
import re
from pathlib import Path

from acct_tool.books.text_files import read_text
from acct_tool.books.yamldoc import PathT as PathT
from acct_tool.books.yamldoc import YamlDoc as YamlDoc
from acct_tool.diagnostics import Diagnostic
from acct_tool.periods import in_range


def load_yaml(path: Path, display: str, *, max_bytes: int = 20_000_000) -> tuple[YamlDoc | None, list[Diagnostic]]:
    """Load one YAML document from ``path``; ``display`` is the path shown in diagnostics.

    Returns ``(None, diagnostics)`` when the file cannot be turned into data.
    An empty document gives ``YamlDoc`` with ``data=None``; callers decide whether that is wrong.
    """
    text, problems = read_text(path, display, max_bytes)
    if text is None:
        return None, problems
    return parse_yaml(text, display)


def parse_yaml(text: str, display: str) -> tuple[YamlDoc | None, list[Diagnostic]]:
    from acct_tool.books.yaml_compose import compose

    # Composing and converting allocate one object per node and create no garbage
    # cycles worth collecting; with the cyclic collector paused a 100,000-interaction
    # profile parses about three times faster (the collector's passes grow with the heap).
    enabled = gc.isenabled()
    gc.disable()
    try:
        doc, problems = compose(text, display)
    finally:
        if enabled:
            gc.enable()
    if _YAML_ONLY_BREAKS.search(text):
        return _editor_lines(text, doc, problems)
    return doc, problems


#: Characters YAML 1.1 (and so libyaml) counts as line breaks, but editors do not.
_YAML_ONLY_BREAKS = re.compile("[\x85\u2028\u2029]")


def _editor_lines(text: str, doc: YamlDoc | None, problems: list[Diagnostic]) -> tuple[YamlDoc | None, list[Diagnostic]]:
    """Marks count U+0085, U+2028 and U+2029 as line breaks; give lines and columns as an editor shows them."""
    yaml_starts = [0] + [m.end() for m in re.finditer("\r\n|[\n\r\x85\u2028\u2029]", text)]
    editor_breaks = [m.end() for m in re.finditer("\r\n|[\n\r]", text)]

    def move(line: int, column: int) -> tuple[int, int]:
        offset = yaml_starts[min(line, len(yaml_starts)) - 1] + column - 1
        before = bisect.bisect_right(editor_breaks, offset)
        return before + 1, offset - (editor_breaks[before - 1] if before else 0) + 1

    if doc is not None:
        doc.value_marks = {k: move(*v) for k, v in doc.value_marks.items()}
        doc.key_marks = {k: move(*v) for k, v in doc.key_marks.items()}
    fixed = []
    for d in problems:
        if d.line is not None and d.file == (doc.file if doc is not None else d.file):
            line, column = move(d.line, d.column or 1)
            d = dataclasses.replace(d, line=line, column=column if d.column is not None else None)
        fixed.append(d)
    return doc, fixed


def parse_date(text: object) -> datetime.date | None:
    """Parse an ISO date string as stored in :class:`YamlDoc`; ``None`` when it is not one,
    or is outside the dates acct-tool handles (the schema says so with a diagnostic)."""
    if isinstance(text, datetime.date):
        return text if in_range(text) else None
    if not isinstance(text, str) or len(text) != 10:
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return day if in_range(day) else None
