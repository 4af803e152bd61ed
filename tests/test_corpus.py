"""The bad-input corpus: every case in ``tests/corpus/`` through the real CLI.

Each case is a folder holding a ``case.yaml`` and the files of a small books
folder, laid over a base (``tests/corpus/_base/<base>/``, default ``minimal``).
Content that is huge, binary or needs permissions is made at test time from a
recipe (``generate:``), so the committed corpus stays small. ``case.yaml``:

    category: yaml-syntax            # one of CATEGORIES
    why: a tab indents a nested key  # what the case proves
    command: [check, --format, json] # argv after --books/--as-of; {books} and {tmp} expand
    exit: 1                          # the documented exit code
    code: yaml-syntax                # the diagnostic code it must produce (null: a usage error)
    file: clients/acme.yaml          # the file the diagnostic (or usage message) names
    line: 5                          # where one exists
    column: 1                        # optional
    message: tabs                    # optional substring of the message (or hint)
    xfail: why                       # optional: a known bug, fixed elsewhere (strict: fails once it passes)
    base: minimal                    # optional
    remove: [clients/acme.yaml]      # optional: base files to delete first
    as_of: 2026-11-30                # optional
    generate: [{kind: ..., path: ..., ...}]  # optional recipes, see RECIPES

Every case runs in-process (click's CliRunner, fast) and must not raise; one
case per category also runs as a subprocess of ``python -m acct_tool`` to prove
no traceback reaches stderr from the real entry point. ``tests/corpus/README.md``
lists the categories with their counts; regenerate it with
``ACCT_TOOL_REGEN=1 pytest tests/test_corpus.py``.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import errno
import json
import os
import pathlib
import random
import re
import shutil
import subprocess
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from codes_seen import record
from conftest import REPO

from acct_tool.cli import cli
from acct_tool.diagnostics import CODES
from acct_tool.render import template_limits

CORPUS = Path(__file__).parent / "corpus"
README = CORPUS / "README.md"
REGEN = os.environ.get("ACCT_TOOL_REGEN") == "1"
AS_OF = "2026-11-30"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

#: The categories, in the order the README lists them, with what they cover.
CATEGORIES: dict[str, str] = {
    "yaml-syntax": "YAML that does not parse: tabs, unclosed quotes and brackets, bad indentation, stray documents, control characters",
    "yaml-structure": "YAML that parses but is refused: duplicate keys, tags, alias bombs, deep nesting, empty files, lists and scalars",
    "encoding": "bytes that are not UTF-8 text: Latin-1, UTF-16, NUL bytes, random binary, byte-order marks",
    "files": "files that cannot be read as asked: too large, folders, unreadable, symlinks, FIFOs",
    "profile-schema": "profiles that break the schema: unknown keys, wrong types, out-of-range values, dates, amounts, accounts",
    "ids": "ids that are not file-name safe, differ from the file name, or are used twice",
    "settings": "a bad acct-tool.yaml: unknown keys, wrong types, paths outside the books, bad statement formats",
    "ledger": "a broken Beancount ledger: syntax, unbalanced transactions, includes, plugins, unknown accounts",
    "cross-check": "profiles that disagree with the ledger",
    "statements": "malformed bank statements for `reconcile bank`",
    "templates": "hostile or broken report templates for `review`",
    "commands": "bad input met by commands other than check: log into a broken profile, unreadable statements, dates at the ends of the calendar",
}

CASE_KEYS = {"category", "why", "command", "exit", "code", "file", "line", "column", "message", "base", "remove", "as_of", "generate", "xfail"}
TEXT_LINE = re.compile(
    r"^(?P<file>[^\s:][^:]*?):(?:(?P<line>\d+):(?:(?P<column>\d+):)?)? (?P<severity>error|warning) (?P<code>[a-z][a-z0-9-]*) (?P<message>.*)$"
)


@dataclass
class Case:
    name: str
    folder: Path
    category: str
    why: str
    command: list[str]
    exit: int
    code: str | None
    file: str | None = None
    line: int | None = None
    column: int | None = None
    message: str | None = None
    base: str = "minimal"
    remove: list[str] = field(default_factory=list)
    as_of: str = AS_OF
    generate: list[dict[str, Any]] = field(default_factory=list)
    xfail: str | None = None

    @property
    def needs_permissions(self) -> bool:
        return any(g["kind"] == "unreadable" for g in self.generate)


def load_case(folder: Path) -> Case:
    spec = yaml.safe_load((folder / "case.yaml").read_text("utf-8"))
    assert isinstance(spec, dict), f"{folder.name}/case.yaml is not a mapping"
    unknown = set(spec) - CASE_KEYS
    assert not unknown, f"{folder.name}/case.yaml: unknown keys {sorted(unknown)}"
    spec.setdefault("command", ["check", "--format", "json"])
    spec["as_of"] = str(spec.get("as_of", AS_OF))
    case = Case(name=folder.name, folder=folder, **spec)
    assert case.category in CATEGORIES, f"{case.name}: unknown category {case.category}"
    assert case.code is None or case.code in CODES, f"{case.name}: {case.code} is not a documented code"
    assert case.exit in (0, 1, 2), case.name
    assert case.file is not None or case.code is None, f"{case.name}: a diagnostic names its file"
    return case


def all_cases() -> list[Case]:
    return [load_case(p) for p in sorted(CORPUS.iterdir()) if p.is_dir() and not p.name.startswith("_")]


CASES = all_cases()


# --- recipes: content made at test time -------------------------------------------------------


def _alias_bomb(path: Path, spec: dict[str, Any]) -> None:
    """The billion laughs: each level lists the previous one ``width`` times."""
    levels, width = spec.get("levels", 9), spec.get("width", 10)
    lines = [spec.get("head", "")]
    lines.append(f"l0: &l0 [{', '.join(['lol'] * width)}]")
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    path.write_text("\n".join(lines) + "\n", "utf-8")


def _deep(path: Path, spec: dict[str, Any]) -> None:
    depth = spec["depth"]
    head = spec.get("head", "")
    if spec.get("style", "flow") == "flow":
        body = "goals: " + "[" * depth + "]" * depth + "\n"
    else:
        body = "notes:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(depth)) + "  " * (depth + 1) + "x: 1\n"
    path.write_text(head + body, "utf-8")


def _big(path: Path, spec: dict[str, Any]) -> None:
    """``head``, then ``line`` repeated until the file holds ``megabytes`` MB (real content, not a hole)."""
    size = int(spec["megabytes"] * 1_000_000)
    head, line, tail = spec.get("head", "").encode(), spec["line"].encode(), spec.get("tail", "").encode()
    count = max(1, (size - len(head) - len(tail)) // len(line) + 1)
    with path.open("wb") as out:
        out.write(head)
        chunk = line * 10_000
        for _ in range(count // 10_000):
            out.write(chunk)
        out.write(line * (count % 10_000))
        out.write(tail)


def _sparse(path: Path, spec: dict[str, Any]) -> None:
    """A file that is ``megabytes`` long but takes no disk space (its size is all that is checked)."""
    with path.open("wb") as out:
        out.write(spec.get("head", "").encode())
        out.truncate(int(spec["megabytes"] * 1_000_000))


def _random_bytes(path: Path, spec: dict[str, Any]) -> None:
    rng = random.Random(spec.get("seed", 0))
    path.write_bytes(spec.get("head", "").encode() + bytes(rng.randrange(256) for _ in range(spec.get("size", 4096))))


def _text(path: Path, spec: dict[str, Any]) -> None:
    """``text`` (YAML escapes allowed in case.yaml) encoded with ``encoding``, with ``bom`` bytes in front."""
    data = spec["text"].encode(spec.get("encoding", "utf-8"), errors=spec.get("errors", "strict"))
    path.write_bytes(bytes.fromhex(spec.get("bom", "")) + data)


def _unreadable(path: Path, spec: dict[str, Any]) -> None:
    path.chmod(0)


def _mkdir(path: Path, spec: dict[str, Any]) -> None:
    path.mkdir(parents=True)


def _symlink(path: Path, spec: dict[str, Any]) -> None:
    path.symlink_to(spec["target"])


def _fifo(path: Path, spec: dict[str, Any]) -> None:
    os.mkfifo(path)


RECIPES: dict[str, Callable[[Path, dict[str, Any]], None]] = {
    "alias-bomb": _alias_bomb,
    "deep": _deep,
    "big": _big,
    "sparse": _sparse,
    "random-bytes": _random_bytes,
    "text": _text,
    "unreadable": _unreadable,
    "mkdir": _mkdir,
    "symlink": _symlink,
    "fifo": _fifo,
}


def materialize(case: Case, dest: Path) -> Path:
    """The case's books folder under ``dest``: the base, minus ``remove``, plus the case's files and recipes."""
    books = dest / "books"
    shutil.copytree(CORPUS / "_base" / case.base, books)
    for relative in case.remove:
        target = books / relative
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink()
    for source in sorted(case.folder.rglob("*")):
        inside = source.relative_to(case.folder)
        if inside.as_posix() == "case.yaml" or source.is_dir():
            continue
        target = books / inside
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    for spec in case.generate:
        target = books / spec["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        RECIPES[spec["kind"]](target, spec)
    return books


def restore_permissions(root: Path) -> None:
    """Undo ``unreadable`` recipes so that pytest can clean up."""
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            with contextlib.suppress(OSError):
                path.chmod(0o755 if path.is_dir() else 0o644)


def argv(case: Case, books: Path, tmp: Path) -> list[str]:
    expand = [arg.replace("{books}", str(books)).replace("{tmp}", str(tmp)) for arg in case.command]
    return ["--books", str(books), "--as-of", case.as_of, *expand]


# --- running and judging ----------------------------------------------------------------------


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str
    #: The formatted traceback of an exception that escaped the CLI, if any.
    crash: str | None = None


def run_in_process(args: list[str], unreadable: list[Path]) -> Outcome:
    """Run the CLI with click's runner; an exception escaping it is a crash (a traceback for the user)."""
    with _simulated_permissions(unreadable):
        result = CliRunner().invoke(cli, args, catch_exceptions=True)
    crash = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        crash = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else repr(result.exception)
    return Outcome(result.exit_code, result.stdout, result.stderr, crash)


