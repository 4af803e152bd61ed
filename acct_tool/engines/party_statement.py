"""A party's statement of account for a period: balance brought forward, every
document and payment in the period with a running balance, and what is open at
the end (the balance-forward statement of GnuCash's and QuickBooks' customer reports).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from acct_tool.diagnostics import Location
from acct_tool.engines.aging import Aging, age, bucket_of
from acct_tool.engines.receivables import ZERO, Credit, Document, OpenItems, Side, open_items

if TYPE_CHECKING:
    from acct_tool.books.parties import Party
    from acct_tool.books.party_postings import PartyPosting
    from acct_tool.books.settings import Settings
    from acct_tool.money import Precisions


NOWHERE = Location("")


@dataclass(frozen=True)
class StatementLine:
    date: datetime.date
    kind: str  # invoice, bill, payment, credit note, refund
    #: The movement's own number as the party knows it: the invoice's or bill's number, the
    #: credit note's, the payment's bank reference (see :attr:`Credit.reference`); ``""`` for a
    #: document with no number. Never a file and line: that is :attr:`where`.
    ref: str
    description: str
    charge: Decimal  # increases what the party owes (AR) or what we owe (AP)
    credit: Decimal
    balance: Decimal
    due: datetime.date | None = None
    #: The documents a payment or credit note was applied to, in the order it paid them.
    applies_to: tuple[str, ...] = ()
    where: Location = NOWHERE

    @property
    def details(self) -> str:
        """The description, with what a credit applies to: "Payment - applies to INV-2026-028"."""
        if not self.applies_to:
            return self.description
        applied = "applies to " + ", ".join(self.applies_to)
        return f"{self.description} - {applied}" if self.description else applied


@dataclass(frozen=True)
class CurrencySection:
    currency: str
    brought_forward: Decimal
    lines: tuple[StatementLine, ...]

    @property
    def closing(self) -> Decimal:
        return self.lines[-1].balance if self.lines else self.brought_forward


@dataclass(frozen=True)
class PartyStatement:
    party: str
    name: str
    side: Side
    start: datetime.date
    end: datetime.date
    sections: tuple[CurrencySection, ...]
    open_documents: tuple[Document, ...]
    aging: Aging
    unapplied: tuple[Credit, ...] = ()
    aging_limits: tuple[int, ...] = (30, 60, 90)

    def bucket(self, document: Document) -> str:
        """The aging bucket of an open document at the statement's end (the aging's own rule)."""
        return bucket_of(document.days_past_due(self.end), self.aging_limits)


def default_start(end: datetime.date) -> datetime.date:
    """The first day of the month two months before ``end``'s month: three calendar months."""
    month = end.month - 2
    year = end.year
    if month < 1:
        month += 12
        year -= 1
    return datetime.date(year, month, 1)


def party_statement(
    postings: Iterable[PartyPosting],
    parties: Mapping[str, Party],
    settings: Settings,
    party_id: str,
    side: Side,
    start: datetime.date,
    end: datetime.date,
    precisions: Precisions,
) -> PartyStatement:
    """The statement of ``party_id`` from ``start`` to ``end``, from the postings to the parties' accounts."""
    party = parties[party_id]
    items: OpenItems = open_items(postings, parties, settings, side, end, precisions)
    applied: dict[str, list[str]] = defaultdict(list)  # a credit's file:line -> the documents it paid
    entries: list[tuple[datetime.date, int, str, str, str, Decimal, Decimal, datetime.date | None, str, tuple[str, ...], Location]] = []
    for d in items.documents:
        if d.party == party_id:
            entries.append((d.date, 0, side.document, d.number or "", d.narration, d.amount, ZERO, d.due, d.currency, (), d.where))
            for a in d.applications:
                if d.number and d.number not in applied[a.credit_ref]:
                    applied[a.credit_ref].append(d.number)
    for c in items.credits + items.refunds:
        if c.party == party_id:
            charge, credit = (c.amount, ZERO) if c.kind == "refund" else (ZERO, c.amount)
            applies = tuple(applied.get(c.ref, ())) or c.references
            entries.append((c.date, 1, c.kind, c.reference, c.narration, charge, credit, None, c.currency, applies, c.where))
    entries.sort(key=lambda e: (e[0], e[1], e[3]))
    forward: dict[str, Decimal] = defaultdict(lambda: ZERO)
    lines: dict[str, list[StatementLine]] = defaultdict(list)
    for date, _, kind, ref, text, charge, credit, due, currency, applies, where in entries:
        if date < start:
            forward[currency] += charge - credit
            continue
        running = (lines[currency][-1].balance if lines[currency] else forward[currency]) + charge - credit
        lines[currency].append(StatementLine(date, kind, ref, text, charge, credit, running, due, applies, where))
    currencies = sorted(set(forward) | set(lines))
    sections = tuple(CurrencySection(cur, forward[cur], tuple(lines[cur])) for cur in currencies)
    open_docs = tuple(d for d in items.open_documents(party_id))
    party_items = OpenItems(side, end, open_docs, tuple(c for c in items.credits if c.party == party_id), (), ())
    aging = age(party_items, settings.aging_limits)
    return PartyStatement(
        party_id, party.name, side, start, end, sections, open_docs, aging, tuple(items.unapplied_credits(party_id)), tuple(settings.aging_limits)
    )
