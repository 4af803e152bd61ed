"""Reading YAML files: syntax errors, duplicate keys, tags, bombs, encodings and unreadable files.

Every case goes through the real CLI (``check --format json``) and asserts the
code, severity, file, line and column the user sees.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from codes_seen import check, codes, expect

LEDGER = "2025-01-01 open Assets:Receivable:Acme USD\n"
GOOD = """\
id: acme
name: ACME Manufacturing
kind: client
accounts: {receivable: Assets:Receivable:Acme}
"""

Books = Callable[..., Path]


def write_profile(books: Books, data: bytes | str, name: str = "acme.yaml") -> Path:
    root = books(ledger=LEDGER)
    path = root / "clients" / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return root


# --- syntax -----------------------------------------------------------------


def test_syntax_error_points_at_line_and_column(books: Books) -> None:
    root = write_profile(books, 'id: acme\nname: "ACME\nkind: client\n')
    exit_code, found = check(root)
    assert exit_code == 1
    assert codes(found) == ["yaml-syntax"]
    # the unclosed quote runs to the end of the file; the scanner reports where it started
    d = expect(found, "yaml-syntax", "clients/acme.yaml", 2, 7, message="quoted scalar")
    assert d["message"].startswith("while scanning a quoted scalar, found unexpected end of stream")


def test_syntax_error_in_block_mapping_names_the_bad_line(books: Books) -> None:
    root = write_profile(books, "id: acme\nname: ACME\n kind: client\n")
    _, found = check(root)
    expect(found, "yaml-syntax", "clients/acme.yaml", 3, 6, message="mapping values are not allowed in this context")


def test_tab_indentation_gets_a_hint(books: Books) -> None:
    root = write_profile(books, GOOD.replace("accounts: {receivable: Assets:Receivable:Acme}", "accounts:\n\treceivable: Assets:Receivable:Acme"))
    _, found = check(root)
    expect(found, "yaml-syntax", "clients/acme.yaml", 5, 1, hint="indent with spaces")


def test_control_character_is_located(books: Books) -> None:
    root = write_profile(books, "id: acme\nname: AC\x07ME\nkind: client\n")
    _, found = check(root)
    d = expect(found, "yaml-syntax", "clients/acme.yaml", 2, 9, message="U+0007")
    assert "\n" not in d["message"]


def test_control_character_after_multibyte_text_is_located_by_character(books: Books) -> None:
    # libyaml reports a byte offset; the column must count characters
    root = write_profile(books, "id: acme\nname: Café Ünïcode\x01\nkind: client\n")
    _, found = check(root)
    expect(found, "yaml-syntax", "clients/acme.yaml", 2, 19, message="U+0001")


def test_second_document_is_a_syntax_error(books: Books) -> None:
    root = write_profile(books, GOOD + "---\nid: other\n")
    _, found = check(root)
    expect(found, "yaml-syntax", "clients/acme.yaml", 5, 1, message="expected a single document in the stream, but found another document")


# --- duplicate keys -----------------------------------------------------------


def test_duplicate_top_level_key(books: Books) -> None:
    root = write_profile(books, GOOD + "name: ACME Corp\n")
    exit_code, found = check(root)
    assert exit_code == 1
    assert codes(found) == ["yaml-duplicate-key"]
    expect(found, "yaml-duplicate-key", "clients/acme.yaml", 5, 1, message="duplicate key 'name' (first at line 2)", hint="keeps only the last")


def test_duplicate_nested_keys_in_block_flow_and_list_items(books: Books) -> None:
    root = write_profile(
        books,
        """\
id: acme
name: ACME
kind: client
accounts:
  receivable: Assets:Receivable:Acme
  receivable: Assets:Receivable:Other
terms: {payment_days: 30, payment_days: 45}
contacts:
  - name: Mai Tran
    role: CFO
    role: CEO
