"""Views of open items, aging, tie-out and party statements: tables, CSV and JSON,
and the context of the statement a firm sends (``templates/statement.*.j2``)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from acct_tool.engines.aging import Aging
from acct_tool.engines.party_statement import PartyStatement
from acct_tool.engines.payments import pooled
from acct_tool.engines.receivables import Document, OpenItems
from acct_tool.money import Money, Precisions, places_of
from acct_tool.render import diagnostics as diagnostics_view
from acct_tool.render.table import cell, csv_amount, render, to_csv, to_json
from acct_tool.render.text_safety import for_terminal, visible

SIDE_TITLE = {"ar": "Receivables", "ap": "Payables"}


# --- aging --------------------------------------------------------------------


def _amount(value: Decimal, places: int) -> str:
    return "-" if value == 0 else cell(value, places)


def _short(text: str, width: int = 18) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@for_terminal
def aging_table(aging: Aging, as_of: str, precisions: Precisions | None = None) -> str:
    basis = "days past due" if aging.basis == "due" else "days since the document date"
    out = [f"{SIDE_TITLE[aging.side]} aging as of {as_of} (by {basis})\n"]
    if not aging.tables:
        return out[0] + "nothing open\n"
    for currency, rows in aging.tables.items():
        totals = aging.totals(currency)
        places = places_of(currency, precisions)
        out.append(f"\n{currency}\n")
        if aging.by == "party":
            headers = ["party"] + aging.labels + ["total"]
            table = [[_short(r.party)] + [_amount(r.buckets[b], places) for b in aging.labels] + [cell(r.total, places)] for r in rows if r.total]
            footer = ["total"] + [_amount(totals.buckets[b], places) for b in aging.labels] + [cell(totals.total, places)]
            out.append(render(headers, table, right=list(range(1, len(headers))), footer=footer))
        else:
            headers = ["document", "due" if aging.basis == "due" else "date", "days", "bucket", "open"]
            body: list[list[Any]] = []
            for party in sorted({r.party for r in rows if r.document is not None}):
                body.append([party, "", "", "", ""])
                for r in rows:
                    if r.party == party and r.document is not None:
                        d = r.document
                        bucket = next(b for b in aging.labels if r.buckets[b])
                        body.append(["  " + d.ref, d.due if aging.basis == "due" else d.date, r.days, bucket, cell(d.open, places)])
            out.append(render(headers, body, right=[2, 4]))
            out.append("  ".join(f"{b} {_amount(totals.buckets[b], places)}" for b in aging.labels) + f"  total {cell(totals.total, places)}\n")
        credits = [r for r in rows if r.credits]
        if credits:
            listed = ", ".join(f"{r.party} {cell(r.credits, places)}" for r in credits)
            out.append(f"unapplied credits: {listed}; net open {cell(totals.net, places)} {currency}\n")
    return "".join(out)


def aging_rows(aging: Aging, precisions: Precisions | None = None) -> tuple[list[str], list[list[Any]]]:
    headers = ["currency", "party"] + (["document", "date", "due", "days"] if aging.by == "document" else []) + aging.labels + ["credits", "total"]
    rows = []
    for currency, table in aging.tables.items():
        for r in table:
            extra: list[Any] = []
            if aging.by == "document":
                d = r.document
                extra = [d.ref, d.date, d.due, r.days] if d else ["", "", "", ""]
            figures = [r.buckets[label] for label in aging.labels] + [-r.credits, r.net]
            rows.append([currency, r.party] + extra + [csv_amount(f, currency, precisions) for f in figures])
    return headers, rows


def aging_csv(aging: Aging, precisions: Precisions | None = None) -> str:
    headers, rows = aging_rows(aging, precisions)
    return to_csv(headers, rows)


def aging_json(aging: Aging, as_of: str, precisions: Precisions | None = None) -> str:
    tables = {}
    for currency, rows in aging.tables.items():

        def money(number: Decimal, currency: str = currency) -> Money:
            return Money(number, currency)

        def buckets(values: dict[str, Decimal]) -> dict[str, Money]:
            return {label: money(v) for label, v in values.items()}

        items = []
        for r in rows:
            item: dict[str, Any] = {"party": r.party, "buckets": buckets(r.buckets), "credits": money(r.credits), "total": money(r.total), "net": money(r.net)}
            if r.document is not None:
                item.update(document=r.document.ref, date=r.document.date, due=r.document.due, days=r.days)
            items.append(item)
        t = aging.totals(currency)
        tables[currency] = {"rows": items, "totals": {"buckets": buckets(t.buckets), "credits": money(t.credits), "total": money(t.total), "net": money(t.net)}}
    return to_json({"side": aging.side, "as_of": as_of, "basis": aging.basis, "by": aging.by, "buckets": aging.labels, "currencies": tables}, precisions)


# --- open items ---------------------------------------------------------------

OPEN_HEADERS = ["number", "party", "date", "due", "currency", "original", "paid", "open", "days_past_due"]


def _open_values(d: Document, as_of: Any, precisions: Precisions | None = None) -> list[Any]:
    money = [csv_amount(n, d.currency, precisions) for n in (d.amount, d.paid, d.open)]
    return [d.ref, d.party, d.date, d.due, d.currency, *money, d.days_past_due(as_of)]


@for_terminal
def open_table(items: OpenItems, party: str | None, precisions: Precisions | None = None) -> str:
    docs = items.open_documents(party)
    title = f"Open {'invoices' if items.side.value == 'ar' else 'bills'} as of {items.as_of}"
    credits = items.unapplied_credits(party)
    if not docs and not credits:
        return f"{title}\nnothing open\n"
    out = [f"{title}\n"]
    headers = ["number", "date", "due", "original", "paid", "open", "days"]
    for currency in sorted({d.currency for d in docs} | {c.currency for c in credits}):
        body: list[list[Any]] = []
        current = None
        for d in sorted((d for d in docs if d.currency == currency), key=lambda d: (d.party, d.due, d.ref)):
            if d.party != current:
                current = d.party
                body.append([d.party, "", "", "", "", "", ""])
            body.append(["  " + d.ref, d.date, d.due, d.amount, d.paid, d.open, d.days_past_due(items.as_of)])
        total = sum((d.open for d in docs if d.currency == currency), Decimal(0))
        places = places_of(currency, precisions)
        out.append(f"\n{currency}\n" + render(headers, body, right=[3, 4, 5, 6], footer=["total", "", "", "", "", total, ""], places=places))
        for c in (c for c in credits if c.currency == currency):
            out.append(
                f"unapplied credit: {c.party} {cell(c.unapplied, places)} {currency} ({c.kind} of {c.date}, {visible(c.where.file or '')}:{c.where.line})\n"
            )
    return "".join(out)


def open_csv(items: OpenItems, party: str | None, precisions: Precisions | None = None) -> str:
    return to_csv(OPEN_HEADERS, [_open_values(d, items.as_of, precisions) for d in items.open_documents(party)])


def document_json(d: Document, as_of: Any) -> dict[str, Any]:
    """An open document in JSON: its amounts as money, its number under ``document``."""
    return {
        "document": d.ref,
        "party": d.party,
        "date": d.date,
        "due": d.due,
        "original": Money(d.amount, d.currency),
        "paid": Money(d.paid, d.currency),
        "open": Money(d.open, d.currency),
        "days_past_due": d.days_past_due(as_of),
        "file": d.where.file,
        "line": d.where.line,
    }


def open_json(items: OpenItems, party: str | None, precisions: Precisions | None = None) -> str:
    docs = [document_json(d, items.as_of) for d in items.open_documents(party)]
    credits = [
        {
            "party": c.party,
            "date": c.date,
            "kind": c.kind,
            "reference": c.reference,
            "amount": Money(c.amount, c.currency),
            "unapplied": Money(c.unapplied, c.currency),
            "file": c.where.file,
            "line": c.where.line,
        }
        for c in items.unapplied_credits(party)
    ]
    return to_json({"side": items.side.value, "as_of": items.as_of, "documents": docs, "unapplied_credits": credits}, precisions)


# --- reconcile ----------------------------------------------------------------


@for_terminal
def reconcile_text(items: OpenItems, precisions: Precisions | None = None) -> str:
    side = items.side.value
    headers = ["party", "cur", "open", "credits", "ledger", "difference"]
    rows = []
    for t in items.ties:
        places = places_of(t.currency, precisions)
        figures = [cell(n, places) for n in (t.open_documents, t.unapplied_credits, t.ledger_balance)]
        rows.append([t.party, t.currency, *figures, "ok" if t.ok else cell(t.difference, places)])
    out = [f"{SIDE_TITLE[side]} tie-out as of {items.as_of}: open documents - unapplied credits = ledger balance\n"]
    out.append(render(headers, rows, right=[2, 3, 4, 5]) if rows else "no party accounts\n")
    broken = [t for t in items.ties if not t.ok]
    out.append(f"tie-out {'holds' if not broken else 'FAILS'} for {len(items.ties) - len(broken)} of {len(items.ties)} party balances\n")
    paid = items.paid_unnumbered()
    if paid:
        counts = ", ".join(f"{party} {n}" for party, n in paid.items())
        out.append(f"paid {items.side.document}s with no number (told apart by file:line): {counts}\n")
    if items.diagnostics:
        out.append("\n" + diagnostics_view.to_text(list(items.diagnostics)))
    return "".join(out)


def reconcile_json(items: OpenItems, precisions: Precisions | None = None) -> str:
    ties = []
    for t in items.ties:
        figures = {"open_documents": t.open_documents, "unapplied_credits": t.unapplied_credits, "ledger_balance": t.ledger_balance, "difference": t.difference}
        ties.append({"party": t.party, "account": t.account} | {k: Money(v, t.currency) for k, v in figures.items()} | {"ok": t.ok})
    return to_json(
        {
            "side": items.side.value,
            "as_of": items.as_of,
            "ties": ties,
            "paid_unnumbered": items.paid_unnumbered(),
            "diagnostics": [d.to_dict() for d in items.diagnostics],
        },
        precisions,
    )


RECONCILE_CSV = ["party", "account", "currency", "open_documents", "unapplied_credits", "ledger_balance", "difference", "ok"]


def reconcile_csv(items: OpenItems, precisions: Precisions | None = None) -> str:
    """One row per party and currency, the figures at the currency's precision."""
    rows = [
        [
            t.party,
            t.account,
            t.currency,
            *(csv_amount(n, t.currency, precisions) for n in (t.open_documents, t.unapplied_credits, t.ledger_balance, t.difference)),
            str(t.ok).lower(),
        ]
        for t in items.ties
    ]
    return to_csv(RECONCILE_CSV, rows)


