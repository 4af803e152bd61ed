"""Client and vendor profiles: one YAML file per party, validated and turned into records.

Loading never raises for bad user data. A profile with problems still yields a
:class:`~acct_tool.books.parties.Party` built from the fields that are valid (so
cross-checks against the ledger keep working), and every problem becomes a
diagnostic pointing at the exact key or value.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from acct_tool.books.schema import is_bad, validate
from acct_tool.books.settings import SETTINGS_FILE
from acct_tool.books.yamlsource import PathT, YamlDoc, load_yaml, parse_date
from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.money import Money, parse_money

if TYPE_CHECKING:  # the records are imported where a profile is read: books without profiles need none of them
    from acct_tool.books.parties import Contact, Interaction, NextStep, Objective, Opportunity, Party, Risk, Stakeholder, Survey, Whitespace

PROFILE_SUFFIXES = (".yaml", ".yml")

Date = datetime.date


def load_parties(root: Path, folder: str, memo: ParseMemo | None = None) -> tuple[dict[str, Party], list[Diagnostic]]:
    """Load every profile under ``root/folder``; parties by id, sorted by id.

    With ``memo`` (display path -> (content digest, (party, diagnostics))), a file whose
    content is unchanged is not parsed again; the memo is updated in place."""
    base = root / folder
    problems: list[Diagnostic] = []
    if not base.exists():
        return {}, [
            diag("profiles-missing", f"profiles folder {folder}/ does not exist", Location(folder), hint="create it or set `profiles:` in acct-tool.yaml")
        ]
    if not base.is_dir():
        return {}, [diag("file-unreadable", f"profiles folder {folder} is not a folder", Location(folder))]
    unreadable: list[OSError] = []
    candidates: list[Path] = []
    # os.walk reports folders it cannot read (Path.rglob silently skips them); a
    # folder named like a profile is listed too, to be reported as not a file
    for dirpath, dirnames, filenames in os.walk(base, onerror=unreadable.append):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        names = filenames + [d for d in dirnames if Path(d).suffix in PROFILE_SUFFIXES]
        candidates += [Path(dirpath) / f for f in names if not f.startswith(".") and Path(f).suffix in PROFILE_SUFFIXES]
    # with `profiles: .` the settings file sits among the profiles; it is not one
    paths = sorted(p for p in candidates if p != root / SETTINGS_FILE)
    for exc in unreadable:
        shown = Path(exc.filename).relative_to(root).as_posix() if exc.filename and Path(exc.filename).is_relative_to(root) else folder
        problems.append(diag("file-unreadable", f"cannot list {shown}/: {exc.strerror or exc}", Location(shown)))
    parties: dict[str, Party] = {}
    for path in paths:
        display = path.relative_to(root).as_posix()
        party, found = _load_party_memo(path, display, memo)
        problems += found
        if party is None:
            continue
        if party.id in parties:
            first = parties[party.id]
            problems.append(
                diag("duplicate-id", f"id '{party.id}' is also used by {first.file}", party.where("id"), hint="ids must be unique; rename one of the files")
            )
            continue
        parties[party.id] = party
    return dict(sorted(parties.items())), problems


ParseMemo = dict[str, tuple[str, Any]]


def _load_party_memo(path: Path, display: str, memo: ParseMemo | None) -> tuple[Party | None, list[Diagnostic]]:
    if memo is None:
        return load_party(path, display)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    except OSError:
        digest = None
    cached = memo.get(display)
    if digest is not None and cached is not None and cached[0] == digest:
        party, found = cached[1]
        return party, list(found)
    party, found = load_party(path, display)
    if digest is not None:
        memo[display] = (digest, (party, tuple(found)))
    return party, found


def load_party(path: Path, display: str) -> tuple[Party | None, list[Diagnostic]]:
    """Load and validate one profile file."""
    from acct_tool.books.parties import MAX_PROFILE_BYTES

    doc, problems = load_yaml(path, display, max_bytes=MAX_PROFILE_BYTES)
    if doc is None:
        return None, problems
    if doc.data is None:
        return None, problems + [diag("file-empty", "the profile is empty", Location(display, 1, 1), hint="a profile needs at least id, name and kind")]
    if not isinstance(doc.data, dict):
        shape = "a list" if isinstance(doc.data, list) else "a single value"
        return None, problems + [diag("not-a-mapping", f"a profile must be a mapping of keys to values, not {shape}", doc.where(()))]
    schema_problems, bad = validate(doc, "party")
    problems += schema_problems
    stem = path.stem
    party = _build(doc, bad, stem)
    if "id" in doc.data and not is_bad(("id",), bad) and party.id != stem:
        problems.append(
            diag(
                "id-mismatch",
                f"id '{party.id}' differs from the file name '{path.name}'",
                doc.where(("id",)),
                hint=f"rename the file to {party.id}{path.suffix} or set `id: {stem}`",
            )
        )
    problems += _semantic_checks(party)
    # The marks of every node take more memory than the party itself; drop them and
    # parse the file again only if a location is asked for later (see Party.where).
    return dataclasses.replace(party, source=None, path=str(path)), problems


T = TypeVar("T")


class _Reader:
    """Reads valid values out of a validated document, skipping the invalid ones."""

    def __init__(self, doc: YamlDoc, bad: set[PathT]) -> None:
        self.doc, self.bad = doc, bad

    def get(self, path: PathT, default: Any = None) -> Any:
        """The value at ``path``, unless it or anything inside it is invalid."""
        if self.bad and is_bad(path, self.bad):
            return default
        return self.container(path, default)

    def container(self, path: PathT, default: Any = None) -> Any:
        """The list or mapping at ``path`` unless it is itself invalid; its entries are checked one by one."""
        if self.bad and any(path[:k] in self.bad for k in range(len(path) + 1)):
            return default
        node: Any = self.doc.data
        for part in path:
            if isinstance(node, dict) and isinstance(part, str) and part in node:
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
            else:
                return default
        return default if node is None else node

    def date(self, path: PathT) -> Date | None:
        return parse_date(self.get(path))

    def money(self, path: PathT) -> Money | None:
        return parse_money(self.get(path))

    def strings(self, path: PathT) -> tuple[str, ...]:
        """The valid strings of the list at ``path``."""
        value = self.container(path, [])
        if not isinstance(value, list):
            return ()
        return tuple(v for i, v in enumerate(value) if isinstance(v, str) and not is_bad(path + (i,), self.bad))

    def items(self, path: PathT, build: Callable[[PathT], T | None]) -> tuple[T, ...]:
        value = self.container(path, [])
        if not isinstance(value, list):
            return ()
        out = []
        for i in range(len(value)):
            item = build(path + (i,))
            if item is not None:
                out.append(item)
        return tuple(out)


_ANCHORS: tuple[tuple[tuple[str | int, ...], bool], ...] = (
    (("contract", "renewal"), False),
    (("terms", "credit_limit"), False),
    (("accounts",), False),
    (("interactions",), True),
    (("contacts",), True),
    (("kind",), False),
    (("id",), False),
)


def _build(doc: YamlDoc, bad: set[PathT], stem: str) -> Party:
    from acct_tool.books.parties import (
        Contact,
        Contract,
        Interaction,
        NextStep,
        Objective,
        Opportunity,
        Party,
        Plan,
        Risk,
        Stakeholder,
        Survey,
        Terms,
        Whitespace,
    )

    r = _Reader(doc, bad)

    def contact(p: PathT) -> Contact | None:
        name = r.get(p + ("name",))
        if not isinstance(name, str):
            return None
        return Contact(
            name=name,
            role=r.get(p + ("role",)),
            email=r.get(p + ("email",)),
            phone=r.get(p + ("phone",)),
            decision_maker=r.get(p + ("decision_maker",), False) is True,
            primary=r.get(p + ("primary",), False) is True,
            billing=r.get(p + ("billing",), False) is True,
            notes=r.get(p + ("notes",)),
        )

    def next_step(p: PathT) -> NextStep | None:
        action, due = r.get(p + ("action",)), r.date(p + ("due",))
        if not isinstance(action, str) or due is None:
            return None
        return NextStep(action, due, r.get(p + ("owner",)), r.get(p + ("done",), False) is True, r.date(p + ("done_on",)))

    def interaction(p: PathT) -> Interaction | None:
        when, channel, summary = r.date(p + ("date",)), r.get(p + ("channel",)), r.get(p + ("summary",))
        if when is None or not isinstance(channel, str) or not isinstance(summary, str):
            return None
        who = r.get(p + ("with",), ())
        return Interaction(
            date=when,
            channel=channel,
            summary=summary,
            with_=(who,) if isinstance(who, str) else tuple(str(w) for w in who),
            by=r.get(p + ("by",)),
            sentiment=r.get(p + ("sentiment",)),
            next_step=next_step(p + ("next_step",)) if r.get(p + ("next_step",)) else None,
            where=doc.where(p),
            reminders=tuple(str(ref) for ref in r.get(p + ("reminders",), ()) or ()),
        )

    def survey(p: PathT) -> Survey | None:
        when = r.date(p + ("date",))
        if when is None or is_bad(p, bad):
            return None
        return Survey(when, r.get(p + ("nps",)), r.get(p + ("csat",)), r.get(p + ("comment",)))

    def risk(p: PathT) -> Risk | None:
        opened, summary = r.date(p + ("opened",)), r.get(p + ("summary",))
        if opened is None or not isinstance(summary, str):
            return None
        return Risk(
            opened,
            summary,
            r.get(p + ("severity",), "medium"),
            r.get(p + ("plan",)),
            r.get(p + ("owner",)),
            r.get(p + ("status",), "open"),
            r.date(p + ("closed",)),
            where=doc.where(p),
        )

    def opportunity(p: PathT) -> Opportunity | None:
        name = r.get(p + ("name",))
        if not isinstance(name, str):
            return None
        return Opportunity(
            name,
            r.money(p + ("value",)),
            r.get(p + ("stage",), "lead"),
            r.date(p + ("close",)),
            r.get(p + ("type",), "new"),
            r.get(p + ("probability",)),
            r.get(p + ("owner",)),
            r.get(p + ("notes",)),
            r.date(p + ("stage_since",)),
        )

    def progress(p: PathT) -> str | int | float | None:
        value = r.get(p)
        return value if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None

    def objective(p: PathT) -> Objective | None:
        what = r.get(p + ("what",))
        if not isinstance(what, str):
            return None
        return Objective(
            what,
            r.get(p + ("measure",)),
            progress(p + ("target",)),
            progress(p + ("current",)),
            r.date(p + ("due",)),
            r.get(p + ("status",), "planned"),
            r.get(p + ("owner",)),
            where=doc.where(p),
        )

    def stakeholder(p: PathT) -> Stakeholder | None:
        name, stance = r.get(p + ("name",)), r.get(p + ("stance",))
        if not isinstance(name, str) or not isinstance(stance, str):
            return None
        return Stakeholder(name, stance, r.get(p + ("influence",), "medium"), where=doc.where(p + ("name",)))

    def whitespace(p: PathT) -> Whitespace | None:
        service = r.get(p + ("service",))
        if not isinstance(service, str):
            return None
        return Whitespace(service, r.money(p + ("estimate",)), r.get(p + ("notes",)))

    plan = Plan(
        r.date(("plan", "reviewed")),
        r.items(("plan", "objectives"), objective),
        r.items(("plan", "stakeholders"), stakeholder),
        r.items(("plan", "whitespace"), whitespace),
    )

    targets: dict[int, Money] = {}
    revenue = r.container(("targets", "revenue"), {})
    for year in revenue if isinstance(revenue, dict) else {}:
        money = r.money(("targets", "revenue", year))
        if money is not None and str(year).isdigit():
            targets[int(year)] = money

    ident = r.get(("id",))
    name = r.get(("name",))
    return Party(
        id=ident if isinstance(ident, str) else stem,
        name=name if isinstance(name, str) else stem,
        kind=r.get(("kind",), ""),
        file=doc.file,
        status=r.get(("status",), "active"),
        aliases=r.strings(("aliases",)),
        tier=r.get(("tier",), "standard"),
        manager=r.get(("manager",)),
        since=r.date(("since",)),
        website=r.get(("website",)),
        industry=r.get(("industry",)),
        billing_address=r.strings(("billing_address",)),
        tax_id=r.get(("tax_id",)),
        currencies=r.strings(("currencies",)),
        receivable=r.get(("accounts", "receivable")),
        payable=r.get(("accounts", "payable")),
        income_accounts=r.strings(("accounts", "income")),
        terms=Terms(r.get(("terms", "payment_days")), r.money(("terms", "credit_limit"))),
        contract=Contract(
            r.date(("contract", "start")),
            r.date(("contract", "end")),
            r.date(("contract", "renewal")),
            r.money(("contract", "value")),
            r.get(("contract", "auto_renew"), False) is True,
            r.get(("contract", "notice_days")),
        ),
        contacts=r.items(("contacts",), contact),
        goals=r.strings(("goals",)),
        interactions=r.items(("interactions",), interaction),
        satisfaction=r.items(("satisfaction",), survey),
        risks=r.items(("risks",), risk),
        opportunities=r.items(("opportunities",), opportunity),
        revenue_targets=targets,
        plan=plan,
        tags=r.strings(("tags",)),
        notes=r.get(("notes",)),
        source=doc,
        anchors={(p, k): doc.where(p, key=k) for p, k in _ANCHORS},
    )


def _semantic_checks(party: Party) -> list[Diagnostic]:
    """Checks a JSON Schema cannot express: dates in order, references to contacts."""
    out = []
    c = party.contract
    if c.start and c.end and c.end < c.start:
        out.append(diag("invalid-value", f"contract.end {c.end} is before contract.start {c.start}", party.where("contract", "end")))
    for i, risk in enumerate(party.risks):
        if risk.closed and risk.closed < risk.opened:
            out.append(diag("invalid-value", f"risks[{i}].closed {risk.closed} is before opened {risk.opened}", party.where("risks", i, "closed")))
    out += _stakeholder_checks(party)
    return out


def _stakeholder_checks(party: Party) -> list[Diagnostic]:
    """Every stakeholder of the plan must be one of the profile's contacts (case and spacing ignored)."""
    known = {_name_key(c.name) for c in party.contacts}
    names = ", ".join(c.name for c in party.contacts) or "none yet"
    return [
        diag(
            "unknown-stakeholder",
            f"stakeholder '{s.name}' is not one of the profile's contacts",
            s.where or party.where("plan", "stakeholders"),
            hint=f"add them to `contacts:` or name a contact ({names})",
        )
        for s in party.plan.stakeholders
        if _name_key(s.name) not in known
    ]


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()
