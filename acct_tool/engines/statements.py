"""Read a bank statement into lines: a CSV file as declared by a :class:`StatementFormat`,
or one of the built-in formats (``acct_tool.engines.bank_formats``).

A format is a column mapping, not parsing code (beangulp's ``csvbase`` is the
model): which header names hold the date, the amount (or debit and credit),
description, reference and running balance, plus the file's delimiter,
encoding, decimal mark, thousands separator, preamble rows and sign
convention. Every problem in the file is a diagnostic pointing at the
statement's file and line; nothing here raises for bad data, and nothing is
ever a float.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path

from acct_tool.books.schema import did_you_mean
from acct_tool.books.settings import StatementFormat
from acct_tool.books.text_files import kind_problem
from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.engines.bank_formats import camt053, mt940, ofx
from acct_tool.engines.bank_formats.records import ParsedStatement, StatementLine
from acct_tool.engines.statement_csv import Row, RowReader, decode, field_column
from acct_tool.money import BOUND, within_bound
from acct_tool.periods import DATE_RANGE, in_range

#: Statements larger than this are refused (a decade of daily lines is a few MB).
MAX_BYTES = 200_000_000
#: Statements with more lines than this are refused: a busy account's year is a few
#: thousand lines, and each line costs about a kilobyte through matching and the
#: views (1,000,000 lines took 2.4 GB and 22 s for ``--output json``).
MAX_LINES = 250_000
#: Longest cell we try to read as a number.
_MAX_NUMBER_CHARS = 64


__all__ = ["MAX_BYTES", "MAX_LINES", "ParsedStatement", "StatementLine", "parse_any", "parse_statement", "read_bytes", "read_statement"]

#: The readers of the built-in formats (``beangulp`` runs an importer on the file instead).
_READERS = {"ofx": ofx.parse, "camt053": camt053.parse, "mt940": mt940.parse}


def read_statement(
    path: Path, display: str, fmt: StatementFormat, *, max_bytes: int = MAX_BYTES, max_lines: int = MAX_LINES
) -> tuple[list[StatementLine], list[Diagnostic]]:
    """Read ``path`` as a CSV statement; ``display`` is the path shown in diagnostics."""
    raw, problems = read_bytes(path, display, max_bytes=max_bytes)
    if raw is None:
        return [], problems
    return parse_statement(raw, display, fmt, max_lines=max_lines)


def parse_any(raw: bytes, display: str, name: str, layouts: Mapping[str, StatementFormat], *, max_lines: int = MAX_LINES) -> ParsedStatement:
    """Parse ``raw`` as format ``name``: ``ofx``, ``camt053``, ``mt940``, or a CSV layout of ``layouts``."""
    reader = _READERS.get(name)
    if reader is not None:
        return reader(raw, display, max_lines=max_lines)
    lines, problems = parse_statement(raw, display, layouts[name], max_lines=max_lines)
    return ParsedStatement(name, lines, problems, currency=layouts[name].currency)


def read_bytes(path: Path, display: str, *, max_bytes: int = MAX_BYTES) -> tuple[bytes | None, list[Diagnostic]]:
    """The bytes of a statement file, or ``None`` with a diagnostic (not a regular file, too large, unreadable)."""
    here = Location(display)
    try:
        info = path.stat()
        problem = kind_problem(info.st_mode)
        if problem is not None:  # a FIFO would block, a device never end
            return None, [diag("file-unreadable", f"{display} {problem}", here)]
        size = info.st_size
        if size > max_bytes:
            message = f"{display} is {size:,} bytes; the limit for a statement is {max_bytes:,}"
            return None, [diag("statement-too-large", message, here, hint="split the statement by month")]
        return path.read_bytes(), []
    except OSError as exc:
        return None, [diag("file-unreadable", f"cannot read {display}: {exc.strerror or exc}", here)]


def parse_statement(raw: bytes, display: str, fmt: StatementFormat, *, max_lines: int = MAX_LINES) -> tuple[list[StatementLine], list[Diagnostic]]:
    """Parse the bytes of a statement file. Linear in its size; never raises for bad input."""
    if len(fmt.delimiter) != 1 or fmt.delimiter in '"\r\n':
        return [], [diag("statement-csv", f"the delimiter {fmt.delimiter!r} of format '{fmt.name}' cannot separate fields", Location(display))]
    physical = max(raw.count(b"\n"), raw.count(b"\r"))  # counted before decoding anything
    if physical > max_lines + max(fmt.skip_rows, 0) + 1:
        message = f"{display} has {physical:,} lines; the limit for a statement is {max_lines:,}"
        return [], [diag("statement-too-large", message, Location(display), hint="split the statement by month")]
    text, problems = decode(raw, display, fmt.encoding)
    if text is None:
        return [], problems
    reader = RowReader(text, fmt.delimiter, fmt.skip_rows)
    header = reader.next_row(display, problems)
    if header is None:
        message = f"no header row after the {fmt.skip_rows} skipped line(s)" if fmt.skip_rows else "no header row: the file is empty"
        return [], [*problems, diag("statement-no-header", message, Location(display, reader.next_line))]
    columns = _columns(header, fmt, Location(display, reader.row_start), problems)
    if columns is None:
        return [], problems
    number = _number_parser(fmt.decimal_mark, fmt.thousands_separator)
    dates: dict[str, datetime.date | None] = {}
    lines: list[StatementLine] = []
    width = len(header.fields)
    while (row := reader.next_row(display, problems)) is not None:
        line = _line(row, width, columns, fmt, number, dates, display, problems)
        if line is not None:
            lines.append(line)
    return lines, problems


def _columns(header: Row, fmt: StatementFormat, where: Location, problems: list[Diagnostic]) -> dict[str, int] | None:
    """Field index of every column the format names; ``None`` (with diagnostics) when one is missing."""
    names = [f.strip() for f in header.fields]
    exact = {name: i for i, name in reversed(list(enumerate(names)))}
    folded: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        folded.setdefault(name.casefold(), []).append(i)
    wanted = {
        role: getattr(fmt, role) for role in ("date", "amount", "debit", "credit", "description", "reference", "balance") if getattr(fmt, role) is not None
    }
    if "amount" not in wanted and not ("debit" in wanted and "credit" in wanted):
        problems.append(diag("statement-missing-column", f"statement format '{fmt.name}' names no `amount` column and not both `debit` and `credit`", where))
        return None
    out: dict[str, int] = {}
    for role, name in wanted.items():
        key = name.strip()
        if key in exact:
            out[role] = exact[key]
        elif len(folded.get(key.casefold(), [])) == 1:
            out[role] = folded[key.casefold()][0]
        else:
            shown = ", ".join(repr(n) for n in names if n)
            problems.append(
                diag(
                    "statement-missing-column",
                    f"the header has no column '{name}' ({role} in format '{fmt.name}'); it has {shown}",
                    where,
                    hint=did_you_mean(key, [n for n in names if n]) or "check skip_rows and delimiter in the format",
                )
            )
    return out if len(out) == len(wanted) else None


def _number_parser(decimal_mark: str, thousands: str) -> re.Pattern[str]:
    mark = re.escape(decimal_mark)
    whole = rf"[0-9]{{1,3}}(?:{re.escape(thousands)}[0-9]{{3}})+|[0-9]+" if thousands else "[0-9]+"
    return re.compile(rf"(?P<int>{whole})(?:{mark}(?P<frac>[0-9]+))?|{mark}(?P<only>[0-9]+)")


def parse_number(text: str, pattern: re.Pattern[str], thousands: str) -> Decimal | None:
    """A strict number in the format's convention: ``-1.234,56``, ``(12.50)``, ``12,50-``, ``+3``."""
    cell = text.strip()
    if not cell or len(cell) > _MAX_NUMBER_CHARS:
        return None
    negative = False
    if cell.startswith("(") and cell.endswith(")"):
        negative, cell = True, cell[1:-1].strip()
    elif cell[0] in "+-\u2212":
        negative, cell = cell[0] != "+", cell[1:].lstrip()
    elif cell.endswith("-"):
        negative, cell = True, cell[:-1].rstrip()
    match = pattern.fullmatch(cell)
    if match is None:
        return None
    whole = (match.group("int") or "0").replace(thousands, "") if thousands else (match.group("int") or "0")
    frac = match.group("frac") or match.group("only") or ""
    try:
        value = Decimal(f"{whole}.{frac}" if frac else whole)
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        return None
    return -value if negative else value


