"""acct-tool inside fava: the extension's pages show what the command line shows for the same as-of date.

fava's Flask app is built on a copy of the example books with the extension enabled
in the ledger, and asked for each page with fava's time filter ending on the
examples' as-of date. A headless Chromium opens two pages on a fava served on
loopback. Without fava, ``import acct_tool.fava`` says which extra to install.
"""

from __future__ import annotations

import base64
import html
import importlib.util
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES_AS_OF, run_cli

HAVE_FAVA = importlib.util.find_spec("fava") is not None
needs_fava = pytest.mark.skipif(not HAVE_FAVA, reason="fava is not installed (pip install 'acct-tool[fava]'); the fava extension was not tested")

#: fava's slug for the example ledger (its title, Brightline Studio).
SLUG = "brightline-studio"
#: fava's time filter ending on the examples' as-of date.
TIME = f"2026-01-01 - {EXAMPLES_AS_OF}"
ENABLE = '\n2026-01-01 custom "fava-extension" "acct_tool.fava"\n'


def _enable(books: Path, line: str = ENABLE) -> Path:
    ledger = books / "ledger" / "main.beancount"
    ledger.write_text(ledger.read_text(encoding="utf-8") + line, encoding="utf-8")
    return ledger


@pytest.fixture
def fava_app(examples_copy: Path) -> Any:
    from fava.application import create_app

    app = create_app([_enable(examples_copy)], load=True)
    app.config["TESTING"] = True
    return app


def page(client: Any, name: str, **args: str) -> str:
    response = client.get(f"/{SLUG}/extension/AcctTool/", query_string={"page": name, "time": TIME, **args})
    assert response.status_code == 200, response.data[:2000]
    text: str = response.get_data(as_text=True)
    assert f'data-page="{name}"' in text
    return text


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


@needs_fava
def test_the_extension_loads_without_errors(fava_app: Any) -> None:
    ledger = fava_app.config["LEDGERS"].ledgers[0]
    assert [e.message for e in ledger.errors] == []
    assert ledger.extensions.get_extension("AcctTool") is not None


@needs_fava
def test_without_a_time_filter_the_as_of_date_is_today(fava_app: Any) -> None:
    import datetime

    response = fava_app.test_client().get(f"/{SLUG}/extension/AcctTool/", query_string={"page": "clients"})
    assert f"As of <strong data-as-of>{datetime.date.today().isoformat()}</strong>" in response.get_data(as_text=True)


@needs_fava
def test_receivables_show_the_aging_totals_and_tie_out_of_the_cli(fava_app: Any, examples_copy: Path) -> None:
    text = page(fava_app.test_client(), "receivables")
    assert f"As of <strong data-as-of>{EXAMPLES_AS_OF}</strong>" in text
    for side in ("ar", "ap"):
        cli = run_cli("aging", side, "--format", "json", books=examples_copy, as_of=EXAMPLES_AS_OF).json()
        assert cli["currencies"], side
        for currency, table in cli["currencies"].items():
            shown = re.search(rf'data-side="{side}" data-currency="{currency}">(.*?)</table>\s*(?=<h|$)', text, re.S)
            assert shown is not None, (side, currency)
            assert f'<th class="num" data-total-net>{table["totals"]["net"]["number"]}</th>' in shown.group(1)
            for row in table["rows"]:
                assert f"<summary>{row['party']}</summary>" in shown.group(1)
    # The open documents of each party, and the tie-out's verdict as `reconcile ar` gives it.
    opened = run_cli("open", "ar", "--party", "harbor-logistics", "--format", "json", books=examples_copy, as_of=EXAMPLES_AS_OF).json()
    for doc in opened["documents"]:
        assert f"<td>{doc['document']}</td>" in text
    ties = run_cli("reconcile", "ar", "--format", "json", books=examples_copy, as_of=EXAMPLES_AS_OF).json()["ties"]
    verdict = "ok" if all(t["ok"] for t in ties) else "differences"
    assert f'data-tie-out="{verdict}"' in text


