"""acct-tool.yaml: every key optional; unknown or mistyped settings are diagnostics with line numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from codes_seen import check, codes, expect

from acct_tool.books.settings import Settings, load_settings

Books = Callable[..., Path]

ACME = """\
id: acme
name: ACME
kind: client
accounts: {receivable: Assets:Receivable:Acme}
"""
LEDGER = "2025-01-01 open Assets:Receivable:Acme USD\n"


def test_no_settings_file_means_defaults(books: Books) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME})
    (root / "acct-tool.yaml").unlink()
    exit_code, found = check(root)
    assert (exit_code, found) == (0, [])
    assert load_settings(root) == (Settings(), [])


@pytest.mark.parametrize("text", ["", "# nothing set yet\n"])
def test_empty_settings_file_is_fine(books: Books, text: str) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME}, settings="x")
    (root / "acct-tool.yaml").write_text(text)
    exit_code, found = check(root)
    assert (exit_code, found) == (0, [])


def test_unknown_settings_with_did_you_mean(books: Books) -> None:
    root = books(
        ledger=LEDGER, profiles={"acme": ACME}, settings="payment_days: 30\npayment_dayz: 45\nledgr: books.beancount\ncadence:\n  key: 7\n  standrd: 30\n"
    )
    exit_code, found = check(root)
    assert exit_code == 1
    assert codes(found) == ["unknown-key"] * 3
    expect(found, "unknown-key", "acct-tool.yaml", 2, 1, message="'payment_dayz'", hint="did you mean 'payment_days'?")
    expect(found, "unknown-key", "acct-tool.yaml", 3, 1, message="'ledgr'", hint="did you mean 'ledger'?")
    expect(found, "unknown-key", "acct-tool.yaml", 6, 3, message="'standrd' in cadence", hint="did you mean 'standard'?")


def test_mistyped_settings(books: Books) -> None:
    root = books(
        ledger=LEDGER,
        profiles={"acme": ACME},
        settings="""\
