"""``acct-tool done`` marks one open next step done, changing only that step's line."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml
from conftest import EXAMPLES_AS_OF, REPO, make_books, run_cli


def changed_lines(before: str, after: str) -> list[str]:
    return [ln for ln in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0) if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]


def test_done_changes_exactly_one_line_and_followups_drop_it(examples_copy: Path) -> None:
    profile = examples_copy / "clients" / "harbor-logistics.yaml"
    before = profile.read_text("utf-8")
    listed = run_cli("followups", "--format", "json", books=examples_copy, as_of=EXAMPLES_AS_OF).json()
    assert any(i["kind"] == "next-step" and i["party"] == "harbor-logistics" for i in listed["items"])

    result = run_cli("done", "harbor-logistics", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    assert result.output.count("\n") == 1
    assert "clients/harbor-logistics.yaml:82: done: false -> done: true, done_on: 2026-11-30" in result.output

    after = profile.read_text("utf-8")
    assert changed_lines(before, after) == [
        "-    next_step: {action: Send payment plan proposal and book exec sponsor call, due: 2026-10-15, owner: tom, done: false}",
        "+    next_step: {action: Send payment plan proposal and book exec sponsor call, due: 2026-10-15, owner: tom, done: true, done_on: 2026-11-30}",
    ]
    listed = run_cli("followups", "--format", "json", books=examples_copy, as_of=EXAMPLES_AS_OF).json()
    assert not any(i["kind"] == "next-step" and i["party"] == "harbor-logistics" for i in listed["items"])
    assert run_cli("check", books=examples_copy, as_of=EXAMPLES_AS_OF).exit_code == 0
    again = run_cli("done", "harbor-logistics", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert again.exit_code == 2 and "no open next step" in again.stderr


def test_done_on_a_given_date(examples_copy: Path) -> None:
    result = run_cli("done", "acme", "renewal", "--on", "2026-11-25", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.stderr
    steps = [i["next_step"] for i in yaml.safe_load((examples_copy / "clients" / "acme.yaml").read_text("utf-8"))["interactions"] if "next_step" in i]
    assert steps[-1]["done"] is True and str(steps[-1]["done_on"]) == "2026-11-25"
    early = run_cli("done", "meridian", "--on", "2020-01-01", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert early.exit_code == 2 and "before the step was agreed" in early.stderr


TWO_STEPS = """\
    id: beta
    name: Beta Ltd
    kind: client
    manager: lan
    interactions:
      # the kick-off
      - date: 2026-10-01
        channel: call
        summary: Kick-off
        next_step:
          action: Send the statement of work
          due: 2026-10-10
          owner: lan
          done: false
      - date: 2026-10-05
        channel: email
        summary: Follow-up
        next_step:
          action: Book the design workshop
          due: 2026-10-20
"""


def test_ambiguous_or_unknown_step_is_a_usage_error_listing_the_candidates(tmp_path: Path) -> None:
    books = make_books(tmp_path / "books", profiles={"beta": TWO_STEPS})
    before = (books / "clients" / "beta.yaml").read_text("utf-8")
    for args, says in (
        (["beta"], "2 open next steps"),
        (["beta", "invoice"], "no open next step"),
        (["beta", "3"], "no open next step 3"),
        (["beta", "the"], "name one by number"),
    ):
        result = run_cli("done", *args, books=books, as_of="2026-11-30")
        assert result.exit_code == 2, result.output
        assert says in result.stderr
        assert "1. due 2026-10-10, lan: Send the statement of work" in result.stderr
        assert "2. due 2026-10-20" in result.stderr and "Book the design workshop" in result.stderr
    unknown = run_cli("done", "bta", books=books, as_of="2026-11-30")
    assert unknown.exit_code == 2 and "did you mean 'beta'?" in unknown.stderr
    assert (books / "clients" / "beta.yaml").read_text("utf-8") == before
    assert run_cli("done", "beta", "send the", books=books, as_of="2026-11-30").exit_code == 0
    assert (books / "clients" / "beta.yaml").read_text("utf-8") != before


def test_block_mapping_steps_replace_or_add_the_done_line(tmp_path: Path) -> None:
    books = make_books(tmp_path / "books", profiles={"beta": TWO_STEPS})
    profile = books / "clients" / "beta.yaml"
    before = profile.read_text("utf-8")
    first = run_cli("done", "beta", "1", books=books, as_of="2026-11-30")
    assert first.exit_code == 0, first.stderr
    middle = profile.read_text("utf-8")
    assert changed_lines(before, middle) == ["-      done: false", "+      done: true", "+      done_on: 2026-11-30"]
    second = run_cli("done", "beta", "WORKSHOP", books=books, as_of="2026-11-30")
    assert second.exit_code == 0, second.stderr
    assert "+done: true, done_on: 2026-11-30" in second.output
    after = profile.read_text("utf-8")
    assert changed_lines(middle, after) == ["+      done: true", "+      done_on: 2026-11-30"]
    assert "# the kick-off" in after
    assert after.endswith("      due: 2026-10-20\n      done: true\n      done_on: 2026-11-30\n")


def start(books: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("ACCT_TOOL_BOOKS", None)
    return subprocess.Popen(
        [sys.executable, "-m", "acct_tool", "--books", str(books), "--as-of", EXAMPLES_AS_OF, *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_log_and_done_at_once_lose_nothing(tmp_path: Path) -> None:
    steps = "".join(
        textwrap.dedent(f"""\
          - date: 2026-11-{n + 1:02d}
            channel: call
            summary: Call {n}
            next_step: {{action: Step {n}, due: 2026-12-{n + 1:02d}, done: false}}
        """)
        for n in range(8)
    )
    books = make_books(tmp_path / "books", profiles={"beta": "id: beta\nname: Beta Ltd\nkind: client\nmanager: lan\ninteractions:\n" + steps})
    for n in range(8):
        runs = [start(books, "done", "beta", f"Step {n}"), start(books, "log", "beta", "--channel", "email", "--summary", f"parallel {n}")]
        for run in runs:
            _out, err = run.communicate(timeout=60)
            assert run.returncode == 0, err
    data = yaml.safe_load((books / "clients" / "beta.yaml").read_text("utf-8"))["interactions"]
    assert sorted(i["summary"] for i in data if str(i["summary"]).startswith("parallel ")) == [f"parallel {n}" for n in range(8)]
    assert all(i["next_step"]["done"] is True for i in data if "next_step" in i)
