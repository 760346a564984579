"""Sessions that outlive what they were started with: a server restart, an expired session, a rollback.

These speak Streamlit's own WebSocket protocol (`stream_client`), as many tabs at once, and one test drives
Chromium through a real restart. Everything runs on loopback, bounded in sessions and seconds.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time
from pathlib import Path

from sdcf_metrics import paths
from sdcf_metrics.pipeline.build import build
from sdcf_metrics.pipeline.transaction import rollback
from tests.e2e.browser_support import CHART, free_port, streamlit_server, wait_until_idle
from tests.e2e.stream_client import Session, Widget, edited_observations, run_async, run_load


def copy_data(target: Path) -> Path:
    shutil.copytree(paths.sources_dir(), paths.sources_dir(target))
    shutil.copytree(paths.extracts_dir(), paths.extracts_dir(target))
    return target


def test_a_fresh_session_keeps_the_choice_the_tab_sends(app_url):
    """After a restart, a session expiry or a switch to another replica, the tab's next message opens a
    new session; it carries the visitor's new choice and the URL of the old one. The choice wins."""

    async def scenario() -> tuple[str, str, object]:
        async with Session(app_url, "City_trends") as tab:
            shown = (await tab.rerun()).widget("city")
            old_url = tab.query_string
        chosen = next(option for option in shown.options if option not in shown.value)
        async with Session(app_url, "City_trends", old_url) as fresh:
            fresh.widgets = {shown.id: Widget(shown.id, shown.kind, shown.options, [chosen])}
            return chosen, old_url, await fresh.rerun()

    chosen, old_url, run = run_async(scenario)
    assert run.widget("city").value == [chosen]
    assert run.query_string != old_url


def test_after_a_restart_the_first_filter_change_in_an_open_tab_sticks(browser, tmp_path):
    data = copy_data(tmp_path / "data")
    environment = {**os.environ, "SDCF_DATA_DIR": str(data)}
    port = free_port()
    log = tmp_path / "server.log"
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        with streamlit_server(paths.PROJECT_ROOT, log, environment, port=port) as server:
            page.goto(f"{server.url}/City_trends?city=brussels")
            wait_until_idle(page)
            page.wait_for_selector(CHART)
        with streamlit_server(paths.PROJECT_ROOT, log, environment, port=port):
            # The tab shows "Connecting" until it has reached the new server.
            page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=60_000)
            city_box = page.get_by_test_id("stMain").get_by_test_id("stSelectbox").first
            city_box.locator("input").click(timeout=60_000)
            page.get_by_role("option", name="Barcelona", exact=True).click()
            page.wait_for_url("**city=barcelona**", timeout=30_000)
            wait_until_idle(page)
            page.wait_for_timeout(1_000)
            assert "city=barcelona" in page.url
            assert city_box.locator("input").input_value() == "Barcelona"
    finally:
        context.close()


def test_pages_being_read_survive_twenty_publish_and_rollback_cycles(tmp_path):
    """10 sessions change filters on City trends and Compare while a steward publishes a version and
    rolls it back, twenty times: no page shows an error."""
    data = copy_data(tmp_path / "data")
    observations = paths.sources_dir(data) / "observations.csv"
    original, edited = observations.read_bytes(), edited_observations(observations)
    cycles_done: list[int] = []
    steward_errors: list[BaseException] = []

    def steward(stop: threading.Event) -> None:
        try:
            for cycle in range(20):
                observations.write_bytes(edited)
                build(data)
                time.sleep(0.4)
                rollback(data)
                assert observations.read_bytes() == original
                time.sleep(0.4)
                cycles_done.append(cycle)
        except BaseException as error:  # reported by the test, not lost in the thread
            steward_errors.append(error)
        finally:
            stop.set()

    async def during(stop: asyncio.Event) -> None:
        await asyncio.sleep(3)  # every session has loaded its page once
        finished = threading.Event()
        thread = threading.Thread(target=steward, args=(finished,))
        thread.start()
        while not finished.is_set():
            await asyncio.sleep(0.2)
        thread.join()
        await asyncio.sleep(2)

    environment = {**os.environ, "SDCF_DATA_DIR": str(data)}
    with streamlit_server(paths.PROJECT_ROOT, tmp_path / "server.log", environment) as server:
        result = run_async(lambda: run_load(server.url, 10, 0, during=during, seed=13))
    assert steward_errors == []
    assert len(cycles_done) == 20
    assert len(result.seconds) >= 20, "pages were read during the cycles: a change per cycle at least"
    assert result.failures == []
