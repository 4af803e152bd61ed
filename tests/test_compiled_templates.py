"""Compiled templates kept in the cache: a later run renders from them, and renders exactly
what compiling again would; changed source, a damaged file or the cache turned off mean
compiling again (or keeping nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES_AS_OF, run_cli

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
    compiled = _count_compiles(monkeypatch)
    first = run_cli("review", "--format", "html", "--out", str(tmp_path / "first"), books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert first.exit_code == 0, first.output
    assert "review.html.j2" in compiled
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
