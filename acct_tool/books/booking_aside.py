"""Beancount's booking of a large ledger's later entries on another CPU, where that gives
exactly what booking them in order gives.

Booking (``beancount.parser.booking_full._book``) walks the sorted entries carrying
each account's inventory, but a transaction reads those inventories only to book a
posting held at cost, or to find a currency the posting does not write (see
``categorize_by_currency``, ``book_reductions``; the interpolation reads none). A
transaction whose every posting writes its currencies and holds nothing at cost is
booked alike whatever came before it. So when the entries from some point on are all
such transactions (or no transaction at all), a forked child books them from empty
inventories while this process books the ones before; the result is the one booking
in order gives, entry for entry and error for error.

What the child sends back is only what booking changed: per transaction, the
tolerances it put in the entry's metadata (each distinct set sent once) and the
postings it replaced (the others are referred to by their place; one whose units
booking filled in, as most are, by its place and the new units, so that it is rebuilt
here on the parsed posting's account and metadata as booking builds it). A transaction
booking found a problem with is booked again here, so that its errors refer to this
process's entries. Where no child can be forked, or it fails, everything is booked
here. What is received is what this process keeps, little more: a whole booked
posting per transaction, as pickled, would cost a third more memory than booking here.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Sequence
from typing import Any

from acct_tool.books import aside

#: Below this many entries after the split, handing them to a child (a fork, the records sent
#: back) saves too little: a 10k-transaction ledger, ~4,000 of its entries booked aside,
#: is checked ~10% faster than when it is all booked here.
MIN_ASIDE = 2_000
#: About the share of the entries the child books: it also encodes what it booked, and this
#: process decodes that after booking its own share (at 100k transactions the two end
#: together at about this share; at 0.40 this process booked ~0.6 s longer than the child).
SHARE = 0.45

#: What the child sends per transaction: None to book it here, else (tolerances, postings):
#: the place of its tolerances among those sent; the postings None when booking kept the
#: entry's own, else per booked posting its place among the entry's postings, a
#: :data:`Filled` or the new posting.
Record = tuple[int, list[Any] | None] | None
#: A posting booking made from the entry's ``place``-th by giving it new ``units`` (and
#: marking it interpolated in their shared metadata when ``automatic``):
#: ``(place, number, currency, automatic)``, a plain tuple.
Filled = tuple[int, Any, str, bool]
#: What the child sends: each distinct set of tolerances, as (currency, tolerance) pairs in
#: the order of the entries' dicts, and the records.
Sent = tuple[list[tuple[tuple[str, Any], ...]], list[Record]]


def methods_of(entries: Sequence[Any], options_map: dict[str, Any]) -> dict[str, Any]:
    """Each account's booking method, as ``beancount.parser.booking.book`` finds them."""
    from beancount.core import data

    methods: dict[str, Any] = collections.defaultdict(lambda: options_map["booking_method"])
    for entry in entries:
        if isinstance(entry, data.Open) and entry.booking:
            methods[entry.account] = entry.booking
    return methods


def split_at(entries: Sequence[Any], start: int = 0) -> int | None:
    """Where the child's share of ``entries[start:]`` begins: about :data:`SHARE` of them
    from the end, later when a transaction there reads the inventories; None when
    that leaves fewer than :data:`MIN_ASIDE` entries or no child can be forked."""
    if not aside.can_detach():
        return None
    at = max(start, len(entries) - int((len(entries) - start) * SHARE))
    if len(entries) - at < MIN_ASIDE:
        return None
    from beancount.core import data
    from beancount.core.amount import Amount
    from beancount.core.number import MISSING

    for i in range(len(entries) - 1, at - 1, -1):
        if not _alone(entries[i], data.Transaction, Amount, MISSING):
            at = i + 1
            break
    return at if len(entries) - at >= MIN_ASIDE else None


