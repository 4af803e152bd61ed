"""The package and its tests type-check under ``mypy --strict`` (types are part of the design)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest
from conftest import REPO, SCRATCH


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed (pip install -e '.[test]' brings it)")
def test_mypy_strict_is_clean() -> None:
    cache = SCRATCH / "mypy"  # not .mypy_cache in the checkout
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), "acct_tool", "tests"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
