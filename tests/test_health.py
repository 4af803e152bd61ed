"""Health score: each component, each red flag, the bands and the settings, on small books; then the examples."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

from acct_tool.books.load import Books as LoadedBooks
from acct_tool.books.load import load_books
from acct_tool.engines import health as engine
from acct_tool.engines.health import Component, HealthScore
from acct_tool.engines.receivables import Side, open_items

Books = Callable[..., Path]


def score_all(books: LoadedBooks) -> dict[str, HealthScore]:
    """The health of every client of loaded books, from the explicit inputs the engine takes."""
    items = open_items(books.party_postings, books.parties, books.settings, Side.AR, books.as_of, books.precisions)
    return engine.score_all(books.parties, books.settings, items, books.attribution, books.as_of, books.precisions)


OPENS = "2025-01-01 open Assets:Receivable:Acme USD\n"
BASE = """\
id: acme
name: ACME
kind: client
status: {status}
tier: {tier}
manager: lan
accounts: {{receivable: Assets:Receivable:Acme}}
terms: {{payment_days: 30}}
contacts:
  - {{name: Mai Tran, decision_maker: true}}
"""


def health(
    books: Books, as_of: str, body: str = "", *, ledger: str = "", settings: str | None = None, tier: str = "strategic", status: str = "active"
) -> HealthScore:
    root = books(ledger=OPENS + ledger, profiles={"acme": BASE.format(tier=tier, status=status) + body}, settings=settings)
    loaded = load_books(root, datetime.date.fromisoformat(as_of))
    assert not [d for d in loaded.diagnostics if d.severity.value == "error"], loaded.diagnostics
    return score_all(loaded)["acme"]


def part(h: HealthScore, name: str) -> Component:
    return next(c for c in h.components if c.name == name)


def points(h: HealthScore, name: str) -> int | None:
    return part(h, name).points


def invoice(number: str, date: str, amount: str = "1000.00") -> str:
    return f'\n{date} * "ACME" "Invoice {number}" ^{number}\n  Assets:Receivable:Acme  {amount} USD\n  Income:Services\n'


def paid(number: str, date: str, amount: str = "1000.00") -> str:
    return f'\n{date} * "ACME" "Payment {number}" ^{number}\n  Assets:Bank:Operating  {amount} USD\n  Assets:Receivable:Acme\n'


# --- payment behaviour ------------------------------------------------------------


def test_payment_does_not_apply_before_the_first_invoice(books: Books) -> None:
    h = health(books, "2026-11-30")
    assert (points(h, "payment"), part(h, "payment").reason, part(h, "payment").applies) == (None, "No invoices yet", False)


def test_payment_full_when_nothing_is_overdue(books: Books) -> None:
    ledger = invoice("INV-1", "2026-09-01") + paid("INV-1", "2026-09-28") + invoice("INV-2", "2026-11-01")
    h = health(books, "2026-11-30", ledger=ledger)
    assert points(h, "payment") == 25
    assert part(h, "payment").reason == "Nothing overdue; pays 3.0 days early on average"


def test_payment_loses_points_for_age_against_terms_and_amount_against_billing(books: Books) -> None:
    # INV-1 due 2026-10-31 (30-day terms), 15 days past due on 2026-11-15:
    # age 0.5 x 15/60 = 0.125; amount 0.3 x 1000 / (1000/12 x 3) -> capped at 0.3; 25 x 0.575 = 14.4
    h = health(books, "2026-11-15", ledger=invoice("INV-1", "2026-10-01"))
    assert points(h, "payment") == 14
    assert part(h, "payment").reason == "1,000.00 USD overdue in 1 invoice, the oldest 15 days past due on 30-day terms"
    # twelve months of 1,000 billed: one overdue invoice is a third of three months' billing -> 0.1
    ledger = "".join(invoice(f"INV-{m}", f"2025-{m:02d}-01") + paid(f"INV-{m}", f"2025-{m:02d}-25") for m in range(1, 13))
    ledger += "".join(invoice(f"INV-26{m}", f"2026-{m:02d}-01") + paid(f"INV-26{m}", f"2026-{m:02d}-25") for m in range(1, 10))
    ledger += invoice("INV-2610", "2026-10-01")
    h = health(books, "2026-11-15", ledger=ledger)
    assert points(h, "payment") == 19  # 25 x (1 - 0.125 - 0.1) = 19.4


def test_payment_age_deduction_stops_at_twice_the_terms(books: Books) -> None:
    at_limit = health(books, "2026-12-30", ledger=invoice("INV-1", "2026-10-01"))  # 60 days past due on 30-day terms
    beyond = health(books, "2027-03-30", ledger=invoice("INV-1", "2026-10-01"))
    assert points(at_limit, "payment") == points(beyond, "payment") == 5  # 25 x (1 - 0.5 - 0.3)


def test_payment_worsening_trend_costs_a_fifth(books: Books) -> None:
    # paid on the due date twice, then 10 days late twice: the recent half is 10 days worse
    ledger = invoice("INV-1", "2026-01-01") + paid("INV-1", "2026-01-31") + invoice("INV-2", "2026-02-01") + paid("INV-2", "2026-03-03")
    ledger += invoice("INV-3", "2026-03-01") + paid("INV-3", "2026-04-10") + invoice("INV-4", "2026-04-01") + paid("INV-4", "2026-05-11")
    h = health(books, "2026-06-01", ledger=ledger)
    assert points(h, "payment") == 20
    assert part(h, "payment").reason == "Nothing overdue; paying later than before (10.0 days late recently against on the due date earlier)"


# --- freshness ----------------------------------------------------------------------

CONTACT = "interactions:\n  - {date: 2026-10-01, channel: call, summary: Review}\n"


@pytest.mark.parametrize(("as_of", "expected"), [("2026-10-31", 15), ("2026-11-01", 15), ("2026-11-15", 8), ("2026-11-30", 0), ("2027-01-30", 0)])
def test_freshness_full_up_to_the_cadence_then_down_to_zero_at_twice_it(books: Books, as_of: str, expected: int) -> None:
    # strategic: every 30 days. 30 days (2026-10-31) is on cadence; 31 days loses 1/30 of 15 -> 14.5 -> 15;
    # 45 days: 15 x 0.5 = 7.5 -> 8; 60 days and more: 0
    h = health(books, as_of, CONTACT)
    assert points(h, "freshness") == expected


def test_freshness_reasons(books: Books) -> None:
    assert part(health(books, "2026-10-31", CONTACT), "freshness").reason == "Last contact 2026-10-01, 30 days ago; strategic accounts every 30 days"
    assert part(health(books, "2026-11-30", CONTACT), "freshness").reason.endswith("(30 days overdue)")
    never = health(books, "2026-11-30")
    assert (points(never, "freshness"), part(never, "freshness").reason) == (0, "No interaction on record")
    assert points(health(books, "2026-11-30", CONTACT, status="churned"), "freshness") is None


def test_freshness_follows_the_tier_cadence(books: Books) -> None:
    assert points(health(books, "2026-10-31", CONTACT, tier="key"), "freshness") == 0  # 30 days on a 14-day cadence
    assert points(health(books, "2026-10-31", CONTACT, tier="key", settings="cadence: {key: 30}\n"), "freshness") == 15


# --- satisfaction ---------------------------------------------------------------------


def surveys(*rows: str) -> str:
    return "satisfaction:\n" + "".join(f"  - {r}\n" for r in rows)


def test_satisfaction_from_the_latest_survey(books: Books) -> None:
    assert points(health(books, "2026-11-30", surveys("{date: 2026-06-30, nps: 8}")), "satisfaction") == 12
    both = health(books, "2026-11-30", surveys("{date: 2026-06-30, nps: 8, csat: 5}"))
    assert points(both, "satisfaction") == 14  # (0.8 + 1.0) / 2 x 15 = 13.5
    assert part(both, "satisfaction").reason == "Latest survey 2026-06-30: NPS 8 and CSAT 5"
    assert points(health(books, "2026-11-30", surveys("{date: 2026-06-30, csat: 1}")), "satisfaction") == 0


def test_satisfaction_falling_trend(books: Books) -> None:
    falling = health(books, "2026-11-30", surveys("{date: 2026-03-31, nps: 9}", "{date: 2026-09-30, nps: 7}"))
    assert points(falling, "satisfaction") == 7  # (0.7 - 0.25) x 15 = 6.75
    assert part(falling, "satisfaction").reason == "Latest survey 2026-09-30: NPS 7, down from NPS 9 on 2026-03-31"
    steady = health(books, "2026-11-30", surveys("{date: 2026-03-31, nps: 8}", "{date: 2026-09-30, nps: 7}"))
    assert points(steady, "satisfaction") == 11  # a one-point dip is not a trend
    csat = health(books, "2026-11-30", surveys("{date: 2026-03-31, csat: 5}", "{date: 2026-09-30, csat: 4}"))
    assert points(csat, "satisfaction") == 8  # (0.75 - 0.25) x 15 = 7.5


def test_satisfaction_without_surveys_does_not_apply_and_later_surveys_are_ignored(books: Books) -> None:
    h = health(books, "2026-11-30")
    assert (points(h, "satisfaction"), part(h, "satisfaction").reason) == (None, "No survey on record")
    h = health(books, "2026-06-01", surveys("{date: 2026-03-31, nps: 9}", "{date: 2026-09-30, nps: 2}"))
    assert points(h, "satisfaction") == 14  # the NPS 2 survey is after the as-of date


# --- sentiment --------------------------------------------------------------------


def logged(*sentiments: str) -> str:
    rows = "".join(f"  - {{date: 2026-11-{i + 1:02d}, channel: call, summary: Call {i}, sentiment: {s}}}\n" for i, s in enumerate(sentiments))
    return "interactions:\n" + rows


def test_sentiment_of_the_last_three_interactions(books: Books) -> None:
    h = health(books, "2026-11-30", logged("positive", "negative", "neutral", "positive"))
    assert points(h, "sentiment") == 5  # negative 0, neutral 0.5, positive 1 -> 0.5
    assert part(h, "sentiment").reason == "Last 3 interactions with a sentiment: 1 positive, 1 neutral, 1 negative"
    assert points(health(books, "2026-11-30", logged("negative", "negative", "negative")), "sentiment") == 0
    assert points(health(books, "2026-11-30", logged("negative", "positive"), settings="health: {recent_interactions: 1}\n"), "sentiment") == 10
    assert points(health(books, "2026-11-30", CONTACT), "sentiment") is None  # no sentiment recorded


# --- risks ----------------------------------------------------------------------------


def risks(*rows: str) -> str:
    return "risks:\n" + "".join(f"  - {r}\n" for r in rows)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ((), 15),
        (("{opened: 2026-10-01, summary: A, severity: high, plan: Call}",), 8),  # 15 x 0.5 = 7.5
        (("{opened: 2026-10-01, summary: A, severity: medium}",), 6),  # no plan: 0.3 x 2 -> 15 x 0.4
        (("{opened: 2026-10-01, summary: A, severity: low, plan: Watch}",), 13),  # 15 x 0.85 = 12.75
        (("{opened: 2026-10-01, summary: A, severity: high, plan: Call}", "{opened: 2026-10-02, summary: B, severity: high}"), 0),
        (("{opened: 2026-10-01, summary: A, severity: high, plan: Call, status: mitigated}",), 15),
        (("{opened: 2026-10-01, summary: A, severity: high, plan: Call, status: closed, closed: 2026-12-15}",), 8),  # still open on 2026-11-30
        (("{opened: 2026-12-01, summary: A, severity: high}",), 15),  # opened after the as-of date
    ],
)
def test_risks_by_severity_and_plan(books: Books, rows: tuple[str, ...], expected: int) -> None:
    assert points(health(books, "2026-11-30", risks(*rows) if rows else ""), "risks") == expected


def test_risks_reason(books: Books) -> None:
    h = health(books, "2026-11-30", risks("{opened: 2026-10-01, summary: A, severity: low, plan: Watch}", "{opened: 2026-10-02, summary: B, severity: high}"))
    assert part(h, "risks").reason == "2 open risks (high, low), 1 without a plan"


# --- renewal ------------------------------------------------------------------------


def contract(renewal: str, opportunity: str = "") -> str:
    return f"contract: {{start: 2026-01-01, renewal: {renewal}}}\n" + (f"opportunities:\n  - {opportunity}\n" if opportunity else "")


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [("2026-10-01", 10), ("2026-10-02", 7), ("2026-11-01", 3), ("2026-11-30", 3), ("2026-12-01", 0), ("2027-01-05", 0)],
)
def test_renewal_loses_a_third_per_window(books: Books, as_of: str, expected: int) -> None:
    # renewal 2026-12-31: 91 days away, exactly 90, exactly 60, 31, exactly 30, passed
    assert points(health(books, as_of, contract("2026-12-31")), "renewal") == expected


def test_renewal_with_an_open_renewal_opportunity_is_full(books: Books) -> None:
    h = health(books, "2026-12-01", contract("2026-12-31", "{name: Renewal 2027, type: renewal, stage: negotiation}"))
    assert points(h, "renewal") == 10
    assert part(h, "renewal").reason == "Renewal 2026-12-31 (in 30 days) with the renewal opportunity 'Renewal 2027' at negotiation"
    assert not h.red_flags


def test_renewal_does_not_apply_without_a_date_or_to_prospects(books: Books) -> None:
    assert points(health(books, "2026-11-30"), "renewal") is None
    assert points(health(books, "2026-11-30", contract("2026-12-31"), status="prospect"), "renewal") is None


# --- revenue against target -----------------------------------------------------------


def test_revenue_against_the_pro_rata_target(books: Books) -> None:
    target = "targets: {revenue: {2026: 36500 USD}}\n"  # 100 USD a day
    half = health(books, "2026-01-10", target, ledger=invoice("INV-1", "2026-01-05", "500.00"))
    assert points(half, "revenue") == 5
    assert part(half, "revenue").reason == "500.00 USD this year, 50% of the pro-rata target of 1,000.00 USD (36,500.00 USD for 2026)"
    ahead = health(books, "2026-01-10", target, ledger=invoice("INV-1", "2026-01-05", "1500.00"))
    assert points(ahead, "revenue") == 10
    last_year = health(books, "2026-01-10", target, ledger=invoice("INV-1", "2025-12-20", "5000.00"))
    assert points(last_year, "revenue") == 0
    assert points(health(books, "2026-01-10", ledger=invoice("INV-1", "2026-01-05")), "revenue") is None
    assert points(health(books, "2026-01-10", "targets: {revenue: {2026: 36500 EUR}}\n", ledger=invoice("INV-1", "2026-01-05")), "revenue") == 0


# --- score, bands, weights -----------------------------------------------------------


def test_score_is_points_over_the_weights_that_apply(books: Books) -> None:
    # applies: freshness 15/15, sentiment 10/10, risks 8/15 -> 33 of 40 -> 82.5 -> 83
    body = "interactions:\n  - {date: 2026-11-20, channel: call, summary: Hi, sentiment: positive}\n" + risks(
        "{opened: 2026-10-01, summary: A, severity: high, plan: Call}"
    )
    h = health(books, "2026-11-30", body)
    assert [c.name for c in h.components if c.applies] == ["freshness", "sentiment", "risks"]
    assert (h.score, h.band, h.red_flags) == (83, "green", ())
    assert [c.name for c in h.reasons] == ["risks", "freshness", "sentiment"]  # most points lost first


def test_bands_and_weights_come_from_the_settings(books: Books) -> None:
    body = "interactions:\n  - {date: 2026-11-20, channel: call, summary: Hi, sentiment: positive}\n" + risks(
        "{opened: 2026-10-01, summary: A, severity: high, plan: Call}"
    )
    assert health(books, "2026-11-30", body, settings="health: {bands: {green: 85, amber: 80}}\n").band == "amber"
    assert health(books, "2026-11-30", body, settings="health: {bands: {green: 90, amber: 84}}\n").band == "red"
    unweighted = health(books, "2026-11-30", body, settings="health: {weights: {risks: 0}}\n")
    assert (unweighted.score, part(unweighted, "risks").applies) == (100, False)
    heavy = health(books, "2026-11-30", body, settings="health: {weights: {risks: 85}}\n")
    assert heavy.score == 62  # 15 + 10 + 43 (85 x 0.5, rounded half up) = 68 of 110


def test_score_is_deterministic(books: Books) -> None:
    body = CONTACT + surveys("{date: 2026-06-30, nps: 7}")
    assert health(books, "2026-11-30", body) == health(books, "2026-11-30", body)


# --- red flags --------------------------------------------------------------------------


def test_red_flag_more_than_90_days_overdue(books: Books) -> None:
    ledger = invoice("INV-1", "2026-07-01")  # due 2026-07-31
    on_the_day = health(books, "2026-10-29", ledger=ledger)  # 90 days past due: not more than 90
    assert on_the_day.red_flags == ()
    late = health(books, "2026-10-30", ledger=ledger)
    assert [(f.code, f.reason) for f in late.red_flags] == [("overdue", "INV-1 is 91 days past due: 1,000.00 USD open, more than 90 days")]
    assert late.band == "red"
    assert health(books, "2026-10-30", ledger=ledger, settings="health: {red_flags: {overdue_days: 120}}\n").red_flags == ()
    assert health(books, "2026-10-30", ledger=ledger, settings="health: {red_flags: {overdue: false}}\n").red_flags == ()


def test_red_flag_open_risk_without_a_plan_overrides_a_green_score(books: Books) -> None:
    body = "interactions:\n  - {date: 2026-11-20, channel: call, summary: Hi, sentiment: positive}\n" + risks(
        "{opened: 2026-10-01, summary: Budget owner unclear, severity: medium}"
    )
    h = health(books, "2026-11-30", body)
    assert (h.score_band, h.band) == ("green", "red")
    assert [(f.code, f.reason) for f in h.red_flags] == [("risk-without-plan", "Open medium risk without a plan: Budget owner unclear")]
    assert h.summary == "Open medium risk without a plan: Budget owner unclear"
    assert health(books, "2026-11-30", body, settings="health: {red_flags: {risk_without_plan: false}}\n").band == "green"


def test_a_low_risk_without_a_plan_costs_points_but_raises_no_red_flag(books: Books) -> None:
    body = "interactions:\n  - {date: 2026-11-20, channel: call, summary: Hi, sentiment: positive}\n" + risks(
        "{opened: 2026-10-01, summary: Budget owner unclear, severity: low}"
    )
    h = health(books, "2026-11-30", body)
    assert (h.score, h.band, h.red_flags) == (90, "green", ())  # 15 + 10 + 11 of 40


def test_red_flag_renewal_within_30_days_without_opportunity(books: Books) -> None:
    assert health(books, "2026-11-30", contract("2026-12-31")).red_flags == ()  # 31 days
    h = health(books, "2026-12-01", contract("2026-12-31"))  # exactly 30 days
    assert [(f.code, f.reason) for f in h.red_flags] == [("renewal-unprepared", "Renewal 2026-12-31 in 30 days and no renewal opportunity is open")]
    assert health(books, "2026-12-01", contract("2026-12-31"), settings="health: {red_flags: {renewal_unprepared: false}}\n").red_flags == ()


# --- the examples ---------------------------------------------------------------------


def test_examples_at_risk_client_is_red_with_its_real_problems() -> None:
    books = load_books(EXAMPLES, datetime.date.fromisoformat(EXAMPLES_AS_OF))
    scores = score_all(books)
    harbor = scores["harbor-logistics"]
    assert (harbor.band, harbor.score) == ("red", 13)
    assert [f.code for f in harbor.red_flags] == ["overdue", "risk-without-plan"]
    assert "INV-2026-039 is 108 days past due" in harbor.red_flags[0].reason
    assert "Nothing paid since the July retainer" in harbor.red_flags[1].reason
    reasons = {c.name: c.reason for c in harbor.components}
    assert "29,000.00 USD overdue in 4 invoices, the oldest 108 days past due" in reasons["payment"]
    assert "paying later than before" in reasons["payment"]
    assert reasons["freshness"] == "Last contact 2026-10-01, 60 days ago; strategic accounts every 30 days (30 days overdue)"
    assert reasons["satisfaction"] == "Latest survey 2026-09-15: NPS 3 and CSAT 2, down from NPS 6 on 2026-05-20"
    assert reasons["sentiment"] == "Last 3 interactions with a sentiment: 3 negative"
    assert reasons["risks"] == "2 open risks (high, high), 1 without a plan"
    assert reasons["renewal"] == "Renewal 2026-12-31 (in 31 days, within 60 days) with no renewal opportunity open"
    assert {c.name: c.points for c in harbor.components} == {
        "payment": 0, "freshness": 0, "satisfaction": 0, "sentiment": 0, "risks": 0, "renewal": 3, "revenue": 10,
    }  # fmt: skip
    assert scores["acme"].band == "green" and scores["acme"].score >= 90 and not scores["acme"].red_flags
    assert {pid: s.band for pid, s in scores.items()} == {
        "acme": "green", "fernwood": "green", "harbor-logistics": "red", "meridian": "green", "nordlicht": "green",
        "oakridge-dental": "amber", "pinecrest": "green", "quill-ink": "green", "solstice-health": "green", "vertex-retail": "green",
    }  # fmt: skip
    assert scores["oakridge-dental"].red_flags == ()  # its unplanned risk is low: a follow-up, not a red flag


def test_examples_health_in_the_terminal() -> None:
    result = run_cli("clients", "show", "harbor-logistics", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0
    assert "Health 13/100, RED" in result.output
    assert "red flag  INV-2026-039 is 108 days past due" in result.output
    assert "Freshness                 0/15   Last contact 2026-10-01, 60 days ago" in result.output
