"""``acct-tool adopt [LEDGER]``: settings and profiles for a ledger the tool did not write.

The folder being adopted is not books yet (it has no acct-tool.yaml), so it is
``--books DIR`` or the working directory, never a folder further up. The ledger
is read as ``bean-check`` reads it (:func:`acct_tool.books.ledger.load_ledger`),
the proposal comes from :mod:`acct_tool.engines.adopt`, and the files are
rendered and written by :mod:`acct_tool.edit.adopt_write`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from click.core import ParameterSource

from acct_tool.books.ledger import load_ledger
from acct_tool.books.settings import SETTINGS_FILE
from acct_tool.cli.common import EXIT_FINDINGS, EXIT_OK, Context, UsageError, emit, format_option, say
from acct_tool.diagnostics import Severity
from acct_tool.edit.adopt_write import AdoptFile, existing, ledger_candidates, proposal_files, proposal_json, refusals, write_proposal
from acct_tool.edit.files import WriteError
from acct_tool.engines.adopt import Proposal, propose
from acct_tool.render import diagnostics as diagnostics_view
from acct_tool.render.text_safety import visible

NEXT = ("acct-tool check", "acct-tool reconcile ar", "acct-tool reconcile ap", "acct-tool open ar", "acct-tool aging ar", "acct-tool clients list")


def _folder(ctx: click.Context, obj: Context) -> tuple[Path, Path]:
    """``--books DIR`` when given on the command line (before or after ``adopt``), else the working directory:
    as given, and resolved.

    ``$ACCT_TOOL_BOOKS`` names books that exist; the folder to adopt is the one the user is in."""
    given = ParameterSource.COMMANDLINE in (ctx.get_parameter_source("books_option"), ctx.find_root().get_parameter_source("books_option"))
    folder = Path(obj.books_option).expanduser() if given and obj.books_option else Path.cwd()
    if not folder.exists():
        raise UsageError(f"folder {folder} does not exist")
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder")
    if not os.access(folder, os.R_OK | os.X_OK):
        raise UsageError(f"folder {folder} cannot be read (permissions)")
    return folder, folder.resolve()


def _inside(path: Path, root: Path, given: Path) -> str:
    """``path`` relative to ``root``, as it goes into ``ledger:``; a usage error when it is outside."""
    for base in (root, Path(os.path.abspath(given))):
        try:
            relative = Path(os.path.abspath(path)).relative_to(base)
        except ValueError:
            continue
        if ".." not in relative.parts and relative.parts:
            return relative.as_posix()
    try:
        return Path(os.path.realpath(path)).relative_to(root).as_posix()
    except ValueError:
        raise UsageError(
            f"the ledger {path} is outside the books folder {root}: the books folder holds its ledger; run adopt in a folder that contains it (--books DIR)"
        ) from None


def _ledger(root: Path, given_root: Path, ledger: Path | None) -> str:
    """The ledger to adopt, relative to the books folder."""
    if ledger is None:
        found = ledger_candidates(root)
        if not found:
            raise UsageError(f"no *.beancount file in {root} or {root / 'ledger'}; name the ledger: acct-tool adopt PATH")
        if len(found) > 1:
            raise UsageError(f"several ledgers could be the main one: {', '.join(found)}; name one: acct-tool adopt {found[0]}")
        return found[0]
    path = ledger if ledger.is_absolute() or ledger.exists() or not (root / ledger).exists() else root / ledger
    if not path.exists():
        raise UsageError(f"ledger {ledger} does not exist")
    if not path.is_file():
        raise UsageError(f"ledger {ledger} is not a file")
    return _inside(path, root, given_root)


def _summary(proposal: Proposal, ledger: str) -> list[str]:
    """The proposal in a few lines, for the terminal."""
    why = proposal.reasons
    lines = [f"adopting {ledger}: {proposal.transactions} transaction{'s' if proposal.transactions != 1 else ''}"]
    keys = [
        ("receivable_root", proposal.receivable_root),
        ("payable_root", proposal.payable_root),
        ("operating_currency", proposal.operating_currency),
        ("control_accounts", ", ".join(c.account for c in proposal.control_accounts)),
        ("document_keys", ", ".join(proposal.document_keys)),
        ("document_pattern", proposal.document_pattern or ""),
    ]
    lines += [f"  {key + ':':<20}{value}   ({why[key]})" for key, value in keys if value]
    parties = proposal.parties
    kinds = {kind: sum(p.kind == kind for p in parties) for kind in ("client", "vendor", "both")}
    counts = ", ".join(f"{n} {kind}{'s' if n != 1 and kind != 'both' else ''}" for kind, n in kinds.items())
    lines.append(f"{len(parties)} part{'ies' if len(parties) != 1 else 'y'} ({counts}):")
    for p in parties:
        also = f" (also: {'; '.join(p.aliases)})" if p.aliases else ""
        accounts = ", ".join(a for a in (p.receivable, p.payable) if a)
        since = f"  since {p.since}" if p.since else ""
        lines.append(f"  {p.id:<24} {p.kind:<7} {p.name}{also}  {accounts}{since}")
    lines += [f"notice: {n}" for n in proposal.notices]
    return lines


@click.command()
@click.argument("ledger", required=False, type=click.Path(dir_okay=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print every file adopt would write (path and content) and write nothing.")
@click.option("--force", is_flag=True, help="Overwrite an existing acct-tool.yaml or profile of the same name (never the ledger).")
@format_option("text", "json")
@click.pass_context
def adopt(ctx: click.Context, ledger: Path | None, dry_run: bool, force: bool, fmt: str) -> None:
    """Write acct-tool.yaml and one profile per party for an existing Beancount ledger.

    Run it in the folder that becomes the books (or pass --books DIR). LEDGER
    defaults to the one *.beancount file there (or in ledger/) that no other
    includes. adopt reads the ledger as bean-check does and proposes the
    receivable and payable roots, control accounts shared by several parties
    (told apart by payee or party metadata) and per-party accounts, one profile
    per party (id, name, aliases for spelling variants, kind, since,
    currencies), the document numbers in use (links, metadata keys, a narration
    pattern) and the operating currency. Each written key says why it has its
    value; review them. The ledger is never changed; an existing file is
    refused unless --force. Exit 0 when written, 1 when written but the ledger
    has errors (they are printed), 2 when nothing could be written.

    Example: acct-tool --books books adopt --dry-run
    """
    obj: Context = ctx.obj
    given_root, root = _folder(ctx, obj)
    relative = _ledger(root, given_root, ledger)
    if not dry_run:  # the books are there already: say so before reading a large ledger
        early = refusals(root, [AdoptFile(SETTINGS_FILE, "", {})], force)
        if early:
            raise UsageError(f"{early[0]}. Nothing was written; adopt never edits what is there")
    loaded = load_ledger(root / relative, root)
    problems = loaded.diagnostics
    errors = [d for d in problems if d.severity is Severity.ERROR]
    proposal = None if loaded.failed else propose(loaded.transactions(), loaded.opens(), loaded.options)
    adoptable = proposal is not None and not (errors and proposal.transactions == 0)
    if problems and (fmt == "text" or not adoptable):  # in JSON they are part of the proposal
        click.echo(diagnostics_view.to_text(problems), err=True, nl=False)
    if proposal is None:
        raise UsageError(f"the ledger {relative} could not be loaded (see above); nothing was written")
    if not adoptable:
        raise UsageError(f"the ledger {relative} has errors and no transaction to adopt (see above); nothing was written")
    files = proposal_files(proposal, relative)
    exists = existing(root, files)
    if not dry_run:
        refused = refusals(root, files, force)
        if refused:
            raise UsageError("; ".join(refused) + ". Nothing was written; adopt never edits what is there")
    if fmt == "json":
        if not dry_run:
            _write(root, files, force)
        emit(proposal_json(proposal, relative, files, exists, problems, written=not dry_run))
        sys.exit(EXIT_FINDINGS if errors else EXIT_OK)
    for line in _summary(proposal, relative):
        say(line, err=False)
    if dry_run:
        for item in files:
            state = (
                "exists: adopt refuses it without --force"
                if item.path in exists and not force
                else "exists: --force overwrites it"
                if item.path in exists
                else "new"
            )
            say(f"\n--- {item.path} ({state})", err=False)
            emit(item.text)
        say(f"\ndry run: nothing was written; {len(files)} file{'s' if len(files) != 1 else ''} would be", err=True)
        sys.exit(EXIT_FINDINGS if errors else EXIT_OK)
    for path in _write(root, files, force):
        say(f"wrote {path}", err=False)
    steps = ([] if root == Path.cwd().resolve() else [f"cd {visible(str(root))}"]) + list(NEXT)
    lines = "\n".join(f"  {step}" for step in steps)
    click.echo(f"adopted the ledger; review the files, then:\n{lines}", err=True)
    sys.exit(EXIT_FINDINGS if errors else EXIT_OK)


def _write(root: Path, files: list[AdoptFile], force: bool) -> list[str]:
    try:
        return write_proposal(root, files, force)
    except WriteError as exc:
        raise UsageError(str(exc)) from None
