"""Adopting books the tool did not write: what acct-tool.yaml and the profiles should say about a ledger.

A pure function of the ledger's transactions (read through the attributes
Beancount gives them), its opened accounts and its options: no I/O, no Click,
no printing. :func:`propose` finds

* the receivable and payable roots, from account names (the ledger's
  ``name_assets`` / ``name_liabilities`` respected) or, when no name says so, an
  asset account that is only ever billed from income and settled from another
  asset account by the same payees;
* under each root, the accounts that are one party's (``Assets:Receivable:Acme``)
  and the control accounts shared by several parties (one ``Assets:AR`` whose
  postings are told apart by party metadata or payee);
* one party per such account, or per party seen on a control account, with its
  spelling variants as aliases, its first posting date and its currencies;
* the document numbers in use beyond links and ``invoice:``/``bill:``
  metadata: other metadata keys whose values are distinct per document, and
  narration tokens (``SI-0884``) that recur between a document and its payment;
* the operating currency.

Everything proposed is a guess for the user to review; each guess says why.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from acct_tool.books.account_names import payable_root_of, receivable_root_of
from acct_tool.books.settings import Settings, pattern_problem
from acct_tool.engines.party_match import fold

Date = datetime.date

RECEIVABLE, PAYABLE = "receivable", "payable"
SIDES = (RECEIVABLE, PAYABLE)

#: Metadata keys that never hold a further document number: Beancount's own, the
#: built-in document keys and flags, and the party keys.
_NOT_DOCUMENT_KEYS = frozenset({"filename", "lineno", "invoice", "bill", "due", "refund", "credit_note", "name"}) | frozenset(Settings().party_keys)
#: A metadata value that reads as a document number: one word with a digit in it.
_DOCUMENT_VALUE = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9/_.#-]*$")
#: A document number in a narration: an upper-case prefix, a dash, digits (``SI-0884``, ``INV-2026-014``).
_NARRATION_TOKEN = re.compile(r"\b([A-Z]{1,6})-(\d+(?:-\d+)*)\b")
#: Legal-form suffixes that do not make a different party ("Kauri Build Ltd" is "Kauri Build Limited").
_LEGAL_SUFFIXES = frozenset(
    {
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "llc",
        "llp",
        "plc",
        "gmbh",
        "ag",
        "kg",
        "corp",
        "corporation",
        "co",
        "pty",
        "bv",
        "nv",
        "sa",
        "sarl",
        "srl",
        "oy",
        "ab",
        "as",
    }
)
#: Names no receivable is guessed for by use: they are money, not debts.
_CASH_WORDS = re.compile(r"(?i)^(bank\w*|cash|checking|current|savings?|paypal|stripe|wise|card\w*|petty\w*)$")
#: File names Windows reserves; the profile schema refuses them as ids.
_RESERVED_IDS = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))})


@dataclass(frozen=True)
class ProposedParty:
    """One profile to write: who, on which accounts, since when, in which currencies."""

    id: str
    name: str
    kind: str  # client | vendor | both
    since: Date | None
    receivable: str | None = None
    payable: str | None = None
    aliases: tuple[str, ...] = ()
    #: Every currency of the party's postings, sorted; empty when it is only the operating currency.
    currencies: tuple[str, ...] = ()
    postings: int = 0
    #: Why this party is proposed, in a few words ("its own account", "payee on Assets:AR").
    why: str = ""


@dataclass(frozen=True)
class ControlAccount:
    account: str
    side: str
    parties: int
    #: Postings with neither a payee nor party metadata: their party cannot be told.
    unknown: int = 0


@dataclass(frozen=True)
class Proposal:
    """What adopting the ledger would write, with the reason for every detected key."""

    receivable_root: str
    payable_root: str
    operating_currency: str
    control_accounts: tuple[ControlAccount, ...] = ()
    document_keys: tuple[str, ...] = ()
    document_pattern: str | None = None
    parties: tuple[ProposedParty, ...] = ()
    #: Setting key -> why it has the proposed value.
    reasons: Mapping[str, str] = field(default_factory=dict)
    #: Things the user has to look at: postings whose party cannot be told, accounts left out.
    notices: tuple[str, ...] = ()
    transactions: int = 0


# --- names ------------------------------------------------------------------------------------------------


def party_key(name: str) -> str:
    """What two spellings of one party share: the letters and digits of the name, without a legal-form suffix.

    "Kauri Build Ltd", "Kauri Build Limited" and "Kauri-Build, Ltd." have the same key."""
    words = re.findall(r"[^\W_]+", name.casefold())
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return "".join(words)


def split_camel(component: str) -> str:
    """``HarborLogistics`` -> ``Harbor Logistics``: an account component as words."""
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+", component)
    return " ".join(words) or component


def slug(text: str) -> str:
    """A lowercase id from a name: ASCII letters and digits joined by dashes, at most 64 characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    out = out[:64].rstrip("-")
    if not out:
        out = "party"
    if out in _RESERVED_IDS:
        out += "-party"
    return out