""",
    )
    _, found = check(root)
    assert codes(found) == ["yaml-duplicate-key"] * 3
    expect(found, "yaml-duplicate-key", "clients/acme.yaml", 6, 3, message="'receivable' (first at line 5)")
    expect(found, "yaml-duplicate-key", "clients/acme.yaml", 7, 27, message="'payment_days' (first at line 7)")
    expect(found, "yaml-duplicate-key", "clients/acme.yaml", 11, 5, message="'role' (first at line 10)")


def test_duplicate_key_keeps_the_first_value_so_later_checks_do_not_cascade(books: Books) -> None:
    # The second receivable is never opened; only the duplicate is reported, not account-not-opened.
    root = write_profile(
        books,
        GOOD.replace("accounts: {receivable: Assets:Receivable:Acme}", "accounts: {receivable: Assets:Receivable:Acme, receivable: Assets:Receivable:Nope}"),
    )
    _, found = check(root)
    assert codes(found) == ["yaml-duplicate-key"]


# --- tags and hostile documents ----------------------------------------------------


def test_python_tags_are_refused_not_constructed(books: Books, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    root = write_profile(books, GOOD + f"notes: !!python/object/apply:os.system ['touch {marker}']\n")
    exit_code, found = check(root)
    assert exit_code == 1
    assert not marker.exists()
    expect(found, "yaml-tag", "clients/acme.yaml", 5, 8, message="python/object/apply:os.system")


def test_custom_tag_is_refused(books: Books) -> None:
    root = write_profile(books, GOOD + "website: !url https://acme.example\n")
    _, found = check(root)
    expect(found, "yaml-tag", "clients/acme.yaml", 5, 10, message="!url")


BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_is_refused_quickly(books: Books) -> None:
    root = write_profile(books, BILLION_LAUGHS)
    started = time.perf_counter()
    exit_code, found = check(root)
    assert time.perf_counter() - started < 2
    assert exit_code == 1
    assert codes(found) == ["yaml-too-complex"]
    # 9**7 > 2,000,000: refused at the first node whose expansion passes the limit
    expect(found, "yaml-too-complex", "clients/acme.yaml", 7, 4, message="2,000,000")


def test_recursive_alias_is_refused(books: Books) -> None:
    root = write_profile(books, "id: acme\ngoals: &g [a, *g]\n")
    _, found = check(root)
    expect(found, "yaml-too-complex", "clients/acme.yaml", 2, 8, message="recursive alias")


def test_deep_nesting_is_refused(books: Books) -> None:
    root = write_profile(books, "id: acme\ngoals: " + "[" * 100 + "]" * 100 + "\n")
    _, found = check(root)
    assert codes(found) == ["yaml-too-complex"]
    # the 65th level is the first one refused: column 8 + 64
    expect(found, "yaml-too-complex", "clients/acme.yaml", 2, 72, message="more than 64 levels")


@pytest.mark.parametrize(
    "text",
    [
        "goals: " + "[" * 5000 + "]" * 5000 + "\n",
        "".join("  " * i + f"k{i}:\n" for i in range(1500)),
        "".join("  " * i + "-\n" for i in range(1500)),
    ],
    ids=["flow", "block-mapping", "block-sequence"],
)
def test_nesting_beyond_the_parser_limit_is_too_complex_not_a_crash(books: Books, text: str) -> None:
    root = write_profile(books, text)
    started = time.perf_counter()
    exit_code, found = check(root)
    assert time.perf_counter() - started < 2
    assert exit_code == 1
    assert codes(found) == ["yaml-too-complex"]
    assert found[0]["file"] == "clients/acme.yaml" and found[0]["line"] is not None


def test_merge_keys_are_plain_data(books: Books) -> None:
    root = write_profile(
        books,
        """\
id: acme
name: ACME
kind: client
accounts: {receivable: Assets:Receivable:Acme}
contacts:
  - &mai {name: Mai Tran, role: CFO}
  - <<: *mai
    name: Carlos Ruiz
    rol: CTO
