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
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple, TypeAlias

from acct_tool.books.party_postings import PartyPosting
from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.engines.allocation import Application, CreditState, DocumentState, apply_linked, number_documents, replay, report_unnumbered
from acct_tool.engines.party_match import AccountOwners, Owner
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
    ref: str  # file:line, to tell credits apart (applications name it); not shown to the party
    kind: str  # "payment", "credit note", "write-off" or "refund"
    party: str
    account: str
    date: Date
    currency: str
    amount: Decimal  # positive
    applied: Decimal
    references: tuple[str, ...]
    narration: str
    where: Location
    #: Its own number: a credit note's ``credit_note:`` number, else the bank's reference
    #: (``reference:``/``ref:`` metadata), else the transaction's links that name no document.
    number: str | None = None

    @property
    def unapplied(self) -> Decimal:
        return self.amount - self.applied

    @property
    def reference(self) -> str:
        """What the party knows the credit by: its number, else its narration (never a file and line)."""
        return self.number or self.narration


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

    def paid_unnumbered(self) -> dict[str, int]:
        """Per party, how many of its documents with no number are paid in full (they are
        not reported one by one: only an open document needs a number to be chased)."""
        out: dict[str, int] = defaultdict(int)
        for d in self.documents:
            if d.number is None and d.amount == d.paid:
                out[d.party] += 1
        return dict(sorted(out.items()))

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
    owners = AccountOwners(parties.values(), "receivable" if side is Side.AR else "payable", settings.control_accounts)
    accounts = {account: claimed[0] for account, claimed in owners.claims.items()}
    pattern = re.compile(settings.document_pattern) if settings.document_pattern else None
    default_days = settings.payment_days
    problems: list[Diagnostic] = []

    docs: list[DocumentState] = []
    credits: list[CreditState] = []
    refunds: list[CreditState] = []
    all_numbers: dict[str, Date] = {}  # documents anywhere in the ledger, for "unknown" checks
    balances: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    rows: list[tuple[PartyPosting, Owner, Decimal, str | None, list[str], bool]] = []  # in ledger order
    postings_of: dict[int, PartyPosting] = {}  # id of a credit or refund state -> its posting
    number_owner: dict[tuple[str, str], Party | None] = {}  # (control account, number) -> the document's party

    is_ar = side is Side.AR
    for pp in postings:
        account = pp.account
        if account not in accounts or pp.number == ZERO:
            continue  # another side's account, or a zero-amount posting (not a document)
        number = pp.number if is_ar else -pp.number
        posting_ref, txn_ref = (pp.posting_invoice, pp.txn_invoice) if is_ar else (pp.posting_bill, pp.txn_bill)
        found = owners.owner(account, pp.party_names, pp.payee)
        if number > ZERO:
            ident = posting_ref or txn_ref or (pp.links[0] if pp.links else None) or (pp.key_refs[0] if pp.key_refs else None)
            if ident is None and pattern is not None:
                match = pattern.search(pp.narration)
                ident = match.group(0) if match else None
            if ident and ident not in all_numbers:
                all_numbers[ident] = pp.date
            if ident and owners.is_control(account) and not pp.refund:
                slot = (account, ident)
                number_owner[slot] = found.party if slot not in number_owner or number_owner[slot] is found.party else None
        else:
            ident = None
        if pp.date > as_of:
            continue
        if number > ZERO and not pp.refund:
            refs = []
        elif posting_ref:
            refs = [posting_ref]
        else:
            refs = list(dict.fromkeys([*(sorted(set(pp.links) | {txn_ref}) if txn_ref else pp.links), *pp.key_refs]))
            if pattern is not None:
                refs += [m.group(0) for m in pattern.finditer(pp.narration) if m.group(0) not in refs]
        rows.append((pp, found, number, ident, refs, bool(posting_ref)))

    for pp, found, number, ident, refs, by_metadata in rows:
        party = found.party
        if party is None and number < ZERO:
            # a credit that names no party may name a document: it is that document's party's
            named = [number_owner[(pp.account, r)] for r in refs if (pp.account, r) in number_owner]
            if named and all(other is named[0] for other in named):
                party = named[0]
        if party is not None:
            placed = _place(pp, party, number, ident, refs, by_metadata, side, default_days, docs, credits, refunds, balances, problems)
            if placed is not None:
                postings_of[id(placed)] = pp
            continue
        amount = format_amount(pp.number, pp.currency, precisions)
        problems.append(
            diag(
                found.problem,
                f"posting of {amount} to the control account {pp.account} belongs to no party: {found.detail}",
                Location(pp.file, pp.line),
                hint=f'add `{_party_key(settings.party_keys, side)}: "ID"` metadata, or the payee as a profile\'s name or alias',
            )
        )

    docs, by_number = number_documents(docs, key, settings.operating_currency or "USD", problems, precisions)
    fifo = apply_linked(credits, by_number, all_numbers, key, problems, precisions, docs)
    replay(docs, credits, fifo, refunds, problems, precisions)
    report_unnumbered(docs, key, problems, precisions)

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
            credit_number(postings_of.get(id(c)), all_numbers, pattern),
        )
        for c in credits
    )
    refund_records = tuple(
        Credit(
            side,
            r.ref,
            r.kind,
            r.party.id,
            r.account,
            r.date,
            r.currency,
            r.amount,
            r.applied,
            (),
            r.narration,
            r.where,
            credit_number(postings_of.get(id(r)), all_numbers, pattern),
        )
        for r in sorted(refunds, key=lambda c: (c.party.id, c.date, c.ref))
    )
    ties = _tie_out(documents, credit_records, balances, {p.id: a for a, claimed in owners.claims.items() for p in claimed})
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


