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
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.ledger import Transaction, display_path
from acct_tool.money import format_number

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


@dataclass(frozen=True)
class Application:
    """Part of a credit applied to a document."""

    date: Date
    amount: Decimal
    credit_ref: str
    how: str  # "linked", "metadata" or "fifo"


@dataclass(frozen=True)
class Document:
    """An invoice (AR) or a bill (AP), with what was applied to it up to the as-of date."""

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

    @property
    def paid(self) -> Decimal:
        return sum((a.amount for a in self.applications), ZERO)

    @property
    def open(self) -> Decimal:
        return self.amount - self.paid

    @property
    def settled_on(self) -> Date | None:
        """The date of the last application when the document is fully paid."""
        if self.open != ZERO or not self.applications:
            return None
        return max(a.date for a in self.applications)

    def days_past_due(self, as_of: Date) -> int:
        return (as_of - self.due).days


@dataclass(frozen=True)
class Credit:
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

    def open_documents(self, party: str | None = None) -> list[Document]:
        return [d for d in self.documents if d.open != ZERO and (party is None or d.party == party)]

    def unapplied_credits(self, party: str | None = None) -> list[Credit]:
        return [c for c in self.credits if c.unapplied != ZERO and (party is None or c.party == party)]

    def balance(self, party: str) -> dict[str, Decimal]:
        """Open documents minus unapplied credits per currency for one party."""
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for d in self.open_documents(party):
            out[d.currency] += d.open
        for c in self.unapplied_credits(party):
            out[c.currency] -= c.unapplied
        return dict(sorted(out.items()))


# --- building ---------------------------------------------------------------


@dataclass
class _Doc:
    number: str | None
    party: Party
    account: str
    date: Date
    due: Date
    currency: str
    amount: Decimal
    narration: str
    where: Location
    txn: int = 0
    apps: list[Application] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return self.number or f"{self.where.file}:{self.where.line}"

    @property
    def open(self) -> Decimal:
        return self.amount - sum((a.amount for a in self.apps), ZERO)


@dataclass
class _Credit:
    kind: str
    party: Party
    account: str
    date: Date
    currency: str
    amount: Decimal
    refs: list[str]
    by_metadata: bool
    narration: str
    where: Location
    applied: Decimal = ZERO

    @property
    def ref(self) -> str:
        return f"{self.where.file}:{self.where.line}"

    @property
    def left(self) -> Decimal:
        return self.amount - self.applied


def _meta_text(meta: Mapping[str, object] | None, *keys: str) -> str | None:
    if not meta:
        return None
    for key in keys:
        value = meta.get(key)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


@dataclass(frozen=True)
class PartyPosting:
    """A posting to a party's account, with what the allocation needs to know about its
    transaction. Extracted once from the ledger (and cacheable); amounts keep the
    ledger's sign."""

    account: str  # the party's account (postings to sub-accounts map to it)
    date: Date
    number: Decimal
    currency: str
    txn: int  # index of the transaction, to tell postings of one transaction apart
    links: tuple[str, ...]
    refs: Mapping[str, tuple[str | None, str | None]]  # "invoice"/"bill" -> (posting meta, transaction meta)
    due: object  # the transaction's `due:` metadata, as written
    refund: bool
    credit_note: bool
    cash_leg: bool
    narration: str
    file: str
    line: int | None


