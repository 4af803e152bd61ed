"""The one place that imports Beancount (with :mod:`acct_tool.books.ledger_diagnostics`, which reads its errors).

Loads the ledger exactly as ``bean-check`` does (same loader, plugins, booking
and validations) and turns every Beancount error into a diagnostic with its
file and line (see :mod:`acct_tool.books.ledger_diagnostics`). Engines never import Beancount: they read the directives
through the attributes Beancount gives them, or -- on the warm path, when the
ledger files have not changed -- the :class:`LedgerFacts` kept in the cache,
so that nothing is loaded at all. Beancount itself is imported only when a
ledger must really be loaded; then only the files that changed are parsed
again (:mod:`acct_tool.books.parse_cache`), and booking, plugins and
validation run on all the entries, as bean-check runs them.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import functools
import gc
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from acct_tool.books import aside, parse_cache
from acct_tool.books.inputs import broken_link, track_inputs
from acct_tool.books.ledger_diagnostics import PluginOutput, to_diagnostic, too_wide_amounts
from acct_tool.books.ledger_diagnostics import display_path as display_path  # where it has always been imported from
from acct_tool.diagnostics import Diagnostic, Location, diag

if TYPE_CHECKING:
    from beancount.core.data import Transaction as Transaction
else:
    Transaction = Any
Directive = Any

#: Before it lets go of the entries of a ledger with fewer entries than this, a command with
#: little left to do computes its share of what the child has not begun of the validation
#: (see :func:`load_entries` and :attr:`Ledger.share_validation`). A larger ledger's command,
#: or one with parties to draw and compute, has more left to do after that, which the child's
#: validation overlaps: it lets go of them and the child validates the rest.
SHARE_BELOW = 50_000

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
    #: Every account with postings -> the date of its first posting.
    first_date: dict[str, datetime.date] = field(default_factory=dict)
    #: Absolute paths of every file Beancount read (the main file and its includes).
    files: tuple[str, ...] = ()
    #: Decimal places per currency, from Beancount's display context: the most common
    #: number of places the ledger writes the currency with (as fava shows it).
    precisions: dict[str, int] = field(default_factory=dict)
    #: How many numbers the ledger writes in each currency (Beancount's display context counts them).
    currency_uses: dict[str, int] = field(default_factory=dict)
    transactions: int = 0
    #: Where each transaction flagged ``!`` (on itself or a posting) is written.
    flagged: list[Location] = field(default_factory=list)
    #: Facts that depend on profiles or settings, by kind and key (see books/load.py).
    derived: dict[str, dict[Any, Any]] = field(default_factory=dict)
    #: What these facts were drawn from (see :func:`track_inputs`); ``None`` when an
    #: input changed while it was being loaded (or the load saves nothing in the cache),
    #: so the facts must not be cached.
    inputs: dict[str, Any] | None = None
    #: True when Beancount could not load the ledger at all (its diagnostics say why).
    #: Such facts have no inputs, so they are never cached.
    failed: bool = False


class Ledger:
    """A ledger: its facts always, its Beancount entries only when something needs them.

    ``entries`` loads the ledger on first use (unless it was loaded already), so a
    command served from cached facts never pays for loading.
    """

    def __init__(
        self,
        path: Path,
        root: Path,
        facts: LedgerFacts | None = None,
        *,
        progress: Callable[[str], None] | None = None,
        use_cache: bool | None = None,
        parse_writes: list[Callable[[], None]] | None = None,
        validate_aside: bool = False,
    ) -> None:
        self.path, self.root = path, root
        #: When a list, the parse cache's writes are collected here, to run after the output.
        self.parse_writes = parse_writes
        self._entries: list[Directive] | None = None
        self._facts = facts
        #: Told the name of each stage of a load as it starts (see :func:`load_entries`).
        self.progress = progress
        #: Whether unchanged files' parses may come from the cache (None: unless the cache is turned off).
        self.use_cache = use_cache
        #: Called with the fresh facts whenever the ledger had to be loaded.
        self.on_load: Callable[[Ledger], None] | None = None
        #: Whether Beancount's validation may run in a child process while the command goes on.
        self.validate_aside = validate_aside
        #: Whether the command, letting go of a small ledger's entries, computes its share of a
        #: validation still running aside (see :data:`SHARE_BELOW`): worth it only when it has
        #: little else to do then. Books without profiles leave it so; with parties, the command
        #: draws and computes their facts meanwhile, and the child validates on its own.
        self.share_validation = True
        self._settle: Callable[[], None] = _settled
        self._let_go: Callable[[], None] = _settled

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
        settle: list[Callable[[], None]] = []
        let_go: list[Callable[[], None]] = []
        entries, facts = load_entries(
            self.path,
            self.root,
            progress=self.progress,
            use_cache=self.use_cache,
            parse_writes=self.parse_writes,
            settle=settle if self.validate_aside else None,
            let_go=let_go,
            share=lambda: self.share_validation,
        )
        self._settle = functools.partial(_run, settle)
        self._let_go = functools.partial(_run, let_go)
        if self._facts is not None:
            facts.derived = self._facts.derived  # keep what was drawn already; callers refresh what they need
        self._entries, self._facts = entries, facts
        if self.on_load is not None:
            self.on_load(self)

    def release(self) -> None:
        """Let go of the entries (the facts stay); they are loaded again if asked for."""
        self._let_go()
        self._entries = None

    def settle(self) -> None:
        """Wait for a validation still running aside (see :func:`load_entries`); its
        findings are then in the facts' diagnostics."""
        self._settle()

    @property
    def diagnostics(self) -> list[Diagnostic]:
        facts = self.facts
        self._settle()
        return facts.diagnostics

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

    @property
    def main_currency(self) -> str | None:
        """The first ``operating_currency`` option, else the currency the ledger writes most, else None."""
        named = self.operating_currencies
        if named:
            return str(named[0])
        uses = self.facts.currency_uses
        return min(uses, key=lambda c: (-uses[c], c)) if uses else None

    def opens(self) -> dict[str, OpenFact]:
        """Every opened account, by name (the first ``open`` wins, as in Beancount)."""
        return self.facts.opens

    def transactions(self) -> Iterator[Transaction]:
        for entry in self.entries:
            if type(entry).__name__ == "Transaction":
                yield entry

    def consume(self) -> Iterator[Transaction]:
        """The transactions, as :meth:`transactions`, for the last reader of the entries: they
        are let go of (:meth:`release`) first, and each entry is freed once read, so that
        what the reader builds takes the memory the entries held instead of adding to it.
        (An entry that something else still holds is freed when that lets go.)"""
        entries = self.entries
        self.release()
        owned = _held_here_alone(entries)
        for n in range(len(entries)):
            entry = entries[n]
            if owned:
                entries[n] = None
            if type(entry).__name__ == "Transaction":
                yield entry
            del entry


