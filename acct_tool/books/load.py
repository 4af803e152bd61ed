"""A books repository loaded once: settings, ledger, parties and every diagnostic found.

Loading never raises for bad user data; only a books root that cannot be found
or read raises :class:`BooksError` (a request that cannot start).
"""

from __future__ import annotations

import datetime
import functools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeAlias

from acct_tool.books.inputs import broken_link
from acct_tool.diagnostics import Diagnostic, Severity, sort_diagnostics

# What loading needs (YAML, the ledger, the checks, the engines that draw facts) is
# imported when the books are loaded, not when this module is: the command line
# imports it to declare what commands need, and `--version` or `--help` load nothing.
if TYPE_CHECKING:
    from acct_tool.books.cash_facts import CashFacts
    from acct_tool.books.financial_facts import Balance
    from acct_tool.books.ledger import AccountPosting, Ledger
    from acct_tool.books.parties import Party
    from acct_tool.books.party_postings import PartyPosting
    from acct_tool.books.profiles import ParseMemo
    from acct_tool.books.settings import Settings
    from acct_tool.engines.receivables import Classified, OpenItems, Side
    from acct_tool.engines.revenue import Attribution

ENV_BOOKS = "ACCT_TOOL_BOOKS"


class BooksError(Exception):
    """The books root cannot be found or read; the message says how to fix it."""


@dataclass(frozen=True)
class Needs:
    """What a command will draw from the ledger, declared before the books are loaded.

    The load draws exactly these (from the cache when it can) and then lets go of
    Beancount's entries unless ``entries`` is asked for (the command reads them itself).
    """

    party_postings: bool = False
    attribution: bool = False
    #: Accounts whose every posting the command reads (bank reconciliation).
    accounts: frozenset[str] = frozenset()
    entries: bool = False


#: What :func:`load_books` draws when it is not told: the facts most engines read.
DEFAULT_NEEDS = Needs(party_postings=True, attribution=True)

#: The needs, or how to tell them from the settings (a statement's account is named there).
NeedsSpec: TypeAlias = "Needs | Callable[[Settings], Needs]"


class UndeclaredNeed(RuntimeError):
    """A fact was asked of the books that the load was not told to draw (a programmer error)."""


class _AccountPostings(Mapping[str, "tuple[AccountPosting, ...]"]):
    """The postings of the declared accounts; any other account is an :class:`UndeclaredNeed`."""

    def __init__(self, drawn: dict[str, tuple[AccountPosting, ...]]) -> None:
        self._drawn = drawn

    def __getitem__(self, account: str) -> tuple[AccountPosting, ...]:
        if account not in self._drawn:
            raise UndeclaredNeed(f"the postings of {account} were not drawn: declare Needs(accounts=frozenset({{{account!r}}})) when loading the books")
        return self._drawn[account]

    def __iter__(self) -> Iterator[str]:
        return iter(self._drawn)

    def __len__(self) -> int:
        return len(self._drawn)


