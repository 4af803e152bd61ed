"""Diagnostics as text (``file:line:col: error CODE message``), JSON or GitHub annotations.

Messages quote user data (a profile's unknown key, a narration): its control characters
are shown as escapes (``\\x1b``) in text and annotations, and as ``\\u001b`` in JSON.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from acct_tool.diagnostics import Diagnostic, Severity
from acct_tool.render.text_safety import json_text, visible


def _position(d: Diagnostic) -> str:
    parts = [visible(d.file or "<books>")]
    if d.line:
        parts.append(str(d.line))
        if d.column:
            parts.append(str(d.column))
    return ":".join(parts)


def _lines(text: str) -> list[str]:
    """A message's own lines; any other control character in them is the data's."""
    return text.replace("\r\n", "\n").split("\n")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(diagnostics: Sequence[Diagnostic]) -> str:
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = len(diagnostics) - errors
    if not diagnostics:
        return "no problems found"
    files = len({d.file for d in diagnostics})
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} in {_plural(files, 'file')}"


def to_text(diagnostics: Sequence[Diagnostic]) -> str:
    lines = []
    for d in diagnostics:
        # One `path:line:col:` line per diagnostic: a multi-line message (a plugin's) continues indented.
        message = "\n    ".join(visible(line) for line in _lines(d.message.rstrip("\r\n")))
        lines.append(f"{_position(d)}: {d.severity.value} {visible(d.code)} {message}")
        if d.hint:
            lines.append(f"    hint: {visible(d.hint)}")
    lines.append(summary(diagnostics))
    return "\n".join(lines) + "\n"


def to_json(diagnostics: Sequence[Diagnostic]) -> str:
    return json_text(json.dumps([d.to_dict() for d in diagnostics], indent=2, ensure_ascii=False)) + "\n"


def _escape_data(text: str) -> str:
    """A message: its lines joined by ``%0A`` (the annotation's own line breaks), other controls as escapes."""
    return "%0A".join(visible(line).replace("%", "%25") for line in _lines(text))


def _escape_property(text: str) -> str:
    return visible(text).replace("%", "%25").replace(":", "%3A").replace(",", "%2C")


def to_github(diagnostics: Sequence[Diagnostic], root: Path, cwd: Path | None = None) -> str:
    """GitHub Actions workflow commands; file paths relative to the working directory (the checkout)."""
    here = (cwd or Path.cwd()).resolve()
    lines = []
    for d in diagnostics:
        props = []
        if d.file:
            full = Path(os.path.realpath(root / d.file))  # a symlink loop is reported, not raised
            try:
                shown = full.relative_to(here).as_posix()
            except ValueError:
                shown = os.path.relpath(full, here) if full.anchor == here.anchor else full.as_posix()
            props.append(f"file={_escape_property(shown)}")
            if d.line:
                props.append(f"line={d.line}")
                if d.column:
                    props.append(f"col={d.column}")
        props.append(f"title={_escape_property(d.code)}")
        message = d.message + (f" ({d.hint})" if d.hint else "")
        lines.append(f"::{d.severity.value} {','.join(props)}::{_escape_data(message)}")
    return "".join(line + "\n" for line in lines)
