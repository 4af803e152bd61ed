"""Statement lines from a beangulp importer: whatever format it reads, its entries become lines.

The importer is named by a dotted path (``my_importers.Northbank``: a class,
or a factory that returns an importer), imported with the books root first on
``sys.path``. Its ``extract()`` transactions' postings on its ``account()``
become statement lines, and its ``Balance`` entries on that account the
balances (a Beancount balance holds at the start of its date, so it is the
balance at the end of the day before). Entries are read by their fields, so
this module needs neither beancount nor beangulp itself. Whatever the
importer raises is a ``statement-importer`` diagnostic.
"""

from __future__ import annotations

import datetime
import importlib
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.engines.bank_formats.common import MAX_LINES, words
from acct_tool.engines.bank_formats.records import ParsedStatement, StatementLine


class ImporterError(Exception):
    """The importer named in the settings or on the command line cannot be loaded."""


def load_importer(dotted: str, root: Path) -> Any:
    """The importer ``dotted`` names: ``module.Class`` (instantiated without arguments) or ``module.factory``."""
    module_name, _, attr = dotted.rpartition(".")
    if not module_name or not attr:
        raise ImporterError(f"importer '{dotted}' is not a dotted path like my_importers.Northbank")
    added = str(root.resolve())
    sys.path.insert(0, added)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # the user's module may raise anything on import
        raise ImporterError(f"cannot import {module_name} for importer '{dotted}': {type(exc).__name__}: {exc}") from None
    finally:
        if added in sys.path:
            sys.path.remove(added)
    target = getattr(module, attr, None)
    if target is None:
        raise ImporterError(f"module {module_name} has no '{attr}' for importer '{dotted}'")
    try:
        importer = target() if callable(target) else target
    except Exception as exc:
        raise ImporterError(f"cannot create importer '{dotted}': {type(exc).__name__}: {exc}") from None
    if not callable(getattr(importer, "extract", None)):
        raise ImporterError(f"'{dotted}' is not a beangulp importer: it has no extract()")
    return importer


def extract(importer: Any, path: Path, display: str, *, max_lines: int = MAX_LINES) -> ParsedStatement:
    """The lines of ``path`` as ``importer`` extracts them; never raises for what the importer does."""
    here = Location(display)
    filepath = str(path)
    try:
        account = importer.account(filepath) if callable(getattr(importer, "account", None)) else None
    except Exception as exc:  # user code
        return ParsedStatement("beangulp", [], [diag("statement-importer", f"the importer's account() failed: {type(exc).__name__}: {exc}", here)])
    if not isinstance(account, str) or not account:
        return ParsedStatement("beangulp", [], [diag("statement-importer", "the importer's account() names no account", here)])
    try:
        entries = list(importer.extract(filepath, []))
    except Exception as exc:  # user code
        problem = diag("statement-importer", f"the importer failed on {display}: {type(exc).__name__}: {exc}", here)
        return ParsedStatement("beangulp", [], [problem], ledger_account=account)
    problems: list[Diagnostic] = []
    lines: list[StatementLine] = []
    for index, entry in enumerate(entries, 1):
        if len(lines) > max_lines:
            message = f"the importer gave over {max_lines:,} lines; the limit for a statement is {max_lines:,}"
            return ParsedStatement("beangulp", [], [diag("statement-too-large", message, here)], ledger_account=account)
        row = _row(entry, index)
        date = getattr(entry, "date", None)
        if not isinstance(date, datetime.date):
            problems.append(diag("statement-importer", f"entry {index} from the importer has no date; it is skipped", Location(display, row)))
            continue
        if type(entry).__name__ == "Balance":
            if getattr(entry, "account", None) == account:
                number = getattr(getattr(entry, "amount", None), "number", None)
                if isinstance(number, Decimal):
                    lines.append(StatementLine(row, date - datetime.timedelta(days=1), Decimal(0), "balance", "", number, balance_only=True))
            continue
        for posting in getattr(entry, "postings", None) or ():
            if getattr(posting, "account", None) != account:
                continue
            number = getattr(getattr(posting, "units", None), "number", None)
            if not isinstance(number, Decimal):
                problems.append(
                    diag("statement-importer", f"entry {index} from the importer has a posting on {account} without an amount", Location(display, row))
                )
                continue
            lines.append(StatementLine(row, date, number, words(getattr(entry, "payee", None), getattr(entry, "narration", None)), _reference(entry)))
    return ParsedStatement("beangulp", lines, problems, ledger_account=account)


def _row(entry: Any, index: int) -> int:
    meta = getattr(entry, "meta", None)
    line = meta.get("lineno") if isinstance(meta, dict) else None
    return line if isinstance(line, int) and not isinstance(line, bool) and line > 0 else index


def _reference(entry: Any) -> str:
    meta = getattr(entry, "meta", None)
    if isinstance(meta, dict):
        for key in ("reference", "ref", "statement_ref"):
            value = meta.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    links = getattr(entry, "links", None)
    return sorted(links)[0] if links else ""
