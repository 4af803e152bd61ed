"""Shared fixtures: write small books inline, run the real CLI on them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from click.testing import CliRunner
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.database import DirectoryBasedExampleDatabase

from acct_tool.books import cache
from acct_tool.cli import cli

REPO = Path(__file__).resolve().parent.parent


#: Every cache a test run makes lives here, never in the checkout or the user's home:
#: acct-tool's own (ACCT_TOOL_CACHE_DIR), hypothesis' example database, mypy's cache.
SCRATCH = Path(tempfile.mkdtemp(prefix="acct-tool-tests-"))
os.environ["ACCT_TOOL_CACHE_DIR"] = str(SCRATCH / "acct-tool-cache")
set_hypothesis_home_dir(str(SCRATCH / "hypothesis-home"))
hypothesis.settings.register_profile("acct-tool", database=DirectoryBasedExampleDatabase(str(SCRATCH / "hypothesis")))
hypothesis.settings.load_profile("acct-tool")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the run's caches."""
    shutil.rmtree(SCRATCH, ignore_errors=True)


def build_wheel(tmp_path: Path) -> Path:
    """A wheel of the package, built from a copy of the sources in ``tmp_path``.

    Building in the checkout would leave ``build/`` and ``*.egg-info`` there."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("acct_tool", "templates"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = wheels.glob("acct_tool-*.whl")
    return wheel


EXAMPLES = REPO / "examples"
EXAMPLES_AS_OF = "2026-11-30"

LEDGER_HEAD = """\
option "operating_currency" "USD"
2025-01-01 open Assets:Bank:Operating USD
2025-01-01 open Income:Services
2025-01-01 open Expenses:Hosting
2025-01-01 open Equity:Opening-Balances
"""


@dataclass
class Result:
    exit_code: int
    output: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.output)


def count_forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that gets an item at each fork from now on."""
    forked: list[int] = []
    real_fork = os.fork

    def counting_fork() -> int:
        forked.append(1)
        return real_fork()

    monkeypatch.setattr(os, "fork", counting_fork)
    return forked


def run_cli(*args: str, books: Path | None = None, as_of: str | None = None) -> Result:
    """Run ``acct-tool`` in-process with ``--books`` and ``--as-of`` in front of ``args``."""
    argv: list[str] = []
    if books is not None:
        argv += ["--books", str(books)]
    if as_of is not None:
        argv += ["--as-of", as_of]
    runner = CliRunner()
    result = runner.invoke(cli, argv + list(args), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Result(result.exit_code, result.stdout, result.stderr)


def make_books(
    root: Path,
    *,
    ledger: str = "",
    profiles: dict[str, str] | None = None,
    settings: str | None = None,
    head: str = LEDGER_HEAD,
) -> Path:
    """Write a books folder: settings, ``ledger/main.beancount`` (head + ledger), ``clients/*``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "acct-tool.yaml").write_text(textwrap.dedent(settings or "payment_days: 30\n"))
    (root / "ledger").mkdir(exist_ok=True)
    (root / "ledger" / "main.beancount").write_text(head + textwrap.dedent(ledger))
    (root / "clients").mkdir(exist_ok=True)
    for name, text in (profiles or {}).items():
        filename = name if "." in name else f"{name}.yaml"
        (root / "clients" / filename).write_text(textwrap.dedent(text))
    return root


@pytest.fixture
def books(tmp_path: Path) -> Callable[..., Path]:
    """``books(ledger=..., profiles={...}, settings=...)`` -> path of a fresh books folder."""

    def factory(**kwargs: Any) -> Path:
        return make_books(tmp_path / "books", **kwargs)

    return factory


@pytest.fixture
def examples_copy(tmp_path: Path) -> Path:
    """A private copy of ``examples/`` that a test may change."""
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, target)
    return target


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty acct-tool cache that is turned on for this test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_DIR, str(folder))
    monkeypatch.delenv(cache.ENV_OFF, raising=False)
    return folder


@pytest.fixture
def booked(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many entries each call of Beancount's booking loop was given."""
    from beancount.parser import booking_full

    sizes: list[int] = []
    real = booking_full._book

    def counting(entries: list[Any], *args: Any) -> Any:
        sizes.append(len(entries))
        return real(entries, *args)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(booking_full, "_book", counting)
    yield sizes
