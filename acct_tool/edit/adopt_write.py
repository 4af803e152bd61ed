"""The files ``acct-tool adopt`` writes: ``acct-tool.yaml`` and one profile per party, from a proposal.

:func:`ledger_candidates` finds the ledger of a folder that is not yet books
(the main file: one that no other includes); :func:`proposal_files` renders the
proposal of :mod:`acct_tool.engines.adopt` as YAML that ``acct-tool check``
accepts, each key commented with what it means and why it has its value;
:func:`write_proposal` writes them through :func:`~acct_tool.edit.files.write_atomic`,
the profiles first and the settings last, so that the folder becomes books only
once everything is in place. The ledger is never written, and no file is
overwritten without ``force``.
"""

from __future__ import annotations

import glob
import json
import os
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from acct_tool.books.settings import SETTINGS_FILE, Settings
from acct_tool.diagnostics import Diagnostic
from acct_tool.edit.files import WriteError, check_target, write_atomic
from acct_tool.engines.adopt import Proposal, ProposedParty
from acct_tool.render.text_safety import json_text, visible

#: Where a ledger is looked for, in this order: the folder itself, then its ``ledger/``.
LEDGER_FOLDERS = (".", "ledger")

_INCLUDE = re.compile(r'^include\s+"([^"]+)"', re.MULTILINE)


# --- the ledger of the folder ------------------------------------------------------------------------------


def ledger_files(root: Path) -> list[str]:
    """Every ``*.beancount`` file in ``root`` and in ``root/ledger`` (relative paths), hidden files aside."""
    found: list[str] = []
    for folder in LEDGER_FOLDERS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.glob("*.beancount")):
            if path.is_file() and not path.name.startswith("."):
                found.append(path.relative_to(root).as_posix())
    return found


def ledger_candidates(root: Path) -> list[str]:
    """The main ledger files of ``root``: its ``*.beancount`` files (else those in ``ledger/``) that no other of them includes."""
    files = ledger_files(root)
    for folder in LEDGER_FOLDERS:
        here = [f for f in files if (Path(f).parent.as_posix() or ".") == folder]
        if here:
            included = set().union(*(_included(root / f) for f in here))
            return [f for f in here if os.path.realpath(root / f) not in included] or here
    return []


