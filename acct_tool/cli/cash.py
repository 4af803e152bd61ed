"""``acct-tool cash``: the cash position and a weekly cash forecast."""

from __future__ import annotations

import click

from acct_tool.books.load import Needs
from acct_tool.cli.common import Context, emit, format_option, warn_if_broken
from acct_tool.engines.cash import PROPOSE_MONTHS, add_months, forecast
from acct_tool.engines.cash import propose_recurring as proposals
from acct_tool.engines.receivables import Side
from acct_tool.periods import shift
from acct_tool.render import cash as view

#: The open items, and the cash accounts' postings and ``balance`` assertions (drawn from the
#: entries, when they are loaded, and cached).
CASH = Needs(party_postings=True, entries=True)


@click.command()
@click.option("--weeks", type=click.IntRange(1, 104), default=13, show_default=True, help="How many weeks to forecast.")
@format_option("table", "json", "csv")
@click.option(
    "--propose-recurring", is_flag=True, help="Print proposed `cash.recurring` entries read from the last three months of postings; nothing is written."
)
@click.pass_obj
def cash(obj: Context, weeks: int, fmt: str, propose_recurring: bool) -> None:
    """Cash per bank and cash account at the as-of date, and a weekly forecast per currency.

    The position is each account's balance, its last `balance` assertion and the
    last statement filed for it. The forecast starts the day after the as-of date:
    open invoices at their due date plus the client's median lateness, open bills
    at their due date, and the `cash.recurring` rules of acct-tool.yaml; each line
    names the invoice, bill or rule it comes from. Invoices past the last
    collection level are listed as at risk and not counted. The first week below
    `cash.floor` is marked. Currencies are never added together (see docs/cash.md).

    Example: acct-tool --as-of 2026-11-30 cash --weeks 8 --format json
    """
    books = obj.books(CASH)
    settings = books.settings
    facts = books.cash_facts()
    if propose_recurring:
        parties = (settings.receivable_root, settings.payable_root, *settings.control_accounts, *facts.accounts)
        postings = [p for account in facts.accounts for p in facts.postings[account]]
        found = proposals(postings, books.as_of, exclude=parties)
        warn_if_broken(books)
        emit(view.proposals_yaml(found, shift(add_months(books.as_of, -PROPOSE_MONTHS), 1), books.as_of, books.precisions))
        return
    result = forecast(
        facts,
        books.open_items(Side.AR),
        books.open_items(Side.AP),
        settings.cash.recurring,
        books.as_of,
        weeks=weeks,
        levels=settings.collection_levels,
        floor=settings.cash.floor,
    )
    warn_if_broken(books)  # once computed: the ledger's validation may finish aside meanwhile
    places = books.precisions
    emit(view.forecast_json(result, places) if fmt == "json" else view.forecast_csv(result, places) if fmt == "csv" else view.forecast_table(result, places))
