"""Reading bank statements: column mappings, number and date conventions, and every malformed-row diagnostic."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from codes_seen import record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acct_tool.books.globs import glob_matches
from acct_tool.books.settings import StatementFormat
from acct_tool.diagnostics import CODES, Severity
from acct_tool.engines.statements import _number_parser, parse_number, parse_statement, read_statement

SIGNED = StatementFormat(
    name="northbank",
    date="Date",
    amount="Amount",
    description="Description",
    reference="Reference",
    balance="Balance",
    thousands_separator=",",
)

DEBIT_CREDIT = StatementFormat(
    name="rheinbank",
    date="Buchungstag",
    date_format="%d.%m.%Y",
    debit="Soll",
    credit="Haben",
    description="Verwendungszweck",
    reference="Referenz",
    balance="Saldo",
    delimiter=";",
    encoding="cp1252",
    skip_rows=2,
    decimal_mark=",",
    thousands_separator=".",
)


def parse(text: str | bytes, fmt: StatementFormat = SIGNED) -> tuple[list[Any], list[Any]]:
    raw = text.encode(fmt.encoding) if isinstance(text, str) else text
    return parse_statement(raw, "stmt.csv", fmt)


def codes(problems: list[Any]) -> list[str]:
    """The codes of ``problems``, each recorded as provoked for the code-coverage test."""
    found = [p.code for p in problems]
    record(*found)
    return found


def test_signed_amount_column() -> None:
    lines, problems = parse('Date,Description,Reference,Amount,Balance\n2026-10-01,Rent,ACH-1,"-4,400.00","170,976.95"\n2026-10-05,Card,,-781.20,\n')
    assert problems == []
    assert [(ln.row, ln.date, ln.amount, ln.reference, ln.balance) for ln in lines] == [
        (2, datetime.date(2026, 10, 1), Decimal("-4400.00"), "ACH-1", Decimal("170976.95")),
        (3, datetime.date(2026, 10, 5), Decimal("-781.20"), "", None),
    ]
    assert all(isinstance(ln.amount, Decimal) for ln in lines)


def test_debit_credit_comma_decimal_cp1252_preamble_crlf() -> None:
    raw = (
        "Kontoauszug Rheinbank AG;;;;;\r\n"
        "Konto DE00;;;;;\r\n"
        "Buchungstag;Verwendungszweck;Referenz;Soll;Haben;Saldo\r\n"
        "09.10.2026;SEPA-Gutschrift;INV-50;;9.400,00;18.025,00\r\n"
        "15.10.2026;Überweisung an Müller;UEB-1;12.000,00;;6.025,00\r\n"
        "30.10.2026;Gebühr;GEB-Q3;-12,50;;6.012,50\r\n"
    ).encode("cp1252")
    lines, problems = parse(raw, DEBIT_CREDIT)
    assert problems == []
    assert [(ln.row, ln.amount, ln.balance) for ln in lines] == [
        (4, Decimal("9400.00"), Decimal("18025.00")),
        (5, Decimal("-12000.00"), Decimal("6025.00")),
        # a debit printed with a minus is still money out
        (6, Decimal("-12.50"), Decimal("6012.50")),
    ]
    assert lines[1].description == "Überweisung an Müller"


def test_utf8_bom_and_blank_rows_are_handled() -> None:
    lines, problems = parse(
        b"\xef\xbb\xbfDate,Amount\r\n\r\n2026-01-02,1.50\r\n,\r\n\r\n2026-01-03,2\r\n", replace(SIGNED, description=None, reference=None, balance=None)
    )
    assert problems == []
    assert [(ln.row, ln.amount) for ln in lines] == [(3, Decimal("1.50")), (6, Decimal("2"))]


def test_utf8_bom_with_another_declared_encoding_is_read_as_utf8_with_a_warning() -> None:
    fmt = replace(SIGNED, encoding="cp1252", description=None, reference=None, balance=None)
    lines, problems = parse("\ufeffDate,Amount\n2026-01-02,1.50\n".encode("utf-8") + b"2026-01-03,2\n", fmt)
    assert [ln.amount for ln in lines] == [Decimal("1.50"), Decimal("2")]
    assert [(p.code, p.severity) for p in problems] == [("statement-encoding", Severity.WARNING)]


def test_old_mac_line_ends_and_quoted_line_breaks_keep_row_numbers() -> None:
    text = 'Date,Description,Reference,Amount,Balance\r2026-01-02,"two\r\nlines",R1,1.00,\r2026-01-03,x,R2,2.00,\r'
    lines, problems = parse(text)
    assert problems == []
    assert [(ln.row, ln.description) for ln in lines] == [(2, "two lines"), (4, "x")]


def test_inverted_sign_flips_amount_and_balance() -> None:
    fmt = replace(SIGNED, sign="inverted")
    lines, _ = parse("Date,Description,Reference,Amount,Balance\n2026-01-02,Card,,120.00,500.00\n", fmt)
    assert (lines[0].amount, lines[0].balance) == (Decimal("-120.00"), Decimal("-500.00"))


def test_header_columns_are_matched_ignoring_case_and_spaces() -> None:
    lines, problems = parse(" date ,DESCRIPTION,reference,Amount,Balance\n2026-01-02,x,,1,\n")
    assert problems == [] and lines[0].amount == Decimal("1")


@pytest.mark.parametrize(
    ("cell", "mark", "thousands", "expected"),
    [
        ("1,234.56", ".", ",", "1234.56"),
        ("1.234,56", ",", ".", "1234.56"),
        ("-1.234.567,8", ",", ".", "-1234567.8"),
        ("1234,56", ",", ".", "1234.56"),
        ("(12.50)", ".", "", "-12.50"),
        ("12,50-", ",", "", "-12.50"),
        ("+3", ".", "", "3"),
        ("\u22127.00", ".", "", "-7.00"),
        (" 1 234,00 ", ",", " ", "1234.00"),
        ("1'234.00", ".", "'", "1234.00"),
        (",5", ",", "", "0.5"),
        ("0.10", ".", "", "0.10"),
    ],
)
def test_numbers_parse_strictly(cell: str, mark: str, thousands: str, expected: str) -> None:
    value = parse_number(cell, _number_parser(mark, thousands), thousands)
    assert value == Decimal(expected) and str(value) == expected


@pytest.mark.parametrize(
    ("cell", "mark", "thousands"),
    [
        ("1.234,56", ".", ""),  # the example: a comma decimal read as a dot decimal
        ("1.234,56", ".", ","),
        ("1,234.56", ",", "."),
        ("1,23.00", ".", ","),  # thousands groups have three digits
        ("12.5.0", ".", ""),
        ("1e5", ".", ""),
        ("NaN", ".", ""),
        ("Infinity", ".", ""),
        ("12 EUR", ".", ""),
        ("--1", ".", ""),
        ("", ".", ""),
        ("\u0661\u0662", ".", ""),  # Arabic-Indic digits
    ],
)
def test_bad_numbers_are_refused(cell: str, mark: str, thousands: str) -> None:
    assert parse_number(cell, _number_parser(mark, thousands), thousands) is None


# -- every malformed-row diagnostic -----------------------------------------------------


def test_bad_date_points_at_file_row_and_column() -> None:
    lines, problems = parse("Date,Description,Reference,Amount,Balance\n2026-10-01,a,,1.00,\n2026-13-01,b,,2.00,\n")
    assert [ln.row for ln in lines] == [2] and codes(problems) == ["statement-bad-date"]
    [p] = problems
    assert (p.code, p.file, p.line, p.column) == ("statement-bad-date", "stmt.csv", 3, 1)
    assert "'2026-13-01'" in p.message and "%Y-%m-%d" in p.message


def test_bad_number_in_amount_and_balance() -> None:
    lines, problems = parse(
        "Date,Description,Reference,Amount,Balance\n"
        "2026-10-01,a,,1.234.56,\n"  # amount: the line is dropped
        "2026-10-02,b,,,\n"  # empty amount, no balance: skipped with a warning
        "2026-10-03,c,,3.00,lots\n"  # balance: the line is kept, without a balance
    )
    assert codes(problems) == ["statement-bad-number", "statement-no-amount", "statement-bad-number"]
    assert [(p.code, p.line, p.column) for p in problems] == [
        ("statement-bad-number", 2, 15),
        ("statement-no-amount", 3, 15),
        ("statement-bad-number", 4, 20),
    ]
    assert [(ln.row, ln.amount, ln.balance) for ln in lines] == [(4, Decimal("3.00"), None)]


def test_debit_and_credit_both_empty_or_bad() -> None:
    head = "x\ny\nBuchungstag;Verwendungszweck;Referenz;Soll;Haben;Saldo\n"
    lines, problems = parse(head + "01.10.2026;a;;;;\n02.10.2026;b;;1.2.3;;\n", DEBIT_CREDIT)
    assert lines == []
    assert [(p.code, p.line) for p in problems] == [("statement-no-amount", 4), ("statement-bad-number", 5)]
    assert "('Soll' and 'Haben' blank)" in problems[0].message


def test_wrong_column_count() -> None:
    lines, problems = parse("Date,Description,Reference,Amount,Balance\n2026-10-01,Rent\n2026-10-02,a,,1,00,\n2026-10-03,b,,3.00,\n")
    assert codes(problems) == ["statement-columns"] * 2
    assert [p.line for p in problems] == [2, 3]
    assert "2 field(s); the header has 5" in problems[0].message
    assert [ln.row for ln in lines] == [4]


def test_missing_column_in_header_suggests_the_closest() -> None:
    lines, problems = parse("Date,Description,Reference,Amonut,Balance\n2026-10-01,a,,1.00,\n")
    assert codes(problems) == ["statement-missing-column"]
    [p] = problems
    assert (p.code, p.line, lines) == ("statement-missing-column", 1, [])
    assert p.hint == "did you mean 'Amonut'?"


def test_no_header_row() -> None:
    assert codes(parse("")[1]) == ["statement-no-header"]
    _, problems = parse("only\npreamble\n", DEBIT_CREDIT)
    assert codes(problems) == ["statement-no-header"] and problems[0].line == 3


def test_encoding_problems() -> None:
    fmt = replace(SIGNED, description=None, reference=None, balance=None)
    _, problems = parse(b"Date,Amount\n2026-01-01,1\n2026-01-02,\xe9\n", fmt)
    assert codes(problems) == ["statement-encoding"]
    [p] = problems
    assert (p.code, p.line, p.column) == ("statement-encoding", 3, 12)
    assert codes(parse(b"Date,Amount\n", replace(fmt, encoding="no-such-codec"))[1]) == ["statement-encoding"]
    assert codes(parse(b"Date,Amount\n", replace(fmt, encoding="rot13"))[1]) == ["statement-encoding"]
    utf16 = "Date,Amount\n2026-01-01,1\n".encode("utf-16")
    [p] = parse(utf16, fmt)[1]
    assert p.code == "statement-encoding" and "utf-16" in (p.hint or "")
    lines, problems = parse(utf16, replace(fmt, encoding="utf-16"))
    assert problems == [] and lines[0].amount == Decimal("1")
    assert codes(parse(b"Date,Amount\n2026-01-01,1\x00\n", fmt)[1]) == ["statement-encoding"]


def test_csv_errors_and_bad_delimiter() -> None:
    fmt = replace(SIGNED, description=None, reference=None, balance=None)
    huge = 'Date,Amount\n2026-01-01,"' + "9" * 200_000 + '"\n2026-01-02,2\n'
    lines, problems = parse(huge, fmt)
    assert codes(problems) == ["statement-csv"] and problems[0].line == 2
    assert [ln.amount for ln in lines] == [Decimal("2")]
    assert codes(parse("Date,Amount\n", replace(fmt, delimiter='"'))[1]) == ["statement-csv"]


def test_too_large_and_unreadable_files(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("Date,Amount\n2026-01-01,1\n")
    fmt = replace(SIGNED, description=None, reference=None, balance=None)
    assert read_statement(path, "s.csv", fmt)[0][0].amount == Decimal("1")
    assert codes(read_statement(path, "s.csv", fmt, max_bytes=10)[1]) == ["statement-too-large"]
    assert codes(read_statement(tmp_path / "missing.csv", "missing.csv", fmt)[1]) == ["file-unreadable"]


def test_every_statement_code_is_documented() -> None:
    for code in (
        "statement-too-large",
        "statement-encoding",
        "statement-csv",
        "statement-no-header",
        "statement-missing-column",
        "statement-columns",
        "statement-bad-date",
        "statement-bad-number",
    ):
        assert code in CODES


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("statements/*.csv", "statements/a.csv", True),
        ("statements/*.csv", "ledger/statements/a.csv", False),
        ("statements/*.csv", "statements/sub/a.csv", False),
        ("**/northbank-*.csv", "ledger/statements/northbank-2026-10.csv", True),
        ("**/northbank-*.csv", "northbank-1.csv", True),
        ("./statements/nb-202[0-9]-??.csv", "statements/nb-2026-10.csv", True),
        ("statements/[!n]*.csv", "statements/nb.csv", False),
    ],
)
def test_glob_matches(pattern: str, path: str, expected: bool) -> None:
    assert glob_matches(pattern, path) is expected


# -- no input makes the parser raise --------------------------------------------------------

FORMATS = [SIGNED, DEBIT_CREDIT, replace(SIGNED, encoding="utf-16", sign="inverted"), replace(DEBIT_CREDIT, encoding="utf-8", skip_rows=0)]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.binary(max_size=400), which=st.sampled_from(range(len(FORMATS))))
def test_random_bytes_never_raise(raw: bytes, which: int) -> None:
    lines, problems = parse_statement(raw, "fuzz.csv", FORMATS[which])
    assert all(p.file == "fuzz.csv" and p.code in CODES for p in problems)
    assert all(isinstance(ln.amount, Decimal) for ln in lines)


_cell = st.one_of(
    st.sampled_from(["", "2026-10-01", "01.10.2026", "1,234.56", "1.234,56", "-5", "(3.00)", "x", '"', "\r\n", ";", ","]),
    st.text(max_size=12),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(_cell, max_size=8), max_size=8),
    which=st.sampled_from(range(len(FORMATS))),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_random_rows_never_raise(rows: list[list[str]], which: int, newline: str) -> None:
    fmt = FORMATS[which]
    header = [fmt.date, fmt.amount or fmt.debit or "", fmt.credit or "", fmt.description or "", fmt.reference or "", fmt.balance or ""]
    text = newline.join(fmt.delimiter.join(row) for row in [header, *rows])
    raw = text.encode(fmt.encoding, errors="replace")
    lines, problems = parse_statement(raw, "fuzz.csv", fmt)
    assert all(p.file == "fuzz.csv" for p in problems)
    assert all(isinstance(ln.amount, Decimal) and ln.row >= 1 for ln in lines)


@given(
    value=st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False),
    convention=st.sampled_from([(".", ""), (".", ","), (",", "."), (",", " "), (".", "'"), (",", "")]),
)
def test_formatted_numbers_round_trip(value: Decimal, convention: tuple[str, str]) -> None:
    mark, thousands = convention
    text = f"{abs(value):,.2f}".replace(",", "\0").replace(".", mark).replace("\0", thousands)
    text = ("-" if value < 0 else "") + text
    assert parse_number(text, _number_parser(mark, thousands), thousands) == value


# -- blank amounts: opening balances and rows without money -----------------------------------


def test_an_opening_balance_row_with_empty_amount_is_a_balance_row_not_a_line() -> None:
    lines, problems = parse(
        "Date,Description,Reference,Amount,Balance\n"
        '2026-10-01,Opening balance,,,"1,000.00"\n'
        '2026-10-02,ACME,INV-1,500.00,"1,500.00"\n'
        "2026-10-03,Closing balance,, ,1500.00\n"
    )
    assert problems == []
    assert [(ln.row, ln.amount, ln.balance, ln.balance_only, ln.description) for ln in lines] == [
        (2, Decimal(0), Decimal("1000.00"), True, "Opening balance"),
        (3, Decimal("500.00"), Decimal("1500.00"), False, "ACME"),
        (4, Decimal(0), Decimal("1500.00"), True, "Closing balance"),
    ]


def test_an_opening_balance_row_with_empty_debit_and_credit_is_a_balance_row() -> None:
    head = "x\ny\nBuchungstag;Verwendungszweck;Referenz;Soll;Haben;Saldo\n"
    lines, problems = parse(head + "30.09.2026;Anfangssaldo;;;;8.625,00\n01.10.2026;Miete;;1.000,00;;7.625,00\n", DEBIT_CREDIT)
    assert problems == []
    assert [(ln.row, ln.amount, ln.balance, ln.balance_only) for ln in lines] == [
        (4, Decimal(0), Decimal("8625.00"), True),
        (5, Decimal("-1000.00"), Decimal("7625.00"), False),
    ]


def test_blank_debit_or_credit_is_zero_and_inverted_balance_rows_are_inverted() -> None:
    head = "x\ny\nBuchungstag;Verwendungszweck;Referenz;Soll;Haben;Saldo\n"
    lines, problems = parse(head + "01.10.2026;a;;  ;12,00;\n02.10.2026;b;;3,00; ;\n", DEBIT_CREDIT)
    assert problems == [] and [ln.amount for ln in lines] == [Decimal("12.00"), Decimal("-3.00")]
    lines, problems = parse("Date,Description,Reference,Amount,Balance\n2026-10-01,Opening,,,250.00\n", replace(SIGNED, sign="inverted"))
    assert problems == [] and [(ln.balance, ln.balance_only) for ln in lines] == [(Decimal("-250.00"), True)]


@pytest.mark.parametrize(
    ("fmt", "text", "line", "column"),
    [
        (SIGNED, "Date,Description,Reference,Amount,Balance\n2026-10-01,a,,1.00,\n2026-10-02,Interest rate now 1.5%,,,\n", 3, 36),
        (replace(SIGNED, balance=None), "Date,Description,Reference,Amount\n2026-10-02,Opening balance,,\n2026-10-03,a,,1.00\n", 2, 29),
        (DEBIT_CREDIT, "x\ny\nBuchungstag;Verwendungszweck;Referenz;Soll;Haben;Saldo\n01.10.2026;Hinweis;;;;\n", 4, 21),
    ],
)
def test_a_row_with_no_amount_and_no_balance_is_skipped_with_a_warning(fmt: StatementFormat, text: str, line: int, column: int) -> None:
    lines, problems = parse(text, fmt)
    assert codes(problems) == ["statement-no-amount"]
    [p] = problems
    assert (p.severity, p.file, p.line, p.column) == (Severity.WARNING, "stmt.csv", line, column)
    assert "no amount and no balance" in p.message
    assert all(ln.row != line for ln in lines) and not any(ln.balance_only for ln in lines)


def test_a_balance_row_with_a_bad_balance_is_one_error_and_no_line() -> None:
    lines, problems = parse("Date,Description,Reference,Amount,Balance\n2026-10-01,Opening balance,,,lots\n2026-10-02,a,,1.00,\n")
    assert codes(problems) == ["statement-bad-number"]
    assert [ln.row for ln in lines] == [3]
