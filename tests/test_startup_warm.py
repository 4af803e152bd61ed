"""The warm path: when nothing changed, a command is answered from the cache without
importing Beancount at all (nor the template engine for commands that render none)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLES_AS_OF
from test_startup import heavy, imported

#: The stages of loading a ledger with Beancount (parse cache aside): a warm command runs none.
LOADING = ("acct_tool.books.beancount_load", "acct_tool.books.booking_cache", "acct_tool.books.booking_aside")

#: What a warm command that parses no YAML (no profile location to read again) and no bank
#: statement (whose OFX parser reads package metadata) does not import either.
NO_PARSERS = ("yaml", "importlib.metadata")


@pytest.mark.parametrize(
    ("command", "also_not"),
    [
        (("check",), (*NO_PARSERS, "acct_tool.engines.receivables")),  # its exceptions come from the cache
        (("check", "--format", "json"), (*NO_PARSERS, "acct_tool.engines.receivables")),
        # a follow-up's place in its profile is read again; the health and portfolio engines are other commands
        (("followups",), ("importlib.metadata", "acct_tool.engines.health", "acct_tool.engines.portfolio")),
        (("aging", "ar"), NO_PARSERS),
        (("reconcile", "ar"), NO_PARSERS),
        (("cash",), ()),
        (("review", "--format", "json"), ()),
    ],
)
def test_a_warm_command_imports_no_beancount(examples_copy: Path, tmp_path: Path, command: tuple[str, ...], also_not: tuple[str, ...]) -> None:
    env = {"ACCT_TOOL_CACHE_DIR": str(tmp_path / "cache"), "ACCT_TOOL_NO_CACHE": ""}
    args = ("--books", str(examples_copy), "--as-of", EXAMPLES_AS_OF, *command)
    cold, cold_modules = imported(*args, tmp_path=tmp_path, env=env)
    assert "beancount" in cold_modules  # the first run loads the ledger
    warm, modules = imported(*args, tmp_path=tmp_path, env=env)
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout)
    assert heavy(modules, ("beancount", "jinja2", *LOADING, *also_not)) == []


def test_a_changed_ledger_is_loaded_again(examples_copy: Path, tmp_path: Path) -> None:
    env = {"ACCT_TOOL_CACHE_DIR": str(tmp_path / "cache"), "ACCT_TOOL_NO_CACHE": ""}
    args = ("--books", str(examples_copy), "--as-of", EXAMPLES_AS_OF, "check")
    imported(*args, tmp_path=tmp_path, env=env)
    with (examples_copy / "ledger" / "main.beancount").open("a") as ledger:
        ledger.write("\n; a comment\n")
    _done, modules = imported(*args, tmp_path=tmp_path, env=env)
    assert "beancount" in modules
