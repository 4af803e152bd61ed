"""Client documents (invoices, statements, reminder letters) rendered as Markdown, HTML or PDF.

A document is one template pair, ``NAME.md.j2`` and ``NAME.html.j2``, rendered
from the context its engine built (overridable in the books' templates folder
like the reviews); PDF is the HTML through :mod:`acct_tool.render.pdf`, on the
settings' paper, dated the as-of date, so the same books give the same bytes.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from acct_tool.diagnostics import Diagnostic
from acct_tool.render.reports import Templates

FORMATS = ("md", "html", "pdf")


def render_document(
    templates: Templates,
    name: str,
    context: Mapping[str, Any],
    fmt: str,
    *,
    books_root: Path,
    paper: str,
    as_of: datetime.date,
) -> tuple[bytes | None, list[Diagnostic]]:
    """Document ``name`` in ``fmt`` ("md", "html" or "pdf") as bytes, or None with the template's problems.

    Raises :class:`acct_tool.render.pdf.PdfUnavailable` for PDF when WeasyPrint is missing."""
    template = f"{name}.{'md' if fmt == 'md' else 'html'}.j2"
    text, problems = templates.render(template, context, books_root)
    if text is None:
        return None, problems
    if fmt != "pdf":
        return text.encode("utf-8"), problems
    from acct_tool.render.pdf import html_to_pdf

    return html_to_pdf(text, paper=paper, created=as_of), problems
