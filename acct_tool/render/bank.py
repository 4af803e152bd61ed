"""A bank reconciliation as text (80 columns), JSON (amounts as ``{"number", "currency"}``) or CSV."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from acct_tool.books.ledger import AccountPosting, display_path
from acct_tool.diagnostics import Diagnostic, Severity, has_errors
from acct_tool.engines.bank import BalanceCheck, BankReconciliation
from acct_tool.engines.statements import StatementLine
from acct_tool.money import Money, Precisions, places_of
from acct_tool.render import table
from acct_tool.render.text_safety import for_terminal, visible

WIDTH = 80


def amount_text(number: Decimal, currency: str | None = None, precisions: Precisions | None = None) -> str:
    """``-4400.00`` -> ``-4,400.00``: thousands separated, at least the currency's places, never
    rounded (a statement line with more places than the ledger shows keeps them: no difference hides)."""
    return f"{number:,.{_places(number, currency, precisions)}f}"


def _places(number: Decimal, currency: str | None, precisions: Precisions | None) -> int:
    """The currency's places, or the number's own when it has more."""
    exponent = number.as_tuple().exponent
    least = places_of(currency, precisions)
    return max(least, -exponent) if isinstance(exponent, int) else least


def _days(days: int) -> str:
    return f"{days:+d}" if days else "0"


def _fit(text: str, width: int) -> str:
    text = visible(" ".join(text.split()))
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _where(posting: AccountPosting, root: Path) -> str:
    shown = display_path(posting.file, root)
    return f"{shown}:{posting.line}" if shown and posting.line else (shown or "(generated)")


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def reconciled(result: BankReconciliation, diagnostics: Sequence[Diagnostic]) -> bool:
    """Every line matched and the balances agree, and the whole statement was read (no error)."""
    return result.reconciled and not has_errors(diagnostics)


def verdict(result: BankReconciliation, diagnostics: Sequence[Diagnostic], precisions: Precisions | None = None) -> str:
    """One sentence: reconciled, or what is off; the statement's errors (rows not read) come first."""
    problems = []
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    if errors:
        problems.append(f"the statement has {_plural(errors, 'error')}, so some of it was not read")
    if result.missing_in_ledger:
        problems.append(f"{_plural(len(result.missing_in_ledger), 'statement line')} missing from the ledger")
    if result.missing_in_statement:
        problems.append(f"{_plural(len(result.missing_in_statement), 'ledger posting')} missing from the statement")
    for name, check in (("opening", result.opening), ("closing", result.balance)):
        if check is not None and not check.agrees:
            problems.append(f"{name} balance differs by {amount_text(check.difference, result.currency, precisions)} {result.currency}")
    if problems:
        return "Not reconciled: " + "; ".join(problems) + "."
    checked = [name for name, check in (("opening", result.opening), ("closing", result.balance)) if check is not None]
    balance = f", {' and '.join(checked)} balance{'s agree' if len(checked) > 1 else ' agrees'}" if checked else " (the statement has no balances)"
    return f"Reconciled: every line matched{balance}."


