"""Time acct-tool against bean-check on the same generated books, interleaved.

Usage (from the repository root, in the virtualenv that has acct-tool and beancount)::

    python -m benchmarks.run [--sizes 10k,100k] [--repeat 3] [--out benchmarks/RESULTS.md]
                             [--commands check,aging,reconcile-ar,followups,clients-list,review]
                             [--modes cold,warm,edit,small] [--edit-commands check]
                             [--seed 1] [--years 3]

For each size the books are generated once into a cache folder outside the
repository (``~/.cache/acct-tool-bench/<size>-<seed>-y<years>/books``, or
``$ACCT_TOOL_BENCH_CACHE``) and reused while the generator version is the same.
Then, per mode, ``--repeat`` rounds run ``bean-check`` and every acct-tool
command once each, as fresh subprocesses, in an order that rotates from round
to round. Each run's wall time (``time.perf_counter``) and the peak resident
memory of that child alone (``ru_maxrss`` from ``os.wait4`` on its pid) are
recorded.

* **cold**: no caches on either side: ``bean-check -C``; acct-tool with
  ``ACCT_TOOL_NO_CACHE=1``; Beancount ``.*.picklecache`` files next to the
  ledger are deleted before every run.
* **warm**: after one priming run each, ``bean-check`` with its pickle cache
  against acct-tool with its own cache (Beancount only writes its cache when a
  load takes more than a second, so at small sizes it may have none).
  bean-check's cache is kept outside the books (``--cache-filename``): next to
  the ledger it would change the folder acct-tool's cache watches, and any
  program that initialises Beancount's loader without a cache deletes
  ``.main.beancount.picklecache`` there, so the two would spoil each other's
  caches.
* **edit**: in a scratch copy of the books, each round primes acct-tool's
  cache, appends one new invoice to the last yearly file (a different one every
  round, :mod:`benchmarks.edits`), and times the command with its cache
  against ``bean-check -C`` on the same edited books.
* **small**: ``check`` cold and warm on two ``bean-example`` ledgers (894 KB,
  about fava's example, and 11 KB) laid out as books with minimal settings
  (:mod:`benchmarks.small`), and ``acct-tool --version`` against
  ``bean-check --version``; once per run, whatever the sizes.

The report opens with every target of the issue (ratio, target, met or not)
and gives per command the median, min-max, peak memory, the ratios of
time and memory to bean-check in the same mode and round set, milliseconds per
thousand transactions, and (cold) whether the issue's targets are met.
Commands that acct-tool does not have yet are reported as "not available".
Nothing is asserted: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import edits, small
from benchmarks.generate import GENERATOR_VERSION, generate, parse_size

BEAN_CHECK = "bean-check"

#: Command name -> acct-tool arguments after ``--books DIR --as-of DATE``.
#: ``{out}`` is a fresh path in a temporary folder; ``{statement}`` the USD statement.
COMMANDS: dict[str, tuple[str, ...]] = {
    "check": ("check",),
    "aging": ("aging", "ar"),
    "reconcile-ar": ("reconcile", "ar"),
    "followups": ("followups",),
    "clients-list": ("clients", "list"),
    "review": ("review", "--format", "html", "--out", "{out}"),  # all clients, HTML: the row
    # Not in the default set:
    "aging-ap": ("aging", "ap"),
    "reconcile-ap": ("reconcile", "ap"),
    "open-ar": ("open", "ar"),
    "reconcile-bank": ("reconcile", "bank", "{statement}"),
}
DEFAULT_COMMANDS = ("check", "aging", "reconcile-ar", "followups", "clients-list", "review")

#: Cold targets from the issue: the most a command may take relative to bean-check.
TIME_TARGETS: dict[str, float] = {
    "check": 0.90,
    "aging": 0.95,
    "reconcile-ar": 0.95,
    "followups": 0.95,
    "clients-list": 0.95,
    "review": 1.10,
}
MEMORY_TARGET = 1.15
#: Warm (nothing changed, both with their caches) and edit (one transaction appended
#: after acct-tool's cache was primed; bean-check without its pickle cache) targets.
WARM_TARGETS: dict[str, float] = {"check": 0.25, "followups": 0.25}
EDIT_TARGETS: dict[str, float] = {"check": 0.70}
#: Start-up: ``check`` on the example ledger the size of fava's, and ``--version``.
SMALL_TARGETS: dict[str, float] = {"example-894kb": 1.00}
VERSION_TARGET = 1.00

MODES = ("cold", "warm", "edit", "small")
DEFAULT_EDIT_COMMANDS = ("check",)

#: Set for every cold acct-tool run; the cache honours it.
NO_CACHE_ENV = "ACCT_TOOL_NO_CACHE"
#: Where acct-tool keeps its cache; edit and small-ledger runs point it into their scratch folder.
CACHE_DIR_ENV = "ACCT_TOOL_CACHE_DIR"


@dataclass(frozen=True)
class Sample:
    """One run of one command."""

    seconds: float
    peak_mb: float
    exit_code: int


@dataclass
class Series:
    """Every run of one command in one mode."""

    name: str
    argv: tuple[str, ...]
    available: bool = True
    samples: list[Sample] = field(default_factory=list)
    #: The end of stderr of the first run that exited with an unexpected code.
    failure: str = ""
    #: Warm bean-check runs that found its pickle cache (Beancount writes it only after a load over a second).
    cache_hits: int = 0
    #: How the report names it; by default ``bean-check`` or ``acct-tool`` and the command's words.
    label: str = ""

    @property
    def title(self) -> str:
        if self.label:
            return self.label
        if self.name == BEAN_CHECK:
            return BEAN_CHECK
        return "acct-tool " + " ".join(w for w in COMMANDS[self.name] if "{" not in w and w != "--out")  # the scratch paths are not shown

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def peak(self) -> float:
        return statistics.median(s.peak_mb for s in self.samples)

    @property
    def exit_codes(self) -> list[int]:
        return sorted({s.exit_code for s in self.samples})


@dataclass
class Books:
    """A generated books folder and what the generator said about it."""

    label: str
    root: Path
    summary: dict[str, object]
    generated_now: bool
    #: ``generated`` (benchmarks/generate.py) or ``small`` (a bean-example ledger, see benchmarks/small.py).
    kind: str = "generated"

    @property
    def transactions(self) -> int:
        return int(str(self.summary["transactions"]))

    @property
    def as_of(self) -> str:
        return str(self.summary["as_of"])


# --- running -----------------------------------------------------------------------


def run_once(argv: Sequence[str], env: dict[str, str], cwd: Path) -> tuple[Sample, str]:
    """Run ``argv`` to the end; its own wall time and peak RSS, and the end of its stderr.

    The time is the command's: until it has returned. What it leaves running (acct-tool
    writes its cache in a child once its output is out) ends before this returns, so that
    it never runs into the next timed run; its peak RSS counts with the command's."""
    _become_subreaper()
    leftover, holder = os.pipe()  # held by the command and by whatever it leaves running
    with tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        try:
            proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=cwd, pass_fds=(holder,))
        finally:
            os.close(holder)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # interrupted or stopped: take the child along instead of leaving it running
            proc.kill()
            proc.wait()
            os.close(leftover)
            raise
        seconds = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
        left_peak = _wait_for_leftovers(leftover)
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    # ru_maxrss is in kilobytes on Linux and bytes on macOS.
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    peak = max(usage.ru_maxrss, left_peak) / scale
    return Sample(seconds, peak, proc.returncode), tail


