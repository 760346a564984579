"""The dashboard as a person uses it, in Chromium: pages load, charts draw, links reopen views."""

from __future__ import annotations

import pytest
from browser_support import CHART, assert_no_exception, page_url_paths, wait_until_idle


def test_a_deep_link_works_as_the_first_request_after_start(app_url, page):
    """Folder-based pages: a shared link opened first still runs the page with its frame and sidebar."""
    page.goto(f"{app_url}/City_trends?city=brussels")
    wait_until_idle(page)
    assert_no_exception(page)
    assert page.get_by_test_id("stSidebarNav").is_visible()
    assert "Brussels" in page.inner_text("[data-testid=stMain]")


@pytest.mark.parametrize("url_path", page_url_paths())
def test_every_page_loads_without_errors(app_url, page, url_path):
    page.goto(f"{app_url}/{url_path}")
    wait_until_idle(page)
    assert_no_exception(page)
    charts = page.locator("[data-testid=stPlotlyChart]")
    for index in range(charts.count()):
        charts.nth(index).locator(".main-svg").first.wait_for()


def test_changing_the_city_redraws_the_chart_and_the_link_reopens_it(app_url, page, browser):
    page.goto(f"{app_url}/City_trends")
    wait_until_idle(page)
    page.wait_for_selector(CHART)
    before = page.locator("[data-testid=stPlotlyChart]").first.inner_text()
    city_box = page.get_by_test_id("stSelectbox").first
    city_box.locator("input").click()
    page.get_by_role("option", name="Barcelona", exact=True).click()
    page.wait_for_url("**city=barcelona**")
    wait_until_idle(page)
    page.wait_for_selector(CHART)
    after = page.locator("[data-testid=stPlotlyChart]").first.inner_text()
    assert after != before

    shared = page.url
    other = browser.new_context()
    try:
        reopened = other.new_page()
        reopened.goto(shared)
        wait_until_idle(reopened)
        reopened.wait_for_selector(CHART)
        assert reopened.get_by_test_id("stSelectbox").first.locator("input").input_value() == "Barcelona"
    finally:
        other.close()
