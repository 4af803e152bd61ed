"""What changed in a client's account since the previous period: the review's "What changed" list.

Each change is a record (kind, amounts as Money, the percentage) with the sentence a
manager reads; amounts in the sentence are written at the ledger's precision.
Comparisons with a period that had no data say so instead of inventing a change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from acct_tool.engines import relationship as rel
from acct_tool.engines.health import HealthScore
from acct_tool.engines.receivables import ZERO
from acct_tool.engines.review_records import Change, ClientReview
from acct_tool.money import Precisions, format_money
from acct_tool.periods import Period

if TYPE_CHECKING:
    from acct_tool.books.parties import Party


def changes(
    review: ClientReview,
    party: Party,
    period: Period,
    previous: Period,
    score: HealthScore | None,
    before: HealthScore | None,
    sat: rel.SatisfactionTrend,
    health_label: str,
    precisions: Precisions | None = None,
) -> list[Change]:
    """What changed since the previous period, as records with the sentence a manager reads."""
    out = []
    if score is not None and before is None:
        out.append(Change("health-no-data", f"No health score for {health_label} to compare with: there was no data yet.", score=score.score))
    elif score is not None and before is not None and (score.score != before.score or score.band != before.band):
        direction = "rose" if score.score > before.score else "fell" if score.score < before.score else "stayed"
        out.append(
            Change(
                "health",
                f"Health {direction} from {before.score} ({before.band}) on {before.as_of} to {score.score} ({score.band}).",
                score=score.score,
                score_before=before.score,
            )
        )
    for m in review.money.currencies:
        now, was = m.revenue, m.revenue_previous
        if now.number == was.number:
            continue
        if was.number == ZERO:
            text = f"Revenue {format_money(now, precisions)} in {period.label}; no revenue in {previous.label} to compare with."
            out.append(Change("revenue-no-data", text, now=now, before=was))
        elif now.number == ZERO:
            out.append(Change("revenue", f"No revenue in {period.label}, against {format_money(was, precisions)} in {previous.label}.", now=now, before=was))
        else:
            change = m.revenue_change_pct
            how = f" ({'+' if change is not None and change > 0 else ''}{change}%)" if change is not None else ""
            text = f"Revenue {format_money(now, precisions)} in {period.label}, against {format_money(was, precisions)} in {previous.label}{how}."
            out.append(Change("revenue", text, now=now, before=was, pct=change))
    for r in party.risks:
        if period.start <= r.opened <= period.end:
            out.append(Change("risk-opened", f"New risk ({r.severity}): {r.summary}."))
        if r.closed and period.start <= r.closed <= period.end:
            out.append(Change("risk-closed", f"Risk {r.status}: {r.summary}."))
    for s in party.satisfaction:
        if period.start <= s.date <= period.end and s.nps is not None and sat.previous is not None and sat.latest is s and sat.previous.nps is not None:
            out.append(Change("nps", f"NPS {s.nps}, from {sat.previous.nps} in the survey of {sat.previous.date}."))
    for o in party.opportunities:
        if o.close and period.start <= o.close <= period.end and o.stage in ("won", "lost"):
            out.append(Change("opportunity", f"Opportunity {o.stage}: {o.name}."))
    return out or [Change("none", "No notable changes since the previous period.")]
