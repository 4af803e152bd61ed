"""Settings of a books repository (``acct-tool.yaml``), every key with a default."""

from __future__ import annotations

import codecs
import datetime
import hashlib
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import Any, TypeVar

from acct_tool.books.inputs import broken_link
from acct_tool.books.schema import did_you_mean, is_bad, validate
from acct_tool.books.yamlsource import PathT, YamlDoc, load_yaml, parse_date
from acct_tool.diagnostics import Diagnostic, Location, diag
from acct_tool.money import Money, parse_money

SETTINGS_FILE = "acct-tool.yaml"

T = TypeVar("T")

DEFAULT_CADENCE: Mapping[str, int] = MappingProxyType({"key": 14, "strategic": 30, "standard": 90})


@dataclass(frozen=True)
class StatementFormat:
    """How to read one bank's CSV statement: column names, number and date conventions."""

    name: str
    date: str
    date_format: str = "%Y-%m-%d"
    amount: str | None = None
    debit: str | None = None
    credit: str | None = None
    description: str | None = None
    reference: str | None = None
    balance: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8"
    skip_rows: int = 0
    decimal_mark: str = "."
    thousands_separator: str = ""
    sign: str = "as-is"
    currency: str | None = None


@dataclass(frozen=True)
class StatementFile:
    """Which statement files (a glob relative to the books root) use which format and account."""

    match: str
    #: A CSV layout of ``formats``, or ``ofx``, ``camt053``, ``mt940``, ``beangulp``; ``None``: detected from the content.
    format: str | None = None
    account: str | None = None
    #: The beangulp importer (``module.Class`` or ``module.factory``) that reads these files.
    importer: str | None = None


#: Statement formats read by code rather than by a CSV layout (acct_tool.engines.bank_formats).
BUILTIN_STATEMENT_FORMATS = ("ofx", "camt053", "mt940", "beangulp")


def account_key(bank_id: str) -> str:
    """An IBAN or account number as ``statements.accounts`` compares it: spaces dropped, case ignored."""
    return "".join(bank_id.split()).upper()


@dataclass(frozen=True)
class CounterRule:
    """``statements.rules`` entry: statement lines whose text ``match`` finds get ``account``."""

    match: str
    account: str


@dataclass(frozen=True)
class StatementSettings:
    window_days: int = 3
    counter_account: str = "Expenses:Uncategorized"
    formats: Mapping[str, StatementFormat] = field(default_factory=dict)
    files: tuple[StatementFile, ...] = ()
    #: Matching and drafts (docs/bank.md): the largest amount difference a match may have,
    #: the account a difference is drafted to, the rules choosing a draft's counter account,
    #: and the default counter accounts for money in and out (else ``counter_account``).
    tolerance: Decimal = Decimal(0)
    fee_account: str = "Expenses:Bank:Fees"
    rules: tuple[CounterRule, ...] = ()
    counter_account_in: str | None = None
    counter_account_out: str | None = None
    #: The ledger account of each bank account id (IBAN or account number) found in statements, by :func:`account_key`.
    accounts: Mapping[str, str] = field(default_factory=dict)


#: Health score components and their default weights (relative; see docs/health.md).
DEFAULT_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {"payment": 25, "freshness": 15, "satisfaction": 15, "sentiment": 10, "risks": 15, "renewal": 10, "revenue": 10}
)


@dataclass(frozen=True)
class HealthSettings:
    """Weights of the health score's components, band thresholds and red flag switches."""

    weights: Mapping[str, int] = field(default_factory=lambda: DEFAULT_WEIGHTS)
    #: A score at or above ``green`` is green, at or above ``amber`` amber, else red.
    green: int = 75
    amber: int = 50
    #: Red flag: an invoice more than ``overdue_days`` days past due.
    flag_overdue: bool = True
    overdue_days: int = 90
    #: Red flag: an open risk with no remediation plan.
    flag_risk_without_plan: bool = True
    #: Red flag: the renewal is within the last renewal window and no renewal opportunity is open.
    flag_renewal_unprepared: bool = True
    #: Days before a contract's renewal at which it needs attention, widest first.
    renewal_windows: tuple[int, ...] = (90, 60, 30)
    #: How many of the latest interactions with a sentiment make up "recent sentiment".
    recent_interactions: int = 3


