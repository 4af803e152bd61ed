"""Read a YAML file into plain data that remembers where every value came from.

PyYAML's composer gives nodes with marks; we convert them ourselves so that we
can (a) report duplicate keys, which PyYAML silently drops, (b) keep the line
and column of every key and value, (c) refuse alias bombs and absurd nesting
before expanding anything, and (d) never construct anything but plain data.
Dates stay ISO strings here; the schema checks them and the party builder
parses them.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime
import gc
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from acct_tool.books.text_files import read_text
from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.periods import in_range

try:  # the C composer is several times faster; marks and errors are the same
    _Base: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Base = yaml.SafeLoader

_STR_TAG = "tag:yaml.org,2002:str"
#: First characters of plain scalars that YAML 1.1 may resolve to something other
#: than a string (numbers, booleans, null, timestamps, merge keys, `=`).
_MAYBE_TYPED = frozenset("-+.0123456789~<=yYnNtTfFoO")


class _Loader(_Base):  # type: ignore[misc]
    """SafeLoader resolution, minus the regex scan for scalars that can only be text."""

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit[0] and value and value[0] not in _MAYBE_TYPED:
            return _STR_TAG
        if kind is yaml.ScalarNode and not implicit[0] and implicit[1]:
            return _STR_TAG  # quoted
        tag: str = super().resolve(kind, value, implicit)
        return tag


#: A path into a document: mapping keys (str) and sequence indexes (int).
PathT = tuple[str | int, ...]

MAX_NODES = 2_000_000
MAX_DEPTH = 64

_T = "tag:yaml.org,2002:"
_constructor = yaml.constructor.SafeConstructor()


@dataclass
class YamlDoc:
    """Plain data (dict/list/str/int/float/bool/None) plus the marks of every node."""

    file: str
    data: Any
    value_marks: dict[PathT, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[PathT, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: PathT, *, key: bool = False) -> Location:
        """Location of the value at ``path`` (or of its key), falling back to the nearest parent."""
        marks = self.key_marks if key else self.value_marks
        p = tuple(path)
        while p:
            if p in marks:
                line, col = marks[p]
                return Location(self.file, line, col)
            if key and p in self.value_marks:
                line, col = self.value_marks[p]
                return Location(self.file, line, col)
            p = p[:-1]
        line, col = self.value_marks.get((), (1, 1))
        return Location(self.file, line, col)


class _Refused(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


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
    # Composing and converting allocate one object per node and create no garbage
    # cycles worth collecting; with the cyclic collector paused a 100,000-interaction
    # profile parses about three times faster (the collector's passes grow with the heap).
    enabled = gc.isenabled()
    gc.disable()
    try:
        doc, problems = _parse_yaml(text, display)
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


def _parse_yaml(text: str, display: str) -> tuple[YamlDoc | None, list[Diagnostic]]:
    doc = YamlDoc(display, None)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and mark is not None and _at_end(mark, text):
            mark = exc.context_mark  # an unclosed quote or bracket: point at where it opened
        where = Location(display, mark.line + 1, mark.column + 1) if mark else Location(display)
        problem = exc.problem or str(exc)
        if "maximum nesting depth" in problem:  # libyaml refuses more than 1000 levels
            return None, [diag("yaml-too-complex", f"refused: more than {MAX_DEPTH} levels of nesting", where)]
        # PyYAML's own order reads best: "while parsing a block mapping, expected <block end>, but found ..."
        message = f"{exc.context}, {problem}" if exc.context else problem
        hint = None
        if mark is not None and "\t" in (text.splitlines()[mark.line] if mark.line < len(text.splitlines()) else ""):
            hint = "YAML does not allow tabs for indentation; indent with spaces"
        return None, [diag("yaml-syntax", message.strip(), where, hint=hint)]
    except yaml.reader.ReaderError as exc:
        # A character YAML does not allow (control characters). libyaml reports a byte
        # offset, PyYAML a character offset; the character itself locates it either way.
        bad = chr(exc.character) if isinstance(exc.character, int) else ""
        index = text.find(bad) if bad else -1
        where = Location(display)
        if index >= 0:
            line = text.count("\n", 0, index) + 1
            where = Location(display, line, index - (text.rfind("\n", 0, index) + 1) + 1)
        shown = f" (found U+{exc.character:04X})" if isinstance(exc.character, int) else ""
        return None, [diag("yaml-syntax", f"{exc.reason}{shown}", where, hint="remove the character")]
    except yaml.YAMLError as exc:
        return None, [diag("yaml-syntax", str(exc), Location(display))]
    except RecursionError:
        return None, [diag("yaml-too-complex", "the document nests too deeply", Location(display))]
    if root is None:
        return doc, []
    try:
        if _ANCHOR.search(text):  # aliases can only point at anchors: count before expanding
            _check_size(root, display)
        diagnostics: list[Diagnostic] = []
        doc.data = _convert(root, (), 0, doc, diagnostics)
    except _Refused as refused:
        return None, [refused.diagnostic]
    except RecursionError:
        return None, [diag("yaml-too-complex", "the document nests too deeply", Location(display))]
    return doc, diagnostics


_ANCHOR = re.compile(r"&[^\s]")


def _at_end(mark: yaml.Mark, text: str) -> bool:
    """True when ``mark`` is past the last non-blank character of ``text``."""
    body = text.rstrip()
    last_line = body.count("\n")
    last_column = len(body) - (body.rfind("\n") + 1)
    return (mark.line, mark.column) >= (last_line, last_column)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _check_size(root: yaml.Node, display: str) -> None:
    """Count nodes as they would be after alias expansion, without expanding."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    limit = sys.getrecursionlimit() - 50

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active or depth > min(MAX_DEPTH, limit):
            line, col = _mark(node)
            reason = "a recursive alias" if key in active else f"more than {MAX_DEPTH} levels of nesting"
            raise _Refused(diag("yaml-too-complex", f"refused: {reason}", Location(display, line, col)))
        active.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k, depth + 1) + size(v, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                total += size(item, depth + 1)
        active.discard(key)
        sizes[key] = total
        if total > MAX_NODES:
            line, col = _mark(node)
            raise _Refused(
                diag(
                    "yaml-too-complex",
                    f"refused: the document expands to more than {MAX_NODES:,} values (aliases?)",
                    Location(display, line, col),
                )
            )
        return total

    size(root, 0)


def _convert(node: yaml.Node, path: PathT, depth: int, doc: YamlDoc, out: list[Diagnostic]) -> Any:
    mark = node.start_mark
    if path not in doc.value_marks:
        doc.value_marks[path] = (mark.line + 1, mark.column + 1)
    kind = type(node)
    if kind is yaml.ScalarNode:
        if node.tag == _STR_TAG:
            return node.value
        return _scalar(node, doc.file, out)  # type: ignore[arg-type]
    if depth > MAX_DEPTH:
        raise _Refused(diag("yaml-too-complex", f"refused: more than {MAX_DEPTH} levels of nesting", Location(doc.file, mark.line + 1, mark.column + 1)))
    if kind is yaml.SequenceNode:
        if node.tag not in (_T + "seq",):
            out.append(_tag_problem(node, doc.file))
        return [_convert(item, path + (i,), depth + 1, doc, out) for i, item in enumerate(node.value)]
    assert isinstance(node, yaml.MappingNode)
    if node.tag not in (_T + "map",):
        out.append(_tag_problem(node, doc.file))
    result: dict[str, Any] = {}
    merged: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _T + "merge":
            listed = isinstance(value_node, yaml.SequenceNode)
            for source in value_node.value if listed else [value_node]:
                if not isinstance(source, yaml.MappingNode):  # PyYAML refuses these; never drop them silently
                    out.append(_merge_problem(source, listed, doc.file))
                    continue
                value = _convert(source, path, depth + 1, doc, out)
                if isinstance(value, dict):
                    for k, v in value.items():
                        merged.setdefault(k, v)
            continue
        if not isinstance(key_node, yaml.ScalarNode):
            line, col = _mark(key_node)
            out.append(diag("wrong-type", "a mapping key must be a plain value", Location(doc.file, line, col)))
            continue
        key = str(key_node.value)
        if key in result:
            line, col = _mark(key_node)
            first_line, _ = doc.key_marks[path + (key,)]
            out.append(
                diag(
                    "yaml-duplicate-key",
                    f"duplicate key '{key}' (first at line {first_line})",
                    Location(doc.file, line, col),
                    hint="YAML keeps only the last value; remove one of them",
                )
            )
            continue
        doc.key_marks[path + (key,)] = _mark(key_node)
        result[key] = _convert(value_node, path + (key,), depth + 1, doc, out)
    for k, v in merged.items():
        result.setdefault(k, v)
    return result


def _merge_problem(source: yaml.Node, listed: bool, file: str) -> Diagnostic:
    line, col = _mark(source)
    found = {yaml.ScalarNode: "a single value", yaml.SequenceNode: "a list"}.get(type(source), "something else")
    wanted = "each item of a merge key (<<) must be a mapping" if listed else "a merge key (<<) takes a mapping or a list of mappings"
    return diag("wrong-type", f"{wanted}, not {found}", Location(file, line, col), hint="merge an anchored mapping, e.g. `<<: *defaults`")


def _tag_problem(node: yaml.Node, file: str) -> Diagnostic:
    line, col = _mark(node)
    return diag("yaml-tag", f"unsupported YAML tag {node.tag}", Location(file, line, col))


def _scalar(node: yaml.ScalarNode, file: str, out: list[Diagnostic]) -> Any:
    tag = node.tag
    try:
        if tag == _T + "str":
            return node.value
        if tag == _T + "int":
            return _constructor.construct_yaml_int(node)
        if tag == _T + "float":
            return _constructor.construct_yaml_float(node)
        if tag == _T + "bool":
            return _constructor.construct_yaml_bool(node)
        if tag == _T + "null":
            return None
        if tag == _T + "timestamp":
            # Keep the text; the schema's date format check validates it.
            return node.value
    except (ValueError, TypeError, KeyError, OverflowError, yaml.constructor.ConstructorError):  # `!!bool maybe`, `!!int x`
        return node.value
    out.append(_tag_problem(node, file))
    return node.value


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
