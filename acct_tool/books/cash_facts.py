"""What the cash position reads from the books: the bank and cash accounts, their postings,
their ``balance`` assertions, and the bank statements filed for them.

The accounts come from the settings' ``cash_accounts`` (accounts, or prefixes naming every
opened account under them), else every opened account under ``<Assets>:Bank`` and
``<Assets>:Cash`` (``<Assets>`` is the ledger's ``name_assets`` option). Postings and
assertions are read from Beancount's entries; statements from the files that
``statements.files`` globs match, read in their format (see docs/cash.md, "Position").
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from acct_tool.books.globs import glob_matches
from acct_tool.books.settings import BUILTIN_STATEMENT_FORMATS, Settings, account_key

if TYPE_CHECKING:
    from acct_tool.books.ledger import AccountPosting, OpenFact


@dataclass(frozen=True)
class BalanceAssertion:
    """A ``balance`` directive: the account held ``number`` ``currency`` at the start of ``date``."""

    account: str
    date: datetime.date
    number: Decimal
    currency: str


@dataclass(frozen=True)
class StatementPeriod:
    """A bank statement file filed for an account, and the last date its lines cover."""

    account: str
    file: str
    end: datetime.date


@dataclass(frozen=True)
class CashFacts:
    accounts: tuple[str, ...]
    postings: Mapping[str, tuple[AccountPosting, ...]]
    assertions: Mapping[str, tuple[BalanceAssertion, ...]]
    statements: tuple[StatementPeriod, ...] = ()
    #: Every account opened in the ledger, with its currencies (a cash account with no posting yet shows at zero).
    currencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def cash_accounts(opens: Mapping[str, OpenFact], settings: Settings, assets_root: str = "Assets") -> tuple[str, ...]:
    """The opened accounts that ``settings.cash_accounts`` names (an account, or every account under a prefix)."""
    named = settings.cash_accounts or (f"{assets_root}:Bank", f"{assets_root}:Cash")
    return tuple(sorted(a for a in opens if any(a == n or a.startswith(n + ":") for n in named)))


def cash_ledger(entries: Iterable[Any], opens: Mapping[str, OpenFact], accounts: tuple[str, ...]) -> CashFacts:
    """What the ledger alone says of the cash ``accounts``: their postings, ``balance`` assertions
    and currencies (no statements: those are files of their own; see :func:`with_statements`)."""
    from acct_tool.books.ledger import account_postings

    listed = list(entries)
    assertions: dict[str, list[BalanceAssertion]] = {a: [] for a in accounts}
    for entry in listed:
        if type(entry).__name__ == "Balance" and entry.account in assertions:
            assertions[entry.account].append(BalanceAssertion(entry.account, entry.date, entry.amount.number, entry.amount.currency))
    postings = {a: tuple(account_postings(listed, a)) for a in accounts}
    return CashFacts(
        accounts=accounts,
        postings=postings,
        assertions={a: tuple(v) for a, v in assertions.items()},
        currencies={a: opens[a].currencies for a in accounts},
    )


def with_statements(facts: CashFacts, settings: Settings, root: Path) -> CashFacts:
    """``facts`` with the statements filed for its accounts (read from the files each time)."""
    return replace(facts, statements=tuple(s for s in statement_periods(settings, root) if s.account in facts.accounts))


def statement_periods(settings: Settings, root: Path) -> list[StatementPeriod]:
    """Every statement file under ``root`` that a ``statements.files`` glob matches, with its
    account (the entry's, else the one ``statements.accounts`` maps the file's account id to)
    and its last line's date. Files that cannot be read, have no lines or no known account
    are left out; ``reconcile bank`` reports their problems."""
    from acct_tool.engines.statements import parse_any, read_bytes

    found = []
    for relative in _candidates(settings, root):
        entry = next(f for f in settings.statements.files if glob_matches(f.match, relative))
        name = entry.format
        if name == "beangulp" or entry.importer is not None:
            continue  # an importer is code to run; `reconcile bank` runs it
        raw, _problems = read_bytes(root / relative, relative)
        if raw is None:
            continue
        if name is None:
            from acct_tool.engines.bank_formats.detect import detect

            name = detect(raw)
        if name is None or (name not in settings.statements.formats and name not in BUILTIN_STATEMENT_FORMATS):
            continue
        parsed = parse_any(raw, relative, name, settings.statements.formats)
        account = entry.account or parsed.ledger_account
        if account is None:
            mapped = settings.statements.accounts
            account = next((mapped[account_key(i)] for i in parsed.account_ids if account_key(i) in mapped), None)
        if account is None or not parsed.lines:
            continue
        found.append(StatementPeriod(account, relative, max(line.date for line in parsed.lines)))
    return found


def _candidates(settings: Settings, root: Path) -> list[str]:
    """The files (relative, ``/``-separated) under the folders the globs start in that some glob matches."""
    out: set[str] = set()
    for entry in settings.statements.files:
        parts = PurePosixPath(entry.match.strip().removeprefix("./")).parts
        fixed = []
        for part in parts[:-1]:
            if any(c in part for c in "*?["):
                break
            fixed.append(part)
        folder = root.joinpath(*fixed)
        if not folder.is_dir() or ".." in fixed:
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for filename in filenames:
                relative = Path(dirpath, filename).relative_to(root).as_posix()
                if glob_matches(entry.match, relative):
                    out.add(relative)
    return sorted(out)
