"""ISO 20022 bank-to-customer statements (CAMT.053, ``camt.053.001.02`` to ``.08``).

Parsed with defusedxml: a DTD, an entity declaration or an external reference
is refused (``statement-unsafe-xml``), so neither entity expansion (billion
laughs) nor external entities (XXE) can run. Read from each ``Stmt``: the
account (``Acct/Id/IBAN``, else ``Acct/Id/Othr/Id``), the opening and closing
balances (``Bal`` of type ``OPBD``/``PRCD`` and ``CLBD``), and each ``Ntry``:
``Amt`` with ``CdtDbtInd`` (``DBIT`` is money out), ``BookgDt/Dt`` (or
``DtTm``, else ``ValDt``), the reference (``AcctSvcrRef``, else the first
``EndToEndId`` other than ``NOTPROVIDED``) and the description (``RmtInf/Ustrd``,
else ``AddtlNtryInf``). Pending entries (``Sts`` ``PDNG``) are left out.

Several ``Stmt`` of one account are read as one statement (each one's balances
in their places); statements of different accounts are refused with
``statement-several-accounts``. Diagnostics name the line and the element's
path, e.g. ``Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt``.
"""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.engines.bank_formats.common import MAX_LINES, compact_date, number, words
from acct_tool.engines.bank_formats.records import ParsedStatement, StatementLine

_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.0([2-8])")
_LINE = "acct-tool-line"
_OPENING = ("OPBD", "PRCD")
_CLOSING = ("CLBD",)


class _LineBuilder(ET.TreeBuilder):
    """A tree builder that notes each element's line (from the expat parser) in an attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: Any = None

    def start(self, tag: Any, attrs: Any) -> ET.Element:
        line = self.parser.parser.CurrentLineNumber if self.parser is not None else 0
        return super().start(tag, {**attrs, _LINE: str(line)})


def parse(raw: bytes, display: str, *, max_lines: int = MAX_LINES) -> ParsedStatement:
    """Read a CAMT.053 file's bytes; never raises for bad input."""
    here = Location(display)
    builder = _LineBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.parser = parser
    try:
        parser.feed(raw)
        root = parser.close()
    except DefusedXmlException as exc:
        line = getattr(parser.parser, "CurrentLineNumber", None) if parser.parser is not None else None
        message = f"the XML declares a DTD, entities or an external reference ({type(exc).__name__}); they are refused"
        return _fail([diag("statement-unsafe-xml", message, Location(display, line), hint="export the statement again without a DOCTYPE")])
    except ET.ParseError as exc:
        line, col = getattr(exc, "position", (None, None))
        return _fail([diag("statement-format", f"not well-formed XML: {exc}", Location(display, line, None if col is None else col + 1))])
    except (ValueError, LookupError, RecursionError, MemoryError) as exc:  # an unknown encoding, expat's own limits
        return _fail([diag("statement-format", f"not readable XML: {type(exc).__name__}: {exc}", here)])
    tag, namespace = _local(root.tag), _namespace(root.tag)
    if tag != "Document" or not _NAMESPACE.fullmatch(namespace):
        shown = f"{{{namespace}}}{tag}" if namespace else tag
        hint = "the root must be a Document in a namespace urn:iso:std:iso:20022:tech:xsd:camt.053.001.02 to .08"
        return _fail([diag("statement-format", f"not a CAMT.053 statement: the root element is {shown}", Location(display, _line(root)), hint=hint)])
    problems: list[Diagnostic] = []
    report = _child(root, "BkToCstmrStmt")
    statements = _children(report, "Stmt") if report is not None else []
    if not statements:
        return _fail([diag("statement-format", "the document has no statement (Document/BkToCstmrStmt/Stmt)", Location(display, _line(root)))])
    ids = [_account_id(stmt) for stmt in statements]
    if len(set(ids)) > 1:
        shown = ", ".join(i or "(none)" for i in ids)
        message = f"the file holds statements of {len(set(ids))} different accounts ({shown}); one reconciliation is of one account"
        problems.append(diag("statement-several-accounts", message, here, hint="export each account to its own file"))
        return ParsedStatement("camt053", [], problems, tuple(i for i in dict.fromkeys(ids) if i))
    entries = sum(len(_children(stmt, "Ntry")) for stmt in statements)
    if entries > max_lines:
        message = f"{display} has {entries:,} entries; the limit for a statement is {max_lines:,}"
        return _fail([diag("statement-too-large", message, here, hint="split the statement by month")])
    lines: list[StatementLine] = []
    currency: str | None = None
    for s, stmt in enumerate(statements, 1):
        path = f"Document/BkToCstmrStmt/Stmt[{s}]"
        acct = _child(stmt, "Acct")
        currency = currency or _text(acct, "Ccy")
        balances = [_balance(bal, f"{path}/Bal[{b}]", display, problems) for b, bal in enumerate(_children(stmt, "Bal"), 1)]
        # In date order: the opening balance, the entries, the closing balance.
        lines += [line for line in balances if line is not None and line.description in _OPENING]
        for n, entry in enumerate(_children(stmt, "Ntry"), 1):
            amt = _child(entry, "Amt")
            currency = currency or (amt.get("Ccy") if amt is not None else None)
            line = _entry(entry, f"{path}/Ntry[{n}]", display, problems)
            if line is not None:
                lines.append(line)
        lines += [line for line in balances if line is not None and line.description in _CLOSING]
    return ParsedStatement("camt053", lines, problems, (ids[0],) if ids[0] else (), currency.strip().upper() if currency else None)