@dataclass(frozen=True)
class BankDetails:
    """``firm.bank`` entry: where a client pays, for one currency or by default."""

    bank: str
    currency: str | None = None
    account_name: str | None = None
    account_number: str | None = None
    routing: str | None = None
    iban: str | None = None
    bic: str | None = None


@dataclass(frozen=True)
class FirmSettings:
    """The firm as the documents it sends show it (docs/documents.md)."""

    name: str | None = None
    address: tuple[str, ...] = ()
    tax_id: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    #: An image inside the books, relative to the books root.
    logo: str | None = None
    bank: tuple[BankDetails, ...] = ()
    payment_note: str | None = None

    def bank_for(self, currency: str) -> BankDetails | None:
        """The bank details for payments in ``currency``: its own entry, else the first without a currency."""
        for details in self.bank:
            if details.currency == currency:
                return details
        return next((d for d in self.bank if d.currency is None), None)


@dataclass(frozen=True)
class DocumentSettings:
    """How invoices, statements and letters are rendered."""

    paper: str = "a4"
    #: Accounts (and those under them) whose postings in an invoice are its tax lines.
    tax_accounts: tuple[str, ...] = ("Liabilities:Tax",)


#: How often a ``cash.recurring`` rule repeats.
CADENCES = ("weekly", "monthly", "quarterly", "yearly")


@dataclass(frozen=True)
class RecurringRule:
    """``cash.recurring`` entry: money that leaves (negative) or arrives (positive) on a schedule."""

    name: str
    #: Signed: negative is money out, positive money in.
    amount: Decimal
    currency: str
    cadence: str
    #: The first date it falls on (``first:``); ``None``: see :func:`acct_tool.engines.cash.occurrences`.
    first: datetime.date | None = None
    #: The day of the month it falls on (monthly, quarterly, yearly), clamped to the month's last day.
    day: int | None = None
    #: The counter account it is posted to (what ``cash --propose-recurring`` matches).
    account: str | None = None
    until: datetime.date | None = None


@dataclass(frozen=True)
class CashSettings:
    """``cash:``: the lowest balance per currency to keep, and the recurring flows to forecast."""

    floor: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    recurring: tuple[RecurringRule, ...] = ()


#: The chance of winning, in percent, of an open opportunity at each stage that gives no
#: ``probability`` of its own (``pipeline.probabilities``; docs/relationship.md, "Pipeline").
DEFAULT_PROBABILITIES: Mapping[str, int] = MappingProxyType({"lead": 10, "qualified": 25, "proposal": 50, "negotiation": 75})


@dataclass(frozen=True)
class PipelineSettings:
    """How ``acct-tool pipeline`` weighs the open opportunities."""

    probabilities: Mapping[str, int] = field(default_factory=lambda: DEFAULT_PROBABILITIES)


#: A ``targets:`` period key: a year (``2026``) or one of its quarters (``2026-Q4``).
TARGET_PERIOD = re.compile(r"^((?:19|2[0-9])[0-9]{2})(?:-Q([1-4]))?$")


@dataclass(frozen=True)
class Targets:
    """The targets of one account manager or of the team (``targets.managers.NAME``, ``targets.team``)."""

    #: Revenue target by period key: ``"2026"`` for the year, ``"2026-Q4"`` for a quarter.
    revenue: Mapping[str, Money] = field(default_factory=lambda: MappingProxyType({}))
    #: How many active clients to manage, or ``None``.
    accounts: int | None = None


