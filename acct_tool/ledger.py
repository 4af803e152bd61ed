"""The one place that imports Beancount.

Loads the ledger exactly as ``bean-check`` does (same loader, plugins, booking
and validations) and turns every Beancount error into a diagnostic with its
file and line. Engines never import Beancount: they read the directives
through the attributes Beancount gives them, or -- on the warm path, when the
ledger files have not changed -- the :class:`LedgerFacts` kept in the cache,
so that nothing is loaded at all. Beancount itself is imported only when a
ledger must really be loaded.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import functools
import gc
import io
import os
import re
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, NamedTuple

from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.inputs import INCLUDE as _INCLUDE
from acct_tool.inputs import broken_link, real_path, track_inputs

if TYPE_CHECKING:
    from beancount.core.data import Transaction as Transaction
else:
    Transaction = Any
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

#: Options the rest of the tool reads (the full options map holds unpicklable things).
KEPT_OPTIONS = ("title", "operating_currency", "name_assets", "name_liabilities", "name_equity", "name_income", "name_expenses")


class OpenFact(NamedTuple):
    """An ``open`` directive, as plain data."""

    account: str
    date: datetime.date
    currencies: tuple[str, ...]


@dataclass
class LedgerFacts:
    """What the tool needs from a loaded ledger that does not depend on profiles or settings.

    Small enough to cache; computed in one pass over the entries.
    """

    diagnostics: list[Diagnostic] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    opens: dict[str, OpenFact] = field(default_factory=dict)
    #: Every account with postings -> where it is first posted to.
    first_use: dict[str, Location] = field(default_factory=dict)
    #: Absolute paths of every file Beancount read (the main file and its includes).
    files: tuple[str, ...] = ()
    #: Decimal places per currency, from Beancount's display context: the most common
    #: number of places the ledger writes the currency with (as fava shows it).
    precisions: dict[str, int] = field(default_factory=dict)
    transactions: int = 0
    #: Facts that depend on profiles or settings, by kind and key (see books.py).
    derived: dict[str, dict[Any, Any]] = field(default_factory=dict)
    #: What these facts were drawn from (see :func:`track_inputs`); ``None`` when an
    #: input changed while it was being loaded, so the facts must not be cached.
    inputs: dict[str, Any] | None = None
    #: True when Beancount could not load the ledger at all (its diagnostics say why).
    #: Such facts have no inputs, so they are never cached.
    failed: bool = False


class Ledger:
    """A ledger: its facts always, its Beancount entries only when something needs them.

    ``entries`` loads the ledger on first use (unless it was loaded already), so a
    command served from cached facts never pays for loading.
    """

    def __init__(self, path: Path, root: Path, facts: LedgerFacts | None = None) -> None:
        self.path, self.root = path, root
        self._entries: list[Directive] | None = None
        self._facts = facts
        #: Called with the fresh facts whenever the ledger had to be loaded.
        self.on_load: Callable[[Ledger], None] | None = None

    @property
    def loaded(self) -> bool:
        return self._entries is not None

    @property
    def facts(self) -> LedgerFacts:
        if self._facts is None:
            self._load()
        assert self._facts is not None
        return self._facts

    @property
    def entries(self) -> list[Directive]:
        if self._entries is None:
            self._load()
        assert self._entries is not None
        return self._entries

    def _load(self) -> None:
        entries, facts = load_entries(self.path, self.root)
        if self._facts is not None:
            facts.derived = self._facts.derived  # keep what was drawn already; callers refresh what they need
        self._entries, self._facts = entries, facts
        if self.on_load is not None:
            self.on_load(self)

    def release(self) -> None:
        """Let go of the entries (the facts stay); they are loaded again if asked for."""
        self._entries = None

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.facts.diagnostics

    @property
    def options(self) -> dict[str, Any]:
        return self.facts.options

    @property
    def files(self) -> tuple[str, ...]:
        return self.facts.files

    @property
    def failed(self) -> bool:
        """True when the ledger could not be loaded at all; an empty ledger that loaded is not."""
        return self.facts.failed

    @property
    def operating_currencies(self) -> list[str]:
        return list(self.options.get("operating_currency") or [])

    def opens(self) -> dict[str, OpenFact]:
        """Every opened account, by name (the first ``open`` wins, as in Beancount)."""
        return self.facts.opens

    def transactions(self) -> Iterator[Transaction]:
        for entry in self.entries:
            if type(entry).__name__ == "Transaction":
                yield entry


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


def load_ledger(path: Path, root: Path) -> Ledger:
    """Load ``path`` now, like bean-check (no pickle cache, hardcore validations)."""
    ledger = Ledger(path, root)
    ledger._load()
    return ledger


def load_entries(path: Path, root: Path) -> tuple[list[Directive], LedgerFacts]:
    """Run Beancount's loader on ``path``; return the entries and the facts drawn from them."""
    facts = LedgerFacts()
    main = display_path(str(path), root) or str(path)
    if not path.is_file():
        link = broken_link(path)
        what = "is a folder" if path.is_dir() else f"is {link}" if link else "does not exist"
        hint = "point the link at the ledger file, or set `ledger:` in acct-tool.yaml" if link else "set `ledger:` in acct-tool.yaml"
        facts.diagnostics.append(diag("ledger-missing", f"ledger file {main} {what}", Location(main), hint=hint))
        facts.failed = True
        return [], facts
    from beancount import loader
    from beancount.ops import validation

    started = time.time_ns()
    # The loader allocates millions of small objects and creates no cycles worth
    # collecting; pausing the cyclic collector makes it markedly faster.
    enabled = gc.isenabled()
    gc.disable()
    # What plugins print would end up in the middle of the command's own output
    # (JSON, CSV...): it is kept, and reported as a diagnostic instead.
    printed = _PluginOutput()
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            entries, errors, options = _beancount_load(loader, path, validation.HARDCORE_VALIDATIONS)
    except (Exception, SystemExit) as exc:  # a plugin that raises at import time, or exits
        wide = _too_wide_amounts(loader, path, root, exc) if isinstance(exc, decimal.DecimalException) else []
        facts.diagnostics += wide or [diag("ledger-plugin", f"loading the ledger failed: {type(exc).__name__}: {exc}", Location(main))]
        facts.diagnostics += printed.diagnostics((str(path),), root, main)
        facts.failed = True
        return [], facts
    finally:
        if enabled:
            gc.enable()
    facts.options = {k: options.get(k) for k in KEPT_OPTIONS}
    facts.files = tuple(options.get("include") or ())
    facts.precisions = precisions(options.get("dcontext"))
    facts.diagnostics = [_to_diagnostic(e, root, path, facts.files) for e in errors]
    facts.diagnostics += printed.diagnostics(facts.files or (str(path),), root, main)
    _scan(entries, facts, root)
    plugins = [name for name, _ in options.get("plugin") or () if isinstance(name, str)]
    facts.inputs = track_inputs(path, facts.files, plugins, root, started)
    return entries, facts


