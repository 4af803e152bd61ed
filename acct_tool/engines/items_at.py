"""The open items of one side at many dates: the month ends that trends read, each date
computed once, a date before one computed already derived from it (see
:mod:`acct_tool.engines.earlier`)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from acct_tool.books.party_postings import PartyPosting
from acct_tool.engines.earlier import Earlier
from acct_tool.engines.receivables import Classified, OpenItems, Side

if TYPE_CHECKING:
    from acct_tool.books.parties import Party
    from acct_tool.books.settings import Settings
    from acct_tool.money import Precisions

Date = datetime.date

#: ``spread(compute, dates)`` is ``[compute(d) for d in dates]``, computed however the caller
#: likes (the command line spreads the dates over two CPUs, and hands back what ``compute`` returns).
Spread: TypeAlias = Callable[[Callable[[Date], Any], Sequence[Date]], list[Any]]


class Started(Protocol):
    """Values being computed while the caller goes on: :meth:`result` waits for them."""

    def result(self) -> list[Any]: ...


#: ``start(compute, dates)`` begins ``[compute(d) for d in dates]`` and hands back at once what
#: waits for them (the command line has a forked child begin on the dates while it goes on,
#: and computes here what the child has not begun by the time the values are asked for).
Start: TypeAlias = Callable[[Callable[[Date], Any], Sequence[Date]], Started]

#: What a trend draws from the open items at one date (a health score per client, the DSO),
#: under a key that says what it draws: see :meth:`ItemsAt.use`. It reads the allocation
#: (documents, credits, refunds, ties), not the diagnostics: see :class:`Earlier`.
Use: TypeAlias = Callable[[OpenItems], Any]


class ItemsAt:
    """The open items of one side at any date, each date computed once: trends over month
    ends (health history, DSO) ask for the same dates. The postings are classified once
    (:class:`~acct_tool.engines.receivables.Classified`) and only allocated again per date.

    A trend reads the open items at a date through :meth:`use`, which keeps only what it
    draws. :meth:`prefetch` computes what several trends draw at many dates at once, through
    ``spread``: the open items of a date are large, and only what is drawn from them comes
    back from where they were computed. There, and through :meth:`derived`, the open items
    of a date before one computed already are derived from those (:class:`Earlier`), their
    diagnostics withheld."""

    def __init__(
        self,
        postings: Sequence[PartyPosting],
        parties: Mapping[str, Party],
        settings: Settings,
        side: Side,
        precisions: Precisions,
        known: OpenItems | None = None,
        spread: Spread | None = None,
        classified: Callable[[], Classified] | None = None,
        start: Start | None = None,
    ) -> None:
        self._args = (postings, parties, settings, side, precisions)
        self._classified: Classified | None = None
        #: Gives these postings classified when the caller may have done that already.
        self._classify = classified
        self._spread = spread
        self._start = start
        #: The dates begun by :meth:`prefetch` without waiting, and what waits for what they draw.
        self._pending: list[tuple[list[Date], Started]] = []
        self._done: dict[Date, OpenItems] = {known.as_of: known} if known is not None and known.side is side else {}
        self._used: dict[tuple[Hashable, Date], Any] = {}
        #: What derives the open items at earlier dates from those computed at a date, by that date.
        self._bases: dict[Date, Earlier] = {}
        #: The open items derived for :meth:`derived`, by date (their diagnostics withheld).
        self._derived: dict[Date, OpenItems] = {}

    @property
    def classified(self) -> Classified:
        if self._classified is None:
            self._classified = self._classify() if self._classify is not None else Classified(*self._args)
        return self._classified

    def prefetch(
        self,
        days: Iterable[Date],
        uses: Mapping[Hashable, Use],
        keep: Iterable[Date] = (),
        *,
        derive_kept: bool = False,
        wait: bool = True,
    ) -> None:
        """What each of ``uses`` (by key) draws from the open items at each of ``days``, for
        :meth:`use` to answer. The dates of ``keep`` are computed here first and kept whole
        for the caller (through :meth:`derived` with ``derive_kept``); the others are computed
        and not kept. Every date, those computed already too, is drawn through ``spread``
        (or one after the other without it) -- or, without ``wait`` and given ``start``,
        begun through ``start`` and waited for only when :meth:`use` or :meth:`prefetch` is
        next called, so that the caller does other work meanwhile."""
        self._settle()
        for day in keep:
            if derive_kept:
                self.derived(day)
            else:
                self(day)
        here = {**self._derived, **self._done}
        todo = [day for day in dict.fromkeys(days) if any((key, day) not in self._used for key in uses)]
        rest = [d for d in todo if d not in here]
        begin = self._start if not wait else None
        if (self._spread is None and begin is None) or len(todo) < 2:
            for day in [d for d in todo if d in here]:
                self._draw(day, here[day], uses)
            todo = rest
        if not todo:
            return
        base = None
        if rest:  # classified, and the base of the dates to compute built, before spreading: a forked worker has them
            self.classified  # noqa: B018
            base = self._base(max(rest))

        def drawn(day: Date) -> dict[Hashable, Any]:
            items = here.get(day)
            if items is None and base is not None:
                items = base.at(day)
            if items is None:
                items = self.classified.at(day)
            return {key: use(items) for key, use in uses.items() if (key, day) not in self._used}

        # the dates computed already are drawn where the others are too: two CPUs share them all
        if begin is not None and len(todo) > 1:
            self._pending.append((todo, begin(drawn, todo)))
            return
        results = self._spread(drawn, todo) if self._spread is not None and len(todo) > 1 else [drawn(day) for day in todo]
        self._keep(todo, results)

    def _keep(self, days: Sequence[Date], results: Sequence[dict[Hashable, Any]]) -> None:
        for day, found in zip(days, results, strict=True):
            for key, value in found.items():
                self._used[(key, day)] = value

    def _settle(self) -> None:
        """What the dates begun without waiting drew, once they are computed."""
        while self._pending:
            days, started = self._pending.pop(0)
            self._keep(days, started.result())

    def _draw(self, day: Date, items: OpenItems, uses: Mapping[Hashable, Use]) -> None:
        for key, use in uses.items():
            if (key, day) not in self._used:
                self._used[(key, day)] = use(items)

    def use(self, key: Hashable, day: Date, use: Use) -> Any:
        """``use(self(day))``, kept under ``key`` (which must say everything ``use`` depends on
        besides the open items) -- or what :meth:`prefetch` drew under it."""
        self._settle()
        if (key, day) not in self._used:
            self._draw(day, self(day), {key: use})
        return self._used[(key, day)]

    def _base(self, day: Date) -> Earlier | None:
        """What derives the open items at ``day`` from those of the nearest later date computed."""
        after = [d for d in self._done if d >= day]
        if not after:
            return None
        later = min(after)
        if later not in self._bases:
            self._bases[later] = Earlier(self.classified, self._done[later])
        return self._bases[later]

    def __call__(self, day: Date) -> OpenItems:
        """The open items at ``day``, with their diagnostics: allocated once."""
        found = self._done.get(day)
        if found is None:
            found = self._done[day] = self.classified.at(day)
        return found

    def derived(self, day: Date) -> OpenItems:
        """The open items at ``day`` for a caller that reads no diagnostics: derived from the
        nearest later date computed where they can be (the diagnostics withheld, see
        :class:`Earlier`), else allocated."""
        found = self._done.get(day)
        if found is None:
            found = self._derived.get(day)
        if found is None:
            base = self._base(day)
            derived = base.at(day) if base is not None else None
            found = self._derived[day] = derived if derived is not None else self(day)
        return found
