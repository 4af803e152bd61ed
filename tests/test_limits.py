"""Inputs far larger than any real firm's work in linear time or are refused clearly: never a hang or a memory blow-up.

The bounds asserted here are generous (they catch hangs and quadratic paths, not
slow machines); the measured times and peak memory are printed (``pytest -s``)
so that they can be recorded. Work that allocates a lot runs in a subprocess,
whose own peak memory (``wait4``) is measured without inflating the test run.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from codes_seen import record
from conftest import REPO

from acct_tool.books.globs import glob_matches
from acct_tool.books.profiles import load_party
from acct_tool.books.yamlsource import parse_yaml
from acct_tool.engines.statements import MAX_LINES

BASE = Path(__file__).parent / "corpus" / "_base" / "minimal"
#: Generous ceilings: a hang or a quadratic path blows through them, a slow machine does not.
HANG_SECONDS = 60
AS_OF = "2026-11-30"


def report(what: str, seconds: float, megabytes: float | None = None) -> None:
    memory = f", peak {megabytes:,.0f} MB" if megabytes is not None else ""
    print(f"\nlimits: {what}: {seconds:.2f} s{memory}")


#: Runs the CLI and then writes the process's peak resident memory (VmHWM, which starts
#: afresh at exec, unlike ru_maxrss, which counts the forked copy of this test process).
RUNNER = """
import sys
from acct_tool.cli import cli
try:
    cli.main(sys.argv[2:], prog_name="acct-tool")
    code = 0
except SystemExit as exc:
    code = exc.code
try:
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(line for line in status if line.startswith("VmHWM:")).split()[1]
except OSError:
    peak = "0"
with open(sys.argv[1], "w", encoding="ascii") as out:
    out.write(peak)
