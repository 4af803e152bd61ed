"""The ``acct-tool`` command line: options in, one engine call, one view out, an exit code.

This package entry builds the command tree from the command modules (one per
command group, each importing only :mod:`acct_tool.cli.common`) and runs it.
Exit codes: 0 clean, 1 problems found, 2 usage error or unreadable books.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import importlib
import os
import sys
from collections.abc import Callable, Iterator, MutableMapping

import click

from acct_tool import __version__
from acct_tool.cli.common import EXIT_USAGE, Context, accept_global_options, global_options

#: Where each command lives: name -> (command module under acct_tool.cli, attribute,
#: the first paragraph of its help, which ``--help`` shows without importing the module).
#: tests/test_startup.py checks that each summary is the command's own.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "adopt": ("adopt", "adopt", "Write acct-tool.yaml and one profile per party for an existing Beancount ledger."),
    "aging": ("receivables", "aging", "Open invoices (ar) or bills (ap) bucketed by age, per currency."),
    "cash": ("cash", "cash", "Cash per bank and cash account at the as-of date, and a weekly forecast per currency."),
    "check": ("check", "check", "Check the ledger, every profile, and the two against each other."),
    "clients": ("clients", "clients", "Clients and vendors: the list with health at a glance, one in full, or a new profile."),
    "done": ("done", "done", "Mark an open next step of a party done, so that `followups` no longer lists it."),
    "dunning": ("dunning", "dunning", "Reminder letters to clients whose overdue invoices are due to be chased."),
    "dso": ("receivables", "dso", "Days sales outstanding and payment behaviour: how long each party takes to pay."),
    "financials": ("financials", "financials", "Financial statements: the trial balance, the income statement and the balance sheet."),
    "followups": (
        "clients",
        "followups",
        "Everything that needs someone to act as of the as-of date, most urgent first: next steps due or overdue, check-ins overdue for the tier's cadence, renewals within 90/60/30 days with no renewal opportunity, open risks with no plan, key and strategic accounts with no decision maker, and invoices past the collection levels with the contact to chase.",
    ),
    "invoice": ("documents", "invoice", "The invoice or credit note NUMBER as a document to send the client."),
    "init": ("init", "init", "Create a books repository in DIR that passes `acct-tool check` at once."),
    "log": (
        "clients",
        "log",
        "Append an interaction to a party's profile. Nothing else in the file changes: comments, key order and formatting stay, so `git diff` shows only the added lines. The write is atomic; a profile with errors is refused, and the file is put back if the result would not validate. A --with name that is not among the contacts is allowed, with a warning.",
    ),
    "open": ("receivables", "open_", "Every open invoice (ar) or bill (ap): number, party, date, due, original, paid, open, days past due."),
    "pipeline": (
        "pipeline",
        "pipeline",
        "Every open opportunity across clients and prospects: value, probability, weighted value, expected close, age in stage and owner, flagged when it is slipping; totals per stage and per manager; renewals at risk; won and lost in the period with the win rate.",
    ),
    "portfolio": (
        "clients",
        "portfolio",
        "Each account manager's portfolio: accounts, revenue per client in the period, open and overdue receivables, average days to pay, average NPS and health, and the accounts at risk; totals per currency.",
    ),
    "review": ("review", "review", "Account reviews for quarterly business reviews, and a portfolio per manager."),
    "schema": ("check", "schema", "Print the JSON Schema of profiles (party) or of acct-tool.yaml (settings)."),
    "statement": (
        "receivables",
        "statement",
        "A party's statement of account: balance brought forward, every document and payment in the period with a running balance, open items and an aging footer.",
    ),
}

RECONCILE_COMMANDS: dict[str, tuple[str, str, str]] = {
    "ar": (
        "receivables",
        "reconcile_ar",
        "Tie out receivables: per client and currency, open invoices minus unapplied credits must equal the ledger balance; lists every exception. Exit 1 on any error.",
    ),
    "ap": (
        "receivables",
        "reconcile_ap",
        "Tie out payables: per vendor and currency, open bills minus unapplied credits must equal the ledger balance; lists every exception. Exit 1 on any error.",
    ),
    "bank": ("bank", "bank", "Reconcile a bank statement (CSV, OFX, CAMT.053, MT940) with the ledger postings on its account."),
}


class _Commands(MutableMapping[str, click.Command]):
    """A group's commands, each imported from its module the first time it is looked up,
    so that ``--version``, ``--help`` and every command load only what they run."""

    def __init__(self, where: dict[str, tuple[str, str, str]]) -> None:
        self._where = {name: (module, attribute) for name, (module, attribute, _summary) in where.items()}
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module, attribute = self._where[name]  # KeyError: no such command
            command = getattr(importlib.import_module(f"acct_tool.cli.{module}"), attribute)
            if not isinstance(command, LazyGroup):  # a lazy group takes them as its commands load
                accept_global_options(command)
            self._loaded[name] = command
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._where.pop(name, None)
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self._where and name not in self._loaded:
            raise KeyError(name)
        self._where.pop(name, None)
        self._loaded.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._where or name in self._loaded

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({*self._where, *self._loaded}))

    def __len__(self) -> int:
        return len({*self._where, *self._loaded})

    def loaded(self, name: str) -> bool:
        return name in self._loaded


class LazyGroup(click.Group):
    """A group whose commands are imported when they are run or asked for; its help lists
    them from their kept summaries (:data:`COMMANDS`), without importing them."""

    def __init__(self, *args: object, lazy: dict[str, tuple[str, str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.commands = _Commands(lazy)
        self.summaries = {name: summary for name, (_m, _a, summary) in lazy.items() if summary}

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = self.commands
        assert isinstance(commands, _Commands)
        if any(name not in self.summaries and not commands.loaded(name) for name in commands):
            super().format_commands(ctx, formatter)  # a command without a kept summary: ask the commands
            return
        rows = []
        limit = formatter.width - 6 - max((len(name) for name in commands), default=0)
        for name in self.list_commands(ctx):
            if commands.loaded(name):
                command = commands[name]
                if command.hidden:
                    continue
                rows.append((name, command.get_short_help_str(limit)))
            else:
                rows.append((name, short_help(self.summaries[name], limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; once it has ended and its output is flushed, run what it left
        for afterwards (the cache writes), so that the answer shows first."""
        try:
            result = super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, SystemExit):  # an exit code: 0, findings, usage
            _finish(ctx)
            raise
        _finish(ctx)
        return result


