"""``docs/cli.md``, generated from every command's ``--help``.

Walks the Click command tree from the root group and prints each command's help
exactly as ``acct-tool ... --help`` shows it, at a fixed width so that the page
does not depend on the terminal. ``tests/test_docs.py`` compares the committed
file with the output. Regenerate it with
``python -m acct_tool.render.cli_doc > docs/cli.md``.
"""

from __future__ import annotations

from collections.abc import Iterator

import click

#: The width help is rendered at, whatever the terminal (matches the root group's max_content_width).
WIDTH = 100

INTRO = """\
# Command reference

Every command's `--help`, as the installed version prints it. The options
every command shares (`--books`, `--as-of`, `--no-cache`) go before the command
name or after it: `acct-tool --as-of 2026-11-30 aging ar` and
`acct-tool aging ar --as-of 2026-11-30` are the same; given in both places, the
one after the command wins. `$ACCT_TOOL_BOOKS` stands in for `--books` when
neither is given.

This page is generated from the code
(`python -m acct_tool.render.cli_doc > docs/cli.md`); do not edit it by hand.
"""


def walk(command: click.Command, ctx: click.Context) -> Iterator[tuple[click.Command, click.Context]]:
    """``command`` and every command under it, depth first, subcommands in name order."""
    yield command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            yield from walk(sub, _context(sub, name, ctx))


def _context(command: click.Command, name: str, parent: click.Context | None) -> click.Context:
    """A context like the one Click makes to run ``command``, at the fixed width."""
    settings = {**command.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
    return click.Context(command, info_name=name, parent=parent, **settings)


def commands(root: click.Command, prog: str = "acct-tool") -> list[tuple[str, click.Command, str]]:
    """``(command path, command, help text)`` for ``root`` and every command under it."""
    return [(ctx.command_path, command, command.get_help(ctx)) for command, ctx in walk(root, _context(root, prog, None))]


def _anchor(path: str) -> str:
    return path.replace(" ", "-")


def render(root: click.Command, prog: str = "acct-tool") -> str:
    """The Markdown page: a contents list, then one section per command with its help."""
    found = commands(root, prog)
    parts = [INTRO, "\n## Contents\n\n"]
    for path, command, _help in found:
        depth = path.count(" ")
        summary = command.get_short_help_str(limit=80)
        parts.append(f"{'  ' * max(depth - 1, 0)}- [`{path}`](#{_anchor(path)}) — {summary}\n")
    for path, _command, text in found:
        parts.append(f"\n## `{path}`\n\n```text\n{text.rstrip()}\n```\n")
    return "".join(parts)


def main() -> None:
    from acct_tool.cli import cli

    print(render(cli), end="")


if __name__ == "__main__":
    main()
