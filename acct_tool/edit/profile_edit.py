"""Append an interaction to a profile, or mark a next step done, changing nothing else in the file.

``acct-tool log`` writes through here; :mod:`acct_tool.edit.interaction_text` makes
the new text, which must show in ``git diff`` as added lines only. ``acct-tool
done`` too; :mod:`acct_tool.edit.step_text` changes the one step.

The read, edit, write and check happen under a lock on the profile's folder,
so that two ``log`` (or ``log`` and ``done``) runs at once keep both changes. The write is atomic
(:func:`acct_tool.edit.files.write_atomic`), keeps the file's
permissions, and goes through a symlink to the file it points at, which must be
a regular file. A profile that has errors is refused, and a
profile that would not validate after the edit is restored.
"""

from __future__ import annotations

import datetime
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from acct_tool.books.parties import Party
from acct_tool.books.profiles import load_party
from acct_tool.books.schema import did_you_mean
from acct_tool.diagnostics import Diagnostic, Severity
from acct_tool.edit.files import locked, read_regular, write_atomic
from acct_tool.edit.interaction_text import NewInteraction, insert_interaction
from acct_tool.edit.step_text import StepEdit, StepRef, mark_done


@dataclass(frozen=True)
class EditResult:
    """What happened to the file: written or not, its text before and after (empty when refused), and why not."""

    path: Path
    written: bool
    before: str
    after: str
    #: Errors that refused the edit (the profile's own), or made it roll back.
    errors: tuple[Diagnostic, ...] = ()
    #: True when the edited file did not validate and the original was put back.
    restored: bool = False
    #: For a step marked done: the changed line, before and after.
    change: StepEdit | None = None


def unknown_contacts(party: Party, names: Sequence[str]) -> list[str]:
    """A warning for every name that is not one of the party's contacts (case is ignored).

    Not an error: people outside the contact list (a new hire, an assistant) do
    take part in meetings; the warning catches typos.
    """
    known = {c.name.casefold(): c.name for c in party.contacts}
    out = []
    for name in names:
        if name.casefold() not in known:
            hint = did_you_mean(name, list(known.values()))
            out.append(f"'{name}' is not among the contacts of {party.id}" + (f"; {hint}" if hint else "; add them to `contacts` in " + party.file))
    return out


def _errors(path: Path, display: str) -> tuple[Party | None, list[Diagnostic]]:
    party, found = load_party(path, display)
    return party, [d for d in found if d.severity is Severity.ERROR]


def append_interaction(path: Path, display: str, entry: NewInteraction) -> EditResult:
    """Append ``entry`` to the profile at ``path`` (shown as ``display``), atomically.

    Refused (nothing written) when the profile has errors now; rolled back when
    it would have errors afterwards. Raises :class:`~acct_tool.edit.files.WriteError`
    when the file cannot be read or written, :class:`EditError` when it cannot
    be edited.
    """
    target = path.resolve()  # write through a symlink, not over it
    with locked(target.parent):  # another `log` at the same time waits: it must read this one's result
        return _append_locked(path, target, display, entry)


def mark_step_done(path: Path, display: str, ref: StepRef, on: datetime.date) -> EditResult:
    """Mark the next step ``ref`` of the profile at ``path`` done on ``on``, atomically and
    under the same lock as :func:`append_interaction`; refused and rolled back alike."""
    target = path.resolve()
    changes: list[StepEdit] = []

    def change(text: str) -> str:
        changes.append(mark_done(text, ref, on))
        return changes[-1].text

    with locked(target.parent):
        result = _edit_locked(path, target, display, change)
    return replace(result, change=changes[-1]) if changes else result


def _append_locked(path: Path, target: Path, display: str, entry: NewInteraction) -> EditResult:
    return _edit_locked(path, target, display, lambda before: insert_interaction(before, entry))


def _edit_locked(path: Path, target: Path, display: str, change: Callable[[str], str]) -> EditResult:
    _, errors = _errors(path, display)
    if errors:  # unreadable, not YAML, not UTF-8, or invalid: leave it alone
        return EditResult(path, False, "", "", tuple(errors))
    before = read_regular(target, shown=display).decode("utf-8")
    after = change(before)
    mode = stat.S_IMODE(target.stat().st_mode)
    write_atomic(target, after, force=True, mode=mode, shown=display)
    _, errors = _errors(path, display)
    if errors:
        write_atomic(target, before, force=True, mode=mode, shown=display)
        return EditResult(path, False, before, after, tuple(errors), restored=True)
    return EditResult(path, True, before, after)
