"""OFX statements (1.x SGML, 2.x XML, and QFX, Quicken's OFX): lines from ``STMTTRN``.

The file is parsed by ofxtools (header, SGML or XML, into an element tree);
the fields are then read here, one transaction at a time, so one bad
transaction is a diagnostic at its line and the rest is still read. Read: the
account (``ACCTID``, and ``BANKID`` as ``BANKID/ACCTID``), the currency
(``CURDEF``), each transaction's date (``DTPOSTED``), amount (``TRNAMT``),
reference (``CHECKNUM`` when present, else ``FITID``) and description (``NAME``
and ``MEMO``), and the closing balance (``LEDGERBAL``: ``BALAMT`` as of ``DTASOF``).
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.engines.bank_formats.common import MAX_LINES, compact_date, line_of, number, words
from acct_tool.engines.bank_formats.records import ParsedStatement, StatementLine

_STMTTRN = re.compile(rb"<STMTTRN>", re.IGNORECASE)
_LEDGERBAL = re.compile(rb"<LEDGERBAL>", re.IGNORECASE)
_STATEMENTS = ("STMTRS", "CCSTMTRS")


def parse(raw: bytes, display: str, *, max_lines: int = MAX_LINES) -> ParsedStatement:
    """Read an OFX file's bytes; never raises for bad input."""
    here = Location(display)
    starts = [line_of(raw, m.start()) for m in _STMTTRN.finditer(raw)]
    if len(starts) > max_lines:
        message = f"{display} has {len(starts):,} transactions; the limit for a statement is {max_lines:,}"
        return ParsedStatement("ofx", [], [diag("statement-too-large", message, here, hint="split the statement by month")])
    from ofxtools.Parser import OFXTree  # here: importing ofxtools takes half a second, and most commands read no OFX

    tree = OFXTree()
    try:
        tree.parse(io.BytesIO(raw))
    except Exception as exc:  # ofxtools raises its own errors, and ValueError/KeyError/IndexError on broken input
        return ParsedStatement("ofx", [], [diag("statement-format", f"not a readable OFX file: {_reason(exc)}", here)])
    root = tree.getroot()
    if root is None:  # pragma: no cover - parse() sets a root or raises
        return ParsedStatement("ofx", [], [diag("statement-format", "not a readable OFX file: no <OFX> element", here)])
    statements = [el for el in root.iter() if el.tag in _STATEMENTS]
    problems: list[Diagnostic] = []
    if not statements:
        problems.append(diag("statement-format", "the OFX file has no bank or card statement (STMTRS or CCSTMTRS)", here))
        return ParsedStatement("ofx", [], problems)
    ids = [_account_id(stmt) for stmt in statements]
    if len(set(ids)) > 1:
        shown = ", ".join(i or "(none)" for i in ids)
        message = f"the file holds statements of {len(set(ids))} different accounts ({shown}); one reconciliation is of one account"
        problems.append(diag("statement-several-accounts", message, here, hint="export each account to its own file"))
        return ParsedStatement("ofx", [], problems, tuple(i for i in dict.fromkeys(ids) if i))
    lines: list[StatementLine] = []
    transactions = [t for stmt in statements for t in stmt.iter("STMTTRN")]
    balance_lines = [line_of(raw, m.start()) for m in _LEDGERBAL.finditer(raw)]
    for n, trn in enumerate(transactions):
        row = starts[n] if n < len(starts) else 1
        line = _transaction(trn, display, row, problems)
        if line is not None:
            lines.append(line)
    for n, bal in enumerate(el for stmt in statements for el in stmt.iter("LEDGERBAL")):
        row = balance_lines[n] if n < len(balance_lines) else (max(starts) + 1 if starts else 1)
        amount, when = number(_text(bal, "BALAMT")), compact_date(_text(bal, "DTASOF"))
        where = Location(display, row)
        if amount is None:
            problems.append(diag("statement-bad-number", f"LEDGERBAL/BALAMT {_shown(_text(bal, 'BALAMT'))} is not a number", where))
        elif when is None:
            problems.append(diag("statement-bad-date", f"LEDGERBAL/DTASOF {_shown(_text(bal, 'DTASOF'))} is not a date (YYYYMMDD)", where))
        else:
            lines.append(StatementLine(row, when, Decimal(0), "LEDGERBAL", "", amount, balance_only=True))
    currency = _text(statements[0], "CURDEF")
    acctid = ids[0].rpartition("/")[2]
    found = tuple(dict.fromkeys(i for i in (acctid, ids[0]) if i))
    return ParsedStatement("ofx", lines, problems, found, currency.strip().upper() if currency else None)


def _transaction(trn: ET.Element, display: str, row: int, problems: list[Diagnostic]) -> StatementLine | None:
    where = Location(display, row)
    raw_amount, raw_date = _text(trn, "TRNAMT"), _text(trn, "DTPOSTED")
    amount, date = number(raw_amount), compact_date(raw_date)
    if raw_amount is None or raw_date is None:
        missing = " and ".join(tag for tag, value in (("TRNAMT", raw_amount), ("DTPOSTED", raw_date)) if value is None)
        problems.append(diag("statement-missing-field", f"the transaction (STMTTRN) has no {missing}; it is skipped", where))
        return None
    if amount is None:
        problems.append(diag("statement-bad-number", f"STMTTRN/TRNAMT {_shown(raw_amount)} is not a number (or has too many digits)", where))
    if date is None:
        problems.append(diag("statement-bad-date", f"STMTTRN/DTPOSTED {_shown(raw_date)} is not a date (YYYYMMDD)", where))
    if amount is None or date is None:
        return None
    reference = (_text(trn, "CHECKNUM") or _text(trn, "FITID") or "").strip()
    return StatementLine(row, date, amount, words(_text(trn, "NAME"), _text(trn, "MEMO")), reference)


def _account_id(stmt: ET.Element) -> str:
    for holder in ("BANKACCTFROM", "CCACCTFROM"):
        acct = stmt.find(holder)
        if acct is not None:
            acctid = (_text(acct, "ACCTID") or "").strip()
            bankid = (_text(acct, "BANKID") or "").strip()
            return f"{bankid}/{acctid}" if bankid and acctid else acctid
    return ""


def _text(el: ET.Element, tag: str) -> str | None:
    child = el.find(tag)
    return None if child is None else (child.text or "")


def _shown(text: str | None) -> str:
    cell = (text or "").strip()
    return repr(cell[:40] + ("…" if len(cell) > 40 else "")) if cell else "(empty)"


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split())[:200]
    return text or type(exc).__name__
