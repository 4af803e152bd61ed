"""HTML documents as PDF: reproducible bytes, the settings' paper, page numbers, nothing fetched."""

from __future__ import annotations

import base64
import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from acct_tool.books.assets import read_logo
from acct_tool.books.settings import FirmSettings, Settings
from acct_tool.render.pdf import html_to_pdf

AS_OF = datetime.date(2026, 11, 30)
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def pdftotext(data: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext (Debian's poppler-utils) is needed to read PDFs back; .ci/run installs it")
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run([tool, "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdfinfo(data: bytes, tmp_path: Path) -> dict[str, str]:
    tool = shutil.which("pdfinfo")
    if tool is None:
        pytest.fail("pdfinfo (Debian's poppler-utils) is needed to read PDFs back; .ci/run installs it")
    path = tmp_path / "info.pdf"
    path.write_bytes(data)
    out = subprocess.run([tool, "-isodates", str(path)], check=True, capture_output=True, text=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


HTML = "<html><head><title>Invoice</title></head><body><h1>Invoice INV-1</h1>" + "<p>line</p>" * 120 + "</body></html>"


def test_the_same_html_gives_the_same_bytes_with_the_as_of_date_as_creation_date(tmp_path: Path) -> None:
    first = html_to_pdf(HTML, paper="a4", created=AS_OF)
    assert first.startswith(b"%PDF-")
    assert first == html_to_pdf(HTML, paper="a4", created=AS_OF)
    info = pdfinfo(first, tmp_path)
    assert info["CreationDate"].startswith("2026-11-30") and info["ModDate"].startswith("2026-11-30")
    assert html_to_pdf(HTML, paper="a4", created=datetime.date(2026, 12, 31)) != first


def test_paper_size_and_page_numbers(tmp_path: Path) -> None:
    a4, letter = html_to_pdf(HTML, paper="a4", created=AS_OF), html_to_pdf(HTML, paper="letter", created=AS_OF)
    assert pdfinfo(a4, tmp_path)["Page size"].endswith("(A4)")
    assert pdfinfo(letter, tmp_path)["Page size"].endswith("(letter)")
    text = pdftotext(a4, tmp_path)
    assert "Invoice INV-1" in text
    pages = re.findall(r"Page (\d+) of (\d+)", text)
    assert len(pages) > 1 and pages == [(str(n), str(len(pages))) for n in range(1, len(pages) + 1)]
    assert "file://" not in text and "about:blank" not in text  # no browser header or footer


def test_nothing_outside_the_document_is_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG)
    inline = base64.b64encode(PNG).decode()
    fetched = html_to_pdf(f'<html><body><img src="file://{secret}"><img src="http://127.0.0.1:9/x.png"></body></html>', paper="a4", created=AS_OF)
    assert b"/Subtype /Image" not in fetched and b"/Subtype/Image" not in fetched
    drawn = html_to_pdf(f'<html><body><img src="data:image/png;base64,{inline}"></body></html>', paper="a4", created=AS_OF)
    assert b"/Image" in drawn


def test_the_logo_is_read_from_inside_the_books_only(tmp_path: Path) -> None:
    root = tmp_path / "books"
    root.mkdir()
    (root / "logo.png").write_bytes(PNG)
    (root / "notes.txt").write_text("not an image")
    (tmp_path / "outside.png").write_bytes(PNG)
    (root / "link.png").symlink_to(tmp_path / "outside.png")

    def logo(name: str) -> tuple[str | None, list[str]]:
        url, found = read_logo(root, Settings(firm=FirmSettings(logo=name)))
        return url, [f"{d.code}: {d.message}" for d in found]

    url, found = logo("logo.png")
    assert url is not None and url.startswith("data:image/png;base64,") and found == []
    assert logo("notes.txt") == (None, ["invalid-value: firm.logo: notes.txt is not a PNG, JPEG or SVG image"])
    assert logo("link.png") == (None, ["invalid-value: firm.logo: link.png leads outside the books folder"])
    assert logo("missing.png")[1] == ["file-unreadable: firm.logo: missing.png is not a file"]
    (root / "big.png").write_bytes(PNG + b"\0" * 1_000_000)
    assert logo("big.png")[1] == ["invalid-value: firm.logo: big.png is larger than 1,000,000 bytes"]
