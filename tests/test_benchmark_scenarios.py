"""The benchmark's edit mode, small ledgers and report: what they run and write, never how fast.

Stand-in executables record what they saw instead of timing anything; the
books are small (300 transactions, one year) and live in tmp_path.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from conftest import REPO, run_cli

from acct_tool.books.ledger import load_ledger

if str(REPO) not in sys.path:  # benchmarks/ is a folder of the repository, not of the package
    sys.path.insert(0, str(REPO))

from benchmarks import edits, run, small
from benchmarks.generate import Summary, generate

SEED = 7
SIZE = 300

#: Answers --help; otherwise appends what it saw (its name, argv, the yearly file's digest, cache settings) to $BENCH_LOG.
FAKE = """\
import hashlib, json, os, pathlib, sys
if "--help" in sys.argv:
    sys.exit(0)
year = pathlib.Path.cwd() / "ledger" / os.environ["BENCH_YEAR_FILE"]
record = {
    "tool": pathlib.Path(sys.argv[0]).name,
    "argv": sys.argv[1:],
    "digest": hashlib.sha256(year.read_bytes()).hexdigest(),
    "cache_dir": os.environ.get("ACCT_TOOL_CACHE_DIR"),
    "no_cache": os.environ.get("ACCT_TOOL_NO_CACHE"),
}
with open(os.environ["BENCH_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(record) + "\\n")
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Summary]:
    root = tmp_path_factory.mktemp("bench") / "books"
    return root, generate(root, SIZE, seed=SEED, years=1)


def _copy(root: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "books"
    shutil.copytree(root, copy)
    return copy


def _books(root: Path, summary: Summary) -> run.Books:
    return run.Books("300", root, json.loads(summary.to_json()), generated_now=False)


def test_edits_append_a_balanced_invoice_that_keeps_the_books_clean(generated: tuple[Path, Summary], tmp_path: Path) -> None:
    root, summary = generated
    books = _copy(root, tmp_path)
    year, relative = edits.year_file(books)
    assert (year, relative) == (2026, "ledger/2026.beancount")
    edited = edits.EditedFile(books, relative)
    edit = edits.edit_for(books, 1, summary.as_of)
    assert edit.account.startswith(edits.RECEIVABLE_ROOT)
    edited.apply(edit)
    text = (books / relative).read_text(encoding="utf-8")
    assert text.startswith(edited.original.decode("utf-8")) and text.endswith(edit.text)
    assert f"{summary.as_of} * " in edit.text and "^INV-2026-900001" in edit.text
    ledger = load_ledger(books / "ledger" / "main.beancount", books)  # what bean-check reports
    assert [d.message for d in ledger.diagnostics] == []
    assert len(ledger.entries) > len(load_ledger(root / "ledger" / "main.beancount", root).entries)
    result = run_cli("check", books=books, as_of=summary.as_of)
    assert result.exit_code == 0, result.output + result.stderr
    assert " error " not in result.output
    edited.restore()
    assert (books / relative).read_bytes() == (root / relative).read_bytes()


def test_every_edit_is_a_different_transaction(generated: tuple[Path, Summary]) -> None:
    root, summary = generated
    made = [edits.edit_for(root, n, summary.as_of) for n in range(1, 9)]
    assert len({e.text for e in made}) == len(made)
    assert len({e.account for e in made}) > 1
    assert edits.edit_for(root, 3, summary.as_of) == made[2]  # deterministic


def test_edit_mode_primes_then_times_each_round_on_a_new_edit(generated: tuple[Path, Summary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, summary = generated
    fakes = {}
    for name in ("acct-tool", "bean-check"):
        fake = tmp_path / "bin" / name
        fake.parent.mkdir(exist_ok=True)
        fake.write_text(f"#!{sys.executable}\n" + FAKE, encoding="utf-8")
        fake.chmod(0o755)
        fakes[name] = str(fake)
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("BENCH_LOG", str(log))
    monkeypatch.setenv("BENCH_YEAR_FILE", "2026.beancount")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    original = hashlib.sha256((root / "ledger" / "2026.beancount").read_bytes()).hexdigest()

    series = run.bench_edit(_books(root, summary), ["check"], 3, fakes["acct-tool"], fakes["bean-check"], log=False)

    assert [s.name for s in series] == ["bean-check", "check"]
    assert [len(s.samples) for s in series] == [3, 3]
    runs = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(runs) == 9  # per round: bean-check, one priming run, one timed run
    rounds = [runs[i : i + 3] for i in range(0, 9, 3)]
    timed = []
    for r in rounds:
        bean = next(x for x in r if x["tool"] == "bean-check")
        prime, after = (x for x in r if x["tool"] == "acct-tool")
        assert bean["argv"] == ["-C", "ledger/main.beancount"]
        assert after["argv"][-1] == "check" and prime["argv"] == after["argv"]
        assert prime["digest"] == original  # the cache is primed on the books before the edit
        assert after["digest"] == bean["digest"] != original  # both timed on the same edited books
        assert after["cache_dir"] and not after["no_cache"] and not after["cache_dir"].startswith(str(root))
        timed.append(after["digest"])
    assert len(set(timed)) == 3  # a different edit every round
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before  # the cached books are never edited


def test_small_ledger_books_pass_check(tmp_path: Path) -> None:
    bean_example = shutil.which("bean-example", path=str(Path(sys.executable).parent)) or shutil.which("bean-example")
    if bean_example is None:
        pytest.skip("bean-example is not installed")
    ledger = small.LEDGERS[-1]
    path = small.ensure_ledger(ledger, tmp_path / "cache", bean_example)
    assert 8_000 < path.stat().st_size < 15_000
    assert small.ensure_ledger(ledger, tmp_path / "cache", "/nonexistent/bean-example") == path  # generated once
    books = run.small_books(ledger, path, tmp_path / "books")
    assert books.kind == "small" and books.transactions > 10
    assert (books.root / "acct-tool.yaml").read_text(encoding="utf-8") == small.SETTINGS
    assert [d.message for d in load_ledger(books.root / "ledger" / "main.beancount", books.root).diagnostics] == []
    result = run_cli("check", books=books.root, as_of=ledger.as_of)
    assert result.exit_code == 0, result.output + result.stderr
    assert " error " not in result.output


def test_the_example_ledger_is_about_the_size_of_favas() -> None:
    ledger = small.LEDGERS[0]
    assert ledger.argv("bean-example", Path("OUT")) == ["bean-example", "-s", "1", "--date-begin", "2017-05-01", "--date-end", "2025-01-01", "-o", "OUT"]
    assert ledger.label in run.SMALL_TARGETS


def _series(name: str, seconds: float, mb: float, label: str = "") -> run.Series:
    return run.Series(name, run.COMMANDS.get(name, ("x",)), samples=[run.Sample(seconds, mb, 0)] * 2, label=label)


def _results() -> tuple[list[run.Result], list[run.Series]]:
    summary: dict[str, object] = {"transactions": 10_000, "as_of": "2026-12-31", "clients": 50, "vendors": 6, "bytes": 2_400_000, "files": 64, "seconds": 0.1}
    books = run.Books("10k", Path("/books"), summary, generated_now=False)
    cold = [_series("bean-check", 1.0, 100)] + [_series(n, 0.5, 100) for n in run.DEFAULT_COMMANDS[:-1]] + [_series("review", 2.0, 120)]
    warm = [_series("bean-check", 1.0, 100), _series("check", 0.2, 50), _series("followups", 0.3, 50)]
    edit = [_series("bean-check", 1.0, 100), _series("check", 0.6, 100)]
    small_summary: dict[str, object] = dict(summary, transactions=1000, title="an example", ledger="/cache/ledger.beancount", bytes=894_000, files=2)
    example = run.Books(small.LEDGERS[0].label, Path("/tmp/x"), small_summary, generated_now=False, kind="small")
    checks = [_series("bean-check", 0.4, 40), _series("check", 0.5, 40)]
    results = [(books, "cold", cold), (books, "warm", warm), (books, "edit", edit), (example, "cold", checks), (example, "warm", checks)]
    versions = [_series("bean-check", 0.1, 20, label="bean-check --version"), _series("version", 0.2, 20, label="acct-tool --version")]
    return results, versions


def test_report_has_a_row_for_every_target_of_the_issue() -> None:
    results, versions = _results()
    text = run.report(results, ["--sizes", "10k"], 2, versions)
    head = text.split("## Targets", 1)[1].split("\n## ", 1)[0]
    rows = {line.split(" | ")[0].lstrip("| "): line for line in head.splitlines() if line.startswith("| ") and " | 10k | " in line}
    assert rows["`check` cold"].endswith("| 0.50 | ≤ 0.90 | ✓ |")
    assert rows["`followups` cold"].endswith("| 0.50 | ≤ 0.95 | ✓ |")
    assert rows["`aging ar` cold"].endswith("| 0.50 | ≤ 0.95 | ✓ |")
    assert rows["`review` (all clients, HTML) cold"].endswith("| 2.00 | ≤ 1.10 | ✗ |")
    assert next(v for k, v in rows.items() if k.startswith("`check` after appending")).endswith("| 0.60 | ≤ 0.70 | ✓ |")
    assert next(v for k, v in rows.items() if k.startswith("`check` warm")).endswith("| 0.20 | ≤ 0.25 | ✓ |")
    assert next(v for k, v in rows.items() if k.startswith("`followups` warm")).endswith("| 0.30 | ≤ 0.25 | ✗ |")
    assert next(v for k, v in rows.items() if k.startswith("peak memory, cold")).endswith("| 1.20 | ≤ 1.15 | ✗ |")
    assert "(highest: `acct-tool review --format html`)" in head
    example = next(line for line in head.splitlines() if small.LEDGERS[0].label in line and "no caches" in line)
    assert example.endswith("| 1.25 | ≤ 1.00 | ✗ |")
    assert "| not measured |" in next(line for line in head.splitlines() if small.LEDGERS[1].label in line)
    assert next(line for line in head.splitlines() if "--version" in line).endswith("| 2.00 | ≤ 1.00 | ✗ |")
    # The per-command tables keep every command, and say what each mode measured.
    for row in ("| `acct-tool reconcile ar` |", "| `acct-tool clients list` |", "| `acct-tool --version` |", "### edit (", "## Small ledgers"):
        assert row in text
    assert "- load average at the end" in text and "- machine: `" in text and "- command: `python -m benchmarks.run --sizes 10k`" in text


def test_report_says_what_was_not_measured() -> None:
    results, _ = _results()
    text = run.targets(results[:1], None)
    assert text.count("| not measured |") == 8  # edit, 2 warm, 4 small-ledger rows and --version


def test_the_stage_breakdown_of_a_real_check_adds_up_to_the_whole_command(generated: tuple[Path, Summary], tmp_path: Path) -> None:
    from benchmarks import stages

    root = _copy(generated[0], tmp_path)
    env = {**os.environ, "ACCT_TOOL_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("ACCT_TOOL_NO_CACHE", None)
    found = stages.run_driver(root, env)
    assert found["code"] == 0
    assert [m for m, _ in found["marks"]][:2] == ["loading ledger: parsing…", "loading ledger: parsing…"]
    lines = stages.table(found, bean_check=1.0)
    rows = {line.split(" | ")[0].strip("| *"): line.split(" | ")[1].strip(" |*") for line in lines[2:]}
    assert {"parsing", "booking", "running plugins", "drawing the party postings", "open items (receivables and payables)"} <= set(rows)
    parts = [float(v) for k, v in rows.items() if k not in ("whole command", "bean-check on the same files", "ratio") and not k.startswith("of which")]
    # each row is rounded to hundredths on its own: the sum may be off by half of one per row
    assert abs(sum(parts) - float(rows["whole command"])) <= 0.005 * (len(parts) + 1) + 1e-9


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_run_ends_once_what_the_command_left_running_has_ended_and_counts_its_memory(tmp_path: Path) -> None:
    """acct-tool returns before its cache is written (a child writes it): the next run must
    not start beside that child, and the child's memory counts with the command's."""
    marker = tmp_path / "left-done"
    program = (
        "import os, sys\n"
        "if os.fork() == 0:\n"
        "    os.dup2(os.open(os.devnull, os.O_RDWR), 1)\n"  # lets go of the output, as acct-tool's writer does
        "    held = bytes(range(256)) * (100 << 12)\n"  # 100 MB, every page written
        f"    open({str(marker)!r}, 'w').write(str(len(held)))\n"
        "    os._exit(0)\n"
    )
    sample, _ = run.run_once([sys.executable, "-c", program], dict(os.environ), tmp_path)
    assert sample.exit_code == 0
    assert marker.read_text() == str(100 << 20)  # ended before the run was over
    assert sample.peak_mb > 90  # the command itself held a few MB
