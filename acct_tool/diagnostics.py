"""Problems found in user data, as values.

Every loader and engine returns diagnostics instead of raising: one type, a
stable code from :data:`CODES`, a message, and where the problem is (file, line,
column where known). The CLI prints them all at once and derives the exit code.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


class Code(NamedTuple):
    """A documented diagnostic code."""

    severity: Severity
    summary: str
    example: str


E, W = Severity.ERROR, Severity.WARNING

#: Every code the tool can emit, its default severity, what it means, and an
#: example of input that provokes it. ``docs/diagnostics.md`` is generated from
#: this table and a test checks that each code is provoked by some test.
CODES: dict[str, Code] = {
    # Files and YAML
    "file-unreadable": Code(E, "A file or folder cannot be read (permissions, not a file, missing).", "clients/acme.yaml with mode 000"),
    "file-encoding": Code(E, "A file is not valid UTF-8.", "a profile saved as Latin-1 with `name: Café`"),
    "file-empty": Code(E, "A profile file is empty or holds only comments.", "clients/acme.yaml with no content"),
    "file-too-large": Code(E, "A file is larger than the tool accepts for its kind.", "a 50 MB profile"),
    "yaml-syntax": Code(E, "The YAML cannot be parsed.", '`name: "ACME` (unclosed quote)'),
    "yaml-duplicate-key": Code(E, "The same key appears twice in one mapping; YAML would silently keep the last.", "two `name:` lines in one profile"),
    "yaml-tag": Code(E, "A YAML tag other than the standard ones is used.", "`name: !!python/object:os.system x`"),
    "yaml-too-complex": Code(E, "The document nests too deeply or expands too many aliases.", "a billion-laughs alias bomb"),
    # Schema (profiles and settings)
    "not-a-mapping": Code(E, "The document is not a mapping of keys to values.", "a profile that is a YAML list"),
    "unknown-key": Code(E, "A key the format does not define; the message suggests the closest known key.", "`manger: lan`"),
    "missing-key": Code(E, "A required key is missing.", "a profile without `name`"),
    "wrong-type": Code(E, "A value has the wrong type.", "`payment_days: thirty`"),
    "bad-value": Code(E, "A value is not one of the allowed choices.", "`tier: gold`"),
    "out-of-range": Code(E, "A number is outside its allowed range.", "`nps: 11`"),
    "invalid-date": Code(E, "A date is not a real YYYY-MM-DD date.", "`date: 2026-02-30`"),
    "invalid-amount": Code(E, "An amount is not `NUMBER CURRENCY`.", "`credit_limit: 50000`"),
    "invalid-account": Code(E, "An account name is not a valid Beancount account.", "`receivable: receivable:acme`"),
    "invalid-id": Code(E, "An id is not a lowercase slug that is safe as a file name.", "`id: ACME Corp`"),
    "invalid-value": Code(E, "A value does not have the required form.", "an empty `name`"),
    "id-mismatch": Code(E, "A profile's id differs from its file name.", "clients/acme.yaml with `id: acme-corp`"),
    "duplicate-id": Code(E, "Two profile files declare the same id.", "clients/acme.yaml and clients/sub/acme.yml"),
    "unknown-stakeholder": Code(
        E,
        "A stakeholder of the account plan is not one of the profile's contacts.",
        "`plan: {stakeholders: [{name: Jo Bloggs, stance: sponsor}]}` with no contact Jo Bloggs",
    ),
    # Settings and books layout
    "profiles-missing": Code(W, "The profiles folder does not exist.", "no clients/ folder"),
    "ledger-missing": Code(
        E,
        "The ledger file named in the settings does not exist, or is a folder or a broken symlink (a loop, or a link to nowhere).",
        "`ledger: ledger/mian.beancount`",
    ),
    # Beancount's own errors, by class
    "ledger-syntax": Code(E, "Beancount cannot parse a line of the ledger.", "`2026-01-01 opn Assets:Bank`"),
    "ledger-load": Code(E, "Beancount cannot load a file (missing or cyclic include, bad plugin).", '`include "missing.beancount"`'),
    "ledger-balance": Code(E, "A balance assertion fails.", "`balance Assets:Bank 100 USD` when the balance is 90 USD"),
    "ledger-validation": Code(
        E,
        "Beancount's validation fails (a transaction that does not balance, an unopened or closed account, a currency not allowed).",
        "a posting to an account with no `open`",
    ),
    "ledger-booking": Code(
        E, "A transaction's missing amounts cannot be filled in, or its lots cannot be booked.", "two postings without an amount in one transaction"
    ),
    "ledger-pad": Code(E, "A `pad` directive cannot be applied.", "a pad with no following balance"),
    "ledger-plugin": Code(E, "A plugin reported an error or raised.", '`plugin "no.such.module"`'),
    "ledger-unbalanced": Code(
        E,
        "The accounts do not sum to zero in a currency (trial balance), or assets differ from liabilities plus equity (balance sheet).",
        "a ledger whose unbalanced transaction Beancount reports but keeps",
    ),
    "ledger-plugin-output": Code(
        W, "A plugin printed while the ledger loaded; what it printed is quoted here instead of mixed into the output.", "a books plugin that calls `print()`"
    ),
    "ledger-amount-too-large": Code(
        E,
        "An amount has more digits than Beancount's decimal arithmetic holds (28), so the ledger cannot be loaded.",
        "`Assets:Bank 1234567890123456789012345678901234567890.00 USD`",
    ),
    "ledger-document": Code(E, "A `document` directive points at a missing file.", '`document Assets:Bank "missing.pdf"`'),
    "ledger-deprecated": Code(E, "Beancount reports deprecated syntax.", "an old option name"),
    "ledger-error": Code(E, "Any other error Beancount reports.", "(errors from third-party plugins)"),
    # Receivables and payables (reconcile ar|ap, and check)
    "unnumbered-document": Code(
        W, "An invoice or bill has no number (no link, no `invoice:`/`bill:` metadata); it is tracked by file:line.", "a receivable posting with no ^link"
    ),
    "duplicate-document": Code(E, "Two invoices (or bills) carry the same number.", "two transactions linked ^INV-2026-001 posting to receivables"),
    "unknown-document": Code(
        E, "A payment or credit note refers to a document that does not exist, or belongs to another party.", "a payment linked ^INV-2026-999"
    ),
    "overpaid-document": Code(
        W, "A payment linked to a document exceeds what was open; the surplus stays an unapplied credit.", "4,500 paid against a 4,200 invoice"
    ),
    "payment-before-document": Code(
        W, "A payment or credit note is dated before the document it is applied to.", "a payment on 2026-01-05 linked to an invoice of 2026-01-10"
    ),
    "document-currency": Code(
        E,
        "A document is in a currency the party does not use, or a payment's currency differs from its document's.",
        "a EUR invoice for a client with `currencies: [USD]`",
    ),
    "unassigned-posting": Code(
        W,
        "A posting on a control account names no party: no party metadata, and its payee is no profile's name or alias. It is applied to nobody's documents.",
        "a payment to Assets:AR with the payee `Kauri Bild` (a typo)",
    ),
    "ambiguous-party": Code(
        W,
        "A posting on a control account names several parties (a name or alias two profiles share); it is applied to nobody's documents.",
        "two profiles with `aliases: [Kauri]`",
    ),
    "credit-limit": Code(W, "A client owes more than its credit limit.", "12,000 USD open with `credit_limit: 10000 USD`"),
    "tie-out": Code(
        E, "Open documents minus unapplied credits differ from the ledger balance of the party's account.", "(an internal inconsistency; should never happen)"
    ),
    # Invoices and credit notes (invoice)
    "invoice-total-mismatch": Code(
        E,
        "An invoice's or credit note's income and tax legs do not add up to its receivable posting (another leg, say to expenses); no document is rendered.",
        "a 1,000.00 USD invoice with 900.00 to income and 100.00 to Expenses:Discounts",
    ),
    "invoice-line-mismatch": Code(
        E,
        "A line's `quantity:` times `unit_price:` is not its amount, or one of them is missing or not a number; no document is rendered.",
        "`quantity: 10` and `unit_price: 150.00 USD` on a 1,400.00 USD income posting",
    ),
    # Report templates
    "template-syntax": Code(E, "A report template has a Jinja syntax error.", "`{% if %}` with no condition in templates/review.md.j2"),
    "template-undefined": Code(E, "A report template uses a name the context does not define.", "`{{ client.nmae }}`"),
    "template-unsafe": Code(
        E,
        "A report template tried to reach outside its sandbox, or to build a huge value, or ran out of its time or memory.",
        "`{{ ''.__class__.__mro__ }}`, `{{ 'x' * 10**10 }}`",
    ),
    "template-missing": Code(E, "A report template cannot be found.", "`{% include 'nope.md.j2' %}`"),
    "template-error": Code(E, "A report template failed while rendering.", "`{{ 1 / 0 }}`"),
    # Relationship
    "account-shared-income": Code(
        W,
        "An income posting that touches no receivable goes to an account several profiles list under `accounts.income`, so it counts as nobody's revenue.",
        "a cash sale to Income:Services:Retainer, listed by acme.yaml and harbor.yaml",
    ),
    # Drafts
    "draft-entry": Code(
        W,
        "A ledger entry still looks like a draft: it is flagged `!`, or it posts to the uncategorised account (`statements.counter_account`).",
        '`2026-03-09 ! "WIRE FEE"` or a posting to Expenses:Uncategorized',
    ),
    # Profiles against the ledger
    "account-not-opened": Code(E, "A profile names an account the ledger never opens.", "`receivable: Assets:Receivable:Acme` with no open directive"),
    "account-no-profile": Code(
        W, "An account under the receivable or payable root has postings but no profile claims it.", "postings to Assets:Receivable:Zeta, no profile"
    ),
    "account-two-profiles": Code(
        E,
        "One account is claimed as a receivable by one profile and as a payable by another (several profiles may share one receivable or payable account: a control account).",
        "acme.yaml's receivable and harbor.yaml's payable are both Assets:Receivable:Acme",
    ),
    "empty-root": Code(
        W,
        "Nothing is posted under the receivable (or payable) root, but the ledger has accounts that look like receivables (or payables): the checks would check nothing.",
        "postings to Assets:AR with the default `receivable_root: Assets:Receivable`",
    ),
    "account-outside-root": Code(W, "A profile's receivable or payable account is not under the configured root.", "`receivable: Assets:Bank:Acme`"),
    "missing-receivable": Code(E, "A client (not a prospect) has no receivable account.", "`kind: client` with no `accounts.receivable`"),
    "missing-payable": Code(E, "A vendor has no payable account.", "`kind: vendor` with no `accounts.payable`"),
    "currency-mismatch": Code(
        E, "A currency in the profile is not allowed by the party's account in the ledger.", "`credit_limit: 5000 EUR` on an account opened for USD"
    ),
    # Bank statements
    "statement-too-large": Code(
        E, "A statement file has more bytes (200 MB) or lines (250,000) than the tool accepts.", "a 300 MB CSV export, or a million lines"
    ),
    "statement-encoding": Code(
        E, "A statement cannot be decoded with the encoding its format declares (or the encoding is unknown).", "a cp1252 statement read with `encoding: utf-8`"
    ),
    "statement-csv": Code(E, "A statement row cannot be split into fields (the CSV itself is broken).", "a field longer than the CSV reader's limit"),
    "statement-no-header": Code(E, "A statement has no header row after the rows its format skips.", "an empty file, or `skip_rows: 5` on a 3-line file"),
    "statement-missing-column": Code(E, "A column the format names is not in the statement's header row.", "`amount: Betrag` when the header says `Umsatz`"),
    "statement-columns": Code(E, "A statement row has a different number of fields than the header.", "`2026-10-01,Rent` under a five-column header"),
    "statement-bad-date": Code(E, "A statement date does not fit the format's `date_format`.", '`31.10.2026` with `date_format: "%Y-%m-%d"`'),
    "statement-bad-number": Code(E, "A statement amount or balance is not a number in the format's decimal convention.", '`1.234,56` with `decimal_mark: "."`'),
    "statement-no-amount": Code(
        W,
        "A statement row has a date but neither an amount nor a balance; it is skipped.",
        "`2026-10-02,Interest rate now 1.5%,,,` under Date,Description,Reference,Amount,Balance",
    ),
    "statement-format": Code(
        E,
        "A statement file is not readable in its format (OFX, CAMT.053, MT940): broken syntax, or the format's required structure is missing.",
        "an OFX file cut off in its header, XML that does not close its tags",
    ),
    "statement-unsafe-xml": Code(
        E,
        "An XML statement declares a DTD or entities; they are refused, so that entity expansion (billion laughs) and external entities (XXE) cannot run.",
        '`<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>`',
    ),
    "statement-missing-field": Code(
        E, "A statement entry lacks a field every entry must have (amount, date); it is skipped.", "a CAMT.053 `Ntry` without `Amt`"
    ),
    "statement-several-accounts": Code(
        E,
        "A statement file holds statements of different accounts; one reconciliation is of one account, so nothing is read.",
        "two `Stmt` with different IBANs in one CAMT.053 file",
    ),
    "statement-importer": Code(
        E, "A beangulp importer failed on the statement, or gave entries that cannot be read as statement lines.", "an importer whose `extract()` raises"
    ),
}

del E, W


class Location(NamedTuple):
    """Where something came from: a file and, where known, a 1-based line and column."""

    file: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class Diagnostic:
    """One problem with the user's data."""

    severity: Severity
    code: str
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file or "", self.line or 0, self.column or 0, self.code, self.message)

    def to_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "hint": self.hint,
        }


def diag(
    code: str,
    message: str,
    where: Location | None = None,
    *,
    hint: str | None = None,
    severity: Severity | None = None,
) -> Diagnostic:
    """Build a diagnostic for a documented code, with the code's default severity."""
    known = CODES[code]  # a KeyError here is a programmer error: document the code
    return Diagnostic(
        severity=severity or known.severity,
        code=code,
        message=message,
        file=where.file if where else None,
        line=where.line if where else None,
        column=where.column if where else None,
        hint=hint,
    )


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sort by file, line, column; drop exact duplicates."""
    return sorted(set(diagnostics), key=Diagnostic.sort_key)


def has_errors(diagnostics: Iterable[Diagnostic], *, strict: bool = False) -> bool:
    return any(d.severity is Severity.ERROR or strict for d in diagnostics)