payment_days: thirty
receivable_root: assets:receivable
operating_currency: usd
aging_limits: [30, 60, 0]
cadence: {key: 0}
health: 5
""",
    )
    exit_code, found = check(root)
    assert exit_code == 1
    expect(found, "wrong-type", "acct-tool.yaml", 1, 15, message="payment_days: expected a whole number, got text 'thirty'")
    expect(found, "invalid-account", "acct-tool.yaml", 2, 18, message="receivable_root")
    expect(found, "invalid-value", "acct-tool.yaml", 3, 21, message="a currency code like USD")
    expect(found, "out-of-range", "acct-tool.yaml", 4, 24, message="aging_limits[2]: 0 is out of range")
    expect(found, "out-of-range", "acct-tool.yaml", 5, 16, message="cadence.key")
    expect(found, "wrong-type", "acct-tool.yaml", 6, 9, message="health: expected a mapping")


def test_invalid_settings_fall_back_to_defaults(tmp_path: Path) -> None:
    (tmp_path / "acct-tool.yaml").write_text("payment_days: thirty\naging_limits: [60, 30]\ncadence: {key: 7, standrd: 1, strategic: 0}\n")
    settings, problems = load_settings(tmp_path)
    assert settings.payment_days == 30
    assert settings.aging_limits == (30, 60, 90)
    assert dict(settings.cadence) == {"key": 7, "strategic": 30, "standard": 90}
    assert {d.code for d in problems} == {"wrong-type", "out-of-range", "unknown-key"}


def test_aging_limits_must_increase(books: Books) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME}, settings="aging_limits: [60, 30]\n")
    _, found = check(root)
    expect(found, "out-of-range", "acct-tool.yaml", 1, 15, message="aging_limits must increase")


@pytest.mark.parametrize(("text", "shape"), [("- ledger: x\n", "a list"), ("ledger/main.beancount\n", "a single value")])
def test_settings_that_are_not_a_mapping(books: Books, text: str, shape: str) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME}, settings=text)
    exit_code, found = check(root)
    assert exit_code == 1
    assert codes(found) == ["not-a-mapping"]
    expect(found, "not-a-mapping", "acct-tool.yaml", 1, 1, message=shape)


def test_settings_syntax_error_and_duplicate_key(books: Books) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME}, settings="payment_days: 30\npayment_days: 45\n")
    _, found = check(root)
    expect(found, "yaml-duplicate-key", "acct-tool.yaml", 2, 1, message="'payment_days' (first at line 1)")
    (root / "acct-tool.yaml").write_text("ledger: [ledger/main.beancount\n")
    exit_code, found = check(root)
    assert exit_code == 1
    assert codes(found) == ["yaml-syntax"]
    assert found[0]["file"] == "acct-tool.yaml" and found[0]["line"] == 1 and found[0]["column"] == 9


def test_settings_file_too_large(books: Books) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME})
    (root / "acct-tool.yaml").write_text("# padding\n" * 100_001)
    _, found = check(root)
    expect(found, "file-too-large", "acct-tool.yaml", None, None, message="the limit is 1,000,000")


def test_settings_that_are_not_utf8(books: Books) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME})
    (root / "acct-tool.yaml").write_bytes("# Bücher\npayment_days: 30\n".encode("latin-1"))
    _, found = check(root)
    expect(found, "file-encoding", "acct-tool.yaml", 1, 4)


def test_ledger_named_in_settings_does_not_exist(books: Books) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME}, settings="ledger: ledger/mian.beancount\n")
    exit_code, found = check(root)
    assert exit_code == 1
    # the ledger did not load, so there are no cross-checks against it
    assert codes(found) == ["ledger-missing"]
    expect(found, "ledger-missing", "ledger/mian.beancount", None, None, message="does not exist", hint="`ledger:`")


def test_ledger_that_is_a_folder(books: Books) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME}, settings="ledger: ledger\n")
    _, found = check(root)
    expect(found, "ledger-missing", "ledger", None, None, message="is a folder")


@pytest.mark.parametrize(
    ("text", "column"),
    [("ledger: /etc/hostname\n", 9), ("ledger: ../outside.beancount\n", 9), ("profiles: ../..\n", 11), ("templates: a/../../b\n", 12)],
)
def test_paths_outside_the_books_folder_are_refused(books: Books, text: str, column: int) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME}, settings=text)
    (root.parent / "outside.beancount").write_text("2025-01-01 open Assets:Secret\n")
    exit_code, found = check(root)
    assert exit_code == 1
    # the default is used instead, so nothing outside the books folder is read
    assert codes(found) == ["invalid-value"]
    expect(found, "invalid-value", "acct-tool.yaml", 1, column, message="is outside the books folder")


def test_settings_move_the_ledger_and_profiles(books: Books) -> None:
    root = books(ledger=LEDGER, settings="ledger: books/all.beancount\nprofiles: parties\n")
    (root / "books").mkdir()
    (root / "ledger" / "main.beancount").rename(root / "books" / "all.beancount")
    (root / "parties").mkdir()
    (root / "parties" / "acme.yaml").write_text(ACME + "tier: gold\n")
    _, found = check(root)
    expect(found, "bad-value", "parties/acme.yaml", 5, 7)
    assert codes(found) == ["bad-value"]


def test_profiles_folder_from_settings_missing(books: Books) -> None:
    root = books(ledger=LEDGER, settings="profiles: parties\n")
    exit_code, found = check(root)
    assert exit_code == 0
    expect(found, "profiles-missing", "parties", None, None, severity="warning", message="parties/ does not exist")


def test_receivable_root_setting_is_used_by_the_cross_checks(books: Books) -> None:
    ledger = '2025-01-01 open Assets:AR:Acme USD\n2026-01-05 * "Invoice" ^INV-1\n  Assets:AR:Acme  10 USD\n  Income:Services\n'
    root = books(ledger=ledger, settings="receivable_root: Assets:AR\n")
    _, found = check(root)
    assert [d["code"] for d in found if d["code"].startswith("account-")] == ["account-no-profile"]


def test_statement_settings_report_every_problem_at_once(books: Books) -> None:
    root = books(
        ledger=LEDGER,
        profiles={"acme": ACME},
        settings="""\
statements:
  window_days: 99
  formats:
    northbank: {date: Date, amount: Amount, debit: Out, decimal_mark: ',', thousands_separator: ','}
    rheinbank: {delimiter: ';', amount: Betrag}
    halfbank: {date: Datum, debit: Soll}
  files:
    - {match: statements/nb-*.csv, format: northbnk}
    - {match: statements/rb-*.csv, format: rheinbank}
