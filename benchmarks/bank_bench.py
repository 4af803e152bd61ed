"""Time bank matching against the ledger's own load time.

Generates a ledger of N transactions (every one posts to the bank account) and
a statement of about M lines: the bank postings of the last days, a third of
them booked by the ledger a day or two before the bank, some amounts
recurring (fees, rent), half with a reference, 1% missing from the ledger. Then times Beancount's load, the statement parse, and the
reconciliation (posting extraction, matching and closing balance).

    /work/venv/bin/python benchmarks/bank_bench.py [--transactions 100000] [--lines 10000]
"""

from __future__ import annotations

import argparse
import datetime
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from acct_tool.books.ledger import load_ledger
from acct_tool.books.settings import StatementFormat
from acct_tool.engines.bank import reconcile_bank
from acct_tool.engines.statements import read_statement

FORMAT = StatementFormat(name="bench", date="Date", amount="Amount", description="Description", reference="Reference", balance="Balance")
BANK = "Assets:Bank:Operating"


def generate(folder: Path, transactions: int, lines: int, seed: int = 1) -> tuple[Path, Path]:
    rng = random.Random(seed)
    start = datetime.date(2016, 1, 1)
    per_day = max(1, transactions // 3650)
    head = [
        'option "operating_currency" "USD"',
        f"2015-12-01 open {BANK} USD",
        "2015-12-01 open Income:Sales USD",
        "2015-12-01 open Expenses:Costs USD",
        "2015-12-01 open Equity:Opening-Balances USD",
        "",
    ]
    body: list[str] = []
    bank: list[tuple[datetime.date, Decimal, str, str]] = []
    for i in range(transactions):
        date = start + datetime.timedelta(days=i // per_day)
        booked = date - datetime.timedelta(days=rng.choice([1, 2]) if rng.random() < 0.33 else 0)
        roll = rng.random()
        if roll < 0.1:
            amount = Decimal(rng.choice(["-5.00", "-12.50", "-4400.00"]))  # recurring amounts collide
        else:
            amount = Decimal(rng.randint(-500_000, 900_000)) / 100
        if amount == 0:
            amount = Decimal("1.00")
        ref = f"REF-{i:07d}"
        other = "Income:Sales" if amount > 0 else "Expenses:Costs"
        body += [f'{booked} * "Payee {i % 997}" "Entry {i}" ^{ref}', f"  {BANK}  {amount} USD", f"  {other}", ""]
        bank.append((date, amount, ref, f"Entry {i}"))
    main = folder / "main.beancount"
    main.write_text("\n".join(head + body))

    first = -(-(len(bank) - lines) // per_day) * per_day  # start on a whole day
    balance = sum((b[1] for b in bank[:first]), Decimal(0))
    rows = ["Date,Description,Reference,Amount,Balance"]
    for date, amount, ref, text in bank[first:]:
        balance += amount
        if rng.random() < 0.01:
            amount = -amount  # a line the ledger does not have (and a posting the statement lacks)
        shown_ref = ref if rng.random() < 0.5 else ""
        rows.append(f"{date},{text},{shown_ref},{amount},{balance}")
    statement = folder / "statement.csv"
    statement.write_text("\n".join(rows) + "\n")
    return main, statement


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of parse and match; the best is reported")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        main_file, statement = generate(folder, args.transactions, args.lines)
        t0 = time.perf_counter()
        ledger = load_ledger(main_file, folder)
        load = time.perf_counter() - t0
        assert not ledger.diagnostics, ledger.diagnostics[:3]
        parse_times, match_times = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            lines, problems = read_statement(statement, "statement.csv", FORMAT)
            parse_times.append(time.perf_counter() - t0)
            assert not problems, problems[:3]
            t0 = time.perf_counter()
            result = reconcile_bank(ledger.entries, BANK, "USD", lines, 3)
            match_times.append(time.perf_counter() - t0)
        parse, match = min(parse_times), min(match_times)
        print(f"ledger: {args.transactions:,} transactions; statement: {len(lines):,} lines")
        print(f"beancount load          {load * 1000:9.0f} ms")
        print(f"statement parse         {parse * 1000:9.0f} ms")
        print(f"reconcile (match+bal.)  {match * 1000:9.0f} ms   ({match / load:.1%} of the load)")
        print(
            f"matched {len(result.matched):,}, missing from ledger {len(result.missing_in_ledger):,}, "
            f"missing from statement {len(result.missing_in_statement):,}, "
            f"balance {'agrees' if result.balance and result.balance.agrees else 'differs'}"
        )


if __name__ == "__main__":
    main()
