"""Open items: invoices and bills, the payments and credit notes applied to them.

The rules (docs/receivables.md has them with examples):

* A *document* is a positive posting to a client's receivable account (an
  invoice) or a negative posting to a vendor's payable account (a bill). Its
  number is the posting's or the transaction's ``invoice:``/``bill:`` metadata,
  else the transaction's link. Its due date is ``due:`` metadata, else its date
  plus the party's payment days, else the settings' default.
* A *credit* (payment or credit note) moves the account the other way. A
  posting with ``invoice:``/``bill:`` metadata applies to that document; a
  posting in a transaction linked to documents applies to them oldest first;
  an unlinked credit applies to the party's open documents, oldest due first
  (FIFO). What is left is an unapplied credit.
* Only entries dated on or before the as-of date count.

Payables are computed with the same code by flipping the sign, so that bills
are positive and payments negative while they are built. This module holds
the records and builds them; :mod:`acct_tool.engines.allocation` applies the credits.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple

from acct_tool.books.party_postings import PartyPosting
from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.engines.allocation import Application, CreditState, DocumentState, apply_linked, number_documents, replay
from acct_tool.money import Precisions, format_amount
from acct_tool.periods import DATE_RANGE, in_range, shift

if TYPE_CHECKING:
    from acct_tool.books.parties import Party
    from acct_tool.books.settings import Settings

ZERO = Decimal(0)
Date = datetime.date


class Side(str, Enum):
    AR = "ar"
    AP = "ap"

    @property
    def document(self) -> str:
        return "invoice" if self is Side.AR else "bill"

    @property
    def sign(self) -> Decimal:
        return Decimal(1) if self is Side.AR else Decimal(-1)


class Document(NamedTuple):
    """An invoice (AR) or a bill (AP), with what was applied to it up to the as-of date.

    (Named tuples rather than dataclasses: a large ledger has tens of thousands.)"""

    side: Side
    ref: str  # the number, or file:line when it has none
    number: str | None
    party: str
    account: str
    date: Date
    due: Date
    currency: str
    amount: Decimal
    applications: tuple[Application, ...]
    narration: str
    where: Location
    paid: Decimal

    @property
    def open(self) -> Decimal:
        return self.amount - self.paid

    @property
    def settled_on(self) -> Date | None:
        """The date of the last application when the document is fully paid."""
        if self.amount != self.paid or not self.applications:
            return None
        return max(a.date for a in self.applications)

    def days_past_due(self, as_of: Date) -> int:
        return (as_of - self.due).days


class Credit(NamedTuple):
    """A payment, credit note or refund posted to a party's account."""

    side: Side
    ref: str  # file:line
    kind: str  # "payment", "credit note" or "refund"
    party: str
    account: str
    date: Date
    currency: str
    amount: Decimal  # positive
    applied: Decimal
    references: tuple[str, ...]
    narration: str
    where: Location

    @property
    def unapplied(self) -> Decimal:
        return self.amount - self.applied


@dataclass(frozen=True)
class Tie:
    """Tie-out of one party and currency: open documents minus unapplied credits against the ledger."""

    party: str
    account: str
    currency: str
    open_documents: Decimal
    unapplied_credits: Decimal
    ledger_balance: Decimal

    @property
    def difference(self) -> Decimal:
        return self.open_documents - self.unapplied_credits - self.ledger_balance

    @property
    def ok(self) -> bool:
        return self.difference == ZERO


