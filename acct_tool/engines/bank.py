"""Bank reconciliation: statement lines against the ledger's postings on one account.

Pure functions: ledger entries, statement lines and a date window in; matched
pairs, lines missing from the ledger, postings missing from the statement and
the closing balance check out. The matching is one-to-one and deterministic;
``docs/bank.md`` states the algorithm and this module follows it step by step:

1. Only postings in the statement's currency, dated from the first statement
   date minus the window to the last plus the window, are candidates.
2. A line and a posting can pair when their amounts are equal and their dates
   at most ``window`` days apart.
3. Every possible pair gets a rank: first whether the line's reference occurs
   in the posting's narration, payee, links or metadata (as a whole word, case
   ignored), then the distance in days, then the line's order (date, row),
   then the posting's order (date, place in the ledger). Pairs are taken best
   rank first, skipping lines and postings already taken.
4. A line left over that still has candidates gets one more try: a posting
   taken without a reference match may move to another free candidate of its
   line if that frees a posting for the left-over line (an augmenting path), so
   equal amounts never stay unmatched when a one-to-one pairing exists.
5. Left-over lines are missing from the ledger; left-over postings dated
   within the statement period (first to last date) are missing from the
   statement. Postings in the window margins that match nothing belong to the
   neighbouring statements and are not reported.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from acct_tool.books.ledger import AccountPosting, Ledger, balance_of
from acct_tool.engines.statements import StatementLine


@dataclass(frozen=True)
class Match:
    """A statement line and the ledger posting it pairs with."""

    line: StatementLine
    posting: AccountPosting
    by_reference: bool

    @property
    def days(self) -> int:
        """Ledger date minus statement date, in days."""
        return (self.posting.date - self.line.date).days


@dataclass(frozen=True)
class BalanceCheck:
    """The statement's closing balance against the ledger balance on the same date."""

    date: datetime.date
    currency: str
    statement: Decimal
    ledger: Decimal
    #: The statement line (row) the closing balance was read from.
    row: int

    @property
    def difference(self) -> Decimal:
        return self.ledger - self.statement

    @property
    def agrees(self) -> bool:
        return self.difference == 0


@dataclass(frozen=True)
class BankReconciliation:
    account: str
    currency: str
    window_days: int
    #: The statement period: its first and last line dates (``None`` without lines).
    start: datetime.date | None
    end: datetime.date | None
    lines: int
    matched: tuple[Match, ...]
    missing_in_ledger: tuple[StatementLine, ...]
    missing_in_statement: tuple[AccountPosting, ...]
    balance: BalanceCheck | None
    #: The statement's opening balance (a balance row before every line) against the ledger's.
    opening: BalanceCheck | None = None

    @property
    def reconciled(self) -> bool:
        balanced = all(check is None or check.agrees for check in (self.opening, self.balance))
        return balanced and not self.missing_in_ledger and not self.missing_in_statement


def account_currency(ledger: Ledger, account: str, declared: str | None, operating: str | None) -> str | None:
    """The statement's currency: declared by the format, else the account's only currency, else the operating one."""
    if declared:
        return declared
    opened = ledger.opens().get(account)
    allowed = list(opened.currencies or ()) if opened is not None else []
    if len(allowed) == 1:
        return str(allowed[0])
    if operating and (not allowed or operating in allowed):
        return operating
    return None


def chronological(lines: Sequence[StatementLine]) -> list[StatementLine]:
    """Lines by date; same-date lines in file order, or reversed when the file runs newest first."""
    descending = len(lines) > 1 and lines[0].date > lines[-1].date
    return sorted(lines, key=lambda line: (line.date, -line.row if descending else line.row))