# --- party statement ----------------------------------------------------------


@for_terminal
def statement_text(s: PartyStatement, precisions: Precisions | None = None) -> str:
    """The statement on a terminal; the one to send is ``templates/statement.*.j2`` (:func:`statement_context`)."""
    who = "Statement of account" if s.side.value == "ar" else "Vendor statement"
    out = [f"{who}: {visible(s.name)} ({visible(s.party)})\n", f"Period {s.start} to {s.end}\n"]
    if not s.sections:
        out.append("\nNo activity.\n")
    for sec in s.sections:
        headers = ["date", "kind", "reference", "applies to", "charges", "credits", "balance"]
        rows: list[list[Any]] = [["", "brought forward", "", "", "", "", sec.brought_forward]]
        rows += [[ln.date, ln.kind, ln.ref, ", ".join(ln.applies_to), ln.charge or "", ln.credit or "", ln.balance] for ln in sec.lines]
        footer = ["", "closing balance", "", "", "", "", sec.closing]
        places = places_of(sec.currency, precisions)
        out.append(f"\n{sec.currency}\n")
        out.append(render(headers, rows, right=[4, 5, 6], footer=footer, places=places, shrink=[1]))
    if s.open_documents or s.unapplied:
        out.append(f"\nOpen items at {s.end}\n")
        headers = ["number", "date", "due", "currency", "open", "days"]
        rows = [[d.number or "", d.date, d.due, d.currency, cell(d.open, places_of(d.currency, precisions)), d.days_past_due(s.end)] for d in s.open_documents]
        rows += [
            [f"{c.reference} ({c.kind}, unapplied)", c.date, "", c.currency, cell(-c.unapplied, places_of(c.currency, precisions)), ""] for c in s.unapplied
        ]
        out.append(render(headers, rows, right=[4, 5]))
        for currency, _table in s.aging.tables.items():
            totals = s.aging.totals(currency)
            parts = [f"{label} {cell(totals.buckets[label], places_of(currency, precisions))}" for label in s.aging.labels]
            out.append(f"\nAging ({currency}): " + " | ".join(parts) + "\n")
    return "".join(out)


