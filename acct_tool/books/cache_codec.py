"""How ledger facts are written into the cache and read back: plain data only.

:func:`encode_facts` turns :class:`~acct_tool.books.ledger.LedgerFacts` into tuples,
strings and numbers that ``marshal`` can store; :func:`decode_facts` builds the
records again. Facts derived from profiles or settings stay encoded until a
command asks for them (:func:`decoded`), and one that does not decode is dropped,
to be drawn from the ledger again. The file format around them is
:mod:`acct_tool.books.cache`'s.
"""

from __future__ import annotations

import datetime
import marshal
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from acct_tool.books.ledger import AccountPosting, LedgerFacts, OpenFact
from acct_tool.diagnostics import Diagnostic, Location, Severity


def _d(value: datetime.date) -> int:
    return value.toordinal()


def _encode_due(value: object) -> object:
    if isinstance(value, datetime.date):
        return ("date", value.toordinal())
    return None if value is None else ("text", str(value))


def _decode_due(value: Any) -> object:
    if value is None:
        return None
    kind, raw = value
    return datetime.date.fromordinal(raw) if kind == "date" else raw


def _encode_diagnostic(d: Diagnostic) -> tuple[Any, ...]:
    return (d.severity.value, d.code, d.message, d.file, d.line, d.column, d.hint)


def _decode_diagnostic(t: Any) -> Diagnostic:
    return Diagnostic(Severity(t[0]), t[1], t[2], t[3], t[4], t[5], t[6])


ENCODERS: dict[str, Callable[[Any], Any]] = {}
DECODERS: dict[str, Callable[[Any], Any]] = {}


def _party_postings_encode(rows: list[Any]) -> list[tuple[Any, ...]]:
    # fields in PartyPosting's order; links, party names and key refs as tuples, the due date tagged
    return [(r[0], _d(r[1]), str(r[2]), *r[3:5], tuple(r[5]), *r[6:10], _encode_due(r[10]), *r[11:18], tuple(r[18]), tuple(r[19]), *r[20:23]) for r in rows]


def _party_postings_decode(rows: list[Any]) -> list[Any]:
    from acct_tool.books.party_postings import PartyPosting

    day = datetime.date.fromordinal
    make = PartyPosting._make
    return [
        make((r[0], day(r[1]), Decimal(r[2]), *r[3:5], tuple(r[5]), *r[6:10], _decode_due(r[10]), *r[11:18], tuple(r[18]), tuple(r[19]), *r[20:23]))
        for r in rows
    ]


def _attribution_encode(value: Any) -> tuple[Any, ...]:
    rows = [(p.party, _d(p.date), p.account, p.currency, str(p.amount), p.narration, p.where.file, p.where.line) for ps in value.postings.values() for p in ps]
    return (rows, [_encode_diagnostic(d) for d in value.diagnostics])


def _attribution_decode(value: Any) -> Any:
    from acct_tool.engines.revenue import Attribution, RevenuePosting

    rows, diagnostics = value
    fromordinal = datetime.date.fromordinal
    out: dict[str, list[RevenuePosting]] = {}
    for r in rows:
        out.setdefault(r[0], []).append(RevenuePosting(r[0], fromordinal(r[1]), r[2], r[3], Decimal(r[4]), r[5], Location(r[6], r[7])))
    return Attribution({k: tuple(v) for k, v in out.items()}, tuple(_decode_diagnostic(d) for d in diagnostics))


def _account_postings_encode(rows: list[AccountPosting]) -> list[tuple[Any, ...]]:
    return [
        (
            _d(p.date),
            str(p.number),
            p.currency,
            p.flag,
            p.payee,
            p.narration,
            tuple(sorted(p.links)),
            tuple(p.meta),
            p.file,
            p.line,
            tuple(p.order),
            tuple(p.counter),
        )
        for p in rows
    ]


def _account_postings_decode(rows: list[Any]) -> list[AccountPosting]:
    fromordinal = datetime.date.fromordinal
    return [
        AccountPosting(fromordinal(r[0]), Decimal(r[1]), r[2], r[3], r[4], r[5], frozenset(r[6]), tuple(r[7]), r[8], r[9], tuple(r[10]), tuple(r[11]))
        for r in rows
    ]


def _diagnostics_encode(value: Any) -> list[tuple[Any, ...]]:
    return [_encode_diagnostic(d) for d in value]


def _diagnostics_decode(value: Any) -> tuple[Diagnostic, ...]:
    return tuple(_decode_diagnostic(d) for d in value)


