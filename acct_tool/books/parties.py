"""Client and vendor parties: the records one profile file becomes.

Each party is a frozen record that keeps where its profile is, so that any
field can be located (file, line, column) for a diagnostic; the marks of a
profile served from the cache are read again only when a location is asked
for. :mod:`acct_tool.books.profiles` reads and validates the files.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from acct_tool.books.yamlsource import YamlDoc, load_yaml
from acct_tool.diagnostics import Location
from acct_tool.money import Money

MAX_PROFILE_BYTES = 20_000_000

Date = datetime.date


@dataclass(frozen=True)
class Contact:
    name: str
    role: str | None = None
    email: str | None = None
    phone: str | None = None
    decision_maker: bool = False
    primary: bool = False
    billing: bool = False
    notes: str | None = None


@dataclass(frozen=True)
class NextStep:
    action: str
    due: Date
    owner: str | None = None
    done: bool = False
    done_on: Date | None = None


@dataclass(frozen=True)
class Interaction:
    date: Date
    channel: str
    summary: str
    with_: tuple[str, ...] = ()
    by: str | None = None
    sentiment: str | None = None
    next_step: NextStep | None = None
    where: Location | None = None
    reminders: tuple[str, ...] = ()  # document numbers a payment reminder was sent for


@dataclass(frozen=True)
class Survey:
    date: Date
    nps: int | None = None
    csat: int | None = None
    comment: str | None = None


@dataclass(frozen=True)
class Risk:
    opened: Date
    summary: str
    severity: str = "medium"
    plan: str | None = None
    owner: str | None = None
    status: str = "open"
    closed: Date | None = None
    where: Location | None = None


@dataclass(frozen=True)
class Opportunity:
    name: str
    value: Money | None = None
    stage: str = "lead"
    close: Date | None = None
    type: str = "new"
    probability: int | None = None
    owner: str | None = None
    notes: str | None = None
    #: When the opportunity reached its current stage.
    stage_since: Date | None = None


@dataclass(frozen=True)
class Terms:
    payment_days: int | None = None
    credit_limit: Money | None = None


@dataclass(frozen=True)
class Contract:
    start: Date | None = None
    end: Date | None = None
    renewal: Date | None = None
    value: Money | None = None
    auto_renew: bool = False
    notice_days: int | None = None


@dataclass(frozen=True)
class Objective:
    """One objective of the account plan, agreed with the client."""

    what: str
    measure: str | None = None
    #: The value to reach and where the measure stands: numbers or short texts, as written.
    target: str | int | float | None = None
    current: str | int | float | None = None
    due: Date | None = None
    status: str = "planned"
    owner: str | None = None
    where: Location | None = None


@dataclass(frozen=True)
class Stakeholder:
    """One contact on the plan's stakeholder map (internal: influence and stance)."""

    name: str
    stance: str
    influence: str = "medium"
    where: Location | None = None  # of its ``name``


@dataclass(frozen=True)
class Whitespace:
    """A service the client does not buy from the firm yet."""

    service: str
    estimate: Money | None = None
    notes: str | None = None


@dataclass(frozen=True)
class Plan:
    """The account plan built with the client; empty when the profile has no ``plan:``."""

    reviewed: Date | None = None
    objectives: tuple[Objective, ...] = ()
    stakeholders: tuple[Stakeholder, ...] = ()
    whitespace: tuple[Whitespace, ...] = ()

    @property
    def empty(self) -> bool:
        return self.reviewed is None and not (self.objectives or self.stakeholders or self.whitespace)


@dataclass(frozen=True)
class Party:
    """One client or vendor, as its profile describes it."""

    id: str
    name: str
    kind: str
    file: str
    status: str = "active"
    #: Other names the party goes by in payees and metadata.
    aliases: tuple[str, ...] = ()
    tier: str = "standard"
    manager: str | None = None
    since: Date | None = None
    website: str | None = None
    industry: str | None = None
    #: Where invoices and statements are addressed, one line per item.
    billing_address: tuple[str, ...] = ()
    tax_id: str | None = None
    currencies: tuple[str, ...] = ()
    receivable: str | None = None
    payable: str | None = None
    income_accounts: tuple[str, ...] = ()
    terms: Terms = Terms()
    contract: Contract = Contract()
    contacts: tuple[Contact, ...] = ()
    goals: tuple[str, ...] = ()
    interactions: tuple[Interaction, ...] = ()
    satisfaction: tuple[Survey, ...] = ()
    risks: tuple[Risk, ...] = ()
    opportunities: tuple[Opportunity, ...] = ()
    revenue_targets: Mapping[int, Money] = field(default_factory=dict)
    plan: Plan = Plan()
    tags: tuple[str, ...] = ()
    notes: str | None = None
    #: The currencies the ledger's ``open`` line allows on the party's account (set when
    #: the books are loaded, for a profile that names no ``currencies`` itself).
    ledger_currencies: tuple[str, ...] = field(default=(), compare=False)
    #: The parsed file, for locating any field: ``party.source.where(("accounts", "receivable"))``.
    source: YamlDoc | None = field(default=None, compare=False, repr=False)
    #: The profile's path on disk, to parse it again for locations when ``source`` was
    #: dropped (profiles served from the cache).
    path: str = field(default="", compare=False, repr=False)
    #: Locations engines ask for on every run, kept so the file need not be parsed again.
    anchors: Mapping[tuple[tuple[str | int, ...], bool], Location] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_client(self) -> bool:
        return self.kind in ("client", "both")

    @property
    def is_vendor(self) -> bool:
        return self.kind in ("vendor", "both")

    @functools.cached_property
    def interactions_by_date(self) -> tuple[tuple[Interaction, ...], tuple[datetime.date, ...]]:
        """The interactions oldest first (file order breaks ties), and their dates: the
        health history reads those up to each of a dozen dates."""
        ordered = tuple(i for _, _, i in sorted(((i.date, n, i) for n, i in enumerate(self.interactions)), key=lambda t: (t[0], t[1])))
        return ordered, tuple(i.date for i in ordered)

    def document(self) -> YamlDoc | None:
        """The parsed profile with its marks (parsed again when it was dropped)."""
        return self.source if self.source is not None else _reparse(self.path, self.file)

    def where(self, *path: str | int, key: bool = False) -> Location:
        anchored = self.anchors.get((path, key))
        if anchored is not None:
            return anchored
        source = self.document()
        if source is None:
            return Location(self.file)
        return source.where(tuple(path), key=key)


_REPARSED: dict[str, YamlDoc | None] = {}


def _reparse(path: str, display: str) -> YamlDoc | None:
    """The marks of a cached profile, read again only when a location is asked for."""
    if not path:
        return None
    if path not in _REPARSED:
        doc, _ = load_yaml(Path(path), display, max_bytes=MAX_PROFILE_BYTES)
        _REPARSED[path] = doc
    return _REPARSED[path]
