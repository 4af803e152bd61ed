"""Beancount's booking of a ledger's older entries, kept, so that after an edit only the
recent ones are booked again.

Booking (``beancount.parser.booking.book``) walks the sorted entries once, carrying
each account's inventory; what it makes of an entry depends only on the entries
before it, the options and the accounts' booking methods. So once a ledger has
been booked, the booked form of every entry dated before a cut date, the booking
errors among them and the inventories at the cut are kept in the cache folder.
The next load books only the entries from the cut on, starting from those
inventories, when everything before the cut is what it was:

- the options, the booking methods of every ``open`` and the tool's, Beancount's
  and Python's versions are the same;
- the files that hold entries before the cut are the same files, parsed in the
  same order, each with as many such entries;
- each of those files has the same bytes, or -- for a file that also holds entries
  from the cut on, like the current year's, where edits happen -- the entries
  before the cut it now yields equal those it yielded then.

Otherwise the whole ledger is booked, as Beancount books it (the later entries in a
child where that gives the same, see :mod:`acct_tool.books.booking_aside`), and a new
cut is kept.
The cut is the first of the month about two months before the ledger's latest
entry up to today, so an edit to the last weeks re-books only those. The entries
``book`` returns, and its errors in their order, are the ones Beancount's own
booking returns: ``tests/test_booking_cache.py`` compares them after edits before,
at and after the cut.

The kept booking is written by a forked child (a snapshot of the process as booking
reaches the cut), so writing it costs the command no time; without ``fork`` nothing
is kept and every load books everything. It is read back by an unpickler that builds
only Beancount's types.
"""

from __future__ import annotations

import bisect
import collections
import datetime
import hashlib
import io
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from acct_tool.books import aside, booking_aside, parse_cache

MAGIC = "acct-tool-booking"
FORMAT = 1
#: Below this many entries before the cut, booking them is quicker than reading them back.
MIN_ENTRIES = 5000
#: How far before the latest entry the cut falls (then back to the first of that month).
LEAD = datetime.timedelta(days=60)
#: The metadata key booking adds to the postings it completed (``beancount.core.interpolate.AUTOMATIC_META``).
AUTOMATIC = "__automatic__"
#: Options that change from load to load without changing the booking.
_VOLATILE_OPTIONS = frozenset({"dcontext", "include", "input_hash"})

_ALLOWED = parse_cache._ALLOWED | {
    ("beancount.core.inventory", "Inventory"),
    ("beancount.utils.defdict", "ImmutableDictWithDefault"),
    ("beancount.core.position", "Position"),
    ("beancount.parser.booking", "BookingError"),
    ("beancount.parser.booking_full", "CategorizationError"),
    ("beancount.parser.booking_full", "ReductionError"),
    ("beancount.parser.booking_full", "InterpolationError"),
    ("beancount.parser.booking_full", "SelfReduxError"),
    ("beancount.parser.booking_full", "MissingType"),
    ("builtins", "list"),
    ("builtins", "dict"),
}


class Spoiled(Exception):
    """The kept booking could not be read back after the entries it replaces were let go:
    the caller must parse again and book everything (its checksum held, so this takes a
    cache written by other code under the same versions)."""


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refusing {module}.{name}")
        return super().find_class(module, name)


def _files(main: str) -> tuple[Path, Path]:
    stem = parse_cache.digest(main.encode())[:24]
    folder = parse_cache.cache_dir()
    return folder / f"booking-{stem}.json", folder / f"booking-{stem}.bin"


def book(
    main: str,
    entries: list[Any],
    options_map: dict[str, Any],
    contents: dict[str, str],
    *,
    use_cache: bool,
    writes: list[Callable[[], None]] | None = None,
) -> tuple[list[Any], list[Any]]:
    """``beancount.parser.booking.book(entries, options_map)`` for the sorted ``entries`` of
    the ledger ``main``, from the kept booking of the entries before the cut when it holds.

    ``contents`` maps each parsed file to the SHA-256 of its bytes (a file missing
    there, an encrypted one, is never kept). With ``writes``, what must still be
    written is handed there; else it is written before this returns. ``entries`` is
    used up: the kept booking replaces the older ones, which are let go at once; when
    it then cannot be read, :class:`Spoiled` is raised.
    """
    from beancount.parser import booking, booking_full

    if not use_cache or len(entries) < MIN_ENTRIES:
        return booking_aside.book(entries, options_map)
    methods = booking_aside.methods_of(entries, options_map)
    key = _key(main, options_map, methods)
    dates = [entry.date for entry in entries]
    index_file, payload_file = _files(main)
    kept = _read(index_file, payload_file, key, entries, dates, contents)
    if kept is not None:
        booked, errors, balances, index = kept  # ``entries`` now holds only those from the cut on
        later, later_errors, _ = booking_full._book(entries, options_map, methods, balances)  # type: ignore[no-untyped-call]
        booked = booked + later
        errors = errors + later_errors
        fresh = {**index, "files": [[name, contents.get(name, content), count] for name, content, count in index["files"]]}
        if fresh != index:  # the edited files' new bytes: the next load need not compare their entries again
            _hand(writes, lambda: _write_index(index_file, fresh))
    else:
        at = _cut(dates)
        if at is None:
            return booking.book(entries, options_map)  # type: ignore[no-untyped-call,no-any-return]
        cut, day = at
        split = booking_aside.split_at(entries)
        if split is not None and split < cut:
            return _book_split(key, entries, options_map, methods, split, cut, day, contents, index_file, payload_file, writes)
        else:
            early, errors, balances = booking_full._book(entries[:cut], options_map, methods)  # type: ignore[no-untyped-call]
            records = _records(entries[:cut], contents)
            if records is not None:
                # A snapshot of the booking at the cut: the child writes it while this process books on.
                done = aside.detach(
                    lambda: _kept(key, entries[:cut], early, errors, balances, records, day),
                    lambda kept: _write(index_file, payload_file, key, *kept),
                )
                _hand(writes, done)
            later, later_errors, _ = booking_full._book(entries[cut:], options_map, methods, balances)  # type: ignore[no-untyped-call]
            booked = early + later
            errors = errors + later_errors
    missing = booking.validate_missing_eliminated(booked, options_map)  # type: ignore[no-untyped-call]
    return booked, errors + missing


