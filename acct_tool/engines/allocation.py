"""Allocation: which credits pay which documents (docs/receivables.md has the rules).

While one side's open items are built, each document and credit is a mutable
state that the steps here fill in: documents written as several postings are
merged and indexed by number, credits are applied to the documents they name
(metadata, then links), and then unlinked credits and refunds are replayed in
date order, oldest due document first (FIFO). Every application is recorded as
an :class:`Application`; what :mod:`acct_tool.engines.receivables` returns is built from
the final states.
"""

from __future__ import annotations

import datetime
import heapq
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.money import Precisions, format_amount

if TYPE_CHECKING:
    from acct_tool.books.parties import Party

ZERO = Decimal(0)
Date = datetime.date


class Application(NamedTuple):
    """Part of a credit applied to a document."""

    date: Date
    amount: Decimal
    credit_ref: str
    how: str  # "linked", "metadata" or "fifo"


class DocumentState:
    """An invoice or bill while credits are applied to it."""

    __slots__ = ("account", "amount", "apps", "currency", "date", "due", "file", "line", "narration", "number", "opening", "paid", "party", "source", "txn")

    def __init__(
        self,
        number: str | None,
        party: Party,
        account: str,
        date: Date,
        due: Date,
        currency: str,
        amount: Decimal,
        narration: str,
        file: str,
        line: int | None,
        txn: int,
        opening: bool = False,
    ) -> None:
        self.number, self.party, self.account, self.date, self.due = number, party, account, date, due
        self.currency, self.amount, self.narration, self.file, self.line, self.txn = currency, amount, narration, file, line, txn
        #: An opening balance (a leg in equity) with no number: the documents it holds are not in the ledger.
        self.opening = opening
        self.apps: list[Application] = []
        self.paid = ZERO
        #: What the caller built it from (the receivables' classified posting), if anything.
        self.source: object = None

    @property
    def where(self) -> Location:
        return Location(self.file, self.line)

    @property
    def ref(self) -> str:
        return self.number or f"{self.file}:{self.line}"

    @property
    def open(self) -> Decimal:
        return self.amount - self.paid


class CreditState:
    """A payment, credit note or refund while it is applied."""

    __slots__ = ("account", "amount", "applied", "by_metadata", "currency", "date", "file", "kind", "line", "narration", "party", "ref", "refs", "source")

    def __init__(
        self,
        kind: str,
        party: Party,
        account: str,
        date: Date,
        currency: str,
        amount: Decimal,
        refs: list[str],
        by_metadata: bool,
        narration: str,
        file: str,
        line: int | None,
        ref: str | None = None,
    ) -> None:
        self.kind, self.party, self.account, self.date, self.currency, self.amount = kind, party, account, date, currency, amount
        self.refs, self.by_metadata, self.narration, self.file, self.line = refs, by_metadata, narration, file, line
        #: ``file:line``, to tell credits apart (applications name it).
        self.ref = ref if ref is not None else f"{file}:{line}"
        self.applied = ZERO
        #: What the caller built it from (the receivables' classified posting), if anything.
        self.source: object = None

    @property
    def where(self) -> Location:
        return Location(self.file, self.line)

    @property
    def left(self) -> Decimal:
        return self.amount - self.applied


def number_documents(
    docs: list[DocumentState], key: str, operating: str, problems: list[Diagnostic], precisions: Precisions | None = None
) -> tuple[list[DocumentState], dict[str, DocumentState]]:
    """Merge an invoice written as several postings; index documents by number, and
    report documents with no number, a number used twice, or a foreign currency."""
    by_number: dict[str, DocumentState] = {}
    merged: list[DocumentState] = []
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
            continue  # reported once allocated, if still open: see report_unnumbered
        if doc.number in by_number:
            first = by_number[doc.number]
            problems.append(diag("duplicate-document", f"{key} number {doc.number} is used twice (first at {first.where.file}:{first.where.line})", doc.where))
            continue
        by_number[doc.number] = doc
        allowed = currencies_of.get(doc.party.id)
        if allowed is None:
            allowed = currencies_of[doc.party.id] = party_currencies(doc.party, operating)
        if doc.currency not in allowed:
            problems.append(
                diag(
                    "document-currency",
                    f"{key} {doc.number} is in {doc.currency}, but {doc.party.id} uses {', '.join(allowed)}",
                    doc.where,
                    hint="add the currency to the profile's `currencies`",
                )
            )
    return docs, by_number