def statement_json(s: PartyStatement, precisions: Precisions | None = None) -> str:
    def lines(currency: str, section: Any) -> list[dict[str, Any]]:
        return [
            {
                "date": ln.date,
                "kind": ln.kind,
                "reference": ln.ref,
                "description": ln.description,
                "applies_to": list(ln.applies_to),
                "charge": Money(ln.charge, currency),
                "credit": Money(ln.credit, currency),
                "balance": Money(ln.balance, currency),
                "where": _where(ln.where),
            }
            for ln in section.lines
        ]

    return to_json(
        {
            "party": s.party,
            "name": s.name,
            "side": s.side.value,
            "from": s.start,
            "to": s.end,
            "currencies": {
                sec.currency: {
                    "brought_forward": Money(sec.brought_forward, sec.currency),
                    "lines": lines(sec.currency, sec),
                    "closing": Money(sec.closing, sec.currency),
                }
                for sec in s.sections
            },
            "open_documents": [
                {
                    "document": d.number or "",
                    "date": d.date,
                    "due": d.due,
                    "open": Money(d.open, d.currency),
                    "days_past_due": d.days_past_due(s.end),
                    "bucket": s.bucket(d),
                    "where": _where(d.where),
                }
                for d in s.open_documents
            ],
            "unapplied_credits": [
                {"reference": c.reference, "kind": c.kind, "date": c.date, "unapplied": Money(c.unapplied, c.currency), "where": _where(c.where)}
                for c in s.unapplied
            ],
            "aging": {cur: {label: Money(v, cur) for label, v in s.aging.totals(cur).buckets.items()} for cur in s.aging.tables},
        },
        precisions,
    )


