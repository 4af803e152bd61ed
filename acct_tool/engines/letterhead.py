"""Who sends a document and to whom: the firm, the recipient and where to pay.

Every document a client receives (invoice, statement, reminder letter) opens
with the same three blocks, built here once from the settings' ``firm:`` and the
party's profile: the firm's name, address and tax id; the party's billing
address, tax id and billing contact; and the bank details for the document's
currency with the reference to quote. The result is plain data for templates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from acct_tool.engines.relationship import billing_contact

if TYPE_CHECKING:
    from acct_tool.books.parties import Party
    from acct_tool.books.settings import BankDetails, Settings


def firm_data(settings: Settings, logo: str | None = None) -> dict[str, Any]:
    """The firm as documents show it; ``logo`` is the image as a ``data:`` URL, when there is one."""
    firm = settings.firm
    return {
        "name": firm.name or "",
        "address": list(firm.address),
        "tax_id": firm.tax_id,
        "email": firm.email,
        "phone": firm.phone,
        "website": firm.website,
        "logo": logo,
    }


def recipient_data(party: Party) -> dict[str, Any]:
    """The party as a document is addressed to it: billing address, tax id, billing contact."""
    contact = billing_contact(party)
    return {
        "id": party.id,
        "name": party.name,
        "address": list(party.billing_address),
        "tax_id": party.tax_id,
        "contact": None if contact is None else {"name": contact.name, "email": contact.email, "phone": contact.phone, "role": contact.role},
    }


def remittance_data(settings: Settings, currency: str, reference: str | None) -> dict[str, Any] | None:
    """How to pay an amount in ``currency``: the firm's bank details for it, the reference to quote
    and the firm's payment note; None when the settings name no bank account."""
    details: BankDetails | None = settings.firm.bank_for(currency)
    if details is None:
        return None
    return {
        "currency": currency,
        "bank": details.bank,
        "account_name": details.account_name or settings.firm.name,
        "account_number": details.account_number,
        "routing": details.routing,
        "iban": details.iban,
        "bic": details.bic,
        "reference": reference,
        "note": settings.firm.payment_note,
    }


def letterhead(settings: Settings, party: Party, currency: str, reference: str | None, logo: str | None = None) -> dict[str, Any]:
    """The three blocks every client document opens with (see the module's doc)."""
    return {"firm": firm_data(settings, logo), "recipient": recipient_data(party), "remittance": remittance_data(settings, currency, reference)}
