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

import bisect
import datetime
import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple, cast

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
        apps = self.applications
        if self.amount != self.paid or not apps:
            return None
        return apps[0].date if len(apps) == 1 else max(a.date for a in apps)

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
    #: One per party and currency (derived open items make theirs when first read).
    ties: Sequence[Tie]
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
    return Classified(postings, parties, settings, side, precisions).at(as_of)


class _Row(NamedTuple):
    """One posting of a side, classified: what it is does not depend on the as-of date."""

    pp: PartyPosting
    party: Party | None  # None: it belongs to no party (``problems`` says why)
    number: Decimal  # with the side's sign: documents positive
    ident: str | None  # a document's number
    refs: list[str]  # what a credit names
    by_metadata: bool
    due: Date | None  # a document's due date
    problems: tuple[Diagnostic, ...]  # a bad ``due:``, or the posting's party unknown
    kind: str  # "document", "refund" or a credit's kind
    #: The same for every date, so built once: ``file:line``, the location, a credit's own
    #: number and what it names, as the records hold them.
    place: str
    where: Location
    own_number: str | None
    references: tuple[str, ...]


class Classified:
    """The postings of one side, each classified once -- its party, whether it is a document,
    credit or refund, its number, what it names, its due date -- so that the open items at
    many dates (:class:`ItemsAt`) replay the same classification and only allocate again.

    Some of it depends on the whole ledger, not on a date: the document numbers anywhere in
    it (a credit for a later document waits for it) and which party holds each number on a
    control account (a credit that names no party is that document's party's)."""

    def __init__(self, postings: Iterable[PartyPosting], parties: Mapping[str, Party], settings: Settings, side: Side, precisions: Precisions) -> None:
        self.parties, self.settings, self.side, self.precisions = parties, settings, side, precisions
        owners = AccountOwners(parties.values(), "receivable" if side is Side.AR else "payable", settings.control_accounts)
        self.account_of = {p.id: a for a, claimed in owners.claims.items() for p in claimed}
        accounts = {account: claimed[0] for account, claimed in owners.claims.items()}
        pattern = self.pattern = re.compile(settings.document_pattern) if settings.document_pattern else None
        #: Documents anywhere in the ledger, for "unknown" checks.
        self.all_numbers: dict[str, Date] = {}
        all_numbers = self.all_numbers
        number_owner: dict[tuple[str, str], Party | None] = {}  # (control account, number) -> the document's party
        found_rows: list[tuple[PartyPosting, Owner, Decimal, str | None, list[str], bool]] = []  # in ledger order
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
            if number > ZERO and not pp.refund:
                refs = []
            elif posting_ref:
                refs = [posting_ref]
            else:
                refs = list(dict.fromkeys([*(sorted(set(pp.links) | {txn_ref}) if txn_ref else pp.links), *pp.key_refs]))
                if pattern is not None:
                    refs += [m.group(0) for m in pattern.finditer(pp.narration) if m.group(0) not in refs]
            found_rows.append((pp, found, number, ident, refs, bool(posting_ref)))

        default_days = settings.payment_days
        self.rows: list[_Row] = []
        for pp, found, number, ident, refs, by_metadata in found_rows:
            party = found.party
            if party is None and number < ZERO:
                # a credit that names no party may name a document: it is that document's party's
                named = [number_owner[(pp.account, r)] for r in refs if (pp.account, r) in number_owner]
                if named and all(other is named[0] for other in named):
                    party = named[0]
            problems: list[Diagnostic] = []
            due = None
            if party is None:
                amount = format_amount(pp.number, pp.currency, precisions)
                problems.append(
                    diag(
                        found.problem,
                        f"posting of {amount} to the control account {pp.account} belongs to no party: {found.detail}",
                        Location(pp.file, pp.line),
                        hint=f'add `{_party_key(settings.party_keys, side)}: "ID"` metadata, or the payee as a profile\'s name or alias',
                    )
                )
                kind = ""
            elif number > ZERO and not pp.refund:
                due = _due(pp, party, default_days, problems)
                kind = "document"
            elif number > ZERO:
                kind = "refund"
            else:
                kind = credit_kind(pp, side)
            own = credit_number(pp, all_numbers, pattern) if kind not in ("", "document") else None
            row = _Row(
                pp, party, number, ident, refs, by_metadata, due, tuple(problems), kind, f"{pp.file}:{pp.line}", Location(pp.file, pp.line), own, tuple(refs)
            )
            self.rows.append(row)
        self._dates = [row.pp.date for row in self.rows]
        #: The party postings come in ledger order, which is by date: the rows up to a date are a prefix.
        self.in_order = all(a <= b for a, b in zip(self._dates, self._dates[1:]))

    def document_record(self, d: DocumentState) -> Document:
        """The record of a document once allocated."""
        found = d.source  # none for a refund beyond the credits, which became a document
        where, place = (found.where, found.place) if isinstance(found, _Row) else (Location(d.file, d.line), f"{d.file}:{d.line}")
        return Document._make(
            (self.side, d.number or place, d.number, d.party.id, d.account, d.date, d.due, d.currency, d.amount, tuple(d.apps), d.narration, where, d.paid)
        )

    def at(self, as_of: Date) -> OpenItems:
        """The open items at ``as_of``: the postings up to it, allocated."""
        side, settings, parties, precisions = self.side, self.settings, self.parties, self.precisions
        key = side.document  # "invoice" or "bill"
        problems: list[Diagnostic] = []
        docs: list[DocumentState] = []
        credits: list[CreditState] = []
        refunds: list[CreditState] = []
        balances: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
        for row in self.rows[: bisect.bisect_right(self._dates, as_of)] if self.in_order else [r for r in self.rows if r.pp.date <= as_of]:
            pp = row.pp
            if row.problems:
                problems += row.problems
            party = row.party
            if party is None:
                continue
            number = row.number
            balances[(party.id, pp.currency)] += number
            state: DocumentState | CreditState
            if row.due is not None:
                state = DocumentState(row.ident, party, pp.account, pp.date, row.due, pp.currency, number, pp.narration, pp.file, pp.line, pp.txn, pp.opening)
                docs.append(state)
            elif row.kind == "refund":
                state = CreditState("refund", party, pp.account, pp.date, pp.currency, number, [], False, pp.narration, pp.file, pp.line, row.place)
                refunds.append(state)
            else:
                state = CreditState(
                    row.kind, party, pp.account, pp.date, pp.currency, -number, row.refs, row.by_metadata, pp.narration, pp.file, pp.line, row.place
                )
                credits.append(state)
            state.source = row

        docs, by_number = number_documents(docs, key, settings.operating_currency or "USD", problems, precisions)
        fifo = apply_linked(credits, by_number, self.all_numbers, key, problems, precisions, docs)
        replay(docs, credits, fifo, refunds, problems, precisions)
        report_unnumbered(docs, key, problems, precisions)

        docs.sort(key=lambda d: (d.party.id, d.date, d.number or "", d.file, d.line or 0))
        make_credit = Credit._make
        documents = tuple(map(self.document_record, docs))

        def credit_records_of(states: list[CreditState], references: bool) -> tuple[Credit, ...]:
            out = []
            for c in states:
                r = cast(_Row, c.source)
                refs = r.references if references else ()
                out.append(
                    make_credit(
                        (side, r.place, c.kind, c.party.id, c.account, c.date, c.currency, c.amount, c.applied, refs, c.narration, r.where, r.own_number)
                    )
                )
            return tuple(out)

        credits.sort(key=lambda c: (c.party.id, c.date, c.file, c.line or 0))
        credit_records = credit_records_of(credits, True)
        refund_records = credit_records_of(sorted(refunds, key=lambda c: (c.party.id, c.date, c.ref)), False)
        ties = tie_out(documents, credit_records, balances, self.account_of)
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
        problems += _credit_limits(parties, precisions, side, ties)
        return OpenItems(side, as_of, documents, credit_records, ties, tuple(problems), dict(parties), refund_records)