def precisions(dcontext: Any) -> dict[str, int]:
    """Currency -> the places Beancount's display context shows it with (the most common
    among the ledger's numbers, or a ``display_precision`` option), as fava reads them."""
    if dcontext is None:
        return {}
    from beancount.core.display_context import Precision

    out: dict[str, int] = {}
    for currency, context in sorted(getattr(dcontext, "ccontexts", {}).items()):
        if currency == "__default__" or not isinstance(currency, str):
            continue
        places = context.get_fractional(Precision.MOST_COMMON)
        if isinstance(places, int) and places >= 0:
            out[currency] = places
    return out


class _PluginOutput(io.TextIOBase):
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


def _too_wide_amounts(loader: Any, path: Path, root: Path, exc: BaseException) -> list[Diagnostic]:
    """Why Beancount's arithmetic failed: the amounts with more digits than its decimal
    context holds (booking quantizes them, which raises instead of rounding).

    Read from the parsed entries, where every number is still as written; when none
    is wider than the precision, the transaction being processed when it failed."""
    prec = decimal.getcontext().prec
    try:
        entries = _parsed_entries(loader, path)
    except Exception:  # noqa: BLE001 - a second opinion only; the caller reports the failure
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


def _beancount_load(loader: Any, path: Path, validations: Any) -> tuple[Any, Any, Any]:
    """Beancount's own load, minus its pickle cache.

    ``load_file`` would write a cache next to the ledger, and
    ``initialize(use_cache=False)`` deletes the one bean-check keeps there; both
    change the user's books. The uncached loader underneath does neither.
    """
    from beancount.utils import encryption

    filename = os.path.abspath(str(path))
    uncached = getattr(loader, "_uncached_load_file", None)
    result: tuple[Any, Any, Any]
    if encryption.is_encrypted_file(filename):
        result = loader.load_encrypted_file(filename, None, None, validations)  # never cached
    elif uncached is None:  # a Beancount without it: at least do not write a cache
        loader.initialize(use_cache=False)
        result = loader.load_file(filename, extra_validations=validations)
    else:
        result = uncached(filename, None, validations, None)
    return result


def _scan(entries: Iterable[Directive], facts: LedgerFacts, root: Path) -> None:
    """Opened accounts, and where each account is first posted to."""
    first = facts.first_use
    count = 0
    for entry in entries:
        kind = type(entry).__name__
        if kind == "Transaction":
            count += 1
            for posting in entry.postings:
                if posting.account not in first:
                    meta = posting.meta or entry.meta or {}
                    filename = meta.get("filename") or ""
                    line = meta.get("lineno")
                    first[posting.account] = Location(display_path(filename, root) or "", line if isinstance(line, int) else None)
        elif kind == "Open" and entry.account not in facts.opens:
            facts.opens[entry.account] = OpenFact(entry.account, entry.date, tuple(entry.currencies or ()))
    facts.transactions = count


_MISSING = re.compile(r'^(?:File "(?P<file>.*)" does not exist|File glob "(?P<glob>.*)" does not match any files|Duplicate filename parsed: "(?P<dup>.*)")')
_PLUGIN = re.compile(r'^Error (?:importing|applying plugin) "(?P<name>[^"]+)"')


def _to_diagnostic(error: Any, root: Path, main_path: Path, files: tuple[str, ...]) -> Diagnostic:
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


def balance_of(postings: Iterable[AccountPosting], until: datetime.date) -> dict[str, Decimal]:
    """Units per currency of ``postings`` (one account's) dated on or before ``until``."""
    out: dict[str, Decimal] = {}
    for posting in postings:
        if posting.date <= until:
            out[posting.currency] = out.get(posting.currency, Decimal(0)) + posting.number
    return out


class AccountPosting(NamedTuple):
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
        if type(entry).__name__ != "Transaction":
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
