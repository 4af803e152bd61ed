"""The commands are thin: what they print is built by functions that need no command line.

``check``'s findings, a new profile's text and accounts, and the ``init``
scaffold each come from a module outside ``acct_tool.cli``; these tests call
those functions directly and compare them with what the commands do.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import EXAMPLES, EXAMPLES_AS_OF, REPO, run_cli

from acct_tool.books.load import load_books
from acct_tool.books.settings import load_settings
from acct_tool.checks.findings import findings, receivable_exceptions
from acct_tool.edit.edit_scaffold import account_part, new_accounts, new_profile, profile_problems, write_scaffold
from acct_tool.render import diagnostics as diagnostics_view
from acct_tool.render.render_scaffold import render_scaffold

AS_OF = datetime.date.fromisoformat(EXAMPLES_AS_OF)


def test_check_prints_the_findings_of_the_books() -> None:
    books = load_books(EXAMPLES, AS_OF, use_cache=False)
    found = findings(books)
    assert any(d.code == "overpaid-document" for d in receivable_exceptions(books))
    assert run_cli("check", "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF).output == diagnostics_view.to_json(found)


def test_new_accounts_follow_the_roots_and_the_kind(tmp_path: Path) -> None:
    (tmp_path / "acct-tool.yaml").write_text("receivable_root: Assets:AR\npayable_root: Liabilities:AP\n")
    settings, _ = load_settings(tmp_path)
    assert account_part("harbor-logistics") == "HarborLogistics"
    assert account_part("a_b--c") == "ABC"
    assert new_accounts(settings, "acme-corp", "client", "active") == {"receivable": "Assets:AR:AcmeCorp"}
    assert new_accounts(settings, "hostco", "vendor", "active") == {"payable": "Liabilities:AP:Hostco"}
    assert new_accounts(settings, "duo", "both", "paused") == {"receivable": "Assets:AR:Duo", "payable": "Liabilities:AP:Duo"}
    assert new_accounts(settings, "maybe", "client", "prospect") == {}


def test_clients_new_writes_the_profile_text_built_outside_the_cli(books: Callable[..., Path]) -> None:
    root = books()
    result = run_cli("clients", "new", "acme-corp", "--name", "ACME: the corp", "--manager", "lan", books=root, as_of="2026-11-30")
    assert result.exit_code == 0, result.stderr
    settings, _ = load_settings(root)
    accounts = new_accounts(settings, "acme-corp", "client", "active")
    expected = new_profile(
        "acme-corp", "ACME: the corp", "client", "active", "lan", datetime.date(2026, 11, 30), accounts, "../.schema/party.schema.json", True
    )
    assert (root / "clients" / "acme-corp.yaml").read_text() == expected
    assert 'name: "ACME: the corp"' in expected
    assert profile_problems(expected, "clients/acme-corp.yaml") == []
    assert profile_problems(expected.replace("kind: client", "kind: customer"), "clients/acme-corp.yaml") != []


def test_init_writes_the_rendered_scaffold_and_keeps_what_exists(tmp_path: Path) -> None:
    files = render_scaffold(AS_OF, title="books")
    target = tmp_path / "books"
    (target / "clients").mkdir(parents=True)
    (target / "clients" / "acme.yaml").write_text("mine\n")
    written = write_scaffold(target, files)
    assert [w.path for w in written] == list(files)
    assert [w.path for w in written if w.kept] == ["clients/acme.yaml"]
    assert (target / "clients" / "acme.yaml").read_text() == "mine\n"
    assert (target / "ledger" / "main.beancount").read_text() == files["ledger/main.beancount"]


def test_starting_the_command_line_loads_no_template_engine() -> None:
    program = "import sys, acct_tool.cli; print(sorted(m for m in ('jinja2', 'ruamel.yaml') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", program], cwd=REPO, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout.replace("'", '"')) == []
