"""Append an interaction to a profile, changing nothing else in the file.

``acct-tool log`` writes through here; :mod:`acct_tool.edit.interaction_text` makes
the new text, which must show in ``git diff`` as added lines only.

The read, edit, write and check happen under a lock on the profile's folder,
so that two ``log`` runs at once keep both interactions. The write is atomic
(:func:`acct_tool.edit.files.write_atomic`), keeps the file's
permissions, and goes through a symlink to the file it points at, which must be
a regular file. A profile that has errors is refused, and a
profile that would not validate after the edit is restored.
"""

from __future__ import annotations

import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from acct_tool.books.parties import Party
from acct_tool.books.profiles import load_party
from acct_tool.books.schema import did_you_mean
from acct_tool.diagnostics import Diagnostic, Severity
from acct_tool.edit.files import locked, read_regular, write_atomic
from acct_tool.edit.interaction_text import NewInteraction, insert_interaction


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


def _append_locked(path: Path, target: Path, display: str, entry: NewInteraction) -> EditResult:
    _, errors = _errors(path, display)
    if errors:  # unreadable, not YAML, not UTF-8, or invalid: leave it alone
        return EditResult(path, False, "", "", tuple(errors))
    before = read_regular(target, shown=display).decode("utf-8")
    after = insert_interaction(before, entry)
    mode = stat.S_IMODE(target.stat().st_mode)
    write_atomic(target, after, force=True, mode=mode, shown=display)
    _, errors = _errors(path, display)
    if errors:
        write_atomic(target, before, force=True, mode=mode, shown=display)
        return EditResult(path, False, before, after, tuple(errors), restored=True)
    return EditResult(path, True, before, after)