@dataclass(frozen=True)
class Books:
    """The loaded books, with the facts the command declared already drawn from the ledger."""

    root: Path
    settings: Settings
    ledger: Ledger
    parties: Mapping[str, Party]
    as_of: datetime.date
    needs: Needs = field(default_factory=Needs)
    #: What identifies the settings and the loaded profiles' content, when the cache is on.
    inputs_key: str | None = field(default=None, repr=False)
    #: Set when a fact was derived after the load (see :meth:`derived`), so the cache is written.
    _changed: list[bool] = field(default_factory=list, repr=False)
    #: Each side's postings classified, once per command (see :meth:`classified`).
    _classified: dict[str, Classified] = field(default_factory=dict, repr=False)
    #: How to get each declared fact: already drawn, or decoded from the cache on first use.
    _party_postings: Callable[[], tuple[PartyPosting, ...]] | None = field(default=None, repr=False)
    _attribution: Callable[[], Attribution] | None = field(default=None, repr=False)
    _account_postings: Mapping[str, tuple[AccountPosting, ...]] = field(default_factory=lambda: _AccountPostings({}), repr=False)
    #: The problems found in loading, gathered when first asked for (see :attr:`diagnostics`).
    _problems: Callable[[], Iterable[Diagnostic]] = field(default=tuple, repr=False)
    #: Draws the declared facts not drawn yet (see :meth:`release`).
    _drawn_last: Callable[[], None] = field(default=lambda: None, repr=False)

    def release(self) -> None:
        """Let go of the ledger's entries, for a command that kept them (``Needs.entries``)
        and has read what it reads of them: the declared facts not drawn yet are drawn
        first, the last of them freeing the entries as it reads them."""
        self._drawn_last()
        self.ledger.release()

    @functools.cached_property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Every problem found in loading the books, sorted by file and line. The ledger's
        validation may still be running aside (see :mod:`acct_tool.books.aside`) until
        these are first asked for: a command asks once it has computed what it shows."""
        return tuple(sort_diagnostics(self._problems()))

    @property
    def precisions(self) -> dict[str, int]:
        """Decimal places per currency, as the ledger writes them (see :mod:`acct_tool.money`)."""
        return self.ledger.facts.precisions

    def derived(self, kind: str, key: Any, compute: Callable[[], Any]) -> Any:
        """A result computed from the books (not only the ledger), cached with the ledger's
        facts under ``key`` -- which must hold everything it depends on besides the ledger,
        e.g. the as-of date and :attr:`inputs_key` -- and computed on a miss. Without a
        key (the cache is off) it is just computed."""
        if key is None:
            return compute()
        from acct_tool.books import cache

        store = self.ledger.facts.derived.setdefault(kind, {})
        if cache.decoded(store, key):
            return store[key]
        value = compute()
        store.clear()  # one variant per kind: the latest as-of date and inputs
        store[key] = value
        self._changed.append(True)
        return value

    @property
    def party_postings(self) -> tuple[PartyPosting, ...]:
        """Postings to every party's receivable and payable account."""
        if self._party_postings is None:
            raise UndeclaredNeed("the party postings were not drawn: declare Needs(party_postings=True) when loading the books")
        return self._party_postings()

    @property
    def attribution(self) -> Attribution:
        """Income postings attributed to clients (see :mod:`acct_tool.engines.revenue`)."""
        if self._attribution is None:
            raise UndeclaredNeed("the revenue attribution was not drawn: declare Needs(attribution=True) when loading the books")
        return self._attribution()

    def open_items(self, side: Side) -> OpenItems:
        """The open items of one side at the as-of date (see :func:`acct_tool.engines.receivables.open_items`),
        cached with the ledger's facts: a warm command neither allocates nor reads the party postings."""

        def compute() -> OpenItems:
            return self.classified(side).at(self.as_of)

        key = (self.as_of.toordinal(), self.inputs_key) if self.inputs_key is not None else None
        items: OpenItems = self.derived(f"open_items_{side.value}", key, compute)
        return items if items.parties else replace(items, parties=dict(self.parties))

    def classified(self, side: Side) -> Classified:
        """The party postings of one side classified (:class:`~acct_tool.engines.receivables.Classified`):
        what the open items at any date are allocated from. Built once per command, so that
        the open items at the as-of date and those at the month ends a review reads share it."""
        from acct_tool.engines.receivables import Classified

        found = self._classified.get(side.value)
        if found is None:
            found = self._classified[side.value] = Classified(self.party_postings, self.parties, self.settings, side, self.precisions)
        return found

    @property
    def account_postings(self) -> Mapping[str, tuple[AccountPosting, ...]]:
        """Every posting to exactly each declared account, in ledger order (for bank reconciliation)."""
        return self._account_postings

    def cash_facts(self) -> CashFacts:
        """The cash accounts' postings, ``balance`` assertions and currencies -- cached with the
        ledger's facts, so that a warm ``cash`` or firm page loads no ledger -- with the
        statements filed for them (read from their files each time)."""
        from acct_tool.books.cash_facts import cash_accounts, cash_ledger, with_statements

        ledger = self.ledger
        opens = ledger.opens()
        accounts = cash_accounts(opens, self.settings, str(ledger.options.get("name_assets") or "Assets"))
        drawn: CashFacts = self.derived("cash_ledger", accounts, lambda: cash_ledger(ledger.entries, opens, accounts))
        return with_statements(drawn, self.settings, self.root)

    def income_movements(self, spans: Sequence[tuple[datetime.date, datetime.date]]) -> tuple[tuple[Balance, ...], ...]:
        """The income and expense accounts' movements over each of ``spans`` (first and last
        day), as :meth:`FinancialFacts.movements <acct_tool.books.financial_facts.FinancialFacts.movements>`
        draws them from the entries; cached with the ledger's facts."""
        from acct_tool.books.financial_facts import from_ledger

        ledger = self.ledger

        def compute() -> tuple[tuple[Balance, ...], ...]:
            facts = from_ledger(ledger.entries, ledger.path, ledger.options)
            return tuple(facts.movements(start, end) for start, end in spans)

        key = tuple((start.toordinal(), end.toordinal()) for start, end in spans)
        drawn: tuple[tuple[Balance, ...], ...] = self.derived("income_movements", key, compute)
        return drawn