def _alone(entry: Any, transaction: Any, amount: Any, missing: object) -> bool:
    """Whether booking ``entry`` reads no inventory: it is no transaction, or every posting
    writes its units' currency (or leaves its units to be filled in, with no price) and its
    price's, and holds nothing at cost (Beancount's types and ``MISSING`` passed in)."""
    if not isinstance(entry, transaction):
        return True
    for posting in entry.postings:
        if posting.cost is not None:
            return False
        units: Any = posting.units
        price: Any = posting.price
        if units is missing:
            if price is not None:
                return False
        elif not (isinstance(units, amount) and isinstance(units.currency, str)):
            return False
        if price is not None and not (isinstance(price, amount) and isinstance(price.currency, str)):
            return False
    return True


def start(entries: list[Any], at: int, options_map: dict[str, Any], methods: dict[str, Any]) -> aside.Pending[Sent]:
    """Begin booking ``entries[at:]`` (see :func:`split_at`) in a child; :func:`finish`
    takes what it sends."""
    compute = lambda: _records(entries, at, options_map, methods)  # noqa: E731
    return aside.aside(compute)


def _records(entries: list[Any], at: int, options_map: dict[str, Any], methods: dict[str, Any]) -> Sent:
    """In the child: ``entries[at:]`` booked, as what booking changed per transaction; None
    for one that booking leaves out or with an error, or that it leaves incomplete. They are
    booked a run at a time (each books alike on its own), so that the child never holds
    more of the booked entries than one run's."""
    from beancount.core import data, interpolate
    from beancount.core.amount import Amount
    from beancount.parser import booking, booking_full

    records: list[Record] = []
    encode = _Encoder(interpolate.AUTOMATIC_TOLERANCES, interpolate.AUTOMATIC_META, Amount)
    for start in range(at, len(entries), _RUN):
        part = entries[start : start + _RUN]
        booked, errors, _ = booking_full._book(part, options_map, methods)  # type: ignore[no-untyped-call]
        if errors or booking.validate_missing_eliminated(booked, options_map):  # type: ignore[no-untyped-call]
            # some transaction is left out, partly booked or incomplete: tell which, one by one
            for entry in part:
                if isinstance(entry, data.Transaction):
                    alone, found, _ = booking_full._book([entry], options_map, methods)  # type: ignore[no-untyped-call]
                    found = found or booking.validate_missing_eliminated(alone, options_map)  # type: ignore[no-untyped-call]
                    records.append(None if found or len(alone) != 1 else encode(entry, alone[0]))
            continue
        for entry, done in zip(part, booked, strict=True):
            if isinstance(entry, data.Transaction):
                records.append(encode(entry, done))
    return encode.tolerances, records


#: How many entries the child books at a time.
_RUN = 2000


class _Encoder:
    """In the child: a booked transaction as its :data:`Record`, the distinct tolerances
    gathered in :attr:`tolerances`."""

    def __init__(self, tolerances_key: str, automatic_key: str, amount: type[Any]) -> None:
        self.tolerances: list[tuple[tuple[str, Any], ...]] = []
        self._places: dict[tuple[tuple[str, str], ...], int] = {}
        self._tolerances_key, self._automatic_key, self._amount = tolerances_key, automatic_key, amount

    def __call__(self, entry: Any, done: Any) -> Record:
        found = done.meta[self._tolerances_key]
        key = tuple((currency, str(tolerance)) for currency, tolerance in found.items())  # str: 0.005 is not 0.0050
        place = self._places.get(key)
        if place is None:
            place = self._places[key] = len(self.tolerances)
            self.tolerances.append(tuple(found.items()))
        mine, theirs = done.postings, entry.postings
        if len(mine) == len(theirs) and all(a is b for a, b in zip(mine, theirs, strict=True)):
            return place, None
        places = {id(posting): i for i, posting in enumerate(theirs)}
        metas = {id(posting.meta): i for i, posting in enumerate(theirs) if posting.meta is not None}
        return place, [places[id(posting)] if id(posting) in places else self._filled(posting, theirs, metas) for posting in mine]

    def _filled(self, posting: Any, theirs: Sequence[Any], metas: dict[int, int]) -> Any:
        """``posting`` as a :data:`Filled` when booking made it from one of ``theirs`` by
        giving it new units (it kept that one's metadata, its dict), else itself."""
        i = metas.get(id(posting.meta))
        if i is None:
            return posting
        source, units = theirs[i], posting.units
        if not (
            posting.account is source.account
            and posting.cost is source.cost
            and posting.price is source.price
            and posting.flag is source.flag
            and isinstance(units, self._amount)
            and isinstance(units.currency, str)
        ):
            return posting
        return (i, units.number, units.currency, self._automatic_key in posting.meta)


