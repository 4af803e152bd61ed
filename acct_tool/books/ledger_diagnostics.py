"""Beancount's errors as diagnostics, each with the file and line to fix.

What the loader reports, what a plugin prints while it runs, and why a load failed
altogether (an amount too wide for Beancount's arithmetic) become
:class:`~acct_tool.diagnostics.Diagnostic` values located in the user's files; an
error Beancount could not place is located at the ``include`` or ``plugin`` line
that caused it. Used by :mod:`acct_tool.books.ledger` while it loads.
"""

from __future__ import annotations

import decimal
import functools
import io
import os
import re
import sys
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from acct_tool.books.inputs import INCLUDE as _INCLUDE
from acct_tool.books.inputs import broken_link, real_path
from acct_tool.diagnostics import Diagnostic, Location, diag

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


@functools.lru_cache(maxsize=4096)
def display_path(filename: str | None, root: Path) -> str | None:
    """A file name as shown to the user: relative to the books root when inside it.

    Cached: engines ask for the same few files once per posting."""
    if not filename or filename.startswith("<"):
        return None
    path = Path(filename)
    try:
        return real_path(path).relative_to(real_path(root)).as_posix()
    except ValueError:
        return path.as_posix()


class PluginOutput(io.TextIOBase):
    """Stands in for stdout and stderr during a load: keeps what is written, by the
    plugin that wrote it (the one Beancount's loader is running at the time)."""

    #: How much of what a plugin printed a diagnostic quotes.
    SHOWN_LINES, SHOWN_CHARS = 3, 200
    encoding = "utf-8"

    def __init__(self) -> None:
        super().__init__()
        self.by_plugin: dict[str | None, list[str]] = {}

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            self.by_plugin.setdefault(_running_plugin(), []).append(str(text))
        return len(text)

    def diagnostics(self, files: tuple[str, ...], root: Path, main: str) -> list[Diagnostic]:
        out = []
        for name, parts in self.by_plugin.items():
            lines = [ln.rstrip() for ln in "".join(parts).splitlines() if ln.strip()]
            if not lines:
                continue
            shown = " | ".join(ln if len(ln) <= self.SHOWN_CHARS else ln[: self.SHOWN_CHARS] + "..." for ln in lines[: self.SHOWN_LINES])
            more = len(lines) - self.SHOWN_LINES
            if more > 0:
                shown += f" ({more} more line{'s' if more != 1 else ''})"
            where = Location(main)
            if name is not None:
                found = _find_line(files, re.compile(r'^\s*plugin\s+"' + re.escape(name) + '"'))
                if found:
                    where = Location(display_path(found[0], root) or main, found[1])
            who = f'plugin "{name}"' if name is not None else "something"
            hint = "plugins should return their findings as errors; printing mixes them into the output"
            out.append(diag("ledger-plugin-output", f"{who} printed while the ledger loaded: {shown}", where, hint=hint))
        return out


