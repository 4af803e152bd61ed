"""SWIFT MT940 statements, parsed by the ``mt-940`` package (imported as ``mt940``).

Read: the account (``:25:``, spaces removed), each ``:61:`` line (booking date,
else value date; the signed amount; the reference: the customer reference,
else the bank's when it is ``NONREF``) with the ``:86:`` after it as the
description, and the balances ``:60F:`` (opening) and ``:62F:`` (closing).
Several statements of one account in a file are read as one; of different
accounts, refused with ``statement-several-accounts``. A tag the parser cannot
read is a diagnostic at its line.
"""

from __future__ import annotations

import datetime
import logging
import re
from decimal import Decimal
from typing import Any

from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.engines.bank_formats.common import MAX_LINES, ymd
from acct_tool.engines.bank_formats.records import ParsedStatement, StatementLine

# The parser logs what it cannot match; the diagnostics say it instead.
logging.getLogger("mt940").addHandler(logging.NullHandler())
logging.getLogger("mt940").propagate = False

_TAG = re.compile(r"(?m)^:(?P<tag>[0-9]{2}[A-Z]?):(?P<value>.*)$")


def parse(raw: bytes, display: str, *, max_lines: int = MAX_LINES) -> ParsedStatement:
    """Read an MT940 file's bytes; never raises for bad input."""
    here = Location(display)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # SWIFT's own character set is a subset of both
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        return _fail([diag("statement-encoding", "binary content (NUL byte) in an MT940 statement", here)])
    tags = [(m["tag"], m["value"].strip(), text.count("\n", 0, m.start()) + 1) for m in _TAG.finditer(text)]
    rows = [line for tag, _, line in tags if tag == "61"]
    if len(rows) > max_lines:
        message = f"{display} has {len(rows):,} transactions; the limit for a statement is {max_lines:,}"
        return _fail([diag("statement-too-large", message, here, hint="split the statement by month")])
    if not any(tag == "20" for tag, _, _ in tags) or (not rows and not any(tag.startswith(("60", "62")) for tag, _, _ in tags)):
        return _fail([diag("statement-format", "not an MT940 statement: no :20: reference tag, or neither :61: lines nor balances", here)])
    accounts = list(dict.fromkeys("".join(value.split()).upper() for tag, value, _ in tags if tag == "25"))
    if len(accounts) > 1:
        message = f"the file holds statements of {len(accounts)} different accounts ({', '.join(accounts)}); one reconciliation is of one account"
        return ParsedStatement("mt940", [], [diag("statement-several-accounts", message, here, hint="export each account to its own file")], tuple(accounts))
    import mt940 as mt940_lib  # here: most commands read no MT940

    transactions = mt940_lib.models.Transactions()
    try:
        transactions.parse(text)
    except Exception as exc:  # the parser raises RuntimeError, ValueError, KeyError, … on broken tags
        return _fail([diag("statement-format", f"an MT940 tag cannot be read: {_reason(exc)}", Location(display, _line_of_error(exc, tags)))])
    problems: list[Diagnostic] = []
    lines: list[StatementLine] = []
    balances = [(tag, line) for tag, _, line in tags if tag in ("60F", "62F")]
    opening = [line for tag, line in balances if tag == "60F"]
    closing = [line for tag, line in balances if tag == "62F"]
    currency: str | None = None
    statement_balances = _statement_balances(transactions)
    for key, found in statement_balances:
        row_list = opening if key == "final_opening_balance" else closing
        row = row_list.pop(0) if row_list else 1
        line = _balance(found, row, display, problems)
        if line is not None and key == "final_opening_balance":
            lines.append(line)
    for n, trn in enumerate(transactions):
        row = rows[n] if n < len(rows) else 1
        data: dict[str, Any] = trn.data
        amount = getattr(data.get("amount"), "amount", None)
        currency = currency or getattr(data.get("amount"), "currency", None)
        when = _date(data.get("entry_date") or data.get("date"))
        if not isinstance(amount, Decimal) or when is None:
            problems.append(diag("statement-missing-field", "the :61: line has no readable amount or date; it is skipped", Location(display, row)))
            continue
        reference = str(data.get("customer_reference") or "").strip()
        if not reference or reference.upper() == "NONREF":
            reference = str(data.get("bank_reference") or "").strip()
        description = " ".join(str(data.get("transaction_details") or "").split())
        lines.append(StatementLine(row, when, amount, description, reference))
    for key, found in statement_balances:
        if key == "final_closing_balance":
            row = closing.pop(0) if closing else (max(rows) + 1 if rows else 1)
            line = _balance(found, row, display, problems)
            if line is not None:
                lines.append(line)
    return ParsedStatement("mt940", lines, problems, tuple(accounts), currency)


def _statement_balances(transactions: Any) -> list[tuple[str, Any]]:
    """The opening and closing balances the parser found, in file order (it keeps the last of each)."""
    data = transactions.data
    return [(key, data[key]) for key in ("final_opening_balance", "final_closing_balance") if data.get(key) is not None]


def _balance(found: Any, row: int, display: str, problems: list[Diagnostic]) -> StatementLine | None:
    amount = getattr(getattr(found, "amount", None), "amount", None)
    when = _date(getattr(found, "date", None))
    if not isinstance(amount, Decimal) or when is None:
        problems.append(diag("statement-bad-number", "the balance has no readable amount or date", Location(display, row)))
        return None
    return StatementLine(row, when, Decimal(0), "balance", "", amount, balance_only=True)


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return ymd(value.year, value.month, value.day)
    return None


def _fail(problems: list[Diagnostic]) -> ParsedStatement:
    return ParsedStatement("mt940", [], problems)


def _line_of_error(exc: Exception, tags: list[tuple[str, str, int]]) -> int | None:
    """The line of the tag whose value the parser quotes in its error, when it does."""
    quoted = [a for a in exc.args if isinstance(a, str)]
    for value in quoted[1:] + quoted[:1]:
        for _, tag_value, line in tags:
            if value and tag_value and (value.strip().startswith(tag_value) or tag_value.startswith(value.strip())):
                return line
    return None


def _reason(exc: Exception) -> str:
    first = exc.args[0] if exc.args else exc
    text = " ".join(str(first).split())
    text = re.sub(r"<mt940\.tags\.(\w+) object at 0x[0-9a-f]+>", r"\1", text)[:200]
    return text or type(exc).__name__
