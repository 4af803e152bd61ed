"""The ``acct-tool`` command line: options in, one engine call, one view out, an exit code.

This package entry builds the command tree from the command modules (one per
command group, each importing only :mod:`acct_tool.cli.common`) and runs it.
Exit codes: 0 clean, 1 problems found, 2 usage error or unreadable books.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import os
import sys

import click

from acct_tool import __version__
from acct_tool.books.cache import enabled as cache_enabled
from acct_tool.cli import adopt, bank, check, clients, init, receivables, review
from acct_tool.cli.common import EXIT_USAGE, Context, accept_global_options, global_options


class _Root(click.Group):
    """The root group: once a command has ended and its output is flushed, it runs what
    the command left for afterwards (the cache writes), so the answer shows first."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            result = super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, SystemExit):  # an exit code: 0, findings, usage
            _finish(ctx)
            raise
        _finish(ctx)
        return result


def _finish(ctx: click.Context) -> None:
    obj = ctx.find_object(Context)
    if obj is None:
        return
    with contextlib.suppress(OSError):  # a closed pipe is reported where the output is flushed at the end
        sys.stdout.flush()
    obj.finish()


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@global_options
@click.version_option(__version__, prog_name="acct-tool")
@click.pass_context
def cli(ctx: click.Context, books_option: str | None, as_of: datetime.date, no_cache: bool) -> None:
    """Receivables, reconciliation and account reviews over plain-text books.

    The books are a folder with acct-tool.yaml, a Beancount ledger and one YAML
    profile per client and vendor.

    Example: acct-tool --books examples check
    """
    ctx.obj = Context(books_option, as_of, use_cache=not no_cache and cache_enabled())


@click.group()
def reconcile() -> None:
    """Prove that receivables, payables or a bank statement agree with the ledger.

    Example: acct-tool reconcile ar
    """


for _command in (receivables.reconcile_ar, receivables.reconcile_ap, bank.bank):
    reconcile.add_command(_command)
for _command in (
    check.check,
    check.schema,
    reconcile,
    receivables.aging,
    receivables.open_,
    receivables.statement,
    receivables.dso,
    clients.clients,
    clients.followups,
    clients.portfolio,
    clients.log,
    review.review,
    init.init,
    adopt.adopt,
):
    cli.add_command(_command)
accept_global_options(cli)


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
    with contextlib.suppress(OSError):
        sys.stderr.flush()
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
    with contextlib.suppress(OSError):
        print(f"Error: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
    return EXIT_USAGE


def _quiet_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the final flush cannot fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
