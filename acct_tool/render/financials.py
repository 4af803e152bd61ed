"""Views of the financial statements: terminal tables, JSON, CSV and Markdown.

Every view reads the figures of one :mod:`acct_tool.engines.financials` result
and adds nothing up itself; each currency is its own block.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from acct_tool.engines.financials import Statement, TrialBalance
from acct_tool.money import Precisions, amount_json, format_number, places_of
from acct_tool.render.table import csv_amount, render, to_csv, to_json
from acct_tool.render.text_safety import markdown

TITLES = {"income": "Income statement", "balance": "Balance sheet"}
#: What each section's lines are called in a statement, and its total.
SECTION_TITLES = {"Income": "Income", "Expenses": "Expenses", "Assets": "Assets", "Liabilities": "Liabilities", "Equity": "Equity"}
RESULT_TITLES = {"income": "Net income", "balance": "Assets - (liabilities + equity)"}


def _money(number: Decimal | None, currency: str, precisions: Precisions) -> dict[str, Any] | None:
    return None if number is None else amount_json(number, currency, precisions)


def _text(number: Decimal | None, currency: str, precisions: Precisions) -> str:
    return "" if number is None else format_number(number, places_of(currency, precisions))


# --- trial balance ------------------------------------------------------------------------------


def _trial_heading(trial: TrialBalance) -> str:
    return f"Trial balance at {trial.as_of}"


def trial_table(trial: TrialBalance, precisions: Precisions) -> str:
    out = [_trial_heading(trial), ""]
    if not trial.lines:
        return "\n".join([*out, "No account has a balance.", ""])
    rows = [[line.account, line.currency, _text(line.debit, line.currency, precisions), _text(line.credit, line.currency, precisions)] for line in trial.lines]
    out.append(render(["Account", "Currency", "Debit", "Credit"], rows, right=(2, 3)).rstrip("\n"))
    out += ["", "Totals per currency (debits - credits is zero when the books balance):"]
    totals = [
        [t.currency, _text(t.debit, t.currency, precisions), _text(t.credit, t.currency, precisions), _text(t.difference, t.currency, precisions)]
        for t in trial.totals
    ]
    out.append(render(["Currency", "Debit", "Credit", "Difference"], totals, right=(1, 2, 3)).rstrip("\n"))
    return "\n".join(out) + "\n"


def trial_json(trial: TrialBalance, precisions: Precisions) -> str:
    return to_json(
        {
            "statement": "trial",
            "as_of": trial.as_of,
            "balanced": trial.balanced,
            "lines": [
                {
                    "account": line.account,
                    "balance": _money(line.number, line.currency, precisions),
                    "debit": _money(line.debit, line.currency, precisions),
                    "credit": _money(line.credit, line.currency, precisions),
                }
                for line in trial.lines
            ],
            "totals": [
                {
                    "currency": t.currency,
                    "debit": _money(t.debit, t.currency, precisions),
                    "credit": _money(t.credit, t.currency, precisions),
                    "difference": _money(t.difference, t.currency, precisions),
                }
                for t in trial.totals
            ],
        }
    )


def trial_csv(trial: TrialBalance, precisions: Precisions) -> str:
    rows: list[list[Any]] = [
        [line.account, line.currency, csv_amount(line.debit, line.currency, precisions), csv_amount(line.credit, line.currency, precisions)]
        for line in trial.lines
    ]
    rows += [["Total", t.currency, csv_amount(t.debit, t.currency, precisions), csv_amount(t.credit, t.currency, precisions)] for t in trial.totals]
    return to_csv(["account", "currency", "debit", "credit"], rows)


def trial_md(trial: TrialBalance, precisions: Precisions) -> str:
    out = [f"# {_trial_heading(trial)}", ""]
    if not trial.lines:
        return "\n".join([*out, "No account has a balance.", ""])
    out += ["| Account | Currency | Debit | Credit |", "|---|---|--:|--:|"]
    out += [
        f"| {markdown(line.account)} | {markdown(line.currency)} | {_text(line.debit, line.currency, precisions)} | {_text(line.credit, line.currency, precisions)} |"
        for line in trial.lines
    ]
    out += [
        f"| **Total** | {markdown(t.currency)} | {_text(t.debit, t.currency, precisions)} | {_text(t.credit, t.currency, precisions)} |" for t in trial.totals
    ]
    return "\n".join(out) + "\n"


# --- income statement and balance sheet ---------------------------------------------------------


def _heading(statement: Statement) -> str:
    if statement.kind == "balance":
        current = statement.current
        closed = f"; net income {current.label} ({current.start} to {current.end}) in current earnings" if current else ""
        return f"{TITLES['balance']} at {statement.columns[0].label}{closed}"
    column = statement.columns[-2]
    return f"{TITLES['income']} {column.label} ({column.start} to {column.end}), beside {statement.columns[-1].label}"


def _empty(statement: Statement) -> str:
    return "No income or expenses in these periods." if statement.kind == "income" else "No asset, liability or equity account has a balance."


def _rows(statement: Statement) -> list[tuple[str, str, str, Sequence[Decimal]]]:
    """(currency, role, label, figures) for every line, section total and result, in the order shown."""
    out: list[tuple[str, str, str, Sequence[Decimal]]] = []
    for block in statement.currencies:
        for section in block.sections:
            out += [(block.currency, section.kind, line.account, line.values) for line in section.lines]
            out.append((block.currency, "total", f"Total {SECTION_TITLES[section.kind].lower()}", section.total))
        out.append((block.currency, "result", RESULT_TITLES[statement.kind], block.result))
    return out


def statement_table(statement: Statement, precisions: Precisions) -> str:
    out = [_heading(statement), ""]
    if not statement.currencies:
        return "\n".join([*out, _empty(statement), ""])
    headers = ["Account", *(c.label for c in statement.columns)]
    right = tuple(range(1, len(headers)))
    for block in statement.currencies:
        rows: list[list[str]] = []
        for section in block.sections:
            rows.append([SECTION_TITLES[section.kind]] + [""] * len(statement.columns))
            rows += [[f"  {line.account}", *(_text(v, block.currency, precisions) for v in line.values)] for line in section.lines]
            rows.append([f"  Total {SECTION_TITLES[section.kind].lower()}", *(_text(v, block.currency, precisions) for v in section.total)])
        footer = [RESULT_TITLES[statement.kind], *(_text(v, block.currency, precisions) for v in block.result)]
        out += [block.currency, render(headers, rows, right=right, footer=footer)]
    return "\n".join(out)


def statement_json(statement: Statement, precisions: Precisions) -> str:
    def figures(values: Sequence[Decimal], currency: str) -> list[Any]:
        return [_money(v, currency, precisions) for v in values]

    result_key = "net_income" if statement.kind == "income" else "difference"
    data: dict[str, Any] = {
        "statement": statement.kind,
        "columns": [{"label": c.label, "from": c.start, "to": c.end} for c in statement.columns],
    }
    if statement.current is not None:
        data["current_period"] = {"label": statement.current.label, "from": statement.current.start, "to": statement.current.end}
    data["currencies"] = [
        {
            "currency": block.currency,
            "sections": [
                {
                    "kind": section.kind,
                    "lines": [{"account": line.account, "amounts": figures(line.values, block.currency)} for line in section.lines],
                    "total": figures(section.total, block.currency),
                }
                for section in block.sections
            ],
            result_key: figures(block.result, block.currency),
        }
        for block in statement.currencies
    ]
    if statement.kind == "balance":
        data["balanced"] = not statement.diagnostics
    return to_json(data)


def statement_csv(statement: Statement, precisions: Precisions) -> str:
    headers = ["currency", "section", "account", *(c.label for c in statement.columns)]
    rows = [[currency, role, label, *(csv_amount(v, currency, precisions) for v in values)] for currency, role, label, values in _rows(statement)]
    return to_csv(headers, rows)


def statement_md(statement: Statement, precisions: Precisions) -> str:
    out = [f"# {markdown(_heading(statement))}", ""]
    if not statement.currencies:
        return "\n".join([*out, _empty(statement), ""])
    header = "| Account | " + " | ".join(markdown(c.label) for c in statement.columns) + " |"
    rule = "|---|" + "--:|" * len(statement.columns)
    for block in statement.currencies:
        out += [f"## {markdown(block.currency)}", "", header, rule]
        for currency, role, label, values in _rows(statement):
            if currency != block.currency:
                continue
            cells = " | ".join(_text(v, currency, precisions) for v in values)
            name = markdown(label)
            out.append(f"| **{name}** | {cells} |" if role in ("total", "result") else f"| {name} | {cells} |")
        out.append("")
    return "\n".join(out)