def _with_ledger_currencies(parties: dict[str, Party], ledger: Ledger) -> dict[str, Party]:
    """Each party with the currencies its account's ``open`` line allows, for the parties
    that name none themselves, when neither the settings nor the ledger name an operating
    currency (see :func:`acct_tool.engines.allocation.party_currencies`)."""
    if ledger.failed:
        return parties
    opens = ledger.opens()
    out = {}
    for pid, party in parties.items():
        account = party.receivable or party.payable
        opened = opens.get(account) if account else None
        allowed = tuple(opened.currencies) if opened is not None else ()
        out[pid] = replace(party, ledger_currencies=allowed) if allowed and not party.currencies else party
    return out


def find_root(explicit: str | None = None, start: Path | None = None) -> Path:
    """``--books``, else ``$ACCT_TOOL_BOOKS``, else the nearest folder upwards holding acct-tool.yaml."""
    from acct_tool.books.settings import SETTINGS_FILE

    given = explicit or os.environ.get(ENV_BOOKS)
    if given:
        root = Path(given).expanduser()
        link = broken_link(root)
        if link:
            raise BooksError(f"books folder {given} is {link}")
        if not root.exists():
            raise BooksError(f"books folder {given} does not exist")
        if not root.is_dir():
            raise BooksError(f"books folder {given} is not a folder")
        if not os.access(root, os.R_OK | os.X_OK):
            raise BooksError(f"books folder {given} cannot be read (permissions)")
        return root.resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        marker = folder / SETTINGS_FILE
        # A broken link still marks the books (as a name, it exists): loading then
        # reports it, instead of settling on books further up or on none.
        if marker.is_file() or marker.is_symlink():
            return folder
    raise BooksError(
        f"no books found: no {SETTINGS_FILE} in {here} or any folder above it. Run acct-tool inside a books repository, pass --books DIR, or set {ENV_BOOKS}."
    )


#: Takes the cache writes of a load, to run them once the command has written its output.
Later = Callable[[Callable[[], None]], None]