def reconcile_bank(
    all_postings: Sequence[AccountPosting],
    account: str,
    currency: str,
    lines: Sequence[StatementLine],
    window_days: int,
    as_of: datetime.date | None = None,
) -> BankReconciliation:
    """Match ``lines`` against ``all_postings`` (every posting to ``account``, in ledger
    order) and check the opening and closing balances.

    Balance rows (``balance_only``) are not matched: the last one before every line
    is the opening balance; later ones are running balances like any line's."""
    rows = chronological(lines)
    lead = next((i for i, row in enumerate(rows) if not row.balance_only), len(rows))  # balance rows before every line
    opening = _opening_balance(all_postings, currency, rows[lead - 1], rows[lead:], as_of) if lead else None
    ordered = [row for row in rows if not row.balance_only]
    if not ordered:
        return BankReconciliation(account, currency, window_days, None, None, 0, (), (), (), None, opening)
    start, end = ordered[0].date, ordered[-1].date
    window = datetime.timedelta(days=window_days)
    last = end + window if as_of is None else min(end + window, as_of)
    first = start - window
    postings = [p for p in all_postings if p.currency == currency and first <= p.date <= last]
    matches, left_lines, left_postings = match_lines(ordered, postings, window_days)
    missing_in_statement = tuple(p for p in left_postings if start <= p.date <= end)
    return BankReconciliation(
        account=account,
        currency=currency,
        window_days=window_days,
        start=start,
        end=end,
        lines=len(ordered),
        matched=tuple(matches),
        missing_in_ledger=tuple(left_lines),
        missing_in_statement=missing_in_statement,
        balance=_closing_balance(all_postings, currency, rows[lead:], as_of),
        opening=opening,
    )


def _closing_balance(postings: Iterable[AccountPosting], currency: str, ordered: Sequence[StatementLine], as_of: datetime.date | None) -> BalanceCheck | None:
    closing = next((line for line in reversed(ordered) if line.balance is not None), None)
    if closing is None or closing.balance is None:
        return None
    until = closing.date if as_of is None else min(closing.date, as_of)
    ledger = balance_of(postings, until).get(currency, Decimal(0))
    return BalanceCheck(closing.date, currency, closing.balance, ledger, closing.row)


def _opening_balance(
    postings: Iterable[AccountPosting], currency: str, opening: StatementLine, after: Sequence[StatementLine], as_of: datetime.date | None
) -> BalanceCheck | None:
    """The opening balance against the ledger's before the statement's lines: at the start of
    the opening row's date when lines of that date follow it, else at the end of that date."""
    if opening.balance is None:
        return None
    same_day = bool(after) and after[0].date == opening.date
    until = opening.date - datetime.timedelta(days=1) if same_day else opening.date
    ledger = balance_of(postings, until if as_of is None else min(until, as_of)).get(currency, Decimal(0))
    return BalanceCheck(opening.date, currency, opening.balance, ledger, opening.row)


def mentions(haystack: str, reference: str) -> bool:
    """Whether ``reference`` (already case-folded) occurs in ``haystack`` as a whole word."""
    if not reference:
        return False
    at = haystack.find(reference)
    while at != -1:
        before = haystack[at - 1] if at else " "
        after_at = at + len(reference)
        after = haystack[after_at] if after_at < len(haystack) else " "
        if not before.isalnum() and not after.isalnum():
            return True
        at = haystack.find(reference, at + 1)
    return False


def _haystack(posting: AccountPosting) -> str:
    return "\n".join([posting.narration, posting.payee, *sorted(posting.links), *posting.meta]).casefold()


#: A candidate pair's rank: (no reference match, distance in days, line index, posting index).
_Edge = tuple[int, int, int, int]


