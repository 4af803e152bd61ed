"""Revenue per client, per period and by month, straight from the ledger.

The rule (docs/relationship.md has it with examples):

* Every transaction that posts to a client's receivable account (or a
  sub-account of it) is that client's. Its postings to income accounts -- the
  ledger's income root (``Income``) and any account the profile lists under
  ``accounts.income`` -- are the client's revenue: an income posting of
  -12,000 USD is 12,000 USD of revenue, a credit note's +500 USD is -500 USD.
* A transaction that posts to no receivable at all (a cash sale paid straight
  into the bank) counts for a client only through an income account that its
  profile lists and no other profile lists. When several profiles list the
  account, nobody gets it and a ``account-shared-income`` warning says so.
* A transaction that posts to several clients' receivables splits its income
  between them in proportion to their receivable postings.

Amounts are per currency and never summed across currencies.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from acct_tool.books.ledger import display_path
from acct_tool.books.party_postings import meta_values
from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.engines.party_match import AccountOwners
from acct_tool.money import Money

if TYPE_CHECKING:
    from acct_tool.books.parties import Party

Date = datetime.date
ZERO = Decimal(0)


class RevenuePosting(NamedTuple):
    """One income posting counted as a client's revenue (positive is revenue)."""

    party: str
    date: Date
    account: str
    currency: str
    amount: Decimal
    narration: str
    where: Location


@dataclass(frozen=True)
class MonthRevenue:
    month: str  # YYYY-MM
    currency: str
    amount: Decimal


@dataclass(frozen=True)
class Revenue:
    """A client's revenue from ``start`` to ``end`` (both included), per month and currency."""

    party: str
    start: Date
    end: Date
    #: Every month of the period for every currency with revenue in it, zero months included.
    months: tuple[MonthRevenue, ...]
    #: Per currency, sorted by currency.
    totals: tuple[Money, ...]

    def total(self, currency: str) -> Decimal:
        return next((m.number for m in self.totals if m.currency == currency), ZERO)


@dataclass(frozen=True)
class Attribution:
    """Every revenue posting of the ledger, by client id, and what could not be attributed."""

    postings: Mapping[str, tuple[RevenuePosting, ...]]
    diagnostics: tuple[Diagnostic, ...] = ()

    def of(self, party: str) -> tuple[RevenuePosting, ...]:
        return self.postings.get(party, ())


def attribution_key(parties: Iterable[Party]) -> tuple[tuple[str, str, tuple[str, ...], str | None, tuple[str, ...]], ...]:
    """What attribution depends on in the profiles: ids, names and aliases (parties on
    control accounts are told apart by them), receivables, listed income accounts."""
    return tuple(sorted((p.id, p.name, tuple(p.aliases), p.receivable, tuple(p.income_accounts)) for p in parties))


def attribute_transactions(
    transactions: Iterable[Any],
    parties: Iterable[Party],
    income_root: str,
    root: Path,
    *,
    control_accounts: Iterable[str] = (),
    party_keys: tuple[str, ...] = (),
) -> Attribution:
    """Attribute the income postings of ``transactions`` to ``parties``; on a control account
    the posting's party is found as :mod:`acct_tool.engines.party_match` says."""
    parties = list(parties)
    owners = AccountOwners(parties, "receivable", control_accounts)
    listed: dict[str, list[Party]] = defaultdict(list)
    for party in parties:
        for account in party.income_accounts:
            listed[account].append(party)

    def owner(txn: Any, posting: Any) -> Party | None:
        account = owners.account_of(posting.account)
        if account is None:
            return None
        names = meta_values(posting.meta, txn.meta, party_keys) if owners.is_control(account) else ()
        return owners.owner(account, names, txn.payee).party

    def is_income(account: str, party: Party) -> bool:
        return account == income_root or account.startswith(income_root + ":") or account in party.income_accounts

    out: dict[str, list[RevenuePosting]] = defaultdict(list)
    problems: list[Diagnostic] = []
    shown: dict[str, str] = {}  # file name -> as shown: one string per file, not one per transaction
    for txn in transactions:
        meta = txn.meta or {}
        filename = str(meta.get("filename", ""))
        line = meta.get("lineno")
        file = shown.get(filename)
        if file is None:
            file = shown[filename] = display_path(filename, root) or filename
        where = Location(file, line if isinstance(line, int) else None)
        narration = txn.narration or txn.payee or ""
        shares: dict[str, Decimal] = defaultdict(lambda: ZERO)
        involved: dict[str, Party] = {}
        for posting in txn.postings:
            client = owner(txn, posting)
            if client is not None and posting.units is not None and posting.units.number is not None:
                shares[client.id] += posting.units.number
                involved[client.id] = client
        if involved:
            weights = {pid: abs(v) for pid, v in shares.items()}
            total_weight = sum(weights.values(), ZERO)
            for posting in txn.postings:
                if posting.units is None or posting.units.number is None:
                    continue
                takers = [p for p in involved.values() if is_income(posting.account, p)]
                if not takers:
                    continue
                amount = -posting.units.number
                for pid, part in _split(amount, [(p.id, weights[p.id]) for p in takers], total_weight):
                    out[pid].append(RevenuePosting(pid, txn.date, posting.account, posting.units.currency, part, narration, where))
            continue
        for posting in txn.postings:
            claimants = listed.get(posting.account, [])
            if not claimants or posting.units is None or posting.units.number is None:
                continue
            if len(claimants) > 1:
                names = ", ".join(sorted(p.id for p in claimants))
                problems.append(
                    diag(
                        "account-shared-income",
                        f"income posting to {posting.account} touches no receivable, and the account is listed by several profiles ({names}); it counts for none of them",
                        where,
                        hint="post the sale through the client's receivable account, or list the account in one profile only",
                    )
                )
                continue
            only = claimants[0]
            out[only.id].append(RevenuePosting(only.id, txn.date, posting.account, posting.units.currency, -posting.units.number, narration, where))
    return Attribution({k: tuple(sorted(v, key=lambda p: (p.date, p.where))) for k, v in sorted(out.items())}, tuple(problems))