def _party_key(keys: tuple[str, ...], side: Side) -> str:
    """The metadata key a hint suggests: ``customer`` for receivables, ``vendor`` for payables, when the settings use them."""
    preferred = "customer" if side is Side.AR else "vendor"
    return preferred if preferred in keys or not keys else keys[0]


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


def tie_out(
    documents: Iterable[Document],
    credits: Iterable[Credit],
    balances: Mapping[tuple[str, str], Decimal],
    account_of: Mapping[str, str],
) -> tuple[Tie, ...]:
    opened: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    unapplied: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for d in documents:
        opened[(d.party, d.currency)] += d.amount - d.paid
    for c in credits:
        unapplied[(c.party, c.currency)] += c.amount - c.applied
    keys = sorted(set(opened) | set(unapplied) | set(balances))
    return tuple(Tie(p, account_of.get(p, ""), cur, opened[(p, cur)], unapplied[(p, cur)], balances.get((p, cur), ZERO)) for p, cur in keys)


def _credit_limits(parties: Mapping[str, Party], precisions: Precisions, side: Side, ties: Iterable[Tie]) -> list[Diagnostic]:
    """A client that owes more than its credit limit: open invoices minus unapplied credits, per currency (the ties hold both)."""
    if side is not Side.AR:
        return []
    out = []
    for tie in ties:
        limit = parties[tie.party].terms.credit_limit
        total = tie.open_documents - tie.unapplied_credits
        if limit and limit.currency == tie.currency and total > limit.number:
            out.append(
                diag(
                    "credit-limit",
                    f"{tie.party} owes {format_amount(total, tie.currency, precisions)}, above its credit limit of {format_amount(limit.number, tie.currency, precisions)}",
                    parties[tie.party].where("terms", "credit_limit"),
                )
            )
    return out