def _health(text: str, party: str) -> str:
    row = re.search(rf'<tr data-party="{party}">(.*?)</tr>', text, re.S)
    assert row is not None, party
    score = re.search(r"data-health-score>(\d+)<", row.group(1))
    assert score is not None
    return score.group(1)


@needs_fava
def test_clients_show_the_health_of_clients_list(fava_app: Any, examples_copy: Path) -> None:
    text = page(fava_app.test_client(), "clients")
    cli = run_cli("clients", "list", "--format", "json", books=examples_copy, as_of=EXAMPLES_AS_OF).json()
    harbor = next(c for c in cli["clients"] if c["id"] == "harbor-logistics")
    assert _health(text, "harbor-logistics") == str(harbor["health"]["score"])
    assert f'class="band-{harbor["health"]["band"]}"' in text
    assert text.count("<tr data-party=") == len(cli["clients"])


@needs_fava
def test_editing_a_profile_shows_on_the_next_request(fava_app: Any, examples_copy: Path) -> None:
    client = fava_app.test_client()
    assert "Harbor Logistics</td>" in page(client, "clients")
    profile = examples_copy / "clients" / "harbor-logistics.yaml"
    text = profile.read_text(encoding="utf-8")
    assert "name: Harbor Logistics\n" in text
    profile.write_text(text.replace("name: Harbor Logistics\n", "name: Harbor Logistics Group\n", 1), encoding="utf-8")
    assert "Harbor Logistics Group</td>" in page(client, "clients")


@needs_fava
def test_a_ledger_fava_reloads_shows_on_the_next_request(fava_app: Any, examples_copy: Path) -> None:
    client = fava_app.test_client()
    assert "INV-2026-099" not in page(client, "receivables")
    ledger = examples_copy / "ledger" / "2026.beancount"
    invoice = '\n2026-11-20 * "ACME Manufacturing" "Invoice INV-2026-099" ^INV-2026-099\n  Assets:Receivable:Acme  500.00 USD\n  Income:Services:Retainer\n'
    ledger.write_text(ledger.read_text(encoding="utf-8") + invoice, encoding="utf-8")
    fava_app.config["LEDGERS"].ledgers[0].load_file()  # what fava does when it sees the file change
    assert "<td>INV-2026-099</td>" in page(client, "receivables")


@needs_fava
def test_followups_count_and_the_manager_filter_match_the_cli(fava_app: Any, examples_copy: Path) -> None:
    client = fava_app.test_client()
    everyone = run_cli("followups", "--format", "json", books=examples_copy, as_of=EXAMPLES_AS_OF).json()
    assert everyone["items"]
    assert f'data-followups="{len(everyone["items"])}"' in page(client, "followups")
    toms = run_cli("followups", "--manager", "tom", "--format", "json", books=examples_copy, as_of=EXAMPLES_AS_OF).json()
    assert 0 < len(toms["items"]) < len(everyone["items"])
    text = page(client, "followups", manager="tom")
    assert f'data-followups="{len(toms["items"])}"' in text
    assert '<option value="tom" selected>' in text


@needs_fava
def test_the_client_page_embeds_the_html_review(fava_app: Any, examples_copy: Path) -> None:
    text = page(fava_app.test_client(), "client", party="harbor-logistics")
    cli = run_cli("review", "harbor-logistics", "--format", "html", books=examples_copy, as_of=EXAMPLES_AS_OF)
    assert cli.exit_code == 0, cli.stderr
    embedded = re.search(r'srcdoc="(.*?)"></iframe>', text, re.S)
    assert embedded is not None
    assert html.unescape(embedded.group(1)) == cli.output


@needs_fava
def test_an_unknown_client_is_said_not_raised(fava_app: Any) -> None:
    assert "no client with id &#39;nobody&#39;" in page(fava_app.test_client(), "client", party="nobody")