def apply_linked(
    credits: list[CreditState],
    by_number: dict[str, DocumentState],
    all_numbers: dict[str, Date],
    key: str,
    problems: list[Diagnostic],
    precisions: Precisions | None = None,
    docs: list[DocumentState] | None = None,
) -> list[CreditState]:
    """Apply credits to the documents they name (metadata, then links), in ledger
    order; return the credits left for FIFO.

    A credit that names only documents the ledger does not hold pays the party's
    opening balances with no number first (the documents are inside them), when
    ``docs`` has any."""
    fifo: list[CreditState] = []
    openings: dict[tuple[int, str], list[DocumentState]] = defaultdict(list)
    for doc in sorted(docs or (), key=lambda d: (d.date, d.file, d.line or 0)):
        if doc.opening and doc.number is None:
            openings[(id(doc.party), doc.currency)].append(doc)
    for credit in credits:
        targets: list[DocumentState] = []
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
            problems.append(
                diag("unknown-document", f"{credit.kind} of {credit.party.id} is linked to {key} {r}, which belongs to {by_number[r].party.id}", credit.where)
            )
        if not targets and unknown and not later and not foreign:
            opening = [d for d in openings.get((id(credit.party), credit.currency), []) if d.open > ZERO and d.date <= credit.date]
            if opening:
                for doc in opening:
                    _apply(credit, doc, "opening")
                if credit.left > ZERO:
                    fifo.append(credit)
                continue
        if credit.by_metadata and unknown:
            problems.append(diag("unknown-document", f"{credit.kind} refers to {key} {unknown[0]}, which is not in the ledger", credit.where))
        elif not targets and unknown and not later:
            problems.append(
                diag(
                    "unknown-document",
                    f"{credit.kind} is linked to {', '.join(unknown)}, which is no {key} of {credit.party.id}",
                    credit.where,
                    hint=f"check the link; an unlinked {credit.kind} is applied to the oldest open {key}s",
                )
            )
        if not targets:
            if not later:  # a credit for a document after the as-of date waits for it
                fifo.append(credit)
            continue
        for doc in sorted(targets, key=lambda d: (d.date, d.due, d.ref)) if len(targets) > 1 else targets:
            if doc.currency != credit.currency:
                problems.append(diag("document-currency", f"{credit.kind} in {credit.currency} is linked to {key} {doc.ref} in {doc.currency}", credit.where))
                continue
            if credit.date < doc.date:
                problems.append(
                    diag("payment-before-document", f"{credit.kind} dated {credit.date} is applied to {key} {doc.ref} dated {doc.date}", credit.where)
                )
            _apply(credit, doc, "metadata" if credit.by_metadata else "linked")
        if credit.left > ZERO:
            overpaid = [d for d in targets if d.currency == credit.currency]
            if overpaid:
                names = ", ".join(d.ref for d in overpaid)
                problems.append(
                    diag(
                        "overpaid-document",
                        f"{names} overpaid by {format_amount(credit.left, credit.currency, precisions)}; the surplus is an unapplied credit",
                        credit.where,
                    )
                )
    return fifo


def replay(
    docs: list[DocumentState],
    credits: list[CreditState],
    fifo: list[CreditState],
    refunds: list[CreditState],
    problems: list[Diagnostic],
    precisions: Precisions | None = None,
) -> None:
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
    waiting: dict[tuple[int, str], list[tuple[Date, Date, str, str, int, DocumentState]]] = defaultdict(list)
    pending: dict[tuple[int, str], list[CreditState]] = defaultdict(list)
    seen_credits: dict[tuple[int, str], list[CreditState]] = defaultdict(list)
    linked_by_key: dict[tuple[int, str], list[CreditState]] = defaultdict(list)
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
            assert isinstance(item, DocumentState)
            doc = item
            slot = (id(doc.party), doc.currency)
            heapq.heappush(waiting[slot], (doc.due, doc.date, doc.number or "", doc.file, doc.line or 0, doc))
            settle(slot)
        elif event == 1:
            assert isinstance(item, CreditState)
            credit = item
            slot = (id(credit.party), credit.currency)
            pending[slot].append(credit)
            seen_credits[slot].append(credit)
            settle(slot)
        else:
            assert isinstance(item, CreditState)
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
                docs.append(
                    DocumentState(None, back.party, back.account, back.date, back.date, back.currency, back.left, back.narration, back.file, back.line, -1)
                )
                problems.append(
                    diag(
                        "unnumbered-document",
                        f"refund of {format_amount(back.left, back.currency, precisions)} exceeds the unapplied credits of {back.party.id}",
                        back.where,
                    )
                )


def report_unnumbered(docs: list[DocumentState], key: str, problems: list[Diagnostic], precisions: Precisions | None = None) -> None:
    """A warning for each document with no number that is still open: one that is paid
    needs no number to be told apart any more (the reconciliation counts them)."""
    for doc in docs:
        if doc.number is not None or doc.txn < 0 or doc.open <= ZERO:
            continue
        if doc.opening:
            problems.append(
                diag(
                    "unnumbered-document",
                    f"opening balance of {format_amount(doc.amount, doc.currency, precisions)} on {doc.account} for {doc.party.id} has no number; "
                    f"{format_amount(doc.open, doc.currency, precisions)} of it is open",
                    doc.where,
                    hint=f"a payment that names a {key} the ledger does not hold pays the opening balance first; or give it `{key}:` metadata",
                )
            )
            continue
        problems.append(
            diag(
                "unnumbered-document",
                f"{key} of {format_amount(doc.amount, doc.currency, precisions)} to {doc.account} has no number",
                doc.where,
                hint=f"add a link like {'^INV-2026-001' if key == 'invoice' else '^BILL-2026-001'} or `{key}:` metadata",
            )
        )


def party_currencies(party: Party, operating: str) -> tuple[str, ...]:
    """The currencies a party uses: its `currencies`, else those of its terms and contract,
    else those its account's ``open`` line allows, else the operating currency."""
    if party.currencies:
        return party.currencies
    named = [m.currency for m in (party.terms.credit_limit, party.contract.value) if m is not None]
    return tuple(dict.fromkeys(named)) or party.ledger_currencies or (operating,)


def _apply(credit: CreditState, doc: DocumentState, how: str) -> None:
    take = min(credit.left, doc.open)
    if take <= ZERO:
        return
    doc.apps.append(Application(credit.date, take, credit.ref, how))
    doc.paid += take
    credit.applied += take