@dataclass(frozen=True)
class TargetSettings:
    """``targets:``: revenue (and account) targets for the team and per account manager (docs/relationship.md, "Targets")."""

    team: Targets = field(default_factory=Targets)
    managers: Mapping[str, Targets] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a books repository. Paths are relative to the books root."""

    ledger: str = "ledger/main.beancount"
    profiles: str = "clients"
    templates: str = "templates"
    receivable_root: str = "Assets:Receivable"
    payable_root: str = "Liabilities:Payable"
    #: Receivable and payable accounts shared by several parties (docs/receivables.md).
    control_accounts: tuple[str, ...] = ()
    #: Metadata keys naming the party of a posting on a control account.
    party_keys: tuple[str, ...] = ("customer", "vendor", "party")
    #: Further metadata keys holding a document number, after links and ``invoice:``/``bill:``.
    document_keys: tuple[str, ...] = ()
    #: A regular expression whose first match in a narration is a document number.
    document_pattern: str | None = None
    payment_days: int = 30
    aging_limits: tuple[int, ...] = (30, 60, 90)
    collection_levels: tuple[int, ...] = (7, 30, 60)
    #: ``None`` until the ledger is loaded; then the ledger's operating currency, else USD.
    operating_currency: str | None = None
    cadence: Mapping[str, int] = field(default_factory=lambda: DEFAULT_CADENCE)
    health: HealthSettings = field(default_factory=HealthSettings)
    statements: StatementSettings = field(default_factory=StatementSettings)
    firm: FirmSettings = field(default_factory=FirmSettings)
    documents: DocumentSettings = field(default_factory=DocumentSettings)
    #: Bank and cash accounts, or prefixes of them (``()``: every account under ``Assets:Bank`` and ``Assets:Cash``).
    cash_accounts: tuple[str, ...] = ()
    cash: CashSettings = field(default_factory=CashSettings)
    pipeline: PipelineSettings = field(default_factory=PipelineSettings)
    targets: TargetSettings = field(default_factory=TargetSettings)
    #: The settings file, or ``None`` when the books have none.
    source: str | None = None


_KNOWN = frozenset(Settings.__dataclass_fields__) - {"source"}
_PATHS = ("ledger", "profiles", "templates")


def load_settings(root: Path, memo: dict[str, tuple[str, Any]] | None = None) -> tuple[Settings, list[Diagnostic]]:
    """Read ``acct-tool.yaml`` under ``root``; a missing file means all defaults.

    A symlink that leads nowhere is not a missing file: it is reported, like any
    settings file that cannot be read. With ``memo`` (see
    :func:`acct_tool.books.profiles.load_parties`), unchanged settings are not parsed again."""
    path = root / SETTINGS_FILE
    link = broken_link(path)
    if link:
        hint = "point the link at the settings file, or remove it to use the defaults"
        return Settings(source=SETTINGS_FILE), [diag("file-unreadable", f"{SETTINGS_FILE} is {link}", Location(SETTINGS_FILE), hint=hint)]
    if not path.exists():
        return Settings(), []
    if memo is None:
        return _load_settings(root, path)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return _load_settings(root, path)
    cached = memo.get(SETTINGS_FILE)
    if cached is not None and cached[0] == digest:
        settings, found = cached[1]
        return settings, list(found)
    settings, found = _load_settings(root, path)
    memo[SETTINGS_FILE] = (digest, (settings, tuple(found)))
    return settings, found


def _load_settings(root: Path, path: Path) -> tuple[Settings, list[Diagnostic]]:
    doc, problems = load_yaml(path, SETTINGS_FILE, max_bytes=1_000_000)
    if doc is None:
        return Settings(source=SETTINGS_FILE), problems
    if doc.data is None:
        return Settings(source=SETTINGS_FILE), problems
    if not isinstance(doc.data, dict):
        shape = "a list" if isinstance(doc.data, list) else "a single value"
        problems.append(diag("not-a-mapping", f"the settings must be a mapping of keys to values, not {shape}", doc.where(())))
        return Settings(source=SETTINGS_FILE), problems
    schema_problems, bad_paths = validate(doc, "settings")
    problems += schema_problems
    data = doc.data
    values = {k: v for k, v in data.items() if k in _KNOWN and not is_bad((k,), bad_paths)}
    for key in _PATHS:
        given = values.get(key)
        if isinstance(given, str) and (PurePath(given).is_absolute() or ".." in PurePath(given).parts):
            problems.append(
                diag(
                    "invalid-value",
                    f"{key}: '{given}' is outside the books folder",
                    doc.where((key,)),
                    hint="paths in acct-tool.yaml are relative to the books folder and stay inside it",
                )
            )
            values.pop(key)

    limits = values.get("aging_limits")
    if isinstance(limits, list) and any(b <= a for a, b in itertools.pairwise(limits)):
        problems.append(diag("out-of-range", "aging_limits must increase, e.g. [30, 60, 90]", doc.where(("aging_limits",))))
        values.pop("aging_limits")
    levels = values.get("collection_levels")
    if isinstance(levels, list) and any(b <= a for a, b in itertools.pairwise(levels)):
        problems.append(diag("out-of-range", "collection_levels must increase, e.g. [7, 30, 60]", doc.where(("collection_levels",))))
        values.pop("collection_levels")
    # One bad entry must not hide the valid rest (or the checks on it): filter per entry.
    values.pop("statements", None)
    raw_statements = data.get("statements")
    statements = _statements(raw_statements if isinstance(raw_statements, dict) else {}, bad_paths)
    values.pop("cadence", None)
    raw_cadence = data.get("cadence")
    cadence = dict(DEFAULT_CADENCE)
    if isinstance(raw_cadence, dict):
        cadence.update({k: v for k, v in raw_cadence.items() if k in DEFAULT_CADENCE and not is_bad(("cadence", k), bad_paths)})
    pattern = values.get("document_pattern")
    if isinstance(pattern, str):
        why = pattern_problem(pattern)
        if why:
            problems.append(
                diag(
                    "invalid-value",
                    f"document_pattern: {why}",
                    doc.where(("document_pattern",)),
                    hint=r"write a Python regular expression, e.g. \b(INV|CN)-\d+\b",
                )
            )
            values.pop("document_pattern")
    for key in ("aging_limits", "collection_levels", "control_accounts", "party_keys", "document_keys", "cash_accounts"):
        if key in values:
            values[key] = tuple(values[key])
    values.pop("firm", None)
    values.pop("documents", None)
    firm = _firm(data.get("firm"), bad_paths, doc, problems)
    documents = _documents(data.get("documents"), bad_paths)
    values.pop("cash", None)
    cash = _cash(data.get("cash"), bad_paths)
    values.pop("pipeline", None)
    pipeline = _pipeline(data.get("pipeline"), bad_paths)
    values.pop("targets", None)
    targets = _targets(data.get("targets"), bad_paths, doc, problems)
    values.pop("health", None)
    raw_health = data.get("health")
    health = _health(raw_health if isinstance(raw_health, dict) and ("health",) not in bad_paths else {}, bad_paths, doc, problems)
    settings = Settings(
        **{k: v for k, v in values.items() if k in Settings.__dataclass_fields__},
        cadence=MappingProxyType(cadence),
        health=health,
        statements=statements,
        firm=firm,
        documents=documents,
        cash=cash,
        pipeline=pipeline,
        targets=targets,
        source=SETTINGS_FILE,
    )
    declared = raw_statements.get("formats") if isinstance(raw_statements, dict) else None
    for problem in _format_references(settings, doc, set(declared) if isinstance(declared, dict) else set()):
        problems.append(problem)
    return settings, problems


def _firm(raw: Any, bad: set[PathT], doc: YamlDoc, problems: list[Diagnostic]) -> FirmSettings:
    """``firm:`` from its valid fields; an invalid field or bank entry is left out (and was reported)."""
    base: PathT = ("firm",)
    if not isinstance(raw, dict) or base in bad:
        return FirmSettings()

    def text(key: str) -> str | None:
        value = raw.get(key)
        return value if isinstance(value, str) and not is_bad(base + (key,), bad) else None

    address = raw.get("address")
    banks = raw.get("bank")  # filtered per entry: one bad entry keeps the others
    bank = tuple(
        BankDetails(**{k: v for k, v in entry.items() if k in BankDetails.__dataclass_fields__})
        for i, entry in enumerate(banks if isinstance(banks, list) else [])
        if isinstance(entry, dict) and isinstance(entry.get("bank"), str) and not is_bad(base + ("bank", i), bad)
    )
    logo = text("logo")
    if logo is not None and (PurePath(logo).is_absolute() or ".." in PurePath(logo).parts):
        problems.append(
            diag(
                "invalid-value",
                f"firm.logo: '{logo}' is outside the books folder",
                doc.where(base + ("logo",)),
                hint="give a path relative to the books folder",
            )
        )
        logo = None
    return FirmSettings(
        name=text("name"),
        address=tuple(address) if isinstance(address, list) and not is_bad(base + ("address",), bad) else (),
        tax_id=text("tax_id"),
        email=text("email"),
        phone=text("phone"),
        website=text("website"),
        logo=logo,
        bank=bank,
        payment_note=text("payment_note"),
    )


def _documents(raw: Any, bad: set[PathT]) -> DocumentSettings:
    base: PathT = ("documents",)
    defaults = DocumentSettings()
    if not isinstance(raw, dict) or base in bad:
        return defaults
    paper = raw.get("paper") if not is_bad(base + ("paper",), bad) else None
    taxes = raw.get("tax_accounts") if not is_bad(base + ("tax_accounts",), bad) else None
    return DocumentSettings(
        paper=paper if isinstance(paper, str) else defaults.paper,
        tax_accounts=tuple(taxes) if isinstance(taxes, list) else defaults.tax_accounts,
    )


def _cash(raw: Any, bad: set[PathT]) -> CashSettings:
    """``cash:`` from its valid parts; an invalid floor or rule is left out (and was reported)."""
    base: PathT = ("cash",)
    if not isinstance(raw, dict) or base in bad:
        return CashSettings()
    floor: dict[str, Decimal] = {}
    raw_floor = raw.get("floor")
    if isinstance(raw_floor, dict):
        for currency, value in raw_floor.items():
            if not is_bad(base + ("floor", currency), bad) and isinstance(value, (int, float, str)) and not isinstance(value, bool):
                floor[str(currency)] = Decimal(str(value))
    elif isinstance(raw_floor, list):
        for i, value in enumerate(raw_floor):
            money = parse_money(value) if not is_bad(base + ("floor", i), bad) else None
            if money is not None:
                floor[money.currency] = money.number
    rules = []
    raw_rules = raw.get("recurring")
    for i, r in enumerate(raw_rules if isinstance(raw_rules, list) else []):
        if not isinstance(r, dict) or is_bad(base + ("recurring", i), bad):
            continue
        money = parse_money(r.get("amount"))
        if money is None or not isinstance(r.get("name"), str) or r.get("cadence") not in CADENCES:
            continue
        number = -abs(money.number) if r.get("direction") == "out" else abs(money.number) if r.get("direction") == "in" else money.number
        day = r.get("day")
        rules.append(
            RecurringRule(
                name=r["name"],
                amount=number,
                currency=money.currency,
                cadence=r["cadence"],
                first=parse_date(r.get("first")),
                day=day if isinstance(day, int) and not isinstance(day, bool) else None,
                account=r.get("account") if isinstance(r.get("account"), str) else None,
                until=parse_date(r.get("until")),
            )
        )
    return CashSettings(floor=MappingProxyType(floor), recurring=tuple(rules))


def _pipeline(raw: Any, bad: set[PathT]) -> PipelineSettings:
    """``pipeline:``: each valid stage probability replaces its default; an invalid one was reported."""
    base: PathT = ("pipeline", "probabilities")
    given = raw.get("probabilities") if isinstance(raw, dict) and ("pipeline",) not in bad else None
    probabilities = dict(DEFAULT_PROBABILITIES)
    if isinstance(given, dict) and base not in bad:
        probabilities.update({k: v for k, v in given.items() if k in probabilities and type(v) is int and 0 <= v <= 100 and not is_bad(base + (k,), bad)})
    return PipelineSettings(MappingProxyType(probabilities))


def _targets(raw: Any, bad: set[PathT], doc: YamlDoc, problems: list[Diagnostic]) -> TargetSettings:
    """``targets:`` from its valid entries; an invalid one is left out and reported where it stands."""
    base: PathT = ("targets",)
    if not isinstance(raw, dict) or base in bad:
        return TargetSettings()
    managers = raw.get("managers")
    return TargetSettings(
        team=_target_set(raw.get("team"), base + ("team",), bad, doc, problems),
        managers=MappingProxyType(
            {str(name): _target_set(given, base + ("managers", name), bad, doc, problems) for name, given in managers.items()}
            if isinstance(managers, dict) and base + ("managers",) not in bad
            else {}
        ),
    )


def _target_set(raw: Any, path: PathT, bad: set[PathT], doc: YamlDoc, problems: list[Diagnostic]) -> Targets:
    """One manager's (or the team's) targets: each valid period key with a valid amount above 0, and ``accounts``."""
    if not isinstance(raw, dict) or path in bad:
        return Targets()
    field_name = ".".join(str(p) for p in path)
    revenue: dict[str, Money] = {}
    for key, value in raw.items():
        if key == "accounts" or is_bad(path + (key,), bad):
            continue
        if not TARGET_PERIOD.match(str(key)):
            problems.append(
                diag(
                    "invalid-value",
                    f"{field_name}: '{key}' is not a year like 2026 or a quarter like 2026-Q4",
                    doc.where(path + (key,), key=True),
                    hint="give each target under its year or quarter, e.g. {2026: 600000 USD, 2026-Q4: 160000 USD}, and `accounts:` for a number of clients",
                )
            )
            continue
        money = parse_money(value)
        if money is None:
            continue
        if money.number <= 0:
            problems.append(diag("out-of-range", f"{field_name}.{key}: a revenue target must be above 0", doc.where(path + (key,))))
            continue
        revenue[str(key)] = money
    accounts = raw.get("accounts")
    ok = type(accounts) is int and not is_bad(path + ("accounts",), bad)
    return Targets(MappingProxyType(dict(sorted(revenue.items()))), accounts if ok else None)


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a document pattern, or None."""
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        return f"'{pattern}' is not a regular expression ({error})"
    if compiled.search(""):
        return f"'{pattern}' matches an empty narration; it must match the number itself"
    return None


