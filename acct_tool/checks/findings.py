"""What ``acct-tool check`` reports: every diagnostic of the books, with the receivable and payable exceptions."""

from __future__ import annotations

from acct_tool.books.load import Books
from acct_tool.checks.drafts import draft_entries
from acct_tool.diagnostics import Diagnostic, sort_diagnostics


def receivable_exceptions(books: Books) -> list[Diagnostic]:
    """AR and AP exceptions (unknown documents, overpayments, tie-out...), none when the ledger failed to load.

    They depend on the ledger, the profiles, the settings and the as-of date only, so
    they are cached with the ledger's facts: a warm ``check`` allocates nothing."""
    if books.ledger.failed:
        return []

    def compute() -> tuple[Diagnostic, ...]:
        from acct_tool.engines import receivables  # a warm check reads them from the cache, and allocates nothing

        return tuple(
            d
            for side in receivables.Side
            for d in receivables.open_items(books.party_postings, books.parties, books.settings, side, books.as_of, books.precisions).diagnostics
        )

    key = (books.as_of.toordinal(), books.inputs_key) if books.inputs_key is not None else None
    return list(books.derived("receivable_exceptions", key, compute))


def findings(books: Books) -> list[Diagnostic]:
    """Everything found in the books, sorted by file and line: loading, profiles, cross-checks, open items, drafts left in the ledger."""
    exceptions = receivable_exceptions(books)  # first: the ledger's validation may be finishing aside meanwhile
    return sort_diagnostics([*books.diagnostics, *exceptions, *draft_entries(books)])
