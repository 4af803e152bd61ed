"""Text from the books, made safe for where it is shown.

Profile fields, narrations, document numbers and bank descriptions reach every output,
and some readers make more of text than its characters:

- a spreadsheet runs a CSV cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab
  or carriage return before one) as a formula. ``csv_cell`` puts a ``'`` before such
  text, OWASP's advice; numbers and dates are written as they are, decided by their type.
- Markdown renders HTML and its own markup: ``markdown`` escapes both, for Markdown
  that a forge renders (a pull request, an issue) as much as for the reports.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

#: How a spreadsheet formula (or DDE command) can start (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Figures(str):
    """Text made only of numbers and currency codes (``-300.00 USD; 12.50 EUR``): a CSV cell writes it as it is."""


#: Cells of these types are figures, never formulas: written as ``str()`` gives them.
_NOT_TEXT = (int, Decimal, datetime.date, Figures)


def csv_cell(value: Any) -> str:
    """A CSV cell: ``None`` as empty, figures as they are, text that starts like a formula after a ``'``."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, _NOT_TEXT) or not text.startswith(FORMULA_START):
        return text
    return "'" + text


def markdown(value: Any) -> str:
    """Text for a Markdown line or table cell: one line, with HTML and Markdown markup escaped."""
    text = " ".join(("" if value is None else str(value)).split())
    for char in "\\`*_[]<>|":
        text = text.replace(char, "\\" + char)
    return text