""",
    )
    _, found = check(root)
    expect(found, "unknown-key", "clients/acme.yaml", 9, 5, message="'rol' in contacts[1]", hint="did you mean 'role'?")
    assert codes(found) == ["unknown-key"]


# --- encodings and odd files ----------------------------------------------------------


def test_latin1_profile_is_an_encoding_error_at_the_bad_byte(books: Books) -> None:
    root = write_profile(books, "id: acme\nname: Café\nkind: client\n".encode("latin-1"))
    exit_code, found = check(root)
    assert exit_code == 1
    assert codes(found) == ["file-encoding"]
    expect(found, "file-encoding", "clients/acme.yaml", 2, 10, message="0xe9", hint="UTF-8")


def test_binary_file_is_an_encoding_error(books: Books) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    root = write_profile(books, png)
    _, found = check(root)
    expect(found, "file-encoding", "clients/acme.yaml", 1, 1, message="0x89")


def test_nul_bytes_are_binary_content(books: Books) -> None:
    root = write_profile(books, b"id: acme\nname: A\x00B\n")
    _, found = check(root)
    expect(found, "file-encoding", "clients/acme.yaml", 2, 1, message="binary content")


def test_utf8_bom_is_accepted_and_columns_are_unchanged(books: Books) -> None:
    root = write_profile(books, ("\ufeff" + GOOD + "tier: gold\n").encode("utf-8"))
    _, found = check(root)
    assert codes(found) == ["bad-value"]
    expect(found, "bad-value", "clients/acme.yaml", 5, 7)


def test_utf8_bom_alone_is_clean(books: Books) -> None:
    root = write_profile(books, ("\ufeff" + GOOD).encode("utf-8"))
    exit_code, found = check(root)
    assert (exit_code, found) == (0, [])


@pytest.mark.parametrize("text", ["", "\n\n", "# just a comment\n", "---\n", "\ufeff"])
def test_empty_profile(books: Books, text: str) -> None:
    root = write_profile(books, text.encode("utf-8"))
    exit_code, found = check(root)
    assert exit_code == 1
    assert codes(found) == ["file-empty"]
    expect(found, "file-empty", "clients/acme.yaml", 1, 1, hint="id, name and kind")


def test_file_too_large_is_refused_without_reading_it(books: Books) -> None:
    root = books(ledger=LEDGER)
    big = root / "clients" / "acme.yaml"
    with big.open("wb") as handle:  # sparse: no 20 MB written
        handle.truncate(20_000_001)
    _, found = check(root)
    expect(found, "file-too-large", "clients/acme.yaml", None, None, message="20,000,001 bytes")


def test_folder_named_like_a_profile(books: Books) -> None:
    root = books(ledger=LEDGER)
    (root / "clients" / "acme.yaml").mkdir()
    exit_code, found = check(root)
    assert exit_code == 1
    expect(found, "file-unreadable", "clients/acme.yaml", None, None, message="is a folder")


def test_dangling_symlink_is_unreadable(books: Books) -> None:
    root = books(ledger=LEDGER)
    (root / "clients" / "acme.yaml").symlink_to(root / "nowhere.yaml")
    _, found = check(root)
    expect(found, "file-unreadable", "clients/acme.yaml", None, None, message="cannot read clients/acme.yaml")


def test_unreadable_profile(books: Books) -> None:
    root = write_profile(books, GOOD)
    path = root / "clients" / "acme.yaml"
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read mode-000 files (root)")
        _, found = check(root)
        expect(found, "file-unreadable", "clients/acme.yaml", None, None, message="Permission denied")
    finally:
        path.chmod(0o644)


def test_hidden_files_and_other_suffixes_are_not_profiles(books: Books) -> None:
    root = write_profile(books, GOOD)
    (root / "clients" / ".acme.yaml.swp").write_bytes(b"\x00garbage")
    (root / "clients" / ".draft.yaml").write_text("id: [")
    (root / "clients" / "README.md").write_text("# clients\n")
    (root / "clients" / ".git").mkdir()
    (root / "clients" / ".git" / "x.yaml").write_text("id: [")
    exit_code, found = check(root)
    assert (exit_code, found) == (0, [])


def test_yml_suffix_and_subfolders_are_profiles(books: Books) -> None:
    root = books(ledger=LEDGER)
    (root / "clients" / "eu").mkdir()
    (root / "clients" / "eu" / "acme.yml").write_text(GOOD + "tier: gold\n")
    _, found = check(root)
    expect(found, "bad-value", "clients/eu/acme.yml", 5, 7)


def test_fifo_named_like_a_profile_does_not_hang(books: Books) -> None:
    root = books(ledger=LEDGER)
    os.mkfifo(root / "clients" / "acme.yaml")
    _, found = check(root)
    expect(found, "file-unreadable", "clients/acme.yaml", None, None, message="not a regular file")
