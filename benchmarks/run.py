"""Time acct-tool against bean-check on the same generated books, interleaved.

Usage (from the repository root, in the virtualenv that has acct-tool and beancount)::

    python -m benchmarks.run [--sizes 10k,100k] [--repeat 3] [--out benchmarks/RESULTS.md]
                             [--commands check,aging,reconcile-ar,followups,clients-list,review]
                             [--modes cold,warm] [--seed 1] [--years 3]

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

The report gives per command the median, min-max, peak memory, the ratios of
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
    "review": ("review", "--out", "{out}"),
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

#: Set for every cold acct-tool run; the cache honours it.
NO_CACHE_ENV = "ACCT_TOOL_NO_CACHE"


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

    @property
    def transactions(self) -> int:
        return int(str(self.summary["transactions"]))

    @property
    def as_of(self) -> str:
        return str(self.summary["as_of"])


# --- running -----------------------------------------------------------------------


def run_once(argv: Sequence[str], env: dict[str, str], cwd: Path) -> tuple[Sample, str]:
    """Run ``argv`` to the end; its own wall time and peak RSS, and the end of its stderr."""
    with tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    # ru_maxrss is in kilobytes on Linux and bytes on macOS.
    peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Sample(seconds, peak, proc.returncode), tail


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
) -> list[Series]:
    """All rounds of one mode on one books folder; the first series is bean-check."""
    root = books.root
    statement = sorted((root / "ledger" / "statements").glob("northbank-*.csv"))
    base_env = {k: v for k, v in os.environ.items() if k not in (NO_CACHE_ENV, "ACCT_TOOL_BOOKS")}
    cold = mode == "cold"
    acct_env = dict(base_env, **({NO_CACHE_ENV: "1"} if cold else {}))
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
            if sample.exit_code != 0 and not s.failure and tail.strip():
                s.failure = tail.strip().splitlines()[-1]
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
                    print(
                        f"  [{books.label} {mode} {r + 1}/{repeat}] {s.name:<14} {sample.seconds:8.2f} s {sample.peak_mb:8.0f} MB  exit {sample.exit_code}",
                        file=sys.stderr,
                        flush=True,
                    )
    return series


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


def table(books: Books, mode: str, series: Sequence[Series]) -> str:
    """One Markdown table: a row per command."""
    base = series[0]
    kilo = books.transactions / 1000
    head = "| command | runs | median s | min–max s | peak MB | time / bean-check | memory / bean-check | ms per 1k txns | target / notes |"
    rows = [head, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for s in series:
        label = f"`{s.name}`" if s.name == BEAN_CHECK else f"`acct-tool {' '.join(w for w in COMMANDS[s.name] if not w.startswith(('{', '--')))}`"
        if not s.available:
            rows.append(f"| {label} | 0 | not available | | | | | | |")
            continue
        if not s.samples:
            rows.append(f"| {label} | 0 | - | | | | | | |")
            continue
        times = [x.seconds for x in s.samples]
        t_ratio = _ratio(s.median, base.median) if s is not base and base.samples else None
        m_ratio = _ratio(s.peak, base.peak) if s is not base and base.samples else None
        target = ""
        if mode == "cold" and s.name in TIME_TARGETS and t_ratio is not None and m_ratio is not None:
            t_ok = "✓" if t_ratio <= TIME_TARGETS[s.name] else "✗"
            m_ok = "✓" if m_ratio <= MEMORY_TARGET else "✗"
            target = f"time ≤ {TIME_TARGETS[s.name]:.2f} {t_ok}, memory ≤ {MEMORY_TARGET:.2f} {m_ok}"
        codes = s.exit_codes
        if codes != [0]:
            said = ", ".join(_exit_text(c) for c in codes)
            target = (target + "; " if target else "") + said + (f": {s.failure[:80]}".replace("|", "\\|") if s.failure else "")
        rows.append(
            f"| {label} | {len(s.samples)} | {s.median:.2f} | {min(times):.2f}–{max(times):.2f} | {s.peak:.0f} | "
            f"{_fmt_ratio(t_ratio)} | {_fmt_ratio(m_ratio)} | {s.median * 1000 / kilo:.1f} | {target} |"
        )
    return "\n".join(rows) + "\n"


def scaling(results: Sequence[tuple[Books, str, list[Series]]], mode: str) -> str:
    """Milliseconds per thousand transactions by size: flat means linear scaling."""
    sizes = [(b, s) for b, m, s in results if m == mode]
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


def report(results: Sequence[tuple[Books, str, list[Series]]], argv: Sequence[str], repeat: int) -> str:
    out = ["# acct-tool benchmark", "", *environment(), f"- command: `python -m benchmarks.run {' '.join(argv)}`", f"- rounds per mode: {repeat}", ""]
    out.append(
        "Each cell is the median of fresh subprocess runs, interleaved round by round with bean-check on the same books. "
        "Peak memory is the child's own maximum RSS. Ratios compare with bean-check in the same mode: "
        "cold = no cache on either side (`bean-check -C`, `ACCT_TOOL_NO_CACHE=1`), warm = both with their caches after a priming run."
    )
    out.append("")
    seen: set[str] = set()
    for books, mode, series in results:
        if books.label not in seen:
            seen.add(books.label)
            s = books.summary
            gen = f"generated in {s['seconds']} s" + (" (this run)" if books.generated_now else " (cached)")
            out.append(f"## {books.label}: {books.transactions:,} transactions, {s['clients']} clients, {s['vendors']} vendors")
            out.append("")
            out.append(f"Books `{books.root}`, as of {books.as_of}, {int(str(s['bytes'])) / 1e6:.1f} MB in {s['files']} files, {gen}.")
            out.append("")
        cache_note = ""
        if mode == "warm" and series[0].cache_hits < len(series[0].samples):
            cache_note = f" (bean-check found its pickle cache in {series[0].cache_hits} of {len(series[0].samples)} runs: Beancount writes it only after a load over a second)"
        out.append(f"### {mode}{cache_note}")
        out.append("")
        out.append(table(books, mode, series))
    tables = [text for text in (scaling(results, mode) for mode in ("cold", "warm")) if text]
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


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated sizes in transactions, e.g. 10k,100k,1m (default 10k,100k)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds per mode (default 3)")
    parser.add_argument("--commands", default=",".join(DEFAULT_COMMANDS), help=f"comma-separated, from: {', '.join(COMMANDS)}")
    parser.add_argument("--modes", default="cold,warm", help="cold, warm or both (default cold,warm)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/RESULTS.md"), help="Markdown report (default benchmarks/RESULTS.md)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--years", type=int, default=3, help="years of history (default 3)")
    parser.add_argument("--regenerate", action="store_true", help="generate the books again even if cached")
    parser.add_argument("--acct-tool", dest="acct_tool", help="acct-tool executable (default: next to this Python, else on PATH)")
    parser.add_argument("--bean-check", dest="bean_check", help="bean-check executable (default: next to this Python, else on PATH)")
    args = parser.parse_args(args_list)

    commands = [c.strip() for c in args.commands.split(",") if c.strip()]
    unknown = [c for c in commands if c not in COMMANDS]
    if unknown:
        parser.error(f"unknown command(s) {', '.join(unknown)}; choose from {', '.join(COMMANDS)}")
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or any(m not in ("cold", "warm") for m in modes):
        parser.error("--modes takes cold, warm or cold,warm")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    try:
        sizes = [(label.strip(), parse_size(label)) for label in args.sizes.split(",") if label.strip()]
    except ValueError:
        parser.error(f"--sizes: cannot read {args.sizes!r}; use e.g. 10k,100k,1m")
    acct_tool = _executable("acct-tool", args.acct_tool)
    bean_check = _executable("bean-check", args.bean_check)

    results: list[tuple[Books, str, list[Series]]] = []
    cache = cache_root()
    for label, transactions in sizes:
        books = ensure_books(label.lower(), transactions, args.seed, args.years, cache, args.regenerate)
        for mode in modes:
            print(f"{label} {mode}: {args.repeat} round(s)", file=sys.stderr, flush=True)
            series = bench(books, commands, mode, args.repeat, acct_tool, bean_check)
            results.append((books, mode, series))
            print(f"\n{label} ({books.transactions:,} transactions), {mode}\n\n{table(books, mode, series)}", flush=True)
    text = report(results, args_list, args.repeat)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"report written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