def _clean(text: object) -> str:
    """A payee or metadata value as a profile can hold it: one line, no surrounding space."""
    return " ".join(str(text).split()) if isinstance(text, str) else ""


# --- the postings read from the ledger --------------------------------------------------------------------


@dataclass(frozen=True)
class _Posting:
    """A posting to a receivable or payable account, with what adopting needs of its transaction."""

    account: str
    date: Date
    number: Decimal
    currency: str
    txn: int
    payee: str
    narration: str
    links: frozenset[str]
    #: The party named by metadata (posting, then transaction), cleaned, or "".
    named: str
    #: Metadata of the posting over that of the transaction (key -> value).
    meta: Mapping[str, Any]


def _meta(meta: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (meta or {}).items() if isinstance(k, str) and not k.startswith("__") and k not in ("filename", "lineno")}


def _party_named(posting_meta: Mapping[str, Any], txn_meta: Mapping[str, Any], keys: Iterable[str]) -> str:
    for meta in (posting_meta, txn_meta):
        for key in keys:
            value = _clean(meta.get(key))
            if value:
                return value
    return ""


def _under(account: str, root: str) -> bool:
    return account == root or account.startswith(root + ":")


# --- roots -------------------------------------------------------------------------------------------------


def _named_roots(counts: Mapping[str, int], top: str, side: str) -> Counter[str]:
    """Root -> postings under it, for every account whose name says receivable (or payable)."""
    find = receivable_root_of if side == RECEIVABLE else payable_root_of
    roots: Counter[str] = Counter()
    for account, n in counts.items():
        root = find(account, top)
        if root:
            roots[root] += n
    return roots


def _receivables_by_use(transactions: list[Any], assets: str, income: str) -> list[str]:
    """Asset accounts that behave like receivables although no name says so.

    Every posting to such an account is an invoice (debited against income while
    no other asset account moves), a payment (credited while another asset
    account is debited) or a credit note (credited against income, no other asset
    moving); there are at least two invoices and one payment, and some payee is
    both billed and paying. A bank account fails this at its first expense."""
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    billed: dict[str, set[str]] = defaultdict(set)
    paying: dict[str, set[str]] = defaultdict(set)
    for txn in transactions:
        postings = [p for p in txn.postings if p.units is not None and p.units.number is not None]
        for posting in postings:
            account = posting.account
            if not account.startswith(assets + ":") or any(_CASH_WORDS.match(part) for part in account.split(":")[1:]):
                continue
            others = [p for p in postings if p is not posting and p.account != account]
            has_income = any(_under(p.account, income) for p in others)
            other_assets = [p for p in others if _under(p.account, assets)]
            number = posting.units.number
            payee = fold(txn.payee or "")
            if number > 0 and has_income and not other_assets:
                kinds[account]["invoice"] += 1
                if payee:
                    billed[account].add(payee)
            elif number < 0 and any(p.units.number > 0 for p in other_assets):
                kinds[account]["payment"] += 1
                if payee:
                    paying[account].add(payee)
            elif number < 0 and has_income and not other_assets:
                kinds[account]["credit"] += 1
            else:
                kinds[account]["other"] += 1
    return sorted(
        account for account, seen in kinds.items() if seen["other"] == 0 and seen["invoice"] >= 2 and seen["payment"] >= 1 and billed[account] & paying[account]
    )