def _where(where: Any) -> str | None:
    """A source location as ``file:line``, for the one who keeps the books (never shown as a reference)."""
    if not where.file:
        return None
    return f"{where.file}:{where.line}" if where.line is not None else str(where.file)


STATEMENT_CSV = ["currency", "date", "kind", "reference", "description", "charge", "credit", "balance", "applies_to"]


def statement_csv(s: PartyStatement, precisions: Precisions | None = None) -> str:
    """Per currency: the balance brought forward, every line, the closing balance."""
    rows: list[list[Any]] = []
    for sec in s.sections:

        def figure(number: Decimal | None, currency: str = sec.currency) -> Decimal | None:
            return csv_amount(number, currency, precisions)

        rows.append([sec.currency, s.start, "brought forward", "", "", None, None, figure(sec.brought_forward), ""])
        rows += [
            [sec.currency, ln.date, ln.kind, ln.ref, ln.description, figure(ln.charge), figure(ln.credit), figure(ln.balance), " ".join(ln.applies_to)]
            for ln in sec.lines
        ]
        rows.append([sec.currency, s.end, "closing balance", "", "", None, None, figure(sec.closing), ""])
    return to_csv(STATEMENT_CSV, rows)


def statement_context(s: PartyStatement, letterheads: Mapping[str, Mapping[str, Any]], default_currency: str) -> dict[str, Any]:
    """What ``statement.md.j2`` and ``statement.html.j2`` get (docs/documents.md lists it): the
    statement's figures as they are (every amount from :func:`~acct_tool.engines.party_statement.party_statement`,
    the same as ``--format json``), per currency, with the letterhead of that currency (firm,
    recipient, remittance; see :mod:`acct_tool.engines.letterhead`). A vendor's statement
    has no remittance: the firm pays it."""
    currencies = [sec.currency for sec in s.sections] or [default_currency]
    first = letterheads[currencies[0]]
    sections = []
    for sec in s.sections or ():
        cur = sec.currency
        docs = [d for d in s.open_documents if d.currency == cur]
        credits = [c for c in s.unapplied if c.currency == cur]
        buckets = s.aging.totals(cur).buckets if cur in s.aging.tables else {label: Decimal(0) for label in s.aging.labels}
        sections.append(
            {
                "currency": cur,
                "brought_forward": sec.brought_forward,
                "closing": sec.closing,
                "charges": sum((ln.charge for ln in sec.lines), Decimal(0)),
                "credits": sum((ln.credit for ln in sec.lines), Decimal(0)),
                "lines": [
                    {
                        "date": ln.date,
                        "kind": ln.kind,
                        "reference": ln.ref,
                        "description": ln.description,
                        "applies_to": list(ln.applies_to),
                        "charge": ln.charge,
                        "credit": ln.credit,
                        "balance": ln.balance,
                        "due": ln.due,
                    }
                    for ln in sec.lines
                ],
                "open_items": [
                    {
                        "number": d.number or "",
                        "date": d.date,
                        "due": d.due,
                        "description": d.narration,
                        "original": d.amount,
                        "open": d.open,
                        "days_overdue": max(d.days_past_due(s.end), 0),
                        "bucket": s.bucket(d),
                    }
                    for d in docs
                ],
                "unapplied": [{"reference": c.reference, "kind": c.kind, "date": c.date, "amount": c.unapplied} for c in credits],
                "aging": [{"label": label, "amount": buckets[label]} for label in s.aging.labels],
                "remittance": letterheads[cur]["remittance"] if s.side.value == "ar" else None,
            }
        )
    return {
        "title": "Statement of account" if s.side.value == "ar" else "Vendor statement",
        "party": s.party,
        "name": s.name,
        "side": s.side.value,
        "start": s.start,
        "end": s.end,
        "letterhead": {"firm": first["firm"], "recipient": first["recipient"], "remittance": None},
        "sections": sections,
    }


