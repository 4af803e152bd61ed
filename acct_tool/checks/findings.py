"""What ``acct-tool check`` reports: every diagnostic of the books, with the receivable and payable exceptions."""

from __future__ import annotations

from acct_tool.books.load import Books
from acct_tool.checks.drafts import draft_entries
from acct_tool.diagnostics import Diagnostic, sort_diagnostics
from acct_tool.engines.receivables import Side, open_items


def receivable_exceptions(books: Books) -> list[Diagnostic]:
    """AR and AP exceptions (unknown documents, overpayments, tie-out...), none when the ledger failed to load."""
    if books.ledger.failed:
        return []
    return [d for side in Side for d in open_items(books.party_postings, books.parties, books.settings, side, books.as_of, books.precisions).diagnostics]


def findings(books: Books) -> list[Diagnostic]:
    """Everything found in the books, sorted by file and line: loading, profiles, cross-checks, open items, drafts left in the ledger."""
    return sort_diagnostics([*books.diagnostics, *receivable_exceptions(books), *draft_entries(books)])
