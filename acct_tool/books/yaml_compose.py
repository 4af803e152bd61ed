"""PyYAML's composer, and the conversion of its nodes into a :class:`~acct_tool.books.yamldoc.YamlDoc`.

PyYAML's composer gives nodes with marks; we convert them ourselves so that we
can (a) report duplicate keys, which PyYAML silently drops, (b) keep the line
and column of every key and value, (c) refuse alias bombs and absurd nesting
before expanding anything, and (d) never construct anything but plain data.
Dates stay ISO strings here; the schema checks them and the party builder
parses them. Imported only when a YAML file is really parsed (see
:func:`acct_tool.books.yamlsource.parse_yaml`).
"""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml

from acct_tool.books.yamldoc import PathT, YamlDoc
from acct_tool.diagnostics import Diagnostic, Location, diag

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


MAX_NODES = 2_000_000
MAX_DEPTH = 64

_T = "tag:yaml.org,2002:"
_constructor = yaml.constructor.SafeConstructor()


class _Refused(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


def compose(text: str, display: str) -> tuple[YamlDoc | None, list[Diagnostic]]:
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