def load_books(
    root: Path,
    as_of: datetime.date,
    *,
    use_cache: bool | None = None,
    needs: NeedsSpec = DEFAULT_NEEDS,
    later: Later | None = None,
    progress: Callable[[str], None] | None = None,
    aside: bool = False,
) -> Books:
    """Load settings, ledger and profiles, cross-check them, and draw the facts ``needs`` declares.

    With the cache (the default unless it is turned off), unchanged files are not
    read again and an unchanged ledger is not loaded at all (see :mod:`acct_tool.books.cache`);
    the ledger's facts are written to it at most once, and only when something new was
    drawn or the ledger had to be loaded; nothing is drawn that ``needs`` does not declare. Beancount's entries are let go at the end
    unless ``needs.entries``.

    With ``later``, the cache is not written now: the writes are handed to it, for
    the command line to run once the output is flushed (the user sees the answer first).
    ``progress`` is told what the load is doing ("loading ledger: parsing…", "drawing
    facts…") when it does something slow: loading the ledger, drawing facts from it.
    With ``aside``, Beancount's validation may run in a child process while the
    profiles are read and the facts drawn, and a load with nothing cached reads many
    profiles in another beside the ledger (see :mod:`acct_tool.books.aside`); the
    books returned are the same either way.
    """
    from acct_tool.books import cache, cache_lock
    from acct_tool.books.drawer import LOADING, Drawer
    from acct_tool.books.ledger import Ledger
    from acct_tool.books.settings import load_settings
    from acct_tool.checks.crosscheck import cross_check

    use = cache.enabled() if use_cache is None else use_cache
    if use:
        cache_lock.wait_for_writers()  # a command that just returned may still be writing it
    memo = cache.load_parsed(root) if use else None
    before = cache.digests(memo) if memo is not None else None
    settings, problems = load_settings(root, memo.setdefault("settings", {}) if memo is not None else None)
    ledger_path = root / settings.ledger
    facts = cache.load_facts(ledger_path, root) if use else None
    profiles_memo = memo.setdefault("profiles", {}) if memo is not None else None
    # A load with nothing cached reads the profiles in a child process, beside the ledger.
    reading = _read_profiles(root, settings.profiles, profiles_memo, beside=aside and facts is None and not profiles_memo)
    stage = (lambda step: progress(f"loading ledger: {step}…")) if progress is not None else None
    parse_writes: list[Callable[[], None]] = []
    ledger = Ledger(ledger_path, root, facts, progress=stage, use_cache=use, parse_writes=parse_writes if later is not None else None, validate_aside=aside)
    if facts is None and progress is not None:
        progress(LOADING)
    ledger.facts  # noqa: B018 - loads the ledger when the cache could not serve it; its validation may go on aside
    named_currency = settings.operating_currency is not None or bool(ledger.operating_currencies)
    if settings.operating_currency is None:
        settings = replace(settings, operating_currency=ledger.main_currency or "USD")
    parties, party_problems = reading()
    ledger.share_validation = not parties  # with parties, the command has their facts to draw while the child validates
    if not named_currency:
        parties = _with_ledger_currencies(parties, ledger)
    frozen_parties = MappingProxyType(parties)
    crossed = cross_check(ledger, frozen_parties, settings)
    writes: list[Callable[[], None]] = []
    if use and later is not None:  # the parses of files that changed, whenever the ledger is loaded
        writes.append(functools.partial(_run_all, parse_writes))
    if use and memo is not None:
        writes.append(functools.partial(cache.save_parsed, root, memo, before))

    need = needs(settings) if callable(needs) else needs
    # the entries are at hand (not all facts from the cache): a large ledger's may be read aside too
    drawing_aside = aside and ledger.loaded and ledger.facts.transactions >= ASIDE_MIN_TRANSACTIONS
    drawer = Drawer(root, ledger, frozen_parties, settings, progress, aside=drawing_aside)
    drawn = _AccountPostings({account: drawer.account_postings(account) for account in sorted(need.accounts)})
    attribution = drawer.later(drawer.attribution) if need.attribution else None
    # The party postings last: drawn from the entries, they free each entry as they read it
    # when nothing reads the entries after them, and take the memory the entries held. A
    # command that reads the entries itself has them drawn when it lets go of the entries
    # (:meth:`Books.release`), or when it first asks for them.
    party_postings = drawer.later(drawer.party_postings, now=not need.entries, last=True) if need.party_postings else None

    def gather() -> list[Diagnostic]:
        return [*problems, *ledger.diagnostics, *party_problems, *crossed]  # the validation's findings too, once it is done

    books = Books(
        root=root,
        settings=settings,
        ledger=ledger,
        parties=frozen_parties,
        as_of=as_of,
        needs=need,
        inputs_key=_inputs_key(memo, parties, settings) if memo is not None else None,
        _party_postings=party_postings,
        _attribution=attribution,
        _account_postings=drawn,
        _problems=gather,
        _drawn_last=drawer.draw_pending,
    )
    # Only the declared facts are drawn: each is cached on its own, and a later
    # command that needs one the cache lacks draws it then (loading the ledger).
    drawer.on_computed = lambda: books._changed.append(True)
    if use and (ledger.loaded or drawer.computed):
        writes.append(functools.partial(_save_facts, ledger_path, root, ledger))
    elif use and later is not None:  # a result the command derives from the books may still need saving
        writes.append(lambda: _save_facts(ledger_path, root, ledger) if books._changed else None)
    if not need.entries:
        ledger.release()  # what is drawn from the entries is drawn already
    for write in writes:
        if later is None:
            write()
        else:
            later(write)
    return books


