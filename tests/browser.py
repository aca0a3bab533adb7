"""Headless Chromium for tests that render HTML reports (Playwright driving Debian's chromium).

A test asks for the `browser_page` fixture (registered in conftest.py) and gets a fresh
Playwright page; the browser is started once per session. Chromium is `$PBRLAB_CHROMIUM` or
/usr/bin/chromium; if it (or Playwright) is missing the test is skipped, unless
`PBRLAB_REQUIRE_BROWSER=1` (as CI sets), when it fails. Playwright's own browser downloads are
never used.

    from browser import js_errors, open_file, plotly_plots

    def test_report_renders(browser_page, tmp_path):
        write_report(tmp_path / "report.html")
        assert open_file(browser_page, tmp_path / "report.html") == []
        assert plotly_plots(browser_page) == 1  # waits until drawn
        browser_page.screenshot(path=tmp_path / "report.png")
        assert js_errors(browser_page) == []

Pages work offline: requests to anything but file:// and the loopback interface are aborted
and recorded as errors, so a report that loads a script from a CDN fails its test.
"""

from __future__ import annotations

import os
import shutil
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = "/usr/bin/chromium"
REQUIRE = "PBRLAB_REQUIRE_BROWSER"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # without these Chromium tries to reach Google's hosts, which this closed network refuses
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}

_errors: weakref.WeakKeyDictionary[Page, list[str]] = weakref.WeakKeyDictionary()


def chromium_path() -> str | None:
    """The Chromium to drive: $PBRLAB_CHROMIUM, else /usr/bin/chromium, else `chromium` on PATH."""
    wanted = os.environ.get("PBRLAB_CHROMIUM") or CHROMIUM
    if Path(wanted).is_file() and os.access(wanted, os.X_OK):
        return wanted
    if "PBRLAB_CHROMIUM" in os.environ:
        return None  # asked for one that is not there: do not pick another
    return shutil.which("chromium")


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail when the environment says a browser is required."""
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{reason} ({REQUIRE}=1, so browser tests must run)", pytrace=False)
    pytest.skip(f"{reason}; install Debian's chromium (apt-get install chromium) to run this")


def watch(page: Page) -> list[str]:
    """Record the page's JS errors (uncaught exceptions, console.error, failed or blocked
    requests) from now on; returns the live list. Calling it again returns the same list."""
    if page in _errors:
        return _errors[page]
    errors: list[str] = []
    _errors[page] = errors

    def console(message: Any) -> None:
        if message.type == "error":
            where = message.location or {}
            at = f" at {where.get('url')}:{where.get('lineNumber')}" if where.get("url") else ""
            errors.append(f"console.error: {message.text}{at}")

    def request_failed(request: Any) -> None:
        if "ERR_BLOCKED_BY_CLIENT" not in (request.failure or ""):  # already recorded by route
            errors.append(f"request failed: {request.url} ({request.failure})")

    def route(route: Any) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL_HOSTS:
            errors.append(f"blocked external request: {route.request.url}")
            route.abort("blockedbyclient")
        else:
            route.continue_()

    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on("console", console)
    page.on("requestfailed", request_failed)
    page.route("**/*", route)
    return errors


def js_errors(page: Page) -> list[str]:
    """The JS errors recorded on `page` so far (a copy)."""
    return list(watch(page))


def open_file(page: Page, path: str | Path) -> list[str]:
    """Load a local HTML file (file:// URL), wait for its load event, return the JS errors."""
    watch(page)
    page.goto(Path(path).resolve().as_uri(), wait_until="load")
    return js_errors(page)


def plotly_plots(page: Page, timeout_ms: int = TIMEOUT_MS) -> int:
    """Wait until Plotly has drawn its charts (an svg in each plot div); return how many."""
    page.wait_for_function(
        """() => {
            const plots = document.querySelectorAll('.js-plotly-plot');
            return plots.length > 0 &&
                [...plots].every(p => p.querySelector('.main-svg') && p._fullLayout);
        }""",
        timeout=timeout_ms,
    )
    return page.locator(".js-plotly-plot").count()


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Browser]:
    """One headless Chromium for the session (Playwright gives it a temporary profile)."""
    executable = chromium_path()
    if executable is None:
        unavailable(
            f"no Chromium at PBRLAB_CHROMIUM={os.environ['PBRLAB_CHROMIUM']}"
            if os.environ.get("PBRLAB_CHROMIUM")
            else f"no Chromium at {CHROMIUM} or on PATH (PBRLAB_CHROMIUM may name one)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=ARGS, headless=True, timeout=60_000
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium_browser: Browser) -> Iterator[Page]:
    """A fresh page (in its own context) whose JS errors are recorded: see `js_errors`."""
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watch(page)
    try:
        yield page
    finally:
        context.close()