def _root_by_use(found: list[str], assets: str, counts: Mapping[str, int]) -> str | None:
    """The root for accounts found by use: their common parent below the assets root, else the busiest."""
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    parts = [a.split(":") for a in found]
    common: list[str] = []
    for level in zip(*parts):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    if len(common) >= 2:
        return ":".join(common)
    return max(found, key=lambda a: (counts.get(a, 0), a))


# --- parties -----------------------------------------------------------------------------------------------


@dataclass
class _Cluster:
    """One party seen on one account while the postings are read."""

    side: str
    account: str
    control: bool
    #: The component below the root that names the account's party ("" for the root itself, or on a control account).
    component: str = ""
    spellings: dict[str, Counter[str]] = field(default_factory=dict)  # folded -> spelling as written -> count
    from_payee: set[str] = field(default_factory=set)  # folded spellings seen as payees
    first: Date | None = None
    currencies: set[str] = field(default_factory=set)
    postings: int = 0

    def add(self, posting: _Posting, label: str = "", is_payee: bool = True) -> None:
        if label:
            self.spellings.setdefault(fold(label), Counter())[label] += 1
            if is_payee:
                self.from_payee.add(fold(label))
        self.first = posting.date if self.first is None or posting.date < self.first else self.first
        self.currencies.add(posting.currency)
        self.postings += 1

    def names(self) -> list[str]:
        """One spelling per folded form, the most used first (payee spellings before metadata values)."""
        ranked = sorted(self.spellings.items(), key=lambda item: (item[0] not in self.from_payee, -sum(item[1].values())))
        return [spellings.most_common(1)[0][0] for _, spellings in ranked]

    @property
    def name(self) -> str:
        names = self.names()
        if names:
            return names[0]
        return split_camel(self.component) if self.component else self.account.rsplit(":", 1)[-1]

    @property
    def key(self) -> str:
        return party_key(self.name)

    @property
    def aliases(self) -> tuple[str, ...]:
        """The other spellings of a party on a control account (payees are matched only there)."""
        return tuple(self.names()[1:]) if self.control else ()

    @property
    def stem(self) -> str:
        """The id: from the account's own name, else from the party's name."""
        return slug(split_camel(self.component)) if self.component else slug(self.name)


def _label(posting: _Posting) -> tuple[str, bool]:
    """The party a posting on a control account names (metadata, then payee), and whether it is the payee."""
    if posting.named:
        return posting.named, False
    return _clean(posting.payee), True


def _clusters_of(account: str, side: str, postings: list[_Posting], root: str) -> tuple[list[_Cluster], int]:
    """The parties of one receivable or payable account, and how many postings name nobody.

    The root account itself is shared when it names several parties; an account
    below it is one party's, unless it names several and none of them is the
    party its own name says."""
    labelled = [(p, *_label(p)) for p in postings]
    keys = {party_key(label) for _, label, _ in labelled if label} - {""}
    component = "" if account == root else account[len(root) + 1 :]
    own_key = party_key(split_camel(component)) if component else ""
    shared = len(keys) >= 2 and not (own_key and any(own_key in key for key in keys))
    if not shared:
        cluster = _Cluster(side, account, control=False, component=component)
        for posting in postings:
            cluster.add(posting, _clean(posting.payee))
        return [cluster], 0
    clusters: dict[str, _Cluster] = {}
    unknown = 0
    for posting, label, is_payee in labelled:
        key = party_key(label) if label else ""
        if not key:
            unknown += 1
            continue
        clusters.setdefault(key, _Cluster(side, account, control=True)).add(posting, label, is_payee)
    return list(clusters.values()), unknown


