"""The browser harness: a real Streamlit server on a free loopback port, and Debian's Chromium driven by
Playwright, with the waits a Streamlit page needs.

The browser tests use it, and so do the benchmarks (`benchmarks/browser.py`, `benchmarks/memory.py`), which
import it from here: the harness belongs to the test suite every CI run exercises, and the optional
benchmarks build on it, rather than the tests depending on benchmark code. A server is stopped by its own
process id whatever happens.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.local_trial import stop_process

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
CHART = "[data-testid=stPlotlyChart] .main-svg"
APP_IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
START_TIMEOUT_S = 60


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Server:
    """A running Streamlit server: its base URL and its process."""

    url: str
    process: subprocess.Popen[bytes]

    def rss_mb(self) -> float:
        """Resident memory of the server process (VmRSS), in MiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"No VmRSS for process {self.process.pid}")

    def processor_s(self) -> float:
        """Processor time the server process has used so far (user and system), in seconds."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait_until_settled(
        self, window_s: float = 1.0, busy_share: float = 0.05, timeout_s: float = 300
    ) -> bool:
        """Wait until the server has finished what it does in the background after its first visitor (the
        dashboard's warm-up): less than `busy_share` of a core over `window_s`. False after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            used = self.processor_s()
            time.sleep(window_s)
            if self.processor_s() - used < busy_share * window_s:
                return True
        return False


# What the browser benchmarks say of it, in their method and, when it did not settle, in their findings.
WARMED_UP = (
    "Timing starts once the dashboard's server has finished its warm-up after its first visitor "
    "(`ui.warm_up`)."
)
NOT_SETTLED = "The server had not settled after its warm-up when timing began; the figures include it."


def warmed_up(server: Server, browser: Any) -> bool:
    """Visit the server's home page once, then wait until it has finished its warm-up (`ui.warm_up`): the
    benchmarks measure a server that has started, as visitors meet it. False if it did not settle."""
    page = browser.new_page()
    try:
        page.goto(server.url + "/")
        page.locator(CHART).first.wait_for(timeout=60_000)
    finally:
        page.close()
    return server.wait_until_settled()


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Streamlit exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"Streamlit did not answer within {START_TIMEOUT_S} s; see {log}")


@contextmanager
def streamlit_server(
    app_root: Path, log: Path, env: Mapping[str, str] | None = None, port: int | None = None
) -> Iterator[Server]:
    """`streamlit run app.py` in `app_root` on loopback (a free port unless given), its output in `log`;
    stopped on exit. A port is given to restart a server where its open tabs will reconnect.

    RuntimeError naming the log when it does not start.
    """
    port = port or free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, cwd=app_root, env=dict(env) if env else None, stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield Server(url, process)
    finally:
        stop_process(process)


@contextmanager
def static_file_server(directory: Path, log: Path) -> Iterator[Server]:
    """A plain static file server (Python's `http.server`, one process) for `directory` on a free loopback
    port: what serves the static copy in the tests and the benchmark."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "http.server",
        str(port),
        "--bind",
        "127.0.0.1",
        "--directory",
        str(directory),
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"The static file server did not start; see {log}") from None
                time.sleep(0.1)
        yield Server(url, process)
    finally:
        stop_process(process)


@contextmanager
def chromium(executable: str = CHROMIUM) -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright (its own browser downloads are not used)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_until_idle(page: Any) -> None:
    """Wait until the script has finished its run, so what is on screen is final."""
    page.wait_for_selector(APP_IDLE, state="attached")
    page.wait_for_timeout(300)
    page.wait_for_selector(APP_IDLE, state="attached")


def chart_dialog(page: Any, tool: str) -> Any:
    """The dialog of the first chart's `tool` button ("Download", "Share", in the page's language),
    opened unless it already is."""
    dialog = page.get_by_role("dialog")
    if not dialog.count():
        page.get_by_role("button", name=tool, exact=True).first.click()
    dialog.wait_for()
    return dialog


def download(page: Any, label: str) -> bytes:
    """What the first chart's `label` download saves, from its Download dialog."""
    with page.expect_download() as arrived:
        chart_dialog(page, "Download").get_by_role("button", name=label).click()
    return Path(arrived.value.path()).read_bytes()


def assert_no_exception(page: Any) -> None:
    assert page.locator("[data-testid=stException]").count() == 0
    assert "Traceback" not in page.inner_text("body")
