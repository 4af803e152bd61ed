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
are positive and payments negative inside this module.
"""

from __future__ import annotations

import datetime
import functools
import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Iterable, Mapping, NamedTuple

from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.party_postings import PartyPosting
from acct_tool.money import format_number
from acct_tool.periods import DATE_RANGE, in_range, shift

if TYPE_CHECKING:
    from acct_tool.books import Books
    from acct_tool.parties import Party

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


class Application(NamedTuple):
    """Part of a credit applied to a document."""

    date: Date
    amount: Decimal
    credit_ref: str
    how: str  # "linked", "metadata" or "fifo"


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
    parties: Mapping[str, "Party"] = field(default_factory=dict)
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


class _Doc:
    __slots__ = ("number", "party", "account", "date", "due", "currency", "amount", "narration", "file", "line", "txn", "apps", "paid")

    def __init__(self, number: str | None, party: Party, account: str, date: Date, due: Date, currency: str, amount: Decimal, narration: str, file: str, line: int | None, txn: int) -> None:
        self.number, self.party, self.account, self.date, self.due = number, party, account, date, due
        self.currency, self.amount, self.narration, self.file, self.line, self.txn = currency, amount, narration, file, line, txn
        self.apps: list[Application] = []
        self.paid = ZERO

    @property
    def where(self) -> Location:
        return Location(self.file, self.line)

    @property
    def ref(self) -> str:
        return self.number or f"{self.file}:{self.line}"

    @property
    def open(self) -> Decimal:
        return self.amount - self.paid


class _Credit:
    __slots__ = ("kind", "party", "account", "date", "currency", "amount", "refs", "by_metadata", "narration", "file", "line", "applied")

    def __init__(self, kind: str, party: Party, account: str, date: Date, currency: str, amount: Decimal, refs: list[str], by_metadata: bool, narration: str, file: str, line: int | None) -> None:
        self.kind, self.party, self.account, self.date, self.currency, self.amount = kind, party, account, date, currency, amount
        self.refs, self.by_metadata, self.narration, self.file, self.line = refs, by_metadata, narration, file, line
        self.applied = ZERO

    @property
    def where(self) -> Location:
        return Location(self.file, self.line)

    @property
    def ref(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def left(self) -> Decimal:
        return self.amount - self.applied


def open_items(books: Books, side: Side, as_of: Date | None = None) -> OpenItems:
    """Documents, credits, their allocation and the tie-out for one side at ``as_of``."""
    as_of = as_of or books.as_of
    key = side.document  # "invoice" or "bill"
    accounts: dict[str, Party] = {}
    for party in books.parties.values():
        account = party.receivable if side is Side.AR else party.payable
        if account:
            accounts.setdefault(account, party)
    default_days = books.settings.payment_days
    problems: list[Diagnostic] = []

    docs: list[_Doc] = []
    credits: list[_Credit] = []
    refunds: list[_Credit] = []
    all_numbers: dict[str, Date] = {}  # documents anywhere in the ledger, for "unknown" checks
    balances: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)

    is_ar = side is Side.AR
    for pp in books.party_postings():
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
            docs.append(_Doc(ident, party, account, date, due, currency, number, narration, file, line, txn))
        elif number > ZERO:
            refunds.append(_Credit("refund", party, account, date, currency, number, [], False, narration, file, line))
        else:
            refs = [posting_ref] if posting_ref else (sorted(set(links) | {txn_ref}) if txn_ref else list(links))
            kind = "credit note" if credit_note or not cash_leg else "payment"
            credits.append(_Credit(kind, party, account, date, currency, -number, refs, bool(posting_ref), narration, file, line))

    docs, by_number = _number_documents(docs, key, books.settings.operating_currency or "USD", problems)
    fifo = _apply_linked(credits, by_number, all_numbers, key, problems)
    _replay(docs, credits, fifo, refunds, problems)

    docs.sort(key=lambda d: (d.party.id, d.date, d.number or "", d.file, d.line or 0))
    documents = tuple(
        Document(side, d.number or f"{d.file}:{d.line}", d.number, d.party.id, d.account, d.date, d.due, d.currency, d.amount, tuple(d.apps), d.narration, Location(d.file, d.line), d.paid)
        for d in docs
    )
    credits.sort(key=lambda c: (c.party.id, c.date, c.file, c.line or 0))
    credit_records = tuple(
        Credit(side, f"{c.file}:{c.line}", c.kind, c.party.id, c.account, c.date, c.currency, c.amount, c.applied, tuple(c.refs), c.narration, Location(c.file, c.line))
        for c in credits
    )
    refund_records = tuple(
        Credit(side, r.ref, r.kind, r.party.id, r.account, r.date, r.currency, r.amount, r.applied, (), r.narration, r.where)
        for r in sorted(refunds, key=lambda c: (c.party.id, c.date, c.ref))
    )
    ties = _tie_out(documents, credit_records, balances, accounts)
    for tie in ties:
        if not tie.ok:
            party = books.parties[tie.party]
            problems.append(diag("tie-out", f"{tie.party} {tie.currency}: open {key}s {format_number(tie.open_documents)} minus unapplied credits {format_number(tie.unapplied_credits)} differ from the ledger balance {format_number(tie.ledger_balance)} by {format_number(tie.difference)}", party.where("accounts")))
    problems += _credit_limits(books, side, documents, credit_records)
    return OpenItems(side, as_of, documents, credit_records, ties, tuple(problems), dict(books.parties), refund_records)


def _number_documents(docs: list[_Doc], key: str, operating: str, problems: list[Diagnostic]) -> tuple[list[_Doc], dict[str, _Doc]]:
    """Merge an invoice written as several postings; index documents by number, and
    report documents with no number, a number used twice, or a foreign currency."""
    by_number: dict[str, _Doc] = {}
    merged: list[_Doc] = []
    for doc in docs:
        first = by_number.get(doc.number) if doc.number else None
        if first is not None and first.txn == doc.txn and first.currency == doc.currency and first.party is doc.party and first.account == doc.account:
            first.amount += doc.amount  # one invoice written as several receivable postings
            continue
        merged.append(doc)
        if doc.number and first is None:
            by_number[doc.number] = doc
    docs = merged
    by_number = {}
    currencies_of: dict[str, tuple[str, ...]] = {}
    for doc in docs:
        if doc.number is None:
            problems.append(diag("unnumbered-document", f"{key} of {format_number(doc.amount)} {doc.currency} to {doc.account} has no number", doc.where, hint=f"add a link like ^INV-2026-001 or `{key}:` metadata"))
            continue
        if doc.number in by_number:
            first = by_number[doc.number]
            problems.append(diag("duplicate-document", f"{key} number {doc.number} is used twice (first at {first.where.file}:{first.where.line})", doc.where))
            continue
        by_number[doc.number] = doc
        allowed = currencies_of.get(doc.party.id)
        if allowed is None:
            allowed = currencies_of[doc.party.id] = party_currencies(doc.party, operating)
        if doc.currency not in allowed:
            problems.append(diag("document-currency", f"{key} {doc.number} is in {doc.currency}, but {doc.party.id} uses {', '.join(allowed)}", doc.where, hint="add the currency to the profile's `currencies`"))
    return docs, by_number


def _apply_linked(credits: list[_Credit], by_number: dict[str, _Doc], all_numbers: dict[str, Date], key: str, problems: list[Diagnostic]) -> list[_Credit]:
    """Apply credits to the documents they name (metadata, then links), in ledger
    order; return the credits left for FIFO."""
    fifo: list[_Credit] = []
    for credit in credits:
        targets: list[_Doc] = []
        unknown: list[str] = []
        later: list[str] = []
        foreign: list[str] = []
        for r in credit.refs:
            doc_for = by_number.get(r)
            if doc_for is None:
                (later if r in all_numbers else unknown).append(r)
            elif doc_for.party is credit.party:
                targets.append(doc_for)
            else:
                foreign.append(r)
        for r in foreign:
            problems.append(diag("unknown-document", f"{credit.kind} of {credit.party.id} is linked to {key} {r}, which belongs to {by_number[r].party.id}", credit.where))
        if credit.by_metadata and unknown:
            problems.append(diag("unknown-document", f"{credit.kind} refers to {key} {unknown[0]}, which is not in the ledger", credit.where))
        elif not targets and unknown and not later:
            problems.append(diag("unknown-document", f"{credit.kind} is linked to {', '.join(unknown)}, which is no {key} of {credit.party.id}", credit.where, hint=f"check the link; an unlinked {credit.kind} is applied to the oldest open {key}s"))
        if not targets:
            if not later:  # a credit for a document after the as-of date waits for it
                fifo.append(credit)
            continue
        for doc in sorted(targets, key=lambda d: (d.date, d.due, d.ref)) if len(targets) > 1 else targets:
            if doc.currency != credit.currency:
                problems.append(diag("document-currency", f"{credit.kind} in {credit.currency} is linked to {key} {doc.ref} in {doc.currency}", credit.where))
                continue
            if credit.date < doc.date:
                problems.append(diag("payment-before-document", f"{credit.kind} dated {credit.date} is applied to {key} {doc.ref} dated {doc.date}", credit.where))
            _apply(credit, doc, "metadata" if credit.by_metadata else "linked")
        if credit.left > ZERO:
            overpaid = [d for d in targets if d.currency == credit.currency]
            if overpaid:
                names = ", ".join(d.ref for d in overpaid)
                problems.append(diag("overpaid-document", f"{names} overpaid by {format_number(credit.left)} {credit.currency}; the surplus is an unapplied credit", credit.where))
    return fifo


def _replay(docs: list[_Doc], credits: list[_Credit], fifo: list[_Credit], refunds: list[_Credit], problems: list[Diagnostic]) -> None:
    """Unlinked credits and refunds, in date order.

    A document becomes payable on its date; an unlinked credit pays the open
    documents of its party and currency oldest due first, and what it cannot
    place yet waits for the next document. A refund pays back what is unapplied
    on its date (so a later invoice does not swallow a prepayment that was
    refunded before it existed); a refund beyond that becomes an unnumbered
    document, added to ``docs``.
    """
    fifo_keys = {(id(c.party), c.currency) for c in fifo} | {(id(r.party), r.currency) for r in refunds}
    events: list[tuple[Date, int, int, object]] = []
    for n, doc in enumerate(docs):
        if (id(doc.party), doc.currency) in fifo_keys and doc.paid < doc.amount:
            events.append((doc.date, 0, n, doc))
    for n, credit in enumerate(fifo):
        events.append((credit.date, 1, n, credit))
    for n, back in enumerate(refunds):
        events.append((back.date, 2, n, back))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    waiting: dict[tuple[int, str], list[tuple[Date, Date, str, str, int, _Doc]]] = defaultdict(list)
    pending: dict[tuple[int, str], list[_Credit]] = defaultdict(list)
    seen_credits: dict[tuple[int, str], list[_Credit]] = defaultdict(list)
    linked_by_key: dict[tuple[int, str], list[_Credit]] = defaultdict(list)
    fifo_ids = {id(c) for c in fifo}
    for credit in credits:
        if id(credit) not in fifo_ids:
            linked_by_key[(id(credit.party), credit.currency)].append(credit)

    def settle(slot: tuple[int, str]) -> None:
        queue, payers = waiting[slot], pending[slot]
        while queue and payers:
            doc = queue[0][-1]
            if doc.open <= ZERO:
                heapq.heappop(queue)
                continue
            payer = payers[0]
            if payer.left <= ZERO:
                payers.pop(0)
                continue
            _apply(payer, doc, "fifo")

    for _, event, _, item in events:
        if event == 0:
            assert isinstance(item, _Doc)
            doc = item
            slot = (id(doc.party), doc.currency)
            heapq.heappush(waiting[slot], (doc.due, doc.date, doc.number or "", doc.file, doc.line or 0, doc))
            settle(slot)
        elif event == 1:
            assert isinstance(item, _Credit)
            credit = item
            slot = (id(credit.party), credit.currency)
            pending[slot].append(credit)
            seen_credits[slot].append(credit)
            settle(slot)
        else:
            assert isinstance(item, _Credit)
            back = item
            slot = (id(back.party), back.currency)
            sources = sorted(
                [c for c in linked_by_key.get(slot, []) if c.date <= back.date] + seen_credits[slot],
                key=lambda c: (c.date, c.file, c.line or 0),
            )
            for credit in sources:
                if back.left <= ZERO:
                    break
                take = min(credit.left, back.left)
                if take > ZERO:
                    credit.applied += take
                    back.applied += take
            if back.left > ZERO:
                docs.append(_Doc(None, back.party, back.account, back.date, back.date, back.currency, back.left, back.narration, back.file, back.line, -1))
                problems.append(diag("unnumbered-document", f"refund of {format_number(back.left)} {back.currency} exceeds the unapplied credits of {back.party.id}", back.where))


def party_currencies(party: Party, operating: str) -> tuple[str, ...]:
    """The currencies a party uses: its `currencies`, else those of its terms and contract, else the operating currency."""
    if party.currencies:
        return party.currencies
    named = [m.currency for m in (party.terms.credit_limit, party.contract.value) if m is not None]
    return tuple(dict.fromkeys(named)) or (operating,)


def _apply(credit: _Credit, doc: _Doc, how: str) -> None:
    take = min(credit.left, doc.open)
    if take <= ZERO:
        return
    doc.apps.append(Application(credit.date, take, credit.ref, how))
    doc.paid += take
    credit.applied += take


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
            problems.append(diag("invalid-date", f"due: {day} is outside the dates acct-tool handles ({DATE_RANGE}); using the payment terms", Location(pp.file, pp.line)))
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


def _credit_limits(books: Books, side: Side, documents: Iterable[Document], credits: Iterable[Credit]) -> list[Diagnostic]:
    if side is not Side.AR:
        return []
    totals: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for d in documents:
        totals[(d.party, d.currency)] += d.open
    for c in credits:
        totals[(c.party, c.currency)] -= c.unapplied
    out = []
    for (party_id, currency), total in sorted(totals.items()):
        limit = books.parties[party_id].terms.credit_limit
        if limit and limit.currency == currency and total > limit.number:
            out.append(diag("credit-limit", f"{party_id} owes {format_number(total)} {currency}, above its credit limit of {format_number(limit.number)} {currency}", books.parties[party_id].where("terms", "credit_limit")))
    return out