def match_lines(
    lines: Sequence[StatementLine], postings: Sequence[AccountPosting], window_days: int
) -> tuple[list[Match], list[StatementLine], list[AccountPosting]]:
    """Pair lines with postings one-to-one (module docstring, steps 2-4).

    Returns the matches in line order, and the lines and postings left over,
    each in date order. Time is about linear in the number of candidate pairs.
    """
    lines = sorted(lines, key=lambda line: (line.date, line.row))
    postings = sorted(postings, key=lambda p: (p.date, p.order))
    by_amount: dict[Decimal, list[int]] = {}
    for pi, posting in enumerate(postings):
        by_amount.setdefault(posting.number, []).append(pi)
    days = [p.date.toordinal() for p in postings]
    haystacks: dict[int, str] = {}

    candidates: list[list[_Edge]] = []
    for li, line in enumerate(lines):
        bucket = by_amount.get(line.amount, [])
        day = line.date.toordinal()
        low = bisect.bisect_left(bucket, day - window_days, key=days.__getitem__)
        high = bisect.bisect_right(bucket, day + window_days, key=days.__getitem__)
        reference = line.reference.casefold()
        edges = []
        for pi in bucket[low:high]:
            if reference and pi not in haystacks:
                haystacks[pi] = _haystack(postings[pi])
            unreferenced = 0 if reference and mentions(haystacks[pi], reference) else 1
            edges.append((unreferenced, abs(days[pi] - day), li, pi))
        edges.sort()
        candidates.append(edges)

    line_to: dict[int, int] = {}
    posting_to: dict[int, int] = {}
    by_reference: set[int] = set()  # lines whose pair is a reference match
    for unreferenced, _, li, pi in sorted(edge for edges in candidates for edge in edges):
        if li not in line_to and pi not in posting_to:
            line_to[li], posting_to[pi] = pi, li
            if not unreferenced:
                by_reference.add(li)

    # Postings from which a failed search found no free posting stay hopeless until
    # the matching changes, so failed searches share what they have seen.
    seen: set[int] = set()
    for li, edges in enumerate(candidates):
        if li not in line_to and edges and _augment(li, candidates, line_to, posting_to, by_reference, seen):
            seen = set()

    matches = [Match(lines[li], postings[pi], li in by_reference) for li, pi in sorted(line_to.items())]
    left_lines = [line for li, line in enumerate(lines) if li not in line_to]
    left_postings = [p for pi, p in enumerate(postings) if pi not in posting_to]
    return matches, left_lines, left_postings


def _augment(
    free_line: int,
    candidates: list[list[_Edge]],
    line_to: dict[int, int],
    posting_to: dict[int, int],
    by_reference: set[int],
    seen: set[int],
) -> bool:
    """Find an augmenting path from ``free_line`` (depth first, best rank first) and flip it.

    A posting held by a reference match is never moved. Iterative, so long
    chains of equal amounts cannot exhaust the stack. Returns whether it found one.
    """
    # Each frame: (line, index of its next candidate to try); path: the edge taken from each frame.
    stack: list[list[int]] = [[free_line, 0]]
    path: list[_Edge] = []
    while stack:
        frame = stack[-1]
        li, at = frame
        edges = candidates[li]
        if at >= len(edges):
            stack.pop()
            if path:
                path.pop()
            continue
        frame[1] += 1
        edge = edges[at]
        pi = edge[3]
        if pi in seen:
            continue
        seen.add(pi)
        holder = posting_to.get(pi)
        if holder is not None and holder in by_reference:
            continue
        path.append(edge)
        if holder is None:
            for unreferenced, _, line, posting in path:
                line_to[line], posting_to[posting] = posting, line
                if unreferenced:
                    by_reference.discard(line)
                else:
                    by_reference.add(line)
            return True
        stack.append([holder, 0])
    return False


def render_drafts(
    lines: Sequence[StatementLine],
    *,
    account: str,
    counter_account: str,
    currency: str,
    statement: str,
    open_counter: bool = False,
) -> str:
    """Beancount text for statement lines missing from the ledger, flagged ``!`` for review.

    Each entry carries ``statement: "FILE:ROW"`` and, when the line has one,
    ``statement_ref:`` metadata, so that a later run matches it by reference.
    With ``open_counter`` the text opens ``counter_account`` on the first date.
    """
    ordered = chronological(lines)
    out = [
        f";; Draft entries for {len(ordered)} line(s) of {_one_line(statement)} missing from the ledger.",
        ";; Written by `acct-tool reconcile bank`. Review each entry: choose the right account",
        f";; instead of {counter_account}, change the flag ! to *, then include this file",
        ";; from the ledger (or move the entries into it).",
    ]
    if open_counter and ordered:
        out += ["", f"{ordered[0].date.isoformat()} open {counter_account}"]
    for line in ordered:
        narration = line.description or line.reference or f"Statement line {line.row}"
        out += [
            "",
            f'{line.date.isoformat()} ! "{_quote(narration)}"',
            f'  statement: "{_quote(f"{statement}:{line.row}")}"',
        ]
        if line.reference:
            out.append(f'  statement_ref: "{_quote(line.reference)}"')
        out += [f"  {account}  {line.amount:f} {currency}", f"  {counter_account}"]
    return "\n".join(out) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _quote(text: str) -> str:
    """Text as the inside of a Beancount string: one line, quotes and backslashes escaped."""
    clean = "".join(c if c.isprintable() else " " for c in text)
    return clean.replace("\\", "\\\\").replace('"', '\\"')
