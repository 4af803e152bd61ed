"""The user guide: generated pages match the code, links resolve, recipes work as written.

Regenerate the generated pages after changing a command's help or a schema::

    python -m acct_tool.render.cli_doc > docs/cli.md
    python -m acct_tool.render.schema_doc party > docs/profiles.md
    python -m acct_tool.render.schema_doc settings > docs/settings.md

or run this file with ``ACCT_TOOL_REGEN=1``.
"""

from __future__ import annotations

import csv
import datetime
import importlib.util
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, run_cli

from acct_tool.books.schema import load_schema
from acct_tool.cli import cli
from acct_tool.render import cli_doc, schema_doc
from acct_tool.render.render_scaffold import render_scaffold

DOCS = REPO / "docs"
DAY = datetime.date(2026, 11, 30)
BIN = Path(sys.executable).parent
GENERATED = {
    "cli.md": lambda: cli_doc.render(cli),
    "profiles.md": lambda: schema_doc.render("party"),
    "settings.md": lambda: schema_doc.render("settings"),
}
REGENERATE = {
    "cli.md": "python -m acct_tool.render.cli_doc > docs/cli.md",
    "profiles.md": "python -m acct_tool.render.schema_doc party > docs/profiles.md",
    "settings.md": "python -m acct_tool.render.schema_doc settings > docs/settings.md",
}


# --- generated pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("page", GENERATED)
def test_generated_page_is_up_to_date(page: str) -> None:
    text = GENERATED[page]()
    if os.environ.get("ACCT_TOOL_REGEN"):
        (DOCS / page).write_text(text, encoding="utf-8")
    assert (DOCS / page).read_text(encoding="utf-8") == text, f"docs/{page} is stale: run `{REGENERATE[page]}`"


@pytest.mark.parametrize("page", GENERATED)
def test_generator_module_prints_the_page(page: str) -> None:
    command = REGENERATE[page].split(" > ")[0].split()[1:]
    done = subprocess.run([sys.executable, *command], capture_output=True, text=True, check=True, cwd=REPO, env={**os.environ, "COLUMNS": "40"})
    assert done.stdout == GENERATED[page]()


def test_cli_reference_has_every_command_with_its_help() -> None:
    text = cli_doc.render(cli)
    for path, _command, help_text in cli_doc.commands(cli):
        assert f"\n## `{path}`\n\n```text\n{help_text.rstrip()}\n```\n" in text
        assert f"[`{path}`](#{schema_doc.slug(path)})" in text


def test_cli_reference_does_not_depend_on_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    wide = cli_doc.render(cli)
    monkeypatch.setenv("COLUMNS", "30")
    assert cli_doc.render(cli) == wide


def _keys(node: Any, defs: dict[str, Any]) -> list[str]:
    """Every property name in a schema, nested ones included."""
    found: list[str] = []
    if not isinstance(node, dict):
        return found
    ref = node.get("$ref")
    if isinstance(ref, str) and defs[ref.rsplit("/", 1)[-1]].get("type") == "object":
        found += _keys(defs[ref.rsplit("/", 1)[-1]], defs)
    for key, child in (node.get("properties") or {}).items():
        found.append(key)
        found += _keys(child, defs)
    for sub in ("items", "additionalProperties"):
        found += _keys(node.get(sub), defs)
    return found


@pytest.mark.parametrize("name", ["party", "settings"])
def test_schema_reference_documents_every_key(name: str) -> None:
    schema = load_schema(name)
    text = schema_doc.render(name)
    for key in _keys(schema, schema.get("$defs", {})):
        assert f"| `{key}` |" in text, key
    for value in schema["properties"].get("kind", {}).get("enum", []):
        assert f"`{value}`" in text


def test_schema_reference_shows_defaults_and_required_keys() -> None:
    text = schema_doc.render("party")
    assert "| `status` | one of `prospect`, `active`, `paused`, `churned` |  | `active` |" in text
    assert "| `id` | [slug](#value-types) | yes |" in text
    settings = schema_doc.render("settings")
    assert "| `aging_limits` | list of whole numbers 1–3650 |  | `[30, 60, 90]` |" in settings
    assert "## `statements.formats.<name>`" in settings


def test_schema_doc_module_needs_a_schema_name() -> None:
    done = subprocess.run([sys.executable, "-m", "acct_tool.render.schema_doc"], capture_output=True, text=True)
    assert done.returncode != 0 and "party|settings" in done.stderr