def _held_here_alone(entries: list[Directive]) -> bool:
    """Whether only the caller holds ``entries`` (``getrefcount`` counts the caller's name and
    this function's argument): emptying the list as it is read then changes nothing any
    other holder sees."""
    return sys.getrefcount(entries) <= 3


def load_ledger(path: Path, root: Path, *, progress: Callable[[str], None] | None = None, use_cache: bool | None = None) -> Ledger:
    """Load ``path`` now, like bean-check (no pickle cache next to the ledger, hardcore validations)."""
    ledger = Ledger(path, root, progress=progress, use_cache=use_cache)
    ledger._load()
    return ledger


def load_entries(
    path: Path,
    root: Path,
    *,
    progress: Callable[[str], None] | None = None,
    use_cache: bool | None = None,
    parse_writes: list[Callable[[], None]] | None = None,
    settle: list[Callable[[], None]] | None = None,
    let_go: list[Callable[[], None]] | None = None,
    share: Callable[[], bool] = lambda: True,
) -> tuple[list[Directive], LedgerFacts]:
    """Run Beancount's loader on ``path``; return the entries and the facts drawn from them.

    ``progress`` is called with the name of each stage as it starts: "parsing",
    "booking", "running plugins", "validating". Files whose bytes have not changed
    since they were last parsed are not parsed again (see
    :mod:`acct_tool.books.parse_cache`) unless ``use_cache`` is False or the cache
    is turned off; with ``parse_writes``, the parses to cache are written when the
    caller runs what it collects there, not now.

    With ``settle``, Beancount's validation may run in a child process (see
    :mod:`acct_tool.books.aside`) while the caller goes on: the facts' diagnostics lack
    what it finds until the function added to ``settle`` is called, which computes here
    what the child has not begun yet, waits for the rest and puts the findings where a
    validation in this process would have. With ``let_go`` too, the function added to it
    is to be called when the caller lets go of the entries: for a small ledger, when
    ``share()`` says so then, it computes this process's share (see :data:`SHARE_BELOW`).
    """
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

    from acct_tool.books import beancount_load  # with its booking stages: only for a ledger really loaded

    started = time.time_ns()
    # The loader allocates millions of small objects and creates no cycles worth
    # collecting; pausing the cyclic collector makes it markedly faster.
    enabled = gc.isenabled()
    gc.disable()
    # What plugins print would end up in the middle of the command's own output
    # (JSON, CSV...): it is kept, and reported as a diagnostic instead.
    printed = PluginOutput()
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            use = parse_cache.enabled() if use_cache is None else use_cache
            entries, errors, options, validating = beancount_load.load(
                loader,
                path,
                validation.HARDCORE_VALIDATIONS,
                progress=progress,
                use_cache=use,
                parse_writes=parse_writes,
                validate_aside=settle is not None,
            )
    except (Exception, SystemExit) as exc:  # a plugin that raises at import time, or exits
        wide = too_wide_amounts(loader, path, root, exc) if isinstance(exc, decimal.DecimalException) else []
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
    facts.currency_uses = currency_uses(options.get("dcontext"))
    facts.diagnostics = [to_diagnostic(e, root, path, facts.files) for e in errors]
    at = len(facts.diagnostics)  # the validation's findings come after the load's, before what plugins printed
    facts.diagnostics += printed.diagnostics(facts.files or (str(path),), root, main)
    _scan(entries, facts, root)
    plugins = [name for name, _ in options.get("plugin") or () if isinstance(name, str)]
    # what the facts are saved with in the cache: not read again (21 MB at 100k) for a load that saves none
    facts.inputs = track_inputs(path, facts.files, plugins, root, started) if use else None

    def finish() -> None:
        nonlocal at
        if at < 0:
            return
        try:
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
                found = beancount_load.validation_errors(validating)
        except (Exception, SystemExit) as exc:  # a validation that raised in the child and again here
            found = []
            facts.diagnostics.append(diag("ledger-plugin", f"loading the ledger failed: {type(exc).__name__}: {exc}", Location(main)))
            facts.failed, facts.inputs = True, None
        facts.diagnostics[at:at] = [to_diagnostic(e, root, path, facts.files) for e in found]
        if validating.fell_back:  # validated what a second load read: the files may have changed since the first
            facts.inputs = None
        at = -1

    if settle is None:
        finish()
    else:
        settle.append(finish)
        if let_go is not None and isinstance(validating, aside.Shared):
            small, shared = len(entries) < SHARE_BELOW, validating
            let_go.append(lambda: shared.help() if small and share() else shared.let_go())
    return entries, facts