#: Fewer profiles than this are read faster than a child process starts and hands them back.
ASIDE_MIN_PROFILES = 8
#: Below this many transactions drawing a fact in a child process (see
#: :meth:`~acct_tool.books.drawer.Drawer._derived`) saves no time that can be measured: at
#: 10k transactions the attribution takes ~0.1 s, and the child costs about what it saves.
ASIDE_MIN_TRANSACTIONS = 20_000


def _count_profiles(folder: Path) -> int:
    """How many profile files ``folder`` holds, counted up to :data:`ASIDE_MIN_PROFILES`."""
    from acct_tool.books.profiles import PROFILE_SUFFIXES

    count = 0
    for _, _, files in os.walk(folder):
        count += sum(1 for name in files if name.endswith(PROFILE_SUFFIXES))
        if count >= ASIDE_MIN_PROFILES:
            break
    return count


def _read_profiles(root: Path, folder: str, memo: ParseMemo | None, *, beside: bool) -> Callable[[], tuple[dict[str, Party], list[Diagnostic]]]:
    """:func:`~acct_tool.books.profiles.load_parties`, in a child process when ``beside`` (see
    :mod:`acct_tool.books.aside`): the function returned gives its answer, and puts what the
    child parsed into ``memo``."""
    from acct_tool.books.aside import aside
    from acct_tool.books.profiles import load_parties

    def read() -> tuple[dict[str, Party], list[Diagnostic], ParseMemo | None]:
        parties, problems = load_parties(root, folder, memo)
        return parties, problems, memo

    if not beside or _count_profiles(root / folder) < ASIDE_MIN_PROFILES:
        return lambda: load_parties(root, folder, memo)
    pending = aside(read)

    def result() -> tuple[dict[str, Party], list[Diagnostic]]:
        parties, problems, parsed = pending.result()
        if memo is not None and parsed is not None and parsed is not memo:
            memo.update(parsed)
        return parties, problems

    return result


def _inputs_key(memo: Mapping[str, Mapping[str, tuple[str, Any]]], parties: Mapping[str, Party], settings: Settings) -> str:
    """A digest of the settings file's and the loaded profiles' content (a deleted profile
    leaves the key), for results that depend on them (see :meth:`Books.derived`)."""
    import hashlib

    files = {p.file for p in parties.values()}
    parts = sorted((kind, path, entry[0]) for kind, entries in memo.items() for path, entry in entries.items() if kind == "settings" or path in files)
    return hashlib.sha256(repr((parts, settings.operating_currency)).encode()).hexdigest()


def _run_all(writes: list[Callable[[], None]]) -> None:
    for write in writes:
        write()


def _save_facts(ledger_path: Path, root: Path, ledger: Ledger) -> None:
    from acct_tool.books import cache

    ledger.settle()  # a load after this one's may still be validating
    cache.save_facts(ledger_path, root, ledger.facts)  # looked up when it runs, not when it is handed on


def profile_load_errors(party_id: str, diagnostics: Iterable[Diagnostic], folder: str) -> tuple[str, list[Diagnostic]] | None:
    """The profile file named for ``party_id`` (under the profiles ``folder``) that has
    errors, with them, or None: why no loaded party has an id although a file does."""
    from acct_tool.books.profiles import PROFILE_SUFFIXES

    inside = PurePosixPath(folder)
    by_file: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        if d.severity is not Severity.ERROR or not d.file:
            continue
        shown = PurePosixPath(d.file)
        if shown.stem == party_id and shown.suffix in PROFILE_SUFFIXES and (folder in ("", ".") or shown.is_relative_to(inside)):
            by_file.setdefault(d.file, []).append(d)
    if not by_file:
        return None
    first = sorted(by_file)[0]
    return first, sort_diagnostics(by_file[first])


def unknown_party(party_id: str, diagnostics: Iterable[Diagnostic], folder: str) -> str:
    """The message for an id that no loaded party has: the profile file of that id that
    failed to load and its first error, when there is one."""
    found = profile_load_errors(party_id, diagnostics, folder)
    if found is None:
        return f"no party with id '{party_id}'"
    file, errors = found
    where = f" (line {errors[0].line})" if errors[0].line else ""
    return f"{file} could not be read as party '{party_id}': {errors[0].message}{where}; run `acct-tool check`"
