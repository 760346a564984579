"""Cold load in a real browser: from navigation to the first drawn chart, page against floor.

The real app and the floor app each run in their own Streamlit server; every load uses a fresh browser
context (no cache, no cookies), and page and floor loads alternate so that machine noise falls on both.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.e2e.browser_support import CHART, NOT_SETTLED, WARMED_UP, chromium, streamlit_server, warmed_up

from . import ROOT
from .measure import Check, Target, Timing, format_value
from .report import Section, Table
from .survey import PageSurvey, url_path

LOAD_TARGET = Target(1.25, "×")
RUNS = 5
VIEWPORT = {"width": 1280, "height": 900}
LOAD_TIMEOUT_MS = 60_000
# The floor app's generated scripts import `benchmarks.floor`: its server needs the repository on its path.
SERVER_ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
}


def load_until_chart(browser: Any, url: str) -> float:
    """Open `url` in a fresh browser context; milliseconds until the first chart is drawn."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
        page.wait_for_selector(CHART, timeout=LOAD_TIMEOUT_MS)
        return (time.perf_counter() - started) * 1000
    finally:
        context.close()


@dataclass(frozen=True)
class LoadResult:
    survey: PageSurvey
    page: Timing
    floor: Timing

    @property
    def ratio(self) -> float:
        return self.page.median_ms / self.floor.median_ms


def run(
    surveys: Sequence[PageSurvey], floor_root: Path, scratch: Path, log: Callable[[str], None] = print
) -> Section:
    """Median cold load to first chart for every page that draws a chart on its default view."""
    charted = [survey for survey in surveys if survey.charts and not survey.error]
    section = Section(
        "Browser: cold load to first chart",
        f"Chromium (headless, Playwright), a fresh context per load, timed from navigation until the first "
        f"`{CHART}` exists. Median of {RUNS} loads per page after one unmeasured load of each "
        "(so the server has imported and cached what it needs), page and floor alternating. Server and "
        "browser share the machine's cores. Pages without a chart on their default view are not measured "
        f"here: {', '.join(s.label for s in surveys if not s.charts) or 'none'}.",
    )
    table = Table(("Page", "Page median", "Floor median", "Ratio", "Target", "Verdict"))
    with (
        streamlit_server(ROOT, scratch / "app-server.log") as app,
        streamlit_server(floor_root, scratch / "floor-server.log", SERVER_ENV) as floor,
        chromium() as browser,
    ):
        section.method += f" Chromium {browser.version}. {WARMED_UP}"
        if not warmed_up(app, browser):
            section.findings.append(NOT_SETTLED)
        for survey in charted:
            log(f"browser: {survey.label}")
            page_url, floor_url = app.url + url_path(survey.path), floor.url + url_path(survey.path)
            load_until_chart(browser, page_url)
            load_until_chart(browser, floor_url)
            page_samples, floor_samples = [], []
            for _ in range(RUNS):
                page_samples.append(load_until_chart(browser, page_url))
                floor_samples.append(load_until_chart(browser, floor_url))
            result = LoadResult(survey, Timing(tuple(page_samples)), Timing(tuple(floor_samples)))
            table.add(
                survey.label,
                format_value(result.page.median_ms, "ms"),
                format_value(result.floor.median_ms, "ms"),
                format_value(result.ratio, "×"),
                LOAD_TARGET.describe(),
                LOAD_TARGET.verdict(result.ratio),
            )
            section.checks.append(
                Check("Browser", f"{survey.label}: cold load vs floor", result.ratio, LOAD_TARGET)
            )
    section.tables.append(("", table))
    return section