@needs_fava
def test_check_lists_the_cli_diagnostics_with_links_to_favas_editor(fava_app: Any, examples_copy: Path) -> None:
    text = page(fava_app.test_client(), "check")
    found = run_cli("check", "--format", "json", books=examples_copy, as_of=EXAMPLES_AS_OF).json()
    assert found, "the example books have a warning to show"
    assert f'data-check="{len(found)}"' in text
    for d in found:
        assert d["code"] in text and html.escape(d["message"]) in text
        if d["file"] and d["file"].endswith(".beancount"):
            target = (examples_copy / d["file"]).resolve()
            link = f'href="/{SLUG}/editor/?file_path={target.as_posix()}&amp;line={d["line"]}&amp;'
            assert link in text, re.findall(r'href="[^"]*editor[^"]*"', text)


@needs_fava
def test_the_books_folder_can_be_named_in_the_config(tmp_path: Path, examples_copy: Path) -> None:
    from fava.application import create_app

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ledger = elsewhere / "main.beancount"
    ledger.write_text(
        f'option "title" "Brightline Studio"\ninclude "{examples_copy / "ledger" / "main.beancount"}"\n'
        f'2026-01-01 custom "fava-extension" "acct_tool.fava" "{{\'books\': \'{examples_copy}\'}}"\n',
        encoding="utf-8",
    )
    text = page(create_app([ledger], load=True).test_client(), "clients")
    assert '<tr data-party="harbor-logistics">' in text


@needs_fava
def test_without_books_the_page_says_so(tmp_path: Path) -> None:
    from fava.application import create_app

    ledger = tmp_path / "main.beancount"
    ledger.write_text('option "title" "Brightline Studio"\n' + ENABLE, encoding="utf-8")
    text = page(create_app([ledger], load=True).test_client(), "clients")
    assert "acct-tool cannot load the books: no books found" in text


def test_without_fava_the_import_names_the_extra() -> None:
    script = (
        "import sys\n"
        "sys.modules['fava'] = None\n"
        "try:\n"
        "    import acct_tool.fava\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
        "import acct_tool.cli, acct_tool.engines.review\n"  # the rest of acct-tool works without it
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "acct_tool.fava needs fava: pip install 'acct-tool[fava]'\n"


# --- in a browser ---------------------------------------------------------------------------------


@pytest.fixture
def served(fava_app: Any) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, fava_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@needs_fava
def test_receivables_and_client_pages_load_cleanly_in_a_browser(served: str, tmp_path: Path) -> None:
    from test_review_browser import CHROMIUM, Browser, Loaded

    if CHROMIUM is None:
        pytest.skip("Chromium is not installed here (Debian: apt-get install chromium); the browser check was not run")
    browser = Browser(tmp_path / "profile")
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False}, session=session)
        values = {}
        for name, query in (("receivables", "page=receivables"), ("client", "page=client&party=harbor-logistics")):
            browser.events.clear()
            browser.send("Page.navigate", {"url": f"{served}/{SLUG}/extension/AcctTool/?{query}&time={TIME}"}, session=session)
            browser.wait_for("Page.loadEventFired")
            values[name] = browser.send(
                "Runtime.evaluate",
                {
                    "expression": "[document.querySelector('.acct-tool')?.dataset.page, document.querySelectorAll('.acct-tool table').length]",
                    "returnByValue": True,
                },
                session=session,
            )["result"]["value"]
            shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
            (tmp_path / f"fava-{name}.png").write_bytes(base64.b64decode(shot))
            loaded = Loaded(browser.events, {}, None)
            assert loaded.problems == [], loaded.problems
            assert all(url.startswith((served, "data:")) or url == "about:srcdoc" for url in loaded.requests), loaded.requests
    finally:
        browser.close()
    assert values["receivables"][0] == "receivables" and values["receivables"][1] >= 4
    assert values["client"][0] == "client"
    assert (tmp_path / "fava-receivables.png").read_bytes().startswith(b"\x89PNG")
