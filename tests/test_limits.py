"""Text and URL limits (issue 13, point 9): every text cell has a length limit, told as FILE:ROW:COLUMN, and
every URL parameter is capped and checked before a widget, a query or a share link sees it."""

from __future__ import annotations

import csv
import io

import pytest
from apptest_helpers import open_chart_tool, run_page
from fixtures import default_rows, write_table

from sdcf_metrics.pipeline.upload.read import read_upload
from sdcf_metrics.pipeline.validate import validate_paths
from sdcf_metrics.queries import SEARCH_MAX_LENGTH
from sdcf_metrics.schema import SOURCE_TABLES, UPLOAD, UPLOAD_COLUMNS
from sdcf_metrics.ui.state import MAX_URL_TEXT, MAX_URL_VALUES

TRENDS = "pages/1_City_trends.py"
DATA = "pages/5_Data_and_sources.py"
LONG_NAME = "X" * 10_000


def test_every_column_has_a_length_limit_that_fits_the_published_data():
    for table in (*SOURCE_TABLES, UPLOAD):
        for column in table.columns:
            assert 10 <= column.length_limit <= 2_000, (table.name, column.name)
    assert UPLOAD.column("city").length_limit == 200
    assert UPLOAD.column("quote").length_limit == 2_000


def test_a_10000_character_city_name_in_the_sources_is_refused_at_its_cell(sources_dir):
    cities = default_rows("cities")
    cities[1]["name"] = LONG_NAME
    write_table(sources_dir, "cities", cities)
    problems = [str(problem) for problem in validate_paths([sources_dir])]
    shown = repr("X" * 40 + "…")
    expected = f"{sources_dir / 'cities.csv'}:3:name: {shown} is 10,000 characters long"
    assert any(problem.startswith(expected) for problem in problems), problems
    assert any("holds at most 200: shorten it" in problem for problem in problems)


def test_a_10000_character_city_name_in_an_upload_is_refused_at_its_cell():
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=UPLOAD_COLUMNS)
    writer.writeheader()
    writer.writerow({"city": LONG_NAME, "country": "Denmark", "metric": "visits", "quote": "q" * 2_001})
    result = read_upload(buffer.getvalue().encode(), "figures.csv")
    located = {
        (problem.row, problem.column) for problem in result.problems if "characters long" in problem.message
    }
    assert located == {(2, "city"), (2, "quote")}


def values(app, key: str) -> list[str]:
    """The values of one URL parameter after a run (AppTest gives one value as a string)."""
    given = app.query_params.get(key, [])
    return [given] if isinstance(given, str) else list(given)


def share_links(app) -> list[str]:
    """The link and the embed snippet a chart offers (relative under AppTest, which has no URL)."""
    return [code.value for code in open_chart_tool(app, "share").get("code") if "?" in code.value]


def test_a_100000_character_search_is_cut_to_the_search_box(monkeypatch):
    app = run_page(DATA, q="a" * 100_000)
    assert not app.exception
    assert len(app.text_input[0].value) == SEARCH_MAX_LENGTH
    assert [len(value) for value in values(app, "q")] == [SEARCH_MAX_LENGTH]


def test_share_links_carry_only_what_the_view_owns():
    app = run_page(TRENDS, city="brussels", utm_source="newsletter", tracker="x" * 5_000)
    assert not app.exception
    links = share_links(app)
    assert links and all("city=brussels" in link for link in links)
    assert not any("utm_source" in link or "tracker" in link for link in links)


@pytest.mark.parametrize(
    "query",
    [
        {"city": ["brussels"] * 10_000},
        {f"p{index}": "1" for index in range(200)},
        {"city": "brussels", "Bad Name!": "1", "v": "<script>"},
    ],
    ids=["ten thousand values", "two hundred parameters", "odd names and versions"],
)
def test_the_url_is_bounded_before_anything_reads_it(query):
    app = run_page(TRENDS, **query)
    assert not app.exception
    assert len(app.query_params) <= 16
    assert all(len(values(app, key)) <= MAX_URL_VALUES for key in app.query_params)
    assert all(len(value) <= MAX_URL_TEXT for key in app.query_params for value in values(app, key))
    assert "Bad Name!" not in app.query_params