def _parties(clusters: list[_Cluster], operating: str) -> tuple[list[ProposedParty], list[str]]:
    """One party per cluster; a receivable and a payable cluster of the same name (one of each) are one party, kind both."""
    notices: list[str] = []
    by_side_key: dict[tuple[str, str], list[_Cluster]] = defaultdict(list)
    for c in clusters:
        by_side_key[(c.side, c.key)].append(c)
    pairs: list[tuple[_Cluster | None, _Cluster | None]] = []
    paired: set[int] = set()
    payables = [c for c in clusters if c.side == PAYABLE]
    receivables = [c for c in clusters if c.side == RECEIVABLE]

    def only(found: list[_Cluster]) -> _Cluster | None:
        return found[0] if len(found) == 1 and id(found[0]) not in paired else None

    for c in receivables:
        match = only([p for p in payables if p.key == c.key]) if c.key and len(by_side_key[(RECEIVABLE, c.key)]) == 1 else None
        if match is None and c.component and sum(1 for r in receivables if r.component and r.stem == c.stem) == 1:
            match = only([p for p in payables if p.component and p.stem == c.stem])  # Assets:Receivable:Acme and Liabilities:Payable:Acme
        if match is not None:
            paired.add(id(match))
        pairs.append((c, match))
    pairs += [(None, c) for c in clusters if c.side == PAYABLE and id(c) not in paired]
    for (side, key), group in sorted(by_side_key.items()):
        accounts = sorted({c.account for c in group})
        if key and len(accounts) > 1:
            notices.append(
                f"{group[0].name} is on several {side} accounts ({', '.join(accounts)}): one profile is proposed for each, as a profile has one {side} account"
            )

    out: list[ProposedParty] = []
    taken: set[str] = set()
    for recv, pay in sorted(pairs, key=lambda pair: _order(pair[0] or pair[1])):
        members = [c for c in (recv, pay) if c is not None]
        main = members[0]
        aliases: list[str] = []
        for c in members:
            for spelling in (c.name, *c.aliases) if c.control else ():
                if fold(spelling) != fold(main.name) and fold(spelling) not in {fold(a) for a in aliases}:
                    aliases.append(spelling)
        party_id, n = main.stem, 2
        while party_id in taken:
            suffix = f"-{n}"
            party_id, n = main.stem[: 64 - len(suffix)].rstrip("-") + suffix, n + 1
        taken.add(party_id)
        firsts = [c.first for c in members if c.first is not None]
        currencies = sorted(set().union(*(c.currencies for c in members)))
        out.append(
            ProposedParty(
                id=party_id,
                name=main.name,
                kind="both" if recv and pay else "client" if recv else "vendor",
                since=min(firsts) if firsts else None,
                receivable=recv.account if recv else None,
                payable=pay.account if pay else None,
                aliases=tuple(aliases),
                currencies=tuple(currencies) if currencies != [operating] else (),
                postings=sum(c.postings for c in members),
                why="; ".join(f"payee on {c.account}" if c.control else f"its own account {c.account}" for c in members),
            )
        )
    return sorted(out, key=lambda p: p.id), notices


def _order(cluster: _Cluster | None) -> tuple[str, str, str]:
    """Ids are handed out in this order, so that the same ledger always gets the same ids."""
    assert cluster is not None
    return (cluster.stem, cluster.account, fold(cluster.name))


# --- document numbers --------------------------------------------------------------------------------------


def _is_document(posting: _Posting, side: str) -> bool:
    """An invoice debits a receivable; a bill credits a payable."""
    return posting.number > 0 if side == RECEIVABLE else posting.number < 0


def _document_keys(postings: list[tuple[str, _Posting]]) -> tuple[list[str], str]:
    """Metadata keys whose values are one word with a digit, distinct from one document to the next."""
    values: dict[str, dict[int, str]] = defaultdict(dict)
    order: list[str] = []
    for side, posting in postings:
        if not _is_document(posting, side):
            continue
        for key, value in posting.meta.items():
            if key in _NOT_DOCUMENT_KEYS or isinstance(value, (bool, datetime.date)):
                continue
            text = str(value).strip() if isinstance(value, (str, int, Decimal)) else ""
            if key not in values:
                order.append(key)
            values[key][posting.txn] = text
    keys = []
    for key in order:
        seen = list(values[key].values())
        if len(seen) >= 2 and all(_DOCUMENT_VALUE.match(v) for v in seen) and len(set(seen)) == len(seen):
            keys.append(key)
    why = f"metadata holding a different number on every document ({', '.join(keys)})" if keys else ""
    return keys, why


