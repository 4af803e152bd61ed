"""A books repository loaded once: settings, ledger, parties and every diagnostic found.

Loading never raises for bad user data; only a books root that cannot be found
or read raises :class:`BooksError` (a request that cannot start).
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from acct_tool.crosscheck import cross_check
from acct_tool.diagnostics import Diagnostic, sort_diagnostics
from acct_tool.ledger import Ledger, load_ledger
from acct_tool.parties import Party, load_parties
from acct_tool.receivables import PartyPosting, extract_party_postings
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
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def party_postings(self) -> list[PartyPosting]:
        """Postings to every party's receivable and payable account, extracted once."""
        if "party_postings" not in self._memo:
            accounts = {a for p in self.parties.values() for a in (p.receivable, p.payable) if a}
            self._memo["party_postings"] = extract_party_postings(self.ledger.transactions(), accounts, self.root)
        result: list[PartyPosting] = self._memo["party_postings"]
        return result

    def party_for_account(self) -> dict[str, Party]:
        """Receivable and payable accounts -> the party that claims them (first by id)."""
        out: dict[str, Party] = {}
        for party in self.parties.values():
            for account in (party.receivable, party.payable):
                if account:
                    out.setdefault(account, party)
        return out


def find_root(explicit: str | None = None, start: Path | None = None) -> Path:
    """``--books``, else ``$ACCT_TOOL_BOOKS``, else the nearest folder upwards holding acct-tool.yaml."""
    given = explicit or os.environ.get(ENV_BOOKS)
    if given:
        root = Path(given).expanduser()
        if not root.exists():
            raise BooksError(f"books folder {given} does not exist")
        if not root.is_dir():
            raise BooksError(f"books folder {given} is not a folder")
        if not os.access(root, os.R_OK | os.X_OK):
            raise BooksError(f"books folder {given} cannot be read (permissions)")
        return root.resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    raise BooksError(
        f"no books found: no {SETTINGS_FILE} in {here} or any folder above it. "
        f"Run acct-tool inside a books repository, pass --books DIR, or set {ENV_BOOKS}."
    )


def load_books(root: Path, as_of: datetime.date) -> Books:
    """Load settings, ledger and profiles, then cross-check them."""
    settings, problems = load_settings(root)
    ledger = load_ledger(root / settings.ledger, root)
    problems += ledger.diagnostics
    if settings.operating_currency is None:
        settings = replace(settings, operating_currency=(ledger.operating_currencies or ["USD"])[0])
    parties, party_problems = load_parties(root, settings.profiles)
    problems += party_problems
    books = Books(root=root, settings=settings, ledger=ledger, parties=parties, as_of=as_of)
    problems += cross_check(books)
    books.diagnostics = sort_diagnostics(problems)
    return books