@dataclass(frozen=True)
class OpenItems:
    """Everything known about one side (AR or AP) at the as-of date."""

    side: Side
    as_of: Date
    documents: tuple[Document, ...]
    credits: tuple[Credit, ...]
    ties: tuple[Tie, ...]
    diagnostics: tuple[Diagnostic, ...]
    parties: Mapping[str, Party] = field(default_factory=dict)
    #: Money paid back to a party out of its unapplied credits (AR) or received back (AP).
    refunds: tuple[Credit, ...] = ()

    @functools.cached_property
    def _by_party(self) -> tuple[dict[str, list[Document]], dict[str, list[Credit]]]:
        docs: dict[str, list[Document]] = defaultdict(list)
        credits: dict[str, list[Credit]] = defaultdict(list)
        for d in self.documents:
            docs[d.party].append(d)
        for c in self.credits:
            credits[c.party].append(c)
        return docs, credits

    def open_documents(self, party: str | None = None) -> list[Document]:
        docs = self.documents if party is None else self._by_party[0].get(party, [])
        return [d for d in docs if d.amount != d.paid]

    def unapplied_credits(self, party: str | None = None) -> list[Credit]:
        credits = self.credits if party is None else self._by_party[1].get(party, [])
        return [c for c in credits if c.amount != c.applied]

    def balance(self, party: str) -> dict[str, Decimal]:
        """Open documents minus unapplied credits per currency for one party."""
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for d in self.open_documents(party):
            out[d.currency] += d.open
        for c in self.unapplied_credits(party):
            out[c.currency] -= c.unapplied
        return dict(sorted(out.items()))


# --- building ---------------------------------------------------------------


def open_items(
    postings: Iterable[PartyPosting], parties: Mapping[str, Party], settings: Settings, side: Side, as_of: Date, precisions: Precisions
) -> OpenItems:
    """Documents, credits, their allocation and the tie-out for one side at ``as_of``.

    ``postings`` are the postings to the parties' accounts (drawn by the load), ``settings``
    give the default payment days and the operating currency, ``precisions`` the decimal
    places per currency that messages show amounts with.
    """
    key = side.document  # "invoice" or "bill"
    accounts: dict[str, Party] = {}
    for party in parties.values():
        account = party.receivable if side is Side.AR else party.payable
        if account:
            accounts.setdefault(account, party)
    default_days = settings.payment_days
    problems: list[Diagnostic] = []

    docs: list[DocumentState] = []
    credits: list[CreditState] = []
    refunds: list[CreditState] = []
    all_numbers: dict[str, Date] = {}  # documents anywhere in the ledger, for "unknown" checks
    balances: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)

    is_ar = side is Side.AR
    for pp in postings:
        (account, date, raw, currency, txn, links, p_inv, t_inv, p_bill, t_bill, _, refund, credit_note, cash_leg, narration, file, line) = pp
        owner = accounts.get(account)
        if owner is None:
            continue
        party = owner
        number = raw if is_ar else -raw
        posting_ref, txn_ref = (p_inv, t_inv) if is_ar else (p_bill, t_bill)
        if number > ZERO:
            ident = posting_ref or txn_ref or (links[0] if links else None)
            if ident and ident not in all_numbers:
                all_numbers[ident] = date
        if date > as_of:
            continue
        balances[(party.id, currency)] += number
        if number > ZERO and not refund:
            due = _due(pp, party, default_days, problems)
            docs.append(DocumentState(ident, party, account, date, due, currency, number, narration, file, line, txn))
        elif number > ZERO:
            refunds.append(CreditState("refund", party, account, date, currency, number, [], False, narration, file, line))
        else:
            refs = [posting_ref] if posting_ref else (sorted(set(links) | {txn_ref}) if txn_ref else list(links))
            kind = "credit note" if credit_note or not cash_leg else "payment"
            credits.append(CreditState(kind, party, account, date, currency, -number, refs, bool(posting_ref), narration, file, line))

    docs, by_number = number_documents(docs, key, settings.operating_currency or "USD", problems, precisions)
    fifo = apply_linked(credits, by_number, all_numbers, key, problems, precisions)
    replay(docs, credits, fifo, refunds, problems, precisions)

    docs.sort(key=lambda d: (d.party.id, d.date, d.number or "", d.file, d.line or 0))
    documents = tuple(
        Document(
            side,
            d.number or f"{d.file}:{d.line}",
            d.number,
            d.party.id,
            d.account,
            d.date,
            d.due,
            d.currency,
            d.amount,
            tuple(d.apps),
            d.narration,
            Location(d.file, d.line),
            d.paid,
        )
        for d in docs
    )
    credits.sort(key=lambda c: (c.party.id, c.date, c.file, c.line or 0))
    credit_records = tuple(
        Credit(
            side,
            f"{c.file}:{c.line}",
            c.kind,
            c.party.id,
            c.account,
            c.date,
            c.currency,
            c.amount,
            c.applied,
            tuple(c.refs),
            c.narration,
            Location(c.file, c.line),
        )
        for c in credits
    )
    refund_records = tuple(
        Credit(side, r.ref, r.kind, r.party.id, r.account, r.date, r.currency, r.amount, r.applied, (), r.narration, r.where)
        for r in sorted(refunds, key=lambda c: (c.party.id, c.date, c.ref))
    )
    ties = _tie_out(documents, credit_records, balances, accounts)
    for tie in ties:
        if not tie.ok:
            party = parties[tie.party]
            problems.append(
                diag(
                    "tie-out",
                    f"{tie.party} {tie.currency}: open {key}s {format_amount(tie.open_documents, tie.currency, precisions, unit=False)} minus unapplied credits {format_amount(tie.unapplied_credits, tie.currency, precisions, unit=False)} differ from the ledger balance {format_amount(tie.ledger_balance, tie.currency, precisions, unit=False)} by {format_amount(tie.difference, tie.currency, precisions, unit=False)}",
                    party.where("accounts"),
                )
            )
    problems += _credit_limits(parties, precisions, side, documents, credit_records)
    return OpenItems(side, as_of, documents, credit_records, ties, tuple(problems), dict(parties), refund_records)


