"""Which format a statement file is in, from its first bytes."""

from __future__ import annotations

import re

#: How much of the file the sniffing looks at.
SNIFF_BYTES = 4096

_CAMT = re.compile(rb"camt\.053\.001\.\d\d")
_MT940 = re.compile(rb"(?m)^:(20|25|28C?|60[FM]):")


def detect(raw: bytes) -> str | None:
    """``ofx``, ``camt053`` or ``mt940`` when the first bytes say so, else ``None`` (a CSV, or unknown)."""
    head = raw[:SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    upper = text.upper()
    if upper.startswith(b"OFXHEADER") or b"<OFX>" in upper or b"<?OFX " in upper:
        return "ofx"
    if text.startswith(b"<") and _CAMT.search(head):
        return "camt053"
    if text.startswith((b"{1:", b":20:", b":940:")) or len(_MT940.findall(head)) >= 2:
        return "mt940"
    return None
