"""Draft entries left in the ledger: flagged ``!`` or posting to the uncategorised account."""

from __future__ import annotations

from acct_tool.books.ledger import display_path
from acct_tool.books.load import Books
from acct_tool.diagnostics import Diagnostic, Location, diag

HINT = "review it: choose the right account, then change the flag ! to *"


def draft_entries(books: Books) -> list[Diagnostic]:
    """One ``draft-entry`` warning per such entry, at its file and line (none when the ledger failed to load)."""
    if books.ledger.failed:
        return []
    uncategorised = books.settings.statements.counter_account
    why: dict[tuple[str, int | None], str] = {}
    for where in books.ledger.facts.flagged:
        why.setdefault((where.file or "", where.line), "is flagged ! (not reviewed)")
    postings = books.account_postings[uncategorised] if uncategorised in books.needs.accounts else ()
    for p in postings:
        why.setdefault((display_path(p.file, books.root) or "", p.line), f"posts to {uncategorised}")
    return [
        diag("draft-entry", f"draft entry left in the ledger: it {reason}", Location(file, line), hint=HINT)
        for (file, line), reason in sorted(why.items(), key=lambda item: (item[0][0], item[0][1] or 0))
    ]