def _line(
    row: Row,
    width: int,
    columns: dict[str, int],
    fmt: StatementFormat,
    number: re.Pattern[str],
    dates: dict[str, datetime.date | None],
    display: str,
    problems: list[Diagnostic],
) -> StatementLine | None:
    fields = row.fields
    if len(fields) != width:
        problems.append(
            diag(
                "statement-columns",
                f"the row has {len(fields)} field(s); the header has {width}",
                Location(display, row.line, 1),
                hint=f"is the delimiter {fmt.delimiter!r} right, and is every field with a {fmt.delimiter!r} quoted?",
            )
        )
        return None

    def where(role: str) -> Location:
        return Location(display, row.line, field_column(row, columns[role], fmt.delimiter))

    raw_date = fields[columns["date"]].strip()
    if raw_date not in dates:
        dates[raw_date] = _parse_date(raw_date, fmt.date_format)
    date = dates[raw_date]
    if date is None:
        shown = repr(raw_date) if raw_date else "an empty date"
        problems.append(diag("statement-bad-date", f"{shown} in column '{fmt.date}' does not match the date format {fmt.date_format!r}", where("date")))
    elif not in_range(date):
        problems.append(diag("statement-bad-date", f"{raw_date!r} in column '{fmt.date}' is outside the dates acct-tool handles ({DATE_RANGE})", where("date")))
        date = None

    def number_in(role: str) -> Decimal | None:
        """The number in the role's cell, or ``None`` with a diagnostic. A blank cell is zero."""
        cell = fields[columns[role]]
        if not cell.strip():
            return Decimal(0)
        value = parse_number(cell, number, fmt.thousands_separator)
        if value is None:
            column = getattr(fmt, role)
            convention = f"decimal mark {fmt.decimal_mark!r}" + (
                f", thousands separator {fmt.thousands_separator!r}" if fmt.thousands_separator else ", no thousands separator"
            )
            problems.append(diag("statement-bad-number", f"{cell.strip()!r} in column '{column}' is not a number with {convention}", where(role)))
            return None
        if not within_bound(value):  # the bound profiles have: larger sums would be rounded
            problems.append(
                diag("statement-bad-number", f"{cell.strip()!r} in column '{getattr(fmt, role)}' has too many digits: amounts have {BOUND}", where(role))
            )
            return None
        return value

    roles = ("amount",) if "amount" in columns else ("debit", "credit")
    has_balance = "balance" in columns and bool(fields[columns["balance"]].strip())
    description = " ".join(fields[columns["description"]].split()) if "description" in columns else ""
    reference = fields[columns["reference"]].strip() if "reference" in columns else ""

    def signed(value: Decimal) -> Decimal:
        return -value if fmt.sign == "inverted" else value

    if all(not fields[columns[role]].strip() for role in roles):
        # No money moved: a row that states the balance (opening, closing), or a note.
        if not has_balance:
            names = " and ".join(f"'{getattr(fmt, role)}'" for role in roles)
            hint = "a row with blank amounts and a balance is read as the statement's opening (or closing) balance"
            problems.append(diag("statement-no-amount", f"the row has no amount and no balance ({names} blank); it is skipped", where(roles[0]), hint=hint))
            return None
        stated = number_in("balance")
        if date is None or stated is None:
            return None
        return StatementLine(row.line, date, Decimal(0), description, reference, signed(stated), balance_only=True)
    if len(roles) == 1:
        amount = number_in("amount")
    else:
        debit, credit = number_in("debit"), number_in("credit")
        # Debit is money out, credit money in, whatever sign the bank prints.
        amount = None if debit is None or credit is None else abs(credit) - abs(debit)
    # A bad balance is reported but keeps the line: only the balance checks lose it.
    balance = number_in("balance") if has_balance else None
    if date is None or amount is None:
        return None
    return StatementLine(row.line, date, signed(amount), description, reference, None if balance is None else signed(balance))


def _parse_date(text: str, date_format: str) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.datetime.strptime(text, date_format).date()
    except (ValueError, OverflowError, TypeError):
        return None
