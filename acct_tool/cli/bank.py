"""``acct-tool reconcile bank``: statement lines against ledger postings."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from acct_tool.books.globs import glob_matches
from acct_tool.books.ledger import display_path
from acct_tool.books.load import Books, Needs
from acct_tool.books.schema import did_you_mean
from acct_tool.books.settings import SETTINGS_FILE, Settings, StatementFormat
from acct_tool.books.text_files import file_problem
from acct_tool.cli.common import EXIT_FINDINGS, EXIT_OK, TEXT, Context, UsageError, emit, format_option, say
from acct_tool.diagnostics import has_errors
from acct_tool.edit.files import WriteError, check_target, write_atomic
from acct_tool.engines.bank import BankReconciliation, account_currency, draft_for, reconcile_bank
from acct_tool.engines.statements import read_statement
from acct_tool.render import bank as view
from acct_tool.render import diagnostics as diagnostics_view


@click.command("bank")
@click.argument("statement", type=click.Path(path_type=Path))
@click.option("--account", type=TEXT, metavar="ACCOUNT", help="Ledger account of the statement (default: from `statements.files`).")
@click.option(
    "--statement-format", "format_name", type=TEXT, metavar="NAME", help="Statement format from `statements.formats` (default: from `statements.files`)."
)
@click.option(
    "--window", type=click.IntRange(0, 60), metavar="DAYS", help="Days a ledger date may differ from the bank's (default: `statements.window_days`, 3)."
)
@format_option("text", "json", "csv", hint="the statement's CSV layout is --statement-format NAME")
@click.option("--output", type=click.Choice(["text", "json", "csv"]), hidden=True, help="The former name of --format.")
@click.option(
    "--draft",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Write Beancount drafts (flag !) for lines missing from the ledger to FILE.",
)
@click.option("--force", is_flag=True, help="Let --draft overwrite an existing FILE.")
@click.pass_obj
def bank(
    obj: Context,
    statement: Path,
    account: str | None,
    format_name: str | None,
    window: int | None,
    fmt: str,
    output: str | None,
    draft: Path | None,
    force: bool,
) -> None:
    """Reconcile a bank statement (CSV) with the ledger postings on its account.

    Matches statement lines to postings one-to-one: same amount, dates at most
    --window days apart, a reference found in the entry first, then the closest
    date. Reports matched lines, lines missing from the ledger, postings in the
    statement period missing from the statement, and the closing balance
    against the ledger's. The statement format and account come from the
    settings' `statements.files` unless --statement-format and --account are
    given. Exit 0 when
    everything matches and the balances agree, 1 otherwise, 2 when the
    statement cannot be read. The ledger is never edited: --draft writes the
    missing lines to a new file to review and include.

    Example: acct-tool reconcile bank oct.csv --draft drafts.beancount
    """
    fmt = _output_format(fmt, output)
    books = obj.books(lambda settings: Needs(accounts=frozenset(filter(None, [_entry_for(settings, obj.root(), statement, account)[1]]))))
    if (problem := file_problem(statement)) is not None:
        raise UsageError(f"statement {statement} {problem}")
    shown = display_path(str(statement), books.root) or str(statement)
    layout, account = _resolve(books, statement, shown, format_name, account)
    ledger_errors = [d for d in books.ledger.diagnostics if has_errors([d])]
    if account not in books.ledger.opens():
        hint = did_you_mean(account, books.ledger.opens())
        broken = f" (the ledger has {len(ledger_errors)} error(s); run `acct-tool check`)" if ledger_errors else ""
        raise UsageError(f"account {account} is not opened in the ledger{broken}" + (f"; {hint}" if hint else ""))
    currency = account_currency(books.ledger, account, layout.currency, books.settings.operating_currency)
    if currency is None:
        raise UsageError(f"{account} holds several currencies; set `currency:` in statement format '{layout.name}'")
    if draft is not None:
        _check_draft_target(books, draft, statement, force)

    lines, problems = read_statement(statement, shown, layout)
    if any(d.code == "file-unreadable" for d in problems):
        raise UsageError(problems[0].message)
    window_days = books.settings.statements.window_days if window is None else window
    statements = books.settings.statements
    result = reconcile_bank(books.account_postings[account], account, currency, lines, window_days, books.as_of, statements.tolerance, shown)

    if fmt == "json":
        emit(view.to_json(result, shown, books.root, problems, books.precisions))
    elif fmt == "csv":
        emit(view.to_csv(result, books.root, books.precisions))
    else:
        emit(view.to_text(result, shown, books.root, problems, books.precisions))
    if problems:
        click.echo(diagnostics_view.to_text(problems), err=True, nl=False)
    if ledger_errors:
        say(f"note: the ledger has {len(ledger_errors)} error(s), so this reconciliation may be off; run `acct-tool check`")
    if draft is not None:
        _write_draft(books, draft, force, result, shown)
    sys.exit(EXIT_FINDINGS if not result.reconciled or has_errors(problems) else EXIT_OK)


def _output_format(fmt: str, output: str | None) -> str:
    """``--format``, or ``--output``, its former name; both at once must agree."""
    if output is None:
        return fmt
    given = click.get_current_context().get_parameter_source("fmt")
    if given is click.core.ParameterSource.COMMANDLINE and fmt != output:
        raise UsageError(f"--output {output} and --format {fmt} disagree; --output is the former name of --format, give only --format")
    return output


def _entry_for(settings: Settings, root: Path, statement: Path, account: str | None) -> tuple[str | None, str | None]:
    """The format named by the first `statements.files` entry matching the statement, and the
    account: ``account`` when given, else that entry's."""
    try:
        relative: str | None = statement.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        relative = None
    entry = next((f for f in settings.statements.files if relative is not None and glob_matches(f.match, relative)), None)
    return (entry.format if entry else None), account or (entry.account if entry else None)


