"""Drawing the facts a command declared (:class:`~acct_tool.books.load.Needs`) from the
ledger: from the cache's copy of the ledger's facts when it holds them, else from
Beancount's entries, loading the ledger if need be."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from acct_tool.books.ledger import AccountPosting, Ledger
    from acct_tool.books.parties import Party
    from acct_tool.books.party_postings import PartyPosting
    from acct_tool.books.settings import Settings
    from acct_tool.engines.revenue import Attribution

#: What :meth:`Drawer._derived` answers, while deferring, for a fact the cache holds.
_DEFERRED = object()

#: What :func:`~acct_tool.books.load.load_books` tells its ``progress`` as it starts a slow step.
LOADING, DRAWING = "loading ledger: parsing…", "drawing facts…"


class Drawer:
    """Draws derived facts from the ledger's facts (the cache's) or, on a miss, from its entries."""

    def __init__(
        self,
        root: Path,
        ledger: Ledger,
        parties: Mapping[str, Party],
        settings: Settings,
        progress: Callable[[str], None] | None = None,
        *,
        aside: bool = False,
    ) -> None:
        self.root, self.ledger, self.parties, self.settings = root, ledger, parties, settings
        #: Whether a fact drawn for :meth:`later` may be drawn in a child process (see :meth:`_derived`).
        self.aside = aside
        self.computed = False
        self.deferred = False
        #: Set while nothing draws from the entries after the fact being drawn (see :meth:`Ledger.consume`).
        self.last_reader = False
        #: The facts :meth:`later` was told not to draw now, until they are drawn.
        self.pending: list[Callable[[], Any]] = []
        #: Told when a fact decoded late had to be drawn again.
        self.on_computed: Callable[[], None] | None = None
        self.progress = progress or (lambda _message: None)

    def later(self, draw: Callable[[], Any], *, now: bool = True, last: bool = False) -> Callable[[], Any]:
        """``draw`` as a function that remembers its value. A fact the cache holds is
        decoded when it is first asked for (a warm command that needs only what was
        derived from it never decodes it); any other is drawn now, while the ledger's
        entries are at hand (with ``last``, as the last reader of the entries: see
        :meth:`Ledger.consume`) -- or, unless ``now``, when first asked for or by
        :meth:`draw_pending`, whichever comes first: for a command that keeps the
        entries and reads them itself."""
        self.deferred = True
        self.last_reader = last
        try:
            cached = draw() if now else _DEFERRED
        finally:
            self.deferred = self.last_reader = False
        if cached is not _DEFERRED:
            return lambda: cached
        memo: list[Any] = []

        def value() -> Any:
            if not memo:
                was, self.computed = self.computed, False
                memo.append(draw())
                if self.computed and self.on_computed is not None:
                    self.on_computed()  # the payload did not decode: drawn again, so the cache is written
                self.computed = self.computed or was
            return memo[0]

        if not now:
            self.pending.append(value)
        return value

    def draw_pending(self) -> None:
        """Draw the facts :meth:`later` did not draw now and nothing has asked for yet, the
        last of them as the last reader of the entries."""
        pending, self.pending = self.pending, []
        for n, value in enumerate(pending):
            self.last_reader = n == len(pending) - 1
            try:
                value()
            finally:
                self.last_reader = False

    def _derived(self, kind: str, key: Any, compute: Callable[[], Any], *, one_variant: bool = True, aside: bool = False) -> Any:
        """A fact stored in the ledger's facts under ``key`` (exactly what it depends on), so
        that the cache can serve it; computed -- loading the ledger if need be -- when missing.

        With ``aside``, a fact drawn for :meth:`later` from entries already loaded is drawn
        in a child process (when :attr:`aside` allows it) while this one goes on: the child
        sends it encoded as the cache keeps it, and it is decoded when first asked for."""
        from acct_tool.books import cache

        store = self.ledger.facts.derived.setdefault(kind, {})
        if self.deferred and key in store:
            return _DEFERRED
        if cache.decoded(store, key):
            return store[key]
        if not self.ledger.loaded:
            self.progress(LOADING)
        self.progress(DRAWING)
        drawn_aside = aside and self.aside and self.deferred and self.ledger.loaded
        value = _encoded_aside(kind, compute) if drawn_aside else compute()
        self.computed = True
        store = self.ledger.facts.derived.setdefault(kind, {})  # the load may have replaced the facts
        if one_variant:
            store.clear()  # one variant per kind: the current profiles' and settings'
        store[key] = value
        return _DEFERRED if drawn_aside else value

    def party_postings(self) -> tuple[PartyPosting, ...]:
        from acct_tool.books.party_postings import extract_party_postings

        accounts = tuple(sorted({a for p in self.parties.values() for a in (p.receivable, p.payable) if a}))
        roots = self._roots()
        cash_roots = (roots[0][0], roots[1][0])
        keys = (self.settings.party_keys, self.settings.document_keys)
        drawn: Any = self._derived(
            "party_postings",
            (accounts, roots, keys),
            lambda: extract_party_postings(
                self.ledger.consume() if self.last_reader else self.ledger.transactions(),
                accounts,
                self.root,
                cash_roots,
                roots=dict(roots),
                party_keys=keys[0],
                document_keys=keys[1],
            ),
        )
        if drawn is _DEFERRED:
            return cast("tuple[PartyPosting, ...]", drawn)  # a marker for :meth:`later`, not postings
        return tuple(drawn)

    def _roots(self) -> tuple[tuple[str, str], ...]:
        """The ledger's root account names (options ``name_*``), each with the kind it stands for."""
        from acct_tool.books.party_postings import ROOT_KINDS

        options = self.ledger.options
        return tuple((str(options.get(f"name_{kind.lower()}") or kind), kind) for kind in ROOT_KINDS)

    def attribution(self) -> Attribution:
        from acct_tool.engines.revenue import attribute_transactions, attribution_key

        settings = self.settings
        key = attribution_key(self.parties.values())
        income_root = str(self.ledger.options.get("name_income") or "Income")
        drawn: Attribution = self._derived(
            "attribution",
            (income_root, key, settings.control_accounts, settings.party_keys),
            lambda: attribute_transactions(
                self.ledger.transactions(),
                self.parties.values(),
                income_root,
                self.root,
                control_accounts=settings.control_accounts,
                party_keys=settings.party_keys,
            ),
            aside=True,  # it reads every transaction; what it finds takes a tenth of that to decode
        )
        return drawn

    def account_postings(self, account: str) -> tuple[AccountPosting, ...]:
        from acct_tool.books.ledger import account_postings

        return tuple(self._derived("account_postings", account, lambda: account_postings(self.ledger.entries, account), one_variant=False))


def _encoded_aside(kind: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` begun in a child process, as the fact the cache keeps under ``kind``
    (:class:`~acct_tool.books.cache_codec.Encoding`): computed here instead when no child can
    be forked or it fails."""
    from acct_tool.books import aside
    from acct_tool.books.cache_codec import Encoding, encode

    pending = aside.aside(lambda: encode(kind, compute()))
    return Encoding(kind, pending.result)