#: ``spread(compute, dates)`` is ``[compute(d) for d in dates]``, computed however the caller
#: likes (the command line spreads the dates over two CPUs).
Spread: TypeAlias = Callable[[Callable[[Date], "OpenItems"], Sequence[Date]], list["OpenItems"]]


class ItemsAt:
    """The open items of one side at any date, each date computed once: trends over month
    ends (health history, DSO) ask for the same dates, and each :func:`open_items` replays
    every posting up to its date. With ``spread``, :meth:`prefetch` computes many dates at once through it."""

    def __init__(
        self,
        postings: Sequence[PartyPosting],
        parties: Mapping[str, Party],
        settings: Settings,
        side: Side,
        precisions: Precisions,
        known: OpenItems | None = None,
        spread: Spread | None = None,
    ) -> None:
        self._args = (postings, parties, settings, side)
        self._precisions = precisions
        self._spread = spread
        self._done: dict[Date, OpenItems] = {known.as_of: known} if known is not None and known.side is side else {}

    def prefetch(self, days: Iterable[Date]) -> None:
        """Compute the open items at each of ``days`` not computed yet, through ``spread``."""
        todo = [day for day in dict.fromkeys(days) if day not in self._done]
        if self._spread is None or len(todo) < 2:
            return
        postings, parties, settings, side = self._args

        def bare(day: Date) -> OpenItems:  # without the profiles, which the caller has: less to hand back
            return replace(open_items(postings, parties, settings, side, day, self._precisions), parties={})

        for day, items in zip(todo, self._spread(bare, todo), strict=True):
            self._done[day] = replace(items, parties=dict(parties))

    def __call__(self, day: Date) -> OpenItems:
        found = self._done.get(day)
        if found is None:
            postings, parties, settings, side = self._args
            found = self._done[day] = open_items(postings, parties, settings, side, day, self._precisions)
        return found


def _party_key(keys: tuple[str, ...], side: Side) -> str:
    """The metadata key a hint suggests: ``customer`` for receivables, ``vendor`` for payables, when the settings use them."""
    preferred = "customer" if side is Side.AR else "vendor"
    return preferred if preferred in keys or not keys else keys[0]


def _place(
    pp: PartyPosting,
    party: Party,
    number: Decimal,
    ident: str | None,
    refs: list[str],
    by_metadata: bool,
    side: Side,
    default_days: int,
    docs: list[DocumentState],
    credits: list[CreditState],
    refunds: list[CreditState],
    balances: dict[tuple[str, str], Decimal],
    problems: list[Diagnostic],
) -> CreditState | None:
    """One posting of ``party`` (``number`` with the side's sign) as a document, credit or refund;
    the credit or refund it became, if it is one."""
    balances[(party.id, pp.currency)] += number
    if number > ZERO and not pp.refund:
        due = _due(pp, party, default_days, problems)
        docs.append(DocumentState(ident, party, pp.account, pp.date, due, pp.currency, number, pp.narration, pp.file, pp.line, pp.txn, pp.opening))
        return None
    if number > ZERO:
        refunds.append(CreditState("refund", party, pp.account, pp.date, pp.currency, number, [], False, pp.narration, pp.file, pp.line))
        return refunds[-1]
    kind = credit_kind(pp, side)
    credits.append(CreditState(kind, party, pp.account, pp.date, pp.currency, -number, refs, by_metadata, pp.narration, pp.file, pp.line))
    return credits[-1]


def credit_number(pp: PartyPosting | None, documents: Mapping[str, Date], pattern: re.Pattern[str] | None) -> str | None:
    """A credit's own number (docs/receivables.md, "Statements"): a credit note's ``credit_note:``
    number; else the bank's reference, ``reference:`` or ``ref:`` metadata; else the
    transaction's links that are not document numbers (those name what it pays)."""
    if pp is None:
        return None
    if pp.credit_note:
        return pp.credit_note
    if pp.reference:
        return pp.reference
    own = [link for link in pp.links if link not in documents and not (pattern is not None and pattern.fullmatch(link))]
    return ", ".join(own) or None


def credit_kind(pp: PartyPosting, side: Side) -> str:
    """What a credit is, from what its transaction's other legs are (docs/receivables.md):
    ``credit_note:`` metadata makes a credit note; else the kind of account that carries
    most of the other legs decides -- assets or liabilities (a bank, a card) make a
    payment; income (with or without a tax leg) a credit note; for receivables, expenses
    a write-off, and for payables a credit note."""
    if pp.credit_note is not None:
        return "credit note"
    if pp.counter in ("Assets", "Liabilities"):
        return "payment"
    if pp.counter == "Expenses" and side is Side.AR:
        return "write-off"
    return "credit note"


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
    account_of: Mapping[str, str],
) -> tuple[Tie, ...]:
    opened: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    unapplied: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
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