def _statements(raw: dict[str, Any], bad: set[PathT]) -> StatementSettings:
    """Statement settings from the valid entries of ``raw``; invalid ones are left out."""
    base: PathT = ("statements",)
    # ``in bad``, not ``is_bad``: a bad entry inside must not discard its valid siblings.
    raw_formats = raw.get("formats") if base + ("formats",) not in bad else None
    raw_files = raw.get("files") if base + ("files",) not in bad else None
    formats = {
        name: StatementFormat(name=name, **{k: v for k, v in spec.items() if k in StatementFormat.__dataclass_fields__})
        for name, spec in (raw_formats if isinstance(raw_formats, dict) else {}).items()
        if isinstance(spec, dict) and "date" in spec and not is_bad(base + ("formats", name), bad)
    }
    files = tuple(
        StatementFile(match=f["match"], format=f.get("format"), account=f.get("account"), importer=f.get("importer"))
        for i, f in enumerate(raw_files if isinstance(raw_files, list) else [])
        if isinstance(f, dict) and "match" in f and not is_bad(base + ("files", i), bad)
    )
    raw_accounts = raw.get("accounts") if base + ("accounts",) not in bad else None
    accounts = {
        account_key(str(key)): value
        for key, value in (raw_accounts if isinstance(raw_accounts, dict) else {}).items()
        if isinstance(value, str) and not is_bad(base + ("accounts", key), bad)
    }
    defaults = StatementSettings()
    return StatementSettings(
        window_days=raw.get("window_days", defaults.window_days) if not is_bad(base + ("window_days",), bad) else defaults.window_days,
        counter_account=raw.get("counter_account", defaults.counter_account) if not is_bad(base + ("counter_account",), bad) else defaults.counter_account,
        formats=MappingProxyType(formats),
        files=files,
        **_matching(raw, bad),
        accounts=MappingProxyType(accounts),
    )


