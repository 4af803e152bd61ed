"""``reconcile bank`` reads OFX, CAMT.053, MT940 and beangulp importers into the same lines as CSV.

The example books hold each bank's October statement as CSV and as the bank
sends it (northbank: OFX; rheinbank: CAMT.053 and MT940): each reconciles to
the same pairs and balances as the CSV. Bad input of every format is a
diagnostic at its file and line (and the element's path for XML), never a
traceback; XML entity tricks are refused.
"""

from __future__ import annotations

import datetime
import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import beangulp
from beancount.core import amount, data
from codes_seen import record
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

from acct_tool.engines.bank_formats import camt053, mt940, ofx
from acct_tool.engines.bank_formats.detect import detect

STATEMENTS = EXAMPLES / "ledger" / "statements"
BANK = ["reconcile", "bank"]


def bank(*args: str, books: Path = EXAMPLES) -> tuple[int, str, str]:
    result = run_cli(*BANK, *args, books=books, as_of=EXAMPLES_AS_OF)
    return result.exit_code, result.output, result.stderr


def comparable(doc: dict[str, Any]) -> dict[str, Any]:
    """The reconciliation without what belongs to the statement file itself (its name, rows, texts)."""

    def line(item: dict[str, Any]) -> tuple[Any, ...]:
        return (item["date"], item["amount"]["number"])

    def balance(item: dict[str, Any] | None) -> Any:
        return None if item is None else (item["statement"], item["ledger"], item["agrees"])

    return {
        "account": doc["account"],
        "currency": doc["currency"],
        "reconciled": doc["reconciled"],
        "summary": doc["summary"],
        "matched": [(m["days"], m["by_reference"], line(m["statement"]), m["ledger"]["file"], m["ledger"]["line"]) for m in doc["matched"]],
        "missing_in_ledger": [line(item) for item in doc["missing_in_ledger"]],
        "missing_in_statement": doc["missing_in_statement"],
        "closing_balance": balance(doc["closing_balance"]),
    }


def test_example_statements_reconcile_as_their_csv() -> None:
    for csv_name, others in (
        ("northbank-2026-10.csv", ["northbank-2026-10.ofx"]),
        ("rheinbank-2026-10.csv", ["rheinbank-2026-10.xml", "rheinbank-2026-10.sta"]),
    ):
        code, out, err = bank(str(STATEMENTS / csv_name), "--format", "json")
        assert code == 0, err
        expected = comparable(json.loads(out))
        assert expected["summary"]["matched"] >= 3
        for other in others:
            code, out, err = bank(str(STATEMENTS / other), "--format", "json")
            assert code == 0, (other, err)
            assert comparable(json.loads(out)) == expected, other


def test_opening_balances_of_camt053_and_mt940_are_checked() -> None:
    for name in ("rheinbank-2026-10.xml", "rheinbank-2026-10.sta"):
        doc = json.loads(bank(str(STATEMENTS / name), "--format", "json")[1])
        assert doc["opening_balance"]["statement"]["number"] == "8625.00" and doc["opening_balance"]["agrees"]


def test_format_is_detected_and_account_mapped_from_the_file(tmp_path: Path) -> None:
    # Outside the books no statements.files entry applies: the content says the format,
    # statements.accounts says the ledger account of the IBAN or account number.
    for name, account in (
        ("northbank-2026-10.ofx", "Assets:Bank:Operating"),
        ("rheinbank-2026-10.xml", "Assets:Bank:Euro"),
        ("rheinbank-2026-10.sta", "Assets:Bank:Euro"),
    ):
        copy = tmp_path / name.replace(".", "-copy.")
        shutil.copy(STATEMENTS / name, copy)
        code, out, err = bank(str(copy), "--format", "json")
        assert code == 0, err
        assert json.loads(out)["account"] == account
    assert detect((STATEMENTS / "northbank-2026-10.csv").read_bytes()) is None


def test_an_unmapped_account_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    copy = tmp_path / "other.xml"
    copy.write_bytes((STATEMENTS / "rheinbank-2026-10.xml").read_bytes().replace(b"DE89 3704", b"DE11 2222"))
    code, _, err = bank(str(copy))
    assert code == 2
    assert "DE11222200440532013000" in err and "statements.accounts" in err
    assert bank(str(copy), "--account", "Assets:Bank:Euro")[0] == 0


