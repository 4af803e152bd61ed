"""The files of a new books repository, rendered from ``acct_tool/scaffold/``.

``*.j2`` files are Jinja templates, the rest are copied as they are. Their dates
are relative to the given day, so the example transactions are recent and a fixed
day gives the same files. Rendering only: ``acct_tool.edit.edit_scaffold`` writes them.
"""

from __future__ import annotations

import datetime
import json
from importlib import resources
from typing import Any

from acct_tool import __version__
from acct_tool.books.schema import SCHEMAS, load_schema

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