""",
    )
    exit_code, found = check(root)
    assert exit_code == 1
    expect(found, "out-of-range", "acct-tool.yaml", 2, 16, message="statements.window_days")
    northbank = [d for d in found if d["line"] == 4]
    assert sorted(d["message"] for d in northbank) == [
        "statement format 'northbank' has both `amount` and `debit`/`credit`; use one",
        "statement format 'northbank': decimal_mark and thousands_separator are the same",
    ]
    expect(found, "missing-key", "acct-tool.yaml", 5, 16, message="missing required key 'date' in statements.formats.rheinbank")
    expect(found, "missing-key", "acct-tool.yaml", 6, 15, message="'halfbank' needs `amount` or both `debit` and `credit`")
    expect(found, "bad-value", "acct-tool.yaml", 8, 44, message="no statement format named 'northbnk'", hint="did you mean 'northbank'?")
    # rheinbank is declared (though broken): referring to it is not a second error
    assert not [d for d in found if d["line"] == 9]
    assert len(found) == 6


@pytest.mark.parametrize(
    ("pattern", "says"),
    [("'(INV-'", "is not a regular expression"), ("'x*'", "matches an empty narration")],
)
def test_document_pattern_must_be_a_usable_regex(books: Books, pattern: str, says: str) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME}, settings=f"document_pattern: {pattern}\n")
    exit_code, found = check(root)
    assert exit_code == 1
    assert [d["code"] for d in found] == ["invalid-value"]
    assert says in found[0]["message"] and found[0]["line"] == 1
    assert load_settings(root)[0].document_pattern is None


def test_control_account_settings_are_read(books: Books) -> None:
    text = "control_accounts: [Assets:AR]\nparty_keys: [client]\ndocument_keys: [num]\ndocument_pattern: '\\bSI-\\d+\\b'\n"
    root = books(ledger=LEDGER, profiles={"acme": ACME}, settings=text)
    settings, problems = load_settings(root)
    assert problems == []
    assert (settings.control_accounts, settings.party_keys, settings.document_keys) == (("Assets:AR",), ("client",), ("num",))
    assert settings.document_pattern == r"\bSI-\d+\b"


FIRM = """\
firm:
  name: Brightline Studio LLC
  address: [210 Canal Street, "Providence, RI 02903"]
  tax_id: EIN 47-2211890
  bank:
    - {bank: Northbank, account_number: "4400123456", routing: "021000089"}
    - {currency: EUR, bank: Rheinbank, iban: DE89 3704 0044 0532 0130 00, bic: RHBKDEFFXXX}
    - {currency: GBP, iban: GB00 0000}
  logo: ../logo.png
documents: {paper: legal}
"""


def test_the_firm_and_its_bank_details_are_read_and_bad_entries_reported(books: Books) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME}, settings=FIRM)
    settings, _ = load_settings(root)
    firm = settings.firm
    assert (firm.name, firm.address, firm.tax_id) == ("Brightline Studio LLC", ("210 Canal Street", "Providence, RI 02903"), "EIN 47-2211890")
    # the entry without a bank name is left out; the others stay
    assert [b.bank for b in firm.bank] == ["Northbank", "Rheinbank"]
    euro, usd = firm.bank_for("EUR"), firm.bank_for("USD")
    assert euro is not None and euro.iban == "DE89 3704 0044 0532 0130 00"
    assert usd is not None and usd.account_number == "4400123456"  # no USD entry: the default one
    assert firm.logo is None  # outside the books folder
    assert settings.documents.paper == "a4"  # "legal" is not a paper size acct-tool prints on
    _, found = check(root)
    expect(found, "missing-key", "acct-tool.yaml", 8, 7, message="bank")
    expect(found, "invalid-value", "acct-tool.yaml", 9, 9, message="outside the books folder")
    expect(found, "bad-value", "acct-tool.yaml", 10, 20, message="paper")
    assert len(found) == 3


def test_a_profile_has_a_billing_address_and_tax_id(books: Books) -> None:
    root = books(ledger=LEDGER, profiles={"acme": ACME + 'billing_address: [ACME Inc., "1 Main St, Dayton"]\ntax_id: US 1\n'})
    from acct_tool.books.profiles import load_parties

    parties, found = load_parties(root, "clients")
    assert found == []
    assert (parties["acme"].billing_address, parties["acme"].tax_id) == (("ACME Inc.", "1 Main St, Dayton"), "US 1")
