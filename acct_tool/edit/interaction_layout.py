"""The layout of a profile's interactions list, read from PyYAML's nodes, and the
new item rendered in it.

PyYAML's nodes (the C parser the loader uses, linear and fast on long profiles)
give the list, the column of its items and their style (block or flow);
ruamel.yaml (a round-trip YAML library) writes the new item in that style.
:mod:`acct_tool.edit.interaction_text` puts the item's lines into the file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

KEY = "interactions"
#: Safe to write unquoted: starts with a letter or digit and has no YAML indicator that matters.
_PLAIN = re.compile(r"^[A-Za-z0-9][^\n\r\t#:{}\[\],&*!|>'\"%@`]*$")


def round_trip_yaml() -> YAML:
    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096  # never fold a long line
    return rt


def _scalar(value: Any) -> Any:
    """Strings that would not read back as the same string (YAML 1.1 or 1.2, block or flow) get double quotes."""
    if not isinstance(value, str):
        return value
    if _PLAIN.match(value) and value == value.strip():
        try:
            if pyyaml.safe_load(f"k: {value}") == {"k": value} and pyyaml.safe_load(f"{{k: {value}}}") == {"k": value}:
                return value
        except pyyaml.YAMLError:
            pass
    return DoubleQuotedScalarString(value)


def item_node(data: dict[str, Any], flow: bool, nested_flow: bool) -> CommentedMap:
    item = CommentedMap()
    for key, value in data.items():
        if isinstance(value, dict):
            inner = CommentedMap((k, _scalar(v)) for k, v in value.items())
            if flow or nested_flow:
                inner.fa.set_flow_style()
            item[key] = inner
        elif isinstance(value, list):
            seq = CommentedSeq(_scalar(v) for v in value)
            if flow or nested_flow:
                seq.fa.set_flow_style()
            item[key] = seq
        else:
            item[key] = _scalar(value)
    if flow:
        item.fa.set_flow_style()
    return item


def render_item(item: CommentedMap, dash: int, content: int, mapping: int, newline: str) -> list[str]:
    """The lines of ``- item`` with the dash at column ``dash`` and the content at column ``content``."""
    out = io.StringIO()
    rt = round_trip_yaml()
    rt.indent(mapping=mapping, sequence=max(2, content - dash), offset=0)
    rt.dump([item], out)
    return [" " * dash + line + newline for line in out.getvalue().splitlines()]


def plain_data(value: Any) -> Any:
    """ruamel's round-trip containers as plain dicts and lists, for comparison."""
    if isinstance(value, dict):
        return {str(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_data(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def dash_column(lines: Sequence[str], line: int, column: int) -> int | None:
    """The column of the ``-`` that introduces the item whose content starts at ``line``, ``column``."""
    text = lines[line] if line < len(lines) else ""
    i = min(column, len(text)) - 1
    while i >= 0 and text[i] == " ":
        i -= 1
    return i if i >= 0 and text[i] == "-" else None


def mapping_fields(node: pyyaml.Node) -> dict[str, tuple[pyyaml.Node, pyyaml.Node]]:
    """A mapping node's entries by key text: key node and value node."""
    if not isinstance(node, pyyaml.MappingNode):
        return {}
    return {k.value: (k, v) for k, v in node.value if isinstance(k, pyyaml.ScalarNode)}


def item_style(root: pyyaml.MappingNode, lines: Sequence[str]) -> tuple[int, int, int, bool, bool]:
    """How to write the new item: dash column, content column, nested mapping indent,
    flow style of the item, flow style of its ``with`` list and ``next_step``.

    Taken from the last interaction, else from another block list in the file
    (contacts, say), else the examples' layout.
    """
    dash, content, mapping, flow, nested = 2, 4, 2, False, True
    fields = mapping_fields(root)
    seq = fields[KEY][1] if KEY in fields else None
    logged = isinstance(seq, pyyaml.SequenceNode) and bool(seq.value) and not seq.flow_style
    others = [v for k, (_, v) in fields.items() if k != KEY and isinstance(v, pyyaml.SequenceNode) and v.value and not v.flow_style]
    if logged or others:
        sample = seq if logged else others[0]
        assert isinstance(sample, pyyaml.SequenceNode)
        start = sample.value[-1].start_mark
        found = dash_column(lines, start.line, start.column)
        if found is not None:
            dash, content = found, start.column
    if not logged:
        return dash, content, mapping, flow, nested
    assert isinstance(seq, pyyaml.SequenceNode)
    items = [i for i in seq.value if isinstance(i, pyyaml.MappingNode)]
    if items:
        flow = bool(items[-1].flow_style)
    for item in reversed(items):
        entries = mapping_fields(item)
        inner = [entries[k] for k in ("next_step", "with") if k in entries and isinstance(entries[k][1], (pyyaml.MappingNode, pyyaml.SequenceNode))]
        if not inner:
            continue
        key, value = inner[0]
        assert isinstance(value, (pyyaml.MappingNode, pyyaml.SequenceNode))
        nested = bool(value.flow_style)
        if isinstance(value, pyyaml.MappingNode) and not nested and value.value:
            mapping = max(2, value.value[0][0].start_mark.column - key.start_mark.column)
        break
    return dash, content, mapping, flow, nested


def end_of_list(lines: Sequence[str], start: int, dash: int) -> int:
    """The last line of the block list whose last item starts at line ``start``."""
    end = start
    for number in range(start + 1, len(lines)):
        text = lines[number].rstrip("\r\n")
        if not text.strip():
            continue
        indent = len(text) - len(text.lstrip(" "))
        if indent <= dash:
            break
        end = number
    return end
