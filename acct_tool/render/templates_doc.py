"""docs/templates.md: the context every report template gets, generated from the records.

Run ``python -m acct_tool.render.templates_doc > docs/templates.md`` after changing a
record in :mod:`acct_tool.engines.review_records` (reviews, portfolios, the index, the
client's deck and the owner's review); ``tests/test_figures_templates_doc.py``
fails while the page is stale.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import sys

from acct_tool.engines import review_records as records

HEAD = "# Report templates\n\n`acct-tool review` renders account reviews, portfolios and an index from\n[Jinja](https://jinja.palletsprojects.com/) templates.\n\n| template | what it renders | written as |\n|---|---|---|\n| `review.md.j2`, `review.html.j2` | one client's review | `review-<id>.md` / `.html` |\n| `portfolio.md.j2`, `portfolio.html.j2` | one account manager's portfolio | `portfolio-<manager>.md` / `.html` |\n| `index.md.j2`, `index.html.j2` | the list of everything written | `index.md` / `.html` |\n| `firm.md.j2`, `firm.html.j2` | the owner's review of the whole firm (internal audience only) | `firm.md` / `.html` / `.pdf` |\n| `review-client.md.j2`, `review-client.html.j2` | the review the client sees (`--audience client`; PDF from the HTML) | `review-<id>.client.md` / `.html` / `.pdf` |\n| `report.css` | the stylesheet the HTML templates inline | (included) |\n\nThe built-in templates ship inside the package. To change one, copy it into your\nbooks' `templates/` folder (or the folder named by `templates:` in `acct-tool.yaml`)\nunder the same name and edit it; templates you do not copy keep coming from the\npackage. `acct-tool review acme --format html` renders one review to stdout, handy\nwhile editing.\n\n## Rules\n\n- Templates run in Jinja's **sandbox**: no attribute starting with `_`, no access to\n  Python internals, modules or files. An attempt fails with a `template-unsafe`\n  diagnostic naming the template and line.\n- **Undefined names are errors** (`template-undefined`), so a typo fails loudly\n  instead of printing nothing.\n- Templates whose name contains `.html` are **autoescaped**: every value from the\n  books (names, summaries, plans, emails) is escaped. Don't mark user data `safe`.\n- `{% include %}` and `{% extends %}` find templates in your `templates/` folder,\n  then in the built-in ones; paths may not leave those folders.\n- Output must be **reproducible**: the same books and as-of date give byte-identical\n  files. The context has no clock time; don't add one.\n- HTML reports must stay self-contained: inline CSS, inline SVG, no scripts, nothing\n  fetched.\n- Templates are **bounded**: no single string or list over 10 million items, no more\n  than 50 million characters of output, at most 60 seconds and 2 GB of extra memory\n  per template. Going over is a `template-unsafe` diagnostic, not a hung machine.\n\n## Filters and functions\n\n| name | use | example |\n|---|---|---|\n| `money` | an amount (Money, or a number and its currency) with thousands separators at the currency's precision, with the currency; a number without one: 2 decimals (or `places`) | `{{ m.open \\| money }}` → `12,000.00 USD` |\n| `amount` | the number alone at the currency's precision, for a table or section that names the currency | `{{ m.open \\| amount(m.currency) }}` → `12,000.00` |\n| `number` | number with separators, `places` decimals (default 0) | `{{ x \\| number(1) }}` |\n| `pct` | percentage | `{{ m.target_pct \\| pct }}` → `92%` |\n| `signed` | number with a `+` when positive | `{{ m.revenue_change_pct \\| signed }}` → `+5` |\n| `date` | ISO date, or a `strftime` format | `{{ as_of \\| date(\"%d %b %Y\") }}` |\n| `days` | `1 day`, `12 days` | `{{ relationship.days_since_contact \\| days }}` |\n| `md` | escape text for Markdown: HTML, tables, emphasis; control characters shown as `\\x1b` | `{{ client.name \\| md }}` |\n| `bar_chart(title, labels, values, unit, highlight=None)` | inline SVG bar chart with a table of its numbers | revenue by month |\n| `stacked_bar(title, labels, values, unit)` | one bar split in segments, with its table | aging |\n| `line_chart(title, labels, values, top=10, unit=\"\")` | points on a fixed scale, with its table | NPS over time |\n| `balance_chart(title, labels, values, unit, floor=None)` | bars up or down from zero, a dashed line at `floor` and the bars below it in red, with its table | closing cash per week |\n| `stacked_columns(title, labels, series, unit)` | one column per label split into `series` (a list of (name, values); `green`, `amber`, `red` in their band colours), with its table | accounts per health band per month |\n\nMissing values are `none`; the number filters print `–` for them.\n\nA currency's precision is the ledger's: the number of decimal places it most often\nwrites that currency with, as Beancount and fava display it (`0.0045 BTC`,\n`150,000 JPY`, `12,000.00 USD`), or a `display_precision` option; a currency the\nledger does not use gets two.\n\n"

INTRO = """## The context

`acct-tool review --format json` prints the whole context: every client review, every
manager portfolio and the index, as JSON. Below, each record and its fields; a field
whose type is another record has that record's fields (`health.score`, `money.currencies`).
Amounts are `Money` (a number and a currency; JSON `{"number", "currency"}`), dates are
dates, counts are integers, lists are in a stable order, and missing values are `none`.
`Band` is `green`, `amber`, `red`, or `none` without a score; `Trend` is `improving`,
`stable` or `worsening`; `ChangeKind` is `health`, `health-no-data`, `revenue`,
`revenue-no-data`, `risk-opened`, `risk-closed`, `nps`, `opportunity` or `none`.
A period not over at the as-of date is reviewed *to date* (`2026-Q4 to date`) and
compared with as many days of the previous period (`2026-Q3 (2026-07-01 to 2026-08-30)`).

