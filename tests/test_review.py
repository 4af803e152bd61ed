"""Account reviews: golden files for the examples, overrides, the sandbox, escaping, writes.

Regenerate the golden files after an intended change with
``ACCT_TOOL_REGEN=1 pytest tests/test_review.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import EXAMPLES, EXAMPLES_AS_OF, build_wheel, make_books, run_cli

GOLDEN = Path(__file__).parent / "golden" / "review"
REGEN = os.environ.get("ACCT_TOOL_REGEN") == "1"


def render_examples(out: Path, fmt: str, books: Path = EXAMPLES) -> dict[str, str]:
    result = run_cli("review", "--format", fmt, "--out", str(out), books=books, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.output
    # firm.* has its own golden file and tests (tests/test_firm_review.py)
    return {p.name: p.read_text("utf-8") for p in sorted(out.iterdir()) if not p.name.startswith((".", "firm."))}


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_examples_match_golden_files(tmp_path: Path, fmt: str) -> None:
    files = render_examples(tmp_path / "out", fmt)
    expected_dir = GOLDEN / fmt
    if REGEN:
        shutil.rmtree(expected_dir, ignore_errors=True)
        expected_dir.mkdir(parents=True)
        for name, text in files.items():
            (expected_dir / name).write_text(text, "utf-8")
    expected = {p.name: p.read_text("utf-8") for p in sorted(expected_dir.iterdir())}
    assert sorted(files) == sorted(expected)
    for name in files:
        assert files[name] == expected[name], f"{name} differs from tests/golden/review/{fmt}/{name}; rerun with ACCT_TOOL_REGEN=1 if intended"


def test_a_second_run_is_byte_identical_and_overwrites_its_own_files(tmp_path: Path) -> None:
    first = render_examples(tmp_path / "out", "html")
    second = render_examples(tmp_path / "out", "html")
    assert first == second
    assert "index.html" in first and "review-harbor-logistics.html" in first and "portfolio-tom.html" in first


def test_at_risk_client_is_red_with_its_real_problems() -> None:
    result = run_cli("review", "harbor-logistics", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0
    text = result.output
    assert "(RED)" in text
    assert "108 days past due" in text
    assert "without a plan" in text
    assert "no renewal opportunity open" in text


def test_refuses_files_it_did_not_write_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.md").write_text("my own notes\n")
    result = run_cli("review", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2 and "--force" in result.stderr
    assert (out / "index.md").read_text() == "my own notes\n"
    assert not (out / "review-acme.md").exists()  # nothing written when anything is refused
    forced = run_cli("review", "--out", str(out), "--force", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert forced.exit_code == 0
    assert (out / "index.md").read_text().startswith("# Account reviews")


def test_refuses_an_edited_review(tmp_path: Path) -> None:
    out = tmp_path / "out"
    render_examples(out, "md")
    (out / "review-acme.md").write_text((out / "review-acme.md").read_text() + "edited by hand\n")
    result = run_cli("review", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2 and "review-acme.md" in result.stderr


def test_refuses_to_write_into_the_ledger_or_profiles(examples_copy: Path) -> None:
    for folder in ("ledger", "clients", "clients/sub"):
        result = run_cli("review", "--out", str(examples_copy / folder), books=examples_copy, as_of=EXAMPLES_AS_OF)
        assert result.exit_code == 2, folder
        assert "refusing" in result.stderr
    assert not (examples_copy / "clients" / "sub").exists()


def test_period_options(tmp_path: Path) -> None:
    q3 = run_cli("review", "acme", "--period", "2026-Q3", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert q3.exit_code == 0 and "account review 2026-Q3" in q3.output and "What changed since 2026-Q2" in q3.output
    custom = run_cli("review", "acme", "--from", "2026-01-01", "--to", "2026-06-30", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert custom.exit_code == 0 and "2026-01-01 to 2026-06-30" in custom.output
    bad = run_cli("review", "acme", "--period", "2026-Q5", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert bad.exit_code == 2 and "quarter" in bad.stderr
    several = run_cli("review", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert several.exit_code == 2 and "--out" in several.stderr


# --- user templates -------------------------------------------------------------


def with_template(root: Path, name: str, text: str) -> Path:
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / name).write_text(textwrap.dedent(text))
    return root


def test_books_templates_override_the_built_in_ones(examples_copy: Path) -> None:
    with_template(examples_copy, "review.md.j2", "Review of {{ client.name }}: {{ health.score }} {{ health.band }}\n")
    result = run_cli("review", "acme", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0
    assert result.output.startswith("Review of ACME")
    # templates not overridden still come from the package
    assert run_cli("review", "acme", "--format", "html", books=examples_copy, as_of=EXAMPLES_AS_OF).output.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ client.__class__ }}",
        "{{ money.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ self._TemplateReference__context }}",
        "{% for x in range(10**9) %}{% endfor %}",
    ],
)
def test_sandbox_escapes_fail_with_a_diagnostic(examples_copy: Path, body: str) -> None:
    with_template(examples_copy, "review.md.j2", "line one\n" + body + "\n")
    result = run_cli("review", "acme", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 1, result.output
    assert "templates/review.md.j2:2" in result.stderr
    assert "template-" in result.stderr
    assert "Traceback" not in result.stderr and "uid=" not in result.output


def test_reading_files_through_the_loader_is_refused(examples_copy: Path) -> None:
    with_template(examples_copy, "review.md.j2", "{% include '../acct-tool.yaml' %}\n")
    result = run_cli("review", "acme", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 1
    assert "template-missing" in result.stderr
    assert "ledger:" not in result.output


def test_missing_variable_fails_loudly_with_file_and_line(examples_copy: Path) -> None:
    with_template(examples_copy, "review.md.j2", "# {{ client.name }}\n{{ client.nmae }}\n")
    result = run_cli("review", "acme", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 1
    assert "templates/review.md.j2:2: error template-undefined" in result.stderr
    assert "nmae" in result.stderr


def test_syntax_error_names_template_and_line(examples_copy: Path) -> None:
    with_template(examples_copy, "review.md.j2", "ok\n{% if %}\n")
    result = run_cli("review", "acme", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 1
    assert "templates/review.md.j2:2: error template-syntax" in result.stderr


def test_user_strings_arrive_escaped_in_html(examples_copy: Path) -> None:
    profile = examples_copy / "clients" / "acme.yaml"
    text = profile.read_text()
    text = text.replace("name: ACME Manufacturing", 'name: "<script>alert(1)</script> & Co"', 1)
    profile.write_text(text)
    assert "<script>alert(1)" in profile.read_text()
    out = examples_copy.parent / "out"
    files = render_examples(out, "html", books=examples_copy)
    for name, html in files.items():
        assert "<script" not in html, name
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in files["review-acme.html"]
    assert "&lt;script&gt;" in files["index.html"]


def test_html_is_self_contained(tmp_path: Path) -> None:
    files = render_examples(tmp_path / "out", "html")
    for _name, html in files.items():
        assert "<script" not in html
        assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "https://" not in html
        assert "<link" not in html and "@import" not in html
    review = files["review-harbor-logistics.html"]
    assert review.count("<svg") == 5  # revenue by month, aging, health trend, NPS and CSAT responses
    assert review.count('<table class="chart-data">') == 5
    assert "@media print" in review and "@page" in review


# --- installed package ----------------------------------------------------------


@pytest.mark.skipif(os.environ.get("ACCT_TOOL_SKIP_WHEEL") == "1", reason="wheel test disabled by ACCT_TOOL_SKIP_WHEEL=1")
def test_a_non_editable_wheel_install_renders_reviews(tmp_path: Path) -> None:
    """Templates ship inside the package: build a wheel, install it alone, render."""
    wheel = build_wheel(tmp_path)
    python = sys.executable
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)], check=True)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run(
        [
            python,
            "-c",
            "import acct_tool, sys; assert 'site' in acct_tool.__file__, acct_tool.__file__; from acct_tool.cli import main; sys.argv=['acct-tool', *sys.argv[1:]]; main()",
            "--books",
            str(EXAMPLES),
            "--as-of",
            EXAMPLES_AS_OF,
            "review",
            "--format",
            "html",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert (out / "review-acme.html").read_text().startswith("<!DOCTYPE html>")


# --- books without clients to review --------------------------------------------

VENDOR_ONLY = {
    "hostco": """\
        id: hostco
        name: HostCo Hosting
        kind: vendor
        manager: lan
        accounts: {payable: Liabilities:Payable:HostCo}
        """,
}
VENDOR_LEDGER = """\
2025-01-01 open Liabilities:Payable:HostCo USD
2026-10-03 * "HostCo" "Hosting October" ^BILL-1
  Liabilities:Payable:HostCo  -120.00 USD
  Expenses:Hosting
