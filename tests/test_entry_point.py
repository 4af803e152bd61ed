"""The real entry point: exit codes for every way a run can end, and no traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXAMPLES, EXAMPLES_AS_OF, REPO, make_books

CMD = [sys.executable, "-m", "acct_tool", "--books", str(EXAMPLES), "--as-of", EXAMPLES_AS_OF]


def run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=120, **kwargs)  # type: ignore[call-overload,no-any-return]


def test_clean_findings_and_usage_exit_codes() -> None:
    assert run("check").returncode == 0
    assert run("reconcile", "ar", "--format", "json").returncode == 0
    usage = run("open", "ar", "--party", "nobody")
    assert usage.returncode == 2 and usage.stderr.startswith("Error: ") and "Traceback" not in usage.stderr
    assert subprocess.run([sys.executable, "-m", "acct_tool", "--version"], capture_output=True, text=True).returncode == 0


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_an_error_message_not_a_traceback() -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run([*CMD, "check"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 2
    assert "cannot write the output" in result.stderr and "Traceback" not in result.stderr


def test_a_closed_pipe_is_not_a_failure() -> None:
    proc = subprocess.Popen([*CMD, "aging", "ar", "--by", "document"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and b"Traceback" not in err


def test_ctrl_c_exits_130(tmp_path: Path) -> None:
    books = make_books(
        tmp_path / "big",
        ledger="".join(f'2026-01-{1 + i % 28:02d} * "Sale {i}"\n  Assets:Bank:Operating  {i % 97 + 1}.00 USD\n  Income:Services\n' for i in range(30_000)),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "acct_tool", "--books", str(books), "--as-of", "2026-12-31", "--no-cache", "check"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(1.0)  # past interpreter start-up, into the load
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode in (0, 1):
        pytest.skip("the command ended before the interrupt")
    if proc.returncode == -signal.SIGINT:  # a very slow start: Python was still importing
        pytest.skip("interrupted before the command started")
    assert proc.returncode == 130 and b"Interrupted." in err and b"Traceback" not in err


@pytest.mark.parametrize("module", ["fastjsonschema", "beancount", "click"])
def test_a_missing_dependency_is_a_clear_message(tmp_path: Path, module: str) -> None:
    """An incomplete installation says what to install instead of printing a traceback."""
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name == {module!r} or name.startswith({module!r} + '.'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", "ACCT_TOOL_NO_CACHE": "1"}
    result = subprocess.run([*CMD, "check"], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2, result.stderr
    assert f"needs the Python package '{module}'" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_missing_dependency_is_named_at_once(tmp_path: Path) -> None:
    """Installing the one package an error names would only reveal the next: all are named."""
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('fastjsonschema', 'mt940'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", "ACCT_TOOL_NO_CACHE": "1"}
    result = subprocess.run([*CMD, "check"], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2, result.stderr
    assert "needs the Python packages 'fastjsonschema' and 'mt-940'" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_required_packages_are_those_pyproject_lists() -> None:
    import re

    from acct_tool.requirements import REQUIRED

    text = (REPO / "pyproject.toml").read_text("utf-8")
    block = re.search(r"^dependencies = \[(.*?)^\]", text, re.S | re.M)
    assert block is not None
    listed = re.findall(r'^\s*"([^"<>=!~ ;\[]+)', block.group(1), re.M)
    assert [distribution for _, distribution in REQUIRED] == listed
