"""The dashboard as a person uses it, in Chromium: pages load, charts draw, links reopen views."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

import pytest
from browser_support import CHART, assert_no_exception, page_url_paths, wait_until_idle
from openpyxl import load_workbook


def test_a_deep_link_works_as_the_first_request_after_start(app_url, page):
    """Folder-based pages: a shared link opened first still runs the page with its frame and sidebar."""
    page.goto(f"{app_url}/City_trends?city=brussels")
    wait_until_idle(page)
    assert_no_exception(page)
    sidebar = page.get_by_test_id("stSidebar")
    for label in ("Overview", "City trends", "Compare cities", "Methodology"):
        assert sidebar.get_by_role("link", name=label).count() == 1
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


def download(page, label: str) -> bytes:
    with page.expect_download() as arrived:
        page.get_by_role("button", name=label).first.click()
    return Path(arrived.value.path()).read_bytes()


def test_chart_downloads_arrive_and_parse(app_url, page):
    page.goto(f"{app_url}/City_trends?city=copenhagen&metric=registered_users")
    wait_until_idle(page)
    page.wait_for_selector(CHART)
    table = list(csv.DictReader(io.StringIO(download(page, "Data (CSV)").decode("utf-8-sig"))))
    assert any(row["Value"] == "3090" for row in table)
    workbook = load_workbook(io.BytesIO(download(page, "Data (Excel)")))
    assert {"data", "About"} <= set(workbook.sheetnames)
    assert download(page, "Image (PNG)").startswith(b"\x89PNG")
    svg = download(page, "Image (SVG)").decode()
    assert "Registered users, Copenhagen" in svg and "Source:" in svg and "CC BY 4.0" in svg


def test_the_embed_snippet_shows_one_chart_with_its_attribution(app_url, page, browser):
    page.goto(f"{app_url}/City_trends?city=brussels&metric=visits")
    wait_until_idle(page)
    page.get_by_role("button", name="Share").first.click()
    snippet = page.locator("[data-testid=stCode]").filter(has_text="<iframe").first.inner_text()
    embed = html.unescape(snippet.split('src="', 1)[1].split('"', 1)[0])
    assert embed.startswith(app_url + "/City_trends?") and "embed=true" in embed
    other = browser.new_context()
    try:
        framed = other.new_page()
        framed.goto(embed)
        wait_until_idle(framed)
        framed.wait_for_selector(CHART)
        assert framed.locator("[data-testid=stPlotlyChart]").count() == 1
        text = framed.inner_text("body")
        assert "Brussels" in text and "CC BY 4.0" in text
        assert framed.get_by_role("link", name="Explore the full dashboard").count() == 1
    finally:
        other.close()
