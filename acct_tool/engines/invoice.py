"""An invoice or credit note as the client receives it, from the transaction that issues it.

The document is found the way open items number documents
(:mod:`acct_tool.engines.receivables`): an invoice is the :class:`Document` of that
number in the receivables' open items, so its party, dates, amount and what was
paid on it are exactly the ones ``open ar`` and ``statement`` show. A credit note is
the transaction with ``credit_note: "NUMBER"`` metadata whose receivable posting is
one of the open items' credits; the documents it applies to come from the same
allocation.

What the document lists comes from the issuing transaction's other legs:

* each income posting is a line: ``line:`` metadata (else the narration, or the
  income account's last component when there are several income legs) and,
  optionally, ``quantity:`` and ``unit_price:`` metadata, whose product must be
  the line amount;
* each posting to one of ``documents.tax_accounts`` (or an account under one) is
  a tax line;
* subtotal plus tax must equal the receivable posting, to the currency's
  precision: a leg that is neither income nor tax makes an ``invoice-total-mismatch``.

Vendor bills are not documents the firm sends: only receivables are read here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from acct_tool.books.ledger import display_path
from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.engines.letterhead import letterhead
from acct_tool.engines.receivables import Credit, Document, OpenItems
from acct_tool.money import Precisions, format_amount, places_of, quantized

if TYPE_CHECKING:
    from acct_tool.books.parties import Party
    from acct_tool.books.settings import Settings

ZERO = Decimal(0)
Date = datetime.date

INVOICE, CREDIT_NOTE = "invoice", "credit note"


@dataclass(frozen=True)
class Line:
    """One line of the document: what was sold (or credited) and its amount."""

    description: str
    amount: Decimal
    currency: str
    account: str
    quantity: Decimal | None = None
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class TaxLine:
    """A posting to a tax account, as the document shows it."""

    description: str
    amount: Decimal
    currency: str
    account: str


@dataclass(frozen=True)
class Totals:
    """Subtotal, tax and total in one currency."""

    currency: str
    subtotal: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax


@dataclass(frozen=True)
class Settlement:
    """A payment or credit applied to the invoice, or an invoice a credit note applies to."""

    date: Date
    amount: Decimal
    kind: str  # "payment", "credit note", "write-off" or "invoice"
    number: str | None  # the credit note's or the invoice's number, when it has one


@dataclass(frozen=True)
class Issued:
    """An invoice or credit note with everything its document shows."""

    kind: str  # "invoice" or "credit note"
    number: str
    party: str
    date: Date
    due: Date | None  # None for a credit note
    currency: str
    narration: str
    lines: tuple[Line, ...]
    taxes: tuple[TaxLine, ...]
    totals: tuple[Totals, ...]
    #: What the receivable posting says (positive for a credit note too).
    amount: Decimal
    #: Paid (invoice) or applied (credit note) up to the as-of date, from the open items.
    paid: Decimal
    #: Payments and credits on the invoice, or the invoices the credit note applies to.
    settlements: tuple[Settlement, ...]
    #: The document numbers a credit note names (its links, ``invoice:`` metadata).
    references: tuple[str, ...]
    where: Location

    @property
    def open(self) -> Decimal:
        """Still to pay (invoice) or not yet applied (credit note)."""
        return self.amount - self.paid


@dataclass(frozen=True)
class Lookup:
    """What looking a number up found: the document (with any problem in it), or why none."""

    issued: Issued | None
    diagnostics: tuple[Diagnostic, ...] = ()
    #: Why nothing was found, for a usage error; with the numbers that do exist.
    missing: str | None = None
    known: tuple[str, ...] = ()


def _where(txn: Any, posting: Any, root: Path) -> Location:
    """Where a posting is written, as the party postings record it (the posting's line, else the transaction's)."""
    meta = posting.meta if posting.meta and "filename" in posting.meta else txn.meta or {}
    filename = str(meta.get("filename", ""))
    line = meta.get("lineno")
    return Location(display_path(filename, root) or filename, line if isinstance(line, int) else None)


def _txn_where(txn: Any, root: Path) -> Location:
    meta = txn.meta or {}
    filename = str(meta.get("filename", ""))
    line = meta.get("lineno")
    return Location(display_path(filename, root) or filename, line if isinstance(line, int) else None)


def _text(meta: Mapping[str, Any] | None, key: str) -> str | None:
    if not meta:
        return None
    value = meta.get(key)
    if value is None or not str(value).strip():
        return None
    return str(value).strip()


def _credit_note_number(txn: Any) -> str | None:
    found = _text(txn.meta, "credit_note")
    if found is not None:
        return found
    for posting in txn.postings:
        found = _text(posting.meta, "credit_note")
        if found is not None:
            return found
    return None


def _under(account: str, roots: Iterable[str]) -> bool:
    return any(account == root or account.startswith(root + ":") for root in roots)


def find(
    number: str,
    items: OpenItems,
    transactions: Iterable[Any],
    settings: Settings,
    root: Path,
    precisions: Precisions,
    *,
    income_root: str = "Income",
) -> Lookup:
    """The invoice or credit note ``number`` in the receivables ``items``, from the ledger's ``transactions``.

    ``items`` are the open items of receivables at the as-of date: credit notes dated
    after it are not looked at either. ``root`` is the books folder (locations are
    shown relative to it), ``income_root`` the ledger's income root (option ``name_income``)."""
    txns = [t for t in transactions if t.date <= items.as_of]
    documents = {d.number: d for d in items.documents if d.number}
    notes: dict[str, Any] = {}
    note_refs: dict[str, str] = {}  # a credit's file:line -> the number of its credit note
    for txn in txns:
        cn = _credit_note_number(txn)
        if cn is None:
            continue
        notes.setdefault(cn, txn)
        for posting in txn.postings:
            where = _where(txn, posting, root)
            note_refs[f"{where.file}:{where.line}"] = cn
    if number in documents:
        return _invoice(documents[number], items, txns, settings, root, precisions, income_root, note_refs)
    if number in notes:
        return _credit_note(number, notes[number], items, settings, root, precisions, income_root)
    return Lookup(None, missing=f"no invoice or credit note numbered '{number}' as of {items.as_of}", known=tuple(sorted({*documents, *notes})))


