"""Bank reconciliation: statement lines against the ledger's postings on one account.

Pure functions: ledger entries, statement lines and a date window in; matched
pairs, lines missing from the ledger, postings missing from the statement and
the closing balance check out. The matching is deterministic;
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
   equal amounts never stay unmatched when a one-to-one pairing exists. With a
   tolerance, a line with a reference is also a candidate of a posting naming
   it whose amount differs by at most the tolerance (ranked after exact amounts).
5. Groups: a left-over line matches 2 to ``GROUP_SIZE`` left-over postings of its
   sign within the window whose amounts sum to it exactly (a batched deposit),
   then a left-over posting matches 2 to ``GROUP_SIZE`` left-over lines (a card
   settlement booked as one entry); candidates are the ``GROUP_CANDIDATES``
   nearest in date; the fewest, then the closest in days, win.
6. Tolerance: left-over lines and postings of the same sign whose amounts differ
   by at most the tolerance pair up, smallest difference first, then closest date.
7. A match with a difference takes in the correcting entry drafted for it
   (a left-over posting of exactly the difference naming the line in ``statement:``).
8. Left-over lines are missing from the ledger; left-over postings dated
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
    """Statement lines and the ledger postings they pair with: one and one, one line and
    several postings (a batched deposit), or several lines and one posting.

    ``line`` and ``posting`` are the first of ``lines`` and ``postings`` (which hold
    just them for a one-to-one pair)."""

    line: StatementLine
    posting: AccountPosting
    by_reference: bool
    lines: tuple[StatementLine, ...] = ()
    postings: tuple[AccountPosting, ...] = ()

    def __post_init__(self) -> None:
        if not self.lines:
            object.__setattr__(self, "lines", (self.line,))
        if not self.postings:
            object.__setattr__(self, "postings", (self.posting,))

    @property
    def days(self) -> int:
        """Ledger date minus statement date, in days."""
        return (self.posting.date - self.line.date).days

    @property
    def difference(self) -> Decimal:
        """Statement minus ledger: what a correcting entry must post to the bank account (0 when exact)."""
        return sum((line.amount for line in self.lines), Decimal(0)) - sum((p.number for p in self.postings), Decimal(0))


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
    #: The largest difference a line and a posting may have and still match (``statements.tolerance``).
    tolerance: Decimal = Decimal(0)

    @property
    def with_difference(self) -> tuple[Match, ...]:
        """The matches whose amounts differ within the tolerance (a fee taken by the bank)."""
        return tuple(m for m in self.matched if m.difference)

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
    tolerance: Decimal = Decimal(0),
    source: str = "",
) -> BankReconciliation:
    """Match ``lines`` against ``all_postings`` (every posting to ``account``, in ledger
    order) and check the opening and closing balances.

    Balance rows (``balance_only``) are not matched: the last one before every line
    is the opening balance; later ones are running balances like any line's. ``tolerance``
    is ``statements.tolerance``; ``source`` the statement's name as drafts write it."""
    rows = chronological(lines)
    lead = next((i for i, row in enumerate(rows) if not row.balance_only), len(rows))  # balance rows before every line
    opening = _opening_balance(all_postings, currency, rows[lead - 1], rows[lead:], as_of) if lead else None
    ordered = [row for row in rows if not row.balance_only]
    if not ordered:
        return BankReconciliation(account, currency, window_days, None, None, 0, (), (), (), None, opening, tolerance)
    start, end = ordered[0].date, ordered[-1].date
    window = datetime.timedelta(days=window_days)
    last = end + window if as_of is None else min(end + window, as_of)
    first = start - window
    postings = [p for p in all_postings if p.currency == currency and first <= p.date <= last]
    matches, left_lines, left_postings = match_lines(ordered, postings, window_days, tolerance)
    grouped, left_lines, left_postings = match_groups(left_lines, left_postings, window_days)
    near, left_lines, left_postings = match_within_tolerance(left_lines, left_postings, window_days, tolerance)
    matches, left_postings = _corrected([*matches, *grouped, *near], left_postings, source)
    matches.sort(key=lambda m: (m.line.date, m.line.row))
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
        tolerance=tolerance,
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


#: A candidate pair's rank: (no reference match, amount difference, distance in days, line index, posting index).
_Edge = tuple[int, Decimal, int, int, int]


