"""Append an interaction to a profile, changing nothing else in the file.

``acct-tool log`` writes through here. The profile is a file people edit by
hand and review in git, so the edit must show in ``git diff`` as added lines
only: comments, key order, quoting, blank lines and line endings stay as they
are. PyYAML's nodes (the C parser the loader uses, linear and fast on long
profiles) give the interactions list, the column of its items and their style
(block or flow); ruamel.yaml (a round-trip YAML library) writes the new item in
that style, and the item's lines are inserted after the last line of the list
(a flow list, which cannot grow by added lines alone, gets the item before its
closing bracket). A missing list is added at the end of the document, before
an explicit ``...``. The result is parsed again and must read as the old
document plus the new item, else the whole document is re-emitted by
ruamel.yaml as a fallback -- keeping what comes up to an explicit ``---`` and
from an explicit ``...`` on as it is.

The read, edit, write and check happen under a lock on the profile's folder,
so that two ``log`` runs at once keep both interactions. The write is atomic
(:func:`acct_tool.files.write_atomic`), keeps the file's
permissions, and goes through a symlink to the file it points at, which must be
a regular file. A profile that has errors is refused, and a
profile that would not validate after the edit is restored.
"""

from __future__ import annotations

import datetime
import gc
import io
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from acct_tool.diagnostics import Diagnostic, Severity
from acct_tool.files import locked, read_regular, write_atomic
from acct_tool.parties import Party
from acct_tool.profiles import load_party
from acct_tool.schema import did_you_mean

Date = datetime.date

KEY = "interactions"
#: Safe to write unquoted: starts with a letter or digit and has no YAML indicator that matters.
_PLAIN = re.compile(r"^[A-Za-z0-9][^\n\r\t#:{}\[\],&*!|>'\"%@`]*$")
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
        if self.next_action is not None and self.next_due is not None:
            step: dict[str, Any] = {"action": self.next_action, "due": self.next_due}
            if self.next_owner or self.by:
                step["owner"] = self.next_owner or self.by
            step["done"] = False
            item["next_step"] = step
        return item


@dataclass(frozen=True)
class EditResult:
    """What happened to the file: written or not, its text before and after (empty when refused), and why not."""

    path: Path
    written: bool
    before: str
    after: str
    #: Errors that refused the edit (the profile's own), or made it roll back.
    errors: tuple[Diagnostic, ...] = ()
    #: True when the edited file did not validate and the original was put back.
    restored: bool = False


def unknown_contacts(party: Party, names: Sequence[str]) -> list[str]:
    """A warning for every name that is not one of the party's contacts (case is ignored).

    Not an error: people outside the contact list (a new hire, an assistant) do
    take part in meetings; the warning catches typos.
    """
    known = {c.name.casefold(): c.name for c in party.contacts}
    out = []
    for name in names:
        if name.casefold() not in known:
            hint = did_you_mean(name, list(known.values()))
            out.append(f"'{name}' is not among the contacts of {party.id}" + (f"; {hint}" if hint else "; add them to `contacts` in " + party.file))
    return out


def _errors(path: Path, display: str) -> tuple[Party | None, list[Diagnostic]]:
    party, found = load_party(path, display)
    return party, [d for d in found if d.severity is Severity.ERROR]


def append_interaction(path: Path, display: str, entry: NewInteraction) -> EditResult:
    """Append ``entry`` to the profile at ``path`` (shown as ``display``), atomically.

    Refused (nothing written) when the profile has errors now; rolled back when
    it would have errors afterwards. Raises :class:`~acct_tool.files.WriteError`
    when the file cannot be read or written, :class:`EditError` when it cannot
    be edited.
    """
    target = path.resolve()  # write through a symlink, not over it
    with locked(target.parent):  # another `log` at the same time waits: it must read this one's result
        return _append_locked(path, target, display, entry)


def _append_locked(path: Path, target: Path, display: str, entry: NewInteraction) -> EditResult:
    _, errors = _errors(path, display)
    if errors:  # unreadable, not YAML, not UTF-8, or invalid: leave it alone
        return EditResult(path, False, "", "", tuple(errors))
    before = read_regular(target, shown=display).decode("utf-8")
    after = insert_interaction(before, entry)
    mode = stat.S_IMODE(target.stat().st_mode)
    write_atomic(target, after, force=True, mode=mode, shown=display)
    _, errors = _errors(path, display)
    if errors:
        write_atomic(target, before, force=True, mode=mode, shown=display)
        return EditResult(path, False, before, after, tuple(errors), restored=True)
    return EditResult(path, True, before, after)


# --- the edit itself (pure) ---------------------------------------------------


def _yaml() -> YAML:
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


def _node(data: dict[str, Any], flow: bool, nested_flow: bool) -> CommentedMap:
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


def _render(item: CommentedMap, dash: int, content: int, mapping: int, newline: str) -> list[str]:
    """The lines of ``- item`` with the dash at column ``dash`` and the content at column ``content``."""
    out = io.StringIO()
    rt = _yaml()
    rt.indent(mapping=mapping, sequence=max(2, content - dash), offset=0)
    rt.dump([item], out)
    return [" " * dash + line + newline for line in out.getvalue().splitlines()]