def _invoice(
    doc: Document,
    items: OpenItems,
    txns: Sequence[Any],
    settings: Settings,
    root: Path,
    precisions: Precisions,
    income_root: str,
    note_refs: Mapping[str, str],
) -> Lookup:
    txn = next((t for t in txns if any(_where(t, p, root) == doc.where for p in t.postings if p.meta and p.meta.get("lineno") == doc.where.line)), None)
    if txn is None:  # the document came from a posting the ledger no longer shows as such
        return Lookup(None, missing=f"the transaction of {doc.ref} was not found in the ledger", known=())
    lines, taxes, problems = _legs(txn, doc.account, Decimal(1), settings, income_root, root, precisions)
    credits = {c.ref: c for c in items.credits}
    settlements = tuple(
        Settlement(a.date, a.amount, credits[a.credit_ref].kind if a.credit_ref in credits else "payment", note_refs.get(a.credit_ref))
        for a in sorted(doc.applications, key=lambda a: (a.date, a.credit_ref))
    )
    issued = Issued(
        INVOICE,
        doc.ref,
        doc.party,
        doc.date,
        doc.due,
        doc.currency,
        txn.narration or txn.payee or "",
        lines,
        taxes,
        _totals(lines, taxes),
        doc.amount,
        doc.paid,
        settlements,
        (),
        _txn_where(txn, root),
    )
    problems += _mismatch(issued, settings.documents.tax_accounts, precisions)
    return Lookup(issued, tuple(problems))