class _simulated_permissions:
    """As root, mode 000 does not stop reads: make reading those files fail as it would for a user."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = {str(p) for p in paths} if IS_ROOT else set()
        self.original: Any = None

    def __enter__(self) -> None:
        if not self.paths:
            return
        self.original = pathlib.Path.read_bytes
        original, denied = self.original, self.paths

        def read_bytes(path: Path) -> bytes:
            if str(path) in denied or str(path.absolute()) in denied:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
            data: bytes = original(path)
            return data

        pathlib.Path.read_bytes = read_bytes  # type: ignore[method-assign,assignment]

    def __exit__(self, *exc: object) -> None:
        if self.original is not None:
            pathlib.Path.read_bytes = self.original  # type: ignore[method-assign]


def run_subprocess(args: list[str], cwd: Path) -> Outcome:
    env = {k: v for k, v in os.environ.items() if k != "ACCT_TOOL_BOOKS"}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, "-m", "acct_tool", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)
    return Outcome(done.returncode, done.stdout, done.stderr)


def findings(case: Case, out: Outcome) -> list[dict[str, Any]]:
    """The diagnostics the command reported: its JSON output when it has one, else ``file:line:col:`` lines."""
    found: list[dict[str, Any]] = []
    if out.stdout.lstrip().startswith(("[", "{")):
        try:
            doc = json.loads(out.stdout)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            doc = doc.get("diagnostics")
        if isinstance(doc, list):
            found += [d for d in doc if isinstance(d, dict) and "code" in d]
    for text in (out.stdout, out.stderr):
        for line in text.splitlines():
            match = TEXT_LINE.match(line)
            if match:
                d: dict[str, Any] = dict(match.groupdict())
                d["line"] = int(d["line"]) if d["line"] else None
                d["column"] = int(d["column"]) if d["column"] else None
                found.append(d)
    return found


def judge(case: Case, out: Outcome) -> None:
    """Assert everything the case promises about ``out``."""
    shown = f"exit {out.exit_code}\n--- stdout\n{out.stdout[-3000:]}\n--- stderr\n{out.stderr[-3000:]}"
    assert out.crash is None, f"{case.name}: an exception escaped the CLI:\n{out.crash}"
    assert "Traceback (most recent call last)" not in out.stdout + out.stderr, f"{case.name}: a traceback was printed\n{shown}"
    assert out.exit_code == case.exit, f"{case.name}: expected exit {case.exit}\n{shown}"
    if case.code is None:  # a usage error: one clear sentence naming the file, on stderr
        # Click's own option errors put the usage line first; the sentence is on an "Error: " line
        assert out.stderr.startswith("Error: ") or "\nError: Invalid value" in out.stderr, f"{case.name}: expected a usage error\n{shown}"
        assert case.file is None or case.file in out.stderr, f"{case.name}: the message does not name {case.file}\n{shown}"
        if case.message:
            assert case.message in out.stderr, f"{case.name}: expected {case.message!r} in the message\n{shown}"
        return
    matches = [
        d
        for d in findings(case, out)
        if d["code"] == case.code
        and d["file"] == case.file
        and (case.line is None or d["line"] == case.line)
        and (case.column is None or d["column"] == case.column)
    ]
    where = ":".join(str(x) for x in (case.file, case.line, case.column) if x is not None)
    assert matches, f"{case.name}: expected {case.code} at {where}\n{shown}"
    if case.message:
        assert any(case.message in (d["message"] + " " + (d.get("hint") or "")) for d in matches) or case.message in out.stderr, (
            f"{case.name}: expected {case.message!r} in the message\n{shown}"
        )
    if case.line is not None:  # the location is in the text a user reads, too
        assert any(d["line"] == case.line for d in matches)
    record(case.code)


@pytest.fixture(autouse=True)
def _small_template_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hostile templates hit the render limits sooner here than in real use (60 s, 2 GB)."""
    monkeypatch.setattr(template_limits, "MAX_SECONDS", 1.0)
    monkeypatch.setattr(template_limits, "MAX_MEMORY", 400_000_000)


