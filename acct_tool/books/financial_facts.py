"""Account balances for financial statements, drawn with Beancount's own machinery.

The statements are not summed here by hand: Beancount's ``summarize`` opens a
period (``open_opt``: income and expenses before it moved to the previous-earnings
account, every other balance summarized into the opening balances), closes it
(``close_opt``: entries after it dropped, a conversions entry so that every
currency sums to zero) and clears it (``clear_opt``: the period's income and
expenses moved to the current-earnings account), exactly as bean-query's
``FROM OPEN ON … CLOSE ON … CLEAR`` does; ``realization.realize`` then gives
each account's balance. What leaves this module is plain records
(account, kind, currency, Decimal) for :mod:`acct_tool.engines.financials`.

Balances are in units: a position held at cost (``10 HOOL {500 USD}``) is
10 HOOL, not converted to its cost or its market value.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

#: The five kinds of account, by their standard root names (the ledger may rename the roots).
KINDS = ("Assets", "Liabilities", "Equity", "Income", "Expenses")


class Balance(NamedTuple):
    """One account's balance in one currency, in units, signed as Beancount sums it (debit positive)."""

    account: str
    #: One of :data:`KINDS`, whatever the ledger calls its root accounts.
    kind: str
    currency: str
    number: Decimal


class EquityAccounts(NamedTuple):
    """Where Beancount closes the books to (options ``account_*_earnings``, ``account_*_conversions``, ``account_previous_balances``)."""

    current_earnings: str
    previous_earnings: str
    opening_balances: str
    current_conversions: str
    previous_conversions: str


def ledger_options(path: Path, kept: dict[str, Any]) -> dict[str, Any]:
    """Beancount's options map for the ledger at ``path``: the ``option`` lines of the
    top-level file (the only ones Beancount reads for these) parsed by Beancount's parser,
    over the ``name_*`` options the load kept."""
    from beancount.parser import parser

    lines: list[str] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    lines = [line for line in text.splitlines() if line.startswith("option ")]
    for key in ("name_assets", "name_liabilities", "name_equity", "name_income", "name_expenses"):
        value = kept.get(key)
        if isinstance(value, str) and not any(line.split()[1:2] == [f'"{key}"'] for line in lines):
            lines.append(f'option "{key}" "{value}"')
    _entries, _errors, options = parser.parse_string("\n".join(lines) + "\n")
    return dict(options)