def _plain(value: Any) -> Any:
    """ruamel's round-trip containers as plain dicts and lists, for comparison."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def _dash_column(lines: Sequence[str], line: int, column: int) -> int | None:
    """The column of the ``-`` that introduces the item whose content starts at ``line``, ``column``."""
    text = lines[line] if line < len(lines) else ""
    i = min(column, len(text)) - 1
    while i >= 0 and text[i] == " ":
        i -= 1
    return i if i >= 0 and text[i] == "-" else None


def _fields(node: pyyaml.Node) -> dict[str, tuple[pyyaml.Node, pyyaml.Node]]:
    """A mapping node's entries by key text: key node and value node."""
    if not isinstance(node, pyyaml.MappingNode):
        return {}
    return {k.value: (k, v) for k, v in node.value if isinstance(k, pyyaml.ScalarNode)}


def _style(root: pyyaml.MappingNode, lines: Sequence[str]) -> tuple[int, int, int, bool, bool]:
    """How to write the new item: dash column, content column, nested mapping indent,
    flow style of the item, flow style of its ``with`` list and ``next_step``.

    Taken from the last interaction, else from another block list in the file
    (contacts, say), else the examples' layout.
    """
    dash, content, mapping, flow, nested = 2, 4, 2, False, True
    fields = _fields(root)
    seq = fields[KEY][1] if KEY in fields else None
    logged = isinstance(seq, pyyaml.SequenceNode) and bool(seq.value) and not seq.flow_style
    others = [v for k, (_, v) in fields.items() if k != KEY and isinstance(v, pyyaml.SequenceNode) and v.value and not v.flow_style]
    if logged or others:
        sample = seq if logged else others[0]
        assert isinstance(sample, pyyaml.SequenceNode)
        start = sample.value[-1].start_mark
        found = _dash_column(lines, start.line, start.column)
        if found is not None:
            dash, content = found, start.column
    if not logged:
        return dash, content, mapping, flow, nested
    assert isinstance(seq, pyyaml.SequenceNode)
    items = [i for i in seq.value if isinstance(i, pyyaml.MappingNode)]
    if items:
        flow = bool(items[-1].flow_style)
    for item in reversed(items):
        entries = _fields(item)
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


def _end_of_list(lines: Sequence[str], start: int, dash: int) -> int:
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


def _extend_flow(lines: Sequence[str], seq: pyyaml.SequenceNode, item: CommentedMap, mapping: int, newline: str) -> list[str] | None:
    """``lines`` with ``item`` appended to the flow list ``seq`` (``[..., ...]``), in its layout.

    A flow list cannot grow by added lines alone: the item goes before the
    closing ``]`` on its line, or, when the ``]`` has a line of its own, on a new
    line after the last item (which gets the comma it needs)."""
    rendered = _render(item, 0, 2, mapping, "\n")
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
    body = text[len(bom):]
    newline = "\r\n" if "\r\n" in body else "\n"
    try:
        root, old = _parse(body)
    except pyyaml.YAMLError as exc:
        raise EditError(f"cannot read the profile: {exc}") from None
    if not isinstance(root, pyyaml.MappingNode) or root.flow_style or not isinstance(old, dict):
        raise EditError("the profile is not a block mapping of keys to values")
    data = entry.as_data()
    lines = body.splitlines(keepends=True)
    dash, content, mapping, flow, nested = _style(root, lines)
    item = _node(data, flow, nested)
    fields = _fields(root)
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
        new_lines = head + [KEY + ":" + newline] + _render(item, dash, content, mapping, newline) + tail
    elif empty or (isinstance(seq, pyyaml.SequenceNode) and not seq.value):
        line = key.start_mark.line
        text_line = lines[line].rstrip("\r\n")
        if _EMPTY_KEY.match(text_line):
            ending = lines[line][len(text_line):] or newline
            key_line = _EMPTY_VALUE.sub(r"\g<key>", text_line, count=1) + ending
            new_lines = lines[:line] + [key_line] + _render(item, dash, content, mapping, newline) + lines[line + 1 :]
    elif isinstance(seq, pyyaml.SequenceNode) and not seq.flow_style:
        last = seq.value[-1].start_mark
        start, col = last.line, last.column
        found = _dash_column(lines, start, col)
        if found is not None:
            end = _end_of_list(lines, start, found)
            head = lines[: end + 1]
            if not head[-1].endswith(("\n", "\r")):
                head[-1] += newline
            new_lines = head + _render(item, found, col, mapping, newline) + lines[end + 1 :]
    elif isinstance(seq, pyyaml.SequenceNode) and seq.value:
        item = _node(data, True, True)  # a flow list gets a flow item
        new_lines = _extend_flow(lines, seq, item, mapping, newline)
    expected = dict(old)
    expected[KEY] = list(old.get(KEY) or []) + [_plain(item)]
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
        doc = _yaml().load(body)
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
    rt = _yaml()
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