def match_lines(
    lines: Sequence[StatementLine], postings: Sequence[AccountPosting], window_days: int, tolerance: Decimal = Decimal(0)
) -> tuple[list[Match], list[StatementLine], list[AccountPosting]]:
    """Pair lines with postings one-to-one (module docstring, steps 2-4).

    A line with a reference also pairs with a posting naming it whose amount
    differs by at most ``tolerance``. Returns the matches in line order, and the
    lines and postings left over, each in date order. Time is about linear in the
    number of candidate pairs.
    """
    lines = sorted(lines, key=lambda line: (line.date, line.row))
    postings = sorted(postings, key=lambda p: (p.date, p.order))
    by_amount: dict[Decimal, list[int]] = {}
    for pi, posting in enumerate(postings):
        by_amount.setdefault(posting.number, []).append(pi)
    days = [p.date.toordinal() for p in postings]
    haystacks: dict[int, str] = {}

    def referenced(pi: int, reference: str) -> bool:
        if pi not in haystacks:
            haystacks[pi] = _haystack(postings[pi])
        return mentions(haystacks[pi], reference)

    candidates: list[list[_Edge]] = []
    for li, line in enumerate(lines):
        bucket = by_amount.get(line.amount, [])
        day = line.date.toordinal()
        low = bisect.bisect_left(bucket, day - window_days, key=days.__getitem__)
        high = bisect.bisect_right(bucket, day + window_days, key=days.__getitem__)
        reference = line.reference.casefold()
        edges: list[_Edge] = []
        for pi in bucket[low:high]:
            unreferenced = 0 if reference and referenced(pi, reference) else 1
            edges.append((unreferenced, Decimal(0), abs(days[pi] - day), li, pi))
        if tolerance and reference:  # a posting naming the reference may differ by the tolerance
            for pi in range(bisect.bisect_left(days, day - window_days), bisect.bisect_right(days, day + window_days)):
                off = abs(postings[pi].number - line.amount)
                if 0 < off <= tolerance and _same_sign(postings[pi].number, line.amount) and referenced(pi, reference):
                    edges.append((0, off, abs(days[pi] - day), li, pi))
        edges.sort()
        candidates.append(edges)

    line_to: dict[int, int] = {}
    posting_to: dict[int, int] = {}
    by_reference: set[int] = set()  # lines whose pair is a reference match
    for edge in sorted(edge for edges in candidates for edge in edges):
        li, pi = edge[3], edge[4]
        if li not in line_to and pi not in posting_to:
            line_to[li], posting_to[pi] = pi, li
            if not edge[0]:
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


def _same_sign(a: Decimal, b: Decimal) -> bool:
    return (a > 0 and b > 0) or (a < 0 and b < 0)


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
        pi = edge[4]
        if pi in seen:
            continue
        seen.add(pi)
        holder = posting_to.get(pi)
        if holder is not None and holder in by_reference:
            continue
        path.append(edge)
        if holder is None:
            for taken in path:
                line, posting = taken[3], taken[4]
                line_to[line], posting_to[posting] = posting, line
                if taken[0]:
                    by_reference.discard(line)
                else:
                    by_reference.add(line)
            return True
        stack.append([holder, 0])
    return False


#: A group is at most this many postings (or lines), chosen among at most this many
#: candidates: the nearest in date. The search is then at most a few thousand sums.
GROUP_SIZE = 6
GROUP_CANDIDATES = 12


