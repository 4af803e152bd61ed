"""Fuzzing the OFX, CAMT.053 and MT940 readers: random bytes and mutated statements never raise.

Each reader must answer any input with lines and documented diagnostics,
never an exception: random bytes, and the example statements with spans
deleted, duplicated or replaced and bytes flipped.
"""

from __future__ import annotations

from collections.abc import Callable

from conftest import EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acct_tool.diagnostics import CODES
from acct_tool.engines.bank_formats import ParsedStatement, camt053, mt940, ofx
from acct_tool.engines.bank_formats.detect import detect

STATEMENTS = EXAMPLES / "ledger" / "statements"
READERS: dict[str, tuple[Callable[..., ParsedStatement], bytes]] = {
    "ofx": (ofx.parse, (STATEMENTS / "northbank-2026-10.ofx").read_bytes()),
    "camt053": (camt053.parse, (STATEMENTS / "rheinbank-2026-10.xml").read_bytes()),
    "mt940": (mt940.parse, (STATEMENTS / "rheinbank-2026-10.sta").read_bytes()),
}
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FRAGMENTS = [
    b"<",
    b">",
    b"</",
    b"&",
    b"&amp;",
    b"<!DOCTYPE x>",
    b":61:",
    b":86:",
    b"-",
    b",",
    b".",
    b"\n",
    b"\x00",
    b"\xff",
    b"9" * 40,
    b"<STMTTRN>",
    b"<Ntry>",
    b"<Amt>",
]


def check(parsed: ParsedStatement) -> None:
    assert all(d.code in CODES for d in parsed.diagnostics)
    assert all(line.balance_only or line.amount == line.amount for line in parsed.lines)


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        width = draw(st.integers(0, 40))
        kind = draw(st.sampled_from(["delete", "duplicate", "insert", "flip", "truncate"]))
        if kind == "delete":
            del data[at : at + width]
        elif kind == "duplicate":
            data[at:at] = data[at : at + width]
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(FRAGMENTS))
        elif kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        else:
            del data[at:]
    return bytes(data)


@FAST
@given(st.sampled_from(sorted(READERS)), st.binary(max_size=400))
def test_random_bytes_never_raise(name: str, raw: bytes) -> None:
    reader, original = READERS[name]
    check(reader(raw, "fuzz"))
    check(reader(original[:40] + raw, "fuzz"))
    detect(raw)


@FAST
@given(st.data())
def test_mutated_ofx_never_raises(data: st.DataObject) -> None:
    reader, original = READERS["ofx"]
    check(reader(data.draw(mutated(original)), "fuzz.ofx"))


@FAST
@given(st.data())
def test_mutated_camt053_never_raises(data: st.DataObject) -> None:
    reader, original = READERS["camt053"]
    check(reader(data.draw(mutated(original)), "fuzz.xml"))


@FAST
@given(st.data())
def test_mutated_mt940_never_raises(data: st.DataObject) -> None:
    reader, original = READERS["mt940"]
    check(reader(data.draw(mutated(original)), "fuzz.sta"))
