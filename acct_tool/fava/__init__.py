"""acct-tool inside fava: receivables, clients, follow-ups, one client's review and the check.

Enable it in the ledger fava serves::

    2026-01-01 custom "fava-extension" "acct_tool.fava"

or, with the books folder named (relative to the ledger's folder)::

    2026-01-01 custom "fava-extension" "acct_tool.fava" "{'books': '..'}"

The books root is the config's folder, else the nearest folder above the ledger
holding ``acct-tool.yaml``. The pages are one fava report with tabs chosen by the
``page`` query parameter. Every figure comes from the engines and JSON views the
command line uses; this module only loads the books, calls them and hands the
results to its template. The as-of date is the end of fava's time filter when one
is set, else today.
"""

from __future__ import annotations

import datetime
import json
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

try:
    from fava.ext import FavaExtensionBase
    from flask import g, request
except ImportError:
    raise ImportError("acct_tool.fava needs fava: pip install 'acct-tool[fava]'") from None

from acct_tool.books.load import Books, BooksError, Needs, find_root, load_books
from acct_tool.books.profiles import PROFILE_SUFFIXES
from acct_tool.books.settings import SETTINGS_FILE
from acct_tool.checks.findings import findings
from acct_tool.diagnostics import Diagnostic
from acct_tool.engines.aging import age
from acct_tool.engines.followups import followups as find_followups
from acct_tool.engines.portfolio import context, summaries
from acct_tool.engines.receivables import Side
from acct_tool.periods import Period, parse_period, quarter_of
from acct_tool.render import clients as clients_view
from acct_tool.render import diagnostics as diagnostics_view
from acct_tool.render import followups as followups_view
from acct_tool.render import receivables as receivables_view

#: The tabs, in the order fava shows them: query value -> title.
PAGES = {"receivables": "Receivables", "clients": "Clients", "followups": "Follow-ups", "client": "Client", "check": "Check"}

#: What the pages draw from the ledger: the parties' postings and revenue (health, reviews),
#: and the statements' counter account (the check reports drafts left on it, as ``check`` does).
NEEDS = Needs(party_postings=True, attribution=True)


def _needs(settings: Any) -> Needs:
    return replace(NEEDS, accounts=frozenset({settings.statements.counter_account}))


@dataclass
class _Loaded:
    """The books loaded for one as-of date, and the inputs' modification times they were loaded from."""

    books: dict[datetime.date, Books] = field(default_factory=dict)
    stamp: tuple[tuple[str, int], ...] = ()


