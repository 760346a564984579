"""What a reader notices of issue 9 and its issue 15 bullets, in Chromium: running totals drawn as a line,
the comparability of each compared figure in view without scrolling, and sources that disagree named
beside the figure. Each test leaves its screenshot in `artifacts/e2e/`.
"""

from __future__ import annotations

import re

from tests.e2e.browser_support import CHART, assert_no_exception, wait_until_idle

GRID_HEADERS = "canvas[data-testid=data-grid-canvas] th[role=columnheader]"


def test_copenhagen_s_running_totals_of_overdoses_are_one_line_with_a_marker_at_each_date(app_url, page):
    page.goto(f"{app_url}/City_trends?city=copenhagen&metric=overdoses_managed")
    wait_until_idle(page)
    page.wait_for_selector(CHART)
    assert_no_exception(page)
    chart = page.locator("[data-testid=stPlotlyChart]").first
    # A long legend entry is broken into lines (for phones): its lines' texts are read without the breaks.
    legend = [re.sub(r"\s", "", entry) for entry in chart.locator(".legendtext").all_text_contents()]
    expected = re.sub(r"\s", "", "Whole city · running total since opening (2012-10)")
    assert any(entry.startswith(expected) for entry in legend)
    # 107 overdoses by September 2013 and 210 by September 2014: one segment joins the two dates.
    lines = [
        chart.locator("path.js-line").nth(index) for index in range(chart.locator("path.js-line").count())
    ]
    joined = [line for line in lines if "L" in (line.get_attribute("d") or "")]
    assert len(joined) == 1
    assert chart.locator(".scatterlayer .trace .points path").count() >= 3  # a marker at each reported date


def test_the_comparability_of_each_compared_figure_is_in_view_without_scrolling(app_url, page):
    page.goto(f"{app_url}/Compare_cities")
    wait_until_idle(page)
    page.wait_for_selector(CHART)
    assert_no_exception(page)
    every_figure = page.get_by_test_id("stExpander").filter(has_text="Every figure for these cities")
    every_figure.locator("summary").click()  # drawn once opened, as every table of the page
    # The grid's accessible table holds the header cells of the columns it draws, i.e. those in view.
    page.wait_for_function(
        "(headers) => [...document.querySelectorAll(headers)].some(th => th.textContent === 'Comparability')",
        arg=GRID_HEADERS,
    )
    shown = page.locator(GRID_HEADERS).all_text_contents()
    assert {"City", "Period", "Figure", "Comparability"} <= set(shown)
    alert = page.get_by_test_id("stAlert").filter(has_text="Not directly comparable").first
    warning = alert.inner_text().replace("\u200b", "")
    assert (
        "Running totals of different lengths: Copenhagen (reference) 24 months; Brussels 3 months." in warning
    )


def test_a_figure_sources_disagree_about_says_so_beside_it(app_url, page):
    page.goto(f"{app_url}/City_trends?city=brussels&metric=unique_clients")
    wait_until_idle(page)
    page.wait_for_selector(CHART)
    assert_no_exception(page)
    main = page.inner_text("[data-testid=stMain]").replace("\u200b", "")  # escaping breaks autolinks
    assert "Sources disagree: more than 1,000 (Brussels Times)" in main
