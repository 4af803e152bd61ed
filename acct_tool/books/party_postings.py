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
from typing import NamedTuple

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
    for index, txn in enumerate(transactions):
        for posting in txn.postings:
            account = party_account(posting.account)
            if account is None or posting.units is None or posting.units.number is None:
                continue
            pmeta = posting.meta if posting.meta and len(posting.meta) > 2 else None  # beyond filename and lineno
            tmeta = txn.meta if txn.meta and len(txn.meta) > 2 else None
            meta = posting.meta if posting.meta and "filename" in posting.meta else txn.meta
            filename = meta.get("filename", "")
            line = meta.get("lineno")
            out.append(
                PartyPosting(
                    account,
                    txn.date,
                    posting.units.number,
                    posting.units.currency,
                    index,
                    tuple(sorted(txn.links)) if txn.links else (),
                    _meta_text(pmeta, "invoice") if pmeta else None,
                    _meta_text(tmeta, "invoice") if tmeta else None,
                    _meta_text(pmeta, "bill") if pmeta else None,
                    _meta_text(tmeta, "bill") if tmeta else None,
                    tmeta.get("due") if tmeta else None,
                    bool((pmeta and _meta_text(pmeta, "refund")) or (tmeta and _meta_text(tmeta, "refund"))),
                    _credit_note(pmeta, tmeta),
                    _has_cash_leg(txn, posting.account, cash_roots),
                    txn.narration or txn.payee or "",
                    display_path(filename, root) or filename,
                    line if isinstance(line, int) else None,
                    txn.payee or "",
                    meta_values(pmeta, tmeta, party_keys),
                    meta_values(pmeta, tmeta, document_keys),
                    *_counter(txn, posting.account, kinds),
                    _meta_text(pmeta, "reference", "ref") or _meta_text(tmeta, "reference", "ref"),
                )
            )
    return out


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


def _counter(txn: Transaction, account: str, kinds: Mapping[str, str]) -> tuple[str, bool]:
    """The kind of root carrying most of the other legs (by absolute units), and whether one is in equity."""
    weights: dict[str, Decimal] = {}
    opening = False
    for p in txn.postings:
        if p.account == account or p.units is None or p.units.number is None:
            continue
        kind = kinds.get(p.account.split(":", 1)[0], "")
        if kind:
            weights[kind] = weights.get(kind, Decimal(0)) + abs(p.units.number)
            opening = opening or kind == "Equity"
    if not weights:
        return "", opening
    return max(weights.items(), key=lambda kv: (kv[1], -ROOT_KINDS.index(kv[0])))[0], opening


def _has_cash_leg(txn: Transaction, account: str, cash_roots: tuple[str, ...] = ("Assets", "Liabilities")) -> bool:
    """True when money moved: some other posting is an asset or liability (a bank, say)."""
    return any(p.account != account and p.account.split(":", 1)[0] in cash_roots for p in txn.postings)