def match_groups(
    lines: Sequence[StatementLine], postings: Sequence[AccountPosting], window_days: int
) -> tuple[list[Match], list[StatementLine], list[AccountPosting]]:
    """Match each line to 2-6 postings whose amounts sum to it exactly, then each posting to
    2-6 lines summing to it (module docstring, step 5). Lines and postings as :func:`match_lines`
    leaves them; returns the group matches and what is still left over."""
    lines = sorted(lines, key=lambda line: (line.date, line.row))
    postings = sorted(postings, key=lambda p: (p.date, p.order))
    free_lines = list(range(len(lines)))
    free_postings = list(range(len(postings)))
    matches: list[Match] = []
    for li in list(free_lines):
        line = lines[li]
        chosen = _best_group(line.amount, line.date, [(pi, postings[pi].number, postings[pi].date) for pi in free_postings], window_days)
        if chosen:
            group = tuple(postings[pi] for pi in chosen)
            reference = line.reference.casefold()
            by_reference = bool(reference) and any(mentions(_haystack(p), reference) for p in group)
            matches.append(Match(line, group[0], by_reference, (line,), group))
            free_lines.remove(li)
            free_postings = [pi for pi in free_postings if pi not in chosen]
    for pi in list(free_postings):
        posting = postings[pi]
        chosen = _best_group(posting.number, posting.date, [(li, lines[li].amount, lines[li].date) for li in free_lines], window_days)
        if chosen:
            batch = tuple(lines[li] for li in chosen)
            haystack = _haystack(posting)
            by_reference = any(line.reference and mentions(haystack, line.reference.casefold()) for line in batch)
            matches.append(Match(batch[0], posting, by_reference, batch, (posting,)))
            free_postings.remove(pi)
            free_lines = [li for li in free_lines if li not in chosen]
    return matches, [lines[li] for li in free_lines], [postings[pi] for pi in free_postings]


def _best_group(target: Decimal, day: datetime.date, items: Sequence[tuple[int, Decimal, datetime.date]], window_days: int) -> tuple[int, ...]:
    """The indices of the best group of ``items`` (index, amount, date) summing to ``target``:
    of the same sign, within the window; fewest first, then the least total distance in
    days, then the earliest. Empty when there is none."""
    goal = abs(target)
    options = sorted(((abs((d - day).days), i, abs(a)) for i, a, d in items if _same_sign(a, target) and abs(a) < goal and abs((d - day).days) <= window_days))[
        :GROUP_CANDIDATES
    ]
    best: tuple[int, int, tuple[int, ...]] | None = None
    chosen: list[int] = []

    def walk(start: int, total: Decimal, distance: int) -> None:
        nonlocal best
        if len(chosen) >= 2 and total == goal:
            key = (len(chosen), distance, tuple(sorted(chosen)))
            if best is None or key < best:
                best = key
            return
        if len(chosen) == GROUP_SIZE:
            return
        for at in range(start, len(options)):
            far, index, amount = options[at]
            if total + amount <= goal:
                chosen.append(index)
                walk(at + 1, total + amount, distance + far)
                chosen.pop()

    walk(0, Decimal(0), 0)
    return best[2] if best is not None else ()


def match_within_tolerance(
    lines: Sequence[StatementLine], postings: Sequence[AccountPosting], window_days: int, tolerance: Decimal
) -> tuple[list[Match], list[StatementLine], list[AccountPosting]]:
    """Pair left-over lines and postings whose amounts (of the same sign) differ by at most
    ``tolerance`` (module docstring, step 6): smallest difference first, then closest date."""
    if not tolerance:
        return [], list(lines), list(postings)
    edges = sorted(
        (abs(p.number - line.amount), abs((p.date - line.date).days), li, pi)
        for li, line in enumerate(lines)
        for pi, p in enumerate(postings)
        if _same_sign(p.number, line.amount) and abs(p.number - line.amount) <= tolerance and abs((p.date - line.date).days) <= window_days
    )
    line_to: dict[int, int] = {}
    taken: set[int] = set()
    for _, _, li, pi in edges:
        if li not in line_to and pi not in taken:
            line_to[li] = pi
            taken.add(pi)
    matches = [Match(lines[li], postings[pi], False) for li, pi in sorted(line_to.items())]
    return matches, [line for li, line in enumerate(lines) if li not in line_to], [p for pi, p in enumerate(postings) if pi not in taken]


def _corrected(matches: list[Match], left: list[AccountPosting], source: str) -> tuple[list[Match], list[AccountPosting]]:
    """Matches with a difference take in the correcting entry drafted for them earlier: a
    left-over posting of exactly the difference whose entry has ``statement: "FILE:ROW"``
    naming one of the match's lines (step 7)."""
    out = []
    for m in matches:
        if m.difference and source:
            names = {f"{source}:{line.row}" for line in m.lines}
            fix = next((p for p in left if p.number == m.difference and names.intersection(p.meta)), None)
            if fix is not None:
                left = [p for p in left if p is not fix]
                m = Match(m.line, m.posting, m.by_reference, m.lines, (*m.postings, fix))
        out.append(m)
    return out, left
