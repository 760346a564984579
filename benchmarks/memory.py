"""Server memory per session: the server's resident memory with one and with twenty open sessions.

A fresh server is started for this benchmark alone, so no earlier run's caches are counted. Each
session is its own browser context on the page with the most charts, fully loaded before the reading.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tests.e2e.browser_support import CHART, chromium, streamlit_server

from . import ROOT
from .browser import LOAD_TIMEOUT_MS, VIEWPORT
from .measure import Check, Target, format_value
from .report import Section, Table
from .survey import PageSurvey, url_path

SESSIONS = 20
PER_SESSION_TARGET = Target(5, "MB")
SETTLE_S = 3.0


def _open_session(browser: Any, url: str) -> Any:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(url, timeout=LOAD_TIMEOUT_MS)
    page.wait_for_selector(CHART, timeout=LOAD_TIMEOUT_MS)
    return context


def run(surveys: Sequence[PageSurvey], scratch: Path, log: Callable[[str], None] = print) -> Section:
    """Read VmRSS after one session, then after `SESSIONS`; report the growth per extra session."""
    charted = [survey for survey in surveys if survey.charts and not survey.error]
    if not charted:
        section = Section("Memory per session", "Not measured: no page drew a chart on its default view.")
        section.findings.extend(f"{survey.label} raised {survey.error}" for survey in surveys if survey.error)
        return section
    target = max(charted, key=lambda survey: len(survey.charts))
    contexts: list[Any] = []
    with streamlit_server(ROOT, scratch / "memory-server.log") as server, chromium() as browser:
        url = server.url + url_path(target.path)
        idle = server.rss_mb()
        log(f"memory: 1 session on {target.label}")
        contexts.append(_open_session(browser, url))
        settled = server.wait_until_settled()
        time.sleep(SETTLE_S)
        one = server.rss_mb()
        log(f"memory: {SESSIONS} sessions")
        while len(contexts) < SESSIONS:
            contexts.append(_open_session(browser, url))
        time.sleep(SETTLE_S)
        many = server.rss_mb()
        for context in contexts:
            context.close()
    per_session = (many - one) / (SESSIONS - 1)
    section = Section(
        "Memory per session",
        f"A fresh server; resident memory (VmRSS from /proc) before any visitor, after one session on "
        f"{target.label} ({len(target.charts)} charts) and after {SESSIONS} sessions on the same page, "
        f"each its own browser context, all fully loaded and kept open, read {SETTLE_S:.0f} s after the "
        "last load. The first session carries the imports, the shared store and the caches the warm-up "
        "fills (`ui.warm_up`; read once the server has settled); the target is on what each further "
        "session adds.",
    )
    if not settled:
        section.findings.append(
            "The server had not settled after its warm-up when the first reading was taken."
        )
    table = Table(("Reading", "Server RSS"))
    table.add("Server started, no session", format_value(idle, "MB"))
    table.add("1 session", format_value(one, "MB"))
    table.add(f"{SESSIONS} sessions", format_value(many, "MB"))
    table.add(
        f"Per extra session ((RSS at {SESSIONS} − RSS at 1) / {SESSIONS - 1})",
        format_value(per_session, "MB"),
    )
    section.tables.append(("", table))
    section.checks.append(Check("Memory", "Server RSS per extra session", per_session, PER_SESSION_TARGET))
    return section
