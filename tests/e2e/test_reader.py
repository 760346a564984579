"""What a reader sees, in Chromium: a source opens in a new tab, an exported image says what was measured,
an upload is checked in one pass with its good rows previewed, and the smaller words that were unclear.

Following a source's link must not make the dashboard load anything from outside: the link opens a new
tab only when clicked, and here every request that tab makes is answered by a stub on this machine
(`stub_the_outside`), so nothing leaves it. Screenshots of what each test checks go to `artifacts/e2e/`.
"""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlparse

from openpyxl import load_workbook

from tests.e2e.browser_support import CHART, assert_no_exception, download, wait_until_idle
from tests.e2e.conftest import ARTIFACTS, LOOPBACK_HOSTS, STEWARD_CONTACT
from tests.e2e.test_pages import UPLOAD_FIGURE, upload_file


def shot(locator, name: str) -> None:
    """A screenshot of one part of the page, named for what it shows."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def stub_the_outside(context) -> list[dict[str, str]]:
    """Answer every request for another host with a local stub page, and record what was asked."""
    asked: list[dict[str, str]] = []

    def answer(route, request) -> None:
        if urlparse(request.url).hostname in LOOPBACK_HOSTS:
            route.continue_()
            return
        asked.append({"url": request.url, **request.headers})
        route.fulfill(status=200, content_type="text/html", body="<title>stub</title>source")

    context.route("**/*", answer)
    return asked


# Sources one click away -------------------------------------------------------------------------------------


def test_a_tiles_source_opens_in_a_new_tab_with_no_opener_and_no_referrer(app_url, page, watch):
    asked = stub_the_outside(page.context)
    page.goto(app_url)
    wait_until_idle(page)
    main = page.get_by_test_id("stMain")
    tile_caption = main.get_by_test_id("stCaptionContainer").filter(has_text="Source:").nth(1)
    link = tile_caption.locator("a[href^='http']").first
    href = link.get_attribute("href")
    assert link.get_attribute("target") == "_blank"
    assert set(link.get_attribute("rel").split()) >= {"noopener", "noreferrer"}
    shot(tile_caption, "reader-tile-source-link")
    assert watch.foreign_requests == [], "showing a link loads nothing from its site"

    with page.context.expect_page() as opened:
        link.click()
    source_tab = opened.value
    source_tab.wait_for_load_state()
    assert source_tab.url == href
    assert source_tab.evaluate("window.opener") is None
    (request,) = [item for item in asked if item["url"] == href]
    assert "referer" not in request, "the source's site is not told which page sent the reader"
    # The dashboard's own address keeps the reader's language (`?lang=en`): the page, not the query, counts.
    assert page.url.split("?", 1)[0].rstrip("/") == app_url, "the dashboard stays open in its own tab"


def test_every_chart_names_its_sources_as_links_under_it(app_url, page):
    page.goto(f"{app_url}/City_trends?city=copenhagen&metric=registered_users")
    wait_until_idle(page)
    page.wait_for_selector(CHART)
    line = (
        page.get_by_test_id("stCaptionContainer")
        .filter(has_text="Source")
        .filter(has=page.locator("a[target=_blank]"))
    )
    links = line.first.locator("a")
    links.first.wait_for()
    for index in range(links.count()):
        assert urlparse(links.nth(index).get_attribute("href")).scheme in ("http", "https")
        assert "noreferrer" in links.nth(index).get_attribute("rel")
    shot(line.first, "reader-chart-source-line")


def test_the_methodology_examples_link_their_sources(app_url, page):
    page.goto(f"{app_url}/Methodology")
    wait_until_idle(page)
    table = page.get_by_test_id("stTable").filter(has_text="Example from the data").first
    links = table.locator("a")
    links.first.wait_for()
    assert links.count() >= 5
    assert all(
        links.nth(index).get_attribute("href").startswith(("http://", "https://"))
        for index in range(links.count())
    )
    assert "data/README.md" not in page.inner_text("[data-testid=stMain]")
    shot(table, "reader-methodology-example-sources")


def test_the_data_page_shows_source_addresses_as_a_link_column(app_url, page):
    page.goto(f"{app_url}/Data_and_sources?view=sources")
    wait_until_idle(page)
    table = page.get_by_test_id("stDataFrame").first
    table.wait_for()
    # The grid is drawn on a canvas; its accessible copy holds each link cell's address.
    table.locator("[role=gridcell]").first.wait_for(state="attached")
    cells = table.locator("[role=gridcell]").all_inner_texts()
    assert any(cell.startswith("https://") for cell in cells)
    shot(table, "reader-data-sources-link-column")


# Exported images say what was measured ----------------------------------------------------------------------


def test_the_exported_paris_litter_image_names_the_street_the_periods_and_the_publisher(app_url, page):
    page.goto(f"{app_url}/Needle_litter?city=paris")
    wait_until_idle(page)
    page.wait_for_selector(CHART)
    svg = download(page, "Image (SVG)").decode()
    assert "Syringes found in public space, rue de Maubeuge, Paris" in svg
    assert "unequal length (183 and 150 days)" in svg
    assert "(183 days)" in svg and "(150 days)" in svg
    assert "Source: Europe 1 / AFP, “Paris: 60% de seringues" in svg
    png = download(page, "Image (PNG)")
    assert png.startswith(b"\x89PNG")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "reader-paris-litter-export.png").write_bytes(png)


def test_the_exported_data_of_the_map_lists_each_facility_with_its_source(app_url, page):
    page.goto(f"{app_url}/Facilities")
    wait_until_idle(page)
    page.wait_for_selector(CHART)
    table = list(csv.DictReader(io.StringIO(download(page, "Data (CSV)").decode("utf-8-sig"))))
    copenhagen = [row for row in table if row["City"] == "Copenhagen"]
    # Skyen, H17, the 2012 temporary room, Café Dugnad's room and the volunteer mobile room
    assert len(copenhagen) == 5, "one row per facility drawn, not one per city"
    dated = [row for row in copenhagen if row["Opened"]]
    assert dated and all(row["Source"] and row["Publisher"] and row["Link or reference"] for row in dated)
    workbook = load_workbook(io.BytesIO(download(page, "Data (Excel)")))
    assert "Sources" in [row[0].value for row in workbook["About"].iter_rows()]
    caption = page.get_by_test_id("stCaptionContainer").filter(has_text="facilities in this dataset").first
    assert "open or closed" in caption.inner_text()
    shot(caption, "reader-facilities-what-each-number-counts")


# Uploads checked in one pass --------------------------------------------------------------------------------


def test_an_upload_is_checked_in_one_pass_and_its_good_rows_previewed_beside_the_bad(app_url, page, tmp_path):
    page.goto(f"{app_url}/Your_city")
    wait_until_idle(page)
    main = page.get_by_test_id("stMain")
    assert "Your file passed every check" not in main.inner_text(), "no file was uploaded yet"
    good = [
        {
            **UPLOAD_FIGURE,
            "period_start": year,
            "period_end": year,
            "value": value,
            "quote": f"{value} (fixture).",
        }
        for year, value in (("2022", "1310"), ("2023", "1402"))
    ]
    bad = {**UPLOAD_FIGURE, "period_start": "2031", "period_end": "2031", "value": "-5", "quote": ""}
    misnamed = {**good[0], "period_start": "2021", "period_end": "2021", "metric": "Unique clients"}
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        str(upload_file(tmp_path, "partly-wrong.csv", [good[0], bad, good[1], misnamed]))
    )
    page.get_by_text("partly-wrong.csv: problems found: 5").wait_for()
    wait_until_idle(page)
    assert_no_exception(page)
    assert "Problems found: 5, in 2 of the 4 rows." in main.inner_text()
    problems = main.get_by_test_id("stTable").first.inner_text()
    for words in (
        "is in the future",
        "is negative",
        "required value is missing",
        "did you mean 'unique_clients'?",
    ):
        assert words in problems, words
    assert "copenhagen-skyen" not in problems
    side_by_side = (
        main.get_by_test_id("stHorizontalBlock")
        .filter(has_text="Rows with problems (2)")
        .filter(has_text="Rows that passed every check (2)")
        .last
    )
    side_by_side.get_by_test_id("stDataFrame").wait_for()
    shot(side_by_side, "reader-upload-one-pass")

    chart = page.locator("[data-testid=stPlotlyChart]").nth(1)
    chart.locator(".main-svg").first.wait_for()
    # A long city name is broken into lines beside its marks (for phones): read without the breaks.
    drawn = re.sub(r"\s", "", chart.inner_text())
    assert re.sub(r"\s", "", "Lüttichville (fixture) (not published)") in drawn
    contact = main.locator(f"a[href='mailto:{STEWARD_CONTACT}']")
    contact.wait_for()
    assert contact.count() == 1
    shot(
        contact.locator("xpath=ancestor::*[@data-testid='stMarkdownContainer'][1]"),
        "reader-upload-where-to-send",
    )


# Smaller things ---------------------------------------------------------------------------------------------


def test_the_home_page_says_why_belgium_has_no_bar(app_url, page):
    page.goto(app_url)
    wait_until_idle(page)
    page.wait_for_selector(CHART)
    note = page.get_by_test_id("stCaptionContainer").filter(has_text="for want of a sourced national count")
    assert "Belgium" in note.first.inner_text()
    shot(note.first, "reader-europe-at-a-glance-belgium")


def test_national_death_rates_open_on_the_latest_year(app_url, page):
    page.goto(f"{app_url}/Compare_cities")
    wait_until_idle(page)
    year = page.get_by_test_id("stSelectbox").filter(has_text="Year").locator("input")
    assert year.input_value().startswith("2018")
    shot(page.get_by_test_id("stSelectbox").filter(has_text="Year"), "reader-death-rates-latest-year")


def test_event_labels_are_whole_on_the_trend_image(app_url, page):
    page.goto(f"{app_url}/City_trends?city=copenhagen&metric=overdoses_managed")
    wait_until_idle(page)
    page.wait_for_selector(CHART)
    svg = download(page, "Image (SVG)").decode()
    assert "…" not in svg
    assert "Borgerrepræsentationen)" in svg
    png = download(page, "Image (PNG)")
    (ARTIFACTS / "reader-trend-event-labels.png").write_bytes(png)
