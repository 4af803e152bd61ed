"""Drafts for statement lines missing from the ledger, and the counter account each gets.

What the books suggest for a line (docs/bank.md, "Drafts"): the account past
entries on the bank account used with the same text, or with a payee the text
contains, else the first matching rule, else the default for money in or out.
The drafts are Beancount text, flagged ``!`` for review, with the fee entries
for matches that differ by the tolerance. Pure: records in, text out.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from acct_tool.books.ledger import AccountPosting
from acct_tool.books.settings import StatementSettings
from acct_tool.engines.bank import BankReconciliation, Match, chronological
from acct_tool.engines.statements import StatementLine


@dataclass(frozen=True)
class Counter:
    """The counter account proposed for a draft, and what chose it: ``history``, ``rule N`` or ``default``."""

    account: str
    chosen_by: str


#: Text -> account -> (uses, latest date): the counter accounts past entries used with it.
History = dict[str, dict[str, tuple[int, datetime.date]]]


def normalised(text: str) -> str:
    """Text with case, digits and punctuation folded: ``"GITHUB *Inv 4411"`` -> ``"github inv"``."""
    kept = "".join(c if c.isalpha() else " " for c in text.casefold())
    return " ".join(kept.split())


def counter_history(postings: Iterable[AccountPosting], skip: Iterable[str] = ()) -> tuple[History, History, History]:
    """What the bank account's past entries (not flagged ``!``) used as their other legs, by
    exact payee and narration, by their normalised text, and by normalised payee alone;
    ``skip`` (the uncategorised account) is never learnt."""
    exact: History = {}
    loose: History = {}
    payees: History = {}
    left_out = set(skip)
    for p in postings:
        if p.flag == "!":
            continue
        for account in set(p.counter) - left_out:
            keyed = [(exact, text) for text in {p.payee, p.narration} - {""}]
            keyed += [(loose, normalised(text)) for text in {p.payee, p.narration} - {""}]
            keyed += [(payees, normalised(p.payee))] if len(normalised(p.payee)) >= MIN_PAYEE else []
            for table, key in keyed:
                if key:
                    uses, latest = table.setdefault(key, {}).get(account, (0, p.date))
                    table[key][account] = (uses + 1, max(latest, p.date))
    return exact, loose, payees


#: The shortest payee (normalised, in letters and spaces) looked for inside a bank's description.
MIN_PAYEE = 4


def _payee_inside(description: str, payees: History) -> str | None:
    """The account used with the longest known payee that the description contains as whole
    words (``ACH DEBIT MILL STREET PROPERTIES OFFICE RENT`` holds ``mill street properties``)."""
    text = f" {normalised(description)} "
    inside = [key for key in payees if f" {key} " in text]
    if not inside:
        return None
    return _most_used(payees[max(inside, key=lambda k: (len(k.split()), len(k), k))])


def _most_used(accounts: Mapping[str, tuple[int, datetime.date]] | None) -> str | None:
    if not accounts:
        return None
    return min(accounts, key=lambda a: (-accounts[a][0], -accounts[a][1].toordinal(), a))


def choose_counter(line: StatementLine, history: tuple[History, History, History], settings: StatementSettings) -> Counter:
    """The counter account for a line missing from the ledger (docs/bank.md, Drafts): the one
    past entries with the same text (or a payee the text contains) used most, else the first
    matching rule, else the default."""
    exact, loose, payees = history
    found = _most_used(exact.get(line.description)) if line.description else None
    if found is None and normalised(line.description):
        found = _most_used(loose.get(normalised(line.description)))
    if found is None and line.description:
        found = _payee_inside(line.description, payees)
    if found is not None:
        return Counter(found, "history")
    for number, rule in enumerate(settings.rules, 1):
        texts = [line.description, line.reference]
        if any(text and re.search(rule.match, text, re.IGNORECASE) for text in texts):
            return Counter(rule.account, f"rule {number}")
    side = settings.counter_account_in if line.amount > 0 else settings.counter_account_out
    return Counter(side or settings.counter_account, "default")


def render_drafts(
    lines: Sequence[StatementLine],
    *,
    account: str,
    counter_account: str,
    currency: str,
    statement: str,
    open_counter: bool = False,
    counters: Mapping[int, Counter] | None = None,
    corrections: Sequence[Match] = (),
    fee_account: str = StatementSettings.fee_account,
    to_open: Iterable[str] = (),
) -> str:
    """Beancount text for statement lines missing from the ledger, flagged ``!`` for review.

    Each entry carries ``statement: "FILE:ROW"`` and, when the line has one,
    ``statement_ref:`` metadata, so that a later run matches it by reference, and
    ``counter:`` saying what chose its other leg (``counters``, by row; else
    ``counter_account``). Each match in ``corrections`` (amounts that differ within
    the tolerance) gets an entry moving the difference between the bank and
    ``fee_account``. With ``open_counter`` the text opens ``counter_account`` on the
    first date, and so it does every account in ``to_open``.
    """
    ordered = chronological(lines)
    fixes = sorted(corrections, key=lambda m: (m.line.date, m.line.row))
    chosen = {line.row: (counters or {}).get(line.row) or Counter(counter_account, "default") for line in ordered}
    count = f"{len(ordered)} line(s)" + (f" and {len(fixes)} difference(s)" if fixes else "")
    out = [
        f";; Draft entries for {count} of {_one_line(statement)} missing from the ledger.",
        ";; Written by `acct-tool reconcile bank`. Review each entry: choose the right account",
        f";; instead of {counter_account}, change the flag ! to *, then include this file",
        ";; from the ledger (or move the entries into it).",
    ]
    opening = sorted({*to_open, *([counter_account] if open_counter else [])})
    dates = [line.date for line in ordered] + [m.line.date for m in fixes]
    if opening and dates:
        out.append("")
        out += [f"{min(dates).isoformat()} open {name}" for name in opening]
    for line in ordered:
        narration = line.description or line.reference or f"Statement line {line.row}"
        out += [
            "",
            f'{line.date.isoformat()} ! "{_quote(narration)}"',
            f'  counter: "{chosen[line.row].chosen_by}"',
            f'  statement: "{_quote(f"{statement}:{line.row}")}"',
        ]
        if line.reference:
            out.append(f'  statement_ref: "{_quote(line.reference)}"')
        out += [f"  {account}  {line.amount:f} {currency}", f"  {chosen[line.row].account}"]
    for m in fixes:
        last = max(m.lines, key=lambda line: (line.date, line.row))
        what = m.line.description or m.line.reference or f"statement line {m.line.row}"
        out += [
            "",
            f'{last.date.isoformat()} ! "{_quote(f"Difference to the statement: {what}")}"',
            '  counter: "fee"',
            f'  statement: "{_quote(f"{statement}:{m.line.row}")}"',
        ]
        if m.line.reference:
            out.append(f'  statement_ref: "{_quote(m.line.reference)}"')
        out += [f"  {account}  {m.difference:f} {currency}", f"  {fee_account}  {-m.difference:f} {currency}"]
    return "\n".join(out) + "\n"


def draft_for(
    result: BankReconciliation, postings: Iterable[AccountPosting], settings: StatementSettings, *, statement: str, opened: Iterable[str]
) -> str | None:
    """The drafts file for ``result`` (``None`` when nothing is missing and no match has a
    difference): each missing line with the counter account :func:`choose_counter` proposes
    from ``postings`` (the bank account's), each difference to ``settings.fee_account``;
    accounts not in ``opened`` are opened."""
    corrections = result.with_difference
    if not result.missing_in_ledger and not corrections:
        return None
    history = counter_history(postings, skip=[settings.counter_account])
    counters = {line.row: choose_counter(line, history, settings) for line in result.missing_in_ledger}
    used = {c.account for c in counters.values()} | ({settings.fee_account} if corrections else set())
    return render_drafts(
        result.missing_in_ledger,
        account=result.account,
        counter_account=settings.counter_account,
        currency=result.currency,
        statement=statement,
        counters=counters,
        corrections=corrections,
        fee_account=settings.fee_account,
        to_open=used - set(opened),
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _quote(text: str) -> str:
    """Text as the inside of a Beancount string: one line, quotes and backslashes escaped."""
    clean = "".join(c if c.isprintable() else " " for c in text)
    return clean.replace("\\", "\\\\").replace('"', '\\"')
