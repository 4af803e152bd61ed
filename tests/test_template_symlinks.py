"""Templates are read only from the books' templates folder and the package's, whatever symlinks say.

A symlink inside ``templates/`` that leads outside it (to another file of the
books, or outside the books), a subfolder that does, or a ``templates/`` folder
that is itself a symlink out of the books, is refused with ``template-unsafe``
and nothing of the target reaches the output. Symlinks that stay inside the
templates folder keep working.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from codes_seen import record
from conftest import EXAMPLES_AS_OF, run_cli

SECRET = "s3cr3t-outside-the-books"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the books, holding a secret that must never be rendered."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.md.j2").write_text(f"{SECRET}\n", "utf-8")
    (folder / "review.md.j2").write_text(f"# {{{{ client.name }}}} {SECRET}\n", "utf-8")
    return folder


def review(books: Path) -> tuple[int, str, str]:
    result = run_cli("review", "acme", books=books, as_of=EXAMPLES_AS_OF)
    return result.exit_code, result.output, result.stderr


def templates_of(books: Path) -> Path:
    folder = books / "templates"
    folder.mkdir(exist_ok=True)
    return folder


def test_an_included_symlink_to_a_file_outside_the_books_is_refused(examples_copy: Path, outside: Path) -> None:
    folder = templates_of(examples_copy)
    (folder / "review.md.j2").write_text("# {{ client.name }}\n{% include 'leak.md.j2' %}\n", "utf-8")
    (folder / "leak.md.j2").symlink_to(outside / "secret.md.j2")
    code, out, err = review(examples_copy)
    assert code == 1, out + err
    assert "templates/review.md.j2:2: error template-unsafe" in err, err
    assert "outside the templates folder" in err
    assert SECRET not in out + err
    record("template-unsafe")


def test_a_template_that_is_itself_a_symlink_outside_is_refused(examples_copy: Path, outside: Path) -> None:
    (templates_of(examples_copy) / "review.md.j2").symlink_to(outside / "review.md.j2")
    code, out, err = review(examples_copy)
    assert code == 1, out + err
    assert "templates/review.md.j2: error template-unsafe" in err, err
    assert SECRET not in out + err


def test_a_symlink_to_another_file_of_the_books_is_refused(examples_copy: Path) -> None:
    folder = templates_of(examples_copy)
    (folder / "review.md.j2").write_text("# {{ client.name }}\n{% include 'settings.md.j2' %}\n", "utf-8")
    (folder / "settings.md.j2").symlink_to("../ledger/main.beancount")
    code, out, err = review(examples_copy)
    assert code == 1, out + err
    assert "templates/review.md.j2:2: error template-unsafe" in err, err
    assert "open " not in out  # nothing of the ledger


def test_a_subfolder_symlinked_outside_is_refused(examples_copy: Path, outside: Path) -> None:
    folder = templates_of(examples_copy)
    (folder / "review.md.j2").write_text("# {{ client.name }}\n{% include 'parts/secret.md.j2' %}\n", "utf-8")
    (folder / "parts").symlink_to(outside, target_is_directory=True)
    code, out, err = review(examples_copy)
    assert code == 1, out + err
    assert "templates/review.md.j2:2: error template-unsafe" in err, err
    assert SECRET not in out + err


def test_a_templates_folder_that_is_a_symlink_outside_the_books_is_refused(examples_copy: Path, outside: Path) -> None:
    (examples_copy / "templates").symlink_to(outside, target_is_directory=True)
    code, out, err = review(examples_copy)
    assert code == 1, out + err
    assert "templates: error template-unsafe" in err, err
    assert "outside the books folder" in err
    assert SECRET not in out + err


def test_a_templates_folder_named_in_the_settings_through_a_symlink_outside_is_refused(examples_copy: Path, outside: Path) -> None:
    (examples_copy / "layout").symlink_to(outside, target_is_directory=True)
    settings = examples_copy / "acct-tool.yaml"
    settings.write_text(settings.read_text("utf-8") + "templates: layout/\n", "utf-8")
    code, out, err = review(examples_copy)
    assert code == 1, out + err
    assert "error template-unsafe" in err, err
    assert SECRET not in out + err


def test_symlinks_that_stay_inside_the_templates_folder_still_work(examples_copy: Path) -> None:
    folder = templates_of(examples_copy)
    (folder / "parts").mkdir()
    (folder / "parts" / "greeting.md.j2").write_text("hello from a part\n", "utf-8")
    (folder / "alias.md.j2").symlink_to("parts/greeting.md.j2")
    (folder / "review.md.j2").write_text("# {{ client.name }}\n{% include 'alias.md.j2' %}\n", "utf-8")
    code, out, err = review(examples_copy)
    assert code == 0, out + err
    assert "hello from a part" in out


def test_a_templates_folder_symlinked_to_a_folder_inside_the_books_still_works(examples_copy: Path) -> None:
    real = examples_copy / "shared" / "report-templates"
    real.mkdir(parents=True)
    (real / "review.md.j2").write_text("# {{ client.name }} from a shared folder\n", "utf-8")
    (examples_copy / "templates").symlink_to(real, target_is_directory=True)
    code, out, err = review(examples_copy)
    assert code == 0, out + err
    assert "from a shared folder" in out
