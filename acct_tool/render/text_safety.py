"""Text from the books, made safe for where it is shown: a terminal, a spreadsheet, Markdown.

Profile fields, narrations, document numbers and bank descriptions reach every output,
and three readers make more of text than its characters:

- a terminal obeys control characters: ESC starts sequences that clear the screen, set
  the window title or hide a link, BEL rings, CR moves back over what was printed.
  ``visible`` shows every C0 and C1 control character, and DEL, as a Python-style escape
  instead: ``\\x1b``, ``\\x07``, ``\\x9b``, ``\\t``, ``\\n``, ``\\r``. ``visible_lines``
  does the same but keeps the newlines of a text made of lines. ``json_text`` gives DEL
  and C1 characters, which ``json.dumps`` writes as they are, their ``\\u`` escapes.
- a spreadsheet runs a CSV cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab
  or carriage return before one) as a formula. ``csv_cell`` puts a ``'`` before such
  text, OWASP's advice; numbers and dates are written as they are, decided by their type.
- Markdown renders HTML and its own markup: ``markdown`` escapes both, for Markdown
  that a forge renders (a pull request, an issue) as much as for the reports.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ParamSpec

P = ParamSpec("P")

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_LINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_CONTROL_IN_CELL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_JSON_RAW = re.compile("[\x7f-\x9f]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or f"\\x{ord(char):02x}"


def visible(text: str) -> str:
    """One field for a terminal: every control character, the newline too, as an escape."""
    return _CONTROL.sub(_escape, text)


def visible_lines(text: str) -> str:
    """A text of lines for a terminal: every control character but the newline as an escape."""
    return _CONTROL_IN_LINE.sub(_escape, text)


def for_terminal(view: Callable[P, str]) -> Callable[P, str]:
    """Mark a view whose text is read on a terminal: its output goes through ``visible_lines``."""

    @functools.wraps(view)
    def shown(*args: P.args, **kwargs: P.kwargs) -> str:
        return visible_lines(view(*args, **kwargs))

    return shown


def json_text(text: str) -> str:
    """``json.dumps`` output with DEL and C1 characters as ``\\u`` escapes: the same JSON value."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


#: How a spreadsheet formula (or DDE command) can start (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Figures(str):
    """Text made only of numbers and currency codes (``-300.00 USD; 12.50 EUR``): a CSV cell writes it as it is."""


#: Cells of these types are figures, never formulas: written as ``str()`` gives them.
_NOT_TEXT = (int, Decimal, datetime.date, Figures)


def csv_cell(value: Any) -> str:
    """A CSV cell: ``None`` as empty, figures as they are, text that starts like a formula after a ``'``.

    Control characters other than tab and newline are shown as escapes, as on a terminal.
    """
    if value is None:
        return ""
    if isinstance(value, _NOT_TEXT):
        return str(value)
    # Tabs and newlines are text a spreadsheet keeps; other control characters would
    # reach a terminal the CSV is printed on, and a bare CR would end the row.
    text = _CONTROL_IN_CELL.sub(_escape, str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def markdown(value: Any) -> str:
    """Text for a Markdown line or table cell: one line, HTML and markup escaped, control characters visible."""
    text = visible(" ".join(("" if value is None else str(value)).split()))
    for char in "\\`*_[]<>|":
        text = text.replace(char, "\\" + char)
    return text