def _credit_note(number: str, txn: Any, items: OpenItems, settings: Settings, root: Path, precisions: Precisions, income_root: str) -> Lookup:
    places = {_where(txn, p, root) for p in txn.postings}
    mine: list[Credit] = [c for c in items.credits if c.where in places]
    if not mine:
        return Lookup(
            None,
            missing=f"credit note {number} is on no client's receivable account (only receivables are documents the firm sends)",
            known=(),
        )
    account, currency = mine[0].account, mine[0].currency
    lines, taxes, problems = _legs(txn, account, Decimal(-1), settings, income_root, root, precisions)
    refs = {c.ref for c in mine}
    settlements = tuple(
        sorted(
            (Settlement(a.date, a.amount, INVOICE, d.number or d.ref) for d in items.documents for a in d.applications if a.credit_ref in refs),
            key=lambda s: (s.date, s.number or ""),
        )
    )
    issued = Issued(
        CREDIT_NOTE,
        number,
        mine[0].party,
        txn.date,
        None,
        currency,
        txn.narration or txn.payee or "",
        lines,
        taxes,
        _totals(lines, taxes),
        sum((c.amount for c in mine if c.currency == currency), ZERO),
        sum((c.applied for c in mine if c.currency == currency), ZERO),
        settlements,
        tuple(dict.fromkeys(r for c in mine for r in c.references)),
        _txn_where(txn, root),
    )
    problems += _mismatch(issued, settings.documents.tax_accounts, precisions)
    return Lookup(issued, tuple(problems))


def _legs(
    txn: Any, account: str, sign: Decimal, settings: Settings, income_root: str, root: Path, precisions: Precisions
) -> tuple[tuple[Line, ...], tuple[TaxLine, ...], list[Diagnostic]]:
    """The income and tax legs of ``txn`` as lines, each amount with the document's sign
    (``sign`` is -1 for a credit note, whose income legs are debits)."""
    tax_roots = settings.documents.tax_accounts
    income = [p for p in txn.postings if _amount(p) is not None and not _under(p.account, (account,)) and _under(p.account, (income_root,))]
    narration = txn.narration or txn.payee or ""
    lines: list[Line] = []
    taxes: list[TaxLine] = []
    problems: list[Diagnostic] = []
    for posting in txn.postings:
        units = _amount(posting)
        if units is None or _under(posting.account, (account,)):
            continue
        number, currency = units
        amount = -number * sign
        described = _text(posting.meta, "line")
        last = posting.account.rsplit(":", 1)[-1]
        if _under(posting.account, tax_roots):
            taxes.append(TaxLine(described or last, amount, currency, posting.account))
        elif _under(posting.account, (income_root,)):
            quantity, price, problem = _quantity(posting, _where(txn, posting, root), amount, currency, precisions)
            if problem is not None:
                problems.append(problem)
            lines.append(Line(described or (narration if len(income) == 1 else last), amount, currency, posting.account, quantity, price))
    return tuple(lines), tuple(taxes), problems


def _amount(posting: Any) -> tuple[Decimal, str] | None:
    units = posting.units
    if units is None or units.number is None:
        return None
    return Decimal(units.number), str(units.currency)


