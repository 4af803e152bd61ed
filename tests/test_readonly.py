"""No command changes an input file, and each writes only the paths it was asked to write.

Every command the CLI has runs on a private copy of ``examples/`` (as of
2026-11-30), with ``--out``/``--draft``/``DIR`` pointing at fresh paths next to
it. Every file and folder under the test's temporary folder is hashed before and
after (content and permission bits): inputs must be byte-identical, and the only
new paths are the ones named on the command line. ``log`` is the one command that
writes a profile on purpose: exactly that file changes, by added lines only.
A command added to the CLI without an entry in COMMANDS fails this test.
"""

from __future__ import annotations

import difflib
import hashlib
import shutil
from pathlib import Path

import click
import pytest
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

from acct_tool.cli import cli

#: For every command, the invocations to run: argv after --books/--as-of, and the
#: paths (relative to the test's folder) each one may create. ``{books}`` is the copy of
#: examples, ``{out}`` a folder next to it that exists and is empty.
COMMANDS: dict[str, list[tuple[list[str], list[str]]]] = {
    "check": [(["check"], []), (["check", "--format", "json"], []), (["check", "--format", "github", "--strict"], [])],
    "schema": [(["schema", "party"], []), (["schema", "settings"], [])],
    "open": [(["open", "ar"], []), (["open", "ap", "--format", "json"], []), (["open", "ar", "--party", "acme", "--format", "csv"], [])],
    "aging": [(["aging", "ar"], []), (["aging", "ap", "--by", "document", "--basis", "date", "--format", "csv"], [])],
    "reconcile ar": [(["reconcile", "ar"], []), (["reconcile", "ar", "--format", "json"], [])],
    "reconcile ap": [(["reconcile", "ap", "--format", "github"], [])],
    "reconcile bank": [
        (["reconcile", "bank", "{books}/ledger/statements/northbank-2026-10.csv"], []),
        (["reconcile", "bank", "{books}/ledger/statements/rheinbank-2026-10.csv", "--output", "json"], []),
        (
            ["reconcile", "bank", "{books}/ledger/statements/northbank-2026-11.csv", "--output", "csv", "--draft", "{out}/drafts.beancount"],
            ["out/drafts.beancount"],
        ),
    ],
    "statement": [
        (["statement", "acme"], []),
        (["statement", "acme", "--from", "2026-01-01", "--format", "md"], []),
        (["statement", "cloudnest", "--format", "json"], []),
    ],
    "dso": [(["dso", "ar"], []), (["dso", "ap", "--by", "manager", "--format", "json"], [])],
    "clients list": [(["clients", "list"], []), (["clients", "list", "--kind", "vendor", "--format", "csv"], [])],
    "clients show": [(["clients", "show", "acme"], []), (["clients", "show", "harbor-logistics", "--format", "json"], [])],
    # `clients new` writes one new profile, and nothing else
    "clients new": [(["clients", "new", "zenith", "--name", "Zenith Labs", "--manager", "tom"], ["books/clients/zenith.yaml"])],
    "followups": [(["followups"], []), (["followups", "--within", "30", "--fail-on", "overdue", "--format", "json"], [])],
    "portfolio": [(["portfolio"], []), (["portfolio", "--manager", "tom", "--from", "2026-07-01", "--format", "csv"], [])],
    "review": [
        (["review", "acme"], []),
        (["review", "harbor-logistics", "--format", "html"], []),
        (["review", "--out", "{out}/md"], ["out/md"]),
        (["review", "--format", "html", "--manager", "tom", "--out", "{out}/html"], ["out/html"]),
    ],
    "init": [(["init", "{out}/new-books"], ["out/new-books"])],
    # `adopt` refuses books that have settings already; a dry run writes nothing
    "adopt": [(["adopt", "--dry-run"], []), (["adopt", "--dry-run", "--format", "json"], [])],
    "financials trial": [(["financials", "trial"], [])],
    "financials income": [(["financials", "income", "--by", "month", "--format", "csv"], [])],
    "financials balance": [(["financials", "balance", "--format", "md"], [])],
    "cash": [(["cash"], []), (["cash", "--weeks", "4", "--format", "csv"], []), (["cash", "--propose-recurring"], [])],
    "pipeline": [(["pipeline"], []), (["pipeline", "--format", "json"], [])],
    # documents write only the file they are asked for
    "invoice": [(["invoice", "INV-2026-051", "--format", "md"], []), (["invoice", "INV-2026-051", "--out", "{out}/inv.html"], ["out/inv.html"])],
    "dunning": [(["dunning", "harbor-logistics"], []), (["dunning", "--format", "eml", "--out", "{out}/letters"], ["out/letters"])],
    # `log` and `done` write the profile on purpose: see test_log_changes_exactly_the_profile_it_names and tests/test_done.py
    "log": [],
    "done": [],
}

