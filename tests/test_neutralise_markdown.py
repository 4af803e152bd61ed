"""Markdown output escapes HTML and markup in every user string, the same way everywhere.

A forge renders the Markdown of a pull request or an issue: ``<script>`` in a profile
name must come out as text, not as a tag. ``statement --format md`` and the review
templates' ``md`` filter share one escaping function.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from conftest import run_cli

from acct_tool.render import template_filters, text_safety

Books = Callable[..., Path]

SCRIPT = "<script>alert(1)</script>"
UNESCAPED_TAG = re.compile(r"(?<!\\)<")

PROFILE = f"""\
id: acme
name: '{SCRIPT}'
kind: client
status: active
tier: key
manager: lan
accounts: {{receivable: Assets:Receivable:Acme}}
contacts:
  - {{name: Mai Tran, role: CFO, email: mai@acme.example, decision_maker: true}}
"""

LEDGER = """\
2025-01-01 open Assets:Receivable:Acme USD

2026-09-01 * "ACME" "<b>bold</b> work | more"
  invoice: "<img src=x onerror=alert(1)>"
  due: 2026-10-01
  Assets:Receivable:Acme     1000.00 USD
  Income:Services
"""


def statement_md(books: Books) -> str:
    root = books(ledger=LEDGER, profiles={"acme": PROFILE})
    result = run_cli("statement", "acme", "--from", "2026-09-01", "--format", "md", books=root, as_of="2026-11-30")
    assert result.exit_code == 0, result.stderr
    return result.output


def test_statement_md_escapes_html_in_the_party_name(books: Books) -> None:
    output = statement_md(books)
    assert not UNESCAPED_TAG.search(output)
    assert output.splitlines()[0] == "# Statement of account: \\<script\\>alert(1)\\</script\\> (acme)"


def test_statement_md_escapes_html_in_document_numbers(books: Books) -> None:
    output = statement_md(books)
    assert not UNESCAPED_TAG.search(output)
    assert "\\<img src=x onerror=alert(1)\\>" in output
    rows = [line for line in output.splitlines() if "img" in line]
    assert rows and all(line.startswith("| ") and line.endswith(" |") for line in rows)


def test_statement_md_tables_keep_their_columns(books: Books) -> None:
    output = statement_md(books)
    header = next(line for line in output.splitlines() if line.startswith("| date"))
    body = [line for line in output.splitlines() if line.startswith("| 2026-09-01")]
    assert body
    assert all(line.replace("\\|", "").count("|") == header.count("|") for line in body)


def test_templates_and_views_share_one_escaping_function() -> None:
    assert template_filters.FILTERS["md"] is text_safety.markdown
    assert text_safety.markdown("a <b> | *c*") == "a \\<b\\> \\| \\*c\\*"
