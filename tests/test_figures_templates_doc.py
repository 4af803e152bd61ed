"""docs/templates.md is generated from the review records, and `review --format json` prints that context.

Regenerate the page with ``python -m acct_tool.render.templates_doc > docs/templates.md``
(or run this file with ``ACCT_TOOL_REGEN=1``).
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, cast

from conftest import EXAMPLES, EXAMPLES_AS_OF, REPO, run_cli

from acct_tool.engines import review_records
from acct_tool.render import templates_doc

PAGE = REPO / "docs" / "templates.md"


def test_templates_page_is_generated_from_the_records() -> None:
    text = templates_doc.render()
    if os.environ.get("ACCT_TOOL_REGEN"):
        PAGE.write_text(text, encoding="utf-8")
    assert PAGE.read_text(encoding="utf-8") == text, "docs/templates.md is stale: run `python -m acct_tool.render.templates_doc > docs/templates.md`"


def test_every_record_field_is_on_the_page() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for cls in review_records.RECORDS + review_records.FIRM_RECORDS:
        assert f"### `{cls.__name__}`" in text
        for f in dataclasses.fields(cast(Any, cls)):
            assert f"| `{f.name.rstrip('_')}` |" in text


def test_review_format_json_prints_every_review_portfolio_and_the_index() -> None:
    result = run_cli("review", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert set(data) == {"clients", "portfolios", "index", "firm"}
    assert set(data["portfolios"]) == {"lan", "priya", "tom"}
    assert "harbor-logistics" in data["clients"]
    harbor = data["clients"]["harbor-logistics"]
    assert {f.name.rstrip("_") for f in dataclasses.fields(review_records.ClientReview)} == set(harbor)
    assert harbor["period"]["label"] == "2026-Q4 to date"
    assert harbor["relationship"]["interactions"][0]["with"]
    assert next(c["id"] for c in data["index"]["clients"]) == "harbor-logistics"
