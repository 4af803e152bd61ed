"""The records every statement format reads into: lines, and what the file says about itself."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from acct_tool.diagnostics import Diagnostic


@dataclass(frozen=True)
class StatementLine:
    """One transaction line of a statement, with the amount as the account sees it.

    A row whose amount cells are all blank but whose balance is set (``Opening
    balance``, ``Closing balance``; an OFX ``LEDGERBAL``, a CAMT.053 ``Bal``, an
    MT940 ``:60F:``/``:62F:``) is read as a *balance row*: ``balance_only``,
    amount zero. It is no line to match; it states the balance at the end of its
    date, at its place in the statement (see :func:`acct_tool.engines.bank.reconcile_bank`).
    """

    #: 1-based line number in the file where the row (or entry) starts.
    row: int
    date: datetime.date
    amount: Decimal
    description: str = ""
    reference: str = ""
    #: The running balance after this line, when the statement has one.
    balance: Decimal | None = None
    #: A row that only states the balance (no amount): not a line to match.
    balance_only: bool = False


@dataclass(frozen=True)
class ParsedStatement:
    """A statement file read in one of the formats: its lines and what it says about itself."""

    #: The format it was read as: a CSV layout's name, or ``ofx``, ``camt053``, ``mt940``, ``beangulp``.
    format: str
    lines: list[StatementLine] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: The bank's identifiers of the account (IBAN, account number), as found in the file.
    account_ids: tuple[str, ...] = ()
    #: The statement's currency, when the file states it.
    currency: str | None = None
    #: The ledger account, when the reader knows it (a beangulp importer's ``account()``).
    ledger_account: str | None = None
