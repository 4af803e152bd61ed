"""``clients list|show|new``, ``followups``, ``portfolio`` and ``log``: the relationship."""

from __future__ import annotations

import datetime
import re
import sys

import click

from acct_tool.books.load import Needs
from acct_tool.books.schema import load_schema
from acct_tool.books.settings import load_settings
from acct_tool.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    PARTY_POSTINGS,
    RELATIONSHIP,
    TEXT,
    Context,
    UsageError,
    check_manager,
    check_parties,
    emit,
    emit_fitted,
    format_option,
    optional_date,
    profile_to_edit,
    run_profile_edit,
    say,
    warn_if_broken,
)
from acct_tool.cli.completion import complete_manager, complete_party
from acct_tool.diagnostics import Diagnostic
from acct_tool.engines.receivables import Side
from acct_tool.render.text_safety import visible


def _enum(*path: str) -> list[str]:
    node = load_schema("party")
    for part in path:
        node = node[part]
    return [str(v) for v in node["enum"]]


_INTERACTION = ("properties", "interactions", "items", "properties")
CHANNELS = _enum(*_INTERACTION, "channel")
SENTIMENTS = _enum(*_INTERACTION, "sentiment")
TIERS = _enum("properties", "tier")
KINDS = _enum("properties", "kind")
STATUSES = _enum("properties", "status")
SLUG = re.compile(load_schema("party")["$defs"]["slug"]["pattern"])


def _warn(diagnostics: list[Diagnostic]) -> None:
    for d in diagnostics:
        say(f"{d.file or '<books>'}:{d.line or 0}: {d.severity.value} {d.code} {visible(d.message)}")


@click.group()
def clients() -> None:
    """Clients and vendors: the list with health at a glance, one in full, or a new profile.

    Example: acct-tool clients list --manager tom
    """


@clients.command(name="list")
@click.option("--manager", type=TEXT, metavar="M", shell_complete=complete_manager, help="Only the parties this account manager owns.")
@click.option("--tier", type=click.Choice(TIERS), help="Only this tier.")
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    help="client: clients and parties of kind both; vendor: vendors and parties of kind both; both: only parties of kind both.",
)
@click.option("--status", type=click.Choice(STATUSES), help="Only this status.")
@format_option("table", "json", "csv")
@click.pass_obj
def list_(obj: Context, manager: str | None, tier: str | None, kind: str | None, status: str | None, fmt: str) -> None:
    """Every party: tier, manager, status, open and overdue receivables, days
    since the last contact, the next step's due date, and the health score and
    band (clients only; `!` marks a red flag).

    Example: acct-tool --as-of 2026-11-30 clients list --tier strategic
    """
    from acct_tool.engines.portfolio import context, summaries  # each command imports its own engines and views
    from acct_tool.render import clients as view

    books = obj.books(RELATIONSHIP)
    check_manager(books.parties, manager)
    ctx = context(books.parties, books.settings, books.party_postings, books.attribution, books.as_of, books.precisions, books.open_items(Side.AR))
    warn_if_broken(books)  # once computed: the ledger's validation may finish aside meanwhile
    rows = [
        r
        for r in summaries(ctx)
        if (manager is None or r.manager == manager)
        and (tier is None or (r.tier == tier and r.kind != "vendor"))
        and (status is None or r.status == status)
        and (kind is None or r.kind == kind or (kind in ("client", "vendor") and r.kind == "both"))
    ]
    _warn(list(ctx.diagnostics))
    as_of = books.as_of.isoformat()
    places = books.precisions
    if fmt == "table":
        emit_fitted(view.list_table(rows, as_of, places))
    else:
        emit(view.list_json(rows, as_of, places) if fmt == "json" else view.list_csv(rows, places))


