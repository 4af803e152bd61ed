"""Where the time of ``acct-tool check`` goes, stage by stage, cold or after an edit.

```sh
python -m benchmarks.stages --size 100k            # after an edit (the cache primed before it)
python -m benchmarks.stages --size 1m --cold       # no cache at all
```

The books are the generated ones of :mod:`benchmarks.run` (made if missing), worked on
in a scratch copy with a scratch cache. The command runs in a fresh Python process
that records, with ``time.perf_counter``, when each stage of the load starts (the
stages ``acct-tool`` reports as its progress: parsing, booking, running plugins,
validating, drawing facts) and how long the steps after the load take (reading the
profiles, drawing the party postings, the open items; the cache is written after the
output by a child the command leaves, outside its time). Beancount's validation runs in a child process beside the rest; the
table shows how long this process waited for it. ``bean-check`` on the same files
is timed in the same run for the ratio. Nothing here is part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import edits
from benchmarks.generate import parse_size
from benchmarks.run import cache_root, ensure_books

AS_OF = "2026-12-31"
#: The step shown inside booking.
NESTED = "reading the kept booking"

#: Runs in the child: times the stages of one ``acct-tool check`` and writes them as JSON to a pipe.
DRIVER = r"""
import functools, gc, json, os, sys, time
gc.disable()
start = time.perf_counter()
marks = []
spans = {}

def mark(message):
    marks.append((message, time.perf_counter() - start))

def timed(module, name, label):
    real = getattr(module, name)
    @functools.wraps(real)
    def wrapper(*args, **kwargs):
        began = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spans[label] = spans.get(label, 0.0) + time.perf_counter() - began
    setattr(module, name, wrapper)

from acct_tool.books import aside, booking_cache, cache, ledger, load, profiles
from acct_tool.books import party_postings
from acct_tool.cli import common
from acct_tool.engines import receivables

class Recorder:
    def __call__(self, message):
        mark(message)
    def close(self):
        pass

common.Status.for_stderr = classmethod(lambda cls: Recorder())
timed(booking_cache, "_read", "reading the kept booking")
timed(profiles, "load_parties", "reading the profiles")
timed(party_postings, "extract_party_postings", "drawing the party postings")
timed(receivables, "open_items", "open items (receivables and payables)")
timed(aside.Shared, "_wait", "waiting for the validation")
timed(ledger, "_scan", "scanning the entries")
os.environ["ACCT_TOOL_NO_FAST_EXIT"] = "1"
sys.argv = ["acct-tool", *sys.argv[1:]]
from acct_tool import cli
code = 0
try:
    cli.main()
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 0
total = time.perf_counter() - start
with os.fdopen(int(os.environ["ACCT_TOOL_STAGES_FD"]), "w") as out:
    json.dump({"marks": marks, "spans": spans, "total": total, "code": code}, out)
"""


def run_driver(books: Path, env: dict[str, str]) -> dict[str, Any]:
    read, write = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", DRIVER, "--books", str(books), "--as-of", AS_OF, "check"],
            env={**env, "ACCT_TOOL_STAGES_FD": str(write)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(write,),
        )
    finally:
        os.close(write)
    with os.fdopen(read) as handle:
        raw = handle.read()
    proc.wait()
    return json.loads(raw) if raw else {}


def table(found: dict[str, Any], bean_check: float) -> list[str]:
    marks = [(str(m), float(t)) for m, t in found.get("marks", [])]
    total = float(found.get("total", 0.0))
    stages: list[tuple[str, float]] = []
    for message, at in marks:
        name = message.replace("loading ledger: ", "").rstrip("…")
        if not stages or stages[-1][0] != name:
            stages.append((name, at))
    rows: list[tuple[str, float]] = []
    loading = 0.0
    for i, (name, began) in enumerate(stages):
        if name not in ("parsing", "booking", "running plugins"):
            continue
        took = stages[i + 1][1] - began if i + 1 < len(stages) else 0.0
        loading += took
        rows.append((name, took))
        if name == "booking" and NESTED in found.get("spans", {}):
            rows.append((f"  of which {NESTED}", float(found["spans"][NESTED])))
    rows.append(("validating: in a child process, beside what follows", 0.0))
    spans = {str(k): float(v) for k, v in found.get("spans", {}).items() if k != NESTED}
    rows += list(spans.items())
    rows.append(("start-up, cross-checks, the output and the rest", total - loading - sum(spans.values())))
    lines = ["| stage | s |", "|---|---:|"]
    lines += [f"| {name} | {seconds:.2f} |" for name, seconds in rows]
    lines += [f"| **whole command** | **{total:.2f}** |", f"| bean-check on the same files | {bean_check:.2f} |"]
    if bean_check > 0:
        lines.append(f"| ratio | {total / bean_check:.2f} |")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="100k", help="transactions, e.g. 100k or 1m (default 100k)")
    parser.add_argument("--cold", action="store_true", help="no cache at all, instead of a primed cache and an edit")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--years", type=int, default=3)
    args = parser.parse_args(argv)
    label = args.size.lower()
    generated = ensure_books(label, parse_size(args.size), args.seed, args.years, cache_root(), False)
    bean_check = str(Path(sys.executable).parent / "bean-check")
    with tempfile.TemporaryDirectory(prefix="acct-tool-stages-") as scratch:
        books = Path(scratch) / "books"
        shutil.copytree(generated.root, books)
        env = {**os.environ, "ACCT_TOOL_CACHE_DIR": str(Path(scratch) / "cache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if args.cold:
            env["ACCT_TOOL_NO_CACHE"] = "1"
        else:
            env.pop("ACCT_TOOL_NO_CACHE", None)
            subprocess.run(
                [sys.executable, "-m", "acct_tool", "--books", str(books), "--as-of", AS_OF, "check"], env=env, stdout=subprocess.DEVNULL, check=False
            )
            edit = edits.edit_for(books, 1, AS_OF)
            edits.EditedFile(books, edit.path).apply(edit)
        found = run_driver(books, env)
        began = time.perf_counter()
        subprocess.run([bean_check, "-C", str(books / "ledger" / "main.beancount")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        bean = time.perf_counter() - began
    print(f"`acct-tool check`, {label}, {'cold' if args.cold else 'after an edit (cache primed before it)'}:\n")
    print("\n".join(table(found, bean)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
