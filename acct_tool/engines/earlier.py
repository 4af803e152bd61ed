"""The open items at a date derived from those at a later one: the month ends that trends read.

:class:`~acct_tool.engines.items_at.ItemsAt` computes each date once. A month end before a
date already computed is mostly what that date holds with the later postings taken away,
and :class:`Earlier` derives it so, allocating again only the parties and currencies for
which that does not hold:

* Up to the earlier date, the unlinked credits (FIFO) and refunds are replayed in date
  order, so the replay up to it is the same at both dates -- unless a document of that
  date had something applied to it *later* by a linked credit (linked credits are applied
  before the replay). Such a document is more open at the earlier date, and an unlinked
  credit active after it was issued may have gone to it instead.
* A credit naming a document dated after the earlier date waits for it then, and pays it
  later: its applications to the later documents are taken away with them. One naming
  another party's later document is neither (it waits, then goes FIFO): those dates are
  allocated again whole.

So the slots (a party and currency) with such a document and an unlinked credit active
from its date on, or with a refund up to the earlier date, are replayed again from what the
linked credits had applied by then; the others keep the applications dated up to it.
"""

from __future__ import annotations

import bisect
import datetime
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import NamedTuple, NoReturn, TypeAlias, TypeVar, cast, overload

from acct_tool.diagnostics import Diagnostic, Location
from acct_tool.engines.allocation import CreditState, DocumentState, replay
from acct_tool.engines.receivables import Classified, Credit, Document, OpenItems, Tie, tie_out

ZERO = Decimal(0)
Date = datetime.date
Slot: TypeAlias = tuple[str, str]  # a party's id and a currency
T = TypeVar("T")


class _Withheld(tuple[Diagnostic, ...]):
    """The diagnostics of open items derived by :class:`Earlier`: not computed, so reading them is a bug."""

    def _refuse(self, *args: object) -> NoReturn:
        raise LookupError("the diagnostics of open items derived from a later date are not computed: use Classified.at")

    __iter__ = __len__ = __getitem__ = __contains__ = __bool__ = _refuse


WITHHELD = _Withheld()


class _TieOut(Sequence[Tie]):
    """The tie-out of open items derived by :class:`Earlier`, made when first read: the trends
    that read the month ends never read it (it was a third of a month end's cost), a caller
    that does reads what :func:`~acct_tool.engines.receivables.tie_out` gives."""

    __slots__ = ("_make", "_ties")

    def __init__(self, make: Callable[[], tuple[Tie, ...]]) -> None:
        self._make: Callable[[], tuple[Tie, ...]] | None = make
        self._ties: tuple[Tie, ...] | None = None

    def _value(self) -> tuple[Tie, ...]:
        if self._ties is None:
            assert self._make is not None
            self._ties, self._make = self._make(), None
        return self._ties

    @overload
    def __getitem__(self, index: int) -> Tie: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Tie, ...]: ...
    def __getitem__(self, index: int | slice) -> Tie | tuple[Tie, ...]:
        return self._value()[index]

    def __len__(self) -> int:
        return len(self._value())

    def __iter__(self) -> Iterator[Tie]:
        return iter(self._value())

    def __eq__(self, other: object) -> bool:
        return self._value() == (other._value() if isinstance(other, _TieOut) else other)

    def __hash__(self) -> int:
        return hash(self._value())

    def __repr__(self) -> str:
        return repr(self._value())

    def __reduce__(self) -> tuple[type[tuple[Tie, ...]], tuple[tuple[Tie, ...]]]:
        return tuple, (self._value(),)  # sent or stored as the tuple it stands for


