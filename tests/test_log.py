"""`acct-tool log`: the new interaction is the only change in the file, the write is atomic, broken profiles are refused."""

from __future__ import annotations

import datetime
import difflib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES_AS_OF, run_cli

from acct_tool.books.profiles import load_party
from acct_tool.edit.interaction_text import NewInteraction, insert_interaction

Books = Callable[..., Path]

OPENS = "2025-01-01 open Assets:Receivable:Acme USD\n"
ACME = """\
# ACME - key account. Keep this comment.
id: acme
name: ACME Manufacturing
kind: client
tier: key
manager: lan
accounts: {receivable: Assets:Receivable:Acme}

contacts:
  - {name: Mai Tran, role: CFO, decision_maker: true}   # the sponsor
  - {name: Carlos Mendes, role: VP Operations}
interactions:
  # oldest first
  - date: 2026-10-02
    channel: meeting
    with: [Mai Tran, Carlos Mendes]
    summary: "Quarterly review"
    sentiment: positive
    next_step: {action: Send notes, due: 2026-10-09, owner: lan, done: true}

  - date: 2026-11-02
    channel: call
    with: Mai Tran
    summary: Renewal talk
satisfaction:
  - {date: 2026-09-30, nps: 9}   # Q3
"""


def changes(before: str, after: str) -> list[tuple[str, int, int, int, int]]:
    """The non-equal opcodes of a line diff."""
    matcher = difflib.SequenceMatcher(None, before.splitlines(keepends=True), after.splitlines(keepends=True), autojunk=False)
    return [op for op in matcher.get_opcodes() if op[0] != "equal"]


def end_of_interactions(text: str) -> int:
    """Index of the first line after the interactions list (the next top-level key, or the end)."""
    lines = text.splitlines()
    start = lines.index("interactions:")
    return next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith((" ", "#"))), len(lines))


def log(root: Path, *args: str, as_of: str = "2026-11-30") -> Any:
    return run_cli("log", *args, books=root, as_of=as_of)


def test_log_appends_only_the_new_interaction(books: Books) -> None:
    root = books(ledger=OPENS, profiles={"acme": ACME})
    path = root / "clients" / "acme.yaml"
    result = log(
        root,
        "acme",
        "--channel",
        "call",
        "--with",
        "mai tran",
        "--summary",
        "Renewal terms agreed",
        "--sentiment",
        "positive",
        "--next",
        "Send the contract",
        "--due",
        "2026-12-10",
    )
    assert result.exit_code == 0, result.stderr
    assert result.output == "logged 2026-11-30 call with mai tran in clients/acme.yaml (+7 lines)\n"
    assert result.stderr == ""  # contact names match ignoring case
    after = path.read_text()
    end = end_of_interactions(ACME)
    assert changes(ACME, after) == [("insert", end, end, end, end + 7)]
    added = after.splitlines()[end : end + 7]
    assert added == [
        "  - date: 2026-11-30",
        "    channel: call",
        "    with: mai tran",
        "    by: lan",
        "    summary: Renewal terms agreed",
        "    sentiment: positive",
        "    next_step: {action: Send the contract, due: 2026-12-10, owner: lan, done: false}",
    ]
    party, problems = load_party(path, "clients/acme.yaml")
    assert problems == [] and party is not None
    new = party.interactions[-1]
    assert (new.date, new.channel, new.with_, new.by, new.summary, new.sentiment) == (
        datetime.date(2026, 11, 30),
        "call",
        ("mai tran",),
        "lan",
        "Renewal terms agreed",
        "positive",
    )
    assert new.next_step is not None and (new.next_step.action, new.next_step.due, new.next_step.done) == (
        "Send the contract",
        datetime.date(2026, 12, 10),
        False,
    )


def test_last_contact_follows_the_log(books: Books) -> None:
    root = books(ledger=OPENS, profiles={"acme": ACME})
    before = run_cli("followups", "--format", "json", books=root, as_of="2026-11-30").json()["items"]
    assert ("check-in", 14) in [(i["kind"], i["days_overdue"]) for i in before]  # key account: due 2026-11-16, 14 days after 2026-11-02
    assert log(root, "acme", "--channel", "email", "--summary", "Sent the agenda").exit_code == 0
    after = run_cli("followups", "--format", "json", books=root, as_of="2026-11-30").json()["items"]
    assert "check-in" not in [i["kind"] for i in after]


