"""Whose posting is it: parties on their own accounts and on shared control accounts.

The rule (docs/receivables.md has it with examples):

* A posting belongs to the profile that claims its account (or the nearest
  parent account a profile claims).
* An account claimed by two or more profiles, or listed in the settings'
  ``control_accounts``, is a *control account*. A posting there belongs to the
  party named by the posting's metadata under one of the ``party_keys``, else
  the transaction's (the value is the party's id, name or one of its aliases),
  else by the transaction's payee (the party's name or one of its aliases).
  Names match exactly after folding case and runs of whitespace.
* A posting on a control account that names no party, or several, belongs to
  nobody: the engines that read it report it, and it is never applied to
  another party's documents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from acct_tool.books.parties import Party


def fold(text: str) -> str:
    """``text`` for matching names: case folded, whitespace runs made one space, trimmed."""
    return " ".join(text.casefold().split())


class Owner(NamedTuple):
    """Who a posting belongs to: a party, or why nobody."""

    party: Party | None
    #: ``""`` when ``party`` is set; else ``"unassigned-posting"`` or ``"ambiguous-party"``.
    problem: str = ""
    #: What was tried or matched, for the message.
    detail: str = ""


class AccountOwners:
    """The parties of one side's accounts, and how to tell them apart on control accounts."""

    def __init__(self, parties: Iterable[Party], role: str, control_accounts: Iterable[str] = ()) -> None:
        """``role`` is ``"receivable"`` or ``"payable"``: which of the profile's accounts counts."""
        claims: dict[str, list[Party]] = defaultdict(list)
        for party in parties:
            account = party.receivable if role == "receivable" else party.payable
            if account:
                claims[account].append(party)
        self.claims: dict[str, tuple[Party, ...]] = {a: tuple(ps) for a, ps in claims.items()}
        self.control: frozenset[str] = frozenset(a for a, ps in self.claims.items() if len(ps) > 1) | frozenset(a for a in control_accounts if a in self.claims)
        self._by_name: dict[tuple[str, str], list[Party]] = defaultdict(list)
        self._by_payee: dict[tuple[str, str], list[Party]] = defaultdict(list)
        for account in self.control:
            for party in self.claims[account]:
                names = {fold(n) for n in (party.name, *party.aliases) if fold(n)}
                for name in names:
                    self._by_payee[(account, name)].append(party)
                for name in names | {fold(party.id)}:
                    self._by_name[(account, name)].append(party)
        self._resolved: dict[str, str | None] = {}

    def account_of(self, account: str) -> str | None:
        """The claimed account ``account`` is (or is under), or None."""
        if account not in self._resolved:
            found = None
            parent = account
            while True:
                if parent in self.claims:
                    found = parent
                    break
                if ":" not in parent:
                    break
                parent = parent.rsplit(":", 1)[0]
            self._resolved[account] = found
        return self._resolved[account]

    def is_control(self, account: str) -> bool:
        return account in self.control

    def owner(self, account: str, names: Sequence[str], payee: str | None) -> Owner:
        """The party of a posting to the claimed ``account``, named by metadata ``names``
        (the posting's first) or the transaction's ``payee``."""
        claimed = self.claims.get(account, ())
        if account not in self.control:
            return Owner(claimed[0]) if claimed else Owner(None, "unassigned-posting", f"no profile claims {account}")
        for name in names:
            found = self._by_name.get((account, fold(name)), [])
            if len(found) == 1:
                return Owner(found[0], detail=name)
            if found:
                return Owner(None, "ambiguous-party", f"'{name}' names {', '.join(sorted(p.id for p in found))}")
            return Owner(None, "unassigned-posting", f"'{name}' is no id, name or alias of a party on {account}")
        if payee and fold(payee):
            found = self._by_payee.get((account, fold(payee)), [])
            if len(found) == 1:
                return Owner(found[0], detail=payee)
            if found:
                return Owner(None, "ambiguous-party", f"payee '{payee}' is the name or an alias of {', '.join(sorted(p.id for p in found))}")
            return Owner(None, "unassigned-posting", f"payee '{payee}' is no name or alias of a party on {account}")
        return Owner(None, "unassigned-posting", "it has no payee and no party metadata")