def _credit_encode(c: Any) -> tuple[Any, ...]:
    return (
        c.ref,
        c.kind,
        c.party,
        c.account,
        _d(c.date),
        c.currency,
        str(c.amount),
        str(c.applied),
        tuple(c.references),
        c.narration,
        tuple(c.where),
        c.number,
    )


def _open_items_encode(items: Any) -> tuple[Any, ...]:
    """An :class:`~acct_tool.engines.receivables.OpenItems` without its parties (the books hold them)."""
    documents = [
        (
            d.ref,
            d.number,
            d.party,
            d.account,
            _d(d.date),
            _d(d.due),
            d.currency,
            str(d.amount),
            tuple((_d(a.date), str(a.amount), a.credit_ref, a.how) for a in d.applications),
            d.narration,
            tuple(d.where),
            str(d.paid),
        )
        for d in items.documents
    ]
    ties = [(t.party, t.account, t.currency, str(t.open_documents), str(t.unapplied_credits), str(t.ledger_balance)) for t in items.ties]
    return (
        items.side.value,
        _d(items.as_of),
        documents,
        [_credit_encode(c) for c in items.credits],
        ties,
        _diagnostics_encode(items.diagnostics),
        [_credit_encode(c) for c in items.refunds],
    )


def _open_items_decode(value: Any) -> Any:
    from acct_tool.engines.allocation import Application
    from acct_tool.engines.receivables import Credit, Document, OpenItems, Side, Tie

    side_raw, as_of, documents, credits, ties, diagnostics, refunds = value
    side = Side(side_raw)
    # tens of thousands of records share a few hundred days and files: build each once
    days: dict[int, datetime.date] = {}
    fromordinal = datetime.date.fromordinal

    def day(n: int) -> datetime.date:
        found = days.get(n)
        if found is None:
            found = days[n] = fromordinal(n)
        return found

    make_document, make_credit, make_application, where = Document._make, Credit._make, Application._make, Location._make

    def credit(c: Any) -> Credit:
        return make_credit((side, c[0], c[1], c[2], c[3], day(c[4]), c[5], Decimal(c[6]), Decimal(c[7]), tuple(c[8]), c[9], where(c[10]), c[11]))

    docs = [
        make_document(
            (
                side,
                r[0],
                r[1],
                r[2],
                r[3],
                day(r[4]),
                day(r[5]),
                r[6],
                Decimal(r[7]),
                tuple([make_application((day(a[0]), Decimal(a[1]), a[2], a[3])) for a in r[8]]),
                r[9],
                where(r[10]),
                Decimal(r[11]),
            )
        )
        for r in documents
    ]
    return OpenItems(
        side=side,
        as_of=day(as_of),
        documents=tuple(docs),
        credits=tuple([credit(c) for c in credits]),
        ties=tuple(Tie(t[0], t[1], t[2], Decimal(t[3]), Decimal(t[4]), Decimal(t[5])) for t in ties),
        diagnostics=_diagnostics_decode(diagnostics),
        refunds=tuple([credit(c) for c in refunds]),
    )


def _cash_ledger_encode(facts: Any) -> tuple[Any, ...]:
    """A :class:`~acct_tool.books.cash_facts.CashFacts` without statements (they are read from their files)."""
    return (
        tuple(facts.accounts),
        [(a, _account_postings_encode(list(facts.postings[a]))) for a in facts.accounts],
        [(a, [(_d(x.date), str(x.number), x.currency) for x in facts.assertions[a]]) for a in facts.accounts],
        [(a, tuple(facts.currencies[a])) for a in facts.accounts],
    )


def _cash_ledger_decode(value: Any) -> Any:
    from acct_tool.books.cash_facts import BalanceAssertion, CashFacts

    accounts, postings, assertions, currencies = value
    fromordinal = datetime.date.fromordinal
    return CashFacts(
        accounts=tuple(accounts),
        postings={a: tuple(_account_postings_decode(rows)) for a, rows in postings},
        assertions={a: tuple(BalanceAssertion(a, fromordinal(d), Decimal(n), c) for d, n, c in rows) for a, rows in assertions},
        currencies={a: tuple(c) for a, c in currencies},
    )


def _movements_encode(columns: Any) -> list[list[tuple[str, str, str, str]]]:
    return [[(b.account, b.kind, b.currency, str(b.number)) for b in column] for column in columns]


def _movements_decode(value: Any) -> tuple[tuple[Any, ...], ...]:
    from acct_tool.books.financial_facts import Balance

    return tuple(tuple(Balance(a, k, c, Decimal(n)) for a, k, c, n in column) for column in value)