def extract_party_postings(transactions: Iterable[Transaction], accounts: Iterable[str], root: Path) -> list[PartyPosting]:
    """Every posting to one of ``accounts`` (or a sub-account), in ledger order."""
    wanted = set(accounts)
    paths: dict[str, str] = {}
    resolved: dict[str, str | None] = {}

    def party_account(account: str) -> str | None:
        if account not in resolved:
            found = None
            parent = account
            while True:
                if parent in wanted:
                    found = parent
                    break
                if ":" not in parent:
                    break
                parent = parent.rsplit(":", 1)[0]
            resolved[account] = found
        return resolved[account]

    out: list[PartyPosting] = []
    for index, txn in enumerate(transactions):
        for posting in txn.postings:
            account = party_account(posting.account)
            if account is None or posting.units is None or posting.units.number is None:
                continue
            meta = posting.meta if posting.meta and "filename" in posting.meta else txn.meta
            filename = str(meta.get("filename", ""))
            if filename not in paths:
                paths[filename] = display_path(filename, root) or filename
            line = meta.get("lineno")
            out.append(
                PartyPosting(
                    account=account,
                    date=txn.date,
                    number=posting.units.number,
                    currency=posting.units.currency,
                    txn=index,
                    links=tuple(sorted(txn.links or ())),
                    refs={key: (_meta_text(posting.meta, key), _meta_text(txn.meta, key)) for key in ("invoice", "bill")},
                    due=(txn.meta or {}).get("due"),
                    refund=_meta_text(posting.meta, "refund") is not None or _meta_text(txn.meta, "refund") is not None,
                    credit_note=_meta_text(posting.meta, "credit_note") is not None or _meta_text(txn.meta, "credit_note") is not None,
                    cash_leg=_has_cash_leg(txn, posting.account),
                    narration=txn.narration or txn.payee or "",
                    file=paths[filename],
                    line=line if isinstance(line, int) else None,
                )
            )
    return out


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

    for pp in books.party_postings():
        party = accounts.get(pp.account)
        if party is None:
            continue
        number = pp.number * side.sign
        posting_ref, txn_ref = pp.refs[key]
        ident = posting_ref or txn_ref or (pp.links[0] if pp.links else None)
        if number > ZERO and ident and ident not in all_numbers:
            all_numbers[ident] = pp.date
        if pp.date > as_of:
            continue
        currency = pp.currency
        balances[(party.id, currency)] += number
        loc = Location(pp.file, pp.line)
        if number > ZERO and not pp.refund:
            due = _due(pp, party, default_days, loc, problems)
            docs.append(_Doc(ident, party, pp.account, pp.date, due, currency, number, pp.narration, loc, pp.txn))
        elif number > ZERO:
            refunds.append(_Credit("refund", party, pp.account, pp.date, currency, number, [], False, pp.narration, loc))
        else:
            refs = [posting_ref] if posting_ref else sorted(set(pp.links) | ({txn_ref} if txn_ref else set()))
            kind = "credit note" if pp.credit_note or not pp.cash_leg else "payment"
            credits.append(_Credit(kind, party, pp.account, pp.date, currency, -number, refs, bool(posting_ref), pp.narration, loc))

    by_number: dict[str, _Doc] = {}
    merged: list[_Doc] = []
    for doc in docs:
        first = by_number.get(doc.number) if doc.number else None
        if first is not None and first.txn == doc.txn and first.currency == doc.currency:
            first.amount += doc.amount  # one invoice written as several receivable postings
            continue
        merged.append(doc)
        if doc.number and first is None:
            by_number[doc.number] = doc
    docs = merged
    by_number = {}
    for doc in docs:
        if doc.number is None:
            problems.append(diag("unnumbered-document", f"{key} of {format_number(doc.amount)} {doc.currency} to {doc.account} has no number", doc.where, hint=f"add a link like ^INV-2026-001 or `{key}:` metadata"))
            continue
        if doc.number in by_number:
            first = by_number[doc.number]
            problems.append(diag("duplicate-document", f"{key} number {doc.number} is used twice (first at {first.where.file}:{first.where.line})", doc.where))
            continue
        by_number[doc.number] = doc
        allowed = party_currencies(doc.party, books.settings.operating_currency or "USD")
        if doc.currency not in allowed:
            problems.append(diag("document-currency", f"{key} {doc.number} is in {doc.currency}, but {doc.party.id} uses {', '.join(allowed)}", doc.where, hint="add the currency to the profile's `currencies`"))

    # Explicit references first (metadata, then links), then FIFO for the rest.
    credits.sort(key=lambda c: (c.date, c.where.file, c.where.line or 0))
    fifo: list[_Credit] = []
    for credit in credits:
        targets = [by_number[r] for r in credit.refs if r in by_number and by_number[r].party is credit.party]
        unknown = [r for r in credit.refs if r not in by_number and r not in all_numbers]
        later = [r for r in credit.refs if r not in by_number and r in all_numbers]
        foreign = [r for r in credit.refs if r in by_number and by_number[r].party is not credit.party]
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
        for doc in sorted(targets, key=lambda d: (d.date, d.due, d.ref)):
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

    for credit in fifo:
        open_docs = sorted(
            (d for d in docs if d.party is credit.party and d.currency == credit.currency and d.open > ZERO),
            key=lambda d: (d.due, d.date, d.ref),
        )
        for doc in open_docs:
            if credit.left <= ZERO:
                break
            _apply(credit, doc, "fifo")

    for refund in refunds:  # a refund pays back unapplied credits, oldest first
        for credit in credits:
            if refund.left <= ZERO:
                break
            if credit.party is refund.party and credit.currency == refund.currency and credit.left > ZERO:
                take = min(credit.left, refund.left)
                credit.applied += take
                refund.applied += take
        if refund.left > ZERO:
            docs.append(_Doc(None, refund.party, refund.account, refund.date, refund.date, refund.currency, refund.left, refund.narration, refund.where))
            problems.append(diag("unnumbered-document", f"refund of {format_number(refund.left)} {refund.currency} exceeds the unapplied credits of {refund.party.id}", refund.where))

    documents = tuple(
        sorted(
            (
                Document(side, d.ref, d.number, d.party.id, d.account, d.date, d.due, d.currency, d.amount, tuple(d.apps), d.narration, d.where)
                for d in docs
            ),
            key=lambda d: (d.party, d.date, d.ref),
        )
    )
    credit_records = tuple(
        Credit(side, c.ref, c.kind, c.party.id, c.account, c.date, c.currency, c.amount, c.applied, tuple(c.refs), c.narration, c.where)
        for c in sorted(credits, key=lambda c: (c.party.id, c.date, c.ref))
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
    credit.applied += take


def _has_cash_leg(txn: Transaction, account: str) -> bool:
    """True when money moved: some other posting is an asset or liability (a bank, say)."""
    return any(p.account != account and p.account.split(":", 1)[0] in ("Assets", "Liabilities") for p in txn.postings)


def _due(pp: PartyPosting, party: Party, default_days: int, where: Location, problems: list[Diagnostic]) -> Date:
    raw = pp.due
    if isinstance(raw, datetime.date):
        return raw
    if raw is not None:
        try:
            return datetime.date.fromisoformat(str(raw).strip())
        except ValueError:
            problems.append(diag("invalid-date", f"due: {raw!r} is not a date; using the payment terms", where))
    days = party.terms.payment_days if party.terms.payment_days is not None else default_days
    return pp.date + datetime.timedelta(days=days)


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
