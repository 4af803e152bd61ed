"""``acct-tool init`` scaffolds books that pass ``check``; ``clients new`` adds valid profiles.

The end-to-end test runs the real programs as a user would on a fresh machine:
``acct-tool init``, ``acct-tool check``, ``git init``, ``pre-commit run
--all-files`` (pre-commit and check-jsonschema come with the ``test`` extra).
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import build_wheel, run_cli

from acct_tool.books.profiles import load_party
from acct_tool.books.schema import load_schema
from acct_tool.render.render_scaffold import FILES, SCHEMA_FOLDER, render_scaffold

AS_OF = "2026-11-30"
BIN = Path(sys.executable).parent
EXPECTED = sorted(
    [
        ".github/workflows/books.yml",
        ".gitignore",
        ".pre-commit-config.yaml",
        ".schema/party.schema.json",
        ".schema/settings.schema.json",
        "acct-tool.yaml",
        "clients/acme.yaml",
        "clients/hostco.yaml",
        "ledger/main.beancount",
    ]
)


def files_in(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and ".git" not in p.relative_to(root).parts)


def init(target: Path, *args: str, as_of: str = AS_OF) -> Path:
    result = run_cli("init", str(target), *args, as_of=as_of)
    assert result.exit_code == 0, result.stderr
    return target


@pytest.fixture
def scaffold(tmp_path: Path) -> Path:
    return init(tmp_path / "books")


def tool_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a fresh shell with acct-tool installed: its bin folder on PATH, no books set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACCT_TOOL", "GIT_", "PRE_COMMIT"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    env["HOME"] = str(tmp_path / "home")
    (tmp_path / "home").mkdir(exist_ok=True)
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    return env


# --- what init writes --------------------------------------------------------------------------


def test_init_writes_the_books_files_and_lists_them(tmp_path: Path) -> None:
    result = run_cli("init", str(tmp_path / "books"), as_of=AS_OF)
    assert result.exit_code == 0
    assert sorted(line.removeprefix("wrote ") for line in result.output.splitlines()) == EXPECTED
    assert files_in(tmp_path / "books") == EXPECTED
    assert "acct-tool check" in result.stderr and "pre-commit install" in result.stderr


def test_scaffold_passes_check_strictly_and_reconciles(scaffold: Path) -> None:
    for fmt in ("text", "json"):
        result = run_cli("check", "--strict", "--format", fmt, books=scaffold, as_of=AS_OF)
        assert result.exit_code == 0, result.output
    assert run_cli("check", "--format", "json", books=scaffold, as_of=AS_OF).json() == []
    for side in ("ar", "ap"):
        result = run_cli("reconcile", side, "--format", "json", books=scaffold, as_of=AS_OF)
        assert result.exit_code == 0
        ties = result.json()["ties"]
        assert ties and all(t["ok"] for t in ties)
        assert result.json()["diagnostics"] == []


def test_scaffold_has_the_examples_the_guide_promises(scaffold: Path) -> None:
    ledger = (scaffold / "ledger" / "main.beancount").read_text()
    for account in ("Assets:Bank:Operating", "Assets:Receivable:Acme", "Liabilities:Payable:HostCo", "Income:Services", "Expenses:Hosting"):
        assert re.search(rf"^\d{{4}}-\d\d-\d\d open {account}\b", ledger, re.M), account
    assert 'credit_note: "CN-0001"' in ledger and " balance Assets:Bank:Operating" in ledger
    opened = run_cli("open", "ar", "--format", "json", books=scaffold, as_of=AS_OF).json()
    assert [d["document"] for d in opened["documents"]] == ["INV-0002"]
    bills = run_cli("open", "ap", "--format", "json", books=scaffold, as_of=AS_OF).json()
    assert [d["document"] for d in bills["documents"]] == ["BILL-HOSTCO-0002"]
    parties = run_cli("clients", "list", "--format", "json", books=scaffold, as_of=AS_OF).json()
    assert {p["id"]: p["kind"] for p in parties["clients"]} == {"acme": "client", "hostco": "vendor"}


@pytest.mark.parametrize("as_of", ["2024-02-29", "2026-01-01", "2026-03-31", "2027-12-31", "2031-07-15"])
def test_scaffold_passes_check_whatever_the_date(tmp_path: Path, as_of: str) -> None:
    root = init(tmp_path / "books", as_of=as_of)
    assert run_cli("check", "--strict", books=root, as_of=as_of).exit_code == 0
    for side in ("ar", "ap"):
        assert run_cli("reconcile", side, books=root, as_of=as_of).exit_code == 0
    # every example entry is on or before the as-of date, so nothing waits for "today"
    dates = re.findall(r"^(\d{4}-\d\d-\d\d) ", (root / "ledger" / "main.beancount").read_text(), re.M)
    assert max(dates) <= as_of


def test_followups_and_reviews_run_on_the_scaffold(scaffold: Path, tmp_path: Path) -> None:
    assert run_cli("followups", "--fail-on", "overdue", books=scaffold, as_of=AS_OF).exit_code == 0
    for command in (["aging", "ar"], ["dso", "ar"], ["portfolio"], ["clients", "show", "acme"], ["statement", "hostco"]):
        assert run_cli(*command, books=scaffold, as_of=AS_OF).exit_code == 0, command
    out = tmp_path / "reviews"
    assert run_cli("review", "--format", "html", "--out", str(out), books=scaffold, as_of=AS_OF).exit_code == 0
    assert (out / "review-acme.html").is_file()


def test_scaffold_is_reproducible_for_an_as_of_date(tmp_path: Path) -> None:
    first, second = init(tmp_path / "a" / "books"), init(tmp_path / "b" / "books")
    for name in EXPECTED:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_scaffold_schemas_are_the_ones_acct_tool_prints(scaffold: Path) -> None:
    for name in ("party", "settings"):
        printed = run_cli("schema", name).output
        assert (scaffold / SCHEMA_FOLDER / f"{name}.schema.json").read_text() == printed
        assert json.loads(printed) == load_schema(name)


def test_yaml_files_point_editors_at_the_schemas(scaffold: Path) -> None:
    settings = (scaffold / "acct-tool.yaml").read_text()
    assert settings.startswith("# yaml-language-server: $schema=.schema/settings.schema.json\n")
    for profile in ("acme", "hostco"):
        first = (scaffold / "clients" / f"{profile}.yaml").read_text().splitlines()[0]
        target = first.removeprefix("# yaml-language-server: $schema=")
        assert target != first and (scaffold / "clients" / target).resolve() == (scaffold / ".schema" / "party.schema.json").resolve()


def test_settings_file_is_commented_and_spells_out_the_defaults(scaffold: Path) -> None:
    text = (scaffold / "acct-tool.yaml").read_text()
    assert sum(line.startswith("#") for line in text.splitlines()) > 20
    data = yaml.safe_load(text)
    assert data["ledger"] == "ledger/main.beancount" and data["profiles"] == "clients"
    assert data["aging_limits"] == [30, 60, 90] and data["payment_days"] == 30


def test_gitignore_ignores_junk_and_beancount_caches_but_not_the_books(scaffold: Path) -> None:
    patterns = [line for line in (scaffold / ".gitignore").read_text().splitlines() if line and not line.startswith("#")]
    assert ".DS_Store" in patterns and ".*.picklecache" in patterns
    assert not any(p.startswith(("ledger", "clients", "*.yaml", "*.beancount", "reviews", "*.csv")) for p in patterns)


def test_options_currency_and_manager(tmp_path: Path) -> None:
    root = init(tmp_path / "books", "--currency", "EUR", "--manager", "lan")
    assert 'option "operating_currency" "EUR"' in (root / "ledger" / "main.beancount").read_text()
    assert "manager: lan" in (root / "clients" / "acme.yaml").read_text()
    assert run_cli("check", "--strict", books=root, as_of=AS_OF).exit_code == 0
    bad = run_cli("init", str(tmp_path / "x"), "--currency", "usd", as_of=AS_OF)
    assert bad.exit_code == 2 and "currency" in bad.stderr
    bad = run_cli("init", str(tmp_path / "y"), "--manager", "Lan Vo", as_of=AS_OF)
    assert bad.exit_code == 2 and "--manager" in bad.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


# --- refusing and keeping ----------------------------------------------------------------------


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    target = tmp_path / "books"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n")
    result = run_cli("init", str(target), as_of=AS_OF)
    assert result.exit_code == 2
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert files_in(target) == ["notes.txt"]


def test_a_folder_with_only_git_counts_as_empty(tmp_path: Path) -> None:
    target = tmp_path / "books"
    (target / ".git").mkdir(parents=True)
    init(target)
    assert files_in(target) == EXPECTED


def test_force_adds_files_but_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "books"
    (target / "clients").mkdir(parents=True)
    (target / "acct-tool.yaml").write_text("payment_days: 14\n")
    (target / "notes.txt").write_text("mine\n")
    result = run_cli("init", str(target), "--force", as_of=AS_OF)
    assert result.exit_code == 0
    assert "kept acct-tool.yaml" in result.output.splitlines()
    assert "wrote ledger/main.beancount" in result.output.splitlines()
    assert (target / "acct-tool.yaml").read_text() == "payment_days: 14\n"
    assert (target / "notes.txt").read_text() == "mine\n"
    assert files_in(target) == sorted(EXPECTED + ["notes.txt"])
    # running it again changes nothing
    again = run_cli("init", str(target), "--force", as_of=AS_OF)
    assert again.exit_code == 0 and all(line.startswith("kept ") for line in again.output.splitlines())


@pytest.mark.parametrize("ledger", ["books.beancount", "ledger/2024.beancount", "ledger/main.beancount"])
def test_init_next_to_an_existing_ledger_points_at_adopt_and_writes_nothing(tmp_path: Path, ledger: str) -> None:
    target = tmp_path / "books"
    (target / ledger).parent.mkdir(parents=True, exist_ok=True)
    (target / ledger).write_text('option "title" "Ours"\n')
    for args in ([], ["--force"]):
        result = run_cli("init", str(target), *args, as_of=AS_OF)
        assert result.exit_code == 2
        assert f"already holds a ledger ({ledger})" in result.stderr
        assert f"acct-tool --books {target} adopt" in result.stderr
        assert files_in(target) == [ledger]


def test_init_in_the_working_directory_next_to_a_ledger_says_adopt_without_books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "books.beancount").write_text("")
    monkeypatch.chdir(tmp_path)
    result = run_cli("init", ".", "--force", as_of=AS_OF)
    assert result.exit_code == 2 and "run: acct-tool adopt" in result.stderr
    assert files_in(tmp_path) == ["books.beancount"]


def test_refuses_a_file_as_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "books"
    target.write_text("")
    result = run_cli("init", str(target), as_of=AS_OF)
    assert result.exit_code == 2 and "is a file" in result.stderr
    assert target.read_text() == ""


def test_init_needs_no_books_and_ignores_books_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCT_TOOL_BOOKS", str(tmp_path / "missing"))
    monkeypatch.chdir(tmp_path)
    result = run_cli("init", "new-books", as_of=AS_OF)
    assert result.exit_code == 0
    assert files_in(tmp_path / "new-books") == EXPECTED


def test_every_scaffold_file_ships_with_the_package() -> None:
    folder = Path(__file__).resolve().parent.parent / "acct_tool" / "scaffold"
    assert sorted(p.name for p in folder.iterdir()) == sorted(source for source, _ in FILES)
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert '"scaffold/*"' in pyproject


# --- the generated workflow and pre-commit config ----------------------------------------------


def test_workflow_runs_check_with_annotations_and_reconciles(scaffold: Path) -> None:
    workflow = yaml.safe_load((scaffold / ".github" / "workflows" / "books.yml").read_text())
    steps = workflow["jobs"]["check"]["steps"]
    runs = [step.get("run") for step in steps]
    assert "acct-tool check --format github" in runs
    assert "acct-tool reconcile ar" in runs and "acct-tool reconcile ap" in runs
    assert {"push", "pull_request"} <= set(workflow[True] if True in workflow else workflow["on"])


@pytest.mark.skipif(importlib.util.find_spec("check_jsonschema") is None, reason="check-jsonschema is not installed (pip install -e '.[test]')")
def test_workflow_is_valid_for_github_actions(scaffold: Path) -> None:
    workflow = scaffold / ".github" / "workflows" / "books.yml"
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(importlib.util.find_spec("check_jsonschema") is None, reason="check-jsonschema is not installed (pip install -e '.[test]')")
def test_the_workflow_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    """The validation above is not vacuous: a workflow without `runs-on` fails it."""
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  check:\n    steps:\n      - run: acct-tool check\n")
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(broken)], capture_output=True)
    assert result.returncode != 0


def test_pre_commit_config_is_a_local_system_hook(scaffold: Path) -> None:
    config = yaml.safe_load((scaffold / ".pre-commit-config.yaml").read_text())
    [repo] = config["repos"]
    [hook] = repo["hooks"]
    assert repo["repo"] == "local"
    assert hook["language"] == "system" and hook["entry"] == "acct-tool check" and hook["pass_filenames"] is False
    assert hook["always_run"] is True
    files = re.compile(hook["files"])
    assert all(files.search(name) for name in ("ledger/main.beancount", "clients/acme.yaml", "x.yml", "statements/oct.csv"))
    assert not any(files.search(name) for name in ("README.md", ".schema/party.schema.json"))


# --- the annotations format ---------------------------------------------------------------------


def test_check_github_annotations_on_scaffolded_books(scaffold: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = scaffold / "clients" / "acme.yaml"
    profile.write_text(profile.read_text().replace("tier: key ", "tier: gold"))
    monkeypatch.chdir(scaffold)
    result = run_cli("check", "--format", "github", as_of=AS_OF)
    assert result.exit_code == 1
    line = next(n for n, text in enumerate(profile.read_text().splitlines(), 1) if text.startswith("tier:"))
    assert result.output == f"::error file=clients/acme.yaml,line={line},col=7,title=bad-value::tier: 'gold' is not one of key, strategic, standard\n"
    pattern = re.compile(r"^::(error|warning) (file=[^,:]+(,line=\d+(,col=\d+)?)?,)?title=[a-z-]+::.+$")
    assert all(pattern.match(text) for text in result.output.splitlines())


# --- end to end, as on a fresh machine -----------------------------------------------------------


def test_init_check_git_pre_commit_end_to_end(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if importlib.util.find_spec("pre_commit") is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    env = tool_env(tmp_path)
    acct_tool = str(BIN / "acct-tool")

    def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=300)

    done = run(acct_tool, "init", "x", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    books = tmp_path / "x"
    for command in (["check"], ["check", "--strict"], ["reconcile", "ar"], ["reconcile", "ap"]):
        done = run(acct_tool, *command, cwd=books)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    assert run("git", "init", "-q", cwd=books).returncode == 0
    # exactly as in the issue: right after `git init`, nothing staged yet (the hook always runs)
    done = run(sys.executable, "-m", "pre_commit", "run", "--all-files", cwd=books)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"acct-tool check\.+Passed", done.stdout), done.stdout
    assert run("git", "add", "-A", cwd=books).returncode == 0
    done = run(sys.executable, "-m", "pre_commit", "run", "--all-files", cwd=books)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"acct-tool check\.+Passed", done.stdout), done.stdout

    # and the hook fails the commit when the books are broken
    profile = books / "clients" / "acme.yaml"
    profile.write_text(profile.read_text().replace("kind: client", "kind: customer"))
    assert run("git", "add", "-A", cwd=books).returncode == 0
    done = run(sys.executable, "-m", "pre_commit", "run", "--all-files", cwd=books)
    assert done.returncode == 1
    assert "bad-value" in done.stdout and "Failed" in done.stdout


# --- clients new --------------------------------------------------------------------------------


def test_clients_new_writes_a_valid_profile_with_a_schema_header(scaffold: Path) -> None:
    result = run_cli("clients", "new", "harbor-logistics", "--name", "Harbor Logistics", "--manager", "tom", books=scaffold, as_of=AS_OF)
    assert result.exit_code == 0, result.stderr
    assert result.output == "wrote clients/harbor-logistics.yaml\n"
    path = scaffold / "clients" / "harbor-logistics.yaml"
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=../.schema/party.schema.json\n")
    party, problems = load_party(path, "clients/harbor-logistics.yaml")
    assert problems == [] and party is not None
    assert (party.id, party.name, party.kind, party.manager, party.receivable) == (
        "harbor-logistics",
        "Harbor Logistics",
        "client",
        "tom",
        "Assets:Receivable:HarborLogistics",
    )
    assert "open Assets:Receivable:HarborLogistics" in result.stderr
    # the only remaining problem is the account the ledger has yet to open
    codes = {d["code"] for d in run_cli("check", "--format", "json", books=scaffold, as_of=AS_OF).json()}
    assert codes == {"account-not-opened"}


def test_clients_new_vendor_passes_check_once_its_account_is_opened(scaffold: Path) -> None:
    result = run_cli("clients", "new", "cloudnest", "--name", "CloudNest Hosting", "--kind", "vendor", books=scaffold, as_of=AS_OF)
    assert result.exit_code == 0
    assert "payable: Liabilities:Payable:Cloudnest" in (scaffold / "clients" / "cloudnest.yaml").read_text()
    with (scaffold / "ledger" / "main.beancount").open("a") as ledger:
        ledger.write("\n2026-11-01 open Liabilities:Payable:Cloudnest USD\n")
    assert run_cli("check", "--strict", books=scaffold, as_of=AS_OF).exit_code == 0


def test_clients_new_prospect_has_no_account_and_passes_check(scaffold: Path) -> None:
    result = run_cli("clients", "new", "solstice", "--name", "Solstice Health", "--status", "prospect", books=scaffold, as_of=AS_OF)
    assert result.exit_code == 0 and result.stderr == ""
    assert "accounts:" not in (scaffold / "clients" / "solstice.yaml").read_text()
    assert run_cli("check", "--strict", books=scaffold, as_of=AS_OF).exit_code == 0


@pytest.mark.parametrize("name", ["Quill & Ink", "yes", "Café Müller GmbH", "A: B", "#1 Bakery", '"Quoted"', "O'Brien", "3M", "  Spaced  "])
def test_clients_new_keeps_any_name_exactly(scaffold: Path, name: str) -> None:
    assert run_cli("clients", "new", "some-party", "--name", name, "--status", "prospect", books=scaffold, as_of=AS_OF).exit_code == 0
    party, problems = load_party(scaffold / "clients" / "some-party.yaml", "clients/some-party.yaml")
    assert problems == [] and party is not None and party.name == name.strip()


def test_clients_new_refuses_an_existing_id_anywhere_in_the_profiles(scaffold: Path) -> None:
    before = (scaffold / "clients" / "acme.yaml").read_text()
    result = run_cli("clients", "new", "acme", "--name", "Another ACME", books=scaffold, as_of=AS_OF)
    assert result.exit_code == 2 and "already exists: clients/acme.yaml" in result.stderr
    assert (scaffold / "clients" / "acme.yaml").read_text() == before
    (scaffold / "clients" / "archive").mkdir()
    (scaffold / "clients" / "archive" / "old.yml").write_text("id: old\nname: Old\nkind: client\nstatus: prospect\n")
    result = run_cli("clients", "new", "old", "--name", "Old again", books=scaffold, as_of=AS_OF)
    assert result.exit_code == 2 and "clients/archive/old.yml" in result.stderr
    assert not (scaffold / "clients" / "old.yaml").exists()


@pytest.mark.parametrize("party_id", ["ACME", "acme corp", "-acme", "acme-", "../acme", "a" * 65, "con", "nul"])
def test_clients_new_refuses_an_invalid_id(scaffold: Path, party_id: str) -> None:
    result = run_cli("clients", "new", party_id, "--name", "X", books=scaffold, as_of=AS_OF)
    assert result.exit_code == 2
    assert files_in(scaffold) == EXPECTED


def test_clients_new_refuses_bad_options(scaffold: Path) -> None:
    assert run_cli("clients", "new", "zeta", "--name", "  ", books=scaffold, as_of=AS_OF).exit_code == 2
    assert run_cli("clients", "new", "zeta", "--name", "Zeta", "--manager", "Tom Reyes", books=scaffold, as_of=AS_OF).exit_code == 2
    assert run_cli("clients", "new", "zeta", books=scaffold, as_of=AS_OF).exit_code == 2  # --name is required
    assert files_in(scaffold) == EXPECTED


def test_clients_new_without_the_schema_file_says_how_to_write_it(scaffold: Path) -> None:
    shutil.rmtree(scaffold / ".schema")
    result = run_cli("clients", "new", "zeta", "--name", "Zeta", "--status", "prospect", books=scaffold, as_of=AS_OF)
    assert result.exit_code == 0
    head = (scaffold / "clients" / "zeta.yaml").read_text().splitlines()[:2]
    assert head == [
        "# yaml-language-server: $schema=../.schema/party.schema.json",
        "# (for editor validation, write the schema once: acct-tool schema party > .schema/party.schema.json)",
    ]
    assert "acct-tool schema party > .schema/party.schema.json" in result.stderr
    assert not (scaffold / ".schema").exists()


def test_clients_new_in_a_subfolder_profiles_setting(tmp_path: Path) -> None:
    root = tmp_path / "books"
    (root / "crm" / "parties").mkdir(parents=True)
    (root / ".schema").mkdir()
    (root / ".schema" / "party.schema.json").write_text("{}")
    (root / "acct-tool.yaml").write_text("profiles: crm/parties\nreceivable_root: Assets:AR\n")
    result = run_cli("clients", "new", "acme", "--name", "ACME", books=root, as_of=AS_OF)
    assert result.exit_code == 0 and result.output == "wrote crm/parties/acme.yaml\n"
    text = (root / "crm" / "parties" / "acme.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../../.schema/party.schema.json\n")
    assert "receivable: Assets:AR:Acme" in text


def test_clients_new_needs_the_profiles_folder(tmp_path: Path) -> None:
    root = tmp_path / "books"
    root.mkdir()
    (root / "acct-tool.yaml").write_text("")
    result = run_cli("clients", "new", "acme", "--name", "ACME", books=root, as_of=AS_OF)
    assert result.exit_code == 2 and "clients/ does not exist" in result.stderr


def test_log_works_on_a_profile_from_clients_new(scaffold: Path) -> None:
    run_cli("clients", "new", "zeta", "--name", "Zeta", "--status", "prospect", books=scaffold, as_of=AS_OF)
    result = run_cli("log", "zeta", "--channel", "call", "--summary", "Intro call", books=scaffold, as_of=AS_OF)
    assert result.exit_code == 0, result.stderr
    party, problems = load_party(scaffold / "clients" / "zeta.yaml", "clients/zeta.yaml")
    assert problems == [] and party is not None and [i.summary for i in party.interactions] == ["Intro call"]


def test_clients_new_on_the_examples_touches_nothing_else(examples_copy: Path) -> None:
    before = {p: p.read_bytes() for p in examples_copy.rglob("*") if p.is_file()}
    result = run_cli("clients", "new", "zeta-labs", "--name", "Zeta Labs", "--manager", "lan", books=examples_copy, as_of=AS_OF)
    assert result.exit_code == 0
    after = {p: p.read_bytes() for p in examples_copy.rglob("*") if p.is_file()}
    assert set(after) - set(before) == {examples_copy / "clients" / "zeta-labs.yaml"}
    assert all(after[p] == before[p] for p in before)


def test_render_scaffold_dates_are_relative_to_the_day() -> None:
    files = render_scaffold(datetime.date(2026, 11, 30), title="t")
    assert '2026-11-22 * "ACME Manufacturing" "Website redesign, phase 2" ^INV-0002' in files["ledger/main.beancount"]


def test_a_non_editable_wheel_install_scaffolds_books(tmp_path: Path) -> None:
    """The scaffold ships inside the package: build a wheel, install it alone, init, check."""
    wheel = build_wheel(tmp_path)
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)], check=True)
    env = {**tool_env(tmp_path), "PYTHONPATH": str(target)}
    program = "import acct_tool, sys; assert 'site' in acct_tool.__file__, acct_tool.__file__; from acct_tool.cli import main; sys.argv=['acct-tool', *sys.argv[1:]]; main()"
    for args in (["--as-of", AS_OF, "init", "books"], ["--as-of", AS_OF, "--books", "books", "check", "--strict"]):
        done = subprocess.run([sys.executable, "-c", program, *args], capture_output=True, text=True, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert files_in(tmp_path / "books") == EXPECTED