class _Facts:
    """What :class:`Earlier` reads of a classification whatever the dates: each row's position
    in the ledger, the first document of each number, the credits that name another party's
    document, and each slot's running ledger balance."""

    def __init__(self, classified: Classified) -> None:
        rows = classified.rows
        self.order: dict[Location, int] = {row.where: n for n, row in enumerate(rows)}
        self.usable = classified.in_order and len(self.order) == len(rows)
        first: dict[str, tuple[str, Date]] = {}
        for row in rows:
            if row.kind == "document" and row.party is not None and row.ident is not None and row.ident not in first:
                first[row.ident] = (row.party.id, row.pp.date)
        self.all_numbers = classified.all_numbers
        self.first = first
        #: (the credit's date, the date of another party's document it names) for each such name.
        self.foreign: list[tuple[Date, Date]] = []
        for row in rows:
            party = row.party
            if party is not None and row.kind not in ("document", "refund"):
                for ref in row.refs:
                    found = first.get(ref)
                    if found is not None and found[0] != party.id:
                        self.foreign.append((row.pp.date, found[1]))
        self._rows = rows

    @functools.cached_property
    def _running(self) -> tuple[dict[Slot, list[Date]], dict[Slot, list[Decimal]]]:
        """Each slot's row dates and running ledger balance: read by the tie-out alone, which
        the trends never read."""
        dates: dict[Slot, list[Date]] = defaultdict(list)
        sums: dict[Slot, list[Decimal]] = defaultdict(list)
        for row in self._rows:
            party = row.party
            if party is None:
                continue
            slot = (party.id, row.pp.currency)
            running = sums[slot]
            dates[slot].append(row.pp.date)
            running.append((running[-1] if running else ZERO) + row.number)
        return dict(dates), dict(sums)

    def balances(self, day: Date) -> dict[Slot, Decimal]:
        """The ledger balance of each slot with postings up to ``day`` (the rows are in date order)."""
        every_date, sums = self._running
        out = {}
        for slot, dates in every_date.items():
            n = bisect.bisect_right(dates, day)
            if n:
                out[slot] = sums[slot][n - 1]
        return out

    def fifo(self, credit: Credit, later: Date, opening: Decimal, refs: Iterable[str]) -> bool:
        """Whether ``credit`` was applied FIFO at ``later`` (see ``apply_linked``): it names no
        document of its party and none the ledger holds later, and the party's opening
        balances (``opening`` of it applied there) did not take all of it."""
        for ref in refs:
            found = self.first.get(ref)
            if found is None:
                if ref in self.all_numbers:
                    return False  # a number that never is a document's: it waits
                continue
            if found[1] > later:
                return False  # waits for the document
            if found[0] == credit.party:
                return False  # applied to it
        return opening < credit.amount


class _Runs:
    """Records in the order of the later date's (by party, then date): the records of a party
    dated up to a day are the first ones of its run, and :meth:`pick` copies them run by run
    instead of testing each record (a trend asks for a dozen dates of tens of thousands)."""

    def __init__(self, parties: Sequence[str], dates: Sequence[Date], ends: Sequence[Date]) -> None:
        #: (the party, the first record, the one after its last) of each party's run.
        self.spans: list[tuple[str, int, int]] = []
        self.dates = list(dates)
        #: The span of each record.
        self.span_of: list[int] = []
        #: Whether the records are in that order: else :meth:`pick` is not used.
        self.ordered = True
        seen: set[str] = set()
        lo = 0
        for n in range(1, len(parties) + 1):
            if n == len(parties) or parties[n] != parties[lo]:
                if parties[lo] in seen:
                    self.ordered = False  # a party's records in two places
                seen.add(parties[lo])
                self.span_of += [len(self.spans)] * (n - lo)
                self.spans.append((parties[lo], lo, n))
                lo = n
            elif dates[n] < dates[n - 1]:
                self.ordered = False
        #: (its end, its place) of each record whose end is after its date, latest end first:
        #: the records that differ at a day from their date up to (not including) their end.
        self.late = sorted(((end, n) for n, (date, end) in enumerate(zip(dates, ends, strict=True)) if end > date), reverse=True)

    def pick(
        self,
        day: Date,
        whole: Sequence[T],
        at_day: Callable[[int], T],
        redone: Callable[[str], bool],
        one_by_one: Callable[[int, int], Iterable[T]],
    ) -> list[T]:
        """The records dated up to ``day`` in their order: ``whole[n]`` where ``day`` is on or
        after the record's end, else ``at_day(n)``; the runs of the parties that ``redone``
        names are taken from ``one_by_one(first, after_last)``."""
        out: list[T] = []
        offsets: list[int | None] = []
        dates = self.dates
        for party, lo, hi in self.spans:
            if redone(party):
                offsets.append(None)
                out += one_by_one(lo, hi)
                continue
            offsets.append(len(out) - lo)
            out += whole[lo : bisect.bisect_right(dates, day, lo, hi)]
        span_of = self.span_of
        for end, n in self.late:
            if end <= day:
                break
            offset = offsets[span_of[n]]
            if offset is not None and dates[n] <= day:
                out[offset + n] = at_day(n)
        return out