@clients.command()
@click.argument("party_id", type=TEXT, metavar="ID", shell_complete=complete_party)
@click.option("--history", is_flag=True, help="Also the health score at each of the last 12 month ends, with the main reason of each change.")
@format_option("text", "json")
@click.pass_obj
def show(obj: Context, party_id: str, history: bool, fmt: str) -> None:
    """One party in full: profile essentials, contacts and decision makers,
    recent interactions, open risks and their plans, opportunities, renewal,
    money (revenue this year and last, open and overdue, days to pay), NPS and
    CSAT over the last 12 months, and the health score with its reasons.

    Example: acct-tool --as-of 2026-11-30 clients show harbor-logistics --history
    """
    from acct_tool.engines.health import history as health_history
    from acct_tool.engines.portfolio import context, detail
    from acct_tool.engines.relationship import trailing_satisfaction
    from acct_tool.render import clients as view

    books = obj.books(RELATIONSHIP)
    check_parties(books, [party_id])
    ctx = context(books.parties, books.settings, books.party_postings, books.attribution, books.as_of, books.precisions, books.open_items(Side.AR))
    warn_if_broken(books)
    _warn(list(ctx.diagnostics))
    result = detail(ctx, party_id)
    party = books.parties[party_id]
    survey = trailing_satisfaction(party, books.as_of) if party.is_client else None
    points = None
    if history and party.is_client:
        args = (books.parties, books.settings, books.party_postings, books.attribution, books.as_of, books.precisions, [party_id])
        points = health_history(*args, receivables=ctx.items)[party_id]
    if fmt == "json":
        emit(view.show_json(result, books.precisions, survey, points))
    else:
        emit_fitted(view.show_text(result, books.precisions, survey, points))


@click.command()
@click.option("--manager", type=TEXT, metavar="M", shell_complete=complete_manager, help="Only what this person owns or the parties they manage.")
@click.option("--within", metavar="DAYS", type=click.IntRange(0, 3650), default=0, show_default=True, help="Also list what falls due in the next DAYS days.")
@format_option("table", "json", "csv")
@click.option("--fail-on", type=click.Choice(["overdue"]), help="Exit 1 when anything is overdue (for CI).")
@click.pass_obj
def followups(obj: Context, manager: str | None, within: int, fmt: str, fail_on: str | None) -> None:
    """Everything that needs someone to act as of the as-of date, most urgent
    first: next steps due or overdue, check-ins overdue for the tier's cadence,
    renewals within 90/60/30 days with no renewal opportunity, open risks with
    no plan, key and strategic accounts with no decision maker, and invoices
    past the collection levels with the contact to chase.

    Example: acct-tool --as-of 2026-11-30 followups --manager tom --fail-on overdue
    """
    from acct_tool.engines.followups import followups as find_followups
    from acct_tool.render import followups as followups_view

    books = obj.books(PARTY_POSTINGS)
    check_manager(books.parties, manager, owners=True)
    items = books.open_items(Side.AR)
    result = find_followups(books.parties, books.settings, items, books.as_of, books.precisions, within=within, manager=manager)
    warn_if_broken(books)  # once computed: the ledger's validation may finish aside meanwhile
    places = books.precisions
    if fmt == "table":
        emit_fitted(followups_view.table(result))
    else:
        emit(followups_view.json(result, places) if fmt == "json" else followups_view.csv(result, places))
    sys.exit(EXIT_FINDINGS if fail_on == "overdue" and result.overdue else EXIT_OK)


