"""Reminder letters: one per client whose overdue invoices are due to be chased (pure).

A client gets a letter when one of its open invoices has a collection follow-up
due at the as-of date -- the same rule, through the same function, as
``acct-tool followups`` (:func:`acct_tool.engines.followups.collections`): the
invoice has reached a collection level (default 7, 30 and 60 days past due)
that no recorded reminder has answered yet. The letter lists every overdue
invoice of the client (days past due above zero), with when each was reminded
before, and totals per currency (never summed across currencies).

Its level -- the tone and wording -- is the highest collection level any of the
listed invoices has reached, unless the caller forces one. Level 1 is a
friendly reminder, 2 a second reminder, 3 and above a final notice.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from acct_tool.engines.followups import collection_level, collections, reminders_sent
from acct_tool.engines.letterhead import letterhead, remittance_data
from acct_tool.engines.receivables import Document, OpenItems
from acct_tool.engines.relationship import billing_contact
from acct_tool.money import Money

if TYPE_CHECKING:
    from acct_tool.books.parties import Contact, Party
    from acct_tool.books.settings import Settings

Date = datetime.date

#: The letters there are templates for; a higher level uses the last one.
TEMPLATE_LEVELS = 3
TITLES = {1: "Payment reminder", 2: "Second reminder", 3: "Final notice"}


def title(level: int) -> str:
    """``Payment reminder``, ``Second reminder`` or ``Final notice`` (level 3 and above)."""
    return TITLES[min(max(level, 1), TEMPLATE_LEVELS)]


def template_name(level: int) -> str:
    """The template pair of a letter at ``level``: ``dunning-1`` .. ``dunning-3``."""
    return f"dunning-{min(max(level, 1), TEMPLATE_LEVELS)}"


@dataclass(frozen=True)
class OverdueDocument:
    """One overdue invoice as a letter lists it."""

    number: str
    date: Date
    due: Date
    amount: Money  # the invoice's total
    open: Money  # what is still unpaid
    days_overdue: int
    level: int  # the highest collection level it has reached (0: none yet)
    reminded: tuple[Date, ...]  # when a reminder for it was recorded, oldest first
    chase_due: bool  # its collection follow-up is due at the as-of date


@dataclass(frozen=True)
class Letter:
    """The reminder letter of one client."""

    party: Party
    as_of: Date
    level: int  # the letter's level: the highest reached, or the one asked for
    reached: int  # the highest collection level any of its documents reached
    documents: tuple[OverdueDocument, ...]
    totals: tuple[Money, ...]  # open per currency, in currency order
    contact: Contact | None  # the billing contact it is addressed to

    @property
    def template(self) -> str:
        return template_name(self.level)

    @property
    def title(self) -> str:
        return title(self.level)

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(d.number for d in self.documents)

    def context(self, settings: Settings, logo: str | None = None) -> dict[str, Any]:
        """What the ``dunning-N`` templates get (see docs/documents.md)."""
        currencies = [m.currency for m in self.totals]
        first = currencies[0]
        refs = ", ".join(d.number for d in self.documents if d.open.currency == first)
        remittances = [remittance_data(settings, c, ", ".join(d.number for d in self.documents if d.open.currency == c)) for c in currencies]
        manager = self.party.manager
        return {
            "as_of": self.as_of,
            "level": self.level,
            "reached": self.reached,
            "title": self.title,
            "party": {"id": self.party.id, "name": self.party.name, "manager": manager},
            "contact": _contact(self.contact),
            "documents": [
                {
                    "number": d.number,
                    "date": d.date,
                    "due": d.due,
                    "amount": d.amount,
                    "open": d.open,
                    "currency": d.open.currency,
                    "days_overdue": d.days_overdue,
                    "level": d.level,
                    "reminded": list(d.reminded),
                    "last_reminded": d.reminded[-1] if d.reminded else None,
                }
                for d in self.documents
            ],
            "totals": [{"currency": m.currency, "open": m, "documents": sum(1 for d in self.documents if d.open.currency == m.currency)} for m in self.totals],
            "letterhead": letterhead(settings, self.party, first, refs, logo),
            "remittances": [r for r in remittances if r is not None],
            "signature": {"name": manager_name(manager), "firm": settings.firm.name or ""},
        }


def manager_name(manager: str | None) -> str | None:
    """How a letter is signed by the account manager: the id in words (``tom`` -> ``Tom``)."""
    if not manager:
        return None
    return " ".join(part.capitalize() for part in manager.replace("_", "-").split("-") if part)


def _contact(contact: Contact | None) -> dict[str, Any] | None:
    if contact is None:
        return None
    return {"name": contact.name, "email": contact.email, "phone": contact.phone, "role": contact.role}


def letters(
    parties: Mapping[str, Party],
    settings: Settings,
    items: OpenItems,
    as_of: Date,
    *,
    chosen: Iterable[str] | None = None,
    level: int | None = None,
) -> list[Letter]:
    """The letters due at ``as_of``, one per client, in party id order.

    ``items`` are the receivables' open items at ``as_of``; ``chosen`` restricts the
    clients; ``level`` forces the letters' level (wording) whatever their documents reached."""
    wanted = set(chosen) if chosen is not None else None
    out = []
    for pid in sorted(parties):
        party = parties[pid]
        if not party.is_client or (wanted is not None and pid not in wanted):
            continue
        letter = party_letter(party, settings, items.open_documents(pid), as_of, level=level)
        if letter is not None:
            out.append(letter)
    return out


def party_letter(party: Party, settings: Settings, documents: Sequence[Document], as_of: Date, *, level: int | None = None) -> Letter | None:
    """The letter of one client (``documents``: its open ones), or None when none of its
    collection follow-ups is due."""
    levels = settings.collection_levels
    overdue = [d for d in documents if d.open > 0 and d.days_past_due(as_of) > 0]
    if not overdue:
        return None
    due = {f.document for f in collections(party, as_of, levels, overdue) if f.due is not None and f.due <= as_of}
    if not due:
        return None
    sent = reminders_sent(party, as_of)
    listed = tuple(
        OverdueDocument(
            number=d.ref,
            date=d.date,
            due=d.due,
            amount=Money(d.amount, d.currency),
            open=Money(d.open, d.currency),
            days_overdue=d.days_past_due(as_of),
            level=collection_level(d.days_past_due(as_of), levels),
            reminded=sent.get(d.ref, ()),
            chase_due=d.ref in due,
        )
        for d in sorted(overdue, key=lambda d: (d.due, d.date, d.ref))
    )
    reached = max(1, max(d.level for d in listed))
    totals: dict[str, Decimal] = {}
    for d in listed:
        totals[d.open.currency] = totals.get(d.open.currency, Decimal(0)) + d.open.number
    return Letter(
        party=party,
        as_of=as_of,
        level=level if level is not None else reached,
        reached=reached,
        documents=listed,
        totals=tuple(Money(totals[c], c) for c in sorted(totals)),
        contact=billing_contact(party),
    )
