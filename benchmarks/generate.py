"""Generate a whole, valid books folder of a given size, deterministically from a seed.

Usage (from the repository root)::

    python -m benchmarks.generate OUT_DIR --transactions 100000 [--seed 1] [--years 3]

The books follow the conventions of ``examples/`` (see ``examples/README.md``):

* ``acct-tool.yaml`` with the two statement formats of the examples;
* ``ledger/main.beancount``: options, commodities, every ``open``, and an
  ``include`` per year; ``ledger/YYYY.beancount``: the transactions of that year
  in date order, with a balance assertion on every bank account at the start of
  every month (they hold: balances are tracked exactly in integer cents);
* ``clients/<id>.yaml``: one profile per client (about one per 200
  transactions) and per vendor, valid against the party schema;
* ``ledger/statements/``: the bank statements of the last month (Northbank USD
  CSV, and Rheinbank EUR CSV when there are EUR clients) that match the ledger.

The ledger holds invoices (``^INV-...`` links or ``invoice:`` metadata, with or
without ``due:``), linked payments, part payments, one payment for several
invoices split by posting-level ``invoice:`` metadata, unlinked payments
(applied oldest first), overpayments (leaving an unapplied credit), credit
notes (``credit_note:``), vendor bills (``^BILL-...`` links or ``bill:``
metadata) and their payments, rent, salaries, card expenses, bank fees and
EUR-to-USD transfers. Every payment refers to an earlier invoice of the same
client; invoices still unpaid at the end are the open items.

The number of transactions is exactly ``--transactions`` (the opening balance,
monthly fixed costs and every other transaction count; ``open`` and
``balance`` directives do not). Generation streams: it holds the parties and
the payments still to come, never the ledger. The same seed, size and years
give byte-identical files (one ``random.Random``; no clock, no set order).
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import shutil
import sys
import time
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

#: Bump when the output for a given seed changes, so cached books are regenerated.
GENERATOR_VERSION = 1
#: The last year of the books; the as-of date is its 31 December.
END_YEAR = 2026
#: Transactions per client, roughly ("about one client per 200 transactions").
TRANSACTIONS_PER_CLIENT = 200
#: File at the root of generated books; ``--force`` only replaces folders that have it.
MARKER = ".benchmark-books"

Date = datetime.date
_DAY = datetime.timedelta(days=1)

# --- names ---------------------------------------------------------------------

_CLIENT_A = [
    "Acme",
    "Amber",
    "Apex",
    "Arbor",
    "Atlas",
    "Beacon",
    "Birch",
    "Blue",
    "Bright",
    "Cedar",
    "Coastal",
    "Copper",
    "Crest",
    "Delta",
    "Eagle",
    "Ember",
    "Evergreen",
    "Falcon",
    "Fern",
    "Golden",
    "Granite",
    "Harbor",
    "Highland",
    "Iron",
    "Juniper",
    "Keystone",
    "Lake",
    "Maple",
    "Meridian",
    "Nimbus",
    "North",
    "Oak",
    "Orchid",
    "Pacific",
    "Pine",
    "Prairie",
    "Quill",
    "Redwood",
    "Ridge",
    "River",
    "Sage",
    "Silver",
    "Solstice",
    "Summit",
    "Tidal",
    "Union",
    "Vertex",
    "Willow",
]
_CLIENT_B = [
    "Analytics",
    "Bakery",
    "Bio",
    "Brewing",
    "Capital",
    "Clinic",
    "Coffee",
    "Construction",
    "Credit",
    "Dental",
    "Design",
    "Energy",
    "Foods",
    "Freight",
    "Games",
    "Health",
    "Hotels",
    "Insurance",
    "Labs",
    "Legal",
    "Logistics",
    "Media",
    "Medical",
    "Motors",
    "Outdoor",
    "Partners",
    "Pharma",
    "Press",
    "Properties",
    "Publishing",
    "Realty",
    "Retail",
    "Robotics",
    "Schools",
    "Software",
    "Solar",
    "Sports",
    "Studios",
    "Systems",
    "Textiles",
    "Travel",
    "Ventures",
    "Vision",
    "Water",
    "Wellness",
    "Wines",
    "Works",
    "Yards",
]
_CLIENT_C = [
    "-",
    "Group",
    "Inc",
    "Co",
    "Ltd",
    "LLC",
    "Holdings",
    "Collective",
    "Cooperative",
    "Company",
    "Associates",
    "International",
    "Brothers",
    "Alliance",
    "Studio",
    "Foundation",
    "Network",
    "Trust",
    "Guild",
    "Center",
    "Society",
    "Agency",
    "Federation",
    "Club",
]
_PERSON_FIRST = [
    "Ada",
    "Ahmed",
    "Aiko",
    "Alba",
    "Amara",
    "Ana",
    "Ben",
    "Bruno",
    "Carla",
    "Chen",
    "Dana",
    "Derek",
    "Elena",
    "Emeka",
    "Farah",
    "Felix",
    "Grace",
    "Hana",
    "Ibrahim",
    "Ines",
    "Jonas",
    "Julia",
    "Kai",
    "Kofi",
    "Lars",
    "Lena",
    "Luca",
    "Mai",
    "Marco",
    "Maya",
    "Mei",
    "Nadia",
    "Noah",
    "Omar",
    "Paul",
    "Priya",
    "Rafael",
    "Rosa",
    "Sam",
    "Sandra",
    "Sofia",
    "Tariq",
    "Tom",
    "Uma",
    "Victor",
    "Wen",
    "Yara",
    "Zoe",
]
_PERSON_LAST = [
    "Abbott",
    "Adeyemi",
    "Bauer",
    "Becker",
    "Brooks",
    "Castro",
    "Chen",
    "Costa",
    "Diaz",
    "Dubois",
    "Eriksen",
    "Ferreira",
    "Fischer",
    "Garcia",
    "Haddad",
    "Hansen",
    "Holt",
    "Ito",
    "Jensen",
    "Kim",
    "Kowalski",
    "Larsen",
    "Liu",
    "Lopez",
    "Martin",
    "Meyer",
    "Moreau",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Olsen",
    "Patel",
    "Perez",
    "Quinn",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Singh",
    "Tanaka",
    "Tran",
    "Vargas",
    "Weber",
    "Wong",
    "Yilmaz",
    "Young",
    "Zhang",
]
_VENDOR_A = ["Cloud", "Pixel", "Byte", "Paper", "Metro", "Swift", "Prime", "Clear", "Bold", "Nova", "Core", "Peak"]
#: Vendor trade -> (expense account, low and high bill in dollars).
_VENDOR_B: dict[str, tuple[str, int, int]] = {
    "Hosting": ("Expenses:Hosting", 400, 4000),
    "Software": ("Expenses:Software", 200, 9000),
    "Print": ("Expenses:Marketing", 300, 6000),
    "Supplies": ("Expenses:Office", 100, 1500),
    "Consulting": ("Expenses:Contractors", 2000, 15000),
    "Catering": ("Expenses:Office", 200, 2500),
    "Couriers": ("Expenses:Office", 80, 900),
    "Staffing": ("Expenses:Contractors", 3000, 20000),
    "Telecom": ("Expenses:Software", 150, 1200),
    "Legal": ("Expenses:Legal", 1000, 12000),
}
_MANAGERS = ("lan", "priya", "tom", "ana", "marco", "yuki", "sam", "leila")
_INDUSTRIES = (
    "Logistics",
    "Healthcare",
    "Retail",
    "Financial services",
    "Manufacturing",
    "Hospitality",
    "Education",
    "Media",
    "Energy",
    "Real estate",
    "Food and beverage",
    "Technology",
    "Non-profit",
    "Legal services",
)
_SERVICES = ("Income:Services:Design", "Income:Services:Development", "Income:Services:Retainer", "Income:Services:Consulting")
_WORK = (
    "retainer",
    "website redesign - milestone",
    "mobile app - sprint",
    "brand refresh",
    "analytics dashboard",
    "content strategy",
    "UX audit",
    "e-commerce build - milestone",
    "hosting and support",
    "campaign design",
)
_ROLES = ("CEO", "CFO", "COO", "CTO", "Head of Marketing", "Head of Digital", "Product Manager", "Operations Manager", "Accounts Payable")
_TOPICS = (
    "quarterly business review",
    "roadmap planning",
    "release demo",
    "budget for next year",
    "support response times",
    "invoice questions",
    "new feature request",
    "campaign results",
    "contract renewal",
    "team changes on their side",
    "performance issues",
    "launch retrospective",
    "pricing discussion",
    "security questionnaire",
)
_ACTIONS = (
    "Send revised proposal",
    "Share the release plan",
    "Book the next review",
    "Send payment reminder",
    "Prepare case studies",
    "Send updated estimate",
    "Follow up on open invoices",
    "Draft the renewal terms",
    "Introduce the new project lead",
    "Send the audit findings",
)
_RISKS = (
    ("Evaluating a competitor ahead of the renewal", "Executive sponsor call and a renewal offer"),
    ("Payments slipping past due", "Agree a payment plan with their finance team"),
    ("Champion is leaving the company", "Build a relationship with the new decision maker"),
    ("Budget cuts announced", "Propose a reduced scope that keeps the core retainer"),
    ("Unhappy with release cadence", "Weekly demos and a shorter sprint cycle"),
)
_GOALS = (
    "Cut onboarding time in half",
    "Launch the new online shop",
    "Grow repeat customers by 20%",
    "Reduce support calls",
    "Modernise the brand",
    "Move reporting to self-service dashboards",
)
_OPPORTUNITIES = ("Phase two build", "Annual retainer extension", "Mobile app", "Brand refresh", "Analytics add-on", "Support plan upgrade")
_MISC = (
    ("Metro Travel", "Expenses:Travel", 80, 2400),
    ("Office Depot", "Expenses:Office", 20, 600),
    ("City Cafe", "Expenses:Meals", 15, 300),
    ("AdNetwork", "Expenses:Marketing", 100, 3000),
    ("Postal Service", "Expenses:Office", 5, 120),
)

_STAGE_CHANCE = {"lead": 10, "qualified": 25, "proposal": 50, "negotiation": 75}
_TIERS = ("key", "strategic", "standard")
_TIER_WEIGHT = {"key": 3, "strategic": 2, "standard": 1}
_BASE_DOLLARS = {"key": (8000, 25000), "strategic": (4000, 12000), "standard": (500, 5000)}
_INTERACTION_DAYS = {"key": 14, "strategic": 30, "standard": 75}


# --- parties -------------------------------------------------------------------


@dataclass
class Client:
    """A client: its profile facts and the running state the ledger needs."""

    index: int
    id: str
    name: str
    account: str
    currency: str
    tier: str
    manager: str
    status: str
    behavior: str  # prompt | average | late | chronic | unlinked
    since: Date
    opened: Date  # first day it is invoiced (first of a month)
    stop: Date  # last day it is invoiced
    payment_days: int
    base: int  # typical invoice, cents
    income: str
    waiting: tuple[str, int, int] | None = None  # (number, cents, day) awaiting a joint payment
    revenue: dict[int, int] = field(default_factory=dict)  # year -> invoiced cents
    invoices: int = 0

    @property
    def receivable(self) -> str:
        return f"Assets:Receivable:{self.account}"

    @property
    def bank(self) -> str:
        return "Assets:Bank:Euro" if self.currency == "EUR" else "Assets:Bank:Operating"


@dataclass
class Vendor:
    """A vendor that bills us."""

    id: str
    name: str
    account: str
    expense: str
    low: int
    high: int
    payment_days: int
    since: Date
    person: bool

    @property
    def payable(self) -> str:
        return f"Liabilities:Payable:{self.account}"


def _slug(name: str) -> str:
    return "-".join("".join(c for c in word.lower() if c.isalnum()) for word in name.split())


def _camel(name: str) -> str:
    return "".join("".join(c for c in word if c.isalnum()) for word in name.split())


def _make_clients(rng: random.Random, count: int, start: Date, end: Date) -> list[Client]:
    """``count`` clients with unique names, tiers, behaviours and active periods."""
    seen: set[str] = set()
    clients: list[Client] = []
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    while len(clients) < count:
        i = len(clients)
        a, b, c = rng.choice(_CLIENT_A), rng.choice(_CLIENT_B), rng.choice(_CLIENT_C)
        name = f"{a} {b}" if c == "-" else f"{a} {b} {c}"
        if len(seen) > len(_CLIENT_A) * len(_CLIENT_B) * len(_CLIENT_C) // 2:
            name = f"{name} {i}"
        ident = _slug(name)
        if ident in seen:
            continue
        seen.add(ident)
        tier = rng.choices(_TIERS, (10, 25, 65))[0]
        currency = "EUR" if i % 20 == 1 else "USD"
        roll = rng.random()
        behavior = "unlinked" if i % 25 == 2 else "prompt" if roll < 0.42 else "average" if roll < 0.77 else "late" if roll < 0.94 else "chronic"
        status = "active"
        joined = rng.random() < 0.3 and i > 0
        if joined:  # a client won during the period, starting on the first of a month
            month = rng.randrange(0, max(1, int(months * 0.8)))
            opened = _add_months(start, month)
            since = opened
        else:
            opened = start
            since = start - datetime.timedelta(days=rng.randrange(30, 1500))
        stop = end
        roll = rng.random()
        if i % 50 == 7:
            status = "prospect"
        elif roll < 0.08 and i > 0:  # churned at the end of some month after at least four months
            first = (opened.year - start.year) * 12 + opened.month - start.month + 4
            if first < months - 1:
                status = "churned"
                stop = _add_months(start, rng.randrange(first, months - 1) + 1) - _DAY
        elif roll < 0.11 and i > 0:
            status = "paused"
            stop = max(opened, _add_months(Date(end.year, end.month, 1), -4) - _DAY)
        low, high = _BASE_DOLLARS[tier]
        clients.append(
            Client(
                index=i,
                id=ident,
                name=name,
                account=_camel(name),
                currency=currency,
                tier=tier,
                manager=_MANAGERS[rng.randrange(len(_MANAGERS))],
                status=status,
                behavior=behavior,
                since=since,
                opened=opened,
                stop=stop,
                payment_days=rng.choice((15, 30, 30, 30, 45, 60)),
                base=rng.randrange(low, high) * 100,
                income=rng.choice(_SERVICES),
            )
        )
    return clients


def _make_vendors(rng: random.Random, count: int, start: Date, taken: set[str]) -> list[Vendor]:
    vendors: list[Vendor] = []
    trades = list(_VENDOR_B)
    while len(vendors) < count:
        person = rng.random() < 0.25
        if person:
            name = f"{rng.choice(_PERSON_FIRST)} {rng.choice(_PERSON_LAST)}"
            expense, low, high = "Expenses:Contractors", 1500, 9000
        else:
            trade = rng.choice(trades)
            name = f"{rng.choice(_VENDOR_A)} {trade}"
            expense, low, high = _VENDOR_B[trade]
        if len(taken) > 400:
            name = f"{name} {len(vendors)}"
        ident = _slug(name)
        if ident in taken:
            continue
        taken.add(ident)
        vendors.append(
            Vendor(
                id=ident,
                name=name,
                account=_camel(name),
                expense=expense,
                low=low,
                high=high,
                payment_days=rng.choice((14, 30, 30, 45)),
                since=start - datetime.timedelta(days=rng.randrange(0, 900)),
                person=person,
            )
        )
    return vendors


def _add_months(day: Date, months: int) -> Date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return Date(index // 12, index % 12 + 1, 1)


# --- formatting ----------------------------------------------------------------


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = -cents if cents < 0 else cents
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _grouped(cents: int, thousands: str, mark: str) -> str:
    sign = "-" if cents < 0 else ""
    cents = -cents if cents < 0 else cents
    whole = f"{cents // 100:,}".replace(",", thousands)
    return f"{sign}{whole}{mark}{cents % 100:02d}"


def _post(account: str, cents: int, currency: str) -> str:
    return f"  {account:<46}{_money(cents):>13} {currency}\n"


def _q(text: str) -> str:
    """A double-quoted YAML/Beancount string (ASCII text from the word lists)."""
    return json.dumps(text)


# --- the ledger ----------------------------------------------------------------


class _Ledger:
    """Streams transactions day by day into yearly files and keeps the bank balances."""

    def __init__(self, folder: Path, start: Date, end: Date) -> None:
        self.folder = folder
        self.start, self.end = start, end
        self.handle: IO[str] | None = None
        self.year = 0
        self.buffer: list[str] = []
        self.bank = {"Assets:Bank:Operating": 0, "Assets:Bank:Euro": 0}
        self.count = 0
        self.stats: dict[str, int] = {}
        self.statement_from = Date(end.year, end.month, 1)
        #: Bank postings of the last month: account -> (date, cents, description, reference, seq).
        self.statement: dict[str, list[tuple[Date, int, str, str, int]]] = {a: [] for a in self.bank}
        self.opening: dict[str, int] = {}
        self.day = start
        self.day_text = start.isoformat()
        self.years: list[int] = []

    def begin_day(self, day: Date) -> None:
        if day.year != self.year:
            self._switch(day.year)
        if day == self.statement_from:
            self.opening = dict(self.bank)
        self.day = day
        self.day_text = day.isoformat()

    def _switch(self, year: int) -> None:
        self.flush()
        if self.handle is not None:
            self.handle.close()
        self.year = year
        self.years.append(year)
        self.handle = open(self.folder / f"{year}.beancount", "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - kept open across calls, closed by _switch and close
        self.handle.write(f";; Transactions {year}, generated by benchmarks/generate.py. Accounts are opened in main.beancount.\n")

    def flush(self) -> None:
        if self.handle is not None and self.buffer:
            self.handle.write("".join(self.buffer))
            self.buffer.clear()

    def close(self) -> None:
        self.flush()
        if self.handle is not None:
            self.handle.close()
            self.handle = None

    def text(self, text: str) -> None:
        self.buffer.append(text)
        if len(self.buffer) > 20000:
            self.flush()

    def txn(self, kind: str, text: str) -> None:
        """One transaction (``text`` without the date)."""
        self.buffer.append(f"\n{self.day_text} {text}")
        self.count += 1
        self.stats[kind] = self.stats.get(kind, 0) + 1
        if len(self.buffer) > 20000:
            self.flush()

    def move(self, account: str, cents: int, description: str, reference: str) -> None:
        """Record money in (+) or out (-) of a bank account on the current day."""
        self.bank[account] += cents
        if self.day >= self.statement_from:
            rows = self.statement[account]
            rows.append((self.day, cents, description, reference, len(rows)))


@dataclass
class Summary:
    """What was generated, for the runner and for people."""

    out: str
    seed: int
    years: int
    transactions: int
    clients: int
    vendors: int
    first_date: str
    as_of: str
    files: int
    bytes: int
    seconds: float
    generator_version: int
    kinds: dict[str, int]

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True)


def generate(out: Path, transactions: int, seed: int = 1, years: int = 3) -> Summary:
    """Write a books folder with exactly ``transactions`` transactions into ``out`` (created)."""
    began = time.perf_counter()
    if years < 1:
        raise ValueError("years must be at least 1")
    rng = random.Random(seed)
    start, end = Date(END_YEAR - years + 1, 1, 1), Date(END_YEAR, 12, 31)
    days = (end - start).days + 1
    months = years * 12
    n_clients = max(4, round(transactions / TRANSACTIONS_PER_CLIENT))
    clients = _make_clients(rng, n_clients, start, end)
    vendors = _make_vendors(rng, max(3, n_clients // 8), start, {c.id for c in clients})
    has_eur = any(c.currency == "EUR" and c.status != "prospect" for c in clients)
    fixed = 1 + months * (5 if has_eur else 4)
    spread = transactions - fixed
    if spread < days // 4:
        raise ValueError(f"{transactions} transactions are too few for {years} year(s); use at least {fixed + days // 4} or fewer years")

    for sub in ("ledger/statements", "clients"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(
        f"generated by benchmarks/generate.py version {GENERATOR_VERSION}: --transactions {transactions} --seed {seed} --years {years}\n", encoding="utf-8"
    )
    ledger = _Ledger(out / "ledger", start, end)
    invoicing = [c for c in clients if c.status != "prospect"]

    # Money sizes: fixed costs follow the expected revenue so the bank stays positive.
    weights = sum(_TIER_WEIGHT[c.tier] for c in invoicing)
    mean_invoice = sum(c.base * _TIER_WEIGHT[c.tier] for c in invoicing) / max(1, weights)
    monthly_revenue = spread / days * 0.42 * 30.4 * mean_invoice
    salaries = max(300000, int(monthly_revenue * 0.78) // 10000 * 10000)
    rent = max(150000, int(monthly_revenue * 0.07) // 10000 * 10000)
    opening = (salaries + rent) * 2

    numbers: dict[tuple[str, int], int] = {}

    def number(prefix: str, year: int) -> str:
        """The next document number of the year, e.g. INV-2026-000042 (numbering restarts every year)."""
        key = (prefix, year)
        numbers[key] = numbers.get(key, 0) + 1
        return f"{prefix}-{year}-{numbers[key]:06d}"

    pending: dict[int, list[tuple[Any, ...]]] = {}

    def schedule(day: int, event: tuple[Any, ...]) -> None:
        if day < days:
            pending.setdefault(day, []).append(event)

    # --- event writers (each writes exactly one transaction) ---

    def invoice(d: int, client: Client) -> None:
        amount = client.base * rng.randrange(70, 131) // 100
        amount = amount // 100 * 100 if rng.random() < 0.8 else amount
        num = number("INV", ledger.day.year)
        work = _WORK[rng.randrange(len(_WORK))]
        due_days = client.payment_days
        header = f'* "{client.name}" "Invoice {num} - {work}"'
        meta = ""
        if rng.random() < 0.1:  # numbered by metadata instead of a link
            meta += f'  invoice: "{num}"\n'
        else:
            header += f" ^{num}"
        if rng.random() < 0.85:
            meta += f"  due: {(ledger.day + datetime.timedelta(days=due_days)).isoformat()}\n"
        if rng.random() < 0.2:  # two service lines
            part = amount * rng.randrange(20, 80) // 100
            body = (
                _post(client.receivable, amount, client.currency)
                + _post("Income:Services:Design", -part, client.currency)
                + _post("Income:Services:Development", part - amount, client.currency)
            )
        else:
            body = _post(client.receivable, amount, client.currency) + f"  {client.income}\n"
        ledger.txn("invoice", f"{header}\n{meta}{body}")
        client.invoices += 1
        client.revenue[ledger.day.year] = client.revenue.get(ledger.day.year, 0) + amount
        plan_payment(d, client, num, amount, due_days)

    def delay(client: Client, due_days: int) -> int:
        b = client.behavior
        if b == "prompt":
            return max(1, due_days - rng.randrange(0, 11))
        if b == "late":
            return due_days + rng.randrange(10, 76)
        if b == "chronic":
            return due_days + rng.randrange(45, 201)
        return max(1, due_days + rng.randrange(-5, 16))

    def plan_payment(d: int, client: Client, num: str, amount: int, due_days: int) -> None:
        r = rng.random()
        if client.behavior == "unlinked":
            if r < 0.9:
                schedule(d + delay(client, due_days), ("unlinked", client, amount))
            else:
                first = amount * rng.randrange(30, 70) // 100
                schedule(d + delay(client, due_days), ("unlinked", client, first))
                schedule(d + delay(client, due_days) + rng.randrange(10, 40), ("unlinked", client, amount - first))
            return
        if r < 0.05:  # credit note, then the rest paid
            credit = amount * rng.randrange(5, 31) // 100
            schedule(d + rng.randrange(2, 12), ("credit", client, num, credit))
            schedule(d + 12 + delay(client, due_days), ("pay", client, num, amount - credit, ""))
        elif r < 0.12:  # paid in two parts (the second may fall after the end: part-paid)
            first = amount * rng.randrange(30, 71) // 100
            when = d + delay(client, due_days)
            schedule(when, ("pay", client, num, first, " (part 1 of 2)"))
            schedule(when + rng.randrange(10, 60), ("pay", client, num, amount - first, " (part 2 of 2)"))
        elif r < 0.18:  # paid together with another invoice, split by posting metadata
            if client.waiting is None:
                client.waiting = (num, amount, d)
            else:
                other = client.waiting
                client.waiting = None
                schedule(d + delay(client, due_days), ("joint", client, (other[:2], (num, amount))))
        elif r < 0.19:  # overpaid: the surplus stays an unapplied credit
            extra = rng.choice((5000, 10000, 25000, 30000))
            schedule(d + delay(client, due_days), ("pay", client, num, amount + extra, f" (overpaid by {_money(extra)})"))
        elif r < 0.22:  # paid without a reference
            schedule(d + delay(client, due_days), ("unlinked", client, amount))
        elif r < 0.235:  # never paid
            return
        else:
            schedule(d + delay(client, due_days), ("pay", client, num, amount, ""))

    def pay(client: Client, num: str, cents: int, note: str) -> None:
        kind = "overpayment" if note.startswith(" (overpaid") else "part payment" if note.startswith(" (part") else "payment"
        ledger.txn(kind, f'* "{client.name}" "Payment {num}{note}" ^{num}\n{_post(client.bank, cents, client.currency)}  {client.receivable}\n')
        ledger.move(client.bank, cents, f"{client.name.upper()}", num)

    def unlinked(client: Client, cents: int) -> None:
        ledger.txn(
            "unlinked payment",
            f'* "{client.name}" "Payment received - no remittance advice"\n{_post(client.bank, cents, client.currency)}{_post(client.receivable, -cents, client.currency)}',
        )
        ledger.move(client.bank, cents, f"{client.name.upper()}", f"TRF-{ledger.count:07d}")

    def joint(client: Client, items: Sequence[tuple[str, int]]) -> None:
        total = sum(c for _, c in items)
        lines = [f'* "{client.name}" "Payment for {" and ".join(n for n, _ in items)}"\n', _post(client.bank, total, client.currency)]
        for num, cents in items:
            lines.append(_post(client.receivable, -cents, client.currency))
            lines.append(f'    invoice: "{num}"\n')
        ledger.txn("joint payment", "".join(lines))
        ledger.move(client.bank, total, f"{client.name.upper()}", items[0][0])

    def credit_note(client: Client, num: str, cents: int) -> None:
        cn = number("CN", ledger.day.year)
        ledger.txn(
            "credit note",
            f'* "{client.name}" "Credit note {cn} for {num}" ^{num}\n  credit_note: "{cn}"\n{_post(client.receivable, -cents, client.currency)}  {client.income}\n',
        )

    def bill(d: int) -> None:
        vendor = vendors[rng.randrange(len(vendors))]
        cents = rng.randrange(vendor.low, vendor.high) * 100 + rng.choice((0, 0, 0, rng.randrange(100)))
        num = number("BILL", ledger.day.year)
        due = vendor.payment_days
        by_meta = rng.random() < 0.4
        head = f'* "{vendor.name}" "Bill {num} - {vendor.expense.split(":")[-1].lower()}"' + ("" if by_meta else f" ^{num}")
        meta = (f'  bill: "{num}"\n' if by_meta else "") + f"  due: {(ledger.day + datetime.timedelta(days=due)).isoformat()}\n"
        ledger.txn("bill", f"{head}\n{meta}{_post(vendor.expense, cents, 'USD')}{_post(vendor.payable, -cents, 'USD')}")
        r = rng.random()
        if r < 0.03:
            return  # still open
        when = d + max(1, due + rng.randrange(-10, 8)) + (rng.randrange(30, 90) if r < 0.05 else 0)
        if r < 0.11:
            first = cents * rng.randrange(30, 70) // 100
            schedule(when, ("billpay", vendor, num, first, by_meta, " (1 of 2)"))
            schedule(when + rng.randrange(14, 45), ("billpay", vendor, num, cents - first, by_meta, " (2 of 2)"))
        else:
            schedule(when, ("billpay", vendor, num, cents, by_meta, ""))

    def bill_payment(vendor: Vendor, num: str, cents: int, by_meta: bool, note: str) -> None:
        head = f'* "{vendor.name}" "Payment {num}{note}"' + (f'\n  bill: "{num}"' if by_meta else f" ^{num}")
        ledger.txn("bill payment", f"{head}\n{_post(vendor.payable, cents, 'USD')}{_post('Assets:Bank:Operating', -cents, 'USD')}")
        ledger.move("Assets:Bank:Operating", -cents, f"ACH DEBIT {vendor.name.upper()}", num)

    def misc() -> None:
        payee, account, low, high = _MISC[rng.randrange(len(_MISC))]
        cents = rng.randrange(low * 100, high * 100)
        ledger.txn("expense", f'* "{payee}" "{account.split(":")[-1]}"\n{_post(account, cents, "USD")}{_post("Assets:Bank:Operating", -cents, "USD")}')
        ledger.move("Assets:Bank:Operating", -cents, f"CARD {payee.upper()}", f"CARD-{ledger.count:07d}")

    def fixed_cost(kind: str, payee: str, narration: str, account: str, cents: int, bank: str, currency: str, ref: str) -> None:
        ledger.txn(kind, f'* "{payee}" "{narration}"\n{_post(account, cents, currency)}{_post(bank, -cents, currency)}')
        ledger.move(bank, -cents, payee.upper(), ref)

    def transfer() -> bool:
        euros = ledger.bank["Assets:Bank:Euro"] * 8 // 10 // 10000 * 100  # whole hundreds of euros
        if euros <= 0:
            return False
        rate = rng.randrange(10500, 12500)  # USD per EUR, 4 decimals
        usd = euros * rate // 100  # cents: euros * rate / 10000 dollars, exact for whole hundreds of euros
        ref = f"UEB-{ledger.day_text.replace('-', '')}"
        ledger.txn(
            "transfer",
            f'* "Rheinbank AG" "Transfer EUR to USD operating account"\n  {"Assets:Bank:Euro":<46}{_money(-euros * 100):>13} EUR @ {rate // 10000}.{rate % 10000:04d} USD\n{_post("Assets:Bank:Operating", usd, "USD")}',
        )
        ledger.move("Assets:Bank:Euro", -euros * 100, "Ueberweisung an Northbank USD-Konto", ref)
        ledger.move("Assets:Bank:Operating", usd, "INCOMING WIRE RHEINBANK", ref)
        return True

    def emit(event: tuple[Any, ...]) -> bool:
        kind = event[0]
        if kind == "pay":
            pay(event[1], event[2], event[3], event[4])
        elif kind == "unlinked":
            unlinked(event[1], event[2])
        elif kind == "joint":
            joint(event[1], event[2])
        elif kind == "credit":
            credit_note(event[1], event[2], event[3])
        elif kind == "billpay":
            bill_payment(event[1], event[2], event[3], event[4], event[5])
        elif kind == "transfer":
            return transfer()
        return True

    # --- the days ---
    active: list[Client] = []
    cumulative: list[int] = []
    for d in range(days):
        day = start + datetime.timedelta(days=d)
        ledger.begin_day(day)
        if day.day == 1:
            if d:
                ledger.text("\n")
                for account, currency in (("Assets:Bank:Operating", "USD"), ("Assets:Bank:Euro", "EUR")):
                    if currency == "USD" or has_eur:
                        ledger.text(f"{ledger.day_text} balance {account:<32}{_money(ledger.bank[account]):>14} {currency}\n")
            month_end = _add_months(day, 1) - _DAY
            active = [c for c in invoicing if c.opened <= day and c.stop >= month_end]
            cumulative = []
            total = 0
            for c in active:
                total += _TIER_WEIGHT[c.tier]
                cumulative.append(total)
            if d == 0:
                ledger.txn("opening", f'* "Opening balance"\n{_post("Assets:Bank:Operating", opening, "USD")}  Equity:Opening-Balances\n')
                ledger.move("Assets:Bank:Operating", opening, "OPENING BALANCE", "OPEN")
            month = day.strftime("%B %Y")
            fixed_cost("rent", "Mill Street Properties", f"Office rent {month}", "Expenses:Rent", rent, "Assets:Bank:Operating", "USD", f"ACH-RENT-{day:%Y%m}")
        if day.day == 5:
            fixed_cost(
                "software",
                "Northbank Card Services",
                f"Software subscriptions {day:%B %Y}",
                "Expenses:Software",
                salaries // 40 + rng.randrange(0, 20000),
                "Assets:Bank:Operating",
                "USD",
                f"CARD-{day:%Y%m}",
            )
        if day.day == 16 and has_eur:
            pending.setdefault(d, []).insert(0, ("transfer",))
        if day.day == 25:
            fixed_cost(
                "salaries",
                "Northbank Payroll",
                f"Net salaries {day:%B %Y}",
                "Expenses:Salaries",
                salaries,
                "Assets:Bank:Operating",
                "USD",
                f"PAYROLL-{day:%Y%m}",
            )
        if (day + _DAY).day == 1:
            fixed_cost(
                "bank fees",
                "Northbank",
                f"Account fees {day:%B %Y}",
                "Expenses:BankFees",
                4500 + rng.randrange(0, 8000),
                "Assets:Bank:Operating",
                "USD",
                f"FEE-{day:%Y%m}",
            )
            if has_eur:
                fixed_cost(
                    "bank fees", "Rheinbank AG", f"Kontofuehrungsgebuehr {day:%m/%Y}", "Expenses:BankFees", 1250, "Assets:Bank:Euro", "EUR", f"GEB-{day:%Y%m}"
                )

        quota = spread * (d + 1) // days - spread * d // days
        done = 0
        events = pending.pop(d, None)
        if events:
            i = 0
            while i < len(events) and done < quota:
                if emit(events[i]):
                    done += 1
                i += 1
            if i < len(events) and d + 1 < days:  # too many for today: the rest waits a day
                pending[d + 1] = events[i:] + pending.get(d + 1, [])
        while done < quota:
            r = rng.random()
            if r < 0.80 and active:
                client = active[_pick(cumulative, rng)]
                invoice(d, client)
            elif r < 0.89:
                bill(d)
            else:
                misc()
            done += 1
    ledger.close()
    if ledger.count != transactions:  # pragma: no cover - a bug in the quota logic
        raise AssertionError(f"generated {ledger.count} transactions, not {transactions}")

    _write_main(out / "ledger" / "main.beancount", clients, vendors, start, ledger.years, has_eur)
    _write_settings(out / "acct-tool.yaml", has_eur)
    _write_statements(out / "ledger" / "statements", ledger, end, has_eur, rng)
    for client in clients:
        (out / "clients" / f"{client.id}.yaml").write_text(_client_yaml(client, rng, start, end), encoding="utf-8", newline="\n")
    for vendor in vendors:
        (out / "clients" / f"{vendor.id}.yaml").write_text(_vendor_yaml(vendor, rng, start, end), encoding="utf-8", newline="\n")

    files = [p for p in out.rglob("*") if p.is_file()]
    return Summary(
        out=str(out),
        seed=seed,
        years=years,
        transactions=ledger.count,
        clients=len(clients),
        vendors=len(vendors),
        first_date=start.isoformat(),
        as_of=end.isoformat(),
        files=len(files),
        bytes=sum(p.stat().st_size for p in files),
        seconds=round(time.perf_counter() - began, 2),
        generator_version=GENERATOR_VERSION,
        kinds=dict(sorted(ledger.stats.items())),
    )


def _pick(cumulative: list[int], rng: random.Random) -> int:
    """Index of a weighted choice: ``cumulative`` holds the running sums of the weights."""
    return bisect_right(cumulative, rng.randrange(cumulative[-1]))


# --- the other files -------------------------------------------------------------


def _write_main(path: Path, clients: Sequence[Client], vendors: Sequence[Vendor], start: Date, years: Sequence[int], has_eur: bool) -> None:
    s = start.isoformat()
    out = [
        ";; Benchmark books, generated by benchmarks/generate.py (deterministic from its seed).\n",
        ";; Conventions as in examples/: invoices link ^INV-... (or invoice: metadata) with due:,\n",
        ";; payments link the invoice or split by posting-level invoice: metadata, credit notes\n",
        ";; carry credit_note:, bills link ^BILL-... (or bill: metadata).\n\n",
        'option "title" "Benchmark Studio"\noption "operating_currency" "USD"\n\n',
        f'{s} commodity USD\n  name: "US Dollar"\n{s} commodity EUR\n  name: "Euro"\n\n',
        f"{s} open {'Assets:Bank:Operating':<44} USD\n",
    ]
    if has_eur:
        out.append(f"{s} open {'Assets:Bank:Euro':<44} EUR\n")
    out.append("\n")
    for c in clients:
        if c.status != "prospect":
            out.append(f"{c.opened.isoformat()} open {c.receivable:<44} {c.currency}\n")
    out.append("\n")
    for v in vendors:
        out.append(f"{s} open {v.payable:<44} USD\n")
    out.append(f"\n{s} open {'Equity:Opening-Balances':<44} USD,EUR\n\n")
    for account in _SERVICES:
        out.append(f"{s} open {account:<44} USD,EUR\n")
    expenses = sorted(
        {v.expense for v in vendors}
        | {m[1] for m in _MISC}
        | {"Expenses:Rent", "Expenses:Salaries", "Expenses:Software", "Expenses:BankFees", "Expenses:Uncategorized"}
    )
    out.append("\n")
    for account in expenses:
        out.append(f"{s} open {account:<44} {'USD,EUR' if account in ('Expenses:BankFees', 'Expenses:Uncategorized') else 'USD'}\n")
    out.append("\n")
    for year in years:
        out.append(f'include "{year}.beancount"\n')
    path.write_text("".join(out), encoding="utf-8", newline="\n")


_SETTINGS = """\
# Settings of generated benchmark books (benchmarks/generate.py); same formats as examples/.
ledger: ledger/main.beancount
profiles: clients
receivable_root: Assets:Receivable
payable_root: Liabilities:Payable
payment_days: 30
aging_limits: [30, 60, 90]
operating_currency: USD
cadence: {key: 14, strategic: 30, standard: 90}
statements:
  window_days: 3
  counter_account: Expenses:Uncategorized
  formats:
    northbank:
      delimiter: ","
      encoding: utf-8
      skip_rows: 0
      date: Date
      date_format: "%Y-%m-%d"
      amount: Amount
      description: Description
      reference: Reference
      balance: Balance
      decimal_mark: "."
      thousands_separator: ","
      sign: as-is
    rheinbank:
      delimiter: ";"
      encoding: cp1252
      skip_rows: 2
      date: Buchungstag
      date_format: "%d.%m.%Y"
      debit: Soll
      credit: Haben
      description: Verwendungszweck
      reference: Referenz
      balance: Saldo
      decimal_mark: ","
      thousands_separator: "."
  files:
    - {match: "ledger/statements/northbank-*.csv", format: northbank, account: Assets:Bank:Operating}
