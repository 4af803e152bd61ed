"""Account plans: progress, currency, sponsors and whitespace, read from a profile's ``plan:``.

The one place these figures are computed: ``clients show``, the reviews, the
follow-ups and the portfolio all read them from here.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from acct_tool.books.parties import Contact, Objective, Party, Plan, Stakeholder, Whitespace
from acct_tool.engines.relationship import year_before
from acct_tool.money import Money

Date = datetime.date

STATUSES = ("planned", "on-track", "at-risk", "done", "dropped")
#: Statuses of an objective that nobody works on any more.
CLOSED_STATUSES = ("done", "dropped")
#: Tiers whose plans must name a sponsor among their stakeholders.
SPONSOR_TIERS = ("key", "strategic")


def has_plan(party: Party) -> bool:
    return not party.plan.empty


def is_current(plan: Plan, as_of: Date) -> bool:
    """True when the plan was reviewed with the client within the 12 months to ``as_of``."""
    return plan.reviewed is not None and year_before(as_of) <= plan.reviewed <= as_of


def is_overdue(objective: Objective, as_of: Date) -> bool:
    """Past its due date and neither done nor dropped."""
    return objective.due is not None and objective.due < as_of and objective.status not in CLOSED_STATUSES


def sponsors(plan: Plan) -> tuple[Stakeholder, ...]:
    return tuple(s for s in plan.stakeholders if s.stance == "sponsor")


def unsponsored_decision_makers(party: Party) -> tuple[Contact, ...]:
    """The decision makers among the contacts, when none of the plan's stakeholders is a sponsor."""
    if sponsors(party.plan):
        return ()
    return tuple(c for c in party.contacts if c.decision_maker)


@dataclass(frozen=True)
class ObjectiveState:
    objective: Objective
    overdue: bool


@dataclass(frozen=True)
class Progress:
    """Where a plan stands at an as-of date."""

    reviewed: Date | None
    current: bool
    done: int  # objectives done
    total: int  # objectives, dropped ones left out
    objectives: tuple[ObjectiveState, ...]
    stakeholders: tuple[Stakeholder, ...]
    has_sponsor: bool
    whitespace: tuple[Whitespace, ...]
    #: The whitespace estimates summed per currency (never across currencies), sorted by currency.
    whitespace_total: Mapping[str, Money]


def progress(plan: Plan, as_of: Date) -> Progress:
    """The plan's progress: objectives done out of those not dropped, each with its state."""
    counted = [o for o in plan.objectives if o.status != "dropped"]
    return Progress(
        reviewed=plan.reviewed,
        current=is_current(plan, as_of),
        done=sum(1 for o in counted if o.status == "done"),
        total=len(counted),
        objectives=tuple(ObjectiveState(o, is_overdue(o, as_of)) for o in plan.objectives),
        stakeholders=plan.stakeholders,
        has_sponsor=bool(sponsors(plan)),
        whitespace=plan.whitespace,
        whitespace_total=whitespace_total(plan),
    )


def whitespace_total(plan: Plan) -> dict[str, Money]:
    sums: dict[str, Decimal] = {}
    for w in plan.whitespace:
        if w.estimate is not None:
            sums[w.estimate.currency] = sums.get(w.estimate.currency, Decimal(0)) + w.estimate.number
    return {c: Money(n, c) for c, n in sorted(sums.items())}


def progress_value(value: str | int | float | None) -> str | None:
    """A target or current value as the profile wrote it (``None`` when absent)."""
    if value is None:
        return None
    return str(value)