def _has_number(posting: _Posting, keys: Iterable[str]) -> bool:
    return bool(posting.links) or any(_clean(posting.meta.get(k)) for k in ("invoice", "bill", *keys))


def _document_pattern(postings: list[tuple[str, _Posting]], keys: list[str]) -> tuple[str | None, str]:
    """A pattern over narrations, from the prefixes of tokens that recur between a numberless document and another posting."""
    tokens_of: dict[tuple[str, str], dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))  # (side, account) -> txn -> tokens
    numberless_docs: set[tuple[str, int]] = set()
    credits: set[tuple[str, int]] = set()
    for side, posting in postings:
        if not _is_document(posting, side):
            credits.add((side, posting.txn))
        found = {m.group(0) for m in _NARRATION_TOKEN.finditer(posting.narration)} | {link for link in posting.links if _NARRATION_TOKEN.fullmatch(link)}
        if found:
            tokens_of[(side, posting.account)][posting.txn] |= found
        if _is_document(posting, side) and not _has_number(posting, keys) and _NARRATION_TOKEN.search(posting.narration):
            numberless_docs.add((side, posting.txn))
    prefixes: Counter[str] = Counter()
    dashed = False
    for (side, _account), by_txn in tokens_of.items():
        where: dict[str, set[int]] = defaultdict(set)
        for txn, tokens in by_txn.items():
            for token in tokens:
                where[token].add(txn)
        for token, txns in where.items():
            if any((side, t) in numberless_docs for t in txns) and any((side, t) in credits for t in txns):
                match = _NARRATION_TOKEN.fullmatch(token)
                assert match is not None
                prefixes[match.group(1)] += 1
                dashed = dashed or "-" in match.group(2)
    if not prefixes:
        return None, ""
    ordered = sorted(prefixes, key=lambda p: (-prefixes[p], p))
    digits = r"\d+(?:-\d+)*" if dashed else r"\d+"
    pattern = rf"\b({'|'.join(ordered)})-{digits}\b"
    if pattern_problem(pattern):
        return None, ""
    examples = ", ".join(f"{p}-..." for p in ordered)
    return pattern, f"documents without a link or number metadata whose narration numbers ({examples}) recur in their payments"


# --- the proposal ------------------------------------------------------------------------------------------