class Earlier:
    """The open items at dates before ``later``'s (``classified.at(later.as_of)``): what
    :meth:`at` reads of them whatever the date, read once, so that a date costs little more
    than picking the records dated up to it (a trend asks for a dozen dates)."""

    def __init__(self, classified: Classified, later: OpenItems, facts: _Facts | None = None) -> None:
        self.classified, self.later = classified, later
        facts = self.facts = facts or _Facts(classified)
        #: Each document, with its date, slot and the date of its last application.
        self.documents: list[tuple[Document, Date, Slot, Date]] = []
        self._documents_of: dict[Slot, list[Document]] = defaultdict(list)
        #: (its date, the date of its last application not FIFO, its slot) of each document a
        #: linked credit paid after its date, the latest application first: the documents that may have moved.
        self._movable: list[tuple[Date, Date, Slot]] = []
        applications: dict[str, list[tuple[Date, Decimal, bool]]] = defaultdict(list)  # by credit: (the document's date, the amount, FIFO)
        opening: dict[str, Decimal] = {}
        never = datetime.date.min
        for d in later.documents:
            last = late = never
            doc_date = d.date
            for a in d.applications:
                how, on = a.how, a.date
                by_fifo = how == "fifo"
                applications[a.credit_ref].append((doc_date, a.amount, by_fifo))
                if on > last:
                    last = on
                if not by_fifo and on > late:
                    late = on
                if how == "opening":
                    opening[a.credit_ref] = opening.get(a.credit_ref, ZERO) + a.amount
            slot = (d.party, d.currency)
            self.documents.append((d, doc_date, slot, last))
            self._documents_of[slot].append(d)
            if late > doc_date:
                self._movable.append((doc_date, late, slot))
        self._movable.sort(key=lambda m: m[1], reverse=True)  # the latest application first
        #: Each credit, with its date, slot, whether it was applied FIFO, its applications, the
        #: date of the latest document it was applied to, what it had applied and how far its
        #: FIFO applications reached once that document is dated, and the credit as it stands then.
        self.credits: list[_CreditFacts] = []
        self._credits_of: dict[Slot, list[_CreditFacts]] = defaultdict(list)
        order = facts.order
        places = [order.get(c.where) for c in later.credits]
        #: Whether ``later`` is this classification's: every credit and refund is one of its postings.
        self.usable = facts.usable and None not in places and all(r.where in order for r in later.refunds)
        if self.usable:
            rows = classified.rows
            for c, place in zip(later.credits, places, strict=True):
                assert place is not None
                fifo = facts.fifo(c, later.as_of, opening.get(c.ref, ZERO), rows[place].refs)
                apps = tuple(applications.get(c.ref, ()))
                # the latest document it was applied to, and _applied(c, apps, top): every application counts
                top, total, reach = never, ZERO, c.date
                for doc_date, amount, by_fifo in apps:
                    total += amount
                    if doc_date > top:
                        top = doc_date
                    if by_fifo and doc_date > reach:
                        reach = doc_date
                whole = c if c.applied == total else c._replace(applied=total)
                found = _CreditFacts(c, c.date, (c.party, c.currency), fifo, apps, top, total, reach, whole)
                self.credits.append(found)
                self._credits_of[found.slot].append(found)
            # a slot replayed again takes its records in ledger order
            for docs in self._documents_of.values():
                docs.sort(key=lambda d: order[d.where])
            for found_credits in self._credits_of.values():
                found_credits.sort(key=lambda f: order[f.credit.where])
        self._fifo = [c for c in self.credits if c.fifo]

    # Made when a date is first derived: a forked child deriving dates makes its own meanwhile.
    @functools.cached_property
    def _document_runs(self) -> _Runs:
        return _Runs([slot[0] for _, _, slot, _ in self.documents], [date for _, date, _, _ in self.documents], [last for *_, last in self.documents])

    @functools.cached_property
    def _whole_documents(self) -> list[Document]:
        return [d for d, _, _, _ in self.documents]

    @functools.cached_property
    def _credit_runs(self) -> _Runs:
        return _Runs([f.slot[0] for f in self.credits], [f.date for f in self.credits], [f.top for f in self.credits])

    @functools.cached_property
    def _whole_credits(self) -> list[Credit]:
        return [f.whole for f in self.credits]

    def at(self, day: Date) -> OpenItems | None:
        """The open items at ``day``, equal to ``classified.at(day)`` but for the diagnostics,
        which are withheld; or None when they cannot be derived (a ledger not in date order,
        two postings at one place, a credit naming another party's document dated between the
        two dates)."""
        classified, later, facts = self.classified, self.later, self.facts
        if not self.usable or later.side is not classified.side or day > later.as_of:
            return None
        if any(when <= day < other <= later.as_of for when, other in facts.foreign):
            return None
        order, parties = facts.order, classified.parties

        # The slots where the replay up to ``day`` is done again: see the module's text.
        first_moved: dict[Slot, Date] = {}  # the first document up to ``day`` a linked credit pays after it
        for date, late, slot in self._movable:
            if late <= day:
                break
            if date <= day and (slot not in first_moved or date < first_moved[slot]):
                first_moved[slot] = date
        redo: set[Slot] = {(r.party, r.currency) for r in later.refunds if r.date <= day}
        if first_moved:
            for f in self._fifo:
                moved = first_moved.get(f.slot)
                if moved is None or f.date > day or f.slot in redo:
                    continue
                total, _, reach = (f.total, ZERO, f.reach) if f.top <= day else _applied(f.credit, f.apps, day)
                if (day if total < f.credit.amount else reach) >= moved:
                    redo.add(f.slot)  # an unlinked credit active after a document that a linked one pays later

        refunds_again: dict[Slot, list[Credit]] = defaultdict(list)
        for r in later.refunds:
            if r.date <= day:
                refunds_again[(r.party, r.currency)].append(r)  # every slot with a refund is replayed again

        def place(item: Credit) -> int:
            return order[item.where]

        # The records of the slots replayed again, by the record they were at the later date
        # (in the same places: the order starts with the party, the date and the place), and
        # the documents the replay makes (refunds beyond the credits).
        renewed: dict[int, Document | Credit] = {}
        made: list[Document] = []
        refunds: list[Credit] = []
        for slot in sorted(redo):
            party = parties[slot[0]]
            back_at = {(r.where, r.date) for r in refunds_again[slot]}
            # The replay passes by a document the linked credits had paid in full, and a
            # credit neither applied FIFO nor read by a refund: those are not replayed.
            doc_states = []
            for d in self._documents_of.get(slot, ()):
                if d.date > day or (d.number is None and (d.where, d.date) in back_at):
                    continue  # after the date, or a refund beyond the credits: the replay makes it again
                linked = [a for a in d.applications if a.how != "fifo" and a.date <= day]
                paid = sum((a.amount for a in linked), ZERO)
                if paid >= d.amount:
                    apps = tuple(linked)
                    renewed[id(d)] = d if apps == d.applications and paid == d.paid else d._replace(applications=apps, paid=paid)
                    continue
                state = DocumentState(d.number, party, d.account, d.date, d.due, d.currency, d.amount, d.narration, d.where.file, d.where.line, 0)
                state.apps, state.paid = linked, paid
                state.source = d
                doc_states.append(state)
            credit_states, fifo_states = [], []
            read_by_refunds = bool(refunds_again[slot])
            for f in self._credits_of.get(slot, ()):
                if f.date > day:
                    continue
                c = f.credit
                applied = _applied(c, f.apps, day)[1]  # what the linked credits had applied
                if not f.fifo and not read_by_refunds:
                    renewed[id(c)] = c if applied == c.applied else c._replace(applied=applied)
                    continue
                state_c = CreditState(c.kind, party, c.account, c.date, c.currency, c.amount, [], False, c.narration, c.where.file, c.where.line, c.ref)
                state_c.applied = applied
                state_c.source = c
                credit_states.append(state_c)
                if f.fifo:
                    fifo_states.append(state_c)
            refund_states = []
            for r in sorted(refunds_again[slot], key=place):
                state_r = CreditState("refund", party, r.account, r.date, r.currency, r.amount, [], False, r.narration, r.where.file, r.where.line, r.ref)
                state_r.source = r
                refund_states.append(state_r)
            replay(doc_states, credit_states, fifo_states, refund_states, [], classified.precisions)
            for s in doc_states:
                source = s.source
                if isinstance(source, Document):
                    apps = tuple(s.apps)
                    same = apps == source.applications and s.paid == source.paid
                    renewed[id(source)] = source if same else source._replace(applications=apps, paid=s.paid)
                else:
                    made.append(classified.document_record(s))
            for cs in credit_states:
                if isinstance(cs.source, Credit):
                    renewed[id(cs.source)] = cs.source if cs.applied == cs.source.applied else cs.source._replace(applied=cs.applied)
            refunds += [s.source._replace(applied=s.applied) for s in refund_states if isinstance(s.source, Credit)]

        def documents_of(lo: int, hi: int) -> list[Document]:
            return [
                cast(Document, renewed[id(d)]) if slot in redo else d if last <= day else _paid_by(d, day)
                for d, date, slot, last in self.documents[lo:hi]
                if date <= day and (slot not in redo or id(d) in renewed)
            ]

        def credits_of(lo: int, hi: int) -> list[Credit]:
            return [
                cast(Credit, renewed[id(f.credit)]) if f.slot in redo else f.whole if f.top <= day else _credit_by(f, day)
                for f in self.credits[lo:hi]
                if f.date <= day
            ]

        # the parties with a slot replayed again record by record, the others run by run
        redone = {party for party, _ in redo}.__contains__
        runs, whole_documents = self._document_runs, self._whole_documents
        if runs.ordered:
            documents = runs.pick(day, whole_documents, lambda n: _paid_by(whole_documents[n], day), redone, documents_of)
        else:
            documents = documents_of(0, len(self.documents))
        if self._credit_runs.ordered:
            credits = self._credit_runs.pick(day, self._whole_credits, lambda n: _credit_by(self.credits[n], day), redone, credits_of)
        else:
            credits = credits_of(0, len(self.credits))
        documents = _into_place(documents, made)
        refunds.sort(key=lambda c: (c.party, c.date, c.ref))
        held, kept = tuple(documents), tuple(credits)
        ties = _TieOut(lambda: tie_out(held, kept, facts.balances(day), classified.account_of))
        return OpenItems(classified.side, day, held, kept, ties, WITHHELD, dict(parties), tuple(refunds))


