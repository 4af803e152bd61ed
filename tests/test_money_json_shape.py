"""One JSON shape for money, in every command's JSON output.

An amount is ``{"number": "12000.00", "currency": "USD"}``: exactly those two keys, the
number a decimal string at the currency's precision (the ledger's; two places for a
currency it does not use). A multi-currency total is a list of amounts sorted by
currency. No output keeps the older shapes: ``{"USD": "12000.00"}`` maps, or a bare
number beside a ``currency`` field.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli
from test_money_precision import AS_OF, precision_books

from acct_tool.books.load import load_books
from acct_tool.cli import cli
from acct_tool.render.cli_doc import commands

STATEMENT = str(EXAMPLES / "ledger/statements/northbank-2026-10.csv")

#: Every command that prints JSON, with arguments that make it print something (on the examples).
JSON_COMMANDS: dict[str, list[list[str]]] = {
    "open": [["open", "ar"], ["open", "ap"]],
    "aging": [["aging", "ar"], ["aging", "ar", "--by", "document"], ["aging", "ap"]],
    "dso": [["dso", "ar"], ["dso", "ar", "--by", "manager"]],
    "statement": [["statement", "oakridge-dental", "--from", "2026-01-01"], ["statement", "nordlicht", "--from", "2026-01-01"]],
    "clients list": [["clients", "list"]],
    "clients show": [["clients", "show", "acme"], ["clients", "show", "harbor-logistics"], ["clients", "show", "nordlicht"]],
    "followups": [["followups", "--within", "30"]],
    "portfolio": [["portfolio"]],
    "pipeline": [["pipeline"], ["pipeline", "--period", "2026"]],
    "reconcile ar": [["reconcile", "ar"]],
    "reconcile ap": [["reconcile", "ap"]],
    "reconcile bank": [["reconcile", "bank", STATEMENT, "--format", "json"]],
    "check": [["check"]],
    "review": [["review"]],
    "adopt": [["adopt", "--dry-run"]],
    "financials trial": [["financials", "trial"]],
    "financials income": [["financials", "income", "--by", "quarter"]],
    "financials balance": [["financials", "balance"]],
    "cash": [["cash"], ["cash", "--weeks", "52"]],
}

#: Fields that hold money wherever they appear, so never a bare number (``overdue`` is
#: also a count of overdue follow-ups).
MONEY_KEYS = {
    "amount", "original", "paid", "open", "overdue", "unapplied", "credits", "total", "net", "revenue",
    "balance", "charge", "credit", "brought_forward", "closing", "unapplied_credits", "ledger_balance",
    "difference", "value", "invoiced_90d", "weighted", "contract_value", "pipeline", "prospect_pipeline",
}  # fmt: skip

DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
CURRENCY = re.compile(r"^[A-Z][A-Z0-9'._-]{0,22}[A-Z0-9]$")


def json_commands() -> set[str]:
    out = set()
    for path, command, _ in commands(cli):
        for param in command.params:
            if isinstance(param, click.Option) and isinstance(param.type, click.Choice) and "json" in param.type.choices:
                out.add(path.removeprefix("acct-tool "))
    return out


def test_every_json_output_is_walked() -> None:
    assert json_commands() <= set(JSON_COMMANDS), "add the new JSON output to JSON_COMMANDS"


def is_amount(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"number", "currency"}


def problems(value: Any, precisions: dict[str, int], path: str = "$") -> Iterator[str]:
    """Everything in ``value`` that breaks the one shape of money."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from problems(item, precisions, f"{path}[{i}]")
        if value and all(is_amount(v) for v in value) and [v["currency"] for v in value] != sorted(v["currency"] for v in value):
            yield f"{path}: amounts not sorted by currency"
        return
    if not isinstance(value, dict):
        return
    if "number" in value or is_amount(value):
        if not is_amount(value):
            yield f"{path}: an amount must have exactly number and currency, not {sorted(value)}"
            return
        number, currency = value["number"], value["currency"]
        if not isinstance(number, str) or not DECIMAL.match(number):
            yield f"{path}: the number {number!r} is not a decimal string"
            return
        places = len(number.partition(".")[2])
        if places != precisions.get(currency, 2):
            yield f"{path}: {number} {currency} has {places} places, not {precisions.get(currency, 2)}"
        return
    for key, item in value.items():
        here = f"{path}.{key}"
        bare = isinstance(item, str) and bool(DECIMAL.match(item))
        if CURRENCY.match(key) and bare:
            yield f"{here}: a currency mapped to a number ({{{key!r}: {item!r}}}); use a list of amounts"
        if "currency" in value and bare and not key.endswith("_pct") and key != "dso":  # shares and days are no money
            yield f"{here}: a bare number beside a currency field; use an amount"
        if key in MONEY_KEYS and (bare or (isinstance(item, (int, float)) and not isinstance(item, bool) and key != "overdue")):
            yield f"{here}: money must be an amount or a list of amounts, not {item!r}"
        yield from problems(item, precisions, here)


