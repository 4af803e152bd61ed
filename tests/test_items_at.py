"""The open items at an earlier date, derived from a later one, equal those computed at that date."""

from __future__ import annotations

import datetime
import pickle
import random
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import make_books

from acct_tool.books.load import Books, load_books
from acct_tool.engines.earlier import Earlier
from acct_tool.engines.items_at import ItemsAt
from acct_tool.engines.payments import dso, overall_dso
from acct_tool.engines.receivables import Classified, OpenItems, Side

CLIENTS = ("acme", "zeta")
PROFILE = """\
id: {id}
name: {name}
kind: client
manager: lan
accounts: {{receivable: Assets:Receivable:{name}}}
currencies: [USD, EUR]
terms: {{payment_days: {days}}}
"""
HEAD = "".join(f"2025-01-01 open Assets:Receivable:{c.title()}\n" for c in CLIENTS) + "2025-01-01 open Equity:Opening\n"


def _ledger(seed: int) -> str:
    """A year of invoices, payments linked, part-linked, linked to invoices still to come,
    to another client's invoice or to none, credit notes, refunds and opening balances."""
    rng = random.Random(seed)
    out: list[str] = []
    numbers: dict[str, list[tuple[str, str]]] = {c: [] for c in CLIENTS}  # client -> (number, currency)
    start = datetime.date(2026, 1, 1)
    for client in CLIENTS:
        if rng.random() < 0.4:
            out.append(f'\n2026-01-01 * "Opening balance"\n  Assets:Receivable:{client.title()}  {rng.randrange(50, 400)}.00 USD\n  Equity:Opening\n')
    serial = 0
    for _ in range(rng.randrange(25, 45)):
        day = start + datetime.timedelta(days=rng.randrange(0, 330))
        client = rng.choice(CLIENTS)
        account = f"Assets:Receivable:{client.title()}"
        cur = "EUR" if rng.random() < 0.15 else "USD"
        amount = f"{rng.randrange(1, 40) * 10}.00"
        roll = rng.random()
        future = f"INV-{serial + rng.randrange(1, 4):03d}"
        if roll < 0.35:
            serial += 1
            number = f"INV-{serial:03d}"
            numbers[client].append((number, cur))
            tag = f" ^{number}" if rng.random() < 0.8 else f'\n  invoice: "{number}"'
            out.append(f'\n{day} * "{client}" "Invoice"{tag}\n  {account}  {amount} {cur}\n  Income:Services\n')
            continue
        if roll < 0.55 and numbers[client]:
            links = {rng.choice(numbers[client])[0] for _ in range(rng.choice((1, 1, 2)))}
        elif roll < 0.6:
            links = {future}  # names an invoice not written yet (maybe never, maybe another client's)
        elif roll < 0.63:
            other = [n for c in CLIENTS if c != client for n, _ in numbers[c]]
            links = {rng.choice(other)} if other else set()
        elif roll < 0.66:
            links = {"INV-999"}  # a number the ledger never holds: pays the opening balance
        else:
            links = set()
        tags = "".join(f" ^{link}" for link in sorted(links))
        if roll > 0.93:
            out.append(f'\n{day} * "{client}" "Refund"\n  refund: TRUE\n  {account}  {amount} {cur}\n  Assets:Bank\n')
        elif roll > 0.88:
            out.append(f'\n{day} * "{client}" "Credit note"{tags}\n  credit_note: "CN-{serial}-{day}"\n  Income:Services  {amount} {cur}\n  {account}\n')
        elif roll < 0.55 and rng.random() < 0.3:  # split over the invoices it names by posting metadata
            legs = "".join(f'\n  {account}  -{rng.randrange(1, 20) * 10}.00 {cur}\n    invoice: "{link}"' for link in sorted(links))
            out.append(f'\n{day} * "{client}" "Payment"{legs}\n  Assets:Bank\n')
        else:
            out.append(f'\n{day} * "{client}" "Payment"{tags}\n  Assets:Bank  {amount} {cur}\n  {account}\n')
    return HEAD + "2025-01-01 open Assets:Bank\n" + "".join(sorted(out, key=lambda t: t.split(" ", 1)[0]))


def _books(tmp_path: Path, seed: int) -> Books:
    rng = random.Random(-seed)
    profiles = {c: PROFILE.format(id=c, name=c.title(), days=rng.choice((0, 14, 30))) for c in CLIENTS}
    root = make_books(tmp_path / f"books-{seed}", ledger=_ledger(seed), profiles=profiles)
    return load_books(root, datetime.date(2026, 12, 31), use_cache=False)


def _shown(items: OpenItems) -> tuple[object, ...]:
    return (items.as_of, items.documents, items.credits, items.refunds, items.ties)


def _cut(items: OpenItems, day: datetime.date) -> tuple[object, ...]:
    """What keeping only what is dated up to ``day`` would give (it is not enough)."""
    docs = []
    for d in items.documents:
        if d.date <= day:
            apps = tuple(a for a in d.applications if a.date <= day)
            docs.append(d._replace(applications=apps, paid=sum((a.amount for a in apps), Decimal(0))))
    return tuple(docs)


