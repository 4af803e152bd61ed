"""A profile's text with one next step marked done, everything else unchanged (pure).

``acct-tool done`` writes through here. The step is found by what it says (the
interaction's date, the step's action and due date), not by its position, so a
profile that grew meanwhile (another ``log``) still gets the right step. Only
the step's ``done`` changes, and ``done_on`` is set:

* in a flow mapping (``next_step: {action: ..., done: false}``) the one line
  changes: ``done: false`` becomes ``done: true, done_on: 2026-11-30`` (a missing
  ``done`` is added before the closing ``}``);
* in a block mapping the ``done:`` line is replaced (or added after the step's
  last line) and a ``done_on:`` line follows it (or its value is replaced).

The result is parsed again and must read as the old document with just that
step changed; otherwise :class:`~acct_tool.edit.interaction_text.EditError`.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml as pyyaml

from acct_tool.edit.interaction_layout import KEY, mapping_fields
from acct_tool.edit.interaction_text import EditError, _parse, _reads_as

Date = datetime.date


@dataclass(frozen=True)
class StepRef:
    """Which next step: the date of the interaction that agreed it, its action and due date."""

    agreed: Date
    action: str
    due: Date


@dataclass(frozen=True)
class StepEdit:
    """The new text and what changed in it, for a one-line diff: the changed line
    (1-based), what the step said (``done: false``; empty when it had no ``done``)
    and what it says now (``done: true, done_on: 2026-11-30``)."""

    text: str
    line: int
    old: str
    new: str


def _matches(data: Any, ref: StepRef) -> bool:
    if not isinstance(data, dict):
        return False
    step = data.get("next_step")
    return (
        data.get("date") == ref.agreed
        and isinstance(step, dict)
        and str(step.get("action", "")).strip() == ref.action.strip()
        and step.get("due") == ref.due
        and step.get("done") is not True
    )


def mark_done(text: str, ref: StepRef, on: Date) -> StepEdit:
    """``text`` with the next step ``ref`` marked ``done: true`` and ``done_on: on``."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    newline = "\r\n" if "\r\n" in body else "\n"
    try:
        root, old = _parse(body)
    except pyyaml.YAMLError as exc:
        raise EditError(f"cannot read the profile: {exc}") from None
    if not isinstance(root, pyyaml.MappingNode) or not isinstance(old, dict):
        raise EditError("the profile is not a mapping of keys to values")
    seq = mapping_fields(root).get(KEY, (None, None))[1]
    data = old.get(KEY)
    if not isinstance(seq, pyyaml.SequenceNode) or not isinstance(data, list):
        raise EditError("the profile has no interactions")
    found = [n for n, item in enumerate(data) if _matches(item, ref)]
    if len(found) != 1:
        raise EditError(f"the next step '{ref.action}' agreed on {ref.agreed} is {'not open in the profile' if not found else 'there more than once'}")
    index = found[0]
    step_node = mapping_fields(seq.value[index]).get("next_step", (None, None))[1]
    if not isinstance(step_node, pyyaml.MappingNode):
        raise EditError("the next step is not a mapping")
    lines = body.splitlines(keepends=True)
    edited = _flow(lines, step_node, on) if step_node.flow_style else _block(lines, step_node, on, newline)
    if edited is None:
        raise EditError("the next step's layout cannot be edited line by line; set `done: true` by hand")
    new_lines, line = edited
    expected = dict(old)
    items = list(data)
    item = dict(items[index])
    item["next_step"] = {**item["next_step"], "done": True, "done_on": on}
    items[index] = item
    expected[KEY] = items
    result = "".join(new_lines)
    if not _reads_as(result, expected):
        raise EditError("could not mark the step done without changing other values")
    done = mapping_fields(step_node).get("done")
    was = ""
    if done is not None and done[0].start_mark.line == done[1].end_mark.line:
        was = lines[done[0].start_mark.line][done[0].start_mark.column : done[1].end_mark.column]
    return StepEdit(bom + result, line + 1, was, f"done: true, done_on: {on.isoformat()}")


def _span(lines: Sequence[str], node: pyyaml.Node) -> tuple[int, int, int] | None:
    """The line and columns of a scalar that sits on one line."""
    start, end = node.start_mark, node.end_mark
    if start.line != end.line:
        return None
    return start.line, start.column, end.column


def _flow(lines: Sequence[str], step: pyyaml.MappingNode, on: Date) -> tuple[list[str], int] | None:
    fields = mapping_fields(step)
    out = list(lines)
    done_on = fields.get("done_on")
    if done_on is not None:  # `done_on` given with `done: false`: a rare hand edit, replace its value
        span = _span(lines, done_on[1])
        if span is None:
            return None
        number, start, end = span
        out[number] = out[number][:start] + on.isoformat() + out[number][end:]
    addition = "" if done_on is not None else f", done_on: {on.isoformat()}"
    if "done" in fields:
        span = _span(out, fields["done"][1])
        if span is None:
            return None
        number, start, end = span
        out[number] = out[number][:start] + "true" + addition + out[number][end:]
        return out, number
    end_mark = step.end_mark  # just after the closing `}`
    number, close = end_mark.line, end_mark.column - 1
    text = out[number] if number < len(out) else ""
    if close < 0 or text[close : close + 1] != "}":
        return None
    head = text[:close]
    comma = "" if head.rstrip().endswith(("{", ",")) else ","
    out[number] = head.rstrip() + f"{comma} done: true{addition}" + text[close:]
    return out, number


def _block(lines: Sequence[str], step: pyyaml.MappingNode, on: Date, newline: str) -> tuple[list[str], int] | None:
    fields = mapping_fields(step)
    if not step.value:
        return None
    indent = " " * step.value[0][0].start_mark.column
    out = list(lines)
    done = fields.get("done")
    done_on = fields.get("done_on")
    if done_on is not None:
        span = _span(out, done_on[1])
        if span is None:
            return None
        number, start, end = span
        out[number] = out[number][:start] + on.isoformat() + out[number][end:]
    if done is not None:
        span = _span(out, done[1])
        if span is None:
            return None
        number, start, end = span
        out[number] = out[number][:start] + "true" + out[number][end:]
        if done_on is None:
            out.insert(number + 1, f"{indent}done_on: {on.isoformat()}{newline}")
        return out, number
    last = step.value[-1][1].end_mark
    number = last.line if last.column > 0 else last.line - 1  # the step's last line
    while number > 0 and not out[number].strip():
        number -= 1
    if not out[number].endswith(("\n", "\r")):
        out[number] += newline
    added = [f"{indent}done: true{newline}"] + ([] if done_on is not None else [f"{indent}done_on: {on.isoformat()}{newline}"])
    out[number + 1 : number + 1] = added
    return out, number + 1