class FinancialFacts:
    """Balances of a loaded ledger's entries, as of any date or over any period."""

    def __init__(self, entries: Sequence[Any], options: dict[str, Any]) -> None:
        self.entries = list(entries)
        self.options = options

    def equity_accounts(self) -> EquityAccounts:
        from beancount.parser import options

        current_earnings, current_conversions = options.get_current_accounts(self.options)  # type: ignore[no-untyped-call]
        previous_earnings, opening, previous_conversions = options.get_previous_accounts(self.options)  # type: ignore[no-untyped-call]
        return EquityAccounts(current_earnings, previous_earnings, opening, current_conversions, previous_conversions)

    def trial(self, end: datetime.date) -> tuple[tuple[Balance, ...], dict[str, Decimal]]:
        """Every account's balance at the end of ``end`` (``CLOSE ON end+1``: Beancount's
        conversions entry holds what price conversions leave in each currency), and per
        currency what the transactions to that date leave unbalanced by Beancount's own rule
        (each transaction's residual beyond its tolerance), which is nothing in a valid ledger."""
        from beancount.core import data, interpolate, realization
        from beancount.ops import summarize

        entries, _ = summarize.close_opt(self.entries, _next(end), self.options)
        off: dict[str, Decimal] = {}
        for entry in self.entries:
            if entry.date > end:
                break
            if not isinstance(entry, data.Transaction):
                continue
            residual = interpolate.compute_residual(entry.postings)  # type: ignore[no-untyped-call]
            if residual.is_small(interpolate.infer_tolerances(entry.postings, self.options)):  # type: ignore[no-untyped-call]
                continue
            for position in residual.get_positions():
                off[position.units.currency] = off.get(position.units.currency, Decimal(0)) + position.units.number
        return self._balances(realization.realize(entries)), off  # type: ignore[no-untyped-call]

    def movements(self, start: datetime.date, end: datetime.date) -> tuple[Balance, ...]:
        """Income and expense accounts' change from ``start`` to ``end`` (both included), as
        ``FROM OPEN ON start CLOSE ON end+1`` gives it: the sum of their postings' units in
        those days. (``OPEN`` moves their earlier balances into equity and ``CLOSE`` adds
        conversions to equity only, so the two summarize passes over the whole ledger
        would change nothing here.)"""
        from beancount.core import data

        kinds = self._kinds()
        sums: dict[tuple[str, str], Decimal] = {}
        for entry in self.entries:
            if type(entry) is not data.Transaction or not start <= entry.date <= end:
                continue
            for posting in entry.postings:
                kind = kinds.get(posting.account.split(":", 1)[0])
                if kind in ("Income", "Expenses") and posting.units is not None and posting.units.number is not None:
                    slot = (posting.account, posting.units.currency)
                    sums[slot] = sums.get(slot, Decimal(0)) + posting.units.number
        return tuple(Balance(account, kinds[account.split(":", 1)[0]], currency, number) for (account, currency), number in sorted(sums.items()) if number)

    def _kinds(self) -> dict[str, str]:
        """The ledger's root account names (options ``name_*``) -> the kind each stands for."""
        from beancount.parser import options

        types = options.get_account_types(self.options)  # type: ignore[no-untyped-call]
        return {types.assets: "Assets", types.liabilities: "Liabilities", types.equity: "Equity", types.income: "Income", types.expenses: "Expenses"}

    def closed(self, start: datetime.date, end: datetime.date) -> tuple[Balance, ...]:
        """Balance sheet accounts at the end of ``end``, the income and expenses before ``start``
        in the previous-earnings account and those from ``start`` to ``end`` in the current-earnings
        account: ``FROM OPEN ON start CLOSE ON end+1 CLEAR``."""
        from beancount.core import realization
        from beancount.ops import summarize

        entries, _ = summarize.clear_opt(self._period(start, end), None, self.options)  # type: ignore[arg-type]
        return tuple(b for b in self._balances(realization.realize(entries)) if b.kind in ("Assets", "Liabilities", "Equity"))  # type: ignore[no-untyped-call]

    def _period(self, start: datetime.date, end: datetime.date) -> list[Any]:
        from beancount.ops import summarize

        entries, _ = summarize.open_opt(self.entries, start, self.options)
        entries, _ = summarize.close_opt(entries, _next(end), self.options)
        return list(entries)

    def _balances(self, root: Any) -> tuple[Balance, ...]:
        from beancount.core import account_types, convert, realization
        from beancount.parser import options

        types = options.get_account_types(self.options)  # type: ignore[no-untyped-call]
        kinds = {types.assets: "Assets", types.liabilities: "Liabilities", types.equity: "Equity", types.income: "Income", types.expenses: "Expenses"}
        out: list[Balance] = []
        for real in realization.iter_children(root):  # type: ignore[no-untyped-call]
            if not real.account or real.balance.is_empty():
                continue
            kind = kinds.get(account_types.get_account_type(real.account))
            if kind is None:
                continue
            for position in real.balance.reduce(convert.get_units).get_positions():
                if position.units.number:
                    out.append(Balance(real.account, kind, position.units.currency, position.units.number))
        return tuple(sorted(out, key=lambda b: (b.account, b.currency)))


class KnownMovements:
    """Movements drawn already (the cache keeps them), by (first day, last day): a source
    for an income statement over exactly those spans."""

    def __init__(self, spans: Sequence[tuple[datetime.date, datetime.date]], movements: Sequence[Sequence[Balance]]) -> None:
        self._by_span = dict(zip(spans, movements, strict=True))

    def movements(self, start: datetime.date, end: datetime.date) -> Sequence[Balance]:
        return self._by_span[(start, end)]


def _next(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=1)


def from_ledger(entries: Sequence[Any], path: Path, kept_options: dict[str, Any]) -> FinancialFacts:
    """The balances of a loaded ledger (its entries, its top-level file, the options the load kept)."""
    return FinancialFacts(entries, ledger_options(path, kept_options))
