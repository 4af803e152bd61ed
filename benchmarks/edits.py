"""One small edit to generated books: a new invoice appended to the last year's file.

The edit benchmark asks what a bookkeeper's next ``acct-tool check`` costs after
adding one transaction, with the cache primed on the books as they were. The
edit is what the generator writes for an invoice: a balanced transaction dated
on the as-of date, posting to a client's receivable and to an income account,
with its own ``^INV-...`` link, appended to the file that holds that year's
entries (so the entries stay in date order and no balance assertion moves).

Edit ``n`` differs from every other ``n`` in client, amount and number, so each
round is a real edit that no cache has seen. The books are never edited here:
:func:`edit_for` only says what to append, and :class:`EditedFile` writes the
addition to a copy and puts the original back.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

#: Income account every generated ledger opens for USD and EUR.
INCOME = "Income:Services:Consulting"
RECEIVABLE_ROOT = "Assets:Receivable:"
#: Edit numbers start above anything the generator numbers (six digits per year, from 1).
FIRST_NUMBER = 900_000

_INCLUDE = re.compile(r'^include\s+"(\d{4})\.beancount"\s*$', re.MULTILINE)
_OPEN = re.compile(r"^(\d{4}-\d{2}-\d{2}) open (Assets:Receivable:\S+)\s+([A-Z][A-Z0-9]*)\s*$", re.MULTILINE)
_CLOSE = re.compile(r"^\d{4}-\d{2}-\d{2} close (Assets:Receivable:\S+)", re.MULTILINE)


@dataclass(frozen=True)
class Edit:
    """What edit ``number`` appends, and where (relative to the books root)."""

    number: int
    path: str
    text: str
    account: str


def year_file(root: Path) -> tuple[int, str]:
    """The last year the main ledger includes, and that year's file relative to the books."""
    main = (root / "ledger" / "main.beancount").read_text(encoding="utf-8")
    years = sorted(int(y) for y in _INCLUDE.findall(main))
    if not years:
        raise ValueError("ledger/main.beancount includes no yearly file")
    return years[-1], f"ledger/{years[-1]}.beancount"


def receivables(root: Path, by: datetime.date) -> list[tuple[str, str]]:
    """Client receivable accounts open on ``by`` and never closed, with their currency, in ledger order."""
    main = (root / "ledger" / "main.beancount").read_text(encoding="utf-8")
    closed = set(_CLOSE.findall(main))
    found = []
    for opened, account, currency in _OPEN.findall(main):
        if datetime.date.fromisoformat(opened) <= by and account not in closed:
            found.append((account, currency))
    return found


def _payee(account: str) -> str:
    """``Assets:Receivable:RiverEnergyInternational`` -> ``River Energy International``."""
    leaf = account.rsplit(":", 1)[-1]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", leaf)


def edit_for(root: Path, number: int, as_of: str) -> Edit:
    """The invoice edit ``number`` appends to the books at ``root`` (read, not changed)."""
    year, path = year_file(root)
    day = datetime.date.fromisoformat(as_of)
    if day.year != year:
        day = datetime.date(year, 12, 31)
    accounts = receivables(root, day)
    if not accounts:
        raise ValueError("no client receivable account is open on " + day.isoformat())
    account, currency = accounts[(number * 7919) % len(accounts)]
    cents = 10_000 + (number * 4_231) % 990_000  # 100.00 to 9,999.99, different every edit
    doc = f"INV-{year}-{FIRST_NUMBER + number:06d}"
    due = day + datetime.timedelta(days=30)
    amount = f"{cents // 100}.{cents % 100:02d} {currency}"
    text = (
        f'\n{day.isoformat()} * "{_payee(account)}" "Invoice {doc} - change request {number}" ^{doc}\n'
        f"  due: {due.isoformat()}\n"
        f"  {account:<50} {amount:>16}\n"
        f"  {INCOME}\n"
    )
    return Edit(number, path, text, account)


class EditedFile:
    """A books file that edits are appended to and that is put back as it was."""

    def __init__(self, root: Path, relative: str) -> None:
        self.path = root / relative
        self.original = self.path.read_bytes()

    def restore(self) -> None:
        """Put the original bytes back (a no-op when they are there)."""
        if self.path.read_bytes() != self.original:
            self.path.write_bytes(self.original)

    def apply(self, edit: Edit) -> None:
        """The original with ``edit`` appended, and nothing else."""
        body = self.original if self.original.endswith(b"\n") or not self.original else self.original + b"\n"
        self.path.write_bytes(body + edit.text.encode("utf-8"))
