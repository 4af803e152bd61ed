"""Files inside the books that documents embed: the firm's logo.

The logo named by ``firm.logo`` is read once, checked (inside the books, a
regular file, at most :data:`MAX_LOGO_BYTES`, a PNG, JPEG or SVG by its content)
and handed to templates as a ``data:`` URL, so that every document stays one
self-contained file. A logo that cannot be used is a diagnostic, and documents
are rendered without it.
"""

from __future__ import annotations

import base64
from pathlib import Path

from acct_tool.books.inputs import broken_link
from acct_tool.books.settings import SETTINGS_FILE, Settings
from acct_tool.diagnostics import Diagnostic, Location, diag

MAX_LOGO_BYTES = 1_000_000


def _kind(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:2048].lower()):
        return "image/svg+xml"
    return None


def read_logo(root: Path, settings: Settings) -> tuple[str | None, list[Diagnostic]]:
    """The firm's logo as a ``data:`` URL, or None (with the reason as a diagnostic when one is set)."""
    name = settings.firm.logo
    if not name:
        return None, []
    where = Location(settings.source or SETTINGS_FILE)
    path = root / name
    link = broken_link(path)
    if link:
        return None, [diag("file-unreadable", f"firm.logo: {name} is {link}", where)]
    try:
        real = path.resolve()
        if not real.is_relative_to(root.resolve()):
            return None, [diag("invalid-value", f"firm.logo: {name} leads outside the books folder", where, hint="copy the logo into the books")]
        if not real.is_file():
            return None, [diag("file-unreadable", f"firm.logo: {name} is not a file", where)]
        if real.stat().st_size > MAX_LOGO_BYTES:
            return None, [diag("invalid-value", f"firm.logo: {name} is larger than {MAX_LOGO_BYTES:,} bytes", where, hint="use a smaller image")]
        data = real.read_bytes()
    except OSError as exc:
        return None, [diag("file-unreadable", f"firm.logo: {name} cannot be read ({exc.strerror or exc})", where)]
    kind = _kind(data)
    if kind is None:
        return None, [diag("invalid-value", f"firm.logo: {name} is not a PNG, JPEG or SVG image", where)]
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}", []
