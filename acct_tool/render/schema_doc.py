"""``docs/profiles.md`` and ``docs/settings.md``, generated from the JSON Schemas.

The schemas in ``acct_tool/schema/`` are what ``check`` validates against, so
the reference is rendered from them and cannot drift: ``tests/test_docs.py``
compares the committed pages with the output. Regenerate them with::

    python -m acct_tool.render.schema_doc party > docs/profiles.md
    python -m acct_tool.render.schema_doc settings > docs/settings.md
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from typing import Any

from acct_tool.books.schema import load_schema

Node = dict[str, Any]

PROFILES_INTRO = """\
# Profiles

Every client and vendor has one YAML file in the profiles folder (`clients/`
unless `profiles:` in `acct-tool.yaml` says otherwise); subfolders are allowed,
and files or folders whose name starts with `.` are skipped. The file name
without `.yaml` (or `.yml`) is the party's id and must equal its `id` key.
`acct-tool clients new ID --name NAME` writes a new one.

```yaml
# yaml-language-server: $schema=../.schema/party.schema.json
id: acme
name: ACME Manufacturing
kind: client
status: active
tier: key
manager: lan
accounts:
  receivable: Assets:Receivable:Acme
terms: {payment_days: 30, credit_limit: 50000 USD}
contract: {start: 2025-01-01, renewal: 2026-12-31, value: 120000 USD}
contacts:
  - {name: Mai Tran, role: CFO, email: mai@acme.example, decision_maker: true, billing: true}
interactions:
  - date: 2026-10-02
    channel: meeting
    with: Mai Tran
    summary: Quarterly review; SLA concerns
    sentiment: negative
    next_step: {action: Send revised SLA, due: 2026-10-09}
```

