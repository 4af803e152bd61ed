"""A profile's text with one more interaction, everything else unchanged (pure).

The profile is a file people edit by hand and review in git, so the edit must
show in ``git diff`` as added lines only: comments, key order, quoting, blank
lines and line endings stay as they are. The new item is rendered in the
layout of the list (:mod:`acct_tool.edit.interaction_layout`) and its lines are
inserted after the last line of the list (a flow list, which cannot grow by
added lines alone, gets the item before its closing bracket). A missing list is
added at the end of the document, before an explicit ``...``. The result is
parsed again and must read as the old document plus the new item, else the
whole document is re-emitted by ruamel.yaml as a fallback -- keeping what comes
up to an explicit ``---`` and from an explicit ``...`` on as it is.
"""

from __future__ import annotations

import datetime
import gc
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml as pyyaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from acct_tool.edit.interaction_layout import KEY, dash_column, end_of_list, item_node, item_style, mapping_fields, plain_data, render_item, round_trip_yaml

Date = datetime.date

_EMPTY_KEY = re.compile(r"^interactions[ \t]*:[ \t]*(?:~|null|Null|NULL|\[[ \t]*\])?[ \t]*(?:#.*)?$")
_EMPTY_VALUE = re.compile(r"^(?P<key>interactions[ \t]*:)[ \t]*(?:~|null|Null|NULL|\[[ \t]*\])")


class EditError(Exception):
    """The file cannot be edited as asked (not the kind of YAML this module can change)."""


@dataclass(frozen=True)
class NewInteraction:
    """An interaction to append, as ``acct-tool log`` collects it."""

    date: Date
    channel: str
    summary: str
    with_: tuple[str, ...] = ()
    by: str | None = None
    sentiment: str | None = None
    next_action: str | None = None
    next_due: Date | None = None
    next_owner: str | None = None
    reminders: tuple[str, ...] = ()  # document numbers a payment reminder was sent for

    def as_data(self) -> dict[str, Any]:
        """The item as plain data, keys in the order the examples use."""
        item: dict[str, Any] = {"date": self.date, "channel": self.channel}
        if self.with_:
            item["with"] = self.with_[0] if len(self.with_) == 1 else list(self.with_)
        if self.by:
            item["by"] = self.by
        item["summary"] = self.summary
        if self.sentiment:
            item["sentiment"] = self.sentiment
        if self.reminders:
            item["reminders"] = list(self.reminders)
        if self.next_action is not None and self.next_due is not None:
            step: dict[str, Any] = {"action": self.next_action, "due": self.next_due}
            if self.next_owner or self.by:
                step["owner"] = self.next_owner or self.by
            step["done"] = False
            item["next_step"] = step
        return item


def _extend_flow(lines: Sequence[str], seq: pyyaml.SequenceNode, item: CommentedMap, mapping: int, newline: str) -> list[str] | None:
    """``lines`` with ``item`` appended to the flow list ``seq`` (``[..., ...]``), in its layout.

    A flow list cannot grow by added lines alone: the item goes before the
    closing ``]`` on its line, or, when the ``]`` has a line of its own, on a new
    line after the last item (which gets the comma it needs)."""
    rendered = render_item(item, 0, 2, mapping, "\n")
    if len(rendered) != 1 or not rendered[0].startswith("- "):
        return None
    flow = rendered[0][2:].rstrip("\n")
    end, last = seq.end_mark, seq.value[-1]
    close = end.column - 1
    line = lines[end.line] if end.line < len(lines) else ""
    if close < 0 or line[close : close + 1] != "]":
        return None
    out = list(lines)
    head = line[:close]
    if head.strip():  # the `]` ends a line with content: the item goes just before it
        trailing_comma = head.rstrip().endswith(",")
        out[end.line] = (head.rstrip() + f" {flow}," if trailing_comma else head + f", {flow}") + line[close:]
        return out
    previous = lines[last.end_mark.line]
    ending = previous[len(previous.rstrip("\r\n")) :] or newline
    after = previous[last.end_mark.column :].rstrip("\r\n")
    trailing_comma = after.lstrip().startswith(",")
    indent = " " * last.start_mark.column
    if not trailing_comma:
        out[last.end_mark.line] = previous[: last.end_mark.column] + "," + previous[last.end_mark.column :]
    out.insert(last.end_mark.line + 1, indent + flow + ("," if trailing_comma else "") + ending)
    return out


