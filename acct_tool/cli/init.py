"""``acct-tool init DIR``: a new books repository that passes ``check`` at once.

The files come from ``acct_tool/scaffold/`` (``*.j2`` are Jinja templates,
the rest are copied as they are). Their dates are relative to the as-of date,
so the example transactions are recent and ``--as-of`` makes the output
reproducible. Nothing is overwritten: ``--force`` only lets ``init`` write into
a folder that already holds files, and keeps every file that exists.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import click

from acct_tool import __version__
from acct_tool.cli.common import Context, UsageError, say, TEXT
from acct_tool.files import WriteError, check_target, write_atomic
from acct_tool.schema import SCHEMAS, load_schema

#: Where each scaffold file goes in the books, in the order they are written.
FILES: tuple[tuple[str, str], ...] = (
    ("acct-tool.yaml.j2", "acct-tool.yaml"),
    ("main.beancount.j2", "ledger/main.beancount"),
    ("client.yaml.j2", "clients/acme.yaml"),
    ("vendor.yaml.j2", "clients/hostco.yaml"),
    ("gitignore", ".gitignore"),
    ("pre-commit-config.yaml", ".pre-commit-config.yaml"),
    ("workflow.yml.j2", ".github/workflows/books.yml"),
)

#: The JSON Schemas go here, so that editors validate profiles and settings
#: (each scaffold YAML file names its schema in a `yaml-language-server` line).
SCHEMA_FOLDER = ".schema"


def _pattern(schema: str, name: str) -> re.Pattern[str]:
    """A value type's pattern from a schema's ``$defs``, so that init accepts what check accepts."""
    return re.compile(load_schema(schema)["$defs"][name]["pattern"])


@dataclass(frozen=True)
class Written:
    path: str
    kept: bool


def scaffold_dates(today: datetime.date) -> dict[str, datetime.date]:
    """The example transactions' dates: all on or before ``today``; due dates may be later."""

    def ago(days: int) -> datetime.date:
        return today - datetime.timedelta(days=days)

    start = ago(100).replace(day=1)
    invoice1, bill1, invoice2, bill2 = ago(70), ago(65), ago(8), ago(3)
    return {
        "start": start,
        "opening": start,
        "invoice1": invoice1,
        "invoice1_due": invoice1 + datetime.timedelta(days=30),
        "bill1": bill1,
        "bill1_due": bill1 + datetime.timedelta(days=15),
        "bill1_paid": ago(52),
        "credit_note": ago(50),
        "rent": ago(45),
        "payment1": ago(38),
        "balance": ago(30),
        "kickoff": ago(10),
        "next_step": today + datetime.timedelta(days=14),
        "invoice2": invoice2,
        "invoice2_due": invoice2 + datetime.timedelta(days=30),
        "bill2": bill2,
        "bill2_due": bill2 + datetime.timedelta(days=15),
        "renewal": datetime.date(start.year + 1, start.month, 1),
    }


def render_scaffold(today: datetime.date, *, title: str, currency: str = "USD", manager: str = "me") -> dict[str, str]:
    """Every file of a new books folder: relative path -> text."""
    import jinja2  # only init renders the scaffold; keep it out of every other command's start-up

    folder = resources.files("acct_tool").joinpath("scaffold")
    env = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False)
    context: dict[str, Any] = {
        "d": scaffold_dates(today),
        "title": "".join(ch for ch in title if ch.isprintable() and ch not in '\\"') or "Books",
        "currency": currency,
        "manager": manager,
        "version": __version__,
    }
    files: dict[str, str] = {}
    for source, target in FILES:
        text = folder.joinpath(source).read_text("utf-8")
        files[target] = env.from_string(text).render(context) if source.endswith(".j2") else text
    for name in SCHEMAS:
        files[f"{SCHEMA_FOLDER}/{name}.schema.json"] = json.dumps(load_schema(name), indent=2, ensure_ascii=False) + "\n"
    return files


def _is_empty(folder: Path) -> bool:
    """True when ``folder`` holds nothing, or nothing but a ``.git`` (``git init`` first is fine)."""
    return all(entry.name == ".git" for entry in folder.iterdir())


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

    Example: acct-tool init books && cd books && acct-tool check && git init && pre-commit install
    """
    if not _pattern("settings", "currency").match(currency):
        raise UsageError(f"--currency '{currency}' is not a currency code like USD")
    if not _pattern("party", "slug").match(manager):
        raise UsageError(f"--manager '{manager}' is not a lowercase slug like 'lan' (a-z, 0-9, '-', '_')")
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} exists and is not a folder")
    try:
        if directory.is_dir() and not _is_empty(directory) and not force:
            raise UsageError(f"{directory} is not empty; pass --force to add the books files to it (existing files are kept)")
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot use {directory}: {exc.strerror or exc}") from None
    title = directory.resolve().name or "Books"
    scaffold = render_scaffold(obj.as_of, title=title, currency=currency, manager=manager)
    for relative in scaffold:  # a folder, FIFO or device where a file goes: refused before anything is written
        try:
            if (directory / relative).exists():
                check_target(directory / relative, force=True)
        except WriteError as exc:
            raise UsageError(f"{exc}; move it away, or create the books in another folder") from None
    written: list[Written] = []
    for relative, text in scaffold.items():
        target = directory / relative
        if target.exists() or target.is_symlink():
            written.append(Written(relative, kept=True))
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, text)
        except WriteError as exc:
            raise UsageError(str(exc)) from None
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
        written.append(Written(relative, kept=False))
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