**Editors.** The first line tells editors that use the YAML language server
(VS Code's YAML extension, Neovim, Helix, JetBrains, ...) where the schema is, so
they validate the file and complete keys and values as you type.
`acct-tool init` writes the schema to `.schema/party.schema.json` in the books;
after upgrading acct-tool, refresh it with
`acct-tool schema party > .schema/party.schema.json`.

**Checks beyond the schema.** `acct-tool check` also reports an id that differs
from the file name (`id-mismatch`), two files with the same id
(`duplicate-id`), duplicate keys (`yaml-duplicate-key`), impossible dates, a
plan stakeholder who is not one of the contacts (`unknown-stakeholder`), and
the profile against the ledger: accounts that are never opened, claimed by two
profiles, or outside the receivable/payable root, and clients or vendors
without their account (see [diagnostics.md](diagnostics.md)). Unknown keys are
errors, with a "did you mean".

Amounts are `NUMBER CURRENCY` strings (`50000 USD`) read as exact decimals,
never as floating point. Dates are `YYYY-MM-DD`. Everything dated after the
as-of date (`--as-of`) is ignored, so the books can be read as of any day.
"""

SETTINGS_INTRO = """\
# Settings (acct-tool.yaml)

`acct-tool.yaml` marks the books folder: acct-tool walks up from the working
directory to the first folder holding one (as git finds `.git`), unless
`--books DIR` or `$ACCT_TOOL_BOOKS` says where the books are. Every key is
optional and has a default; an empty file is fine. Paths are relative to the
books folder and must stay inside it. `acct-tool init` writes a commented one,
with `# yaml-language-server: $schema=.schema/settings.schema.json` as its first
line so that editors validate it; `acct-tool schema settings` prints the schema.

```yaml
ledger: ledger/main.beancount
profiles: clients
payment_days: 30
aging_limits: [30, 60, 90]
cadence: {key: 14, strategic: 30, standard: 90}
statements:
  formats:
    northbank: {date: Date, amount: Amount, description: Description, reference: Reference, balance: Balance}
  files:
    - {match: "statements/northbank-*.csv", format: northbank, account: Assets:Bank:Operating}
```

Beyond the schema, `check` reports limits that do not increase
(`aging_limits: [60, 30]`), health bands where amber is above green, a
statement format with neither `amount` nor `debit` and `credit`, and a
`statements.files` entry naming a format that does not exist. See
[bank.md](bank.md) for statement formats and [health.md](health.md) for the
health score.
"""

FOOTER = """
---

This page is generated from the JSON Schema that `check` validates against
(`python -m acct_tool.render.schema_doc {name} > docs/{page}`); do not edit it by hand.
"""

PAGES = {"party": ("profiles.md", PROFILES_INTRO), "settings": ("settings.md", SETTINGS_INTRO)}


class _Schema:
    def __init__(self, schema: Node) -> None:
        self.schema = schema
        self.defs: dict[str, Node] = schema.get("$defs", {})

    def ref_name(self, node: Node) -> str | None:
        """The ``$defs`` name ``node`` refers to (directly or as the first part of an ``allOf``)."""
        if "$ref" in node:
            return str(node["$ref"]).rsplit("/", 1)[-1]
        for part in node.get("allOf", ()):
            name = self.ref_name(part)
            if name:
                return name
        return None

    def resolve(self, node: Node) -> Node:
        """``node`` merged over the definition it refers to (its own keys win)."""
        name = self.ref_name(node)
        if name is None:
            return node
        base = dict(self.resolve(self.defs[name]))
        base.update({k: v for k, v in node.items() if k not in ("$ref", "allOf")})
        return base

    def is_value_type(self, name: str | None) -> bool:
        """Scalar definitions (date, amount, ...) are named types; object definitions get a section."""
        return name is not None and self.defs[name].get("type") != "object"


def _yaml(value: Any) -> str:
    """A default value as it would be written in YAML flow style."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        plain = value and value.strip() == value and ": " not in value and value[0] not in "!&*{}[]|>'\"%@`#,?:-"
        return value if plain and value.isprintable() else json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def _code(text: str) -> str:
    return f"`{text}`" if text else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _range(node: Node) -> str:
    low, high = node.get("minimum"), node.get("maximum")
    if low is not None and high is not None:
        return f" {low}–{high}"
    if low is not None:
        return f" ≥ {low}"
    if high is not None:
        return f" ≤ {high}"
    return ""


class _Page:
    """Collects the tables of one schema: the top-level keys, then one per nested mapping."""

    def __init__(self, schema: Node) -> None:
        self.s = _Schema(schema)
        self.sections: list[tuple[str, str, Node]] = []

    def type_of(self, node: Node, path: str) -> str:
        """The Type column: a named value type, a choice, a list of ..., or a link to a nested section."""
        name = self.s.ref_name(node)
        if self.s.is_value_type(name):
            return f"[{name}](#value-types)"
        node = self.s.resolve(node)
        if "enum" in node:
            return "one of " + ", ".join(_code(_yaml(v)) for v in node["enum"])
        kinds = node.get("type")
        if isinstance(kinds, list):
            shown = [k for k in kinds if k != "null"]
            return " or ".join(self._simple(k, node, path) for k in shown)
        return self._simple(kinds, node, path)

    def _simple(self, kind: Any, node: Node, path: str) -> str:
        if kind == "array":
            items = node.get("items", {})
            inner = self.type_of(items, path + "[]").replace("whole number", "whole numbers")
            return ("list of entries" + inner.removeprefix("mapping")) if inner.startswith("mapping, see") else "list of " + inner
        if kind == "object" or "properties" in node:
            if "properties" in node:
                self.sections.append((path, node.get("description", ""), node))
                return f"mapping, see [`{path}`](#{slug(path)})"
            extra = node.get("additionalProperties")
            if isinstance(extra, dict):
                keys = node.get("propertyNames", {})
                key_name = "NAME" if "x-expect" not in keys else "YEAR" if "year" in keys["x-expect"] else "KEY"
                return f"mapping of {key_name} to " + self.type_of(extra, f"{path}.<{key_name.lower()}>")
            return "mapping"
        if kind == "integer":
            return "whole number" + _range(node)
        if kind == "number":
            return "number" + _range(node)
        if kind == "boolean":
            return "`true` or `false`"
        if kind == "string":
            if "x-expect" in node:
                return f"text ({node['x-expect']})"
            if "maxLength" in node and node.get("maxLength") == node.get("minLength"):
                return f"text of {node['maxLength']} character{'s' if node['maxLength'] != 1 else ''}"
            return "text"
        return "any value"

    def _notes(self, node: Node) -> str:
        resolved = self.s.resolve(node)
        name = self.s.ref_name(node)
        own = node.get("description") or ("" if self.s.is_value_type(name) else resolved.get("description", ""))
        notes = [own] if own else []
        notes += [f"Must be {part['x-expect']}." for part in node.get("allOf", ()) if "x-expect" in part and "$ref" not in part]
        if resolved.get("uniqueItems"):
            notes.append("No duplicates.")
        if resolved.get("type") == "array" and resolved.get("minItems"):
            notes.append(f"At least {resolved['minItems']}.")
        return " ".join(n if n.endswith(".") else n + "." for n in notes)

    def table(self, node: Node, path: str) -> str:
        """The table of a mapping's keys; nested mappings are queued as sections of their own."""
        required = set(node.get("required", ()))
        rows = []
        for key, child in node.get("properties", {}).items():
            child_path = f"{path}.{key}" if path else key
            resolved = self.s.resolve(child)
            kind = self.type_of(child, child_path)
            default = _code(_yaml(resolved["default"])) if "default" in resolved else ""
            rows.append(f"| `{key}` | {_cell(kind)} | {'yes' if key in required else ''} | {_cell(default)} | {_cell(self._notes(child))} |")
        return "| Key | Type | Required | Default | Description |\n|---|---|---|---|---|\n" + "\n".join(rows) + "\n"

    def value_types(self) -> str:
        rows = []
        for name, node in self.s.defs.items():
            if not self.s.is_value_type(name):
                continue
            about = node.get("description") or node.get("x-expect") or ("Any text that is not empty." if node.get("minLength") else "")
            form = f"`{node['pattern']}`" if "pattern" in node else ""
            if node.get("type") == ["string", "array"] or (isinstance(node.get("type"), list) and "array" in node["type"]):
                form = "one text, or a list of texts"
            example = ", ".join(f"`{e}`" for e in node.get("examples", ()))
            if not example and "x-expect" in node:
                found = re.search(r"like '?([^\s']+)", node["x-expect"])
                example = f"`{found.group(1).strip(chr(39))}`" if found else ""
            rows.append(f"| `{name}` | {_cell(about if about.endswith('.') or not about else about + '.')} | {_cell(form)} | {_cell(example)} |")
        if not rows:
            return ""
        return "## Value types\n\n| Type | Meaning | Form | Example |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"


def _sections(page: _Page, start: int, end: int) -> Iterator[str]:
    """The nested sections queued in ``page.sections[start:end]``, each followed by its own."""
    for index in range(start, end):
        path, about, node = page.sections[index]
        before = len(page.sections)
        table = page.table(node, path)
        item = path.endswith("[]")
        lead = f"Each entry of `{path[:-2]}`." if item else (about if about.endswith(".") or not about else about + ".")
        if "x-expect" in node:
            lead += f" Each must be {node['x-expect']}."
        yield f"## `{path}`\n\n" + (lead.strip() + "\n\n" if lead.strip() else "") + table
        yield from _sections(page, before, len(page.sections))


def render(name: str) -> str:
    """The Markdown page documenting the schema ``name`` (``party`` or ``settings``)."""
    page_name, intro = PAGES[name]
    schema = load_schema(name)
    page = _Page(schema)
    top = page.table(schema, "")
    parts = [intro, f"\n## Keys\n\n{schema.get('description', '')}\n\n{top}"]
    parts += ["\n" + section for section in _sections(page, 0, len(page.sections))]
    types = page.value_types()
    if types:
        parts.append("\n" + types)
    parts.append(FOOTER.format(name=name, page=page_name))
    return "".join(parts)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] not in PAGES:
        sys.exit(f"usage: python -m acct_tool.render.schema_doc {{{'|'.join(PAGES)}}}")
    print(render(args[0]), end="")


if __name__ == "__main__":
    main()