def test_date_by_and_several_people(books: Books) -> None:
    root = books(ledger=OPENS, profiles={"acme": ACME})
    result = log(
        root, "acme", "--channel", "visit", "--with", "Mai Tran", "--with", "Carlos Mendes", "--summary", "Plant visit", "--date", "2026-11-25", "--by", "priya"
    )
    assert result.exit_code == 0
    text = (root / "clients" / "acme.yaml").read_text()
    assert "  - date: 2026-11-25\n    channel: visit\n    with: [Mai Tran, Carlos Mendes]\n    by: priya\n    summary: Plant visit\nsatisfaction:" in text


def test_unknown_contact_is_allowed_with_a_warning(books: Books) -> None:
    root = books(ledger=OPENS, profiles={"acme": ACME})
    result = log(root, "acme", "--channel", "call", "--with", "Mai Tram", "--summary", "Quick call")
    assert result.exit_code == 0
    assert result.stderr == "warning: 'Mai Tram' is not among the contacts of acme; did you mean 'Mai Tran'?\n"
    assert "with: Mai Tram" in (root / "clients" / "acme.yaml").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--channel", "call", "--summary", "x", "--due", "2026-12-01"], "--next and --due go together"),
        (["--channel", "call", "--summary", "x", "--next", "Call back"], "--next and --due go together"),
        (["--channel", "fax", "--summary", "x"], "'fax' is not one of 'meeting', 'call'"),
        (["--channel", "call", "--summary", "x", "--sentiment", "happy"], "'happy' is not one of 'positive', 'neutral', 'negative'"),
        (["--channel", "call", "--summary", "x", "--next", "y", "--due", "2026-02-30"], "'2026-02-30' is not a date"),
        (["--channel", "call", "--summary", "  "], "--summary must not be empty"),
        (["--summary", "x"], "Missing option '--channel'"),
    ],
)
def test_usage_errors_change_nothing(books: Books, args: list[str], message: str) -> None:
    root = books(ledger=OPENS, profiles={"acme": ACME})
    result = log(root, "acme", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert (root / "clients" / "acme.yaml").read_text() == ACME


def test_unknown_party(books: Books) -> None:
    root = books(ledger=OPENS, profiles={"acme": ACME})
    result = log(root, "acme-corp", "--channel", "call", "--summary", "x")
    assert (result.exit_code, result.stderr.strip()) == (2, "Error: no party with id 'acme-corp'; did you mean 'acme'?")


def test_a_profile_with_errors_is_refused(books: Books) -> None:
    broken = ACME.replace("tier: key", "tier: gold")
    root = books(ledger=OPENS, profiles={"acme": broken})
    result = log(root, "acme", "--channel", "call", "--summary", "x")
    assert result.exit_code == 1
    assert "clients/acme.yaml:5:7: error bad-value tier: 'gold' is not one of key, strategic, standard" in result.stderr
    assert "clients/acme.yaml has errors; fix them (acct-tool check) before logging to it" in result.stderr
    assert (root / "clients" / "acme.yaml").read_text() == broken


def test_a_profile_that_does_not_parse_is_refused(books: Books) -> None:
    broken = ACME.replace('summary: "Quarterly review"', 'summary: "Quarterly review')
    root = books(ledger=OPENS, profiles={"acme": broken})
    result = log(root, "acme", "--channel", "call", "--summary", "x")
    assert result.exit_code == 1
    assert "error yaml-syntax" in result.stderr
    assert (root / "clients" / "acme.yaml").read_text() == broken


def test_a_profile_that_is_not_utf8_is_refused(books: Books) -> None:
    root = books(ledger=OPENS, profiles={"acme": ACME})
    path = root / "clients" / "acme.yaml"
    raw = ACME.replace("Renewal talk", "Caf\u00e9 meeting").encode("latin-1")
    path.write_bytes(raw)
    result = log(root, "acme", "--channel", "call", "--summary", "x")
    assert result.exit_code == 1
    assert "error file-encoding not valid UTF-8" in result.stderr
    assert path.read_bytes() == raw


def test_a_symlinked_profile_is_written_through_the_link(books: Books, tmp_path: Path) -> None:
    root = books(ledger=OPENS, profiles={})
    real = tmp_path / "shared" / "acme.yaml"
    real.parent.mkdir()
    real.write_text(ACME)
    (root / "clients" / "acme.yaml").symlink_to(real)
    assert log(root, "acme", "--channel", "call", "--summary", "Linked").exit_code == 0
    assert (root / "clients" / "acme.yaml").is_symlink()
    assert "summary: Linked" in real.read_text()


def test_an_entry_that_would_not_validate_is_rolled_back(books: Books) -> None:
    root = books(ledger=OPENS, profiles={"acme": ACME})
    path = root / "clients" / "acme.yaml"
    result = log(root, "acme", "--channel", "call", "--summary", "x", "--by", "Lan Nguyen")
    assert result.exit_code == 1
    assert "error invalid-id interactions[2].by" in result.stderr
    assert "the file is unchanged" in result.stderr
    assert path.read_text() == ACME


def test_write_is_atomic_and_keeps_the_permissions(books: Books) -> None:
    root = books(ledger=OPENS, profiles={"acme": ACME})
    path = root / "clients" / "acme.yaml"
    os.chmod(path, 0o640)
    inode = path.stat().st_ino
    assert log(root, "acme", "--channel", "call", "--summary", "x").exit_code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.stat().st_ino != inode  # replaced by a rename, not rewritten in place
    assert sorted(p.name for p in path.parent.iterdir()) == ["acme.yaml"]  # no temporary file left


# --- the edit on its own: styles and edge cases ----------------------------------------

ENTRY = NewInteraction(datetime.date(2026, 11, 30), "call", "Short call", ("Mai Tran",), "lan")


def only_insertions(before: str, after: str) -> list[str]:
    ops = changes(before, after)
    assert all(op[0] == "insert" for op in ops), ops
    return [line for op in ops for line in after.splitlines(keepends=True)[op[3] : op[4]]]


def test_flow_style_items_get_a_flow_style_item() -> None:
    text = "id: acme\ninteractions:\n- {date: 2026-10-01, channel: call, summary: Hi}\n# end of log\n\nrisks: []\n"
    after = insert_interaction(text, ENTRY)
    assert only_insertions(text, after) == ["- {date: 2026-11-30, channel: call, with: Mai Tran, by: lan, summary: Short call}\n"]
    assert after.endswith("summary: Short call}\n# end of log\n\nrisks: []\n")


def test_a_one_line_flow_list_is_extended_in_place_by_ruamel() -> None:
    # the one layout a line insertion cannot extend: ruamel.yaml re-emits the document, and only that line changes
    text = "# head\nid: acme\ncontacts:\n  - {name: Mai Tran}   # sponsor\ninteractions: [{date: 2026-10-01, channel: call, summary: Hi}]\nrisks: []\n"
    after = insert_interaction(text, ENTRY)
    assert changes(text, after) == [("replace", 4, 5, 4, 5)]
    assert (
        after.splitlines()[4]
        == "interactions: [{date: 2026-10-01, channel: call, summary: Hi}, {date: 2026-11-30, channel: call, with: Mai Tran, by: lan, summary: Short call}]"
    )


def test_profile_without_interactions_gets_the_key_at_the_end() -> None:
    text = "id: acme\nname: ACME\ncontacts:\n    -   {name: Mai Tran}\nnotes: >\n  Folded\n  text\n"
    after = insert_interaction(text, ENTRY)
    assert only_insertions(text, after) == [
        "interactions:\n",
        "    -   date: 2026-11-30\n",
        "        channel: call\n",
        "        with: Mai Tran\n",
        "        by: lan\n",
        "        summary: Short call\n",
    ]
    assert yaml.safe_load(after)["notes"] == "Folded text\n"


@pytest.mark.parametrize("empty", ["interactions:", "interactions: []", "interactions: ~"])
def test_empty_interactions_get_their_first_item(empty: str) -> None:
    text = f"id: acme\n{empty}   # none yet\nrisks: []\n"
    after = insert_interaction(text, ENTRY)
    assert after.startswith("id: acme\ninteractions:   # none yet\n  - date: 2026-11-30\n")
    assert yaml.safe_load(after)["interactions"][0]["summary"] == "Short call"


def test_crlf_line_endings_tabs_of_style_and_a_missing_final_newline_survive() -> None:
    text = "id: acme\r\ninteractions:\r\n  - date: 2026-10-01\r\n    channel: call\r\n    summary: |\r\n      Line one\r\n\r\n      Line two\r\n    next_step:\r\n      action: Call back\r\n      due: 2026-10-08\r\nrisks: []"
    entry = NewInteraction(datetime.date(2026, 11, 30), "call", "Short call", (), "lan", None, "Send it", datetime.date(2026, 12, 1))
    after = insert_interaction(text, entry)
    assert only_insertions(text, after) == [
        "  - date: 2026-11-30\r\n",
        "    channel: call\r\n",
        "    by: lan\r\n",
        "    summary: Short call\r\n",
        "    next_step:\r\n",  # block style, like the existing next step
        "      action: Send it\r\n",
        "      due: 2026-12-01\r\n",
        "      owner: lan\r\n",
        "      done: false\r\n",
    ]
    assert after.endswith("      done: false\r\nrisks: []")
    assert yaml.safe_load(after)["interactions"][0]["summary"] == "Line one\n\nLine two\n"


@pytest.mark.parametrize(
    "summary",
    ["yes", "No", "on", "12:30", "1e3", "null", "Re: pricing # urgent", "- dash", "?question", "'quoted'", '"double"', "trailing ", "Ünïcode ✓", "multi\nline"],
)
def test_texts_read_back_exactly(summary: str) -> None:
    entry = NewInteraction(datetime.date(2026, 11, 30), "call", summary, (summary,), None, None, summary, datetime.date(2026, 12, 1))
    for text in (
        ACME,
        ACME.replace("next_step: {action: Send notes, due: 2026-10-09, owner: lan, done: true}", "next_step:\n      action: Send notes\n      due: 2026-10-09"),
    ):
        after = insert_interaction(text, entry)
        item = yaml.safe_load(after)["interactions"][-1]
        assert (item["summary"], item["with"], item["next_step"]["action"]) == (summary, summary, summary)


# --- every example profile --------------------------------------------------------------


def test_log_on_every_example_profile_adds_only_the_new_interaction(examples_copy: Path) -> None:
    before_check = run_cli("check", "--format", "json", books=examples_copy, as_of=EXAMPLES_AS_OF).json()
    profiles = sorted((examples_copy / "clients").glob("*.yaml"))
    assert len(profiles) == 13
    for path in profiles:
        original = path.read_text()
        party, _ = load_party(path, f"clients/{path.name}")
        assert party is not None and party.contacts
        contact = party.contacts[0].name
        result = run_cli(
            "log", party.id, "--channel", "video", "--with", contact, "--summary", "Account review: next quarter's plan",
            "--sentiment", "neutral", "--next", "Send the review notes", "--due", "2026-12-07",
            books=examples_copy, as_of=EXAMPLES_AS_OF,
        )  # fmt: skip
        assert result.exit_code == 0, (path.name, result.stderr)
        assert result.stderr == ""
        after = path.read_text()
        end = end_of_interactions(original)
        size = 7 if party.manager else 6  # vendors have no manager: no `by`, no step owner
        assert changes(original, after) == [("insert", end, end, end, end + size)], path.name
        added = "".join(after.splitlines(keepends=True)[end : end + size])
        step: dict[str, Any] = {"action": "Send the review notes", "due": datetime.date(2026, 12, 7)}
        item: dict[str, Any] = {"date": datetime.date(2026, 11, 30), "channel": "video", "with": contact}
        if party.manager:
            item["by"] = step["owner"] = party.manager
        item |= {"summary": "Account review: next quarter's plan", "sentiment": "neutral", "next_step": step | {"done": False}}
        assert yaml.safe_load("x:\n" + added)["x"] == [item]
        assert list(yaml.safe_load("x:\n" + added)["x"][0]) == list(item)  # key order as in the examples
        _, problems = load_party(path, f"clients/{path.name}")
        assert problems == [], (path.name, problems)
    after_check = run_cli("check", "--format", "json", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert after_check.exit_code == 0
    assert after_check.json() == before_check  # still clean: the same one warning as before