def _included(path: Path) -> set[str]:
    """The real paths of the files ``path`` includes (globs expanded)."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            names = [m.group(1) for line in handle if line.startswith("include") for m in [_INCLUDE.match(line)] if m]
    except OSError:
        return set()
    out: set[str] = set()
    for name in names:
        pattern = name if os.path.isabs(name) else str(path.parent / name)
        out.update(os.path.realpath(p) for p in glob.glob(pattern))
    return out


# --- YAML --------------------------------------------------------------------------------------------------


def _scalar(value: str) -> str:
    """``value`` as a YAML scalar that reads back as the same text: plain when that is safe, else quoted."""
    plain = re.fullmatch(r"[^\W\d_][\w .,:&'()/+-]*", value) and ": " not in value and " #" not in value and value == value.strip()
    if plain and yaml.safe_load(value) == value:
        return value
    if value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value)  # ASCII, with every control character escaped


def _flow(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(_scalar(v) for v in values) + "]"


def _comment(text: str) -> list[str]:
    return textwrap.wrap(text, width=88, initial_indent="# ", subsequent_indent="# ", break_on_hyphens=False, break_long_words=False)


@dataclass(frozen=True)
class AdoptFile:
    """One file of the proposal: where it goes (relative to the books root) and its text."""

    path: str
    text: str
    data: dict[str, Any]


def settings_data(proposal: Proposal, ledger: str, profiles: str) -> dict[str, Any]:
    """The keys of the proposed ``acct-tool.yaml``, as they read back."""
    data: dict[str, Any] = {
        "ledger": ledger,
        "profiles": profiles,
        "receivable_root": proposal.receivable_root,
        "payable_root": proposal.payable_root,
        "operating_currency": proposal.operating_currency,
    }
    if proposal.control_accounts:
        data["control_accounts"] = [c.account for c in proposal.control_accounts]
    if proposal.document_keys:
        data["document_keys"] = list(proposal.document_keys)
    if proposal.document_pattern:
        data["document_pattern"] = proposal.document_pattern
    return data


def settings_text(proposal: Proposal, ledger: str, profiles: str) -> str:
    """The proposed ``acct-tool.yaml``: a header, then each key with what it means and why it has this value."""
    data = settings_data(proposal, ledger, profiles)
    why = proposal.reasons
    party_keys = ", ".join(f"{k}:" for k in Settings().party_keys)
    lines = _comment(f"acct-tool settings, written by `acct-tool adopt` from {visible(ledger)}.")
    lines += ["#"]
    lines += _comment(
        "adopt read the ledger and proposed the keys below; each comment says what the key means and why it has "
        "this value. Review them and the profiles, then run `acct-tool check`. The ledger itself was not changed. "
        "This file marks the books folder; every key has a default. Reference: `acct-tool schema settings`, or "
        "docs/settings.md of acct-tool."
    )
    lines += ["", *_comment("The main Beancount file, relative to this folder; it may `include` others."), f"ledger: {_scalar(ledger)}"]
    lines += ["", *_comment("The folder with one YAML profile per client or vendor (file name == id)."), f"profiles: {_scalar(profiles)}"]
    lines += [
        "",
        *_comment(f"Receivables are this account or accounts under it: {why.get('receivable_root', '')}."),
        f"receivable_root: {proposal.receivable_root}",
    ]
    lines += ["", *_comment(f"Payables are this account or accounts under it: {why.get('payable_root', '')}."), f"payable_root: {proposal.payable_root}"]
    lines += [
        "",
        *_comment(f"Currency of totals; amounts in other currencies are never added to it ({why.get('operating_currency', '')})."),
        f"operating_currency: {_scalar(proposal.operating_currency)}",
    ]
    if "control_accounts" in data:
        lines += [
            "",
            *_comment(
                "Accounts shared by several parties: a posting there belongs to the party its metadata "
                f"({party_keys}) or its payee names, matched against each profile's name and aliases. "
                f"{why.get('control_accounts', '')}."
            ),
            f"control_accounts: {_flow(tuple(data['control_accounts']))}",
        ]
    if "document_keys" in data:
        lines += [
            "",
            *_comment(f"Further metadata keys holding a document number, read after links and invoice:/bill: metadata: {why.get('document_keys', '')}."),
            f"document_keys: {_flow(tuple(data['document_keys']))}",
        ]
    if "document_pattern" in data:
        lines += [
            "",
            *_comment(
                "The first match of this regular expression in a narration is the document number when links and metadata "
                f"give none; a payment's matches name the documents it pays. Found: {why.get('document_pattern', '')}."
            ),
            f"document_pattern: {_scalar(data['document_pattern'])}",
        ]
    return "\n".join(lines) + "\n"


def profile_data(party: ProposedParty) -> dict[str, Any]:
    """The keys of a proposed profile, as they read back."""
    data: dict[str, Any] = {"id": party.id, "name": party.name}
    if party.aliases:
        data["aliases"] = list(party.aliases)
    data["kind"] = party.kind
    data["status"] = "active"
    if party.since:
        data["since"] = party.since.isoformat()
    if party.currencies:
        data["currencies"] = list(party.currencies)
    accounts = {role: account for role, account in (("receivable", party.receivable), ("payable", party.payable)) if account}
    if accounts:
        data["accounts"] = accounts
    return data


def profile_text(party: ProposedParty) -> str:
    """A proposed profile: where it comes from, then the essentials."""
    data = profile_data(party)
    lines = _comment(f"Written by `acct-tool adopt`: {party.why}, {party.postings} posting{'s' if party.postings != 1 else ''}.")
    lines += _comment("Review the name, kind and aliases. Reference: `acct-tool schema party`, or docs/profiles.md of acct-tool.")
    lines += [f"id: {_scalar(party.id)}", f"name: {_scalar(party.name)}"]
    if party.aliases:
        lines += ["# other spellings of the name in the ledger's payees and party metadata", "aliases:"]
        lines += [f"  - {_scalar(alias)}" for alias in party.aliases]
    lines += [f"kind: {party.kind}", "status: active"]
    if party.since:
        lines.append(f"since: {party.since.isoformat()}                # the first posting")
    if party.currencies:
        lines.append(f"currencies: {_flow(party.currencies)}")
    if "accounts" in data:
        lines.append("accounts:")
        lines += [f"  {role}: {account}" for role, account in data["accounts"].items()]
    lines += [
        "# contacts:",
        "#   - {name: Jane Doe, role: CFO, email: jane@example.com, decision_maker: true, billing: true}",
        "# terms: {payment_days: 30}",
    ]
    return "\n".join(lines) + "\n"


def proposal_files(proposal: Proposal, ledger: str, profiles: str = "clients") -> list[AdoptFile]:
    """Every file of the proposal, in the order they are written: the profiles, then the settings."""
    folder = profiles.strip("/") or "."
    files = [AdoptFile(f"{folder}/{p.id}.yaml" if folder != "." else f"{p.id}.yaml", profile_text(p), profile_data(p)) for p in proposal.parties]
    files.append(AdoptFile(SETTINGS_FILE, settings_text(proposal, ledger, profiles), settings_data(proposal, ledger, profiles)))
    return files


# --- writing -----------------------------------------------------------------------------------------------


def refusals(root: Path, files: list[AdoptFile], force: bool) -> list[str]:
    """Why each file that cannot be written is refused (it exists and there is no ``force``, or it is not a regular file)."""
    out = []
    for item in files:
        try:
            check_target(root / item.path, force, shown=item.path)
        except WriteError as exc:
            out.append(str(exc))
    return out


def existing(root: Path, files: list[AdoptFile]) -> set[str]:
    """The files of the proposal that exist already."""
    return {item.path for item in files if os.path.lexists(root / item.path)}


def write_proposal(root: Path, files: list[AdoptFile], force: bool = False) -> list[str]:
    """Write every file (the profiles, then the settings); return their paths.

    Raises :class:`~acct_tool.edit.files.WriteError` before writing anything when a
    file may not be written, and when one cannot be."""
    refused = refusals(root, files, force)
    if refused:
        raise WriteError("; ".join(refused))
    written = []
    for item in files:
        target = root / item.path
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WriteError(f"cannot create {target.parent}: {exc.strerror or exc}") from None
        write_atomic(target, item.text, force, shown=item.path)
        written.append(item.path)
    return written


# --- the proposal as JSON ----------------------------------------------------------------------------------


def proposal_json(proposal: Proposal, ledger: str, files: list[AdoptFile], exists: set[str], diagnostics: list[Diagnostic], written: bool) -> str:
    """The proposal, the files with their text and data, and the ledger's diagnostics, as JSON."""
    doc = {
        "ledger": ledger,
        "transactions": proposal.transactions,
        "settings": settings_data(proposal, ledger, files[-1].data.get("profiles", "clients")),
        "reasons": dict(proposal.reasons),
        "control_accounts": [{"account": c.account, "side": c.side, "parties": c.parties, "unknown_postings": c.unknown} for c in proposal.control_accounts],
        "parties": [{**profile_data(p), "postings": p.postings, "why": p.why} for p in proposal.parties],
        "notices": list(proposal.notices),
        "files": [{"path": f.path, "exists": f.path in exists, "written": written, "text": f.text} for f in files],
        "diagnostics": [d.to_dict() for d in diagnostics],
    }
    return json_text(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"
