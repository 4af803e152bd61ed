"""What account names say about themselves: which look like receivables or payables.

Used where the tool has to guess the shape of books it did not write: the hint
that ``check`` gives when nothing is posted under the configured roots, and
``acct-tool adopt``. The guess reads the account's own name components, never
its postings; a match is a proposal for the user to confirm, not a fact.
"""

from __future__ import annotations

import re

#: Name components that mark an account as money owed to the firm.
_RECEIVABLE = re.compile(r"^(A-?R|Receivables?|AccountsReceivable|Debtors?|TradeDebtors|Customers?|Kunden|Forderungen\w*|Clients?)$", re.IGNORECASE)
#: ... or money the firm owes.
_PAYABLE = re.compile(r"^(A-?P|Payables?|AccountsPayable|Creditors?|TradeCreditors|Suppliers?|Vendors?|Lieferanten|Verbindlichkeiten\w*)$", re.IGNORECASE)


def receivable_root_of(account: str, assets_root: str = "Assets") -> str | None:
    """The prefix of ``account`` that names a receivables root (``Assets:AR`` of
    ``Assets:AR:Acme``), or None. Only accounts under the assets root qualify."""
    return _root_of(account, assets_root, _RECEIVABLE)


def payable_root_of(account: str, liabilities_root: str = "Liabilities") -> str | None:
    """The prefix of ``account`` that names a payables root under the liabilities root, or None."""
    return _root_of(account, liabilities_root, _PAYABLE)


def _root_of(account: str, top: str, words: re.Pattern[str]) -> str | None:
    parts = account.split(":")
    if parts[0] != top:
        return None
    for n, part in enumerate(parts[1:], start=2):
        if words.match(part):
            return ":".join(parts[:n])
    return None