def _matching(raw: dict[str, Any], bad: set[PathT]) -> dict[str, Any]:
    """``tolerance``, ``fee_account``, ``rules`` and ``counter_account_in``/``_out``: the valid ones."""
    base: PathT = ("statements",)
    out: dict[str, Any] = {}
    for key in ("fee_account", "counter_account_in", "counter_account_out"):
        if isinstance(raw.get(key), str) and not is_bad(base + (key,), bad):
            out[key] = raw[key]
    tolerance = raw.get("tolerance")
    if isinstance(tolerance, (int, float, str)) and not isinstance(tolerance, bool) and not is_bad(base + ("tolerance",), bad):
        out["tolerance"] = Decimal(str(tolerance))  # a YAML float keeps the digits written
    rules = raw.get("rules") if base + ("rules",) not in bad else None
    out["rules"] = tuple(
        CounterRule(r["match"], r["account"])
        for i, r in enumerate(rules if isinstance(rules, list) else [])
        if isinstance(r, dict)
        and isinstance(r.get("match"), str)
        and isinstance(r.get("account"), str)
        and not is_bad(base + ("rules", i), bad)
        and _regex_problem(r["match"]) is None
    )
    return out


def _health(raw: dict[str, Any], bad: set[PathT], doc: Any, problems: list[Diagnostic]) -> HealthSettings:
    """Health settings from the valid entries of ``raw``; invalid ones keep their defaults."""
    base: PathT = ("health",)
    defaults = HealthSettings()

    def section(name: str) -> dict[str, Any]:
        value = raw.get(name)
        return value if isinstance(value, dict) and base + (name,) not in bad else {}

    def pick(path: PathT, value: Any, default: T) -> T:
        """``value`` when present, valid and of the default's type (bool is not an int here)."""
        ok = value is not None and not is_bad(base + path, bad) and type(value) is type(default)
        return value if ok else default

    weights = dict(defaults.weights)
    raw_weights = section("weights")
    weights.update({k: v for k, v in raw_weights.items() if k in weights and pick(("weights", k), v, -1) >= 0})
    if not any(weights.values()):
        problems.append(diag("out-of-range", "health.weights: at least one weight must be above 0", doc.where(base + ("weights",))))
        weights = dict(defaults.weights)
    bands, flags = section("bands"), section("red_flags")
    green = pick(("bands", "green"), bands.get("green"), defaults.green)
    amber = pick(("bands", "amber"), bands.get("amber"), defaults.amber)
    if amber > green:
        problems.append(diag("out-of-range", f"health.bands: amber ({amber}) must not be above green ({green})", doc.where(base + ("bands",))))
        green, amber = defaults.green, defaults.amber
    windows = raw.get("renewal_windows")
    return HealthSettings(
        weights=MappingProxyType(weights),
        green=green,
        amber=amber,
        flag_overdue=pick(("red_flags", "overdue"), flags.get("overdue"), defaults.flag_overdue),
        overdue_days=pick(("red_flags", "overdue_days"), flags.get("overdue_days"), defaults.overdue_days),
        flag_risk_without_plan=pick(("red_flags", "risk_without_plan"), flags.get("risk_without_plan"), defaults.flag_risk_without_plan),
        flag_renewal_unprepared=pick(("red_flags", "renewal_unprepared"), flags.get("renewal_unprepared"), defaults.flag_renewal_unprepared),
        renewal_windows=tuple(sorted(set(windows), reverse=True))
        if isinstance(windows, list) and windows and not is_bad(base + ("renewal_windows",), bad)
        else defaults.renewal_windows,
        recent_interactions=pick(("recent_interactions",), raw.get("recent_interactions"), defaults.recent_interactions),
    )