# --- payment behaviour and DSO -----------------------------------------------


def dso_rows(behaviours: dict[str, Any], dsos: dict[str, dict[str, Any]], by: str, groups: dict[str, str]) -> tuple[list[str], list[list[Any]]]:
    window = next((d.window for group in dsos.values() for d in group.values()), 90)
    headers = [by, "currency", "dso_days", "open", f"invoiced_{window}d", "paid_documents", "avg_days_late", "avg_days_to_pay", "trend"]
    rows: list[list[Any]] = []
    for name in sorted(k for k in dsos if k != "*"):
        members = [p for p, g in groups.items() if g == name] if by == "manager" else [name]
        late, to_pay, paid = pooled(behaviours, members)
        trend = behaviours[name].trend if by == "party" and name in behaviours else None
        for currency, d in dsos[name].items():
            rows.append([name, currency, d.days, d.open, d.invoiced, paid, late, to_pay, trend])
    for currency, d in dsos.get("*", {}).items():
        rows.append(["(all)", currency, d.days, d.open, d.invoiced, None, None, None, None])
    return headers, rows


@for_terminal
def dso_table(headers: list[str], rows: list[list[Any]], as_of: str, precisions: Precisions | None = None) -> str:
    window = headers[4].removeprefix("invoiced_").removesuffix("d")
    short = ["", "cur", "DSO", "open", f"invoiced {window}d", "paid", "late", "to pay", "trend"]
    short[0] = headers[0]

    def days(value: Any, empty: str = "") -> str:
        return empty if value is None else str(value)

    def money(value: Decimal, currency: str) -> str:
        return cell(value, places_of(currency, precisions))

    body = [[_short(str(r[0]), 16), r[1], days(r[2], "-"), money(r[3], r[1]), money(r[4], r[1]), days(r[5]), days(r[6]), days(r[7]), r[8] or ""] for r in rows]
    note = f"DSO = open / invoiced in the last {window} days x {window}; late and to pay are average days over the documents fully paid this year\n"
    return f"Payment behaviour as of {as_of}\n" + render(short, body, right=[2, 3, 4, 5, 6, 7]) + note


#: The columns of :func:`dso_rows` that are money, in the row's currency (column 1).
DSO_MONEY = (3, 4)


def dso_json(headers: list[str], rows: list[list[Any]], precisions: Precisions | None = None) -> str:
    """One object per row of :func:`dso_rows`; its open and invoiced amounts carry the currency."""
    items = [{h: Money(v, r[1]) if i in DSO_MONEY else v for i, (h, v) in enumerate(zip(headers, r)) if h != "currency"} for r in rows]
    return to_json(items, precisions)


def dso_csv(headers: list[str], rows: list[list[Any]], precisions: Precisions | None = None) -> str:
    """The rows of :func:`dso_rows`, the amounts at their currency's precision."""
    return to_csv(headers, [[csv_amount(v, r[1], precisions) if i in DSO_MONEY else v for i, v in enumerate(r)] for r in rows])