sys.exit(code)
"""


def measured(args: list[str], cwd: Path) -> tuple[int, str, str, float, float]:
    """Run the CLI with ARGS in a fresh process; exit code, stdout, stderr, seconds, peak memory (MB) of that process."""
    env = {k: v for k, v in os.environ.items() if k != "ACCT_TOOL_BOOKS"}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    peak_file = cwd / "peak.txt"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(peak_file), "--no-cache", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=2 * HANG_SECONDS,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    peak = int(peak_file.read_text() or 0) / 1024 if peak_file.exists() else float("nan")
    return done.returncode, done.stdout, done.stderr, seconds, peak


@pytest.fixture
def books(tmp_path: Path) -> Path:
    root = tmp_path / "books"
    shutil.copytree(BASE, root)
    return root


def interactions(count: int, *, bad_dates: bool = False) -> str:
    """``count`` flow-style interactions, a tenth of them with a next step."""
    start = datetime.date(2016, 1, 1)
    lines = []
    for i in range(count):
        day = "2026-02-30" if bad_dates else (start + datetime.timedelta(days=i * 3650 // count)).isoformat()
        step = f", next_step: {{action: Follow up {i}, due: {day}, done: true}}" if i % 10 == 0 else ""
        lines.append(f'  - {{date: {day}, channel: call, with: Mai Tran, summary: "Call {i} about the plan", sentiment: neutral{step}}}\n')
    return "".join(lines)


def big_profile(books: Path, count: int, **kwargs: Any) -> Path:
    profile = books / "clients" / "acme.yaml"
    head = profile.read_text("utf-8").split("interactions:")[0]
    profile.write_text(head + "interactions:\n" + interactions(count, **kwargs), "utf-8")
    return profile


# --- profiles -----------------------------------------------------------------------------


def test_a_profile_with_100000_interactions_is_checked_in_linear_time(books: Path) -> None:
    profile = big_profile(books, 100_000)
    code, stdout, stderr, seconds, peak = measured(["--books", str(books), "--as-of", AS_OF, "check", "--format", "json"], books.parent)
    report(f"check with a {profile.stat().st_size / 1e6:.0f} MB profile of 100,000 interactions", seconds, peak)
    assert code == 0, stderr
    assert json.loads(stdout) == []
    assert seconds < HANG_SECONDS
    assert peak < 4000


def test_thousands_of_invalid_values_are_reported_in_linear_time(books: Path) -> None:
    """Every invalid value used to be looked up in a list of all invalid paths: quadratic."""
    profile = big_profile(books, 20_000, bad_dates=True)
    started = time.perf_counter()
    party, problems = load_party(profile, "clients/acme.yaml")
    seconds = time.perf_counter() - started
    report("load_party, 20,000 interactions each with an invalid date", seconds)
    assert party is not None and party.interactions == ()
    assert sum(d.code == "invalid-date" for d in problems) == 20_000 + 2_000  # dates and next-step due dates
    assert seconds < 30  # ~1.5 s linear; the quadratic version took minutes
    record("invalid-date")


def test_log_appends_to_a_long_profile_in_linear_time(books: Path) -> None:
    profile = big_profile(books, 10_000)
    size = profile.stat().st_size
    code, _, stderr, seconds, peak = measured(
        ["--books", str(books), "--as-of", AS_OF, "log", "acme", "--channel", "call", "--summary", "Checked in"], books.parent
    )
    report("log into a profile of 10,000 interactions", seconds, peak)
    assert code == 0, stderr
    assert profile.stat().st_size > size and profile.read_text("utf-8").endswith("summary: Checked in}\n")
    assert seconds < HANG_SECONDS  # was 20 s for 10,000 and 240 s for 100,000 (ruamel.yaml round trips)


def test_a_50_mb_profile_is_refused_without_reading_it(books: Path) -> None:
    profile = books / "clients" / "acme.yaml"
    with profile.open("w", encoding="utf-8") as out:
        out.write("id: acme\nname: ACME\nkind: client\ngoals:\n")
        out.write("  - Keep the books tidy and the clients happy\n" * 1_200_000)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        party, problems = load_party(profile, "clients/acme.yaml")
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    report("refusing a 50 MB profile", seconds, peak)
    assert party is None and [d.code for d in problems] == ["file-too-large"]
    assert seconds < 1 and peak < 5


# --- YAML bombs ---------------------------------------------------------------------------


def billion_laughs(levels: int = 9, width: int = 10) -> str:
    lines = ["id: acme", "name: ACME", "kind: client", f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("billion laughs (10^10 values)", billion_laughs()),
        ("a wide fan-out (4,000,000 values)", billion_laughs(levels=1, width=2000)),
        ("a recursive alias", "id: acme\ngoals: &g [*g, *g]\n"),
        ("5,000 nested flow lists", "id: acme\ngoals: " + "[" * 5000 + "]" * 5000 + "\n"),
        ("100,000 nested flow mappings", "goals: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n"),
        ("300 nested block mappings", "notes:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(300)) + "  " * 301 + "x: 1\n"),
    ],
)
def test_yaml_bombs_are_refused_fast_with_little_memory(name: str, text: str) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        doc, problems = parse_yaml(text, "clients/acme.yaml")
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    report(f"refusing {name}", seconds, peak)
    assert doc is None and [d.code for d in problems] == ["yaml-too-complex"], problems
    assert problems[0].file == "clients/acme.yaml" and problems[0].line is not None
    assert seconds < 5
    assert peak < 200  # the expanded billion laughs would need hundreds of gigabytes
    record("yaml-too-complex")


def test_billion_laughs_through_the_cli_keeps_the_process_small(books: Path) -> None:
    (books / "clients" / "acme.yaml").write_text(billion_laughs(), "utf-8")
    code, stdout, stderr, seconds, peak = measured(["--books", str(books), "--as-of", AS_OF, "check", "--format", "json"], books.parent)
    report("check with a billion-laughs profile", seconds, peak)
    assert code == 1, stderr
    assert "yaml-too-complex" in {d["code"] for d in json.loads(stdout)}
    assert seconds < HANG_SECONDS and peak < 500


# --- statements ---------------------------------------------------------------------------


def statement(path: Path, lines: int) -> Path:
    start = datetime.date(2024, 1, 1)
    days = [(start + datetime.timedelta(days=d)).isoformat() for d in range(1100)]
    with path.open("w", encoding="utf-8") as out:
        out.write("Date,Description,Reference,Amount,Balance\n")
        chunk = []
        for i in range(lines):
            chunk.append(f"{days[i * 1000 // lines]},CARD PAYMENT {i},REF{i},-1.00,\n")
            if len(chunk) == 50_000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
    return path


def test_a_million_line_statement_is_refused_clearly_and_fast(books: Path) -> None:
    csv = statement(books / "statements" / "big-2026.csv", 1_000_000)
    code, stdout, stderr, seconds, peak = measured(["--books", str(books), "--as-of", AS_OF, "reconcile", "bank", str(csv), "--output", "json"], books.parent)
    report(f"refusing a 1,000,000-line statement ({csv.stat().st_size / 1e6:.0f} MB)", seconds, peak)
    assert code == 1, stderr
    (problem,) = json.loads(stdout)["diagnostics"]
    assert problem["code"] == "statement-too-large" and problem["file"] == "statements/big-2026.csv"
    assert "1,000,001 lines" in problem["message"] and f"{MAX_LINES:,}" in problem["message"]
    assert "Traceback" not in stderr
    assert seconds < HANG_SECONDS and peak < 600
    record("statement-too-large")


def test_a_statement_at_the_line_limit_reconciles_in_linear_time(books: Path) -> None:
    csv = statement(books / "statements" / "big-2026.csv", MAX_LINES)
    code, stdout, stderr, seconds, peak = measured(["--books", str(books), "--as-of", AS_OF, "reconcile", "bank", str(csv), "--output", "json"], books.parent)
    report(f"reconcile bank, a {MAX_LINES:,}-line statement, JSON output", seconds, peak)
    assert code == 1, stderr  # every line is missing from the ledger
    result = json.loads(stdout)
    assert result["summary"]["lines"] == MAX_LINES and result["diagnostics"] == []
    assert seconds < HANG_SECONDS and peak < 2000


def test_a_pathological_statement_glob_matches_in_linear_time() -> None:
    """`statements.files[].match` is user input; as a regular expression this pattern backtracked for minutes."""
    started = time.perf_counter()
    assert not glob_matches("*a" * 30 + "b", "statements/" + "a" * 200 + ".csv")
    assert not glob_matches("**/" * 40 + "*a" * 40 + "b", "a/" * 500 + "a" * 500)
    assert glob_matches("**/" + "*a" * 30, "x/" + "a" * 200)
    seconds = time.perf_counter() - started
    report("matching pathological statement globs", seconds)
    assert seconds < 5