@click.command()
@click.option("--manager", type=TEXT, metavar="M", shell_complete=complete_manager, help="Only this account manager.")
@click.option("--from", "start", metavar="YYYY-MM-DD", callback=optional_date, help="First day of the period (default: 1 January of --to's year).")
@click.option("--to", "end", metavar="YYYY-MM-DD", callback=optional_date, help="Last day (default: the as-of date); open items and health are at this date.")
@format_option("table", "json", "csv")
@click.pass_obj
def portfolio(obj: Context, manager: str | None, start: datetime.date | None, end: datetime.date | None, fmt: str) -> None:
    """Each account manager's portfolio: accounts, revenue per client in the
    period, open and overdue receivables, average days to pay, average NPS and
    health, and the accounts at risk; totals per currency.

    With `targets:` in the settings, each manager and the team against their
    revenue target for the period's year (or its quarter, for a period from a
    quarter's first day with a quarterly target): attainment, pro rata to the
    days gone by, and the gap; and the active accounts against their target.

    Example: acct-tool --as-of 2026-11-30 portfolio --from 2026-07-01
    """
    from acct_tool.engines.portfolio import context
    from acct_tool.engines.portfolio import portfolio as build_portfolio
    from acct_tool.render import portfolio as portfolio_view

    books = obj.books(RELATIONSHIP)
    check_manager(books.parties, manager)
    end = end or books.as_of
    if end > books.as_of:
        raise UsageError(f"--to {end} is after the as-of date {books.as_of}; pass --as-of {end}")
    start = start or datetime.date(end.year, 1, 1)
    if start > end:
        raise UsageError(f"--from {start} is after --to {end}")
    ctx = context(
        books.parties, books.settings, books.party_postings, books.attribution, end, books.precisions, books.open_items(Side.AR) if end == books.as_of else None
    )
    result = build_portfolio(ctx, start, manager)
    warn_if_broken(books)
    _warn(list(result.diagnostics))
    places = books.precisions
    if fmt == "table":
        emit_fitted(portfolio_view.portfolio_table(result, places))
    else:
        emit(portfolio_view.portfolio_json(result, places) if fmt == "json" else portfolio_view.portfolio_csv(result, places))


@click.command()
@click.argument("party_id", type=TEXT, metavar="ID", shell_complete=complete_party)
@click.option("--channel", type=click.Choice(CHANNELS), required=True, help="How the contact happened.")
@click.option("--summary", type=TEXT, help='What was said or agreed, in one line (default with --reminder: "Payment reminder for INV-...").')
@click.option("--with", "with_", type=TEXT, metavar="NAME", multiple=True, help="Who took part (repeat for several); checked against the contacts.")
@click.option("--sentiment", type=click.Choice(SENTIMENTS), help="How it went.")
@click.option("--next", "next_action", type=TEXT, metavar="ACTION", help="The agreed next step (needs --due).")
@click.option("--due", metavar="YYYY-MM-DD", callback=optional_date, help="When the next step is due (needs --next).")
@click.option("--date", "when", metavar="YYYY-MM-DD", callback=optional_date, help="Date of the interaction (default: the as-of date).")
@click.option(
    "--reminder",
    "reminders",
    type=TEXT,
    metavar="NUMBER",
    multiple=True,
    help="An open invoice of the party this contact reminded about (repeat for several); its collection follow-up moves to the next level.",
)
@click.option("--by", type=TEXT, metavar="NAME", help="Who from the firm (default: the party's manager); also owns the next step.")
@click.pass_obj
def log(
    obj: Context,
    party_id: str,
    channel: str,
    summary: str,
    with_: tuple[str, ...],
    sentiment: str | None,
    next_action: str | None,
    due: datetime.date | None,
    when: datetime.date | None,
    by: str | None,
    reminders: tuple[str, ...],
) -> None:
    """Append an interaction to a party's profile. Nothing else in the file
    changes: comments, key order and formatting stay, so `git diff` shows only
    the added lines. The write is atomic; a profile with errors is refused, and
    the file is put back if the result would not validate. A --with name that is
    not among the contacts is allowed, with a warning.

    --reminder records a payment reminder sent for an open invoice (the
    interaction gets `reminders: [INV-...]`); a number that is not an open
    invoice of the party at the date is refused. `followups` then chases that
    invoice again when it reaches its next collection level, and `dunning`
    letters show when it was reminded.

    \b
    Example: acct-tool log acme --channel call --with "Mai Tran" --sentiment positive \\
      --summary "Renewal terms agreed" --next "Send contract" --due 2026-12-10
    """
    from acct_tool.edit.interaction_text import NewInteraction  # ruamel.yaml only here
    from acct_tool.edit.profile_edit import append_interaction, unknown_contacts

    if (next_action is None) != (due is None):
        raise UsageError("--next and --due go together: give both or neither")
    numbers = tuple(dict.fromkeys(r.strip() for r in reminders))
    if "" in numbers:
        raise UsageError("--reminder must not be empty")
    if summary is None:
        if not numbers:
            raise UsageError("--summary is required (or give --reminder NUMBER, whose summary is the reminder)")
        summary = f"Payment reminder for {', '.join(numbers)}"
    if not summary.strip():
        raise UsageError("--summary must not be empty")
    if next_action is not None and not next_action.strip():
        raise UsageError("--next must not be empty")
    root, party = profile_to_edit(obj, party_id, "logging to it")
    display = party.file
    path = root / display
    if numbers:
        _check_reminders(obj, party_id, numbers, when or obj.as_of)
    for warning in unknown_contacts(party, with_):
        say(f"warning: {warning}")
    entry = NewInteraction(
        date=when or obj.as_of,
        channel=channel,
        summary=summary.strip(),
        with_=tuple(w.strip() for w in with_ if w.strip()),
        by=by or party.manager,
        sentiment=sentiment,
        next_action=next_action.strip() if next_action else None,
        next_due=due,
        reminders=numbers,
    )
    result = run_profile_edit(lambda: append_interaction(path, display, entry), display, "logging to it", "the new interaction")
    added = len(result.after.splitlines()) - len(result.before.splitlines())
    people = f" with {', '.join(entry.with_)}" if entry.with_ else ""
    say(f"logged {entry.date} {entry.channel}{people} in {display} (+{added} lines)", err=False)


