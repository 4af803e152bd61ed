"""Shell completion of the command line's arguments from the books: party ids, managers'
names and bank statement files. Completion never fails the shell: books that cannot be
read complete nothing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.shell_completion import CompletionItem

from acct_tool.books.load import BooksError, find_root
from acct_tool.cli.common import Context, people
from acct_tool.render.text_safety import visible_lines

if TYPE_CHECKING:
    from acct_tool.books.parties import Party


def _completion_root(ctx: click.Context) -> Path | None:
    """The books of a command line being completed (its --books, else the environment or
    the working directory), or None when there are none."""
    option = None
    for node in (ctx, *_parents(ctx)):
        obj = node.obj
        if isinstance(obj, Context) and obj.books_option:
            option = obj.books_option
        value = node.params.get("books_option")
        if isinstance(value, str) and value:
            option = value
    try:
        return find_root(option)
    except (BooksError, OSError):
        return None


def _parents(ctx: click.Context) -> Iterator[click.Context]:
    node = ctx.parent
    while node is not None:
        yield node
        node = node.parent


def _completion_parties(ctx: click.Context) -> dict[str, Party]:
    from acct_tool.books.profiles import load_parties
    from acct_tool.books.settings import load_settings

    root = _completion_root(ctx)
    if root is None:
        return {}
    settings, _ = load_settings(root)
    return load_parties(root, settings.profiles)[0]


def complete_party(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Shell completion of a party id from the books' profiles; nothing without books."""
    try:
        parties = _completion_parties(ctx)
    except Exception:  # completion never fails the shell: broken books complete nothing
        return []
    return [CompletionItem(i, help=visible_lines(p.name)) for i, p in sorted(parties.items()) if i.startswith(incomplete)]


def complete_manager(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Shell completion of ``--manager`` from the names the profiles give; nothing without books."""
    try:
        names = people(_completion_parties(ctx), owners=ctx.command.name == "followups")
    except Exception:  # completion never fails the shell
        return []
    return [CompletionItem(n) for n in sorted(names) if n.startswith(incomplete)]


#: Files looked at when completing a statement: a books folder full of files stays quick.
COMPLETION_FILE_LIMIT = 20_000


def complete_statement(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Shell completion of a bank statement: the files under the books that a
    ``statements.files`` glob matches, as paths from the working directory; the
    shell's own file completion when the books name none."""
    try:
        found = _statement_files(ctx)
    except Exception:  # completion never fails the shell
        found = []
    matching = [f for f in found if f.startswith(incomplete)]
    return [CompletionItem(f) for f in matching] if matching else [CompletionItem(incomplete, type="file")]


def _statement_files(ctx: click.Context) -> list[str]:
    from acct_tool.books.globs import glob_matches
    from acct_tool.books.settings import load_settings

    root = _completion_root(ctx)
    if root is None:
        return []
    settings, _ = load_settings(root)
    patterns = [f.match for f in settings.statements.files]
    if not patterns:
        return []
    here = Path.cwd()
    out: list[str] = []
    seen = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        seen += len(files)
        if seen > COMPLETION_FILE_LIMIT:
            break
        for name in sorted(files):
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix()
            if any(glob_matches(p, relative) for p in patterns):
                out.append(os.path.relpath(path, here))
    return sorted(out)