#: A statement for November with one line the ledger does not have, so that --draft has something to write.
NOVEMBER = "Date,Description,Reference,Amount,Balance\n2026-11-02,CARD PURCHASE OFFICE SUPPLIES,CARD-9999,-12.34,\n"


def leaf_commands(group: click.Group = cli, prefix: str = "") -> list[str]:
    out = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            out += leaf_commands(command, f"{prefix}{name} ")
        else:
            out.append(f"{prefix}{name}")
    return out


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Every path under ``root``: a content hash (or 'dir') and the permission bits."""
    out = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
        out[path.relative_to(root).as_posix()] = (digest, info.st_mode)
    return out


def test_every_command_is_covered() -> None:
    assert sorted(leaf_commands()) == sorted(COMMANDS), "add the new command to COMMANDS in tests/test_readonly.py"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """``books/`` (a copy of examples with one extra statement) and an empty ``out/``."""
    books = tmp_path / "books"
    shutil.copytree(EXAMPLES, books)
    (books / "ledger" / "statements" / "northbank-2026-11.csv").write_text(NOVEMBER, "utf-8")
    (tmp_path / "out").mkdir()
    return tmp_path


@pytest.mark.parametrize("command", [c for c in sorted(COMMANDS) if COMMANDS[c]])
def test_commands_change_no_input_and_write_only_what_they_were_asked(workspace: Path, command: str) -> None:
    books, out = workspace / "books", workspace / "out"
    for argv, allowed in COMMANDS[command]:
        before = snapshot(workspace)
        args = [a.replace("{books}", str(books)).replace("{out}", str(out)) for a in argv]
        result = run_cli(*args, books=books, as_of=EXAMPLES_AS_OF)
        assert result.exit_code in (0, 1), (argv, result.stderr)
        assert "Traceback" not in result.stderr
        after = snapshot(workspace)
        changed = sorted(p for p in before if p in after and before[p] != after[p])
        removed = sorted(p for p in before if p not in after)
        created = sorted(p for p in after if p not in before)
        assert changed == [] and removed == [], (argv, changed, removed)
        stray = [p for p in created if not any(p == a or p.startswith(a + "/") for a in allowed)]
        assert stray == [], (argv, stray)
        for path in allowed:  # what it was asked to write, it wrote
            assert (workspace / path).exists(), (argv, path)


def test_log_changes_exactly_the_profile_it_names(workspace: Path) -> None:
    books = workspace / "books"
    before = snapshot(workspace)
    original = (books / "clients" / "acme.yaml").read_text("utf-8")
    result = run_cli(
        "log", "acme", "--channel", "call", "--with", "Mai Tran", "--summary", "Renewal terms agreed",
        "--sentiment", "positive", "--next", "Send the contract", "--due", "2026-12-10",
        books=books, as_of=EXAMPLES_AS_OF,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    after = snapshot(workspace)
    assert sorted(after) == sorted(before)  # no new path: not even a temporary file left behind
    changed = sorted(p for p in before if before[p] != after[p])
    assert changed == ["books/clients/acme.yaml"]
    assert before[changed[0]][1] == after[changed[0]][1]  # permissions kept
    new = (books / "clients" / "acme.yaml").read_text("utf-8")
    ops = difflib.SequenceMatcher(None, original.splitlines(), new.splitlines(), autojunk=False).get_opcodes()
    assert [op[0] for op in ops if op[0] != "equal"] == ["insert"]
