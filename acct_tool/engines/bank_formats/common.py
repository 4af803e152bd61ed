"""What the statement readers share: strict numbers and dates, line numbers, limits."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from acct_tool.money import within_bound
from acct_tool.periods import in_range

#: Statements with more lines than this are refused (as for CSV statements).
MAX_LINES = 250_000

_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,30}(?:[.,][0-9]{0,20})?|[.,][0-9]{1,20})")
_DIGITS8 = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")


def number(text: str | None) -> Decimal | None:
    """A plain decimal (``-4400.00``, ``12,50``), within the bound amounts have; ``None`` otherwise."""
    cell = (text or "").strip()
    if not _NUMBER.fullmatch(cell):
        return None
    try:
        value = Decimal(cell.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        return None
    return value if within_bound(value) else None


def ymd(year: int, month: int, day: int) -> datetime.date | None:
    """The date, when it exists and is within the dates acct-tool handles."""
    try:
        date = datetime.date(year, month, day)
    except ValueError:
        return None
    return date if in_range(date) else None


def compact_date(text: str | None) -> datetime.date | None:
    """The date of an OFX ``YYYYMMDD[HHMMSS[.XXX][TZ]]`` or ISO ``YYYY-MM-DD[Thh:mm…]`` value."""
    cell = (text or "").strip()
    if len(cell) >= 10 and cell[4] == "-" and cell[7] == "-":
        cell = cell[:4] + cell[5:7] + cell[8:10] + cell[10:]
    match = _DIGITS8.match(cell)
    if match is None:
        return None
    return ymd(int(match[1]), int(match[2]), int(match[3]))


def line_of(raw: bytes, offset: int) -> int:
    """1-based line of the byte at ``offset``."""
    return raw.count(b"\n", 0, offset) + 1


def words(*parts: str | None) -> str:
    """The parts that are set, whitespace runs collapsed, joined by a space."""
    return " ".join(" ".join((p or "").split()) for p in parts if p and p.strip())
