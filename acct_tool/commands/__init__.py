"""Command modules: each attaches its Click commands to the groups defined in :mod:`acct_tool.cli`.

Also the pieces they share: the parameter type of free text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

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