class _CreditFacts(NamedTuple):
    """What :class:`Earlier` reads of a credit at the later date (see :attr:`Earlier.credits`)."""

    credit: Credit
    date: Date
    slot: Slot
    fifo: bool
    apps: tuple[tuple[Date, Decimal, bool], ...]
    top: Date
    total: Decimal
    reach: Date
    whole: Credit


def _applied(credit: Credit, apps: Iterable[tuple[Date, Decimal, bool]], day: Date) -> tuple[Decimal, Decimal, Date]:
    """What ``credit`` had applied to the documents dated up to ``day``, how much of it not
    FIFO, and the date of the latest document it was applied FIFO to (its own date at least)."""
    total = not_fifo = ZERO
    reach = credit.date
    for doc_date, amount, by_fifo in apps:
        if doc_date <= day:
            total += amount
            if not by_fifo:
                not_fifo += amount
            elif doc_date > reach:
                reach = doc_date
    return total, not_fifo, reach


def _paid_by(d: Document, day: Date) -> Document:
    """``d`` with only what was applied to it up to ``day``."""
    kept = tuple(a for a in d.applications if a.date <= day)
    return d._replace(applications=kept, paid=sum((a.amount for a in kept), ZERO))


def _credit_by(f: _CreditFacts, day: Date) -> Credit:
    """The credit with what it had applied to the documents dated up to ``day``."""
    total = _applied(f.credit, f.apps, day)[0]
    return f.credit if f.credit.applied == total else f.credit._replace(applied=total)


def _into_place(records: list[Document], new: list[Document]) -> list[Document]:
    """``records`` (in :func:`_document_order`, which starts with the party) with ``new`` in
    their places: only the records of the parties of ``new`` are sorted again."""
    if not new:
        return records
    by_party: dict[str, list[Document]] = defaultdict(list)
    for r in new:
        by_party[r.party].append(r)
    names = [r.party for r in records]
    for name in sorted(by_party, reverse=True):  # from the end: the places before stay put
        lo, hi = bisect.bisect_left(names, name), bisect.bisect_right(names, name)
        records[lo:hi] = sorted(records[lo:hi] + by_party[name], key=_document_order)
    return records


def _document_order(d: Document) -> tuple[str, Date, str, str, int]:
    return (d.party, d.date, d.number or "", d.where.file, d.where.line or 0)
