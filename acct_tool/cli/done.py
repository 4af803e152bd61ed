"""``done``: mark a party's open next step done, closing the loop that ``log --next`` opens."""

from __future__ import annotations

import datetime

import click

from acct_tool.cli.common import TEXT, Context, UsageError, optional_date, profile_to_edit, refuse_edit, run_profile_edit, say
from acct_tool.cli.completion import complete_party
from acct_tool.engines.relationship import OpenStep, open_next_steps


def _listing(steps: tuple[OpenStep, ...]) -> str:
    return "\n".join(f"  {n}. due {s.due}{f', {s.owner}' if s.owner else ''}: {s.action} (agreed {s.agreed})" for n, s in enumerate(steps, 1))


def pick_step(party_id: str, steps: tuple[OpenStep, ...], step: str | None) -> OpenStep:
    """The open step ``step`` names: its number in ``steps`` (1-based), or text found in
    exactly one action (case is ignored); none with exactly one open step. Else a usage
    error that lists the open steps with their numbers."""
    if not steps:
        raise UsageError(f"{party_id} has no open next step")
    if step is None:
        if len(steps) == 1:
            return steps[0]
        raise UsageError(f"{party_id} has {len(steps)} open next steps; name one by number or by words of its action:\n{_listing(steps)}")
    text = step.strip()
    if text.isdigit():
        number = int(text)
        if 1 <= number <= len(steps):
            return steps[number - 1]
        raise UsageError(f"{party_id} has no open next step {number}; the open ones:\n{_listing(steps)}")
    found = [s for s in steps if text.casefold() in s.action.casefold()] if text else []
    if len(found) == 1:
        return found[0]
    if not found:
        raise UsageError(f"no open next step of {party_id} says '{step}'; the open ones:\n{_listing(steps)}")
    raise UsageError(f"'{step}' is in {len(found)} open next steps of {party_id}; name one by number:\n{_listing(steps)}")


@click.command()
@click.argument("party_id", type=TEXT, metavar="PARTY", shell_complete=complete_party)
@click.argument("step", type=TEXT, required=False)
@click.option("--on", "on", metavar="YYYY-MM-DD", callback=optional_date, help="When it was done (default: the as-of date).")
@click.pass_obj
def done(obj: Context, party_id: str, step: str | None, on: datetime.date | None) -> None:
    """Mark an open next step of a party done, so that `followups` no longer lists it.

    STEP is the step's number among the party's open next steps, numbered from 1
    by due date, earliest first (the order `followups` lists them in), or words
    of its action (case is ignored) that only one open step has. Without STEP,
    a party with exactly one open step gets that one marked; a STEP that matches
    none or several is refused with the open steps listed.

    Only the step changes: `done: false` becomes `done: true, done_on: DATE`
    on its line (in a block mapping the `done:` line is replaced or added, and
    a `done_on:` line follows). Comments and layout stay; the write is atomic
    and waits for a `log` running at the same time. The changed line is shown.

    Example: acct-tool --as-of 2026-11-30 done harbor-logistics "payment plan"
    """
    from acct_tool.edit.profile_edit import mark_step_done
    from acct_tool.edit.step_text import StepRef

    root, party = profile_to_edit(obj, party_id, "marking a step done")
    chosen = pick_step(party_id, open_next_steps(party, obj.as_of), step)
    when = on or obj.as_of
    if when < chosen.agreed:
        raise UsageError(f"--on {when} is before the step was agreed ({chosen.agreed})")
    display = party.file
    result = run_profile_edit(
        lambda: mark_step_done(root / display, display, StepRef(chosen.agreed, chosen.action, chosen.due), when),
        display,
        "marking a step done",
        "marking the step done",
    )
    if result.change is None:
        refuse_edit(list(result.errors), display, "marking a step done")
        return
    change = result.change
    before = f"{change.old} -> " if change.old else "+"
    say(f"{display}:{change.line}: {before}{change.new} ({chosen.action})", err=False)