def _split(amount: Decimal, weights: list[tuple[str, Decimal]], total: Decimal) -> list[tuple[str, Decimal]]:
    """``amount`` split by weight (equally when the weights are all zero); the last share takes the rounding remainder."""
    if len(weights) == 1:
        return [(weights[0][0], amount)]
    if total == ZERO:
        weights, total = [(pid, Decimal(1)) for pid, _ in weights], Decimal(len(weights))
    exponent = amount.as_tuple().exponent
    quantum = Decimal(1).scaleb(min(exponent, -2)) if isinstance(exponent, int) else Decimal("0.01")
    out, left = [], amount
    for pid, weight in weights[:-1]:
        part = (amount * weight / total).quantize(quantum)
        out.append((pid, part))
        left -= part
    out.append((weights[-1][0], left))
    return out


def _year_months(start: Date, end: Date) -> list[tuple[int, int]]:
    """(year, month) of every month from ``start`` to ``end``."""
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def months_between(start: Date, end: Date) -> list[str]:
    """``YYYY-MM`` of every month from ``start`` to ``end``."""
    return [f"{year:04d}-{month:02d}" for year, month in _year_months(start, end)]


def _counted(postings: Iterable[RevenuePosting], party: str, start: Date, end: Date) -> Iterator[RevenuePosting]:
    """The postings that count as revenue of ``party`` from ``start`` to ``end`` (both included)."""
    return (p for p in postings if p.party == party and start <= p.date <= end)


def revenue(postings: Iterable[RevenuePosting], party: str, start: Date, end: Date) -> Revenue:
    """Revenue of ``party`` from ``start`` to ``end`` (both included) out of its attributed postings."""
    by_month: dict[tuple[int, int, str], Decimal] = defaultdict(lambda: ZERO)
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for p in _counted(postings, party, start, end):
        day = p.date
        by_month[(day.year, day.month, p.currency)] += p.amount
        totals[p.currency] += p.amount
    spans = _year_months(start, end)
    months = tuple(
        MonthRevenue(f"{year:04d}-{month:02d}", currency, by_month.get((year, month, currency), ZERO)) for currency in sorted(totals) for year, month in spans
    )
    return Revenue(party, start, end, months, tuple(Money(totals[c], c) for c in sorted(totals)))


def year_to_date(postings: Iterable[RevenuePosting], party: str, as_of: Date) -> Revenue:
    """Revenue from 1 January of the as-of date's year to the as-of date."""
    return revenue(postings, party, Date(as_of.year, 1, 1), as_of)


def year_to_date_total(postings: Iterable[RevenuePosting], party: str, as_of: Date, currency: str) -> Decimal:
    """``year_to_date(...).total(currency)``, without the months: the health score reads it
    for every client at every month end."""
    return sum((p.amount for p in _counted(postings, party, Date(as_of.year, 1, 1), as_of) if p.currency == currency), ZERO)


def full_year(postings: Iterable[RevenuePosting], party: str, year: int) -> Revenue:
    return revenue(postings, party, Date(year, 1, 1), Date(year, 12, 31))