@for_terminal
def to_text(result: BankReconciliation, statement: str, root: Path, diagnostics: Sequence[Diagnostic], precisions: Precisions | None = None) -> str:
    """The reconciliation; ``diagnostics`` are the statement's, which the verdict weighs (they are printed apart)."""

    def shown(number: Decimal) -> str:
        return amount_text(number, result.currency, precisions)

    out = [
        f"Bank reconciliation of {result.account} ({result.currency})",
        f"Statement {visible(statement)}",
    ]
    if result.start is None or result.end is None:
        out.append("The statement has no lines.")
    else:
        out.append(f"{_plural(result.lines, 'line')} from {result.start} to {result.end}, dates matched within {result.window_days} day(s)")
    amounts = [shown(m.line.amount) for m in result.matched]
    amounts += [shown(line.amount) for line in result.missing_in_ledger]
    amounts += [shown(p.number) for p in result.missing_in_statement]
    aw = max([len("Amount"), *map(len, amounts)])

    out += ["", f"Matched: {len(result.matched)}"]
    if result.matched:
        rest = WIDTH - (2 + 5 + 2 + 10 + 2 + 10 + 2 + 4 + 2 + aw + 2)
        out.append(f"  {'Row':>5}  {'Statement':<10}  {'Ledger':<10}  {'Days':>4}  {'Amount':>{aw}}  Reference")
        for m in result.matched:
            label = m.line.reference or m.line.description
            if len(m.lines) > 1 or len(m.postings) > 1:
                label = f"({len(m.lines)} line(s), {len(m.postings)} posting(s)) {label}"
            out.append(f"  {m.line.row:>5}  {m.line.date}  {m.posting.date}  {_days(m.days):>4}  {shown(m.line.amount):>{aw}}  {_fit(label, rest)}".rstrip())
    if result.with_difference:
        out += ["", f"Matched with a difference: {len(result.with_difference)} (within the tolerance of {shown(result.tolerance)})"]
        dw = max(aw, len("Difference"))
        out.append(f"  {'Row':>5}  {'Statement':>{dw}}  {'Ledger':>{dw}}  {'Difference':>{dw}}")
        for m in result.with_difference:
            ledger = sum((p.number for p in m.postings), Decimal(0))
            statement_sum = sum((line.amount for line in m.lines), Decimal(0))
            out.append(f"  {m.line.row:>5}  {shown(statement_sum):>{dw}}  {shown(ledger):>{dw}}  {shown(m.difference):>{dw}}")

    out += ["", f"Missing from the ledger: {len(result.missing_in_ledger)}"]
    if result.missing_in_ledger:
        rest = WIDTH - (2 + 5 + 2 + 10 + 2 + aw + 2)
        out.append(f"  {'Row':>5}  {'Date':<10}  {'Amount':>{aw}}  Reference / description")
        for line in result.missing_in_ledger:
            label = " ".join(x for x in (line.reference, line.description) if x)
            out.append(f"  {line.row:>5}  {line.date}  {shown(line.amount):>{aw}}  {_fit(label, rest)}".rstrip())

    out += ["", f"Missing from the statement: {len(result.missing_in_statement)}"]
    if result.missing_in_statement:
        rest = WIDTH - (2 + 10 + 2 + aw + 2)
        out.append(f"  {'Date':<10}  {'Amount':>{aw}}  Where / narration")
        for p in result.missing_in_statement:
            label = f"{_where(p, root)} {p.payee} {p.narration}"
            out.append(f"  {p.date}  {shown(p.number):>{aw}}  {_fit(label, rest)}".rstrip())

    for name, b in (("Opening", result.opening), ("Closing", result.balance)):
        if b is None:
            continue
        figures = [shown(x) for x in (b.statement, b.ledger, b.difference)]
        fw = max(map(len, figures))
        out += [
            "",
            f"{name} balance on {b.date} (statement row {b.row})",
            f"  Statement   {figures[0]:>{fw}} {b.currency}",
            f"  Ledger      {figures[1]:>{fw}} {b.currency}",
            f"  Difference  {figures[2]:>{fw}} {b.currency}  {'agrees' if b.agrees else 'DIFFERS'}",
        ]
    out += ["", textwrap.fill(verdict(result, diagnostics, precisions), WIDTH)]
    return "\n".join(out) + "\n"


def _line_dict(line: StatementLine, currency: str) -> dict[str, Any]:
    return {
        "row": line.row,
        "date": line.date.isoformat(),
        "amount": Money(line.amount, currency),
        "description": line.description,
        "reference": line.reference,
        "balance": None if line.balance is None else Money(line.balance, currency),
    }


def _posting_dict(posting: AccountPosting, root: Path) -> dict[str, Any]:
    return {
        "date": posting.date.isoformat(),
        "amount": Money(posting.number, posting.currency),
        "flag": posting.flag,
        "payee": posting.payee,
        "narration": posting.narration,
        "links": sorted(posting.links),
        "file": display_path(posting.file, root),
        "line": posting.line,
    }


