"""Compiled templates kept in the cache: a later run renders from them, and renders exactly
what compiling again would; changed source, a damaged file or the cache turned off mean
compiling again (or keeping nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES_AS_OF, count_forks, run_cli

from acct_tool.books import aside
from acct_tool.render import reports
from acct_tool.render.template_sandbox import Sandbox


def _count_compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A list that gets a template's name each time Jinja compiles one from now on."""
    compiled: list[str] = []
    real = Sandbox.compile

    def compile_(self: Sandbox, source: Any, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append(name or "")
        return real(self, source, name, *args, **kwargs)

    monkeypatch.setattr(Sandbox, "compile", compile_)
    return compiled


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_review_rendered_again_reads_its_compiled_templates_and_writes_the_same_files(
    examples_copy: Path, cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(aside.ENV_OFF, "1")  # compiled in this process, where it is counted
    compiled = _count_compiles(monkeypatch)
    first = run_cli("review", "--format", "html", "--out", str(tmp_path / "first"), books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert first.exit_code == 0, first.output
    assert "review.html.j2" in compiled
    assert len(compiled) == len(set(compiled)), "a template was compiled twice"
    assert list((cache_dir / "templates").glob("template-*.bin"))
    compiled.clear()
    again = run_cli("review", "--format", "html", "--out", str(tmp_path / "again"), books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert again.exit_code == 0, again.output
    assert compiled == [], "templates were compiled again although their source had not changed"
    assert _files(tmp_path / "again") == _files(tmp_path / "first")


def test_without_the_cache_no_compiled_template_is_kept(examples_copy: Path, cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_cli("--no-cache", "review", "--format", "html", "--out", str(tmp_path / "out"), books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.output
    assert not (cache_dir / "templates").exists()


def test_a_changed_template_is_compiled_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overrides, kept = tmp_path / "templates", tmp_path / "compiled"
    overrides.mkdir()
    (overrides / "note.md.j2").write_text("first {{ name }}\n")
    assert reports.Templates(overrides, compiled=kept).render("note.md.j2", {"name": "Acme"}) == ("first Acme\n", [])
    (overrides / "note.md.j2").write_text("second {{ name }}\n")
    compiled = _count_compiles(monkeypatch)
    assert reports.Templates(overrides, compiled=kept).render("note.md.j2", {"name": "Acme"}) == ("second Acme\n", [])
    assert compiled == ["note.md.j2"]


@pytest.mark.parametrize("damage", ["truncated", "other bytes", "not marshalled code", "writable by others"])
def test_a_damaged_compiled_template_is_compiled_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    overrides, kept = tmp_path / "templates", tmp_path / "compiled"
    overrides.mkdir()
    (overrides / "note.md.j2").write_text("{{ name | upper }}\n")
    assert reports.Templates(overrides, compiled=kept).render("note.md.j2", {"name": "Acme"}) == ("ACME\n", [])
    (file,) = kept.glob("template-*.bin")
    data = file.read_bytes()
    head, _, payload = data.partition(b"\n")
    if damage == "writable by others":  # intact, but anyone could have put code there
        file.chmod(0o666)
    elif damage == "truncated":
        file.write_bytes(data[: len(data) - 10])
    elif damage == "other bytes":
        file.write_bytes(head + b"\n" + bytes(b ^ 0xFF for b in payload))
    else:  # a header that matches, over a payload that is not a code object
        import hashlib
        import json
        import marshal

        header = json.loads(head)
        payload = marshal.dumps({"not": "code"})
        header["sha256"] = hashlib.sha256(payload).hexdigest()
        file.write_bytes(json.dumps(header, sort_keys=True).encode() + b"\n" + payload)
    compiled = _count_compiles(monkeypatch)
    assert reports.Templates(overrides, compiled=kept).render("note.md.j2", {"name": "Acme"}) == ("ACME\n", [])
    assert compiled == ["note.md.j2"]


@pytest.mark.skipif(not aside._can_fork(), reason="no fork, one CPU, or too little memory here")
def test_a_reviews_templates_are_compiled_in_a_child_while_the_reviews_are_built(examples_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the cache off too: the command renders from the code the child compiled (it
    compiles nothing itself) and writes the files a run without children writes."""
    monkeypatch.setenv(aside.ENV_OFF, "1")
    alone = run_cli("--no-cache", "review", "--format", "html", "--out", str(tmp_path / "alone"), books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert alone.exit_code == 0, alone.output
    monkeypatch.delenv(aside.ENV_OFF)
    forked = count_forks(monkeypatch)
    compiled = _count_compiles(monkeypatch)
    ahead = run_cli("--no-cache", "review", "--format", "html", "--out", str(tmp_path / "ahead"), books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert ahead.exit_code == 0, ahead.output
    assert forked, "nothing was done in a child"
    assert compiled == [], "the command compiled templates itself"
    assert _files(tmp_path / "ahead") == _files(tmp_path / "alone")


def _overrides(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def test_templates_compiled_ahead_render_without_compiling_and_bring_what_they_include(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _overrides(
        tmp_path,
        {
            "page.md.j2": '{% extends "base.md.j2" %}{% block body %}{{ m.hi(name) }}{% include "foot.md.j2" %}{% endblock %}',
            "base.md.j2": '{% import "macros.md.j2" as m %}<{% block body %}{% endblock %}>\n',
            "macros.md.j2": "{% macro hi(n) %}hi {{ n }}{% endmacro %}",
            "foot.md.j2": " (end)",
        },
    )
    expected = reports.Templates(folder).render("page.md.j2", {"name": "Acme"})
    assert expected == ("<hi Acme (end)>\n", [])
    code = reports.Templates(folder).compile_ahead(["page.md.j2"])
    assert len(code) == 4, "the templates it extends, imports and includes were not compiled with it"
    compiled = _count_compiles(monkeypatch)
    here = reports.Templates(folder)
    here.take(code)
    assert here.render("page.md.j2", {"name": "Acme"}) == expected
    assert compiled == []


def test_a_template_that_does_not_compile_is_left_out_and_rendering_says_why(tmp_path: Path) -> None:
    folder = _overrides(tmp_path, {"bad.md.j2": "{% if %}\n", "good.md.j2": "{{ name }}\n"})
    code = reports.Templates(folder).compile_ahead(["bad.md.j2", "good.md.j2", "missing.md.j2"])
    assert len(code) == 1
    here = reports.Templates(folder)
    here.take(code)
    text, problems = here.render("bad.md.j2", {})
    assert text is None and [p.code for p in problems] == ["template-syntax"]
    assert here.render("good.md.j2", {"name": "Acme"}) == ("Acme\n", [])


def test_code_compiled_ahead_from_other_source_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _overrides(tmp_path, {"note.md.j2": "first {{ name }}\n"})
    code = reports.Templates(folder).compile_ahead(["note.md.j2"])
    (folder / "note.md.j2").write_text("second {{ name }}\n")
    compiled = _count_compiles(monkeypatch)
    here = reports.Templates(folder)
    here.take(code)
    assert here.render("note.md.j2", {"name": "Acme"}) == ("second Acme\n", [])
    assert compiled == ["note.md.j2"]


def test_nothing_is_compiled_ahead_from_a_templates_folder_outside_the_books(tmp_path: Path) -> None:
    outside = _overrides(tmp_path, {"note.md.j2": "{{ name }}\n"})
    books = tmp_path / "books"
    books.mkdir()
    (books / "templates").symlink_to(outside, target_is_directory=True)
    templates = reports.Templates(books / "templates")
    assert templates.compile_ahead(["note.md.j2"], books) == {}
    text, problems = templates.render("note.md.j2", {"name": "Acme"}, books)
    assert text is None and [p.code for p in problems] == ["template-unsafe"]
