"""``acct-tool check`` and ``acct-tool schema``: the books checked, and the schemas they are checked against."""

from __future__ import annotations

import json
import sys
from dataclasses import replace

import click

from acct_tool.books.schema import SCHEMAS, load_schema
from acct_tool.checks.findings import findings
from acct_tool.cli.common import EXIT_FINDINGS, EXIT_OK, PARTY_POSTINGS, Context, emit, format_option
from acct_tool.diagnostics import has_errors
from acct_tool.render import diagnostics as diagnostics_view


@click.command()
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
    books = obj.books(lambda settings: replace(PARTY_POSTINGS, accounts=frozenset({settings.statements.counter_account})))
    found = findings(books)
    if fmt == "json":
        emit(diagnostics_view.to_json(found))
    elif fmt == "github":
        emit(diagnostics_view.to_github(found, books.root))
    else:
        emit(diagnostics_view.to_text(found))
    sys.exit(EXIT_FINDINGS if has_errors(found, strict=strict) else EXIT_OK)


@click.command()
@click.argument("name", type=click.Choice(SCHEMAS), default="party")
def schema(name: str) -> None:
    """Print the JSON Schema of profiles (party) or of acct-tool.yaml (settings).

    Point your editor at it to validate and autocomplete profiles, e.g. with a
    `# yaml-language-server: $schema=party.schema.json` line.

    Example: acct-tool schema party > party.schema.json
    """
    click.echo(json.dumps(load_schema(name), indent=2, ensure_ascii=False))
