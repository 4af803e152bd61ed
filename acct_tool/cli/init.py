"""``acct-tool init DIR``: a new books repository that passes ``check`` at once.

The files are rendered by :mod:`acct_tool.render.render_scaffold` and written by
:mod:`acct_tool.edit.edit_scaffold`. Their dates are relative to the as-of date,
so the example transactions are recent and ``--as-of`` makes the output
reproducible. Nothing is overwritten: ``--force`` only lets ``init`` write into
a folder that already holds files, and keeps every file that exists. A folder
that holds a ledger already is refused, with a pointer to ``acct-tool adopt``.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from acct_tool.books.schema import load_schema
from acct_tool.books.settings import SETTINGS_FILE
from acct_tool.cli.common import TEXT, Context, UsageError, say
from acct_tool.edit.adopt_write import ledger_files
from acct_tool.edit.edit_scaffold import check_scaffold_targets, write_scaffold
from acct_tool.edit.files import WriteError
from acct_tool.render.render_scaffold import render_scaffold


def _pattern(schema: str, name: str) -> re.Pattern[str]:
    """A value type's pattern from a schema's ``$defs``, so that init accepts what check accepts."""
    return re.compile(load_schema(schema)["$defs"][name]["pattern"])


def _is_empty(folder: Path) -> bool:
    """True when ``folder`` holds nothing, or nothing but a ``.git`` (``git init`` first is fine)."""
    return all(entry.name == ".git" for entry in folder.iterdir())


def _refuse_an_existing_ledger(directory: Path) -> None:
    """A folder that holds a ledger already is adopted, not initialised: init would write a sample
    ledger and point the settings at it (or keep the user's and add sample profiles that do not match it).

    Running init again in books it wrote (acct-tool.yaml and ledger/main.beancount both there) is fine."""
    if not directory.is_dir():
        return
    try:
        ledgers = ledger_files(directory)
        ours = (directory / SETTINGS_FILE).exists() and (directory / "ledger" / "main.beancount").is_file()
    except OSError:
        return
    if ledgers and not ours:
        where = "" if directory.resolve() == Path.cwd().resolve() else f"--books {directory} "
        raise UsageError(
            f"{directory} already holds a ledger ({', '.join(ledgers)}); init would write a sample ledger next to it. "
            f"To start from the ledger you have, run: acct-tool {where}adopt"
        )


@click.command()
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--currency", type=TEXT, default="USD", show_default=True, metavar="CUR", help="The operating currency of the new ledger.")
@click.option("--manager", type=TEXT, default="me", show_default=True, metavar="M", help="The account manager of the example profiles.")
@click.option("--force", is_flag=True, help="Write into a folder that is not empty; files that exist are kept, never overwritten.")
@click.pass_obj
def init(obj: Context, directory: Path, currency: str, manager: str, force: bool) -> None:
    """Create a books repository in DIR that passes `acct-tool check` at once.

    Writes a commented acct-tool.yaml, a ledger with open directives for bank,
    receivables, payables, income and expenses and a few example transactions
    (an invoice with a credit note and a payment, an open invoice, bills), one
    client and one vendor profile, the JSON Schemas for editors in .schema/, a
    .gitignore, a .pre-commit-config.yaml that runs `acct-tool check`, and a
    GitHub Actions workflow (.github/workflows/books.yml) that checks the books
    and reconciles receivables and payables. The examples are dated just before
    the as-of date.

    DIR may be missing or empty (a .git folder alone is fine); a folder with
    other files is refused unless --force, which still never overwrites a file.
    A folder that already holds a ledger (a *.beancount file in it or in
    ledger/) is refused even with --force: run `acct-tool adopt` there instead.

    Example: acct-tool init books && cd books && acct-tool check && git init && pre-commit install
    """
    if not _pattern("settings", "currency").match(currency):
        raise UsageError(f"--currency '{currency}' is not a currency code like USD")
    if not _pattern("party", "slug").match(manager):
        raise UsageError(f"--manager '{manager}' is not a lowercase slug like 'lan' (a-z, 0-9, '-', '_')")
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} exists and is not a folder")
    _refuse_an_existing_ledger(directory)
    try:
        if directory.is_dir() and not _is_empty(directory) and not force:
            raise UsageError(f"{directory} is not empty; pass --force to add the books files to it (existing files are kept)")
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot use {directory}: {exc.strerror or exc}") from None
    title = directory.resolve().name or "Books"
    scaffold = render_scaffold(obj.as_of, title=title, currency=currency, manager=manager)
    try:
        check_scaffold_targets(directory, scaffold)
    except WriteError as exc:
        raise UsageError(f"{exc}; move it away, or create the books in another folder") from None
    try:
        written = write_scaffold(directory, scaffold)
    except WriteError as exc:
        raise UsageError(str(exc)) from None
    for item in written:
        say(f"{'kept' if item.kept else 'wrote'} {item.path}", err=False)
    kept = sum(item.kept for item in written)
    note = f"; kept {kept} existing file{'s' if kept != 1 else ''}" if kept else ""
    click.echo(
        f"created the books in {directory}{note}. Next:\n"
        f"  cd {directory} && acct-tool check\n"
        "  git init && pre-commit install      # check before every commit\n"
        "then replace the example transactions and profiles with your own.",
        err=True,
    )
