"""Every diagnostic code is provoked and asserted on by some test (runs last: see tests/codes_seen.py).

Tests register the codes they assert on through ``codes_seen.expect`` or
``codes_seen.record``. Codes of features whose tests live elsewhere and do not
register yet are excluded below, explicitly.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from codes_seen import SEEN

from acct_tool.diagnostics import CODES

#: Codes owned by other features' tests: bank statements, receivables/payables, report templates.
EXCLUDED_PREFIXES = ("statement-", "bank-", "ar-", "ap-", "template-")
EXCLUDED_CODES = frozenset(
    {
        "unnumbered-document",
        "duplicate-document",
        "unknown-document",
        "overpaid-document",
        "payment-before-document",
        "document-currency",
        "credit-limit",
        "tie-out",
        "unassigned-posting",
        "ambiguous-party",
    }
)

#: The modules that provoke the foundation's codes; all must have run first.
PROVOKERS = (
    "test_check_cli.py",
    "test_crosscheck.py",
    "test_ledger_parity.py",
    "test_profiles.py",
    "test_settings.py",
    "test_yamlsource.py",
)


def required_codes() -> set[str]:
    return {name for name in CODES if not name.startswith(EXCLUDED_PREFIXES) and name not in EXCLUDED_CODES}


def test_every_code_is_provoked_by_a_test(request: pytest.FixtureRequest) -> None:
    items = request.session.items
    here = items.index(request.node)
    ran_before = {Path(str(item.fspath)).name for item in items[:here]}
    missing_modules = [m for m in PROVOKERS if m not in ran_before]
    if missing_modules or request.config.getoption("keyword") or request.config.getoption("markexpr"):
        pytest.skip(f"needs the whole suite to run first (missing: {', '.join(missing_modules) or 'a -k/-m filter is active'})")
    missing = sorted(required_codes() - SEEN)
    assert missing == [], f"codes no test provokes: {missing}"


def test_exclusions_name_real_codes() -> None:
    # An exclusion for a code that no longer exists hides nothing and should go.
    assert set(CODES) >= EXCLUDED_CODES