def insert_interaction(text: str, entry: NewInteraction) -> str:
    """``text`` with ``entry`` appended to its interactions list, everything else unchanged.

    The layout is read from PyYAML's nodes (C parser: marks and flow styles, fast on
    long profiles); ruamel.yaml only renders the new item, and re-emits the whole
    document in the rare layouts a line insertion cannot extend.
    """
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    newline = "\r\n" if "\r\n" in body else "\n"
    try:
        root, old = _parse(body)
    except pyyaml.YAMLError as exc:
        raise EditError(f"cannot read the profile: {exc}") from None
    if not isinstance(root, pyyaml.MappingNode) or root.flow_style or not isinstance(old, dict):
        raise EditError("the profile is not a block mapping of keys to values")
    data = entry.as_data()
    lines = body.splitlines(keepends=True)
    dash, content, mapping, flow, nested = item_style(root, lines)
    item = item_node(data, flow, nested)
    fields = mapping_fields(root)
    key, seq = fields.get(KEY, (None, None))
    empty = seq is None or (isinstance(seq, pyyaml.ScalarNode) and seq.tag == _NULL)
    if not empty and not isinstance(seq, pyyaml.SequenceNode):
        raise EditError(f"`{KEY}` is not a list")
    new_lines: list[str] | None = None
    if key is None:
        end = _markers(body)[1]  # the new key goes before an explicit end of the document (`...`)
        head, tail = (lines[:end], lines[end:]) if end is not None else (lines[:], [])
        if head and not head[-1].endswith(("\n", "\r")):
            head[-1] += newline
        new_lines = head + [KEY + ":" + newline] + render_item(item, dash, content, mapping, newline) + tail
    elif empty or (isinstance(seq, pyyaml.SequenceNode) and not seq.value):
        line = key.start_mark.line
        text_line = lines[line].rstrip("\r\n")
        if _EMPTY_KEY.match(text_line):
            ending = lines[line][len(text_line) :] or newline
            key_line = _EMPTY_VALUE.sub(r"\g<key>", text_line, count=1) + ending
            new_lines = lines[:line] + [key_line] + render_item(item, dash, content, mapping, newline) + lines[line + 1 :]
    elif isinstance(seq, pyyaml.SequenceNode) and not seq.flow_style:
        last = seq.value[-1].start_mark
        start, col = last.line, last.column
        found = dash_column(lines, start, col)
        if found is not None:
            end = end_of_list(lines, start, found)
            head = lines[: end + 1]
            if not head[-1].endswith(("\n", "\r")):
                head[-1] += newline
            new_lines = head + render_item(item, found, col, mapping, newline) + lines[end + 1 :]
    elif isinstance(seq, pyyaml.SequenceNode) and seq.value:
        item = item_node(data, True, True)  # a flow list gets a flow item
        new_lines = _extend_flow(lines, seq, item, mapping, newline)
    expected = dict(old)
    expected[KEY] = list(old.get(KEY) or []) + [plain_data(item)]
    if new_lines is not None:
        spliced = "".join(new_lines)
        if _reads_as(spliced, expected):
            return bom + spliced
    return bom + _reemit(body, item, (dash, content, mapping), newline, expected)


def _markers(text: str) -> tuple[int | None, int | None]:
    """The lines of the document's explicit start (``---``) and end (``...``) markers, if it has them."""
    start: int | None = None
    end: int | None = None
    loader = _FastLoader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, pyyaml.DocumentStartEvent) and event.explicit and event.end_mark is not None:
                start = event.end_mark.line  # after any directives: the `---` line itself
            elif isinstance(event, pyyaml.DocumentEndEvent):
                end = event.start_mark.line if event.explicit and event.start_mark is not None else None
                break
    except pyyaml.YAMLError:
        return None, None
    finally:
        loader.dispose()
    return start, end


_BARE_MARKER = re.compile(r"^(---|\.\.\.)[ \t]*(?:#.*)?$")


def _reemit(body: str, item: CommentedMap, style: tuple[int, int, int], newline: str, expected: dict[str, Any]) -> str:
    """Fallback: let ruamel.yaml emit the whole document with the item appended.

    What comes up to and including an explicit ``---`` line (directives,
    comments) and from an explicit ``...`` line on is kept as it is."""
    dash, content, mapping = style
    lines = body.splitlines(keepends=True)
    start, end = _markers(body)
    first = start + 1 if start is not None and _BARE_MARKER.match(lines[start].rstrip("\r\n")) else 0
    last = end if end is not None and _BARE_MARKER.match(lines[end].rstrip("\r\n")) else len(lines)
    prefix, suffix = "".join(lines[:first]), "".join(lines[last:])
    body = "".join(lines[first:last])
    try:
        doc = round_trip_yaml().load(body)
    except YAMLError as exc:
        raise EditError(f"cannot read the profile: {exc}") from None
    if not isinstance(doc, CommentedMap):
        raise EditError("the profile is not a block mapping of keys to values")
    seq = doc.get(KEY)
    if isinstance(seq, CommentedSeq):
        seq.append(item)
    else:
        doc[KEY] = CommentedSeq([item])
    out = io.StringIO()
    rt = round_trip_yaml()
    rt.indent(mapping=mapping, sequence=max(content, dash + 2), offset=dash)
    rt.dump(doc, out)
    emitted = prefix + (out.getvalue().replace("\n", newline) if newline != "\n" else out.getvalue()) + suffix
    if not _reads_as(emitted, expected):
        raise EditError("could not append the interaction without changing other values")
    return emitted


_NULL = "tag:yaml.org,2002:null"
_FastLoader: Any = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)


def _parse(text: str) -> tuple[pyyaml.Node | None, Any]:
    """The document's root node and its plain data, as the profile loader reads them (one pass)."""
    enabled = gc.isenabled()
    gc.disable()  # one object per node and no cycles: the collector only slows long profiles down
    loader = _FastLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()
        if enabled:
            gc.enable()


def _reads_as(text: str, expected: dict[str, Any]) -> bool:
    """True when PyYAML (which the profile loader uses) reads ``text`` as exactly ``expected``."""
    try:
        _, data = _parse(text)
    except pyyaml.YAMLError:
        return False
    return bool(data == expected)
