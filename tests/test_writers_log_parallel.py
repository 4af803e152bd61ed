"""Two ``acct-tool log`` runs at once on one profile keep both interactions.

Each run reads the profile, appends and renames the result into place; without a
lock the second rename drops what the first appended, and both still print
"logged". Real processes, started in pairs, twenty times.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import EXAMPLES_AS_OF, REPO, run_cli

PAIRS = 20


def start_log(books: Path, summary: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("ACCT_TOOL_BOOKS", None)
    return subprocess.Popen(
        [sys.executable, "-m", "acct_tool", "--books", str(books), "--as-of", EXAMPLES_AS_OF,
         "log", "acme", "--channel", "call", "--summary", summary],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_parallel_logs_keep_every_interaction(examples_copy: Path) -> None:
    profile = examples_copy / "clients" / "acme.yaml"
    before = len(yaml.safe_load(profile.read_text("utf-8"))["interactions"])
    for pair in range(PAIRS):
        runs = [start_log(examples_copy, f"parallel {2 * pair + i}") for i in range(2)]
        for run in runs:
            out, err = run.communicate(timeout=60)
            assert run.returncode == 0, err
            assert out.startswith("logged "), out + err
    interactions = yaml.safe_load(profile.read_text("utf-8"))["interactions"]
    summaries = sorted(i["summary"] for i in interactions if str(i["summary"]).startswith("parallel "))
    assert summaries == sorted(f"parallel {n}" for n in range(2 * PAIRS))
    assert len(interactions) == before + 2 * PAIRS
    assert [p.name for p in profile.parent.iterdir() if ".tmp" in p.name] == []
    check = run_cli("check", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert check.exit_code == 0, check.output + check.stderr