class AcctTool(FavaExtensionBase):
    """acct-tool's receivables, clients, follow-ups, reviews and check as a fava report."""

    report_title = "acct-tool"

    def __init__(self, ledger: Any, config: str | None = None) -> None:
        super().__init__(ledger, config)
        self._lock = threading.Lock()
        self._loaded = _Loaded()

    # --- fava's hooks -------------------------------------------------------------

    def after_load_file(self) -> None:
        """fava reloaded the ledger: the books are loaded again on the next request."""
        with self._lock:
            self._loaded = _Loaded()

    def before_request(self) -> None:
        """A profile or acct-tool.yaml edited since the books were loaded: load them again."""
        try:
            stamp = self._stamp(self.root())
        except BooksError:
            return
        with self._lock:
            if stamp != self._loaded.stamp:
                self._loaded = _Loaded(stamp=stamp)

    # --- the books ------------------------------------------------------------------

    def root(self) -> Path:
        """The books folder: the config's ``books`` (relative to the ledger's folder), else the nearest one above the ledger."""
        ledger_dir = Path(self.ledger.beancount_file_path).parent
        given = self.config.get("books") if isinstance(self.config, dict) else self.config
        if isinstance(given, str) and given:
            return find_root(str(ledger_dir / Path(given).expanduser()))
        return find_root(start=ledger_dir)

    @staticmethod
    def _stamp(root: Path) -> tuple[tuple[str, int], ...]:
        """The modification times of acct-tool.yaml and of every profile file."""
        from acct_tool.books.settings import load_settings

        files = [root / SETTINGS_FILE]
        settings, _ = load_settings(root, None)
        profiles = root / settings.profiles
        if profiles.is_dir():
            files += sorted(p for p in profiles.rglob("*") if p.suffix in PROFILE_SUFFIXES)
        out = []
        for path in files:
            try:
                out.append((str(path), path.stat().st_mtime_ns))
            except OSError:
                out.append((str(path), -1))
        return tuple(out)

    def as_of(self) -> datetime.date:
        """The end of fava's time filter (its last day), else today."""
        end = g.filtered.end_date
        return end if end is not None else datetime.date.today()

    def books(self) -> Books:
        as_of = self.as_of()
        root = self.root()
        with self._lock:
            loaded = self._loaded.books.get(as_of)
            if loaded is None:
                loaded = load_books(root, as_of, use_cache=True, needs=_needs)
                self._loaded.books[as_of] = loaded
            return loaded

    # --- the pages --------------------------------------------------------------------

    def page(self) -> str:
        chosen = request.args.get("page", "receivables")
        return chosen if chosen in PAGES else "receivables"

    def pages(self) -> dict[str, str]:
        return PAGES

    def data(self) -> dict[str, Any]:
        """What the chosen page shows; ``error`` when the books cannot be loaded."""
        page = self.page()
        try:
            books = self.books()
        except BooksError as exc:
            return {"page": page, "error": str(exc)}
        out: dict[str, Any] = {"page": page, "as_of": books.as_of.isoformat(), "root": str(books.root)}
        out.update(getattr(self, f"_{page}")(books))
        return out

    def _receivables(self, books: Books) -> dict[str, Any]:
        places = books.precisions
        sides = []
        for side in (Side.AR, Side.AP):
            items = books.open_items(side)
            aging = json.loads(receivables_view.aging_json(age(items, books.settings.aging_limits), books.as_of.isoformat(), places))
            documents: dict[str, list[dict[str, Any]]] = {}
            for doc in json.loads(receivables_view.open_json(items, None, places))["documents"]:
                documents.setdefault(doc["party"], []).append(doc)
            ties = json.loads(receivables_view.reconcile_json(items, places))
            sides.append({"side": side.value, "aging": aging, "documents": documents, "ties": ties})
        return {"sides": sides}

    def _clients(self, books: Books) -> dict[str, Any]:
        ctx = context(books.parties, books.settings, books.party_postings, books.attribution, books.as_of, books.precisions, books.open_items(Side.AR))
        listed = json.loads(clients_view.list_json(summaries(ctx), books.as_of.isoformat(), books.precisions))
        return {"clients": listed["clients"], "diagnostics": [d.to_dict() for d in ctx.diagnostics]}

    def _followups(self, books: Books) -> dict[str, Any]:
        managers = sorted({p.manager for p in books.parties.values() if p.manager})
        manager = request.args.get("manager") or None
        items = books.open_items(Side.AR)
        result = find_followups(books.parties, books.settings, items, books.as_of, books.precisions, within=0, manager=manager)
        return {"managers": managers, "manager": manager, "followups": json.loads(followups_view.json(result, books.precisions))}

    def _client(self, books: Books) -> dict[str, Any]:
        from acct_tool.engines.review import build
        from acct_tool.render.reports import Templates

        clients = sorted((pid for pid, p in books.parties.items() if p.is_client), key=lambda pid: books.parties[pid].name.casefold())
        party = request.args.get("party") or (clients[0] if clients else None)
        out: dict[str, Any] = {"clients": [(pid, books.parties[pid].name) for pid in clients], "party": party, "html": None, "problems": []}
        if party is None:
            return out
        if party not in books.parties or not books.parties[party].is_client:
            out["problems"] = [f"no client with id '{party}'"]
            return out
        try:
            period = self._period(books.as_of)
        except ValueError as exc:
            out["problems"] = [str(exc)]
            return out
        reviews = build(books.parties, books.settings, books.party_postings, books.attribution, books.as_of, books.precisions, period, [party])
        templates = Templates.for_books(books)
        html, problems = templates.render("review.html.j2", reviews.clients[party], books.root)
        out.update(html=html, problems=[diagnostics_view.to_text([p]).strip() for p in problems], period=period.label)
        return out

    @staticmethod
    def _period(as_of: datetime.date) -> Period:
        """``period`` (2026-Q3, 2026-09, 2026) as of the as-of date, else the as-of date's quarter, as ``review`` takes it."""
        given = request.args.get("period")
        return (parse_period(given) if given else quarter_of(as_of)).until(as_of)

    def _check(self, books: Books) -> dict[str, Any]:
        found = findings(books)
        sources = {str(Path(p).resolve()) for p in self.ledger.options["include"]}
        return {"diagnostics": [self._diagnostic(d, books.root, sources) for d in found], "summary": diagnostics_view.summary(found).strip()}

    @staticmethod
    def _diagnostic(d: Diagnostic, root: Path, sources: set[str]) -> dict[str, Any]:
        """The diagnostic, with the path fava's editor opens when it is one of the ledger's files (fava edits no other)."""
        out = d.to_dict()
        path = str((root / d.file).resolve()) if d.file else None
        out["editor_path"] = path if path in sources else None
        return out
