"""Postings to party accounts, drawn from the ledger once.

Everything the receivables and payables allocation needs to know about a
posting to a client's or vendor's account and its transaction, as plain data:
amount, date, links, ``invoice:``/``bill:``/``due:``/``refund:``/``credit_note:``
metadata, the bank reference (``reference:``/``ref:``), whether money moved. Extracted in one pass over the entries and kept
in the cache, so that the allocation (:mod:`acct_tool.engines.receivables`) runs
without loading the ledger when it has not changed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from acct_tool.books.ledger import Transaction, display_path

Date = datetime.date


def _meta_text(meta: Mapping[str, object] | None, *keys: str) -> str | None:
    if not meta:
        return None
    for key in keys:
        value = meta.get(key)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


class PartyPosting(NamedTuple):
    """A posting to a party's account, with what the allocation needs to know about its
    transaction. Extracted once from the ledger (and cacheable); amounts keep the
    ledger's sign."""

    account: str  # the party's account (postings to sub-accounts map to it)
    date: Date
    number: Decimal
    currency: str
    txn: int  # index of the transaction, to tell postings of one transaction apart
    links: tuple[str, ...]
    posting_invoice: str | None  # `invoice:` metadata on the posting
    txn_invoice: str | None  # ... on the transaction
    posting_bill: str | None
    txn_bill: str | None
    due: object  # the transaction's `due:` metadata, as written
    refund: bool
    #: The credit note's number (``credit_note:`` metadata), ``""`` when it is a flag without one
    #: (``credit_note: TRUE``), None when there is no such metadata.
    credit_note: str | None
    cash_leg: bool
    narration: str
    file: str
    line: int | None
    payee: str = ""
    #: Values of the settings' ``party_keys`` metadata, the posting's before the transaction's.
    party_names: tuple[str, ...] = ()
    #: Values of the settings' ``document_keys`` metadata, the posting's before the transaction's.
    key_refs: tuple[str, ...] = ()
    #: The kind of root (``Assets``, ``Liabilities``, ``Income``, ``Expenses``, ``Equity``)
    #: that carries most of the transaction's other legs, ``""`` when there are none.
    counter: str = ""
    #: True when another leg is in equity: an opening balance (or a ``pad``).
    opening: bool = False
    #: The bank's reference for the money (``reference:`` or ``ref:`` metadata, the posting's before the transaction's).
    reference: str | None = None

    def refs(self, key: str) -> tuple[str | None, str | None]:
        """(posting, transaction) metadata for ``invoice`` or ``bill``."""
        if key == "invoice":
            return self.posting_invoice, self.txn_invoice
        return self.posting_bill, self.txn_bill


#: The five kinds of root account, as Beancount names them by default.
ROOT_KINDS = ("Assets", "Liabilities", "Equity", "Income", "Expenses")