def _quantity(
    posting: Any, where: Location, amount: Decimal, currency: str, precisions: Precisions
) -> tuple[Decimal | None, Decimal | None, Diagnostic | None]:
    """``quantity:`` and ``unit_price:`` of an income posting, checked against its amount."""
    meta = posting.meta or {}
    raw_q, raw_p = meta.get("quantity"), meta.get("unit_price")
    if raw_q is None and raw_p is None:
        return None, None, None
    if raw_q is None or raw_p is None:
        given, other = ("quantity", "unit_price") if raw_q is not None else ("unit_price", "quantity")
        return None, None, diag("invoice-line-mismatch", f"{posting.account}: {given}: without {other}:", where, hint="give both, or neither")
    quantity = _decimal(raw_q)
    price_currency = getattr(raw_p, "currency", None)
    price = _decimal(getattr(raw_p, "number", raw_p))
    if quantity is None or price is None:
        bad = "quantity" if quantity is None else "unit_price"
        return None, None, diag("invoice-line-mismatch", f"{posting.account}: {bad}: '{raw_q if quantity is None else raw_p}' is not a number", where)
    if price_currency is not None and price_currency != currency:
        return (
            quantity,
            price,
            diag("invoice-line-mismatch", f"{posting.account}: unit_price: is in {price_currency}, the line in {currency}", where),
        )
    places = places_of(currency, precisions)
    if quantized(quantity * price, places) != quantized(amount, places):
        product = format_amount(quantity * price, currency, precisions)
        return (
            quantity,
            price,
            diag(
                "invoice-line-mismatch",
                f"{posting.account}: quantity {quantity} × unit price {price} is {product}, but the line amount is {format_amount(amount, currency, precisions)}",
                where,
            ),
        )
    return quantity, price, None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _totals(lines: Iterable[Line], taxes: Iterable[TaxLine]) -> tuple[Totals, ...]:
    sub: dict[str, Decimal] = {}
    tax: dict[str, Decimal] = {}
    for line in lines:
        sub[line.currency] = sub.get(line.currency, ZERO) + line.amount
    for t in taxes:
        tax[t.currency] = tax.get(t.currency, ZERO) + t.amount
    return tuple(Totals(c, sub.get(c, ZERO), tax.get(c, ZERO)) for c in sorted({*sub, *tax}))


def _mismatch(issued: Issued, tax_roots: tuple[str, ...], precisions: Precisions) -> list[Diagnostic]:
    """An ``invoice-total-mismatch`` when subtotal plus tax is not the receivable posting."""
    places = places_of(issued.currency, precisions)
    mine = next((t for t in issued.totals if t.currency == issued.currency), Totals(issued.currency, ZERO, ZERO))
    others = [t for t in issued.totals if t.currency != issued.currency]
    if quantized(mine.total, places) == quantized(issued.amount, places) and not others:
        return []
    shown = ", ".join(format_amount(t.total, t.currency, precisions) for t in (mine, *others))
    return [
        diag(
            "invoice-total-mismatch",
            f"{issued.kind} {issued.number}: its income and tax legs add up to {shown}, but the receivable posting is {format_amount(issued.amount, issued.currency, precisions)}",
            issued.where,
            hint=f"every leg besides the receivable must be income or tax (documents.tax_accounts: {', '.join(tax_roots) or 'none'})",
        )
    ]


def context(issued: Issued, party: Party, settings: Settings, as_of: Date, logo: str | None = None) -> dict[str, Any]:
    """What the invoice templates get: ``document`` (the invoice or credit note), ``letterhead``
    (firm, recipient, and for an invoice where to pay, quoting its number) and ``as_of``."""
    reference = issued.number if issued.kind == INVOICE else None
    head = letterhead(settings, party, issued.currency, reference, logo)
    if issued.kind != INVOICE:
        head["remittance"] = None  # nothing to pay on a credit note
    return {
        "as_of": as_of,
        "letterhead": head,
        "document": {
            "kind": issued.kind,
            "title": "Invoice" if issued.kind == INVOICE else "Credit note",
            "number": issued.number,
            "date": issued.date,
            "due": issued.due,
            "currency": issued.currency,
            "narration": issued.narration,
            "lines": [
                {"description": x.description, "quantity": x.quantity, "unit_price": x.unit_price, "amount": x.amount, "currency": x.currency}
                for x in issued.lines
            ],
            "taxes": [{"description": t.description, "amount": t.amount, "currency": t.currency} for t in issued.taxes],
            "totals": [{"currency": t.currency, "subtotal": t.subtotal, "tax": t.tax, "total": t.total} for t in issued.totals],
            "amount": issued.amount,
            "paid": issued.paid,
            "open": issued.open,
            "settlements": [{"date": s.date, "amount": s.amount, "kind": s.kind, "number": s.number} for s in issued.settlements],
            "references": list(issued.references),
        },
    }
