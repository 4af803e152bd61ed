"""The one place that imports Beancount.

Loads the ledger exactly as ``bean-check`` does (same loader, plugins, booking
and validations) and turns every Beancount error into a diagnostic with its
file and line. Engines use the directive types re-exported here and never
import Beancount themselves.
"""

from __future__ import annotations

import datetime
import gc
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator

from beancount import loader
from beancount.core import data
from beancount.ops import validation

from acct_tool.diagnostics import Diagnostic, Location, diag

Transaction = data.Transaction
Posting = data.Posting
Open = data.Open
Close = data.Close
Balance = data.Balance
Directive = Any

#: Beancount error class name -> our stable code.
_CODES = {
    "ParserError": "ledger-syntax",
    "ParserSyntaxError": "ledger-syntax",
    "LexerError": "ledger-syntax",
    "LoadError": "ledger-load",
    "BalanceError": "ledger-balance",
    "ValidationError": "ledger-validation",
    "BookingError": "ledger-booking",
    "SelfReduxError": "ledger-booking",
    "CategorizationError": "ledger-booking",
    "ReductionError": "ledger-booking",
    "InterpolationError": "ledger-booking",
    "AmbiguousMatchError": "ledger-booking",
    "PadError": "ledger-pad",
    "DocumentError": "ledger-document",
    "DeprecatedError": "ledger-deprecated",
}


@dataclass
class Ledger:
    """A loaded ledger: Beancount's entries and options, and its errors as diagnostics."""

    path: Path
    entries: list[Directive] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: Absolute paths of every file Beancount read (the main file and its includes).
    files: tuple[str, ...] = ()

    @property
    def operating_currencies(self) -> list[str]:
        return list(self.options.get("operating_currency") or [])

    def opens(self) -> dict[str, data.Open]:
        """Every opened account, by name (the first ``open`` wins, as in Beancount)."""
        out: dict[str, data.Open] = {}
        for entry in self.entries:
            if isinstance(entry, data.Open):
                out.setdefault(entry.account, entry)
        return out

    def transactions(self) -> Iterator[data.Transaction]:
        for entry in self.entries:
            if isinstance(entry, data.Transaction):
                yield entry

    def posted_accounts(self) -> set[str]:
        return {p.account for t in self.transactions() for p in t.postings}


def display_path(filename: str | None, root: Path) -> str | None:
    """A file name as shown to the user: relative to the books root when inside it."""
    if not filename or filename.startswith("<"):
        return None
    path = Path(filename)
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_ledger(path: Path, root: Path) -> Ledger:
    """Load ``path`` like bean-check (no pickle cache, hardcore validations)."""
    ledger = Ledger(path)
    main = display_path(str(path), root) or str(path)
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        ledger.diagnostics.append(diag("ledger-missing", f"ledger file {main} {what}", Location(main), hint="set `ledger:` in acct-tool.yaml"))
        return ledger
    loader.initialize(use_cache=False)
    # The loader allocates millions of small objects and creates no cycles worth
    # collecting; pausing the cyclic collector makes it markedly faster.
    enabled = gc.isenabled()
    gc.disable()
    try:
        entries, errors, options = loader.load_file(str(path), extra_validations=validation.HARDCORE_VALIDATIONS)
    except (Exception, SystemExit) as exc:  # a plugin that raises at import time, or exits
        ledger.diagnostics.append(diag("ledger-plugin", f"loading the ledger failed: {type(exc).__name__}: {exc}", Location(main)))
        return ledger
    finally:
        if enabled:
            gc.enable()
    ledger.entries, ledger.options = entries, options
    ledger.files = tuple(options.get("include") or ())
    ledger.diagnostics = [_to_diagnostic(e, root, ledger) for e in errors]
    return ledger


_MISSING = re.compile(r'^(?:File "(?P<file>.*)" does not exist|File glob "(?P<glob>.*)" does not match any files|Duplicate filename parsed: "(?P<dup>.*)")')
_INCLUDE = re.compile(r'^\s*include\s+"(?P<target>[^"]+)"')
_PLUGIN = re.compile(r'^Error (?:importing|applying plugin) "(?P<name>[^"]+)"')


