"""New files in the books: the repository ``init`` writes, and the profile ``clients new`` writes.

Existing files are never overwritten; every write is atomic.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from acct_tool.books.schema import validate
from acct_tool.books.settings import Settings
from acct_tool.books.yamlsource import parse_yaml
from acct_tool.diagnostics import Diagnostic
from acct_tool.edit.files import WriteError, check_target, write_atomic

#: Where `acct-tool init` puts the party schema, relative to the books root.
PARTY_SCHEMA = ".schema/party.schema.json"


# --- a new books repository -------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    path: str
    kept: bool


def check_scaffold_targets(directory: Path, files: dict[str, str]) -> None:
    """Raise :class:`~acct_tool.edit.files.WriteError` when a folder, FIFO or device sits where a file goes.

    Called before anything is written, so a refused scaffold leaves no half-written books."""
    for relative in files:
        if (directory / relative).exists():
            check_target(directory / relative, force=True)


def write_scaffold(directory: Path, files: dict[str, str]) -> list[Written]:
    """Write every file of ``files`` (relative path -> text) that does not exist yet; keep the others.

    Raises :class:`~acct_tool.edit.files.WriteError` when one cannot be written."""
    written: list[Written] = []
    for relative, text in files.items():
        target = directory / relative
        if target.exists() or target.is_symlink():
            written.append(Written(relative, kept=True))
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, text)
        except WriteError:
            raise
        except OSError as exc:
            raise WriteError(f"cannot write {target}: {exc.strerror or exc}") from None
        written.append(Written(relative, kept=False))
    return written


# --- a new profile -----------------------------------------------------------------------------------


def account_part(party_id: str) -> str:
    """``harbor-logistics`` -> ``HarborLogistics``: an id as one Beancount account component."""
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[-_]+", party_id) if word)


def new_accounts(settings: Settings, party_id: str, kind: str, status: str) -> dict[str, str]:
    """The ledger accounts of a new party (role -> account): none for a prospect."""
    accounts: dict[str, str] = {}
    if status != "prospect":
        if kind in ("client", "both"):
            accounts["receivable"] = f"{settings.receivable_root}:{account_part(party_id)}"
        if kind in ("vendor", "both"):
            accounts["payable"] = f"{settings.payable_root}:{account_part(party_id)}"
    return accounts


def new_profile(
    party_id: str,
    name: str,
    kind: str,
    status: str,
    manager: str | None,
    since: datetime.date,
    accounts: dict[str, str],
    schema_ref: str,
    schema_missing: bool,
) -> str:
    """The text of a new profile: a schema header for editors, then the essentials."""

    def scalar(value: str) -> str:
        plain = re.fullmatch(r"[^\W\d_][\w .,&'()/+-]*", value) and ": " not in value and " #" not in value
        return value if plain and yaml.safe_load(value) == value else json.dumps(value, ensure_ascii=False)

    lines = [f"# yaml-language-server: $schema={schema_ref}"]
    if schema_missing:
        lines.append(f"# (for editor validation, write the schema once: acct-tool schema party > {PARTY_SCHEMA})")
    lines += [
        "# Reference: `acct-tool schema party`, or docs/profiles.md of acct-tool.",
        f"id: {party_id}",
        f"name: {scalar(name)}",
        f"kind: {kind}",
        f"status: {status}",
    ]
    if kind != "vendor":
        lines.append("tier: standard                # key | strategic | standard: sets the check-in cadence")
    if manager:
        lines.append(f"manager: {manager}")
    lines.append(f"since: {since.isoformat()}")
    if accounts:
        lines.append("accounts:")
        lines += [f"  {role}: {account}" for role, account in accounts.items()]
    lines += [
        "# contacts:",
        "#   - {name: Jane Doe, role: CFO, email: jane@example.com, decision_maker: true, billing: true}",
        "# terms: {payment_days: 30}",
    ]
    return "\n".join(lines) + "\n"


def profile_problems(text: str, display: str) -> list[Diagnostic]:
    """What is wrong with a profile's text (YAML, then the schema); empty when it is valid."""
    doc, problems = parse_yaml(text, display)
    if doc is not None:
        problems += validate(doc, "party")[0]
    return problems