def _check_reminders(obj: Context, party_id: str, numbers: tuple[str, ...], when: datetime.date) -> None:
    """Refuse a --reminder that is not an open invoice of the party at the interaction's date."""
    at = obj if when == obj.as_of else Context(obj.books_option, when, use_cache=obj.use_cache)
    items = at.books(PARTY_POSTINGS).open_items(Side.AR)
    open_refs = sorted({d.ref for d in items.open_documents() if d.party == party_id and d.open > 0})
    wrong = [n for n in numbers if n not in open_refs]
    if wrong:
        shown = ", ".join(open_refs) if open_refs else "none"
        raise UsageError(f"--reminder {', '.join(wrong)}: not an open invoice of {party_id} on {when} (open: {shown})")


# --- clients new --------------------------------------------------------------


@clients.command(name="new")
@click.argument("party_id", type=TEXT, metavar="ID")
@click.option("--name", type=TEXT, required=True, help="The party's display name.")
@click.option("--kind", type=click.Choice(KINDS), default="client", show_default=True, help="client, vendor or both.")
@click.option("--manager", type=TEXT, metavar="M", help="The account manager who owns the relationship.")
@click.option("--status", type=click.Choice(STATUSES), default="active", show_default=True, help="A prospect gets no ledger account yet.")
@click.option(
    "--account",
    type=TEXT,
    metavar="ACCOUNT",
    help="The party's ledger account, as the ledger spells it: the receivable of a client (or of kind both), the payable of a vendor.",
)
@click.option("--payable-account", type=TEXT, metavar="ACCOUNT", help="The payable account of a party of kind both (with --account for its receivable).")
@click.pass_obj
def new(obj: Context, party_id: str, name: str, kind: str, manager: str | None, status: str, account: str | None, payable_account: str | None) -> None:
    """Write a new profile, clients/ID.yaml, that validates against the schema.

    Clients get a receivable account under `receivable_root`, vendors a payable
    account under `payable_root`, named after the id (acme-corp ->
    Assets:Receivable:AcmeCorp) and spelt as the ledger spells it when it has
    that account already in another case (Liabilities:Payable:IRD for id ird).
    --account names the account instead (the receivable of a client or of kind
    both, the payable of a vendor), and --payable-account the payable of kind
    both; both are written as given. `since:` is the date of the account's
    first posting in the ledger, else the as-of date. When the ledger does not
    open the account, the command says how, dated on its first posting. The
    first line points editors at the schema in .schema/party.schema.json
    (written by `acct-tool init`) so that they validate and autocomplete the
    file. An id that a profile already has, or that is not a lowercase slug,
    is refused; no other file is touched.

    Example: acct-tool clients new ird --name IRD --kind vendor --account Liabilities:Tax:IRD
    """
    import os
    from pathlib import Path

    from acct_tool.books.profiles import PROFILE_SUFFIXES, load_parties
    from acct_tool.edit.edit_scaffold import PARTY_SCHEMA, account_problem, first_posting, new_accounts, new_profile, profile_problems
    from acct_tool.edit.files import WriteError, write_atomic

    root = obj.root()
    settings, _ = load_settings(root)
    folder = root / settings.profiles
    if not folder.is_dir():
        raise UsageError(f"profiles folder {settings.profiles}/ does not exist; create it first (or set `profiles:` in acct-tool.yaml)")
    if not SLUG.match(party_id):
        raise UsageError(f"'{party_id}' is not a valid id: use a lowercase slug like 'acme-corp' (a-z, 0-9, '-', '_'; at most 64 characters)")
    existing = sorted(p for p in folder.rglob("*") if p.suffix in PROFILE_SUFFIXES and p.stem == party_id)
    parties, _ = load_parties(root, settings.profiles)
    if existing or party_id in parties:
        where = existing[0].relative_to(root).as_posix() if existing else parties[party_id].file
        raise UsageError(f"a profile with id '{party_id}' already exists: {where}")
    if manager is not None and not SLUG.match(manager):
        raise UsageError(f"--manager '{manager}' is not a lowercase slug like 'lan'")
    if not name.strip():
        raise UsageError("--name must not be empty")
    given = _given_accounts(kind, status, account, payable_account)

    books = obj.books(Needs())
    options = books.ledger.options
    roots = [str(options.get(f"name_{r}") or r.capitalize()) for r in ("assets", "liabilities", "equity", "income", "expenses")]
    for option, value in (("--account", account), ("--payable-account", payable_account)):
        problem = account_problem(value, roots) if value is not None else None
        if problem is not None:
            raise UsageError(f"{option} '{value}' {problem}")
    opened = books.ledger.opens()
    first_dates = books.ledger.facts.first_date
    accounts = new_accounts(settings, party_id, kind, status, given=given, known=opened.keys() | first_dates.keys())
    since = first_posting(accounts.values(), first_dates) or obj.as_of

    path = folder / f"{party_id}.yaml"
    display = path.relative_to(root).as_posix()
    schema_file = root / PARTY_SCHEMA
    schema_ref = Path(os.path.relpath(schema_file, folder)).as_posix()
    text = new_profile(party_id, name.strip(), kind, status, manager, since, accounts, schema_ref, not schema_file.is_file())

    problems = profile_problems(text, display)
    if problems:
        raise UsageError(f"the new profile would not be valid: {problems[0].message}")
    try:
        write_atomic(path, text)
    except WriteError as exc:
        raise UsageError(str(exc)) from None
    say(f"wrote {display}", err=False)
    if not schema_file.is_file():
        say(f"note: {PARTY_SCHEMA} does not exist; write it with `acct-tool schema party > {PARTY_SCHEMA}` so editors validate profiles")
    currency = books.settings.operating_currency or "USD"
    for ledger_account in accounts.values():
        if ledger_account not in opened:
            day = first_dates.get(ledger_account, obj.as_of)  # on its first posting, so the ledger balances from the start
            say(f"next: open {ledger_account} in the ledger, e.g. `{day} open {ledger_account} {currency}`; `acct-tool check` reports it until then")


def _given_accounts(kind: str, status: str, account: str | None, payable_account: str | None) -> dict[str, str]:
    """The accounts --account and --payable-account name, by role; refuses what the kind cannot have."""
    if account is None and payable_account is None:
        return {}
    if status == "prospect":
        raise UsageError("a prospect gets no ledger account yet: drop --account and --payable-account, or choose another --status")
    if kind == "client" and payable_account is not None:
        raise UsageError("a client has no payable account: drop --payable-account, or use --kind both")
    if kind == "vendor" and account is not None and payable_account is not None:
        raise UsageError("a vendor has one account, the payable: give --account or --payable-account, not both")
    given: dict[str, str] = {}
    if account is not None:
        given["payable" if kind == "vendor" else "receivable"] = account
    if payable_account is not None:
        given["payable"] = payable_account
    return given