@pytest.fixture
def case_books(tmp_path: Path) -> Iterator[Callable[[Case], Path]]:
    made: list[Path] = []

    def make(case: Case) -> Path:
        books = materialize(case, tmp_path)
        made.append(books)
        return books

    yield make
    for books in made:
        restore_permissions(books)


def params(cases: list[Case]) -> list[Any]:
    return [pytest.param(c, id=c.name, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else []) for c in cases]


@pytest.mark.parametrize("case", params(CASES))
def test_case_in_process(case: Case, case_books: Callable[[Case], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if case.needs_permissions and not IS_ROOT and not hasattr(os, "geteuid"):
        pytest.skip("file permissions are not enforced on this system")
    if case.code == "template-unsafe" and case.message == "memory":
        # the memory cap is what this case is about: on a busy machine, filling 400 MB
        # can take longer than the one second the other hostile templates get
        monkeypatch.setattr(template_limits, "MAX_SECONDS", 30.0)
    books = case_books(case)
    unreadable = [books / g["path"] for g in case.generate if g["kind"] == "unreadable"]
    judge(case, run_in_process(argv(case, books, tmp_path), unreadable))


def subprocess_sample() -> list[Case]:
    """One case per category (the first by name that a real process can run as this user)."""
    chosen: dict[str, Case] = {}
    for case in CASES:
        if case.category not in chosen and not (IS_ROOT and case.needs_permissions) and not case.xfail:
            chosen[case.category] = case
    return list(chosen.values())


def test_a_sample_through_the_real_entry_point(tmp_path: Path) -> None:
    """One case per category as ``python -m acct_tool``: stderr never shows a traceback."""
    sample = subprocess_sample()
    assert len(sample) == len({c.category for c in CASES})
    jobs = []
    for i, case in enumerate(sample):
        folder = tmp_path / str(i)
        books = materialize(case, folder)
        jobs.append((case, books, folder))
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda job: run_subprocess(argv(job[0], job[1], job[2]), job[2]), jobs))
    for (case, books, _), out in zip(jobs, outcomes):
        restore_permissions(books)
        judge(case, out)