def _book_split(
    key: str,
    entries: list[Any],
    options_map: dict[str, Any],
    methods: dict[str, Any],
    split: int,
    cut: int,
    day: datetime.date,
    contents: dict[str, str],
    index_file: Path,
    payload_file: Path,
    writes: list[Callable[[], None]] | None,
) -> tuple[list[Any], list[Any]]:
    """The whole booking when the entries from ``split`` (before the cut) on are booked in a
    child (see :mod:`acct_tool.books.booking_aside`), and the kept booking at the cut: its
    inventories are those this process ends its share with, plus the postings booked
    between there and the cut, added in the order booking adds them."""
    from beancount.parser import booking, booking_full

    pending = booking_aside.start(entries, split, options_map, methods)
    early, errors, balances = booking_full._book(entries[:split], options_map, methods)  # type: ignore[no-untyped-call]
    missing = booking.validate_missing_eliminated(early, options_map)  # type: ignore[no-untyped-call]
    later, later_errors, later_missing, before_cut = booking_aside.finish(entries, split, pending.result(), options_map, methods, cut)
    records = _records(entries[:cut], contents)
    if records is not None:
        between = later[:before_cut]  # booked from the entries between the split and the cut
        kept_errors = errors + [error for place, error in later_errors if place < cut]

        def snapshot() -> tuple[bytes, dict[str, Any]]:  # in the child, whose inventories these are to add to
            _add_postings(balances, between)
            return _kept(key, entries[:cut], early + between, kept_errors, balances, records, day)

        _hand(writes, aside.detach(snapshot, lambda kept: _write(index_file, payload_file, key, *kept)))
    return early + later, errors + [error for _, error in later_errors] + missing + [error for _, error in later_missing]


def _add_postings(balances: dict[str, Any], booked: Sequence[Any]) -> None:
    """What booking adds to the inventories for ``booked`` (its own loop, for entries it booked)."""
    from beancount.core import data

    for entry in booked:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                balances[posting.account].add_position(posting)


def _hand(writes: list[Callable[[], None]] | None, job: Callable[[], None]) -> None:
    if writes is None:
        job()
    else:
        writes.append(job)


def _key(main: str, options_map: dict[str, Any], methods: dict[str, Any]) -> str:
    options = sorted((k, repr(v)) for k, v in options_map.items() if k not in _VOLATILE_OPTIONS)
    booking = sorted((account, str(method)) for account, method in methods.items())
    return parse_cache.digest(repr((MAGIC, FORMAT, parse_cache.versions(), main, options, booking)).encode())


def _today() -> datetime.date:
    return datetime.date.today()


def _cut(dates: list[datetime.date]) -> tuple[int, datetime.date] | None:
    """The cut date, and where the kept booking ends: before the first entry dated on or after it."""
    last = bisect.bisect_right(dates, _today())
    if last == 0:
        return None
    day = (dates[last - 1] - LEAD).replace(day=1)
    cut = bisect.bisect_left(dates, day)
    return (cut, day) if cut >= MIN_ENTRIES else None


def _records(early: Sequence[Any], contents: dict[str, str]) -> list[list[Any]] | None:
    """[file, content digest, entries before the cut] per file, in the order the files were parsed."""
    counts: dict[str, int] = collections.Counter(entry.meta.get("filename") for entry in early)
    if any(name not in contents for name in counts):
        return None  # an entry from a file with no digest: an encrypted file, or one a plugin named
    return [[name, contents[name], counts[name]] for name in contents if counts.get(name)]