def test_the_open_items_derived_from_a_later_date_are_those_computed_at_the_date(tmp_path: Path) -> None:
    """Over many small ledgers and every date of the year, :class:`Earlier` equals
    ``Classified.at`` -- including where the linked credits applied later moved what the
    unlinked credits paid then, so that keeping what is dated up to the date is not enough."""
    days = [datetime.date(2026, 1, 1) + datetime.timedelta(days=n) for n in range(0, 365, 6)]
    derived = moved = 0
    for seed in range(40):
        books = _books(tmp_path, seed)
        classified = Classified(books.party_postings, books.parties, books.settings, Side.AR, books.precisions)
        latest, autumn = classified.at(datetime.date(2026, 12, 31)), classified.at(datetime.date(2026, 9, 30))
        for day in days:
            alone = classified.at(day)
            for later in (latest, autumn) if day <= autumn.as_of else (latest,):
                found = Earlier(classified, later).at(day)
                if found is None:
                    continue  # a credit naming another client's invoice issued between the dates
                derived += 1
                assert _shown(found) == _shown(alone), (seed, day, later.as_of)
                # the DSO trend's overall figure is the overall row of the per-party DSO
                assert overall_dso(found, window=30) == dso(alone, window=30).get("*", {}), (seed, day)
                moved += _cut(later, day) != alone.documents
    assert derived > 2000
    assert moved > 100  # the dates where the replay had to be done again


def test_the_tie_out_of_derived_open_items_is_the_one_computed_at_the_date(tmp_path: Path) -> None:
    """Made when first read, it reads like the tuple ``Classified.at`` holds, and is sent
    (to another process, to the cache) as that tuple."""
    books = _books(tmp_path, 1)
    classified = Classified(books.party_postings, books.parties, books.settings, Side.AR, books.precisions)
    day = datetime.date(2026, 6, 30)
    alone = classified.at(day)
    found = Earlier(classified, classified.at(datetime.date(2026, 12, 31))).at(day)
    assert found is not None and len(alone.ties) >= 2  # a tie per party and currency
    sent = pickle.loads(pickle.dumps(found.ties))
    assert type(sent) is tuple and sent == alone.ties
    assert found.ties == alone.ties and alone.ties == found.ties and hash(found.ties) == hash(alone.ties)
    assert len(found.ties) == len(alone.ties) and found.ties[0] == alone.ties[0] and list(found.ties) == list(alone.ties)
    assert found == Earlier(classified, classified.at(datetime.date(2026, 12, 31))).at(day)


def test_the_diagnostics_of_derived_open_items_are_not_read_by_mistake(tmp_path: Path) -> None:
    books = _books(tmp_path, 1)
    classified = Classified(books.party_postings, books.parties, books.settings, Side.AR, books.precisions)
    found = Earlier(classified, classified.at(datetime.date(2026, 12, 31))).at(datetime.date(2026, 6, 30))
    assert found is not None
    with pytest.raises(LookupError, match="not computed"):
        list(found.diagnostics)


def test_open_items_of_other_books_are_not_derived_from(tmp_path: Path) -> None:
    """Derivation reads a later date's open items of the same postings; given another
    ledger's, it declines (and the caller allocates the date)."""
    one, other = _books(tmp_path, 2), _books(tmp_path, 3)
    classified = Classified(one.party_postings, one.parties, one.settings, Side.AR, one.precisions)
    theirs = Classified(other.party_postings, other.parties, other.settings, Side.AR, other.precisions).at(datetime.date(2026, 12, 31))
    assert theirs.credits
    assert Earlier(classified, theirs).at(datetime.date(2026, 6, 30)) is None


def test_the_month_ends_through_items_at_are_derived_and_equal_each_date_alone(tmp_path: Path) -> None:
    """What a trend draws at the month ends, with the year end computed first, equals what it
    draws from the open items computed at each month end alone."""
    books = _books(tmp_path, 7)
    args = (books.party_postings, books.parties, books.settings, Side.AR, books.precisions)
    ends = [datetime.date(2026, m + 1, 1) - datetime.timedelta(days=1) for m in range(1, 12)] + [datetime.date(2026, 12, 31)]

    def drawn(items: OpenItems) -> tuple[object, ...]:
        return _shown(items)

    at = ItemsAt(*args)
    at.prefetch(ends, {"all": drawn}, keep=[datetime.date(2026, 12, 31)])
    alone = Classified(*args)
    assert [at.use("all", day, drawn) for day in ends] == [_shown(alone.at(day)) for day in ends]


def test_a_date_read_whole_without_its_diagnostics_is_derived_from_a_later_date_computed(tmp_path: Path) -> None:
    """``ItemsAt.derived(day)`` -- the standing before a review's period -- derives the open
    items from the nearest later date computed (the as-of date's, known), and they equal
    those allocated at the date alone; after every date computed, it allocates. ``ItemsAt(day)``
    allocates, with the diagnostics."""
    books = _books(tmp_path, 11)
    args = (books.party_postings, books.parties, books.settings, Side.AR, books.precisions)
    alone = Classified(*args)
    known = alone.at(datetime.date(2026, 12, 31))
    at = ItemsAt(*args, known=known)
    spring, autumn = datetime.date(2026, 3, 31), datetime.date(2026, 9, 30)
    for day in (autumn, spring):
        found = at.derived(day)
        assert _shown(found) == _shown(alone.at(day))
        with pytest.raises(LookupError):
            list(found.diagnostics)
        assert list(at(day).diagnostics) == list(alone.at(day).diagnostics)
    after = datetime.date(2027, 1, 31)
    assert list(at.derived(after).diagnostics) == list(alone.at(after).diagnostics)