def _resolve(books: Books, statement: Path, shown: str, format_name: str | None, account: str | None) -> tuple[StatementFormat, str]:
    """The statement's format and account: options first, then the first matching `statements.files` entry."""
    settings = books.settings.statements
    entry_format, account = _entry_for(books.settings, books.root, statement, account)
    name = format_name or entry_format
    known = ", ".join(sorted(settings.formats)) or f"none; declare them under statements.formats in {SETTINGS_FILE}"
    if name is None or account is None:
        missing = " and ".join(opt for opt, value in (("--statement-format NAME", name), ("--account ACCOUNT", account)) if value is None)
        raise UsageError(
            f"no entry of statements.files in {SETTINGS_FILE} says which format and account {shown} has; "
            f"pass {missing} or add a `statements.files` entry matching it (formats: {known})"
        )
    if name not in settings.formats:
        hint = did_you_mean(name, settings.formats)
        raise UsageError(f"no statement format named '{name}' (formats: {known})" + (f"; {hint}" if hint else ""))
    fmt = settings.formats[name]
    if fmt.amount is None and (fmt.debit is None or fmt.credit is None):
        raise UsageError(f"statement format '{name}' needs `amount`, or both `debit` and `credit`; run `acct-tool check`")
    return fmt, account


def _check_draft_target(books: Books, draft: Path, statement: Path, force: bool) -> None:
    target = draft.resolve()
    protected = {Path(f).resolve() for f in books.ledger.files} | {books.ledger.path.resolve(), statement.resolve()}
    protected.add((books.root / SETTINGS_FILE).resolve())
    if target in protected:
        raise UsageError(f"refusing to write drafts over {draft}: it is part of the books; choose a new file")
    try:
        check_target(draft, force)
    except WriteError as exc:
        raise UsageError(str(exc)) from None
    if not draft.parent.is_dir():
        raise UsageError(f"cannot write {draft}: folder {draft.parent} does not exist")


def _write_draft(books: Books, draft: Path, force: bool, result: BankReconciliation, shown: str) -> None:
    postings = books.account_postings[result.account]
    text = draft_for(result, postings, books.settings.statements, statement=shown, opened=books.ledger.opens())
    if text is None:
        say("no draft written: no statement line is missing from the ledger")
        return
    try:
        write_atomic(draft, text, force)
    except WriteError as exc:
        raise UsageError(str(exc)) from None
    n = len(result.missing_in_ledger) + len(result.with_difference)
    say(f"wrote {n} draft entr{'y' if n == 1 else 'ies'} to {draft}; review them, then include the file from the ledger")
