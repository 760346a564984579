"""A real Streamlit server on a free loopback port, and Debian's Chromium driven by Playwright.

The server runs on a temporary copy of the embedded data. Every test gets a fresh browser context that
records console errors and any request leaving for a non-loopback origin (no CDN, no tiles, no
telemetry); both fail the test.
"""

from __future__ import annotations

import os
import re
import shutil
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlparse

import pytest

from sdcf_metrics import paths
from tests.e2e.browser_support import CHROMIUM, chromium, streamlit_server

ARTIFACTS = paths.PROJECT_ROOT / "artifacts" / "e2e"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
TIMEOUT_MS = 30_000
# Where the dashboard under test tells cities to send a checked file.
STEWARD_CONTACT = "data-stewards@sdcf-metrics.invalid"
STREAMLIT_PROBE = re.compile(r"//[^/]+/[A-Za-z_]+/_stcore/(host-config|health)$")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        message = "Chromium is missing: install Debian's package (apt-get install -y chromium)."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def app_url(tmp_path_factory) -> str:
    """Start the dashboard on a temporary copy of the data; stop it after the session."""
    data = tmp_path_factory.mktemp("data")
    shutil.copytree(paths.sources_dir(), paths.sources_dir(data))
    shutil.copytree(paths.extracts_dir(), paths.extracts_dir(data))
    log = data / "server.log"
    environment = {**os.environ, "SDCF_DATA_DIR": str(data), "SDCF_STEWARD_CONTACT": STEWARD_CONTACT}
    with ExitStack() as stack:
        try:
            server = stack.enter_context(streamlit_server(paths.PROJECT_ROOT, log, environment))
        except RuntimeError as error:
            pytest.fail(f"The dashboard did not start ({error}): {log.read_text(errors='replace')[-2000:]}")
        yield server.url


@pytest.fixture(scope="session")
def browser(chromium_path):
    with chromium(chromium_path) as launched:
        yield launched


class PageWatch:
    """What a page did that it must not: console errors and requests to other origins."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []

    def on_request(self, request) -> None:
        parsed = urlparse(request.url)
        if parsed.scheme in ("data", "blob", "about"):
            return
        if parsed.hostname not in LOOPBACK_HOSTS:
            self.foreign_requests.append(request.url)

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        # Opened directly, a page's frontend first asks for /<Page>/_stcore/... (in case the app has a
        # base path), gets a 404, then uses /_stcore/...: Streamlit's own probing, not an error of ours.
        if STREAMLIT_PROBE.search(message.location.get("url", "")):
            return
        self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch()


@pytest.fixture
def page(browser, watch, request):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("request", watch.on_request)
    page.on("console", watch.on_console)
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert watch.foreign_requests == [], "requests left the machine"
    assert watch.console_errors == [], "the browser console reported errors"