def _settled() -> None:
    """Nothing left to wait for."""


def _run(jobs: list[Callable[[], None]]) -> None:
    while jobs:
        jobs.pop(0)()


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


def currency_uses(dcontext: Any) -> dict[str, int]:
    """Currency -> how many numbers the ledger writes in it."""
    out: dict[str, int] = {}
    for currency, context in sorted(getattr(dcontext, "ccontexts", {}).items()):
        if currency == "__default__" or not isinstance(currency, str):
            continue
        hist = getattr(getattr(context, "fractional_dist", None), "hist", None)
        if hist:
            out[currency] = sum(hist.values())
    return out


def _scan(entries: Iterable[Directive], facts: LedgerFacts, root: Path) -> None:
    """Opened accounts, and where and when each account is first posted to."""
    first = facts.first_use
    count = 0
    for entry in entries:
        kind = type(entry).__name__
        if kind == "Transaction":
            count += 1
            if entry.flag == "!" or any(p.flag == "!" for p in entry.postings):
                meta = entry.meta or {}
                line = meta.get("lineno")
                facts.flagged.append(Location(display_path(meta.get("filename") or "", root) or "", line if isinstance(line, int) else None))
            for posting in entry.postings:
                if posting.account not in first:
                    meta = posting.meta or entry.meta or {}
                    filename = meta.get("filename") or ""
                    line = meta.get("lineno")
                    first[posting.account] = Location(display_path(filename, root) or "", line if isinstance(line, int) else None)
                    facts.first_date[posting.account] = entry.date  # entries come sorted by date
        elif kind == "Open" and entry.account not in facts.opens:
            facts.opens[entry.account] = OpenFact(entry.account, entry.date, tuple(entry.currencies or ()))
    facts.transactions = count


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
    #: The other accounts the transaction posts to, sorted (what drafts learn counter accounts from).
    counter: tuple[str, ...] = ()


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
                    counter=tuple(sorted({p.account for p in entry.postings} - {account})),
                )
            )
    return out