def _format_references(settings: Settings, doc: Any, declared: set[str]) -> list[Diagnostic]:
    """Checks the schema cannot express; ``declared`` holds every format name, valid or not."""
    out = []
    for name, fmt in settings.statements.formats.items():
        where = doc.where(("statements", "formats", name))
        if fmt.amount is None and (fmt.debit is None or fmt.credit is None):
            out.append(diag("missing-key", f"statement format '{name}' needs `amount` or both `debit` and `credit`", where))
        if fmt.amount is not None and (fmt.debit or fmt.credit):
            out.append(diag("invalid-value", f"statement format '{name}' has both `amount` and `debit`/`credit`; use one", where))
        if fmt.decimal_mark == fmt.thousands_separator:
            out.append(diag("invalid-value", f"statement format '{name}': decimal_mark and thousands_separator are the same", where))
        if not _is_text_encoding(fmt.encoding):  # else only `reconcile bank` would find out
            out.append(
                diag(
                    "bad-value",
                    f"statements.formats.{name}.encoding: '{fmt.encoding}' is not a text encoding Python knows",
                    doc.where(("statements", "formats", name, "encoding")),
                    hint="use e.g. utf-8, cp1252, latin-1",
                )
            )
    raw = doc.data.get("statements") if isinstance(doc.data, dict) else None
    rules = raw.get("rules") if isinstance(raw, dict) else None
    for i, r in enumerate(rules if isinstance(rules, list) else []):
        why = _regex_problem(r["match"]) if isinstance(r, dict) and isinstance(r.get("match"), str) else None
        if why:
            where = doc.where(("statements", "rules", i, "match"))
            out.append(diag("invalid-value", f"statements.rules[{i}].match: {why}", where, hint=r"write a Python regular expression, e.g. (?i)\bgithub\b"))
    for i, f in enumerate(settings.statements.files):
        if f.format is not None and f.format in BUILTIN_STATEMENT_FORMATS:
            if f.format == "beangulp" and f.importer is None:
                out.append(diag("missing-key", f"statements.files[{i}]: format beangulp needs `importer: module.Class`", doc.where(("statements", "files", i))))
            continue
        if f.format is None:
            continue
        if f.format not in declared:
            out.append(
                diag(
                    "bad-value",
                    f"statements.files[{i}].format: no statement format named '{f.format}'",
                    doc.where(("statements", "files", i, "format")),
                    hint=did_you_mean(f.format, declared | set(BUILTIN_STATEMENT_FORMATS)),
                )
            )
    return out


def _regex_problem(pattern: str) -> str | None:
    try:
        re.compile(pattern)
    except re.error as error:
        return f"'{pattern}' is not a regular expression ({error})"
    return None


def _is_text_encoding(name: str) -> bool:
    try:
        return bool(getattr(codecs.lookup(name), "_is_text_encoding", True))  # rot13, base64: not text
    except LookupError:
        return False