def finish(
    entries: list[Any],
    at: int,
    sent: Sent,
    options_map: dict[str, Any],
    methods: dict[str, Any],
    cut: int | None = None,
) -> tuple[list[Any], list[tuple[int, Any]], list[tuple[int, Any]], int]:
    """``entries[at:]`` booked from what the child sent; the errors of those booked here
    again (booking's, then those ``validate_missing_eliminated`` finds), each with the
    place of its entry; and how many of the booked come from entries before ``cut`` (a
    transaction booking leaves out has none). The child found nothing incomplete among
    the others."""
    from beancount.core import data, interpolate
    from beancount.core.amount import Amount
    from beancount.parser import booking, booking_full

    tolerances_key, automatic_key = interpolate.AUTOMATIC_TOLERANCES, interpolate.AUTOMATIC_META
    transaction: Callable[..., Any] = data.Transaction
    posting_type: Callable[..., Any] = data.Posting
    table, sent_records = sent
    records = iter(sent_records)

    def rebuilt(p: Any, theirs: Sequence[Any]) -> Any:
        if isinstance(p, int):
            return theirs[p]
        if type(p) is not tuple:
            return p  # a whole posting
        place, number, currency, automatic = p
        source = theirs[place]
        if automatic:
            source.meta[automatic_key] = True  # as booking marks it, in the metadata the two share
        # what source._replace(units=...) makes, without its keyword handling (once per posting)
        return posting_type(source.account, Amount(number, currency), source.cost, source.price, source.flag, source.meta)

    booked: list[Any] = []
    errors: list[tuple[int, Any]] = []
    redone: list[tuple[int, Any]] = []
    before_cut = 0
    for place in range(at, len(entries)):
        if place == cut:
            before_cut = len(booked)
        entry = entries[place]
        if not isinstance(entry, data.Transaction):
            booked.append(entry)
            continue
        record = next(records)
        if record is None:
            alone, found, _ = booking_full._book([entry], options_map, methods)  # type: ignore[no-untyped-call]
            booked.extend(alone)
            errors.extend((place, error) for error in found)
            redone.extend((place, done) for done in alone)
            continue
        tolerances, postings = record
        meta = entry.meta.copy()
        meta[tolerances_key] = dict(table[tolerances])
        theirs = entry.postings
        mine = list(theirs) if postings is None else [rebuilt(p, theirs) for p in postings]
        booked.append(transaction(meta, entry.date, entry.flag, entry.payee, entry.narration, entry.tags, entry.links, mine))
    if cut is None or cut >= len(entries):
        before_cut = len(booked)
    missing = [(place, error) for place, done in redone for error in booking.validate_missing_eliminated([done], options_map)]  # type: ignore[no-untyped-call]
    return booked, errors, missing, before_cut


def book(entries: list[Any], options_map: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """``beancount.parser.booking.book(entries, options_map)``, the later entries booked in a
    child when that gives the same (see the module's docstring)."""
    from beancount.parser import booking, booking_full

    at = split_at(entries)
    if at is None:
        return booking.book(entries, options_map)  # type: ignore[no-untyped-call,no-any-return]
    methods = methods_of(entries, options_map)
    pending = start(entries, at, options_map, methods)
    early, errors, _ = booking_full._book(entries[:at], options_map, methods)  # type: ignore[no-untyped-call]
    missing = booking.validate_missing_eliminated(early, options_map)  # type: ignore[no-untyped-call]
    later, later_errors, later_missing, _ = finish(entries, at, pending.result(), options_map, methods)
    return early + later, errors + [e for _, e in later_errors] + missing + [e for _, e in later_missing]