def short_help(summary: str, limit: int) -> str:
    """``summary`` shortened to ``limit`` as Click shortens a command's help for a listing."""
    return click.Command(None, help=summary).get_short_help_str(limit)


def _finish(ctx: click.Context) -> None:
    if ctx.parent is not None:  # the root group finishes, once
        return
    obj = ctx.find_object(Context)
    if obj is None:
        return
    with contextlib.suppress(OSError):  # a closed pipe is reported where the output is flushed at the end
        sys.stdout.flush()
    if _after_exit is not None:
        _after_exit.extend(obj.take_after_output())
    else:
        obj.finish()


#: The cache's writes, left by the command for :func:`main` to run once the output is flushed
#: (None when the command line runs without :func:`main`, in a test: the command runs them).
_after_exit: list[Callable[[], None]] | None = None


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@global_options
@click.version_option(__version__, prog_name="acct-tool")
@click.pass_context
def cli(ctx: click.Context, books_option: str | None, as_of: datetime.date, no_cache: bool) -> None:
    """Receivables, reconciliation and account reviews over plain-text books.

    The books are a folder with acct-tool.yaml, a Beancount ledger and one YAML
    profile per client and vendor.

    Example: acct-tool --books examples check
    """
    ctx.obj = Context(books_option, as_of, use_cache=not no_cache)


@click.group(cls=LazyGroup, lazy=RECONCILE_COMMANDS)
def reconcile() -> None:
    """Prove that receivables, payables or a bank statement agree with the ledger.

    Example: acct-tool reconcile ar
    """


cli.add_command(reconcile)
cli.summaries["reconcile"] = "Prove that receivables, payables or a bank statement agree with the ledger."


def main() -> None:
    """The console entry point.

    Two things make a short-lived process over a big ledger faster, without
    changing what it computes: the cyclic garbage collector stays off (the loader
    allocates millions of small objects and creates no cycles worth collecting),
    and once the output is flushed the process ends without tearing down that
    object graph, which takes seconds on a large ledger. The cache's writes then
    go on in a child of this process, so that the command returns as soon as its
    output is complete (see :func:`acct_tool.books.aside.after_exit`).
    """
    global _after_exit
    gc.disable()
    _after_exit = []
    code = _run()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
    except OSError as exc:
        code = _write_failed(exc)
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    if _after_exit:
        from acct_tool.books import aside, cache_lock

        cache_lock.hold_writing()  # held by the writer child too, until its writes are done
        aside.after_exit(_after_exit)
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
        from acct_tool.requirements import missing_message

        print(missing_message(exc), file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        if exc.filename is not None:  # a file that vanished or became unreadable mid-run
            print(f"Error: {exc.strerror or exc}: {exc.filename}", file=sys.stderr)
            return EXIT_USAGE
        return _write_failed(exc)


def _write_failed(exc: OSError) -> int:
    _quiet_stdout()
    with contextlib.suppress(OSError):
        print(f"Error: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
    return EXIT_USAGE


def _quiet_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the final flush cannot fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