def test_ofx_bad_transaction_is_a_diagnostic_at_its_line(tmp_path: Path) -> None:
    text = (STATEMENTS / "northbank-2026-10.ofx").read_text()
    broken = tmp_path / "broken.ofx"
    broken.write_text(text.replace("<TRNAMT>-781.20", "<TRNAMT>-78x1.20").replace("<DTPOSTED>20261012", "<DTPOSTED>2026-13-45"))
    code, _, err = bank(str(broken), "--account", "Assets:Bank:Operating")
    line = text.splitlines().index(next(x for x in text.splitlines() if "-781.20" in x)) + 1
    assert code == 1
    assert f"broken.ofx:{line}: error statement-bad-number" in err and "statement-bad-date" in err
    cut = ofx.parse(b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BANK", "cut.ofx")
    assert [d.code for d in cut.diagnostics] == ["statement-format"] and not cut.lines
    record("statement-bad-number", "statement-bad-date", "statement-format")


def test_camt053_bad_entry_names_its_element(tmp_path: Path) -> None:
    raw = (STATEMENTS / "rheinbank-2026-10.xml").read_bytes()
    found = camt053.parse(raw.replace(b'<Amt Ccy="EUR">12000.00</Amt>', b'<Amt Ccy="EUR">12.000,00</Amt>'), "s.xml")
    [problem] = found.diagnostics
    assert problem.code == "statement-bad-number" and "Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt" in problem.message
    assert problem.line == raw[: raw.index(b'<Amt Ccy="EUR">12000.00')].count(b"\n") + 1
    assert len([line for line in found.lines if not line.balance_only]) == 2
    missing = camt053.parse(raw.replace(b"<CdtDbtInd>DBIT</CdtDbtInd>", b"", 1), "s.xml")
    assert [d.code for d in missing.diagnostics] == ["statement-missing-field"] and "Ntry[2]" in missing.diagnostics[0].message
    broken = camt053.parse(raw[: len(raw) // 2], "s.xml")
    assert [d.code for d in broken.diagnostics] == ["statement-format"] and broken.diagnostics[0].line
    record("statement-missing-field")


def test_camt053_statements_of_different_accounts_are_refused() -> None:
    raw = (STATEMENTS / "rheinbank-2026-10.xml").read_bytes()
    head, _, rest = raw.partition(b"<Stmt>")
    body, _, tail = rest.partition(b"</Stmt>")
    two = head + b"<Stmt>" + body + b"</Stmt><Stmt>" + body.replace(b"DE89 3704", b"DE11 2222") + b"</Stmt>" + tail
    found = camt053.parse(two, "two.xml")
    assert [d.code for d in found.diagnostics] == ["statement-several-accounts"] and not found.lines
    same = camt053.parse(head + b"<Stmt>" + body + b"</Stmt><Stmt>" + body + b"</Stmt>" + tail, "same.xml")
    assert not same.diagnostics and len(same.lines) == 2 * 5
    record("statement-several-accounts")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&lol3;</BkToCstmrStmt></Document>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>
"""


def test_xml_bombs_and_external_entities_are_refused(tmp_path: Path) -> None:
    for name, raw in (("bomb.xml", BILLION_LAUGHS), ("xxe.xml", XXE)):
        found = camt053.parse(raw, name)
        assert [d.code for d in found.diagnostics] == ["statement-unsafe-xml"] and not found.lines
        path = tmp_path / name
        path.write_bytes(raw)
        code, _, err = bank(str(path), "--statement-format", "camt053", "--account", "Assets:Bank:Euro")
        assert code == 1 and "statement-unsafe-xml" in err and "root:" not in err
    record("statement-unsafe-xml")


def test_mt940_bad_tag_is_a_diagnostic_at_its_line() -> None:
    raw = (STATEMENTS / "rheinbank-2026-10.sta").read_bytes()
    found = mt940.parse(raw.replace(b":60F:C260930EUR", b":60F:C2609X0EUR"), "r.sta")
    assert [(d.code, d.line) for d in found.diagnostics] == [("statement-format", 4)]
    assert [d.code for d in mt940.parse(b"Date,Amount\n", "x.sta").diagnostics] == ["statement-format"]
    two = raw + raw.replace(b"DE8937", b"DE1122")
    assert [d.code for d in mt940.parse(two, "two.sta").diagnostics] == ["statement-several-accounts"]


def test_statements_over_the_line_limit_are_refused() -> None:
    raw = (STATEMENTS / "northbank-2026-10.ofx").read_bytes()
    assert [d.code for d in ofx.parse(raw, "n.ofx", max_lines=3).diagnostics] == ["statement-too-large"]
    assert [d.code for d in camt053.parse((STATEMENTS / "rheinbank-2026-10.xml").read_bytes(), "r.xml", max_lines=2).diagnostics] == ["statement-too-large"]
    assert [d.code for d in mt940.parse((STATEMENTS / "rheinbank-2026-10.sta").read_bytes(), "r.sta", max_lines=2).diagnostics] == ["statement-too-large"]
    record("statement-too-large")


class TinyBankImporter(beangulp.Importer):  # type: ignore[misc]  # beangulp ships no type hints
    """A beangulp importer of a made-up format: `DATE|AMOUNT|REF|TEXT` lines and `BAL|DATE|AMOUNT`."""

    def identify(self, filepath: str) -> bool:
        return filepath.endswith(".tiny")

    def account(self, filepath: str) -> str:
        return "Assets:Bank:Operating"

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        entries: data.Entries = []
        for lineno, text in enumerate(Path(filepath).read_text().splitlines(), 1):
            fields = text.split("|")
            meta = data.new_metadata(filepath, lineno)
            if fields[0] == "BAL":
                units = amount.Amount(Decimal(fields[2]), "USD")
                entries.append(data.Balance(meta, datetime.date.fromisoformat(fields[1]), self.account(filepath), units, None, None))
                continue
            date, number, ref, narration = fields
            meta["reference"] = ref
            posting = data.Posting(self.account(filepath), amount.Amount(Decimal(number), "USD"), None, None, None, None)
            entries.append(data.Transaction(meta, datetime.date.fromisoformat(date), "*", None, narration, frozenset(), frozenset(), [posting]))
        return entries


def broken_importer() -> beangulp.Importer:
    class Broken(TinyBankImporter):
        def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
            raise ValueError("cannot read this")

    return Broken()


def test_a_beangulp_importer_reconciles_the_file_it_reads(tmp_path: Path) -> None:
    tiny = tmp_path / "october.tiny"
    tiny.write_text(
        "2026-10-01|-4400.00|ACH-RENT-202610|Rent\n2026-10-05|-781.20|CARD-202610|Card\n2026-10-12|-2100.00|BILL-CLOUDNEST-2026-Q4|Hosting\n"
        "2026-10-14|9800.00|INV-2026-047|Meridian\n2026-10-15|-6200.00|BILL-OKAFOR-2026-09|Okafor\n2026-10-15|3200.00||Fernwood\n"
        "2026-10-16|13980.00|FX-20261015|Wire\n2026-10-26|-31500.00|PR-2026-10|Payroll\n2026-10-28|12000.00|INV-2026-051|Acme\n"
        "2026-10-31|-105.00||Fees\nBAL|2026-11-01|169270.75\n"
    )
    code, out, err = bank(str(tiny), "--importer", f"{__name__}.TinyBankImporter", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    csv_doc = json.loads(bank(str(STATEMENTS / "northbank-2026-10.csv"), "--format", "json")[1])
    assert comparable(doc) == comparable(csv_doc)
    code, _, err = bank(str(tiny), "--importer", f"{__name__}.broken_importer")
    assert code == 1 and "statement-importer" in err and "cannot read this" in err
    code, _, err = bank(str(tiny), "--importer", "no_such_module_here.Importer")
    assert code == 2 and "cannot import no_such_module_here" in err
    record("statement-importer")


def test_settings_name_builtin_formats_and_importers(examples_copy: Path) -> None:
    settings = examples_copy / "acct-tool.yaml"
    text = settings.read_text()
    settings.write_text(text.replace('- {match: "ledger/statements/rheinbank-*.sta"}', '- {match: "ledger/statements/rheinbank-*.sta", format: beangulp}'))
    result = run_cli("check", books=examples_copy)
    assert result.exit_code == 1 and "format beangulp needs `importer: module.Class`" in result.output + result.stderr
    settings.write_text(text.replace("format: camt053}", "format: camt54}"))
    result = run_cli("check", books=examples_copy)
    assert "no statement format named 'camt54'" in result.output + result.stderr and "camt053" in result.output + result.stderr
