"""An e-mail draft (RFC 5322, ``.eml``) of a rendered document: never sent.

The draft has a plain-text body and an HTML alternative, is dated the as-of
date and carries a Message-ID and MIME boundary derived from its content, so
the same books give the same bytes. ``X-Unsent: 1`` makes mail clients open it
as a draft to review and send. Header values come from the books (names,
addresses, document numbers): a value with a line break or another control
character is refused, so no header can be injected.
"""

from __future__ import annotations

import datetime
import email.policy
import hashlib
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

#: CRLF line endings, as RFC 5322 has them.
POLICY = email.policy.SMTP


class DraftError(ValueError):
    """A header value that cannot go into a message as it is."""


def _clean(what: str, value: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise DraftError(f"{what} {value!r} contains a line break or control character")
    return value


def _address(what: str, name: str | None, addr: str) -> Address:
    _clean(f"{what} name", name or "")
    _clean(f"{what} address", addr)
    try:
        return Address(display_name=name or "", addr_spec=addr)
    except ValueError as exc:
        raise DraftError(f"{what} address {addr!r} is not an e-mail address ({exc})") from None


def draft(
    *,
    sender: tuple[str | None, str],
    to: tuple[str | None, str],
    subject: str,
    day: datetime.date,
    text: str,
    html: str,
) -> bytes:
    """The draft as bytes; ``sender`` and ``to`` are (display name, address). Raises
    :class:`DraftError` for a header value that is not allowed."""
    msg = EmailMessage(policy=POLICY)
    from_address = _address("sender", *sender)
    to_address = _address("recipient", *to)
    msg["From"] = from_address
    msg["To"] = to_address
    msg["Subject"] = _clean("subject", subject)
    msg["Date"] = format_datetime(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc))
    digest = hashlib.sha256("\0".join((str(from_address), str(to_address), subject, day.isoformat(), text, html)).encode("utf-8")).hexdigest()
    msg["Message-ID"] = f"<{digest[:32]}@{from_address.domain or 'localhost'}>"
    msg["X-Unsent"] = "1"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    msg.set_boundary(f"=_{digest[32:64]}")
    return msg.as_bytes(policy=POLICY)