def _fail(problems: list[Diagnostic]) -> ParsedStatement:
    return ParsedStatement("camt053", [], problems)


def _signed(el: ET.Element, path: str, display: str, problems: list[Diagnostic]) -> Decimal | None:
    """``Amt`` with the sign of ``CdtDbtInd``, or ``None`` with a diagnostic."""
    amt, indicator = _child(el, "Amt"), _text(el, "CdtDbtInd")
    if amt is None or indicator is None:
        missing = " and ".join(name for name, value in (("Amt", amt), ("CdtDbtInd", indicator)) if value is None)
        problems.append(diag("statement-missing-field", f"{path} has no {missing}; it is skipped", Location(display, _line(el))))
        return None
    value = number(amt.text)
    if value is None or value < 0:
        problems.append(diag("statement-bad-number", f"{path}/Amt {_shown(amt.text)} is not an amount (or has too many digits)", Location(display, _line(amt))))
        return None
    if indicator.strip() not in ("CRDT", "DBIT"):
        problems.append(diag("statement-bad-number", f"{path}/CdtDbtInd {_shown(indicator)} is neither CRDT nor DBIT", Location(display, _line(el))))
        return None
    return -value if indicator.strip() == "DBIT" else value


def _date(holder: ET.Element | None) -> datetime.date | None:
    if holder is None:
        return None
    return compact_date(_text(holder, "Dt") or _text(holder, "DtTm"))


def _entry(entry: ET.Element, path: str, display: str, problems: list[Diagnostic]) -> StatementLine | None:
    status = _child(entry, "Sts")
    if status is not None and "PDNG" in (words(status.text, _text(status, "Cd"))):
        return None
    amount = _signed(entry, path, display, problems)
    booked = _child(entry, "BookgDt")
    if booked is None:
        booked = _child(entry, "ValDt")
    date = _date(booked)
    if booked is None:
        problems.append(diag("statement-missing-field", f"{path} has no BookgDt (or ValDt); it is skipped", Location(display, _line(entry))))
        return None
    if date is None:
        shown = _shown(_text(booked, "Dt") or _text(booked, "DtTm"))
        problems.append(diag("statement-bad-date", f"{path}/{_local(booked.tag)} {shown} is not a date (YYYY-MM-DD)", Location(display, _line(booked))))
    if amount is None or date is None:
        return None
    details = [tx for d in _children(entry, "NtryDtls") for tx in _children(d, "TxDtls")]
    reference = (_text(entry, "AcctSvcrRef") or "").strip()
    if not reference:
        ends = [(_text(_child(tx, "Refs"), "EndToEndId") or "").strip() for tx in details]
        reference = next((e for e in ends if e and e.upper() != "NOTPROVIDED"), "")
    ustrd = [u.text or "" for tx in details for rmt in _children(tx, "RmtInf") for u in _children(rmt, "Ustrd")]
    description = words(*ustrd) or words(_text(entry, "AddtlNtryInf"))
    return StatementLine(_line(entry), date, amount, description, reference)


def _balance(bal: ET.Element, path: str, display: str, problems: list[Diagnostic]) -> StatementLine | None:
    kind = (_text(_child(_child(bal, "Tp"), "CdOrPrtry"), "Cd") or "").strip()
    if kind not in _OPENING + _CLOSING:
        return None  # interim and available balances are not checked
    amount = _signed(bal, path, display, problems)
    holder = _child(bal, "Dt")
    date = _date(holder)
    if date is None:
        problems.append(
            diag("statement-bad-date", f"{path}/Dt has no date (Dt or DtTm, YYYY-MM-DD)", Location(display, _line(holder if holder is not None else bal)))
        )
    if amount is None or date is None:
        return None
    if kind in _OPENING:  # the balance at the start of its date: the end of the day before
        date -= datetime.timedelta(days=1)
    return StatementLine(_line(bal), date, Decimal(0), kind, "", amount, balance_only=True)


def _account_id(stmt: ET.Element) -> str:
    ident = _child(_child(stmt, "Acct"), "Id")
    iban = _text(ident, "IBAN")
    if iban and iban.strip():
        return "".join(iban.split()).upper()
    return (_text(_child(ident, "Othr"), "Id") or "").strip()


def _local(tag: Any) -> str:
    return str(tag).rpartition("}")[2] if isinstance(tag, str) else ""


def _namespace(tag: Any) -> str:
    return str(tag)[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _children(el: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if el is None else [c for c in el if _local(c.tag) == name]


def _child(el: ET.Element | None, name: str) -> ET.Element | None:
    found = _children(el, name)
    return found[0] if found else None


def _text(el: ET.Element | None, name: str) -> str | None:
    child = _child(el, name)
    return None if child is None else (child.text or "")


def _line(el: ET.Element) -> int:
    try:
        return max(int(el.get(_LINE, "1")), 1)
    except ValueError:
        return 1


def _shown(text: str | None) -> str:
    cell = (text or "").strip()
    return repr(cell[:40] + ("…" if len(cell) > 40 else "")) if cell else "(empty)"