def extract_party_postings(
    transactions: Iterable[Transaction],
    accounts: Iterable[str],
    root: Path,
    cash_roots: tuple[str, ...] = ("Assets", "Liabilities"),
    *,
    roots: Mapping[str, str] | None = None,
    party_keys: tuple[str, ...] = (),
    document_keys: tuple[str, ...] = (),
) -> list[PartyPosting]:
    """Every posting to one of ``accounts`` (or a sub-account), in ledger order.

    ``cash_roots`` are the ledger's asset and liability roots (options
    ``name_assets``/``name_liabilities``): a credit with a leg there moved money.
    ``roots`` maps the ledger's root names to :data:`ROOT_KINDS` (the options
    ``name_*`` rename them); ``party_keys`` and ``document_keys`` are the metadata
    keys whose values are drawn (see :mod:`acct_tool.engines.party_match`)."""
    kinds = dict(roots) if roots is not None else {k: k for k in ROOT_KINDS}
    wanted = set(accounts)
    resolved: dict[str, str | None] = {}

    def party_account(account: str) -> str | None:
        if account not in resolved:
            found = None
            parent = account
            while True:
                if parent in wanted:
                    found = parent
                    break
                if ":" not in parent:
                    break
                parent = parent.rsplit(":", 1)[0]
            resolved[account] = found
        return resolved[account]

    out: list[PartyPosting] = []
    shown: dict[str, str] = {}  # file name -> as shown (one string per file, not one per posting)
    for index, txn in enumerate(transactions):
        postings = txn.postings
        mine = None
        for posting in postings:  # most transactions touch no party: found with one lookup per leg
            name = posting.account
            account = resolved[name] if name in resolved else party_account(name)
            if account is not None:
                if mine is None:
                    mine = []
                mine.append((posting, account))
        if mine is None:
            continue
        tmeta = txn.meta if _written(txn.meta) else None
        links = tuple(sorted(txn.links)) if txn.links else ()
        narration = txn.narration or txn.payee or ""
        payee = txn.payee or ""
        for posting, account in mine:
            if posting.units is None or posting.units.number is None:
                continue
            pmeta = posting.meta if _written(posting.meta) else None
            meta = posting.meta if posting.meta and "filename" in posting.meta else txn.meta
            filename = meta.get("filename", "")
            where = shown.get(filename)
            if where is None:
                where = shown[filename] = display_path(filename, root) or filename
            line = meta.get("lineno")
            if pmeta is None and tmeta is None:  # no metadata beyond the place: nothing to read from it
                p_invoice = t_invoice = p_bill = t_bill = credit_note = reference = None
                due: object = None
                refund = False
                names: tuple[str, ...] = ()
                keys: tuple[str, ...] = ()
            else:
                p_invoice, t_invoice = _meta_text(pmeta, "invoice"), _meta_text(tmeta, "invoice")
                p_bill, t_bill = _meta_text(pmeta, "bill"), _meta_text(tmeta, "bill")
                due = tmeta.get("due") if tmeta else None
                refund = bool(_meta_text(pmeta, "refund") or _meta_text(tmeta, "refund"))
                credit_note = _credit_note(pmeta, tmeta)
                names, keys = meta_values(pmeta, tmeta, party_keys), meta_values(pmeta, tmeta, document_keys)
                reference = _meta_text(pmeta, "reference", "ref") or _meta_text(tmeta, "reference", "ref")
            counter, opening, cash = _legs(postings, posting.account, kinds, cash_roots)
            out.append(
                PartyPosting(
                    account,
                    txn.date,
                    posting.units.number,
                    posting.units.currency,
                    index,
                    links,
                    p_invoice,
                    t_invoice,
                    p_bill,
                    t_bill,
                    due,
                    refund,
                    credit_note,
                    cash,
                    narration,
                    where,
                    line if isinstance(line, int) else None,
                    payee,
                    names,
                    keys,
                    counter,
                    opening,
                    reference,
                )
            )
    return out


def _written(meta: Mapping[str, object] | None) -> bool:
    """True when ``meta`` holds metadata the ledger writes: beyond the place (``filename``,
    ``lineno``) and what booking adds (``__tolerances__``, ``__automatic__``: no key a
    ledger can write starts with an underscore)."""
    if not meta:
        return False
    for key in meta:  # noqa: SIM110 - a loop is faster than any() here, run for every posting to a party
        if key != "filename" and key != "lineno" and not key.startswith("__"):
            return True
    return False


def _legs(postings: Iterable[Any], account: str, kinds: Mapping[str, str], cash_roots: tuple[str, ...]) -> tuple[str, bool, bool]:
    """Over the transaction's other legs, in one pass: the kind of root carrying most of them
    (by absolute units), whether one is in equity (an opening balance, or a ``pad``), and
    whether one is an asset or liability (a bank, say: money moved)."""
    weights: dict[str, Decimal] = {}
    opening = cash = False
    for p in postings:
        name = p.account
        if name == account:
            continue
        root = name.partition(":")[0]
        if not cash and root in cash_roots:
            cash = True
        units = p.units
        if units is None or units.number is None:
            continue
        kind = kinds.get(root, "")
        if kind:
            weights[kind] = weights.get(kind, _ZERO) + abs(units.number)
            if kind == "Equity":
                opening = True
    if not weights:
        return "", opening, cash
    if len(weights) == 1:
        return next(iter(weights)), opening, cash
    return max(weights.items(), key=lambda kv: (kv[1], -ROOT_KINDS.index(kv[0])))[0], opening, cash


_ZERO = Decimal(0)


def _credit_note(pmeta: Mapping[str, object] | None, tmeta: Mapping[str, object] | None) -> str | None:
    """The number of ``credit_note:`` metadata (the posting's before the transaction's); ``""`` for a
    bare flag (``credit_note: TRUE``), None without the key."""
    found: str | None = None
    for meta in (pmeta, tmeta):
        value = meta.get("credit_note") if meta else None
        if value is None or not str(value).strip():
            continue
        if isinstance(value, bool):
            found = ""
            continue
        return str(value).strip()
    return found


def meta_values(pmeta: Mapping[str, object] | None, tmeta: Mapping[str, object] | None, keys: tuple[str, ...]) -> tuple[str, ...]:
    """The non-empty values of ``keys``, the posting's metadata before the transaction's, each once
    (the party names and document numbers of :mod:`acct_tool.engines.party_match` and receivables)."""
    if not keys:
        return ()
    out: list[str] = []
    for meta in (pmeta, tmeta):
        for key in keys:
            value = _meta_text(meta, key)
            if value is not None and value not in out:
                out.append(value)
    return tuple(out)