_subreaper: list[bool] = []


def _become_subreaper() -> None:
    """On Linux, have the processes a command leaves running handed to this one when the
    command ends (``PR_SET_CHILD_SUBREAPER``), so that their peak memory can be read."""
    if _subreaper or not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        _subreaper.append(ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        _subreaper.append(False)


def _wait_for_leftovers(leftover: int) -> int:
    """Wait until every process the command left running has ended (the pipe ``leftover``
    reaches its end once none holds it), and give the highest peak RSS among them."""
    try:
        while os.read(leftover, 1 << 16):
            pass
    finally:
        os.close(leftover)
    peak = 0
    while True:  # they were handed to this process as the command ended; one may not be reaped yet
        try:
            _, _, usage = os.wait4(-1, 0)
        except ChildProcessError:
            break
        peak = max(peak, usage.ru_maxrss)
    return peak


def available(acct_tool: str, words: Sequence[str]) -> bool:
    """Whether ``acct-tool WORDS --help`` succeeds, i.e. the command exists."""
    plain = [w for w in words if not w.startswith(("{", "-"))]
    result = subprocess.run([acct_tool, *plain, "--help"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return result.returncode == 0


def remove_pickle_caches(books: Path) -> None:
    """Delete Beancount's pickle caches (``.<file>.picklecache``) next to the ledger files."""
    for cache in (books / "ledger").glob(".*.picklecache"):
        cache.unlink()


def warm_page_cache(root: Path) -> None:
    """Read every file once so the first timed run does not pay for the disk."""
    for path in sorted(root.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                while handle.read(1 << 20):
                    pass


def bench(
    books: Books,
    commands: Sequence[str],
    mode: str,
    repeat: int,
    acct_tool: str,
    bean_check: str,
    log: bool = True,
    env: dict[str, str] | None = None,
) -> list[Series]:
    """All rounds of one mode (cold or warm) on one books folder; the first series is bean-check.

    ``env`` adds to acct-tool's environment (e.g. its cache folder).
    """
    root = books.root
    statement = sorted((root / "ledger" / "statements").glob("northbank-*.csv"))
    base_env = _base_env()
    cold = mode == "cold"
    acct_env = dict(base_env, **(env or {}), **({NO_CACHE_ENV: "1"} if cold else {}))
    with tempfile.TemporaryDirectory(prefix="acct-tool-bench-") as scratch:
        outputs = Path(scratch) / "out"
        outputs.mkdir()
        # Warm bean-check keeps its pickle cache outside the books: a cache next to the
        # ledger would change the folder acct-tool's cache watches, and Beancount's loader,
        # initialised without a cache, deletes `.main.beancount.picklecache` there.
        pickle_cache = Path(scratch) / "bean-check.picklecache"
        bean_argv = ("-C",) if cold else ("--cache-filename", str(pickle_cache))
        series = [Series(BEAN_CHECK, (bean_check, *bean_argv, "ledger/main.beancount"))]
        for name in commands:
            words = COMMANDS[name]
            argv = (acct_tool, "--books", str(root), "--as-of", books.as_of, *words)
            series.append(Series(name, argv, available=available(acct_tool, words)))
        runnable = [s for s in series if s.available]
        counter = 0

        def expand(argv: Sequence[str]) -> tuple[str, ...]:
            nonlocal counter
            counter += 1
            out = str(outputs / f"out-{counter}")
            return tuple(a.replace("{out}", out).replace("{statement}", str(statement[0]) if statement else "") for a in argv)

        def one(s: Series) -> Sample:
            if cold:
                remove_pickle_caches(root)
            elif s.name == BEAN_CHECK and pickle_cache.is_file():
                s.cache_hits += 1
            sample, tail = run_once(expand(s.argv), acct_env if s.name != BEAN_CHECK else base_env, root)
            for leftover in outputs.iterdir():  # review output, removed outside the timed region
                shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
            _note_failure(s, sample, tail)
            return sample

        remove_pickle_caches(root)
        warm_page_cache(root)
        if not cold:  # one priming run each, not timed
            for s in runnable:
                one(s)
                s.failure = ""
                s.cache_hits = 0
        for r in range(repeat):
            k = r % len(runnable)
            for s in runnable[k:] + runnable[:k]:
                sample = one(s)
                s.samples.append(sample)
                if log:
                    _log(f"{books.label} {mode} {r + 1}/{repeat}", s, sample)
    return series


#: Python keeps the compiled modules of both tools, as an installed copy does (pip compiles
#: them when it installs): without it an editable install compiles ~100 modules on every
#: run, which would be timed as acct-tool's start-up. See :func:`compile_modules`.
BYTECODE_ENV = ("PYTHONDONTWRITEBYTECODE",)


def _base_env() -> dict[str, str]:
    """This environment without the variables that would change what acct-tool reads or caches,
    or stop Python from keeping compiled modules."""
    return {k: v for k, v in os.environ.items() if k not in (NO_CACHE_ENV, CACHE_DIR_ENV, "ACCT_TOOL_BOOKS", *BYTECODE_ENV)}


def compile_modules() -> None:
    """Compile acct-tool's modules once before anything is timed (into their ``__pycache__``
    folders, which git ignores), as ``pip install`` does for an installed copy."""
    import acct_tool

    package = os.path.dirname(acct_tool.__file__)
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], env=_base_env(), check=False, stdout=subprocess.DEVNULL)


def _note_failure(s: Series, sample: Sample, tail: str) -> None:
    if sample.exit_code != 0 and not s.failure and tail.strip():
        s.failure = tail.strip().splitlines()[-1]


def _log(where: str, s: Series, sample: Sample) -> None:
    print(f"  [{where}] {s.name:<14} {sample.seconds:8.2f} s {sample.peak_mb:8.0f} MB  exit {sample.exit_code}", file=sys.stderr, flush=True)


def bench_edit(
    books: Books,
    commands: Sequence[str],
    repeat: int,
    acct_tool: str,
    bean_check: str,
    log: bool = True,
) -> list[Series]:
    """Every round: acct-tool's cache primed, one transaction appended, then the timed runs.

    The books are copied into a scratch folder once (the cached books are never
    edited). Each round appends a new invoice (:mod:`benchmarks.edits`) to the
    copy's last yearly file; bean-check (``-C``, no pickle cache) and the first
    acct-tool command run on exactly that edit. Before each acct-tool command the
    file is put back and one untimed run of the same command primes acct-tool's
    cache (kept in the scratch folder), so the timed run pays for one changed
    file and nothing else; a second command in the same round gets an edit of
    its own, so it never finds the edited books in the cache either.
    """
    base_env = _base_env()
    with tempfile.TemporaryDirectory(prefix="acct-tool-bench-edit-") as scratch:
        root = Path(scratch) / "books"
        shutil.copytree(books.root, root, ignore=shutil.ignore_patterns(".*.picklecache"))
        acct_env = dict(base_env, **{CACHE_DIR_ENV: str(Path(scratch) / "acct-tool-cache")})
        outputs = Path(scratch) / "out"
        outputs.mkdir()
        _, relative = edits.year_file(root)
        edited = edits.EditedFile(root, relative)
        series = [Series(BEAN_CHECK, (bean_check, "-C", "ledger/main.beancount"))]
        for name in commands:
            words = COMMANDS[name]
            argv = (acct_tool, "--books", str(root), "--as-of", books.as_of, *words)
            series.append(Series(name, argv, available=available(acct_tool, words)))
        runnable = [s for s in series if s.available]
        numbers = iter(range(1, 1 << 30))

        def run(s: Series, timed: bool) -> Sample:
            argv = tuple(a.replace("{out}", str(outputs / "out")) for a in s.argv)
            remove_pickle_caches(root)
            sample, tail = run_once(argv, acct_env if s.name != BEAN_CHECK else base_env, root)
            for leftover in outputs.iterdir():
                shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
            if timed or sample.exit_code != 0:
                _note_failure(s, sample, tail if timed else "priming: " + tail)
            return sample

        warm_page_cache(root)
        for r in range(repeat):
            k = r % len(runnable)
            shared = edits.edit_for(root, next(numbers), books.as_of)
            shared_taken = False
            for s in runnable[k:] + runnable[:k]:
                if s.name == BEAN_CHECK:
                    edited.apply(shared)
                else:
                    edit = shared if not shared_taken else edits.edit_for(root, next(numbers), books.as_of)
                    shared_taken = True
                    edited.restore()
                    run(s, timed=False)  # primes acct-tool's cache on the books as they were
                    edited.apply(edit)
                sample = run(s, timed=True)
                s.samples.append(sample)
                if log:
                    _log(f"{books.label} edit {r + 1}/{repeat}", s, sample)
            edited.restore()
    return series


def bench_versions(repeat: int, acct_tool: str, bean_check: str, log: bool = True) -> list[Series]:
    """``bean-check --version`` against ``acct-tool --version``: the cost of starting up at all."""
    series = [
        Series(BEAN_CHECK, (bean_check, "--version"), label="bean-check --version"),
        Series("version", (acct_tool, "--version"), label="acct-tool --version"),
    ]
    env = _base_env()
    with tempfile.TemporaryDirectory(prefix="acct-tool-bench-version-") as scratch:
        for r in range(repeat):
            for s in series[r % 2 :] + series[: r % 2]:
                sample, tail = run_once(s.argv, env, Path(scratch))
                _note_failure(s, sample, tail)
                s.samples.append(sample)
                if log:
                    _log(f"version {r + 1}/{repeat}", s, sample)
    return series


def small_books(ledger: small.SmallLedger, ledger_file: Path, root: Path) -> Books:
    """Books around a bean-example ledger (minimal settings, no profiles) at ``root``."""
    small.make_books(ledger_file, root)
    data = ledger_file.read_bytes()
    summary: dict[str, object] = {
        "transactions": small.transactions(data),
        "as_of": ledger.as_of,
        "bytes": len(data),
        "files": 2,
        "clients": 0,
        "vendors": 0,
        "seconds": 0,
        "title": ledger.title,
        "ledger": str(ledger_file),
    }
    return Books(ledger.label, root, summary, generated_now=False, kind="small")


def bench_small(
    repeat: int,
    acct_tool: str,
    bean_check: str,
    bean_example: str,
    cache: Path,
    regenerate: bool = False,
    log: bool = True,
) -> list[tuple[Books, str, list[Series]]]:
    """``check`` cold and warm on each small ledger, in a scratch copy laid out as books."""
    results: list[tuple[Books, str, list[Series]]] = []
    for ledger in small.LEDGERS:
        ledger_file = small.ensure_ledger(ledger, cache, bean_example, regenerate)
        with tempfile.TemporaryDirectory(prefix="acct-tool-bench-small-") as scratch:
            books = small_books(ledger, ledger_file, Path(scratch) / "books")
            env = {CACHE_DIR_ENV: str(Path(scratch) / "acct-tool-cache")}
            for mode in ("cold", "warm"):
                results.append((books, mode, bench(books, ["check"], mode, repeat, acct_tool, bean_check, log, env=env)))
    return results


# --- books -------------------------------------------------------------------------


def cache_root() -> Path:
    """Where generated books live: outside the repository, reused between runs."""
    explicit = os.environ.get("ACCT_TOOL_BENCH_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "acct-tool-bench"


def ensure_books(label: str, transactions: int, seed: int, years: int, cache: Path, regenerate: bool) -> Books:
    """The books for one size: generated if missing or made by another generator version."""
    folder = cache / f"{label}-{seed}-y{years}"
    books, info = folder / "books", folder / "generated.json"
    if not regenerate and info.is_file():
        summary = json.loads(info.read_text(encoding="utf-8"))
        if summary.get("generator_version") == GENERATOR_VERSION and (books / "acct-tool.yaml").is_file():
            return Books(label, books, summary, generated_now=False)
    if books.exists():
        shutil.rmtree(books)
    info.unlink(missing_ok=True)
    print(f"generating {label} books ({transactions:,} transactions, seed {seed}) into {books} ...", file=sys.stderr, flush=True)
    result = generate(books, transactions, seed=seed, years=years)
    summary = json.loads(result.to_json())
    info.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"  generated in {result.seconds:.1f} s ({result.bytes / 1e6:.1f} MB, {result.files} files)", file=sys.stderr, flush=True)
    return Books(label, books, summary, generated_now=True)


# --- reporting ---------------------------------------------------------------------


def _exit_text(code: int) -> str:
    """``exit 1``, or ``killed by SIGTERM`` for a child ended by a signal."""
    if code >= 0:
        return f"exit {code}"
    try:
        return f"killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"killed by signal {-code}"


def _ratio(a: float, b: float) -> float | None:
    return a / b if b > 0 else None


def _fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def time_target(books: Books, mode: str, name: str) -> float | None:
    """The most ``name`` may take relative to bean-check in this mode on these books, if the issue sets one."""
    if books.kind == "small":
        return SMALL_TARGETS.get(books.label) if name == "check" else None
    return {"cold": TIME_TARGETS, "warm": WARM_TARGETS, "edit": EDIT_TARGETS}.get(mode, {}).get(name)


def memory_target(books: Books, mode: str) -> float | None:
    """Peak memory relative to bean-check: a target for cold runs on generated books."""
    return MEMORY_TARGET if mode == "cold" and books.kind == "generated" else None


def _ratios(s: Series, base: Series) -> tuple[float | None, float | None]:
    if s is base or not s.samples or not base.samples:
        return None, None
    return _ratio(s.median, base.median), _ratio(s.peak, base.peak)


def _met(ratio: float, limit: float) -> str:
    return "✓" if ratio <= limit else "✗"


def table(books: Books | None, mode: str, series: Sequence[Series]) -> str:
    """One Markdown table: a row per command (``books`` None: no books, e.g. ``--version``)."""
    base = series[0]
    kilo = books.transactions / 1000 if books is not None else 0
    head = "| command | runs | median s | min–max s | peak MB | time / bean-check | memory / bean-check | ms per 1k txns | target / notes |"
    rows = [head, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for s in series:
        label = f"`{s.title}`"
        if not s.available:
            rows.append(f"| {label} | 0 | not available | | | | | | |")
            continue
        if not s.samples:
            rows.append(f"| {label} | 0 | - | | | | | | |")
            continue
        times = [x.seconds for x in s.samples]
        t_ratio, m_ratio = _ratios(s, base)
        said = []
        t_limit = time_target(books, mode, s.name) if books is not None else (VERSION_TARGET if s is not base else None)
        m_limit = memory_target(books, mode) if books is not None else None
        if t_limit is not None and t_ratio is not None:
            said.append(f"time ≤ {t_limit:.2f} {_met(t_ratio, t_limit)}")
        if m_limit is not None and m_ratio is not None:
            said.append(f"memory ≤ {m_limit:.2f} {_met(m_ratio, m_limit)}")
        target = ", ".join(said)
        codes = s.exit_codes
        if codes != [0]:
            exits = ", ".join(_exit_text(c) for c in codes)
            target = (target + "; " if target else "") + exits + (f": {s.failure[:80]}".replace("|", "\\|") if s.failure else "")
        per_k = f"{s.median * 1000 / kilo:.1f}" if kilo else "-"
        rows.append(
            f"| {label} | {len(s.samples)} | {s.median:.2f} | {min(times):.2f}–{max(times):.2f} | {s.peak:.0f} | "
            f"{_fmt_ratio(t_ratio)} | {_fmt_ratio(m_ratio)} | {per_k} | {target} |"
        )
    return "\n".join(rows) + "\n"


def scaling(results: Sequence[tuple[Books, str, list[Series]]], mode: str) -> str:
    """Milliseconds per thousand transactions by size: flat means linear scaling."""
    sizes = [(b, s) for b, m, s in results if m == mode and b.kind == "generated"]
    if len(sizes) < 2:
        return ""
    names: list[str] = []
    for _, series in sizes:
        names += [s.name for s in series if s.name not in names]
    head = "| command | " + " | ".join(b.label for b, _ in sizes) + " |"
    rows = [head, "|---" * (len(sizes) + 1) + "|"]
    for name in names:
        cells = []
        for b, series in sizes:
            s = next((x for x in series if x.name == name), None)
            cells.append(f"{s.median * 1e6 / b.transactions:.1f}" if s and s.samples else "n/a")
        rows.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return f"Milliseconds per 1,000 transactions ({mode}; equal numbers across sizes mean linear scaling):\n\n" + "\n".join(rows) + "\n"


def environment() -> list[str]:
    """Date, machine, CPU, and versions, for the head of the report."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        from importlib.metadata import version

        beancount, acct = version("beancount"), version("acct-tool")
    except Exception:
        beancount, acct = "unknown", "unknown"
    uname = " ".join(platform.uname())
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        uname = subprocess.run(["uname", "-a"], capture_output=True, text=True, check=True).stdout.strip()
    commit = "unknown"
    try:
        repo = Path(__file__).resolve().parent.parent
        commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return [
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- machine: `{uname}`",
        f"- CPU: {cpu} ({os.cpu_count()} logical CPUs)",
        f"- Python {platform.python_version()}, beancount {beancount}, acct-tool {acct} (commit {commit})",
        f"- load average at the end (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}; other load makes medians noisier, ratios less so",
    ]


#: The issue's scenarios, in its order: (mode, command, books kind, what the row says).
SCENARIOS: tuple[tuple[str, str, str, str], ...] = (
    ("cold", "check", "generated", "`check` cold"),
    ("cold", "followups", "generated", "`followups` cold"),
    ("cold", "aging", "generated", "`aging ar` cold"),
    ("cold", "review", "generated", "`review` (all clients, HTML) cold"),
    ("edit", "check", "generated", "`check` after appending one transaction (acct-tool's cache primed before the edit; `bean-check -C`)"),
    ("warm", "check", "generated", "`check` warm (nothing changed; bean-check with its pickle cache)"),
    ("warm", "followups", "generated", "`followups` warm (nothing changed; bean-check with its pickle cache)"),
)

Result = tuple[Books, str, list[Series]]


def _row(scenario: str, where: str, s: Series | None, base: Series | None, limit: float | None, memory: bool = False) -> str:
    """One row of the targets table; ``not measured`` when the run did not include it."""
    if s is None or base is None or not s.samples or not base.samples:
        return f"| {scenario} | {where} | | | not measured | {'' if limit is None else f'≤ {limit:.2f}'} | |"
    mine, theirs = (s.peak, base.peak) if memory else (s.median, base.median)
    ratio = _ratio(mine, theirs)
    unit = "MB" if memory else "s"
    cells = f"{mine:.0f} {unit} | {theirs:.0f} {unit}" if memory else f"{mine:.2f} {unit} | {theirs:.2f} {unit}"
    met = "" if limit is None or ratio is None else _met(ratio, limit)
    bound = "reported only" if limit is None else f"≤ {limit:.2f}"
    return f"| {scenario} | {where} | {cells} | {_fmt_ratio(ratio)} | {bound} | {met} |"


def targets(results: Sequence[Result], versions: Sequence[Series] | None) -> str:
    """Every row of the issue's table of targets: ratio acct-tool / bean-check, limit, met or not."""
    rows = [
        "| scenario | books | acct-tool | bean-check | ratio | target | met |",
        "| --- | --- | ---: | ---: | ---: | --- | :---: |",
    ]
    found = {(b.label, m): series for b, m, series in results}
    labels = list(dict.fromkeys(b.label for b, _, _ in results if b.kind == "generated")) or ["(no generated books)"]

    def pick(label: str, mode: str, name: str) -> tuple[Series | None, Series | None]:
        series = found.get((label, mode))
        if not series:
            return None, None
        return next((x for x in series if x.name == name and x.available), None), series[0]

    for mode, name, _, scenario in SCENARIOS:
        for label in labels:
            s, base = pick(label, mode, name)
            limit = (TIME_TARGETS if mode == "cold" else WARM_TARGETS if mode == "warm" else EDIT_TARGETS)[name]
            rows.append(_row(scenario, label, s, base, limit))
    for label in labels:
        series = found.get((label, "cold"), [])
        measured = [x for x in series[1:] if x.samples]
        worst = max(measured, key=lambda x: x.peak, default=None)
        what = f"peak memory, cold (highest: `{worst.title}`)" if worst else "peak memory, cold"
        rows.append(_row(what, label, worst, series[0] if series else None, MEMORY_TARGET, memory=True))
    for ledger in small.LEDGERS:
        for mode, how in (("cold", "no caches"), ("warm", "caches primed")):
            s, base = pick(ledger.label, mode, "check")
            rows.append(_row(f"start-up: `check` on {ledger.title}, {how}", ledger.label, s, base, SMALL_TARGETS.get(ledger.label)))
    vs = list(versions or [])
    rows.append(_row("start-up: `acct-tool --version` against `bean-check --version`", "-", vs[1] if vs else None, vs[0] if vs else None, VERSION_TARGET))
    return "\n".join(rows) + "\n"


def _books_head(books: Books) -> list[str]:
    s = books.summary
    if books.kind == "small":
        return [
            f"### {books.label}: {s['title']}",
            "",
            f"`{s['ledger']}`, {int(str(s['bytes'])) / 1e3:,.0f} KB, {books.transactions:,} transactions, as of {books.as_of}; "
            "checked as books with a minimal `acct-tool.yaml` (`ledger: ledger/main.beancount`) and no profiles, in a scratch copy.",
            "",
        ]
    gen = f"generated in {s['seconds']} s" + (" (this run)" if books.generated_now else " (cached)")
    return [
        f"## {books.label}: {books.transactions:,} transactions, {s['clients']} clients, {s['vendors']} vendors",
        "",
        f"Books `{books.root}`, as of {books.as_of}, {int(str(s['bytes'])) / 1e6:.1f} MB in {s['files']} files, {gen}.",
        "",
    ]


def _mode_head(books: Books, mode: str, series: Sequence[Series]) -> str:
    level = "####" if books.kind == "small" else "###"
    note = ""
    if mode == "warm" and series[0].cache_hits < len(series[0].samples):
        note = f" (bean-check found its pickle cache in {series[0].cache_hits} of {len(series[0].samples)} runs: Beancount writes it only after a load over a second)"
    if mode == "edit":
        note = (
            " (each round appends a new invoice to the last yearly file of a copy of the books; acct-tool's cache is primed on the books "
            "before the edit by an untimed run, bean-check runs with `-C`)"
        )
    return f"{level} {mode}{note}"


def report(results: Sequence[Result], argv: Sequence[str], repeat: int, versions: Sequence[Series] | None = None) -> str:
    out = ["# acct-tool benchmark", "", *environment(), f"- command: `python -m benchmarks.run {' '.join(argv)}`", f"- rounds per mode: {repeat}", ""]
    out.append(
        "Each cell is the median of fresh subprocess runs, interleaved round by round with bean-check on the same books. "
        "Time runs until the command returns; peak memory is the command's own maximum RSS, or that of the cache writer it leaves running if higher. Ratios compare with bean-check in the same mode: "
        "cold = no cache on either side (`bean-check -C`, `ACCT_TOOL_NO_CACHE=1`), warm = both with their caches after a priming run, "
        "edit = one transaction appended after acct-tool's cache was primed, against `bean-check -C`. "
        "Both run with Python's compiled modules, as installed copies do (acct-tool's are compiled once before the first run)."
    )
    out += ["", "## Targets", "", "Time (memory where it says so) of acct-tool relative to bean-check, measured interleaved in this run.", ""]
    out.append(targets(results, versions))
    seen: set[str] = set()
    for kind in ("generated", "small"):
        chosen = [r for r in results if r[0].kind == kind]
        if kind == "small" and (chosen or versions):
            out += ["## Small ledgers", "", "Start-up dominates: `acct-tool check` against `bean-check` on ledgers written by `bean-example`.", ""]
        for books, mode, series in chosen:
            if books.label not in seen:
                seen.add(books.label)
                out += _books_head(books)
            out += [_mode_head(books, mode, series), "", table(books, mode, series)]
        if kind == "small" and versions:
            out += ["### start-up: `--version`", "", table(None, "version", versions)]
    tables = [text for text in (scaling(results, mode) for mode in ("cold", "warm", "edit")) if text]
    if tables:
        out += ["## Scaling", "", "\n".join(tables)]
    return "\n".join(out).rstrip() + "\n"


# --- command line ------------------------------------------------------------------


def _executable(name: str, explicit: str | None) -> str:
    if explicit:
        return explicit
    sibling = Path(sys.executable).parent / name
    if sibling.is_file():
        return str(sibling)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"error: {name} not found; activate the virtualenv or pass --{name}")
    return found


def _stop(signum: int, frame: object) -> None:
    """SIGTERM ends the run like Ctrl-C: the running child is killed and scratch folders removed."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _stop)
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated sizes in transactions, e.g. 10k,100k,1m (default 10k,100k)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds per mode (default 3)")
    parser.add_argument("--commands", default=",".join(DEFAULT_COMMANDS), help=f"comma-separated, from: {', '.join(COMMANDS)}")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, from: {', '.join(MODES)} (default all)")
    parser.add_argument(
        "--edit-commands",
        default=",".join(DEFAULT_EDIT_COMMANDS),
        help=f"commands timed in edit mode (default {','.join(DEFAULT_EDIT_COMMANDS)}); each costs an untimed priming run per round",
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/RESULTS.md"), help="Markdown report (default benchmarks/RESULTS.md)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--years", type=int, default=3, help="years of history (default 3)")
    parser.add_argument("--regenerate", action="store_true", help="generate the books again even if cached")
    parser.add_argument("--acct-tool", dest="acct_tool", help="acct-tool executable (default: next to this Python, else on PATH)")
    parser.add_argument("--bean-check", dest="bean_check", help="bean-check executable (default: next to this Python, else on PATH)")
    parser.add_argument(
        "--bean-example", dest="bean_example", help="bean-example executable, for the small ledgers (default: next to this Python, else on PATH)"
    )
    args = parser.parse_args(args_list)

    commands = [c.strip() for c in args.commands.split(",") if c.strip()]
    edit_commands = [c.strip() for c in args.edit_commands.split(",") if c.strip()]
    unknown = [c for c in commands + edit_commands if c not in COMMANDS]
    if unknown:
        parser.error(f"unknown command(s) {', '.join(unknown)}; choose from {', '.join(COMMANDS)}")
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or any(m not in MODES for m in modes):
        parser.error(f"--modes takes a comma-separated list from: {', '.join(MODES)}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    try:
        sizes = [(label.strip(), parse_size(label)) for label in args.sizes.split(",") if label.strip()]
    except ValueError:
        parser.error(f"--sizes: cannot read {args.sizes!r}; use e.g. 10k,100k,1m")
    acct_tool = _executable("acct-tool", args.acct_tool)
    bean_check = _executable("bean-check", args.bean_check)
    bean_example = _executable("bean-example", args.bean_example) if "small" in modes else ""

    results: list[Result] = []
    versions: list[Series] | None = None
    cache = cache_root()
    compile_modules()

    def write() -> None:
        """The report so far: a run stopped half-way keeps what it measured."""
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report(results, args_list, args.repeat, versions), encoding="utf-8")

    if "small" in modes:  # seconds, whatever the sizes: first, so a long run stopped early has it
        print(f"small ledgers: {args.repeat} round(s)", file=sys.stderr, flush=True)
        for books, mode, series in bench_small(args.repeat, acct_tool, bean_check, bean_example, cache, args.regenerate):
            results.append((books, mode, series))
            print(f"\n{books.label}, {mode}\n\n{table(books, mode, series)}", flush=True)
        versions = bench_versions(args.repeat, acct_tool, bean_check)
        print(f"\n--version\n\n{table(None, 'version', versions)}", flush=True)
        write()
    sized_modes = [m for m in modes if m != "small"]
    for label, transactions in sizes if sized_modes else []:
        books = ensure_books(label.lower(), transactions, args.seed, args.years, cache, args.regenerate)
        for mode in sized_modes:
            print(f"{label} {mode}: {args.repeat} round(s)", file=sys.stderr, flush=True)
            if mode == "edit":
                series = bench_edit(books, edit_commands, args.repeat, acct_tool, bean_check)
            else:
                series = bench(books, commands, mode, args.repeat, acct_tool, bean_check)
            results.append((books, mode, series))
            print(f"\n{label} ({books.transactions:,} transactions), {mode}\n\n{table(books, mode, series)}", flush=True)
            write()
    print(f"report written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
