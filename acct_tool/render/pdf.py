"""HTML documents as PDF, through WeasyPrint (the optional ``acct-tool[pdf]`` extra).

The same HTML gives the same bytes: the document's dates are the as-of date (set
as the HTML's ``dcterms.created``/``modified`` metadata, which WeasyPrint writes
into the PDF's information dictionary), and nothing else in the output depends
on the clock or on chance. Nothing is fetched: only ``data:`` URLs (inline images)
are read, so a document never reaches the network or the file system.

The page is A4 or US Letter (``documents.paper`` in the settings) with page
numbers in the footer and no browser header or footer; tables, figures and
charts are kept on one page where they fit.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: The message when the extra is not installed (the command line exits 2 with it).
MISSING = "PDF output needs WeasyPrint: pip install 'acct-tool[pdf]' (and the Pango libraries, e.g. Debian's libpango-1.0-0 and libpangoft2-1.0-0)"

PAPER = {"a4": "A4", "letter": "letter"}

#: Print rules laid over every document's own style. Paper and margins are ``!important``:
#: a stylesheet of the document's own (the reviews' ``@page { size: A4 }``) does not
#: override the settings' paper.
PAGE_CSS = """
@page {
  size: %(size)s !important;
  margin: 16mm 16mm 18mm 16mm !important;
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #666; }
}
html { font-size: 10pt; }
table, figure, svg, .keep-together, tr, .chart { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
a { color: inherit; text-decoration: none; }
"""


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or the system libraries it needs) is not installed."""


def available() -> bool:
    try:
        _weasyprint()
    except PdfUnavailable:
        return False
    return True


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the Pango libraries are missing
        raise PdfUnavailable(MISSING) from exc
    return weasyprint


def html_to_pdf(html: str, *, paper: str, created: datetime.date) -> bytes:
    """``html`` (a self-contained document) as PDF bytes on ``paper`` ("a4" or "letter")."""
    weasyprint = _weasyprint()
    stamped = _with_dates(html, created)
    css = weasyprint.CSS(string=PAGE_CSS % {"size": PAPER.get(paper, "A4")})
    with _quiet():
        document = weasyprint.HTML(string=stamped, base_url=None, url_fetcher=_data_only(weasyprint)).render(stylesheets=[css])
        return bytes(document.write_pdf(identifier=b"acct-tool", uncompressed_pdf=False))


def _data_only(weasyprint: Any) -> Any:
    """WeasyPrint's fetcher for ``data:`` URLs only; anything else is refused (and left out)."""
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):  # WeasyPrint 68 and later
        return urls.URLFetcher(allowed_protocols={"data"})

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
        if not url.startswith("data:"):
            raise ValueError(f"refused to fetch {url[:80]}: documents are self-contained")
        return urls.default_url_fetcher(url, *args, **kwargs)

    return fetch


_HEAD = re.compile(r"<head[^>]*>", re.IGNORECASE)
_DATES = re.compile(r'<meta\s+name="dcterms\.(?:created|modified)"[^>]*>', re.IGNORECASE)


def _with_dates(html: str, created: datetime.date) -> str:
    """The document with its creation and modification dates set to ``created`` (and no others)."""
    stamp = f"{created.isoformat()}T00:00:00Z"
    meta = f'<meta name="dcterms.created" content="{stamp}"><meta name="dcterms.modified" content="{stamp}">'
    html = _DATES.sub("", html)
    found = _HEAD.search(html)
    if found is None:
        return f"<html><head>{meta}</head><body>{html}</body></html>"
    return html[: found.end()] + meta + html[found.end() :]


@contextmanager
def _quiet() -> Iterator[None]:
    """WeasyPrint reports CSS it ignores and refused fetches through logging; a document is not a log."""
    logger = logging.getLogger("weasyprint")
    before, propagate = logger.level, logger.propagate
    logger.setLevel(logging.CRITICAL)
    logger.propagate = False
    try:
        yield
    finally:
        logger.setLevel(before)
        logger.propagate = propagate
