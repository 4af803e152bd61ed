"""One figure, one value: every view of the same books shows the same numbers.

Renders ``clients list``/``show``, ``portfolio``, ``dso``, ``open``, ``aging``,
``review --format json`` and the Markdown and HTML reviews of the examples at
2026-11-30, and of a small generated book, and asserts that each figure shown in
more than one place is identical: per party open (open documents less unapplied
credits), overdue, unapplied credit, days to pay, DSO, revenue per period, health
score and band; per manager the same totals.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, EXAMPLES_AS_OF, REPO, run_cli

from acct_tool.money import format_number

if str(REPO) not in sys.path:  # benchmarks/ is a folder of the repository, not of the package
    sys.path.insert(0, str(REPO))

from benchmarks.generate import generate

Amounts = dict[str, Decimal]
ZERO = Decimal(0)


def amounts(value: Any) -> Amounts:
    """Per-currency amounts from the one JSON amount shape (an amount, or a list of them), zeros left out."""
    out: Amounts = defaultdict(lambda: ZERO)
    if value is None:
        return {}
    if isinstance(value, dict) and set(value) == {"number", "currency"}:
        out[value["currency"]] += Decimal(value["number"])
    elif isinstance(value, dict):  # a {currency: number} map built by this test
        for currency, number in value.items():
            assert isinstance(number, Decimal), f"not an amount: {value!r}"
            out[currency] += number
    elif isinstance(value, list):
        for item in value:
            for currency, number in amounts(item).items():
                out[currency] += number
    else:
        raise AssertionError(f"not an amount: {value!r}")
    return {c: n for c, n in sorted(out.items()) if n != ZERO}


def number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def cli_json(books: Path, as_of: str, *args: str) -> Any:
    result = run_cli(*args, "--format", "json", books=books, as_of=as_of)
    assert result.exit_code in (0, 1), result.stderr
    return result.json()


def check_books(books: Path, as_of: str, tmp_path: Path) -> None:
    listed = {c["id"]: c for c in cli_json(books, as_of, "clients", "list")["clients"]}
    portfolio_ytd = cli_json(books, as_of, "portfolio")
    dso_rows = cli_json(books, as_of, "dso")
    documents = cli_json(books, as_of, "open", "ar")["documents"]
    aging = cli_json(books, as_of, "aging", "ar")
    review = cli_json(books, as_of, "review")
    period = review["index"]["period"]
    portfolio_period = cli_json(books, as_of, "portfolio", "--from", period["start"])

    # open, overdue and credits from the open items themselves
    gross: dict[str, Amounts] = defaultdict(dict)
    for d in documents:
        cur, value = d["open"]["currency"], Decimal(d["open"]["number"])
        gross[d["party"]][cur] = gross[d["party"]].get(cur, ZERO) + value
    aged: dict[str, Amounts] = defaultdict(dict)
    credits: dict[str, Amounts] = defaultdict(dict)
    for currency, table in aging["currencies"].items():
        for row in table["rows"]:
            aged[row["party"]][currency] = Decimal(row["net"]["number"])
            if Decimal(row["credits"]["number"]):
                credits[row["party"]][currency] = Decimal(row["credits"]["number"])
    for pid in set(gross) | set(aged):
        net = {c: gross[pid].get(c, ZERO) - credits[pid].get(c, ZERO) for c in set(gross[pid]) | set(credits[pid])}
        assert amounts(listed[pid]["open"]) == amounts(net) == amounts(aged[pid]), pid

    ytd_clients = {c["id"]: c for m in portfolio_ytd["managers"] for c in m["clients"]}
    period_clients = {c["id"]: c for m in portfolio_period["managers"] for c in m["clients"]}
    dso_by_party: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in dso_rows:
        dso_by_party[row["party"]].append(row)

    for pid, summary in listed.items():
        shown = run_cli("clients", "show", pid, "--format", "json", books=books, as_of=as_of).json()
        assert amounts(shown["client"]["open"]) == amounts(summary["open"]), pid
        assert amounts(shown["client"]["overdue"]) == amounts(summary["overdue"]), pid
        if summary["health"] is not None:
            assert (shown["client"]["health"]["score"], shown["client"]["health"]["band"]) == (summary["health"]["score"], summary["health"]["band"]), pid
        for row in dso_by_party.get(pid, []):
            assert amounts(row["open"]) == {k: v for k, v in amounts(summary["open"]).items() if k == row["open"]["currency"]}, pid
            assert number(row["avg_days_to_pay"]) == number(shown["days_to_pay"]), pid
        if pid in ytd_clients:
            c = ytd_clients[pid]
            assert amounts(c["open"]) == amounts(summary["open"]) and amounts(c["overdue"]) == amounts(summary["overdue"]), pid
            assert number(c["days_to_pay"]) == number(shown["days_to_pay"]), pid
            assert amounts(c["revenue"]) == amounts(shown["revenue"]["this_year"]), pid
            assert (c["health"]["score"], c["health"]["band"]) == (summary["health"]["score"], summary["health"]["band"]), pid

    # the review: every client's figures as in clients list, dso and portfolio for the same period
    for pid, r in review["clients"].items():
        summary = listed[pid]
        money = r["money"]["currencies"]
        assert amounts([m["open"] for m in money]) == amounts(summary["open"]), pid
        assert amounts([m["overdue"] for m in money]) == amounts(summary["overdue"]), pid
        assert amounts([m["credits"] for m in money]) == amounts(credits.get(pid, {})), pid
        for m in money:
            row = next((x for x in dso_by_party.get(pid, []) if x["open"]["currency"] == m["currency"]), None)
            assert number(m["dso"]) == (number(row["dso_days"]) if row else None), pid
        assert (r["health"]["score"], r["health"]["band"]) == (summary["health"]["score"], summary["health"]["band"]), pid
        if pid in period_clients:
            c = period_clients[pid]
            assert number(r["money"]["days_to_pay"]) == number(c["days_to_pay"]), pid
            assert amounts([m["revenue"] for m in money]) == amounts(c["revenue"]), pid

    # per manager: the review's portfolio totals are the sums of its accounts, as in portfolio
    period_managers = {m["name"]: m for m in portfolio_period["managers"]}
    for name, p in review["portfolios"].items():
        ids = {a["id"] for a in p["accounts"]}
        for key in ("open", "overdue", "revenue"):
            assert amounts([t[key] for t in p["totals"]]) == amounts([m[key] for pid in ids for m in review["clients"][pid]["money"]["currencies"]]), (
                name,
                key,
            )
        engine = period_managers.get(name)
        if engine is not None and {c["id"] for c in engine["clients"]} == ids:
            assert amounts([t["open"] for t in p["totals"]]) == amounts(engine["open"]), name
            assert amounts([t["overdue"] for t in p["totals"]]) == amounts(engine["overdue"]), name
            assert number(p["average_days_to_pay"]) == number(engine["average_days_to_pay"]), name

    # the Markdown and HTML reviews print the same figures
    for fmt in ("md", "html"):
        out = tmp_path / fmt
        result = run_cli("review", "--format", fmt, "--out", str(out), books=books, as_of=as_of)
        assert result.exit_code == 0, result.stderr
        for pid, r in review["clients"].items():
            text = (out / f"review-{pid}.{fmt}").read_text("utf-8")
            score = r["health"]["score"]
            assert f"{score}" in text
            for m in r["money"]["currencies"]:
                assert format_number(amounts(m["open"]).get(m["currency"], ZERO)) in text, (pid, fmt)
                assert format_number(amounts(m["overdue"]).get(m["currency"], ZERO)) in text, (pid, fmt)
            days = r["money"]["days_to_pay"]
            assert re.search(rf"Days to pay: {re.escape(days) if days is not None else '–'} on average", text), (pid, fmt)
        for name, p in review["portfolios"].items():
            text = (out / f"portfolio-{name}.{fmt}").read_text("utf-8")
            for t in p["totals"]:
                assert format_number(amounts(t["open"]).get(t["currency"], ZERO)) in text, (name, fmt)
            days = p["average_days_to_pay"]
            assert (days if days is not None else "–") in text, (name, fmt)


def test_every_view_of_the_examples_agrees(tmp_path: Path) -> None:
    check_books(EXAMPLES, EXAMPLES_AS_OF, tmp_path)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("consistency") / "books"
    generate(root, 300, seed=3, years=1)
    return root


def test_every_view_of_a_generated_book_agrees(generated: Path, tmp_path: Path) -> None:
    check_books(generated, "2026-11-30", tmp_path)