# --- the guide and its links ---------------------------------------------------------------------


def test_the_guide_links_every_page() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    for page in sorted(DOCS.glob("*.md")):
        if page.name != "index.md":
            assert f"]({page.name})" in index, f"docs/index.md does not link {page.name}"


def _headings(text: str) -> set[str]:
    """The anchors GitHub makes for a page's headings (code blocks skipped)."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6} (.+)$", text, re.M):
        base = schema_doc.slug(heading.replace("`", ""))
        anchor, n = base, 0
        while anchor in anchors:
            n += 1
            anchor = f"{base}-{n}"
        anchors.add(anchor)
    return anchors


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md")))
def test_relative_links_resolve(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    prose = re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", text, flags=re.S))
    for target in re.findall(r"\]\(([^)\s]+)\)", prose):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        path = DOCS / file if file else DOCS / page
        assert path.is_file(), f"{page}: link to missing {file}"
        if anchor and path.suffix == ".md":
            assert anchor in _headings(path.read_text(encoding="utf-8")), f"{page}: no heading #{anchor} in {path.name}"


def test_the_guide_says_where_caches_live() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    assert "$XDG_CACHE_HOME/acct-tool" in index and "~/.cache/acct-tool" in index
    assert "picklecache" in index


# --- recipes ----------------------------------------------------------------------------------------


def _block_after(text: str, marker: str, lang: str) -> str:
    """The first ```lang code block after ``marker``."""
    start = text.index(marker)
    found = re.search(rf"```{lang}\n(.*?)```", text[start:], re.S)
    assert found, f"no {lang} block after {marker!r}"
    return found.group(1)


RECIPES = (DOCS / "recipes.md").read_text(encoding="utf-8") if (DOCS / "recipes.md").exists() else ""


def test_recipes_show_the_files_init_writes() -> None:
    files = render_scaffold(DAY, title="books")
    pre_commit = yaml.safe_load(_block_after(RECIPES, "## pre-commit", "yaml"))
    assert pre_commit == yaml.safe_load(files[".pre-commit-config.yaml"])
    workflow = yaml.safe_load(_block_after(RECIPES, "## GitHub Actions", "yaml"))
    assert workflow == yaml.safe_load(files[".github/workflows/books.yml"])


def test_hook_source_matches_the_local_hook() -> None:
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    [local] = yaml.safe_load(render_scaffold(DAY, title="t")[".pre-commit-config.yaml"])["repos"][0]["hooks"]
    assert hook["id"] == local["id"] == "acct-tool-check"
    for key in ("entry", "pass_filenames", "always_run", "files"):
        assert hook[key] == local[key], key
    assert hook["language"] == "python"
    assert "id: acct-tool-check" in RECIPES and "`language: python`" in RECIPES


@pytest.mark.skipif(importlib.util.find_spec("pre_commit") is None, reason="pre-commit is not installed (pip install -e '.[test]')")
def test_pre_commit_accepts_the_hook_manifest_and_the_config(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(REPO / ".pre-commit-hooks.yaml")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(render_scaffold(DAY, title="t")[".pre-commit-config.yaml"])
    done = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", str(config)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(
    not os.environ.get("ACCT_TOOL_NETWORK_TESTS"), reason="pre-commit installs acct-tool and its dependencies from PyPI: set ACCT_TOOL_NETWORK_TESTS=1"
)
def test_this_repository_works_as_a_hook_source(tmp_path: Path) -> None:
    """pre-commit clones a git repository: commit a copy of this one, then try its hook on new books."""
    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com"]
    source = tmp_path / "acct-tool"
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    for name in listed.splitlines():
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((REPO / name).read_bytes())
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "source"]):
        subprocess.run([*git, *command], cwd=source, check=True)
    books = tmp_path / "books"
    assert run_cli("init", str(books)).exit_code == 0
    subprocess.run([*git, "init", "-q"], cwd=books, check=True)
    subprocess.run([*git, "add", "-A"], cwd=books, check=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(source), "acct-tool-check", "--all-files"],
        cwd=books,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout


def _books_with_client_csv(tmp_path: Path) -> Path:
    books = tmp_path / "books"
    assert run_cli("init", str(books), as_of="2026-11-30").exit_code == 0
    table = _block_after(RECIPES, "exported as `clients.csv`", "text")
    (books / "clients.csv").write_text(table, encoding="utf-8")
    return books


def _run_snippet(books: Path, marker: str) -> subprocess.CompletedProcess[str]:
    code = _block_after(RECIPES, marker, "python")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("ACCT_TOOL_BOOKS", None)
    return subprocess.run([sys.executable, "-c", code], cwd=books, env=env, capture_output=True, text=True, timeout=120)


def _check_codes(books: Path) -> set[str]:
    return {d["code"] for d in run_cli("check", "--format", "json", books=books, as_of="2026-11-30").json()}


def test_recipe_import_with_clients_new(tmp_path: Path) -> None:
    books = _books_with_client_csv(tmp_path)
    done = _run_snippet(books, "**With `acct-tool clients new`**")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO((books / "clients.csv").read_text())))
    for row in rows:
        party_id = re.sub(r"[^a-z0-9]+", "-", row["name"].lower()).strip("-")
        assert (books / "clients" / f"{party_id}.yaml").is_file()
    assert "next: open Assets:Receivable:AcmeManufacturing" in done.stderr
    assert _check_codes(books) == {"account-not-opened"}
    again = _run_snippet(books, "**With `acct-tool clients new`**")
    assert again.returncode == 0 and again.stderr.count("already exists") == len(rows)


def test_recipe_import_writing_yaml(tmp_path: Path) -> None:
    books = _books_with_client_csv(tmp_path)
    done = _run_snippet(books, "**Writing the YAML yourself**")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("wrote clients/") == 3
    assert _check_codes(books) == {"account-not-opened"}
    with (books / "ledger" / "main.beancount").open("a") as ledger:
        for account in ("Assets:Receivable:AcmeManufacturing", "Assets:Receivable:HarborLogistics", "Liabilities:Payable:CloudnestHosting"):
            ledger.write(f"2026-11-01 open {account} USD\n")
    assert _check_codes(books) == set()


# --- shell completion --------------------------------------------------------------------------------


def _complete(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    program = BIN / "acct-tool"
    if not program.exists():
        pytest.skip("acct-tool is not installed in this environment")
    return subprocess.run([str(program)], env={**os.environ, **env}, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_script_for_each_shell(shell: str) -> None:
    done = _complete({"_ACCT_TOOL_COMPLETE": f"{shell}_source"})
    assert done.returncode == 0 and "_ACCT_TOOL_COMPLETE" in done.stdout
    page = (DOCS / "completion.md").read_text(encoding="utf-8")
    assert f"## {shell}" in page and f"_ACCT_TOOL_COMPLETE={shell}_source acct-tool" in page


def test_completion_completes_commands_and_choices() -> None:
    done = _complete({"_ACCT_TOOL_COMPLETE": "bash_complete", "COMP_WORDS": "acct-tool ag", "COMP_CWORD": "1"})
    assert done.stdout.split() == ["plain,aging"]
    done = _complete({"_ACCT_TOOL_COMPLETE": "bash_complete", "COMP_WORDS": "acct-tool aging ar --format ", "COMP_CWORD": "4"})
    assert sorted(done.stdout.split()) == ["plain,csv", "plain,json", "plain,table"]
    done = _complete({"_ACCT_TOOL_COMPLETE": "bash_complete", "COMP_WORDS": "acct-tool clients ", "COMP_CWORD": "2"})
    assert sorted(done.stdout.split()) == ["plain,list", "plain,new", "plain,show"]


def test_annotation_examples_in_the_recipes_have_the_real_shape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The recipe's two annotations are what `check --format github` prints for that mistake."""
    books = tmp_path / "books"
    assert run_cli("init", str(books), as_of="2026-11-30").exit_code == 0
    profile = books / "clients" / "acme.yaml"
    profile.write_text(profile.read_text().replace("tier: key ", "tier: gold"))
    with (books / "ledger" / "main.beancount").open("a") as ledger:
        ledger.write('\n2026-11-01 open Assets:Receivable:Zeta USD\n2026-11-02 * "Zeta" "x" ^INV-9\n  Assets:Receivable:Zeta  10 USD\n  Income:Services\n')
    monkeypatch.chdir(books)
    printed = run_cli("check", "--format", "github", as_of="2026-11-30").output.splitlines()
    shown = [line for line in RECIPES.splitlines() if line.startswith("::")]
    assert len(shown) == 2
    strip = re.compile(r"line=\d+")
    assert [strip.sub("line=N", line) for line in shown] == [strip.sub("line=N", line) for line in printed]
