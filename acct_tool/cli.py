"""The ``acct-tool`` command line: options in, one engine call, one view out, an exit code.

Exit codes: 0 clean, 1 problems found, 2 usage error or unreadable books.
"""

from __future__ import annotations

import datetime
import gc
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

from acct_tool import __version__
from acct_tool.books import Books, BooksError, find_root, load_books
from acct_tool.cache import enabled as cache_enabled
from acct_tool.diagnostics import Diagnostic, has_errors, sort_diagnostics
from acct_tool.periods import FIRST_DATE, LAST_DATE
from acct_tool.schema import SCHEMAS, load_schema
from acct_tool.text_safety import visible_lines
from acct_tool.views import diagnostics as diagnostics_view

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(click.ClickException):
    """A request that cannot start (no books, unreadable input): exit 2.

    The message often quotes names from the books (a party id, a file name), so its
    control characters are shown as escapes, never sent to the terminal.
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str) -> None:
        super().__init__(visible_lines(message))


@dataclass
class Context:
    books_option: str | None
    as_of: datetime.date
    use_cache: bool = True
    _books: Books | None = field(default=None, repr=False)

    def root(self) -> Path:
        try:
            return find_root(self.books_option)
        except BooksError as exc:
            raise UsageError(str(exc)) from None

    def books(self, needs: tuple[str, ...] | None = ("party_postings",)) -> Books:
        """The books, loaded once.

        ``needs`` names the facts the command will draw from the ledger
        (``party_postings``, ``attribution``); once they are drawn, Beancount's
        entries are let go, which keeps a large ledger's peak memory close to
        bean-check's. ``None`` keeps the entries (the command reads them itself).
        Asking for something else later still works: the ledger is loaded again.
        """
        if self._books is None:
            self._books = load_books(self.root(), self.as_of, use_cache=self.use_cache)
            if needs is not None and self._books.ledger.loaded:
                for need in needs:
                    getattr(self._books, need)()
                self._books.ledger.release()
        return self._books


def optional_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime.date | None:
    """Click callback for a YYYY-MM-DD option that may be left out."""
    if value is None:
        return None
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date in YYYY-MM-DD form") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise click.BadParameter(f"'{value}' is outside the dates acct-tool handles ({FIRST_DATE} to {LAST_DATE})")
    return day


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime.date:
    return optional_date(ctx, param, value) or datetime.date.today()


def receivable_exceptions(books: Books) -> list[Diagnostic]:
    """AR and AP exceptions (unknown documents, overpayments, tie-out...) for ``check``."""
    from acct_tool.receivables import Side, open_items

    if books.ledger.failed:
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
@click.option(
    "--no-cache",
    is_flag=True,
    help="Load everything afresh and leave the cache alone (also ACCT_TOOL_NO_CACHE=1). The cache lives in $XDG_CACHE_HOME/acct-tool, never in the books.",
)
@click.version_option(__version__, prog_name="acct-tool")
@click.pass_context
def cli(ctx: click.Context, books_option: str | None, as_of: datetime.date, no_cache: bool) -> None:
    """Receivables, reconciliation and account reviews over plain-text books.

    The books are a folder with acct-tool.yaml, a Beancount ledger and one YAML
    profile per client and vendor.

    Example: acct-tool --books examples check
    """
    ctx.obj = Context(books_option, as_of, use_cache=not no_cache and cache_enabled())


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
        say(f"warning: the books have {errors} error{'s' if errors != 1 else ''}; run `acct-tool check` for details", err=True)


def emit(text: str) -> None:
    """Write a view's output to stdout as is (views neutralise what they show)."""
    click.echo(text, nl=False)


def say(message: str, *, err: bool = True) -> None:
    """One message line for the person at the terminal (stderr unless ``err=False``).

    Messages quote names and paths from the books, so control characters in them
    are shown as escapes.
    """
    click.echo(visible_lines(message), err=err)


def main() -> None:
    """The console entry point.

    Two things make a short-lived process over a big ledger faster, without
    changing what it computes: the cyclic garbage collector stays off (the loader
    allocates millions of small objects and creates no cycles worth collecting),
    and once the output is flushed the process ends without tearing down that
    object graph, which takes seconds on a large ledger.
    """
    gc.disable()
    code = _run()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
    except OSError as exc:
        code = _write_failed(exc)
    try:
        sys.stderr.flush()
    except OSError:
        pass
    if os.environ.get("ACCT_TOOL_NO_FAST_EXIT"):  # for profilers, which report at exit
        sys.exit(code)
    os._exit(code)


def _run() -> int:
    """Run the command line; every way it can end becomes an exit code."""
    try:
        code = cli.main(prog_name="acct-tool", standalone_mode=False)
        return code if isinstance(code, int) else 0
    except SystemExit as exc:
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":
            return 0  # Click's answer to a closed pipe (`acct-tool ... | head`): not a failure
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            click.echo("Interrupted.", err=True)
            return 130
        click.echo("Aborted!", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except ImportError as exc:  # an incomplete installation, not a problem with the books
        missing = exc.name or str(exc)
        print(
            f"Error: acct-tool needs the Python package '{missing}', which this Python ({sys.executable}) "
            "does not have. Install acct-tool with its dependencies: pip install acct-tool (or pip install -e . in a checkout).",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except OSError as exc:
        if exc.filename is not None:  # a file that vanished or became unreadable mid-run
            print(f"Error: {exc.strerror or exc}: {exc.filename}", file=sys.stderr)
            return EXIT_USAGE
        return _write_failed(exc)


def _write_failed(exc: OSError) -> int:
    _quiet_stdout()
    try:
        print(f"Error: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
    except OSError:
        pass
    return EXIT_USAGE


def _quiet_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the final flush cannot fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


# Command modules attach themselves to the groups above.
from acct_tool.commands import bank as _bank  # noqa: E402,F401
from acct_tool.commands import receivables as _receivables  # noqa: E402,F401
from acct_tool.commands import review as _review  # noqa: E402,F401
from acct_tool.commands import clients as _clients  # noqa: E402,F401
from acct_tool.commands import init as _init  # noqa: E402,F401
