"""Helpers shared by the browser tests."""

from __future__ import annotations

from sdcf_metrics.ui.navigation import url_paths

CHART = "[data-testid=stPlotlyChart] .main-svg"
APP_IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"


def page_url_paths() -> list[str]:
    """URL paths of every page, from the page list: "" for the home page, then `Name` for `N_Name.py`."""
    return url_paths()


def wait_until_idle(page) -> None:
    """Wait until the script has finished its run, so what is on screen is final."""
    page.wait_for_selector(APP_IDLE, state="attached")
    page.wait_for_timeout(300)
    page.wait_for_selector(APP_IDLE, state="attached")


def assert_no_exception(page) -> None:
    assert page.locator("[data-testid=stException]").count() == 0
    assert "Traceback" not in page.inner_text("body")
