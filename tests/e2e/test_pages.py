"""The dashboard as a person uses it, in Chromium: pages load, charts draw, links reopen views."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sdcf_metrics.schema import UPLOAD_COLUMNS
from sdcf_metrics.ui.navigation import url_paths
from tests.e2e.browser_support import CHART, assert_no_exception, chart_dialog, download, wait_until_idle


def test_a_deep_link_works_as_the_first_request_after_start(app_url, page):
    """Folder-based pages: a shared link opened first still runs the page with its frame and sidebar."""
    page.goto(f"{app_url}/City_trends?city=brussels")
    wait_until_idle(page)
    assert_no_exception(page)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("link", name="Overview").wait_for()  # a loaded machine draws the menu late
    for label in ("Overview", "City trends", "Compare cities", "Methodology"):
        assert sidebar.get_by_role("link", name=label).count() == 1
    assert "Brussels" in page.inner_text("[data-testid=stMain]")


@pytest.mark.parametrize("url_path", url_paths())
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
    city_box = page.get_by_test_id("stMain").get_by_test_id("stSelectbox").first
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
        city_box = reopened.get_by_test_id("stMain").get_by_test_id("stSelectbox").first
        assert city_box.locator("input").input_value() == "Barcelona"
    finally:
        other.close()


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
    snippet = chart_dialog(page, "Share").get_by_test_id("stCode").filter(has_text="<iframe").inner_text()
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


def upload_file(directory: Path, name: str, rows: list[dict], delimiter: str = ",", encoding: str = "utf-8"):
    """A file in the upload format, saved as an office would save it."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, UPLOAD_COLUMNS, restval="", delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path = directory / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


# One yearly figure of a city the dashboard does not list; each test's rows change what they need.
UPLOAD_FIGURE = {
    "city": "Lüttichville (fixture)",
    "country": "Testland",
    "metric": "unique_clients",
    "period_kind": "year",
    "unit": "persons",
    "counted_as": "usagers différents (fixture)",
    "source_title": "Rapport annuel (fixture)",
    "source_publisher": "Ville (fixture)",
    "source_url": "https://example.org/rapport.pdf",
}


def test_your_city_previews_a_valid_file_and_lists_the_problems_of_an_invalid_one(app_url, page, tmp_path):
    """Through the real uploader: a semicolon, decimal-comma, Latin-1 file is drawn beside Copenhagen,
    marked "not published"; a file with problems gets its list and no chart."""
    figure = UPLOAD_FIGURE
    valid = upload_file(
        tmp_path,
        "my-city.csv",
        [
            {
                **figure,
                "period_start": year,
                "period_end": year,
                "value": value,
                "quote": f"{value} (fixture).",
            }
            for year, value in (("2022", "1.310"), ("2023", "1.402"))
        ],
        delimiter=";",
        encoding="latin-1",
    )
    liege = {**figure, "city": "Liège", "country": "Belgium", "period_kind": "year", "quote": "12 (fixture)."}
    invalid = upload_file(
        tmp_path,
        "broken.csv",
        [
            {**liege, "metric": "visitz", "period_start": "2022", "period_end": "2022", "value": "12"},
            {**liege, "period_start": "2031", "period_end": "2031", "value": "12"},
        ],
    )
    page.goto(f"{app_url}/Your_city")
    wait_until_idle(page)
    uploader = page.get_by_test_id("stFileUploaderDropzoneInput")

    uploader.set_input_files(str(valid))
    page.get_by_text("my-city.csv: checked, no problems").wait_for()
    wait_until_idle(page)
    assert_no_exception(page)
    comparison = page.locator("[data-testid=stPlotlyChart]").nth(1)
    comparison.locator(".main-svg").first.wait_for()
    drawn = "".join(comparison.inner_text().split())  # long names are broken into lines on the chart
    assert "Lüttichville(fixture)(notpublished)" in drawn and "Copenhagen" in drawn
    assert "read as Windows-1252" in page.inner_text("[data-testid=stMain]")
    # The example showed "Unique clients (1 figure)": the same choice now says what the file holds.
    chosen = page.get_by_test_id("stMain").get_by_test_id("stSelectbox").first.locator("input").input_value()
    assert chosen == "Unique clients (2 figures)"

    uploader.set_input_files(str(invalid))
    page.get_by_text("broken.csv: problems found: 3").wait_for()
    wait_until_idle(page)
    assert_no_exception(page)
    assert page.locator("[data-testid=stPlotlyChart]").count() == 0
    listed = page.get_by_test_id("stTable").inner_text()
    assert "did you mean 'visits'?" in listed and "is in the future" in listed