def outputs(root: Path, as_of: str, runs: dict[str, list[list[str]]]) -> Iterator[tuple[str, Any]]:
    for _name, argvs in runs.items():
        for argv in argvs:
            args = argv if "--output" in argv else [*argv, "--format", "json"]
            result = run_cli(*args, books=root, as_of=as_of)
            assert result.exit_code in (0, 1), (argv, result.stderr)
            yield " ".join(argv), json.loads(result.output)


@pytest.mark.parametrize("name", JSON_COMMANDS)
def test_every_amount_in_the_examples_has_the_one_shape(name: str) -> None:
    precisions = load_books(EXAMPLES, datetime.date.fromisoformat(EXAMPLES_AS_OF), use_cache=False).precisions
    found = [f"{argv}: {p}" for argv, data in outputs(EXAMPLES, EXAMPLES_AS_OF, {name: JSON_COMMANDS[name]}) for p in problems(data, precisions)]
    assert not found, "\n".join(found[:20])


PRECISION_RUNS = {
    "open": [["open", "ar"]],
    "aging": [["aging", "ar"], ["aging", "ar", "--by", "document"]],
    "dso": [["dso", "ar"]],
    "statement": [["statement", "tom", "--from", "2026-01-01"], ["statement", "sato", "--from", "2026-01-01"]],
    "clients": [["clients", "list"], ["clients", "show", "tom"], ["clients", "show", "sato"]],
    "followups": [["followups", "--within", "400"]],
    "portfolio": [["portfolio"]],
    "pipeline": [["pipeline"], ["pipeline", "--period", "2026"]],
    "reconcile": [["reconcile", "ar"]],
}


def test_amounts_in_btc_and_jpy_have_their_own_precision(books) -> None:  # type: ignore[no-untyped-def]
    root = precision_books(books)
    precisions = {"BTC": 4, "JPY": 0, "USD": 2}
    seen: set[tuple[str, int]] = set()
    found = []
    for argv, data in outputs(root, AS_OF, PRECISION_RUNS):
        found += [f"{argv}: {p}" for p in problems(data, precisions)]
        seen |= {(a["currency"], len(a["number"].partition(".")[2])) for a in amounts(data)}
    assert not found, "\n".join(found[:20])
    assert {("BTC", 4), ("JPY", 0), ("USD", 2)} <= seen


def amounts(value: Any) -> Iterator[dict[str, str]]:
    if is_amount(value):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from amounts(item)
    elif isinstance(value, list):
        for item in value:
            yield from amounts(item)


def test_the_walker_catches_the_older_shapes() -> None:
    precisions = {"USD": 2}
    assert list(problems({"open": {"USD": "12000.00"}}, precisions))
    assert list(problems({"amount": "12.00", "currency": "USD"}, precisions))
    assert list(problems({"open": {"number": "12000", "currency": "USD"}}, precisions))
    assert list(problems({"total": [{"number": "1.00", "currency": "USD"}, {"number": "1.00", "currency": "EUR"}]}, precisions))
    assert not list(problems({"open": [{"number": "1.00", "currency": "EUR"}, {"number": "0.00", "currency": "USD"}]}, precisions))