def _due(pp: PartyPosting, party: Party, default_days: int, problems: list[Diagnostic]) -> Date:
    raw = pp.due
    if raw is not None:
        try:
            day = raw if isinstance(raw, datetime.date) else datetime.date.fromisoformat(str(raw).strip())
        except ValueError:
            problems.append(diag("invalid-date", f"due: '{raw}' is not a date; using the payment terms", Location(pp.file, pp.line)))
        else:
            if in_range(day):
                return day
            problems.append(
                diag("invalid-date", f"due: {day} is outside the dates acct-tool handles ({DATE_RANGE}); using the payment terms", Location(pp.file, pp.line))
            )
    days = party.terms.payment_days if party.terms.payment_days is not None else default_days
    return shift(pp.date, days)


def _tie_out(
    documents: Iterable[Document],
    credits: Iterable[Credit],
    balances: Mapping[tuple[str, str], Decimal],
    accounts: Mapping[str, Party],
) -> tuple[Tie, ...]:
    opened: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    unapplied: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    account_of = {p.id: a for a, p in accounts.items()}
    for d in documents:
        opened[(d.party, d.currency)] += d.open
    for c in credits:
        unapplied[(c.party, c.currency)] += c.unapplied
    keys = sorted(set(opened) | set(unapplied) | set(balances))
    return tuple(Tie(p, account_of.get(p, ""), cur, opened[(p, cur)], unapplied[(p, cur)], balances.get((p, cur), ZERO)) for p, cur in keys)


def _credit_limits(
    parties: Mapping[str, Party], precisions: Precisions, side: Side, documents: Iterable[Document], credits: Iterable[Credit]
) -> list[Diagnostic]:
    if side is not Side.AR:
        return []
    totals: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for d in documents:
        totals[(d.party, d.currency)] += d.open
    for c in credits:
        totals[(c.party, c.currency)] -= c.unapplied
    out = []
    for (party_id, currency), total in sorted(totals.items()):
        limit = parties[party_id].terms.credit_limit
        if limit and limit.currency == currency and total > limit.number:
            out.append(
                diag(
                    "credit-limit",
                    f"{party_id} owes {format_amount(total, currency, precisions)}, above its credit limit of {format_amount(limit.number, currency, precisions)}",
                    parties[party_id].where("terms", "credit_limit"),
                )
            )
    return out
