"""The ``acct-tool`` command line: options in, one engine call, one view out, an exit code.

Exit codes: 0 clean, 1 problems found, 2 usage error or unreadable books.
"""

from __future__ import annotations

import datetime
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

from acct_tool import __version__
from acct_tool.books import Books, BooksError, find_root, load_books
from acct_tool.diagnostics import Diagnostic, has_errors, sort_diagnostics
from acct_tool.schema import SCHEMAS, load_schema
from acct_tool.views import diagnostics as diagnostics_view

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(click.ClickException):
    """A request that cannot start (no books, unreadable input): exit 2."""

    exit_code = EXIT_USAGE


@dataclass
class Context:
    books_option: str | None
    as_of: datetime.date
    _books: Books | None = field(default=None, repr=False)

    def root(self) -> Path:
        try:
            return find_root(self.books_option)
        except BooksError as exc:
            raise UsageError(str(exc)) from None

    def books(self) -> Books:
        if self._books is None:
            self._books = load_books(self.root(), self.as_of)
        return self._books


def optional_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime.date | None:
    """Click callback for a YYYY-MM-DD option that may be left out."""
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date in YYYY-MM-DD form") from None


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime.date:
    return optional_date(ctx, param, value) or datetime.date.today()


def receivable_exceptions(books: Books) -> list[Diagnostic]:
    """AR and AP exceptions (unknown documents, overpayments, tie-out...) for ``check``."""
    from acct_tool.receivables import Side, open_items

    if not books.ledger.entries:
        return []
    return [d for side in Side for d in open_items(books, side).diagnostics]


def format_option(*choices: str, default: str | None = None) -> Callable[[F], F]:
    """The shared ``--format`` option, with the choices a command supports."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default or choices[0],
        show_default=True,
        help="Output format.",
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--books",
    "books_option",
    metavar="DIR",
    envvar="ACCT_TOOL_BOOKS",
    help="The books folder (default: the nearest folder upwards holding acct-tool.yaml). Also $ACCT_TOOL_BOOKS.",
)
@click.option(
    "--as-of",
    metavar="YYYY-MM-DD",
    callback=_parse_date,
    help="Evaluate the books as of this date (default: today). Entries after it are ignored.",
)
@click.version_option(__version__, prog_name="acct-tool")
@click.pass_context
def cli(ctx: click.Context, books_option: str | None, as_of: datetime.date) -> None:
    """Receivables, reconciliation and account reviews over plain-text books.

    The books are a folder with acct-tool.yaml, a Beancount ledger and one YAML
    profile per client and vendor.

    Example: acct-tool --books examples check
    """
    ctx.obj = Context(books_option, as_of)


@cli.command()
@format_option("text", "json", "github")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.pass_obj
def check(obj: Context, fmt: str, strict: bool) -> None:
    """Check the ledger, every profile, and the two against each other.

    Reports everything bean-check finds, every profile problem with
    file:line:column, and mismatches between profiles and the ledger, all at
    once, sorted by file and line. Exit 0 when clean (warnings allowed), 1 when
    there are errors (or warnings with --strict).

    Example: acct-tool check --format github
    """
    books = obj.books()
    found = sort_diagnostics([*books.diagnostics, *receivable_exceptions(books)])
    if fmt == "json":
        click.echo(diagnostics_view.to_json(found), nl=False)
    elif fmt == "github":
        click.echo(diagnostics_view.to_github(found, books.root), nl=False)
    else:
        click.echo(diagnostics_view.to_text(found), nl=False)
    sys.exit(EXIT_FINDINGS if has_errors(found, strict=strict) else EXIT_OK)


@cli.command()
@click.argument("name", type=click.Choice(SCHEMAS), default="party")
def schema(name: str) -> None:
    """Print the JSON Schema of profiles (party) or of acct-tool.yaml (settings).

    Point your editor at it to validate and autocomplete profiles, e.g. with a
    `# yaml-language-server: $schema=party.schema.json` line.

    Example: acct-tool schema party > party.schema.json
    """
    click.echo(json.dumps(load_schema(name), indent=2, ensure_ascii=False))


@cli.group()
def reconcile() -> None:
    """Prove that receivables, payables or a bank statement agree with the ledger.

    Example: acct-tool reconcile ar
    """


def warn_if_broken(books: Books) -> None:
    """Say on stderr when the books have errors, so results are read with care."""
    errors = sum(1 for d in books.diagnostics if d.severity.value == "error")
    if errors:
        click.echo(f"warning: the books have {errors} error{'s' if errors != 1 else ''}; run `acct-tool check` for details", err=True)


def emit(text: str) -> None:
    """Write a view's output to stdout as is."""
    click.echo(text, nl=False)


def main() -> None:
    cli(prog_name="acct-tool")


# Command modules attach themselves to the groups above.
from acct_tool.commands import bank as _bank  # noqa: E402,F401
from acct_tool.commands import receivables as _receivables  # noqa: E402,F401
from acct_tool.commands import review as _review  # noqa: E402,F401
from acct_tool.commands import clients as _clients  # noqa: E402,F401