"""


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--format", "html"],
        ["--format", "json"],
        ["--out", "OUT"],
        ["--format", "html", "--out", "OUT"],
        ["--manager", "lan"],
        ["--manager", "lan", "--out", "OUT"],
        ["--period", "2026-Q3", "--out", "OUT"],
    ],
)
def test_books_with_vendors_only_have_no_clients_to_review_and_that_is_not_an_error(tmp_path: Path, args: list[str]) -> None:
    books = make_books(tmp_path / "books", ledger=VENDOR_LEDGER, profiles=VENDOR_ONLY)
    out = tmp_path / "reviews"
    result = run_cli("review", *[str(out) if a == "OUT" else a for a in args], books=books, as_of="2026-11-30")
    assert result.exit_code == 0, result.stderr
    assert "no clients to review" in result.stderr
    assert not out.exists()  # no files, not even an index
    if "json" in args:
        assert result.json()["clients"] == {} and result.json()["portfolios"] == {}
    else:
        assert result.output == ""


def test_books_with_no_parties_at_all_have_no_clients_to_review(tmp_path: Path) -> None:
    books = make_books(tmp_path / "books")
    result = run_cli("review", "--out", str(tmp_path / "reviews"), books=books, as_of="2026-11-30")
    assert result.exit_code == 0 and "no clients to review" in result.stderr
    assert not (tmp_path / "reviews").exists()


def test_a_manager_without_active_clients_has_nothing_to_review(tmp_path: Path) -> None:
    churned = """\
        id: oldco
        name: Old Co
        kind: client
        status: churned
        manager: tom
        accounts: {receivable: Assets:Receivable:OldCo}
        """
    books = make_books(tmp_path / "books", ledger="2025-01-01 open Assets:Receivable:OldCo USD\n" + VENDOR_LEDGER, profiles={**VENDOR_ONLY, "oldco": churned})
    for manager in ("tom", "lan"):
        result = run_cli("review", "--manager", manager, "--out", str(tmp_path / "reviews"), books=books, as_of="2026-11-30")
        assert result.exit_code == 0, result.stderr
        assert f"no clients to review for manager '{manager}'" in result.stderr
    assert not (tmp_path / "reviews").exists()


def test_an_unknown_party_or_manager_is_still_a_usage_error(tmp_path: Path) -> None:
    books = make_books(tmp_path / "books", ledger=VENDOR_LEDGER, profiles=VENDOR_ONLY)
    result = run_cli("review", "nobody", books=books, as_of="2026-11-30")
    assert result.exit_code == 2 and "no party with id 'nobody'" in result.stderr
    result = run_cli("review", "--manager", "lna", "--out", str(tmp_path / "reviews"), books=books, as_of="2026-11-30")
    assert result.exit_code == 2 and "no party has manager 'lna'" in result.stderr and "lan" in result.stderr
    assert not (tmp_path / "reviews").exists()


def test_named_parties_that_the_manager_does_not_manage_are_a_usage_error() -> None:
    result = run_cli("review", "acme", "--manager", "tom", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 2 and "manages none of acme" in result.stderr


@pytest.mark.parametrize(
    ("period", "eve"),
    [
        (("--period", "2026-Q4"), "2026-09-30"),  # the eve of a quarter: a month end the health history reads too
        (("--from", "2026-07-15", "--to", "2026-11-30"), "2026-07-14"),  # a custom period's: no month end
    ],
)
def test_the_health_before_the_period_is_the_score_clients_show_gives_on_its_eve(period: tuple[str, ...], eve: str) -> None:
    """The review's "health at the end of the previous period" is the health score that
    ``clients show --as-of <the day before the period>`` shows, client by client."""
    import json

    found = run_cli("review", *period, "--format", "json", books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert found.exit_code == 0, found.output
    reviews = json.loads(found.output)["clients"]
    assert len(reviews) >= 3
    for pid, review in reviews.items():
        shown = run_cli("clients", "show", pid, "--format", "json", books=EXAMPLES, as_of=eve)
        assert shown.exit_code == 0, shown.output
        health = json.loads(shown.output)["client"]["health"]
        before = review["health_previous"]
        assert (before["score"], before["band"]) == (health["score"], health["band"]), pid
