"""An HTML review in a real browser: headless Chromium loads it with no console
errors, fetches nothing, and prints it to PDF.

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``),
so the test needs nothing but the browser. ``.ci/run`` installs Debian's
``chromium``; where it cannot be installed the test is skipped and says so.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, EXAMPLES_AS_OF, run_cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed here (Debian: apt-get install chromium); the browser check was not run")


class Browser:
    """A minimal DevTools-protocol client over Chromium's pipe (fd 3 in, fd 4 out)."""

    def __init__(self, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        os.set_inheritable(to_browser_r, True)
        os.set_inheritable(from_browser_w, True)
        args = [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]

        def wire() -> None:  # in the child: Chromium reads fd 3 and writes fd 4
            high_r, high_w = os.dup2(to_browser_r, 200), os.dup2(from_browser_w, 201)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.proc = subprocess.Popen(args, preexec_fn=wire, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None, timeout: float = 30) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method:
                return event
        deadline = time.monotonic() + timeout
        while True:
            event = self._read(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def _read(self, deadline: float) -> dict[str, Any]:
        import select

        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the pipe")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return dict(json.loads(raw))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.send("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._to_browser)
        os.close(self._from_browser)


class Loaded:
    """What loading a page showed: errors, requests, the values of the asked expressions, the PDF print."""

    def __init__(self, events: list[dict[str, Any]], values: dict[str, Any], pdf: bytes | None) -> None:
        self.problems = [
            e
            for e in events
            if e.get("method") == "Runtime.exceptionThrown"
            or (e.get("method") == "Runtime.consoleAPICalled" and e["params"].get("type") in ("error", "assert"))
            or (e.get("method") == "Log.entryAdded" and e["params"]["entry"].get("level") == "error")
        ]
        self.requests = [e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"]
        self.values, self.pdf = values, pdf

    def assert_clean(self) -> None:
        """No error in the console or the log, and nothing fetched but the page's own file."""
        assert self.problems == [], self.problems
        assert all(url.startswith("file://") for url in self.requests), self.requests


def load_page(page: Path, profile: Path, expressions: dict[str, str], *, pdf: bool = False) -> Loaded:
    """Open ``page`` in headless Chromium, evaluate each of ``expressions`` once it has loaded
    (and print it to A4 PDF with ``pdf``), and say what happened."""
    browser = Browser(profile)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Page.navigate", {"url": page.as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired")
        values = {
            name: browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)["result"]["value"]
            for name, expression in expressions.items()
        }
        printed = (
            base64.b64decode(
                browser.send("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": True}, session=session, timeout=60)["data"]
            )
            if pdf
            else None
        )
    finally:
        browser.close()
    return Loaded(browser.events, values, printed)


def test_html_review_loads_cleanly_and_prints_to_pdf(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("review", "--format", "html", "--out", str(out), books=EXAMPLES, as_of=EXAMPLES_AS_OF)
    assert result.exit_code == 0, result.output
    page = out / "review-harbor-logistics.html"
    loaded = load_page(page, tmp_path / "profile", {"title": "document.title", "svgs": "document.querySelectorAll('svg').length"}, pdf=True)
    loaded.assert_clean()
    assert loaded.values["title"].startswith("Harbor Logistics")
    assert loaded.values["svgs"] == 5  # revenue, aging, health trend, NPS and CSAT responses
    data = loaded.pdf
    assert data is not None and data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert pages >= 2, pages  # a full review spans several A4 pages
    keep = os.environ.get("ACCT_TOOL_KEEP_PDF")
    if keep:
        Path(keep).write_bytes(data)