def _balance_dict(b: BalanceCheck | None) -> dict[str, Any] | None:
    if b is None:
        return None
    return {
        "date": b.date.isoformat(),
        "row": b.row,
        "statement": Money(b.statement, b.currency),
        "ledger": Money(b.ledger, b.currency),
        "difference": Money(b.difference, b.currency),
        "agrees": b.agrees,
    }


def to_json(result: BankReconciliation, statement: str, root: Path, diagnostics: Sequence[Diagnostic] = (), precisions: Precisions | None = None) -> str:
    cur = result.currency
    doc = {
        "statement": statement,
        "account": result.account,
        "currency": result.currency,
        "window_days": result.window_days,
        "period": {
            "start": result.start.isoformat() if result.start else None,
            "end": result.end.isoformat() if result.end else None,
        },
        "reconciled": reconciled(result, diagnostics),
        "summary": {
            "lines": result.lines,
            "matched": len(result.matched),
            "missing_in_ledger": len(result.missing_in_ledger),
            "missing_in_statement": len(result.missing_in_statement),
        },
        "tolerance": Money(result.tolerance, cur),
        "matched_with_difference": len(result.with_difference),
        "matched": [
            {
                "days": m.days,
                "by_reference": m.by_reference,
                "statement": _line_dict(m.line, cur),
                "ledger": _posting_dict(m.posting, root),
                "statement_lines": [_line_dict(line, cur) for line in m.lines],
                "ledger_postings": [_posting_dict(p, root) for p in m.postings],
                "difference": Money(m.difference, cur),
            }
            for m in result.matched
        ],
        "missing_in_ledger": [_line_dict(line, cur) for line in result.missing_in_ledger],
        "missing_in_statement": [_posting_dict(p, root) for p in result.missing_in_statement],
        "opening_balance": _balance_dict(result.opening),
        "closing_balance": _balance_dict(result.balance),
        "diagnostics": [d.to_dict() for d in diagnostics],
    }
    return table.to_json(doc, precisions)


CSV_COLUMNS = (
    "kind",
    "statement_row",
    "statement_date",
    "statement_amount",
    "ledger_date",
    "ledger_amount",
    "days",
    "currency",
    "reference",
    "description",
    "ledger_file",
    "ledger_line",
    "narration",
)


def to_csv(result: BankReconciliation, root: Path, precisions: Precisions | None = None) -> str:
    """One row per matched pair, missing line, missing posting, and the opening and closing balances."""
    cur = result.currency
    rows: list[list[Any]] = []

    def figure(number: Decimal) -> Decimal:
        return number.quantize(Decimal(1).scaleb(-_places(number, cur, precisions)))  # never rounded, as in the text

    def where(p: AccountPosting) -> list[Any]:
        return [display_path(p.file, root) or "", p.line or "", " ".join(x for x in (p.payee, p.narration) if x)]

    for m in result.matched:
        line = m.line
        rows.append(
            [
                "matched",
                line.row,
                line.date,
                figure(line.amount),
                m.posting.date,
                figure(m.posting.number),
                m.days,
                cur,
                line.reference,
                line.description,
                *where(m.posting),
            ]
        )
    for line in result.missing_in_ledger:
        rows.append(["missing-in-ledger", line.row, line.date, figure(line.amount), "", "", "", cur, line.reference, line.description, "", "", ""])
    for p in result.missing_in_statement:
        rows.append(["missing-in-statement", "", "", "", p.date, figure(p.number), "", cur, "", "", *where(p)])
    for kind, b in (("opening-balance", result.opening), ("closing-balance", result.balance)):
        if b is not None:
            rows.append([kind, b.row, b.date, figure(b.statement), b.date, figure(b.ledger), "", cur, "", "", "", "", ""])
    return table.to_csv(CSV_COLUMNS, rows)
