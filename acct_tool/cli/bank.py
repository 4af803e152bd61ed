"""``acct-tool reconcile bank``: statement lines against ledger postings."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from acct_tool.books.globs import glob_matches
from acct_tool.books.ledger import display_path
from acct_tool.books.load import Books, Needs
from acct_tool.books.schema import did_you_mean
from acct_tool.books.settings import BUILTIN_STATEMENT_FORMATS, SETTINGS_FILE, Settings, StatementFile, account_key
from acct_tool.books.text_files import file_problem
from acct_tool.cli.common import EXIT_FINDINGS, EXIT_OK, TEXT, Context, UsageError, emit, emit_fitted, format_option, say
from acct_tool.cli.completion import complete_statement
from acct_tool.diagnostics import has_errors
from acct_tool.edit.files import WriteError, check_target, write_atomic
from acct_tool.engines.bank import BankReconciliation, account_currency, reconcile_bank
from acct_tool.engines.bank_drafts import draft_for
from acct_tool.engines.bank_formats.beangulp_source import ImporterError, extract, load_importer
from acct_tool.engines.bank_formats.detect import detect
from acct_tool.engines.statements import ParsedStatement, parse_any, read_bytes
from acct_tool.render import bank as view
from acct_tool.render import diagnostics as diagnostics_view


@click.command("bank")
@click.argument("statement", type=click.Path(path_type=Path), shell_complete=complete_statement)
@click.option("--account", type=TEXT, metavar="ACCOUNT", help="Ledger account of the statement (default: from `statements.files`).")
@click.option(
    "--statement-format",
    "format_name",
    type=TEXT,
    metavar="NAME",
    help="ofx, camt053, mt940, beangulp, or a CSV layout from `statements.formats` (default: from `statements.files`, else detected).",
)
@click.option("--importer", type=TEXT, metavar="MODULE.CLASS", help="A beangulp importer that reads the statement (default: from `statements.files`).")
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
    importer: str | None,
    window: int | None,
    fmt: str,
    output: str | None,
    draft: Path | None,
    force: bool,
) -> None:
    """Reconcile a bank statement (CSV, OFX, CAMT.053, MT940) with the ledger postings on its account.

    Matches statement lines to postings one-to-one: same amount, dates at most
    --window days apart, a reference found in the entry first, then the closest
    date. Reports matched lines, lines missing from the ledger, postings in the
    statement period missing from the statement, and the closing balance
    against the ledger's. The statement format and account come from the
    settings' `statements.files` unless --statement-format and --account are
    given; else the format is detected from the content, and the account
    from the IBAN or account id in the file (`statements.accounts`). Exit 0 when
    everything matches and the balances agree, 1 otherwise, 2 when the
    statement cannot be read. The ledger is never edited: --draft writes the
    missing lines to a new file to review and include.

    Example: acct-tool reconcile bank oct.csv --draft drafts.beancount
    """
    fmt = _output_format(fmt, output)
    read: dict[str, ParsedStatement | str] = {}

    def needs(settings: Settings) -> Needs:
        root = obj.root()
        if file_problem(statement) is None:
            read["statement"] = _read(settings, root, statement, display_path(str(statement), root) or str(statement), format_name, importer)
        return Needs(accounts=frozenset(filter(None, [_account_of(settings, root, statement, account, read.get("statement"))])))

    books = obj.books(needs)
    if (problem := file_problem(statement)) is not None:
        raise UsageError(f"statement {statement} {problem}")
    shown = display_path(str(statement), books.root) or str(statement)
    parsed = read.get("statement") or _read(books.settings, books.root, statement, shown, format_name, importer)
    if isinstance(parsed, str):
        raise UsageError(parsed)
    problems = parsed.diagnostics
    if any(d.code == "file-unreadable" for d in problems):
        raise UsageError(problems[0].message)
    account = _resolve_account(books, statement, shown, account, parsed)
    ledger_errors = [d for d in books.ledger.diagnostics if has_errors([d])]
    if account not in books.ledger.opens():
        hint = did_you_mean(account, books.ledger.opens())
        broken = f" (the ledger has {len(ledger_errors)} error(s); run `acct-tool check`)" if ledger_errors else ""
        raise UsageError(f"account {account} is not opened in the ledger{broken}" + (f"; {hint}" if hint else ""))
    currency = account_currency(books.ledger, account, parsed.currency, books.settings.operating_currency)
    if currency is None:
        raise UsageError(f"{account} holds several currencies; set `currency:` in statement format '{parsed.format}'")
    if draft is not None:
        _check_draft_target(books, draft, statement, force)

    lines = parsed.lines
    window_days = books.settings.statements.window_days if window is None else window
    statements = books.settings.statements
    result = reconcile_bank(books.account_postings[account], account, currency, lines, window_days, books.as_of, statements.tolerance, shown)

    if fmt == "json":
        emit(view.to_json(result, shown, books.root, problems, books.precisions))
    elif fmt == "csv":
        emit(view.to_csv(result, books.root, books.precisions))
    else:
        emit_fitted(view.to_text(result, shown, books.root, problems, books.precisions))
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


def _entry(settings: Settings, root: Path, statement: Path) -> StatementFile | None:
    """The first `statements.files` entry whose glob matches the statement."""
    try:
        relative = statement.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None
    return next((f for f in settings.statements.files if glob_matches(f.match, relative)), None)


def _read(settings: Settings, root: Path, statement: Path, shown: str, format_name: str | None, importer: str | None) -> ParsedStatement | str:
    """The statement read in its format (options first, then `statements.files`, then detected), or why it cannot be."""
    layouts = settings.statements.formats
    entry = _entry(settings, root, statement)
    importer = importer or (entry.importer if entry else None)
    name = format_name or (entry.format if entry else None) or ("beangulp" if importer else None)
    known = ", ".join([*sorted(layouts), *BUILTIN_STATEMENT_FORMATS])
    if name == "beangulp":
        if importer is None:
            return f"format beangulp needs an importer: pass --importer MODULE.CLASS or set `importer:` in the statements.files entry in {SETTINGS_FILE}"
        try:
            return extract(load_importer(importer, root), statement, shown)
        except ImporterError as exc:
            return str(exc)
    raw, problems = read_bytes(statement, shown)
    if raw is None:
        return ParsedStatement(name or "", [], problems)
    name = name or detect(raw)
    if name is None:
        return (
            f"no entry of statements.files in {SETTINGS_FILE} says which format {shown} has, and its content is not OFX, CAMT.053 or MT940; "
            f"pass --statement-format NAME{'' if entry and entry.account else ' and --account ACCOUNT'} or add a `statements.files` entry matching it (formats: {known})"
        )
    if name not in layouts and name not in BUILTIN_STATEMENT_FORMATS:
        hint = did_you_mean(name, [*layouts, *BUILTIN_STATEMENT_FORMATS])
        return f"no statement format named '{name}' (formats: {known})" + (f"; {hint}" if hint else "")
    layout = layouts.get(name) if name not in BUILTIN_STATEMENT_FORMATS else None
    if layout is not None and layout.amount is None and (layout.debit is None or layout.credit is None):
        return f"statement format '{name}' needs `amount`, or both `debit` and `credit`; run `acct-tool check`"
    return parse_any(raw, shown, name, layouts)


def _account_of(settings: Settings, root: Path, statement: Path, account: str | None, parsed: ParsedStatement | str | None) -> str | None:
    """The ledger account: --account, the `statements.files` entry's, the importer's, or the one `statements.accounts` maps the file's id to."""
    entry = _entry(settings, root, statement)
    if account or (entry and entry.account):
        return account or (entry.account if entry else None)
    if not isinstance(parsed, ParsedStatement):
        return None
    if parsed.ledger_account:
        return parsed.ledger_account
    mapped = settings.statements.accounts
    return next((mapped[account_key(i)] for i in parsed.account_ids if account_key(i) in mapped), None)


def _resolve_account(books: Books, statement: Path, shown: str, account: str | None, parsed: ParsedStatement) -> str:
    found = _account_of(books.settings, books.root, statement, account, parsed)
    if found is not None:
        return found
    if parsed.account_ids:
        bank_id = parsed.account_ids[0]
        return _raise(
            f"{shown} is a statement of account {bank_id}, which neither statements.accounts nor statements.files in {SETTINGS_FILE} maps to a ledger account; "
            f"pass --account ACCOUNT or add it under `statements.accounts:`, e.g. `{account_key(bank_id)}: Assets:Bank:…`"
        )
    return _raise(
        f"no entry of statements.files in {SETTINGS_FILE} says which account {shown} has, and the file names none; "
        "pass --account ACCOUNT or add a `statements.files` entry matching it"
    )


def _raise(message: str) -> str:
    raise UsageError(message)


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