def propose(transactions: Iterable[Any], opens: Mapping[str, Any], options: Mapping[str, Any]) -> Proposal:
    """What the settings and profiles of the ledger's books should say (see the module docstring)."""
    txns = [t for t in transactions if type(t).__name__ == "Transaction"]
    assets = str(options.get("name_assets") or "Assets")
    liabilities = str(options.get("name_liabilities") or "Liabilities")
    income = str(options.get("name_income") or "Income")
    defaults = Settings()
    counts: Counter[str] = Counter(dict.fromkeys(opens, 0))
    currencies: Counter[str] = Counter()
    for txn in txns:
        for posting in txn.postings:
            counts[posting.account] += 1
            if posting.units is not None and posting.units.currency:
                currencies[posting.units.currency] += 1

    reasons: dict[str, str] = {}
    notices: list[str] = []
    roots: dict[str, str] = {}
    for side, top, default in ((RECEIVABLE, assets, defaults.receivable_root), (PAYABLE, liabilities, defaults.payable_root)):
        named = _named_roots(counts, top, side)
        if named:
            root = max(named, key=lambda r: (named[r], -r.count(":"), r))
            roots[side] = root
            reasons[f"{side}_root"] = f"account names say so, with {named[root]} posting{'s' if named[root] != 1 else ''} under it"
            for other in sorted(set(named) - {root}):
                notices.append(f"{other} also looks like a {side} account ({named[other]} postings); only {root} is adopted: its parties need profiles by hand")
            continue
        by_use = _receivables_by_use(txns, assets, income) if side == RECEIVABLE else []
        root_by_use = _root_by_use(by_use, assets, counts)
        if root_by_use:
            roots[side] = root_by_use
            reasons[f"{side}_root"] = "its postings are invoices against income settled from the bank by the same payees"
            continue
        roots[side] = default.replace("Assets", assets, 1) if side == RECEIVABLE else default.replace("Liabilities", liabilities, 1)
        reasons[f"{side}_root"] = f"no {side} account was found; this is the default"

    side_postings: list[tuple[str, _Posting]] = []
    by_account: dict[tuple[str, str], list[_Posting]] = defaultdict(list)
    party_keys = defaults.party_keys
    for index, txn in enumerate(txns):
        txn_meta = _meta(txn.meta)
        for posting in txn.postings:
            on = next((s for s in SIDES if _under(posting.account, roots[s])), None)
            if on is None or posting.units is None or posting.units.number is None:
                continue
            root = roots[on]
            account = root if posting.account == root else root + ":" + posting.account[len(root) + 1 :].split(":")[0]
            posting_meta = _meta(posting.meta)
            record = _Posting(
                account=account,
                date=txn.date,
                number=posting.units.number,
                currency=posting.units.currency,
                txn=index,
                payee=txn.payee or "",
                narration=txn.narration or "",
                links=frozenset(txn.links or ()),
                named=_party_named(posting_meta, txn_meta, party_keys),
                meta={**txn_meta, **posting_meta},
            )
            side_postings.append((on, record))
            by_account[(on, account)].append(record)

    for opened in opens:  # an account opened for a party that has no postings yet
        on = next((s for s in SIDES if opened.startswith(roots[s] + ":")), None)
        if on is not None:
            by_account.setdefault((on, roots[on] + ":" + opened[len(roots[on]) + 1 :].split(":")[0]), [])

    clusters: list[_Cluster] = []
    controls: list[ControlAccount] = []
    for (side, account), postings in sorted(by_account.items()):
        found, unknown = _clusters_of(account, side, postings, roots[side])
        clusters += found
        if found and found[0].control:
            controls.append(ControlAccount(account, side, len(found), unknown))
            if unknown:
                notices.append(
                    f"{unknown} posting{'s' if unknown != 1 else ''} on {account} {'have' if unknown != 1 else 'has'} no payee and no party metadata "
                    f"({', '.join(party_keys)}): whose they are cannot be told, so no party is proposed for them; "
                    "add a payee or `customer:` metadata naming the party"
                )
    if controls:
        reasons["control_accounts"] = "; ".join(f"{c.account} is shared by {c.parties} parties, told apart by payee or party metadata" for c in controls)

    if options.get("operating_currency"):
        operating = str(next(iter(options["operating_currency"])))
        reasons["operating_currency"] = "the ledger's operating_currency option"
    else:
        on_sides: Counter[str] = Counter(p.currency for _, p in side_postings)
        if on_sides:
            operating = on_sides.most_common(1)[0][0]
            reasons["operating_currency"] = "the currency most used on receivable and payable postings"
        elif currencies:
            operating = currencies.most_common(1)[0][0]
            reasons["operating_currency"] = "the currency the ledger uses most"
        else:
            operating = "USD"
            reasons["operating_currency"] = "the ledger has no postings; this is the default"

    parties, party_notices = _parties(clusters, operating)
    notices += party_notices
    keys, keys_why = _document_keys(side_postings)
    if keys:
        reasons["document_keys"] = keys_why
    pattern, pattern_why = _document_pattern(side_postings, keys)
    if pattern:
        reasons["document_pattern"] = pattern_why
    return Proposal(
        receivable_root=roots[RECEIVABLE],
        payable_root=roots[PAYABLE],
        operating_currency=operating,
        control_accounts=tuple(controls),
        document_keys=tuple(keys),
        document_pattern=pattern,
        parties=tuple(parties),
        reasons=reasons,
        notices=tuple(notices),
        transactions=len(txns),
    )