ENCODERS["receivable_exceptions"], DECODERS["receivable_exceptions"] = _diagnostics_encode, _diagnostics_decode
ENCODERS["cash_ledger"], DECODERS["cash_ledger"] = _cash_ledger_encode, _cash_ledger_decode
ENCODERS["income_movements"], DECODERS["income_movements"] = _movements_encode, _movements_decode
for _kind in ("open_items_ar", "open_items_ap"):
    ENCODERS[_kind], DECODERS[_kind] = _open_items_encode, _open_items_decode
ENCODERS.update(party_postings=_party_postings_encode, attribution=_attribution_encode, account_postings=_account_postings_encode)
DECODERS.update(party_postings=_party_postings_decode, attribution=_attribution_decode, account_postings=_account_postings_decode)


def encode_facts(facts: LedgerFacts) -> dict[str, Any]:
    # each derived fact is marshalled on its own, so that reading the cache copies the
    # bytes of the facts a command does not use instead of building their records
    derived = {
        kind: [(key, value.raw if isinstance(value, _Lazy) else encode(kind, value)) for key, value in entries.items()]
        for kind, entries in facts.derived.items()
        if kind in ENCODERS
    }
    options = {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in facts.options.items() if isinstance(v, (str, list, tuple, type(None)))}
    return {
        "diagnostics": [_encode_diagnostic(d) for d in facts.diagnostics],
        "options": options,
        "opens": [(o.account, _d(o.date), tuple(o.currencies)) for o in facts.opens.values()],
        "first_use": [(a, w.file, w.line) for a, w in facts.first_use.items()],
        "first_date": [(a, _d(d)) for a, d in facts.first_date.items()],
        "files": tuple(facts.files),
        "precisions": [(c, n) for c, n in sorted(facts.precisions.items())],
        "currency_uses": [(c, n) for c, n in sorted(facts.currency_uses.items())],
        "transactions": facts.transactions,
        "flagged": [(w.file, w.line) for w in facts.flagged],
        "derived": derived,
    }


def decode_facts(raw: dict[str, Any]) -> LedgerFacts:
    fromordinal = datetime.date.fromordinal
    facts = LedgerFacts(
        diagnostics=[_decode_diagnostic(d) for d in raw["diagnostics"]],
        options=dict(raw["options"]),
        opens={a: OpenFact(a, fromordinal(d), tuple(c)) for a, d, c in raw["opens"]},
        first_use={a: Location(f, ln) for a, f, ln in raw["first_use"]},
        first_date={a: fromordinal(d) for a, d in raw["first_date"]},
        files=tuple(raw["files"]),
        precisions={str(c): int(n) for c, n in raw["precisions"]},
        currency_uses={str(c): int(n) for c, n in raw["currency_uses"]},
        transactions=int(raw["transactions"]),
        flagged=[Location(f, ln) for f, ln in raw["flagged"]],
    )
    # derived facts stay encoded until asked for: most commands need only some of them
    facts.derived = {kind: {_freeze(key): _Lazy(kind, value) for key, value in entries} for kind, entries in raw["derived"].items() if kind in DECODERS}
    return facts


def _freeze(key: Any) -> Any:
    if isinstance(key, list):
        return tuple(_freeze(k) for k in key)
    return key


class _Lazy:
    """An encoded derived fact, decoded on first use."""

    __slots__ = ("kind", "raw")

    def __init__(self, kind: str, raw: Any) -> None:
        self.kind, self.raw = kind, raw

    def value(self) -> Any:
        return DECODERS[self.kind](marshal.loads(self.raw))


class Encoding(_Lazy):
    """A derived fact being encoded elsewhere (a child process that draws it, see
    :meth:`acct_tool.books.drawer.Drawer._derived`): its bytes are what ``encoded()`` gives,
    asked for when the fact is first used or the cache is written."""

    __slots__ = ("_encoded",)

    def __init__(self, kind: str, encoded: Callable[[], bytes]) -> None:
        self.kind, self._encoded = kind, encoded

    @property
    def raw(self) -> bytes:
        return self._encoded()


def encode(kind: str, value: Any) -> bytes:
    """A derived fact's bytes, as the cache keeps them (:class:`_Lazy` decodes them)."""
    return marshal.dumps(ENCODERS[kind](value))


def decoded(store: dict[Any, Any], key: Any) -> bool:
    """True when ``store`` (derived facts of one kind) holds a usable value under ``key``.

    A value that came from the cache is decoded in place. One that does not
    decode -- a payload of the wrong shape behind a valid checksum -- is dropped,
    so that the caller draws it from the ledger again and the cache is rewritten."""
    if key not in store:
        return False
    stored = store[key]
    if not isinstance(stored, _Lazy):
        return True
    try:
        store[key] = stored.value()
    except Exception:
        del store[key]
        return False
    return True