def _running_plugin() -> str | None:
    """The plugin Beancount's loader is importing or running now, from the call stack."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "run_transformations" and frame.f_globals.get("__name__") == "beancount.loader":
            name = frame.f_locals.get("plugin_name")
            return name if isinstance(name, str) else None
        frame = frame.f_back  # type: ignore[assignment]
    return None


def too_wide_amounts(loader: Any, path: Path, root: Path, exc: BaseException) -> list[Diagnostic]:
    """Why Beancount's arithmetic failed: the amounts with more digits than its decimal
    context holds (booking quantizes them, which raises instead of rounding).

    Read from the parsed entries, where every number is still as written; when none
    is wider than the precision, the transaction being processed when it failed."""
    prec = decimal.getcontext().prec
    try:
        entries = _parsed_entries(loader, path)
    except Exception:
        entries = []
    out = []
    for entry, number, currency, meta in _numbers(entries):
        width = _width(number)
        if width > prec:
            message = f"amount {number} {currency} has {width} digits; Beancount computes with at most {prec}, so it cannot load the ledger"
            out.append(diag("ledger-amount-too-large", message, _meta_location(meta or entry.meta, root, path), hint="check the amount for a typo"))
    if out:
        return out
    entry = _failing_entry(exc)
    if entry is None:
        return []
    amounts = sorted(_numbers([entry]), key=lambda found: _width(found[1]))
    widest = f" ({amounts[-1][1]} {amounts[-1][2]})" if amounts else ""
    message = f"an amount in this entry{widest} needs more than {prec} digits once booked with the entry's other amounts, so Beancount cannot load the ledger"
    return [diag("ledger-amount-too-large", message, _meta_location(entry.meta, root, path), hint="check its amounts for a typo")]


def _parsed_entries(loader: Any, path: Path) -> list[Directive]:
    """The entries of ``path`` and its includes as parsed, before booking (so before any arithmetic)."""
    filename = os.path.abspath(str(path))
    parse_recursive = getattr(loader, "_parse_recursive", None)
    if parse_recursive is not None:
        entries: list[Directive] = parse_recursive([(filename, True)], None)[0]
        return entries
    from beancount.parser import parser

    entries = parser.parse_file(filename)[0]
    return entries


def _numbers(entries: Iterable[Directive]) -> Iterator[tuple[Directive, Decimal, str, dict[str, Any] | None]]:
    """Every number written in ``entries``: (entry, number, currency, posting meta or None)."""
    for entry in entries:
        amount = getattr(entry, "amount", None)  # balance and price directives
        if amount is not None:
            yield from _amount_numbers(entry, amount, None)
        for posting in getattr(entry, "postings", None) or ():
            for part in (posting.units, posting.cost, posting.price):
                yield from _amount_numbers(entry, part, posting.meta)


def _amount_numbers(entry: Directive, amount: Any, meta: dict[str, Any] | None) -> Iterator[tuple[Directive, Decimal, str, dict[str, Any] | None]]:
    currency = getattr(amount, "currency", None)
    for name in ("number", "number_per", "number_total"):  # an amount, or a cost as written
        number = getattr(amount, name, None)
        if isinstance(number, Decimal) and number.is_finite():
            yield entry, number, currency if isinstance(currency, str) else "", meta


def _width(number: Decimal) -> int:
    """Digits needed to write ``number`` as given: its integer digits plus its decimals."""
    exponent = number.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return max(number.adjusted() + 1, 0) + decimals if number else decimals


def _failing_entry(exc: BaseException) -> Directive | None:
    """The innermost ``entry`` Beancount was working on when ``exc`` was raised."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        candidate = tb.tb_frame.f_locals.get("entry")
        meta = getattr(candidate, "meta", None)
        if isinstance(meta, dict) and "lineno" in meta:
            found = candidate
        tb = tb.tb_next
    return found


def _meta_location(meta: Any, root: Path, path: Path) -> Location:
    meta = meta if isinstance(meta, dict) else {}
    filename, lineno = meta.get("filename"), meta.get("lineno")
    shown = display_path(filename if isinstance(filename, str) else None, root) or display_path(str(path), root) or str(path)
    return Location(shown, lineno if isinstance(lineno, int) and lineno > 0 else None)


_MISSING = re.compile(r'^(?:File "(?P<file>.*)" does not exist|File glob "(?P<glob>.*)" does not match any files|Duplicate filename parsed: "(?P<dup>.*)")')
_PLUGIN = re.compile(r'^Error (?:importing|applying plugin) "(?P<name>[^"]+)"')


def to_diagnostic(error: Any, root: Path, main_path: Path, files: tuple[str, ...]) -> Diagnostic:
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
        where = _find_line(files, re.compile(r'^\s*plugin\s+"' + re.escape(plugin.group("name")) + '"'))
        if where and file is None:
            file, line = display_path(where[0], root), where[1]
    missing = _MISSING.match(message)
    if missing and file is None:
        target = missing.group("file") or missing.group("glob") or missing.group("dup")
        found = _find_include((str(main_path), *files), target)
        if found:
            file, line = display_path(found[0], root), found[1]
        link = broken_link(target) if missing.group("file") else None
        if link:  # Beancount says "does not exist" of any file it cannot open
            message = f'File "{target}" is {link}'
    if file is None:
        file = display_path(str(main_path), root)
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
