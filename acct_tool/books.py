"""A books repository loaded once: settings, ledger, parties and every diagnostic found.

Loading never raises for bad user data; only a books root that cannot be found
or read raises :class:`BooksError` (a request that cannot start).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from acct_tool import cache
from acct_tool.crosscheck import cross_check
from acct_tool.diagnostics import Diagnostic, Severity, sort_diagnostics
from acct_tool.inputs import broken_link
from acct_tool.ledger import AccountPosting, Ledger, account_postings
from acct_tool.parties import Party
from acct_tool.party_postings import PartyPosting, extract_party_postings
from acct_tool.profiles import PROFILE_SUFFIXES, load_parties
from acct_tool.revenue import Attribution, attribute_transactions, attribution_key
from acct_tool.settings import SETTINGS_FILE, Settings, load_settings

ENV_BOOKS = "ACCT_TOOL_BOOKS"


class BooksError(Exception):
    """The books root cannot be found or read; the message says how to fix it."""


@dataclass
class Books:
    root: Path
    settings: Settings
    ledger: Ledger
    parties: dict[str, Party]
    as_of: datetime.date
    diagnostics: list[Diagnostic] = field(default_factory=list)
    use_cache: bool = False

    @property
    def precisions(self) -> dict[str, int]:
        """Decimal places per currency, as the ledger writes them (see :mod:`acct_tool.money`)."""
        return self.ledger.facts.precisions

    def _derived(self, kind: str, key: Any, compute: Callable[[], Any]) -> Any:
        """A fact drawn from the ledger that depends on profiles or settings.

        Stored in the ledger's facts under ``key`` (exactly what it depends on) so
        that the cache can serve it; computed from the entries -- loading the
        ledger if it came from the cache -- when missing.
        """
        store = self.ledger.facts.derived.setdefault(kind, {})
        if cache.decoded(store, key):
            return store[key]
        value = compute()
        store = self.ledger.facts.derived.setdefault(kind, {})  # the load may have replaced the facts
        store.clear()  # one variant per kind: the current profiles' and settings'
        store[key] = value
        if self.use_cache:
            cache.save_facts(self.ledger.path, self.root, self.ledger.facts)
        return value

    def party_postings(self) -> list[PartyPosting]:
        """Postings to every party's receivable and payable account."""
        accounts = tuple(sorted({a for p in self.parties.values() for a in (p.receivable, p.payable) if a}))
        result: list[PartyPosting] = self._derived(
            "party_postings", accounts, lambda: extract_party_postings(self.ledger.transactions(), accounts, self.root, self._cash_roots())
        )
        return result

    def _cash_roots(self) -> tuple[str, ...]:
        options = self.ledger.options
        return (str(options.get("name_assets") or "Assets"), str(options.get("name_liabilities") or "Liabilities"))

    def attribution(self) -> Attribution:
        """Income postings attributed to clients (see :mod:`acct_tool.revenue`)."""
        key = attribution_key(self.parties.values())
        income_root = str(self.ledger.options.get("name_income") or "Income")
        result: Attribution = self._derived(
            "attribution", (income_root, key), lambda: attribute_transactions(self.ledger.transactions(), self.parties.values(), income_root, self.root)
        )
        return result

    def account_postings(self, account: str) -> list[AccountPosting]:
        """Every posting to exactly ``account``, in ledger order (for bank reconciliation)."""
        store = self.ledger.facts.derived.setdefault("account_postings", {})
        if not cache.decoded(store, account):
            value = account_postings(self.ledger.entries, account)
            store = self.ledger.facts.derived.setdefault("account_postings", {})  # the load may have replaced the facts
            store[account] = value
            if self.use_cache:
                cache.save_facts(self.ledger.path, self.root, self.ledger.facts)
        result: list[AccountPosting] = store[account]
        return result


def find_root(explicit: str | None = None, start: Path | None = None) -> Path:
    """``--books``, else ``$ACCT_TOOL_BOOKS``, else the nearest folder upwards holding acct-tool.yaml."""
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


def load_books(root: Path, as_of: datetime.date, *, use_cache: bool | None = None) -> Books:
    """Load settings, ledger and profiles, then cross-check them.

    With the cache (the default unless it is turned off), unchanged files are not
    read again and an unchanged ledger is not loaded at all (see :mod:`acct_tool.cache`).
    """
    use = cache.enabled() if use_cache is None else use_cache
    memo = cache.load_parsed(root) if use else None
    before = cache.digests(memo) if memo is not None else None
    settings, problems = load_settings(root, memo.setdefault("settings", {}) if memo is not None else None)
    ledger_path = root / settings.ledger
    ledger = Ledger(ledger_path, root, cache.load_facts(ledger_path, root) if use else None)
    problems += ledger.diagnostics  # loads the ledger when the cache could not serve it
    if settings.operating_currency is None:
        settings = replace(settings, operating_currency=(ledger.operating_currencies or ["USD"])[0])
    parties, party_problems = load_parties(root, settings.profiles, memo.setdefault("profiles", {}) if memo is not None else None)
    problems += party_problems
    books = Books(root=root, settings=settings, ledger=ledger, parties=parties, as_of=as_of, use_cache=use)
    problems += cross_check(books)
    books.diagnostics = sort_diagnostics(problems)
    if use and memo is not None:
        cache.save_parsed(root, memo, before)
    if use and ledger.loaded:
        # The ledger had to be loaded: draw the facts the next command will want, then cache them.
        books.party_postings()
        books.attribution()
        for statement in settings.statements.files:
            if statement.account:
                books.account_postings(statement.account)
        cache.save_facts(ledger_path, root, ledger.facts)
    return books


def profile_load_errors(party_id: str, diagnostics: Iterable[Diagnostic], folder: str) -> tuple[str, list[Diagnostic]] | None:
    """The profile file named for ``party_id`` (under the profiles ``folder``) that has
    errors, with them, or None: why no loaded party has an id although a file does."""
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
