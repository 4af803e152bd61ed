"""What every command module shares: the run ``Context``, exit codes, ``UsageError``,
the shared options (``--format``, dates, free text) and the two ways to write (``emit``, ``say``).

Command modules import this module and nothing of each other; only
:mod:`acct_tool.cli` (the package entry) imports the command modules and
builds the command tree from them.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from acct_tool.books.load import Books, BooksError, Needs, NeedsSpec, find_root, load_books
from acct_tool.periods import FIRST_DATE, LAST_DATE
from acct_tool.render.text_safety import visible_lines

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

#: What most commands draw: the postings to the parties' accounts (open items, aging, statements).
PARTY_POSTINGS = Needs(party_postings=True)
#: Party postings and revenue: what the relationship commands (health, reviews) draw.
RELATIONSHIP = Needs(party_postings=True, attribution=True)


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
    #: False with ``--no-cache``; otherwise the cache is used unless ``ACCT_TOOL_NO_CACHE`` turns it off.
    use_cache: bool = True
    _books: Books | None = field(default=None, repr=False)
    #: What runs once the command has written its output (the cache writes): see :meth:`finish`.
    after_output: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def root(self) -> Path:
        try:
            return find_root(self.books_option)
        except BooksError as exc:
            raise UsageError(str(exc)) from None

    def books(self, needs: NeedsSpec) -> Books:
        """The books, loaded once, with the facts ``needs`` declares drawn from the ledger.

        Once they are drawn, Beancount's entries are let go (unless ``needs.entries``),
        which keeps a large ledger's peak memory close to bean-check's.
        """
        if self._books is None:
            root = self.root()
            status = Status.for_stderr()
            try:
                self._books = load_books(
                    root, self.as_of, use_cache=None if self.use_cache else False, needs=needs, later=self.after_output.append, progress=status, aside=True
                )
            finally:
                if status is not None:
                    status.close()
        return self._books

    def finish(self) -> None:
        """Run what waited for the output: the command has ended (exit 0, 1 or 2) and its
        output is flushed. Not run when the command crashed or was interrupted."""
        for job in self.take_after_output():
            job()

    def take_after_output(self) -> list[Callable[[], None]]:
        """What waits for the output (the cache's writes), handed to the caller to run."""
        waiting, self.after_output = self.after_output, []
        return waiting


#: Output formats read by programs, whose runs show no status line (they run in CI, editors, pipes).
MACHINE_FORMATS = frozenset({"json", "github", "csv"})
#: Seconds a load runs before its status line shows (tests set it to 0).
ENV_STATUS_DELAY = "ACCT_TOOL_STATUS_DELAY"


class Status:
    """One status line on a terminal, updated in place, for a load that takes a while.

    It shows only once the load has run for ``delay`` seconds (a quick command
    prints nothing extra), always with the latest step, and is erased when the
    load ends, so the command's own output starts on a clean line.
    """

    def __init__(self, stream: TextIO, delay: float = 1.0) -> None:
        self._stream, self._lock = stream, threading.Lock()
        self._message = ""
        self._shown = self._closed = False
        self._due = time.monotonic() + delay
        self._width = 0  # of what the line shows
        self._timer = threading.Timer(delay, self._show)
        self._timer.daemon = True
        self._timer.start()

    @classmethod
    def for_stderr(cls) -> Status | None:
        """A status line on stderr when it is a terminal and the command's format is for people."""
        ctx = click.get_current_context(silent=True)
        if ctx is not None and ctx.params.get("fmt") in MACHINE_FORMATS:
            return None
        stream = sys.stderr
        try:
            if not stream.isatty():
                return None
        except (AttributeError, ValueError):  # a replaced or closed stderr
            return None
        try:
            delay = float(os.environ.get(ENV_STATUS_DELAY) or 1.0)
        except ValueError:
            delay = 1.0
        return cls(stream, delay)

    def __call__(self, message: str) -> None:
        with self._lock:
            self._message = message
            if not self._shown and not self._closed and time.monotonic() >= self._due:
                self._shown = True
            if self._shown and not self._closed:
                self._draw()

    def _show(self) -> None:
        with self._lock:
            if not self._closed and self._message:
                self._shown = True
                self._draw()

    def _draw(self, text: str | None = None) -> None:
        """Write ``text`` (the message) over the line: a carriage return, and spaces over
        what a longer message left (no terminal control sequences: any terminal will do)."""
        shown = visible_lines(self._message) if text is None else text
        with contextlib.suppress(OSError, ValueError):
            self._stream.write(f"\r{shown}{' ' * max(0, self._width - len(shown))}" + ("\r" if text == "" else ""))
            self._stream.flush()
        self._width = len(shown)

    def close(self) -> None:
        """Erase the line, if it was shown; nothing shows after this."""
        self._timer.cancel()
        with self._lock:
            self._closed = True
            if self._shown:
                self._draw("")
                self._shown = False


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


def date_or_today(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime.date:
    """Click callback for a YYYY-MM-DD option that defaults to today."""
    return optional_date(ctx, param, value) or datetime.date.today()


if TYPE_CHECKING:
    from acct_tool.books.parties import Party
    from acct_tool.diagnostics import Diagnostic
    from acct_tool.edit.profile_edit import EditResult

if TYPE_CHECKING:  # generic in newer Click only; not subscriptable at run time in 8.1
    _Choice = click.Choice[str]
else:
    _Choice = click.Choice


class FormatChoice(_Choice):
    """The choices of ``--format``; a value that is not one of them gets ``hint`` after the error."""

    def __init__(self, choices: tuple[str, ...], hint: str | None = None) -> None:
        super().__init__(choices)
        self.hint = hint

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return str(super().convert(value, param, ctx))
        except click.BadParameter as exc:
            if not self.hint:
                raise
            raise click.BadParameter(f"{exc.message.rstrip('.')}; {self.hint}", ctx=ctx, param=param) from None


def format_option(*choices: str, default: str | None = None, hint: str | None = None) -> Callable[[F], F]:
    """The shared ``--format`` option, with the choices a command supports."""
    return click.option(
        "--format",
        "fmt",
        type=FormatChoice(choices, hint),
        default=default or choices[0],
        show_default=True,
        help="Output format.",
    )


#: The options every command shares, as ``(flag, parameter name, metavar, help)``. They go
#: before the command (``acct-tool --as-of 2026-09-30 aging ar``) or after it
#: (``acct-tool aging ar --as-of 2026-09-30``); after it wins.
GLOBAL_OPTIONS: tuple[tuple[str, str, str | None, str], ...] = (
    ("--books", "books_option", "DIR", "The books folder (default: the nearest folder upwards holding acct-tool.yaml). Also $ACCT_TOOL_BOOKS."),
    ("--as-of", "as_of", "YYYY-MM-DD", "Evaluate the books as of this date (default: today). Entries after it are ignored."),
    (
        "--no-cache",
        "no_cache",
        None,
        "Load everything afresh and leave the cache alone (also ACCT_TOOL_NO_CACHE=1). The cache lives in $XDG_CACHE_HOME/acct-tool, never in the books.",
    ),
)


#: What the shared options take on the root group only: the environment, the default date.
_ON_THE_GROUP: dict[str, dict[str, Any]] = {
    "--books": {"envvar": "ACCT_TOOL_BOOKS"},
    "--as-of": {"callback": date_or_today},
    "--no-cache": {"is_flag": True},
}


def global_options(group: F) -> F:
    """The shared options on the root group, whose callback makes the run's :class:`Context` of them."""
    for flag, name, metavar, text in reversed(GLOBAL_OPTIONS):
        group = click.option(flag, name, metavar=metavar, help=text, **_ON_THE_GROUP[flag])(group)
    return group


def _after_the_command(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """A shared option given after the command: it replaces what the root group set."""
    obj = ctx.find_object(Context)
    if obj is None or value is None or value is False:
        return
    if param.name == "books_option":
        obj.books_option = value
    elif param.name == "as_of":
        obj.as_of = optional_date(ctx, param, value) or obj.as_of
    elif param.name == "no_cache":
        obj.use_cache = False


def accept_global_options(command: click.Command) -> None:
    """Let every command under ``command`` take the shared options after its name too.

    Added once, to the finished command tree, so that no command declares them itself.
    """
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            accept_global_options(sub)
        return
    known = {opt for param in command.params for opt in param.opts}
    for flag, name, metavar, text in GLOBAL_OPTIONS:
        if flag in known:
            continue
        command.params.append(
            click.Option(
                [flag, name],
                metavar=metavar,
                is_flag=metavar is None,
                default=None if metavar else False,
                expose_value=False,
                callback=_after_the_command,
                help=text,
            )
        )


def warn_if_broken(books: Books) -> None:
    """Say on stderr when the books have errors, so results are read with care."""
    errors = sum(1 for d in books.diagnostics if d.severity.value == "error")
    if errors:
        say(f"warning: the books have {errors} error{'s' if errors != 1 else ''}; run `acct-tool check` for details", err=True)


def emit(text: str) -> None:
    """Write a view's output to stdout as is (views neutralise what they show)."""
    click.echo(text, nl=False)


def emit_fitted(text: str) -> None:
    """Write a table or text view for people to stdout, its long prose lines wrapped to the
    output's width (tables fit it already; see :func:`acct_tool.render.table.output_width`)."""
    from acct_tool.render.table import fit_lines

    emit(fit_lines(text))


def emit_document(data: bytes, fmt: str, out: Path | None, force: bool) -> None:
    """A rendered document to ``out`` (through the one atomic writer: an existing file
    only with ``force``) or to stdout; PDF is not written to a terminal."""
    from acct_tool.edit.files import WriteError, write_atomic

    if out is None:
        if fmt == "pdf" and sys.stdout.isatty():
            raise UsageError("a PDF is not shown in a terminal: pass --out FILE (or redirect the output to a file)")
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        write_atomic(out, data, force, durable=False)
    except WriteError as exc:
        raise UsageError(str(exc)) from None
    say(f"wrote {out}")


def say(message: str, *, err: bool = True) -> None:
    """One message line for the person at the terminal (stderr unless ``err=False``).

    Messages quote names and paths from the books, so control characters in them
    are shown as escapes.
    """
    click.echo(visible_lines(message), err=err)


if TYPE_CHECKING:  # generic in newer Click only; not subscriptable at run time in 8.1
    _ParamType = click.ParamType[str]
else:
    _ParamType = click.ParamType


class Text(_ParamType):
    """Free text from the command line, which must be UTF-8.

    Python hands argv bytes that are not UTF-8 over as lone surrogates
    (``b'\\xff'`` -> ``'\\udcff'``); such text cannot be written to a profile or a
    report, so it is refused here, as a usage error naming the option."""

    name = "text"  # shown as TEXT in help, like click's own string type

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = value if isinstance(value, str) else str(value)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            try:
                raw = text.encode("utf-8", "surrogateescape")
                shown = raw.decode("utf-8", "backslashreplace")
                where = f"byte 0x{raw[len(text[: exc.start].encode('utf-8', 'surrogateescape'))]:02x}"
            except UnicodeEncodeError:
                shown, where = text.encode("utf-8", "backslashreplace").decode("ascii"), f"character {exc.start + 1}"
            self.fail(f"'{shown}' is not UTF-8 text ({where}); check the encoding of the terminal or script that passed it", param, ctx)
        return text


TEXT = Text()


# --- names from the books: did-you-mean and shell completion ------------------------


def people(parties: Mapping[str, Party], *, owners: bool = False) -> set[str]:
    """Every account manager a profile names; with ``owners`` also everyone a profile names
    as the owner of a next step or a risk, or as who took part in an interaction for the firm."""
    out = {p.manager for p in parties.values() if p.manager}
    if owners:
        for p in parties.values():
            out.update(n for n in (*(i.by for i in p.interactions), *(r.owner for r in p.risks)) if n)
            out.update(i.next_step.owner for i in p.interactions if i.next_step is not None and i.next_step.owner)
    return out


def check_manager(parties: Mapping[str, Party], manager: str | None, *, owners: bool = False) -> None:
    """A usage error, with a did-you-mean, for a ``--manager`` no profile names (as a
    manager; with ``owners`` also as an owner, see :func:`people`)."""
    if manager is None:
        return
    known = people(parties, owners=owners)
    if manager not in known:
        from acct_tool.books.schema import did_you_mean

        hint = did_you_mean(manager, sorted(known))
        shown = ", ".join(sorted(known)) or "none"
        what = f"no profile names '{manager}' as a manager or owner" if owners else f"no party has manager '{manager}'"
        raise UsageError(f"--manager {manager}: {what}; {hint or f'known: {shown}'}")


def no_party(party_id: str, parties: Mapping[str, Party], diagnostics: Iterable[Diagnostic], folder: str) -> str:
    """The message for an id no loaded party has: why its profile failed to load, or the
    nearest id (did you mean ...?)."""
    from acct_tool.books.load import profile_load_errors, unknown_party
    from acct_tool.books.schema import did_you_mean

    found = list(diagnostics)
    message = unknown_party(party_id, found, folder)
    if profile_load_errors(party_id, found, folder) is None:
        near = [i for i in sorted(parties) if party_id.casefold() in i]
        hint = did_you_mean(party_id, sorted(parties)) or (f"did you mean '{near[0]}'?" if len(near) == 1 else None)
        message += f"; {hint}" if hint else "; `acct-tool clients list` lists the ids"
    return message


def check_parties(books: Books, ids: Sequence[str]) -> None:
    """A usage error naming every id in ``ids`` that no party has."""
    unknown = [p for p in ids if p not in books.parties]
    if unknown:
        raise UsageError("\n".join(no_party(u, books.parties, books.diagnostics, books.settings.profiles) for u in unknown))


def profile_to_edit(obj: Context, party_id: str, doing: str) -> tuple[Path, Party]:
    """The books root and the party whose profile a command is about to edit; an unknown id
    is a usage error, a profile with errors is refused (exit 1) with them."""
    from acct_tool.books.load import profile_load_errors
    from acct_tool.books.profiles import load_parties
    from acct_tool.books.settings import load_settings

    root = obj.root()
    settings, _ = load_settings(root)
    parties, problems = load_parties(root, settings.profiles)
    party = parties.get(party_id)
    if party is not None:
        return root, party
    broken = profile_load_errors(party_id, problems, settings.profiles)
    if broken is None:
        raise UsageError(no_party(party_id, parties, problems, settings.profiles))
    refuse_edit(broken[1], broken[0], doing)
    raise AssertionError("unreachable")  # refuse_edit exits


def refuse_edit(problems: list[Diagnostic], display: str, doing: str) -> None:
    """Say why a profile is not edited (its errors) and exit 1."""
    from acct_tool.diagnostics import sort_diagnostics
    from acct_tool.render import diagnostics as diagnostics_view

    errors = sort_diagnostics(d for d in problems if d.severity.value == "error")
    click.echo(diagnostics_view.to_text(errors), err=True, nl=False)
    say(f"error: {display} has errors; fix them (acct-tool check) before {doing}")
    sys.exit(EXIT_FINDINGS)


def run_profile_edit(edit: Callable[[], EditResult], display: str, doing: str, would: str) -> EditResult:
    """Run one profile edit (``log``, ``done``) and turn what can go wrong into exits: a file
    that cannot be edited or written is a usage error; an edit that would make the profile
    invalid was rolled back (exit 1, with why); a profile with errors was refused (exit 1).
    ``would`` says what was attempted ("the new interaction"), ``doing`` what the refusal
    interrupted ("logging to it")."""
    from acct_tool.diagnostics import sort_diagnostics
    from acct_tool.edit.files import WriteError
    from acct_tool.edit.interaction_text import EditError
    from acct_tool.render import diagnostics as diagnostics_view

    try:
        result = edit()
    except EditError as exc:
        raise UsageError(f"cannot edit {display}: {exc}") from None
    except WriteError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot write {display}: {exc.strerror or exc}") from None
    if result.restored:
        click.echo(diagnostics_view.to_text(sort_diagnostics(result.errors)), err=True, nl=False)
        say(f"error: {would} would make {display} invalid; the file is unchanged")
        sys.exit(EXIT_FINDINGS)
    if not result.written:
        refuse_edit(list(result.errors), display, doing)
    return result
