"""Follow-ups: everything that needs someone to act, as of a date, most urgent first.

The rules (docs/relationship.md has them with examples). Every follow-up has a
due date -- the day the action became necessary -- except the standing gaps
(no decision maker), which have none:

* ``next-step``: a next step not marked done, due on its ``due`` date.
* ``check-in``: an active client or prospect whose last interaction is older
  than its tier's cadence; due on the last contact plus the cadence.
* ``renewal``: an active client whose contract renews within the widest renewal
  window (default 90 days; the message names the narrowest it is inside of:
  90, 60 or 30) with no renewal opportunity open; due when the widest window opened.
* ``risk-plan``: an open risk with no remediation plan; due the day it was opened.
* ``decision-maker``: an active key or strategic client with no decision maker
  among its contacts; no due date.
* ``objective``: an objective of the account plan that is neither done nor
  dropped, due on its ``due`` date.
* ``sponsor``: an active key or strategic client whose account plan names no
  sponsor among its stakeholders although the client has a decision maker; no
  due date. (Without any decision maker, ``decision-maker`` is raised instead:
  that gap is about the contacts, this one about the plan's stance.)
* ``collection``: an open invoice past a collection level (default 7, 30 and 60
  days past due), with the contact to chase; due the day it reached the level.
  A reminder recorded for it (``acct-tool log --reminder``) answers the level it
  had reached: the follow-up is then due when it reaches the next level.

A follow-up is *overdue* once its due date has passed, *due today* on it.
Churned parties only get collection follow-ups; vendors get next steps and
risk plans only.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from acct_tool.books.parties import Party
from acct_tool.diagnostics import Location
from acct_tool.engines import plans
from acct_tool.engines.receivables import Document, OpenItems
from acct_tool.engines.relationship import (
    billing_contact,
    decision_makers,
    describe_contact,
    freshness,
    has_plan,
    open_next_steps,
    open_risks,
    plural,
    primary_contact,
    renewal,
)
from acct_tool.money import Money, Precisions, format_money
from acct_tool.periods import shift

if TYPE_CHECKING:
    from acct_tool.books.settings import Settings

Date = datetime.date

KINDS = ("next-step", "objective", "check-in", "renewal", "risk-plan", "decision-maker", "sponsor", "collection")
#: Tiers whose clients must have a decision maker among their contacts.
DECISION_MAKER_TIERS = ("key", "strategic")


@dataclass(frozen=True)
class Followup:
    """One thing someone has to do."""

    kind: str
    party: str
    party_name: str
    manager: str | None
    owner: str | None
    due: Date | None
    days_overdue: int | None  # as-of minus due: positive is late, 0 due today, negative upcoming
    message: str
    contact: str | None = None
    document: str | None = None
    amount: Money | None = None
    level: int | None = None
    where: Location | None = None

    @property
    def overdue(self) -> bool:
        return self.days_overdue is not None and self.days_overdue > 0

    @property
    def status(self) -> str:
        """``overdue``, ``due today``, ``upcoming`` or ``open`` (no due date)."""
        if self.days_overdue is None:
            return "open"
        return "overdue" if self.days_overdue > 0 else "due today" if self.days_overdue == 0 else "upcoming"

    def sort_key(self) -> tuple[int, int, int, str, str]:
        """Overdue (most days first), due today, standing gaps, then upcoming (soonest first)."""
        kind = KINDS.index(self.kind)
        if self.days_overdue is None:
            return (2, 0, kind, self.party, self.message)
        if self.days_overdue > 0:
            return (0, -self.days_overdue, kind, self.party, self.message)
        if self.days_overdue == 0:
            return (1, 0, kind, self.party, self.message)
        return (3, -self.days_overdue, kind, self.party, self.message)


@dataclass(frozen=True)
class Followups:
    as_of: Date
    within: int
    items: tuple[Followup, ...]

    @property
    def overdue(self) -> tuple[Followup, ...]:
        return tuple(f for f in self.items if f.overdue)


def followups(
    parties: Mapping[str, Party],
    settings: Settings,
    items: OpenItems,
    as_of: Date,
    precisions: Precisions,
    *,
    within: int = 0,
    manager: str | None = None,
) -> Followups:
    """Every follow-up due on or before ``as_of + within`` days, plus the standing gaps.

    ``items`` are the receivables' open items at ``as_of`` (for the collection follow-ups).
    With ``manager``, only the follow-ups that person owns or whose party they manage.
    """
    horizon = shift(as_of, within)
    open_by_party: dict[str, list[Document]] = defaultdict(list)
    for d in items.open_documents():
        open_by_party[d.party].append(d)
    found: list[Followup] = []
    for party in parties.values():
        found += party_followups(party, as_of, settings, open_by_party.get(party.id, []), precisions)
    chosen = [f for f in found if (f.due is None or f.due <= horizon) and (manager is None or manager in (f.owner, f.manager))]
    return Followups(as_of, within, tuple(sorted(chosen, key=Followup.sort_key)))


def party_followups(party: Party, as_of: Date, settings: Settings, documents: Sequence[Document], precisions: Precisions) -> list[Followup]:
    """All follow-ups of one party, whatever their due date (``documents``: its open ones)."""
    out: list[Followup] = []

    def add(kind: str, due: Date | None, message: str, owner: str | None = None, *, contact: str | None = None, where: Location | None = None) -> None:
        days = (as_of - due).days if due is not None else None
        out.append(Followup(kind, party.id, party.name, party.manager, owner or party.manager, due, days, message, contact=contact, where=where))

    if party.status != "churned":
        for step in open_next_steps(party, as_of):
            people = f" with {', '.join(step.with_)}" if step.with_ else ""
            add("next-step", step.due, f"{step.action} (agreed {step.agreed}{people})", step.owner, where=step.where)
        for risk in open_risks(party, as_of):
            if not has_plan(risk):
                add(
                    "risk-plan",
                    risk.opened,
                    f"Write a remediation plan for the open {risk.severity} risk: {risk.summary}",
                    risk.owner,
                    where=risk.where,
                )
    if party.is_client and party.status != "churned":
        for objective in party.plan.objectives:
            if objective.due is not None and objective.status not in plans.CLOSED_STATUSES:
                target, standing = plans.progress_value(objective.target), plans.progress_value(objective.current)
                value = f"{standing or '?'} of {target}" if target is not None else standing
                measure = ": ".join(x for x in (objective.measure, value) if x)
                detail = f" ({measure})" if measure else ""
                add(
                    "objective",
                    objective.due,
                    f"Meet the plan objective ({objective.status}): {objective.what}{detail}",
                    objective.owner,
                    where=objective.where,
                )
    if party.is_client and party.status in ("active", "prospect"):
        fresh = freshness(party, as_of, settings.cadence)
        contact = primary_contact(party)
        who = describe_contact(contact) if contact else None
        if fresh.last is None:
            add(
                "check-in",
                None,
                f"Check in: no interaction on record; {party.tier} accounts every {plural(fresh.cadence, 'day')}",
                contact=who,
                where=party.where("interactions", key=True),
            )
        else:
            add(
                "check-in",
                fresh.due,
                f"Check in: last contact {fresh.last.date}, {plural(fresh.days_since or 0, 'day')} ago; {party.tier} accounts every {plural(fresh.cadence, 'day')}",
                contact=who,
                where=fresh.last.where,
            )
    if party.is_client and party.status in ("active", "paused"):
        windows = settings.health.renewal_windows
        upcoming = renewal(party, as_of, windows)
        widest = max(windows)
        if upcoming is not None and upcoming.opportunity is None and upcoming.days <= widest:
            opened = shift(upcoming.date, -widest)
            if upcoming.days > 0:
                when = f"Renewal {upcoming.date} is {plural(upcoming.days, 'day')} away (within {upcoming.window} days)"
            elif upcoming.days == 0:
                when = f"Renewal {upcoming.date} is today"
            else:
                when = f"Renewal date {upcoming.date} passed {plural(-upcoming.days, 'day')} ago"
            add("renewal", opened, f"{when} and no renewal opportunity is open", where=upcoming.where)
        if party.tier in DECISION_MAKER_TIERS and party.status == "active" and not decision_makers(party):
            known = f"none of its {plural(len(party.contacts), 'contact')} is marked decision_maker" if party.contacts else "it has no contacts"
            add("decision-maker", None, f"Find a decision maker at this {party.tier} account: {known}", where=party.where("contacts", key=True))
        if party.tier in plans.SPONSOR_TIERS and party.status == "active" and plans.has_plan(party):
            makers = plans.unsponsored_decision_makers(party)
            if makers:
                names = ", ".join(c.name for c in makers)
                add(
                    "sponsor",
                    None,
                    f"Win a sponsor at this {party.tier} account: no stakeholder of the plan is a sponsor (decision makers: {names})",
                    where=party.where("plan", "stakeholders", key=True) if party.plan.stakeholders else party.where("plan", key=True),
                )
    if party.is_client:
        out += collections(party, as_of, settings.collection_levels, documents, precisions)
    return out


def level_name(level: int, levels: int) -> str:
    """``first reminder`` .. ``escalation`` for the collection level (1-based) out of ``levels``."""
    if level == 1:
        return "first reminder"
    if level == levels:
        return "escalation"
    return "second reminder" if level == 2 else f"reminder {level}"


def collection_level(days_past_due: int, levels: Sequence[int]) -> int:
    """The highest collection level (1-based) a document ``days_past_due`` has reached; 0 for none.

    ``levels`` are the settings' ``collection_levels`` (days past due, increasing). The
    one rule for both the collection follow-ups and the reminder letters."""
    return sum(1 for limit in sorted(levels) if days_past_due >= limit)


def reminders_sent(party: Party, as_of: Date) -> dict[str, tuple[Date, ...]]:
    """Per document number, the dates (oldest first) of the interactions on or before
    ``as_of`` that recorded a payment reminder for it (``reminders:``)."""
    sent: dict[str, set[Date]] = defaultdict(set)
    for interaction in party.interactions:
        if interaction.date <= as_of:
            for ref in interaction.reminders:
                sent[ref].add(interaction.date)
    return {ref: tuple(sorted(days)) for ref, days in sent.items()}


@dataclass(frozen=True)
class CollectionStep:
    """Where one open document stands in collection at a date."""

    reached: int  # the highest level reached (0: none yet)
    level: int  # the level the next chase is at
    due: Date  # when that chase is due
    reminded: Date | None  # the last reminder on or before the date, if any


def collection_step(document: Document, as_of: Date, levels: Sequence[int], reminded: Sequence[Date] = ()) -> CollectionStep:
    """The collection follow-up of ``document`` at ``as_of``: due the day it reached its highest
    level (or, below the first, the day it will reach it).

    A reminder recorded once the document had reached level L (0 before the first) answers
    that level: the next chase is due when it reaches level L + 1. A reminder at the last
    level is chased again after the interval between the last two levels (or the last
    level's days, when there is only one)."""
    steps = sorted(levels)
    reached = collection_level(document.days_past_due(as_of), steps)
    last = max((d for d in reminded if d <= as_of), default=None)
    answered = -1 if last is None else collection_level((last - document.due).days, steps)
    if reached > answered:
        level = max(reached, 1)
        return CollectionStep(reached, level, shift(document.due, steps[level - 1]), last)
    assert last is not None
    if answered < len(steps):
        return CollectionStep(reached, answered + 1, shift(document.due, steps[answered]), last)
    interval = steps[-1] - steps[-2] if len(steps) > 1 else steps[-1]
    return CollectionStep(reached, len(steps), shift(last, interval), last)


def collections(party: Party, as_of: Date, levels: Sequence[int], documents: Sequence[Document], precisions: Precisions | None = None) -> list[Followup]:
    """One follow-up per open invoice at its highest collection level reached, or its next one
    (after a recorded reminder, see :func:`collection_step`)."""
    steps = sorted(levels)
    contact = billing_contact(party)
    who = describe_contact(contact) if contact else None
    sent = reminders_sent(party, as_of)
    out = []
    for doc in documents:
        if doc.open <= 0:
            continue
        days = doc.days_past_due(as_of)
        step = collection_step(doc, as_of, steps, sent.get(doc.ref, ()))
        money = Money(doc.open, doc.currency)
        late = f"{plural(days, 'day')} past due" if days > 0 else "not yet due" if days < 0 else "due today"
        reminded = f", reminded {step.reminded}" if step.reminded is not None else ""
        chase = f"; contact {who}" if who else "; no contact on file"
        out.append(
            Followup(
                "collection",
                party.id,
                party.name,
                party.manager,
                party.manager,
                step.due,
                (as_of - step.due).days,
                f"Chase {doc.ref} ({level_name(step.level, len(steps))}): {format_money(money, precisions)} open, {late}{reminded}{chase}",
                contact=who,
                document=doc.ref,
                amount=money,
                level=step.level,
                where=doc.where,
            )
        )
    return out
