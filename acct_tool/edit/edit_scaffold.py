"""New files in the books: the repository ``init`` writes, and the profile ``clients new`` writes.

Existing files are never overwritten; every write is atomic.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from acct_tool.books.schema import load_schema, validate
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


#: A Beancount account name, as profiles must spell it (the schema's pattern).
ACCOUNT = re.compile(load_schema("party")["$defs"]["account"]["pattern"])


def account_problem(account: str, roots: Collection[str]) -> str | None:
    """Why ``account`` cannot be written as a party's ledger account (``roots``: the
    ledger's root account names), or None when it can."""
    if not ACCOUNT.match(account):
        return "is not a Beancount account name: capitalised components joined by ':', like Assets:Receivable:Acme"
    if account.split(":")[0] not in roots:
        return f"does not start with one of the ledger's root accounts ({', '.join(roots)})"
    return None


def ledger_account(root: str, part: str, known: Collection[str]) -> str:
    """The account named ``part`` under ``root``: the ledger's own spelling when one of the
    ``known`` accounts under ``root`` has ``part`` as its last component ignoring case
    (``Liabilities:Payable:IRD`` for ``Ird``; the shallowest, then the first by name,
    when several do), else ``root:part``."""
    folded = part.casefold()
    found = [a for a in known if a.startswith(f"{root}:") and a.rsplit(":", 1)[-1].casefold() == folded]
    return min(found, key=lambda a: (a.count(":"), a != f"{root}:{part}", a), default=f"{root}:{part}")


def new_accounts(
    settings: Settings,
    party_id: str,
    kind: str,
    status: str,
    *,
    given: Mapping[str, str] | None = None,
    known: Collection[str] = (),
) -> dict[str, str]:
    """The ledger accounts of a new party (role -> account): none for a prospect.

    An account ``given`` for a role is taken as it is; otherwise the account is
    named after the id under the role's root, spelt as the ledger spells it when
    one of the ``known`` accounts matches (see :func:`ledger_account`)."""
    given = given or {}
    accounts: dict[str, str] = {}
    if status != "prospect":
        roles = [("receivable", settings.receivable_root)] if kind in ("client", "both") else []
        roles += [("payable", settings.payable_root)] if kind in ("vendor", "both") else []
        for role, root in roles:
            accounts[role] = given.get(role) or ledger_account(root, account_part(party_id), known)
    return accounts


def first_posting(accounts: Iterable[str], first_dates: Mapping[str, datetime.date]) -> datetime.date | None:
    """The date of the earliest posting to any of ``accounts``, or None when they have none."""
    return min((first_dates[a] for a in accounts if a in first_dates), default=None)


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