# --- the corpus itself ------------------------------------------------------------------------


def counts() -> Counter[str]:
    return Counter(c.category for c in CASES)


def readme() -> str:
    tally = counts()
    lines = [
        "# Bad-input corpus",
        "",
        "Every folder here is one case: a `case.yaml` saying which command to run, the exit",
        "code and diagnostic code it must produce, and the file (and line) the diagnostic",
        "names, plus the files of a small books folder laid over `_base/minimal/`. Huge,",
        "binary and unreadable inputs are made at test time from a recipe in `case.yaml`.",
        "`tests/test_corpus.py` runs every case through the CLI and asserts no traceback.",
        "",
        "This page is generated: `ACCT_TOOL_REGEN=1 pytest tests/test_corpus.py`.",
        "",
        "| Category | Cases | What it covers |",
        "|----------|------:|----------------|",
    ]
    for name, what in CATEGORIES.items():
        lines.append(f"| `{name}` | {tally.get(name, 0)} | {what} |")
    lines.append(f"| **total** | **{sum(tally.values())}** | |")
    known_bugs = sum(1 for c in CASES if c.xfail)
    if known_bugs:
        lines += ["", f"{known_bugs} of them are known bugs in code this corpus does not own; they are marked"]
        lines += ["`xfail` (strict) and listed as such below."]
    lines += ["", "## Cases", ""]
    for name in CATEGORIES:
        lines.append(f"### {name}")
        lines.append("")
        for case in CASES:
            if case.category == name:
                code = f"`{case.code}`" if case.code else "usage error"
                known = f" (**known bug**, expected to fail: {case.xfail})" if case.xfail else ""
                lines.append(f"- `{case.name}` — {case.why} → exit {case.exit}, {code}{known}")
        lines.append("")
    return "\n".join(lines)


def test_corpus_is_big_enough_and_every_category_has_cases() -> None:
    tally = counts()
    print("\ncorpus cases per category: " + ", ".join(f"{k}={tally.get(k, 0)}" for k in CATEGORIES) + f"; total {sum(tally.values())}")
    assert sum(tally.values()) >= 60
    assert all(tally.get(name, 0) > 0 for name in CATEGORIES), tally


def test_readme_lists_the_categories_with_their_counts() -> None:
    expected = readme()
    if REGEN:
        README.write_text(expected, "utf-8")
    assert README.read_text("utf-8") == expected, "tests/corpus/README.md is stale; rerun with ACCT_TOOL_REGEN=1"


def test_committed_corpus_is_small() -> None:
    total = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file() and not p.is_symlink())
    assert total < 1_000_000, f"the committed corpus is {total:,} bytes; generate big inputs from a recipe"


def test_every_recipe_is_used() -> None:
    used = {g["kind"] for c in CASES for g in c.generate}
    assert used == set(RECIPES), sorted(set(RECIPES) - used)