def _kept(
    key: str,
    early: Sequence[Any],
    booked: list[Any],
    errors: list[Any],
    balances: dict[str, Any],
    records: list[list[Any]],
    cut: datetime.date,
) -> tuple[bytes, dict[str, Any]]:
    """What keeps the booking (run in the child that writes it): the booked entries, errors
    and inventories in one blob, and per file its entries before the cut, to compare an
    edited file's with; and the index that describes them."""
    by_file: dict[str, list[Any]] = collections.defaultdict(list)
    for entry in early:
        by_file[entry.meta.get("filename")].append(entry)
    blobs = [pickle.dumps((booked, errors, balances), protocol=pickle.HIGHEST_PROTOCOL)]
    # Booking marks the postings it filled in, in the metadata dictionaries the parse's
    # postings share with the booked ones (``__automatic__``, a key no ledger can write):
    # the entries kept for comparing with a later parse are the parse's as it made them.
    for entry in early:
        for posting in getattr(entry, "postings", None) or ():
            if posting.meta and AUTOMATIC in posting.meta:
                del posting.meta[AUTOMATIC]
    for name, _, _ in records:
        blobs.append(pickle.dumps(by_file[name], protocol=pickle.HIGHEST_PROTOCOL))
    payload = b"".join(blobs)
    sizes = [len(blob) for blob in blobs]
    return payload, {"key": key, "cut": cut.isoformat(), "files": records, "sizes": sizes, "payload": parse_cache.digest(payload)}


def _write(index_file: Path, payload_file: Path, key: str, payload: bytes, index: dict[str, Any]) -> None:
    parse_cache.write_file(payload_file, {"magic": MAGIC, "format": FORMAT, "key": key}, payload)
    _write_index(index_file, index)


def _write_index(index_file: Path, index: dict[str, Any]) -> None:
    import json

    parse_cache.write_file(index_file, {"magic": MAGIC, "format": FORMAT}, json.dumps(index, sort_keys=True).encode())


def _read(
    index_file: Path,
    payload_file: Path,
    key: str,
    entries: list[Any],
    dates: list[datetime.date],
    contents: dict[str, str],
) -> tuple[list[Any], list[Any], Any, dict[str, Any]] | None:
    """The kept booking when everything before its cut is what it was (see the module's
    docstring): (booked entries, errors, inventories, index). When it holds, the entries
    before the cut are removed from ``entries`` (before the kept ones are read back, so
    that the two are never in memory together)."""
    import json

    found = parse_cache.read_file(index_file, {"magic": MAGIC, "format": FORMAT})
    if found is None:
        return None
    try:
        index = json.loads(found[1])
        if index.get("key") != key:
            return None
        cut = bisect.bisect_left(dates, datetime.date.fromisoformat(index["cut"]))
        records = [(str(name), str(content), int(count)) for name, content, count in index["files"]]
        sizes = [int(size) for size in index["sizes"]]
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    early = entries[:cut]
    counts = collections.Counter(entry.meta.get("filename") for entry in early)
    if [(name, count) for name, _, count in records] != [(name, counts[name]) for name in contents if counts.get(name)]:
        return None  # files added, removed, reordered, or with more or fewer entries before the cut
    if len(sizes) != len(records) + 1:
        return None
    changed = {i for i, (name, content, _) in enumerate(records) if contents.get(name) != content}
    payload = _read_payload(payload_file, key, index.get("payload"))
    if payload is None or sum(sizes) != len(payload):
        return None
    offsets = [sum(sizes[:i]) for i in range(len(sizes) + 1)]
    try:
        for i in changed:
            name = records[i][0]
            before = _Unpickler(io.BytesIO(payload[offsets[i + 1] : offsets[i + 2]])).load()
            if before != [entry for entry in early if entry.meta.get("filename") == name]:
                return None
            del before
        del early
    except Exception:  # damaged, or written by other code: book everything
        return None
    del entries[:cut]  # what the kept booking replaces
    try:
        booked, errors, balances = _Unpickler(io.BytesIO(payload[: offsets[1]])).load()
    except Exception as exc:
        raise Spoiled from exc
    if not (isinstance(booked, list) and isinstance(errors, list) and isinstance(balances, collections.defaultdict)):
        raise Spoiled
    return booked, errors, balances, index


def _read_payload(payload_file: Path, key: str, checksum: object) -> memoryview | None:
    """The payload of the kept booking, when its header and checksum hold (without copying it)."""
    import json

    from acct_tool.edit.files import WriteError, read_regular

    try:
        raw = read_regular(payload_file)
    except WriteError:
        return None
    end = raw.find(b"\n")
    try:
        header = json.loads(raw[:end]) if end >= 0 else None
    except ValueError:
        return None
    if not isinstance(header, dict) or header.get("magic") != MAGIC or header.get("format") != FORMAT or header.get("key") != key:
        return None
    payload = memoryview(raw)[end + 1 :]
    digest = hashlib.sha256(payload).hexdigest()
    return payload if digest == header.get("sha256") == checksum else None
