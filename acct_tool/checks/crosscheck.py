"""Profiles checked against the ledger: accounts opened, claimed once, currencies allowed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from acct_tool.books.account_names import payable_root_of, receivable_root_of
from acct_tool.books.ledger import OpenFact as Open
from acct_tool.books.schema import dotted
from acct_tool.books.settings import SETTINGS_FILE
from acct_tool.diagnostics import Diagnostic, Location, diag

if TYPE_CHECKING:
    from acct_tool.books.ledger import Ledger
    from acct_tool.books.parties import Party
    from acct_tool.books.settings import Settings


def cross_check(ledger: Ledger, parties: Mapping[str, Party], settings: Settings) -> list[Diagnostic]:
    """Every profile checked against the ledger's opened and used accounts."""
    if ledger.failed:
        return []  # the ledger did not load; its own diagnostics say why
    opens = ledger.opens()
    out: list[Diagnostic] = []
    claims: dict[str, tuple[str, str]] = {}  # account -> (role, file) of the first party claiming it
    roots = {"receivable": settings.receivable_root, "payable": settings.payable_root}

    for party in parties.values():
        # An account that is present but invalid is reported by the schema already.
        if party.is_client and party.status != "prospect" and not party.receivable and not _declared(party, "accounts", "receivable"):
            out.append(
                diag(
                    "missing-receivable",
                    f"client '{party.id}' has no accounts.receivable",
                    party.where("kind"),
                    hint=f"add accounts: {{receivable: {roots['receivable']}:...}}",
                )
            )
        if party.is_vendor and party.status != "prospect" and not party.payable and not _declared(party, "accounts", "payable"):
            out.append(
                diag(
                    "missing-payable",
                    f"vendor '{party.id}' has no accounts.payable",
                    party.where("kind"),
                    hint=f"add accounts: {{payable: {roots['payable']}:...}}",
                )
            )
        named = [("receivable", party.receivable), ("payable", party.payable)]
        named += [("income", a) for a in party.income_accounts]
        for role, account in named:
            if not account:
                continue

            def where(party: Party = party, role: str = role, account: str = account) -> Location:
                # only when reporting: a profile served from the cache is parsed again for its marks
                path: tuple[str | int, ...] = ("accounts", role) if role != "income" else _item_path(party, ("accounts", "income"), account)
                return party.where(*path)

            if account not in opens:
                out.append(
                    diag("account-not-opened", f"{account} is never opened in the ledger", where(), hint=f"add `YYYY-MM-DD open {account}` to the ledger")
                )
            if role in roots and not (account == roots[role] or account.startswith(roots[role] + ":")):
                out.append(diag("account-outside-root", f"accounts.{role} {account} is not under {roots[role]}", where()))
            if role != "income":
                other = claims.get(account)
                if other is not None and other[0] != role:
                    out.append(
                        diag(
                            "account-two-profiles",
                            f"{account} is claimed as a {role} account here and as a {other[0]} account by {other[1]}",
                            where(),
                            hint="an account holds either what parties owe the firm or what the firm owes them, not both",
                        )
                    )
                elif other is None:
                    claims[account] = (role, party.file)
        out += _currency_checks(party, opens)

    for account, first in sorted(ledger.facts.first_use.items()):
        for role, root in roots.items():
            if (account == root or account.startswith(root + ":")) and account not in claims:
                out.append(
                    diag(
                        "account-no-profile",
                        f"{account} has postings but no profile claims it as its {role} account",
                        first,
                        hint=f"add a profile with accounts.{role}: {account}",
                    )
                )
    out += _empty_roots(ledger, roots, settings)
    return out


def _empty_roots(ledger: Ledger, roots: Mapping[str, str], settings: Settings) -> list[Diagnostic]:
    """A hint when nothing is posted under a configured root but accounts elsewhere look like it."""
    used = ledger.facts.first_use
    options = ledger.options
    out: list[Diagnostic] = []
    for role, root in roots.items():
        if any(a == root or a.startswith(root + ":") for a in used):
            continue
        top = str(options.get("name_assets" if role == "receivable" else "name_liabilities") or ("Assets" if role == "receivable" else "Liabilities"))
        guess = receivable_root_of if role == "receivable" else payable_root_of
        looks = sorted({found for a in used if (found := guess(a, top))})
        if not looks:
            continue
        key = f"{role}_root"
        shown = ", ".join(looks[:3]) + (f" and {len(looks) - 3} more" if len(looks) > 3 else "")
        out.append(
            diag(
                "empty-root",
                f"nothing is posted under {key} {root}, but {shown} " + (f"looks like a {role} account" if len(looks) == 1 else f"look like {role} accounts"),
                next((w for a, w in used.items() if guess(a, top) == looks[0]), Location(settings.source or SETTINGS_FILE)),
                hint=f"set `{key}: {looks[0]}` in {SETTINGS_FILE} (`acct-tool adopt --dry-run` shows what else it would set)",
            )
        )
    return out


def _currency_checks(party: Party, opens: dict[str, Open]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    account = party.receivable or party.payable
    open_entry = opens.get(account) if account else None
    allowed = tuple(getattr(open_entry, "currencies", None) or ())
    if not allowed:
        return out
    checks: list[tuple[str, tuple[str | int, ...] | None]] = []
    if party.terms.credit_limit:
        checks.append((party.terms.credit_limit.currency, ("terms", "credit_limit")))
    if party.contract.value:
        checks.append((party.contract.value.currency, ("contract", "value")))
    checks += [(cur, None) for cur in party.currencies]
    for currency, known in checks:
        if currency not in allowed:
            # the position of a list item is looked up only when it is reported
            path = known if known is not None else _item_path(party, ("currencies",), currency)
            out.append(diag("currency-mismatch", f"{dotted(path)} is in {currency}, but {account} only allows {', '.join(allowed)}", party.where(*path)))
    return out


def _raw(party: Party, *path: str) -> object:
    document = party.document()
    node = document.data if document is not None else None
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _declared(party: Party, *path: str) -> bool:
    """True when the profile has the key at ``path``, whatever its value (the schema reports bad ones)."""
    parent = _raw(party, *path[:-1])
    return isinstance(parent, dict) and path[-1] in parent


def _item_path(party: Party, path: tuple[str, ...], value: str) -> tuple[str | int, ...]:
    """The path of ``value`` in the list at ``path`` as written (invalid entries shift the parsed indexes)."""
    raw = _raw(party, *path)
    return path + (raw.index(value),) if isinstance(raw, list) and value in raw else path
