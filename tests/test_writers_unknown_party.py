"""An id whose profile file exists but failed to load is named with the file and its problem.

``clients show``, ``review``, ``open --party``, ``statement`` and ``log`` look a
party up by id; when the id's file could not be loaded (not UTF-8, not YAML...),
"no party with id" sends the user looking for a typo. One lookup, used by every
command, names the file and its first error instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLES_AS_OF, run_cli

BROKEN = {
    "not-utf8": (b"id: acme\nname: ACME\nnotes: caf\xe9\n", "not valid UTF-8", 3),
    "not-yaml": (b"id: acme\nname: [ACME\n", "", None),
    "a-list": (b"- id: acme\n", "mapping", 1),
}
COMMANDS = {
    "clients-show": ["clients", "show", "acme"],
    "review": ["review", "acme"],
    "open": ["open", "ar", "--party", "acme"],
    "statement": ["statement", "acme"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("broken", sorted(BROKEN))
def test_the_broken_profile_of_the_id_is_named(examples_copy: Path, command: str, broken: str) -> None:
    data, message, line = BROKEN[broken]
    (examples_copy / "clients" / "acme.yaml").write_bytes(data)
    result = run_cli(*COMMANDS[command], books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2, result.output + result.stderr
    assert "clients/acme.yaml could not be read" in result.stderr, result.stderr
    assert message in result.stderr and "acct-tool check" in result.stderr
    if line is not None:
        assert f"(line {line})" in result.stderr
    assert "no party with id" not in result.stderr


def test_log_refuses_the_broken_profile_and_names_it(examples_copy: Path) -> None:
    (examples_copy / "clients" / "acme.yaml").write_bytes(BROKEN["not-utf8"][0])
    result = run_cli("log", "acme", "--channel", "call", "--summary", "x", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 1
    assert "clients/acme.yaml:3:11: error file-encoding" in result.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_id_no_file_has_is_still_unknown(examples_copy: Path, command: str) -> None:
    args = [("nobody" if a == "acme" else a) for a in COMMANDS[command]]
    result = run_cli(*args, books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2
    assert "no party with id 'nobody'" in result.stderr


def test_a_file_named_for_the_id_with_another_id_inside_is_named(examples_copy: Path) -> None:
    profile = examples_copy / "clients" / "acme.yaml"
    profile.write_text(profile.read_text("utf-8").replace("id: acme", "id: acme-two", 1), "utf-8")
    result = run_cli("clients", "show", "acme", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2
    assert "clients/acme.yaml" in result.stderr and "acme-two" in result.stderr


def test_nested_profiles_folder_and_several_unknown_ids(examples_copy: Path) -> None:
    (examples_copy / "clients" / "acme.yaml").write_bytes(BROKEN["not-utf8"][0])
    result = run_cli("review", "nobody", "acme", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2
    assert "no party with id 'nobody'" in result.stderr and "clients/acme.yaml could not be read" in result.stderr