"""

_COMMENT = re.compile(r"^\s+(\w+):[^#]*#\s*(.*)$")
_ABOVE = re.compile(r"^\s+#:\s*(.*)$")
_FIELD = re.compile(r"^\s+(\w+):")


def field_notes(cls: type) -> dict[str, str]:
    """The comment on each field: at the end of its line, or a ``#:`` line above it."""
    notes: dict[str, str] = {}
    pending: list[str] = []
    for line in inspect.getsource(cls).splitlines():
        if above := _ABOVE.match(line):
            pending.append(above.group(1))
            continue
        if comment := _COMMENT.match(line):
            notes[comment.group(1)] = " ".join(pending + [comment.group(2)])
        elif (name := _FIELD.match(line)) and pending:
            notes[name.group(1)] = " ".join(pending)
        pending = []
    return notes


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def record_section(cls: type) -> str:
    doc = (cls.__doc__ or "").strip()
    out = [f"### `{cls.__name__}`", ""]
    if doc and not doc.startswith(cls.__name__ + "("):
        out += [doc, ""]
    out += ["| field | type | meaning |", "|---|---|---|"]
    notes = field_notes(cls)
    for f in dataclasses.fields(cls):
        name = f.name.rstrip("_")
        out.append(f"| `{name}` | `{_cell(str(f.type))}` | {_cell(notes.get(f.name, ''))} |")
    return "\n".join(out) + "\n"


DECK = """
## The client's deck

`review --audience client` renders `review-client.md.j2` / `review-client.html.j2`
(and the HTML as PDF with `--format pdf`) from a `ClientDeck`: a projection of the
client's `ClientReview`, never a second computation, so its open invoices and fees are
the internal review's own records. It holds only what the client may read: the firm's
letterhead, the client's goals, what was invoiced in the period and its fees, its open
invoices and balance, the next steps agreed with it, and its contract dates. The
health score and everything behind it, risks, follow-ups, interactions, the profile's
`notes:`, contacts' notes, tags, opportunities and other clients are not in it, so no
template can show them. `review --audience client --format json` prints the context of
one client (with `--out DIR`, `review-<id>.client.json` per client).

`letterhead` is the plain data every client document gets (`firm`, `recipient`,
`remittance`; see [documents](documents.md)), and the built-in HTML template uses the
shared blocks of `_document.html.j2` (`{% import "_document.html.j2" as doc %}`,
`doc.firm_block(letterhead)`, `doc.remittance_block(letterhead)`) and `document.css`.
`PeriodInfo`, `MonthAmount` and `OpenDocument` are the records above.

"""


FIRM = """
## The owner's review

`review --out DIR` (internal audience; never `--audience client`) also writes `firm.md` /
`firm.html` (`firm.pdf` with `--format pdf`) from a `FirmReview`, linked first from the
index; `review --format json` prints it under `firm`. It covers the whole firm whatever
PARTY or `--manager` chose, over the 12 months to the as-of date: the as-of date's month
(to date) and the 11 before it. Every figure is another command's: a client's revenue is
what `portfolio --from <start>` shows for it, summed per currency (never across
currencies) into the months, managers, tiers and the top 1, 5 and 10 clients' share;
the aging totals are `aging ar|ap`'s; each DSO point is `dso ar`'s overall figure with
that month end as the as-of date (90-day window); the accounts at risk are the clients
in the red band with the health their reviews show. The template also gets `ext`.

`cash` is `acct-tool cash` for the same books and as-of date (see [cash](cash.md)): the
position of every bank and cash account per currency, and the 13-week forecast per
currency (opening, receipts, payments, recurring and closing per week, the first week
below `cash.floor`, the invoices at risk and their total), from the same engine
function. `income` is `acct-tool financials income --period <the review period>` (see
[financials](financials.md)): income, expenses and net income per currency for the
review period and, beside it, the period the financials rule compares it with (the
previous quarter or month, as many days of it for a period to date; for a year to date
the same dates a year earlier). Currencies are never added together. Both need
Beancount's entries, which `review` loads only when it writes the firm page (internal
audience with `--out DIR`, or `--format json`); a context built without them has `cash`
and `income` none, and the built-in templates say "not available".

`PeriodInfo`, `MonthAmount`, `AgingAmount` and `HealthInfo` are the records above.

"""


PORTFOLIO = """
## Portfolios and the index

Each `ManagerPortfolio` reads the same engines as the commands: `health_months` counts the
accounts per band in the health history the client reviews chart (computed once for every
reviewed client; the last month is the as-of date, as `clients list` shows it);
`revenue_months` adds up the months of the accounts' reviews per currency; `aging` is
`aging ar`'s buckets for the accounts' open items; `pipeline` is
`pipeline --manager <manager> --format json` (`by_stage`, `totals`, slipping
opportunities, `renewals_at_risk`); `renewals` are the contracts of the manager's active
and paused clients within the widest `health.renewal_windows` window; `prospects` and
`satisfaction` (NPS and CSAT over the accounts' responses in the period, pooled) are
`portfolio --from <start> --to <end> --format json`'s. The index's `totals` and `bands`
are that command's `totals`, per currency, never added across currencies.

"""


def render() -> str:
    sections = [record_section(cls) for cls in records.RECORDS]
    deck = [record_section(cls) for cls in records.DECK_RECORDS]
    firm = [record_section(cls) for cls in records.FIRM_RECORDS]
    return HEAD + INTRO + "\n".join(sections) + PORTFOLIO + DECK + "\n".join(deck) + FIRM + "\n".join(firm)


if __name__ == "__main__":
    sys.stdout.write(render())