def _to_diagnostic(error: Any, root: Path, ledger: Ledger) -> Diagnostic:
    source = error.source or {}
    filename, lineno = source.get("filename"), source.get("lineno")
    message = str(error.message)
    code = _CODES.get(type(error).__name__, "ledger-error")
    file = display_path(filename, root)
    line = lineno if isinstance(lineno, int) and lineno > 0 else None
    plugin = _PLUGIN.match(message)
    if plugin:
        code = "ledger-plugin"
        message = _without_traceback(message)
        where = _find_line(ledger.files, re.compile(r'^\s*plugin\s+"' + re.escape(plugin.group("name")) + '"'))
        if where and file is None:
            file, line = display_path(where[0], root), where[1]
    missing = _MISSING.match(message)
    if missing and file is None:
        target = missing.group("file") or missing.group("glob") or missing.group("dup")
        found = _find_include((str(ledger.path), *ledger.files), target)
        if found:
            file, line = display_path(found[0], root), found[1]
    if file is None:
        file = display_path(str(ledger.path), root)
    return diag(code, message, Location(file or "", line, None))


def _without_traceback(message: str) -> str:
    """Plugin errors carry a formatted traceback; keep the first line and the exception."""
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    if len(lines) <= 1:
        return message
    head = lines[0].rstrip(": ").removesuffix("Traceback (most recent call last)").rstrip(": ")
    return f"{head}: {lines[-1]}"


def _find_include(files: Iterable[str], target: str) -> tuple[str, int] | None:
    """The ``include`` line (file, number) whose target resolves to ``target``."""
    wanted = os.path.normpath(target)
    for filename in dict.fromkeys(files):
        try:
            with open(filename, encoding="utf-8", errors="replace") as handle:
                for number, text in enumerate(handle, 1):
                    match = _INCLUDE.match(text)
                    if match:
                        resolved = os.path.normpath(os.path.join(os.path.dirname(filename), os.path.expanduser(match.group("target"))))
                        if resolved == wanted or match.group("target") == target:
                            return filename, number
        except OSError:
            continue
    return None


def _find_line(files: Iterable[str], pattern: re.Pattern[str]) -> tuple[str, int] | None:
    for filename in files:
        try:
            with open(filename, encoding="utf-8", errors="replace") as handle:
                for number, text in enumerate(handle, 1):
                    if pattern.search(text):
                        return filename, number
        except OSError:
            continue
    return None


def balance_of(entries: Iterable[Directive], account: str, until: Any) -> dict[str, Decimal]:
    """Units per currency posted to ``account`` on or before ``until``."""
    out: dict[str, Decimal] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.date <= until:
            for posting in entry.postings:
                if posting.account == account and posting.units is not None:
                    cur = posting.units.currency
                    out[cur] = out.get(cur, Decimal(0)) + posting.units.number
    return out


@dataclass(frozen=True)
class AccountPosting:
    """One posting to one account, as plain data, with where its transaction is written."""

    date: datetime.date
    number: Decimal
    currency: str
    flag: str
    payee: str
    narration: str
    links: frozenset[str]
    #: The text values of the transaction's and the posting's metadata.
    meta: tuple[str, ...]
    #: Absolute file name and line of the transaction (``None`` for generated entries).
    file: str | None
    line: int | None
    #: Index of the transaction among the entries and of the posting in it: a stable order.
    order: tuple[int, int]


def account_postings(
    entries: Iterable[Directive],
    account: str,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> list[AccountPosting]:
    """Postings to exactly ``account`` dated ``start`` to ``end`` (both included), in ledger order."""
    out: list[AccountPosting] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, data.Transaction):
            continue
        if (start is not None and entry.date < start) or (end is not None and entry.date > end):
            continue
        for position, posting in enumerate(entry.postings):
            if posting.account != account or posting.units is None or posting.units.number is None:
                continue
            meta = entry.meta or {}
            texts = [v for k, v in meta.items() if isinstance(v, str) and k != "filename"]
            texts += [v for k, v in (posting.meta or {}).items() if isinstance(v, str) and k != "filename"]
            filename, lineno = meta.get("filename"), meta.get("lineno")
            out.append(
                AccountPosting(
                    date=entry.date,
                    number=posting.units.number,
                    currency=posting.units.currency,
                    flag=entry.flag or "",
                    payee=entry.payee or "",
                    narration=entry.narration or "",
                    links=frozenset(entry.links or ()),
                    meta=tuple(texts),
                    file=filename if isinstance(filename, str) and not filename.startswith("<") else None,
                    line=lineno if isinstance(lineno, int) and lineno > 0 else None,
                    order=(index, position),
                )
            )
    return out