"""


def _write_settings(path: Path, has_eur: bool) -> None:
    text = _SETTINGS
    if has_eur:
        text += '    - {match: "ledger/statements/rheinbank-*.csv", format: rheinbank, account: Assets:Bank:Euro}\n'
    path.write_text(text, encoding="utf-8", newline="\n")


def _write_statements(folder: Path, ledger: _Ledger, end: Date, has_eur: bool, rng: random.Random) -> None:
    """Statements of the last month; some credits reach the bank a day or two after the ledger date."""
    month = f"{end:%Y-%m}"
    for account, rows in ledger.statement.items():
        euro = account == "Assets:Bank:Euro"
        if euro and not has_eur:
            continue
        lines = []
        for day, cents, description, reference, seq in rows:
            shift = rng.choice((1, 2)) if cents > 0 and rng.random() < 0.25 else 0
            lines.append((min(end, day + datetime.timedelta(days=shift)), seq, cents, description, reference))
        lines.sort()
        balance = ledger.opening.get(account, 0)
        if euro:
            out = ["Kontoauszug Rheinbank AG;;;;;", "Konto DE00 0000 0000 0000;;;;;", "Buchungstag;Verwendungszweck;Referenz;Soll;Haben;Saldo"]
            for day, _, cents, description, reference in lines:
                balance += cents
                text = description.replace("Ueberweisung", "\u00dcberweisung") if cents < 0 else f"SEPA-Gutschrift {description.title()}"
                soll = _grouped(-cents, ".", ",") if cents < 0 else ""
                haben = _grouped(cents, ".", ",") if cents > 0 else ""
                out.append(f"{day:%d.%m.%Y};{text.replace(';', ',')};{reference};{soll};{haben};{_grouped(balance, '.', ',')}")
            (folder / f"rheinbank-{month}.csv").write_bytes(("\r\n".join(out) + "\r\n").encode("cp1252"))
        else:
            out = ["Date,Description,Reference,Amount,Balance"]
            for day, _, cents, description, reference in lines:
                balance += cents
                text = f"ACH CREDIT {description}" if cents > 0 and not description.startswith(("INCOMING", "OPENING")) else description
                out.append(f'{day.isoformat()},{text.replace(",", " ")},{reference},"{_grouped(cents, ",", ".")}","{_grouped(balance, ",", ".")}"')
            (folder / f"northbank-{month}.csv").write_text("\n".join(out) + "\n", encoding="utf-8", newline="\n")


def _date_between(rng: random.Random, low: Date, high: Date) -> Date:
    span = (high - low).days
    return low + datetime.timedelta(days=rng.randrange(span + 1)) if span > 0 else low


def _client_yaml(c: Client, rng: random.Random, start: Date, end: Date) -> str:
    """A full profile: contacts, interactions with next steps, surveys, risks, opportunities, targets."""
    y: list[str] = [
        f"# Generated client ({c.tier}, pays {c.behavior}).\n",
        f"id: {c.id}\n",
        f"name: {_q(c.name)}\n",
        "kind: client\n",
        f"status: {c.status}\n",
        f"tier: {c.tier}\n",
        f"manager: {c.manager}\n",
        f"since: {c.since.isoformat()}\n",
        f"website: https://{c.id}.example\n",
        f"industry: {_q(_INDUSTRIES[c.index % len(_INDUSTRIES)])}\n",
    ]
    if c.status != "prospect":
        y.append(f"currencies: [{c.currency}]\n")
        y.append(f"accounts:\n  receivable: {c.receivable}\n  income: [{c.income}]\n")
        limit = max(10000, c.base // 100 * 12 // 1000 * 1000)
        y.append(f"terms: {{payment_days: {c.payment_days}, credit_limit: {limit} {c.currency}}}\n")
        value = c.base // 100 * 12
        if c.status == "churned":
            y.append(f"contract: {{start: {c.opened.isoformat()}, end: {c.stop.isoformat()}, value: {value} {c.currency}, auto_renew: false}}\n")
        else:
            renewal = _date_between(rng, end - datetime.timedelta(days=60), end + datetime.timedelta(days=300))
            y.append(
                f"contract: {{start: {c.opened.isoformat()}, renewal: {renewal.isoformat()}, value: {value} {c.currency}, auto_renew: {'true' if rng.random() < 0.5 else 'false'}, notice_days: 30}}\n"
            )
    people: list[str] = []
    y.append("contacts:\n")
    for k in range(rng.randrange(2, 5)):
        first, last = rng.choice(_PERSON_FIRST), rng.choice(_PERSON_LAST)
        person = f"{first} {last}"
        if person in people:
            continue
        people.append(person)
        flags = ""
        if k == 0 and c.index % 10 != 3:
            flags += ", decision_maker: true, primary: true"
        if k == 1:
            flags += ", billing: true"
        y.append(
            f'  - {{name: {person}, role: {_ROLES[rng.randrange(len(_ROLES))]}, email: {first.lower()}.{last.lower()}@{c.id}.example, phone: "+1 555 {rng.randrange(1000, 9999)}"{flags}}}\n'
        )
    y.append("goals:\n")
    for goal in rng.sample(_GOALS, rng.randrange(1, 4)):
        y.append(f"  - {goal}\n")
    # Interactions at the tier's rhythm; some clients go quiet for a while before the end.
    first_day = max(c.since, start - datetime.timedelta(days=90))
    last_day = min(end, c.stop + datetime.timedelta(days=30))
    if rng.random() < 0.3:
        last_day = max(first_day, last_day - datetime.timedelta(days=rng.randrange(30, 150)))
    step = _INTERACTION_DAYS[c.tier]
    moods = ("positive", "neutral", "negative")
    weights = (5, 4, 1) if c.behavior in ("prompt", "average", "unlinked") else (2, 4, 4)
    dates = []
    day = first_day + datetime.timedelta(days=rng.randrange(0, step))
    while day <= last_day:
        dates.append(day)
        day += datetime.timedelta(days=step + rng.randrange(-step // 3, step // 3 + 1))
    if dates:
        y.append("interactions:\n")
    for n, day in enumerate(dates):
        who = people[rng.randrange(len(people))]
        y.append(f"  - date: {day.isoformat()}\n")
        y.append(f"    channel: {rng.choice(('meeting', 'call', 'email', 'video', 'visit', 'chat'))}\n")
        y.append(f"    with: {who}\n    by: {c.manager}\n")
        y.append(f"    summary: {_q(_TOPICS[rng.randrange(len(_TOPICS))].capitalize())}\n")
        y.append(f"    sentiment: {rng.choices(moods, weights)[0]}\n")
        final = n == len(dates) - 1
        if final or rng.random() < 0.25:
            due = day + datetime.timedelta(days=rng.randrange(5, 21))
            done = "false" if final and rng.random() < 0.6 else "true"
            y.append(f"    next_step: {{action: {_ACTIONS[rng.randrange(len(_ACTIONS))]}, due: {due.isoformat()}, owner: {c.manager}, done: {done}}}\n")
    surveys = [d for d in dates if rng.random() < 0.25]
    if surveys:
        y.append("satisfaction:\n")
        base = 9 if c.behavior in ("prompt", "unlinked") else 7 if c.behavior == "average" else 5
        for d in surveys:
            nps = min(10, max(0, base + rng.randrange(-2, 2)))
            y.append(f"  - {{date: {d.isoformat()}, nps: {nps}" + (f", csat: {min(5, max(1, nps // 2))}" if rng.random() < 0.5 else "") + "}\n")
    n_risks = (rng.randrange(1, 3) if c.behavior in ("late", "chronic") else 1 if rng.random() < 0.15 else 0) if dates else 0
    if n_risks:
        y.append("risks:\n")
        for _ in range(n_risks):
            summary, plan = _RISKS[rng.randrange(len(_RISKS))]
            opened = _date_between(rng, dates[0], dates[-1])
            entry = f"  - {{opened: {opened.isoformat()}, summary: {summary}, severity: {rng.choice(('low', 'medium', 'high'))}"
            if rng.random() < 0.7:
                entry += f", plan: {_q(plan)}"
            status = rng.choice(("open", "open", "mitigated", "closed"))
            entry += f", owner: {c.manager}, status: {status}"
            if status == "closed":
                entry += f", closed: {_date_between(rng, opened, end).isoformat()}"
            y.append(entry + "}\n")
    n_opps = rng.randrange(0, 4) if c.status != "churned" else 0
    if n_opps:
        y.append("opportunities:\n")
        for name in rng.sample(_OPPORTUNITIES, n_opps):
            stage = rng.choice(("lead", "qualified", "proposal", "negotiation", "won", "lost"))
            closed = stage in ("won", "lost")
            close = _date_between(rng, end - datetime.timedelta(days=300), end) if closed else _date_between(rng, end, end + datetime.timedelta(days=240))
            chance = 100 if stage == "won" else 0 if stage == "lost" else _STAGE_CHANCE[stage]
            kind = "new" if c.status == "prospect" else rng.choice(("expansion", "renewal"))
            y.append(
                f"  - {{name: {name}, value: {c.base // 100 * rng.randrange(2, 13)} {c.currency}, stage: {stage}, close: {close.isoformat()}, type: {kind}, probability: {chance}, owner: {c.manager}}}\n"
            )
    if c.revenue:
        y.append("targets:\n  revenue:\n")
        for year in sorted(c.revenue):
            target = c.revenue[year] * rng.randrange(80, 131) // 100 // 100000 * 1000
            y.append(f"    {year}: {max(1000, target)} {c.currency}\n")
    y.append(f"tags: [{c.tier}, {c.behavior}]\n")
    y.append(f"notes: {_q(f'{c.invoices} invoices in the generated ledger.')}\n")
    return "".join(y)


def _vendor_yaml(v: Vendor, rng: random.Random, start: Date, end: Date) -> str:
    contact = v.name if v.person else f"{rng.choice(_PERSON_FIRST)} {rng.choice(_PERSON_LAST)}"
    y = [
        "# Generated vendor.\n",
        f"id: {v.id}\nname: {_q(v.name)}\nkind: vendor\nstatus: active\n",
        f"since: {v.since.isoformat()}\nwebsite: https://{v.id}.example\n",
        f"industry: {_q('Freelance' if v.person else v.expense.split(':')[-1])}\ncurrencies: [USD]\n",
        f"accounts:\n  payable: {v.payable}\nterms: {{payment_days: {v.payment_days}}}\n",
        f"contacts:\n  - {{name: {contact}, email: billing@{v.id}.example, billing: true, primary: true}}\n",
    ]
    if rng.random() < 0.5:
        day = _date_between(rng, start, end)
        y.append(
            f"interactions:\n  - {{date: {day.isoformat()}, channel: email, with: {contact}, by: {_MANAGERS[0]}, summary: Renegotiated terms, sentiment: neutral}}\n"
        )
    y.append(f"tags: [{'contractor' if v.person else 'supplier'}]\n")
    return "".join(y)


def parse_size(text: str) -> int:
    """``10k``, ``100k``, ``1m``, ``1M`` or a plain number."""
    t = text.strip().lower().replace("_", "")
    factor = 1
    if t.endswith("k"):
        factor, t = 1000, t[:-1]
    elif t.endswith("m"):
        factor, t = 1_000_000, t[:-1]
    return int(float(t) * factor)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="books folder to write (created; existing files are overwritten)")
    parser.add_argument("--transactions", "-n", type=parse_size, default=10_000, help="number of transactions, e.g. 10k, 100k, 1m (default 10k)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--years", type=int, default=3, help=f"years of history ending {END_YEAR}-12-31 (default 3)")
    parser.add_argument("--force", action="store_true", help="replace OUT_DIR when it holds books generated by this script")
    args = parser.parse_args(argv)
    if args.out.exists() and (not args.out.is_dir() or any(args.out.iterdir())):
        if not (args.force and (args.out / MARKER).is_file()):
            parser.error(f"{args.out} exists and is not empty; pass --force to replace books generated by this script")
        shutil.rmtree(args.out)
    try:
        summary = generate(args.out, args.transactions, seed=args.seed, years=args.years)
    except ValueError as exc:
        parser.error(str(exc))
    print(summary.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
