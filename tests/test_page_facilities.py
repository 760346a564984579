"""The Facilities page, run as Streamlit serves it: the offline map, the table beside it, and the filters.

Filters live in the URL, so a shared link reopens the same selection; a temporary dataset checks the
empty state and that hostile names stay text.
"""

from __future__ import annotations

import json
import re

import pytest
from apptest_helpers import build_dataset, chart_specs, has_live_markup, run_page_in_app
from fixtures import edit_row

PAGE = "pages/4_Facilities.py"
HOSTILE_IMAGE = "<img src=x onerror=alert(1)>"
HOSTILE_LINK = "[x](javascript:alert(1))"
UNESCAPED_TAG = re.compile(r"(?<!\\)<")


def facility_table(app):
    """The table beside the map (the chart's own data table sits in an expander: no `On the map`)."""
    [table] = [frame.value for frame in app.dataframe if "On the map" in frame.value.columns]
    return table


def marker_counts(app) -> dict[str, str]:
    """City -> the count written on its marker ('' for a single facility), from the map's hover text."""
    [spec] = chart_specs(app)
    markers = [trace for trace in spec["data"] if trace.get("mode") == "markers+text"]
    return {
        hover.split("</b>")[0].removeprefix("<b>"): text
        for trace in markers
        for hover, text in zip(trace["hovertext"], trace["text"], strict=True)
    }


@pytest.fixture(scope="module")
def default_view():
    return run_page_in_app(PAGE)


class TestDefaultView:
    def test_renders_without_an_exception(self, default_view):
        assert not default_view.exception

    def test_the_map_is_drawn_with_scatter_traces_only(self, default_view):
        [spec] = chart_specs(default_view)
        assert {trace["type"] for trace in spec["data"]} == {"scatter"}
        assert "://" not in json.dumps(spec)

    def test_every_facility_is_in_the_table(self, default_view):
        table = facility_table(default_view)
        assert len(table) == 105  # the issue 9 registry: 101 European rooms and 4 abroad
        assert list(table.columns[:8]) == [
            "Name",
            "City",
            "Country",
            "Opened",
            "Closed",
            "Type",
            "Operator",
            "On the map",
        ]
        paris = table[table["City"] == "Paris"].iloc[0]
        assert (paris["Opened"], paris["Source"]) == (
            "2016-10-17",
            "Paris: Entre 110 et 120 usagers chaque jour à la salle de shoot",
        )

    def test_city_centres_with_several_facilities_show_their_count(self, default_view):
        counts = marker_counts(default_view)
        assert counts["Copenhagen"] == "5"  # five rooms on record, two of them unofficial services
        assert counts["Paris"] == ""

    def test_reference_sites_abroad_are_listed_not_drawn(self, default_view):
        assert "Sydney" not in marker_counts(default_view)
        captions = [caption.value for caption in default_view.main.caption]
        not_on_map = [caption for caption in captions if "listed in the table" in caption]
        assert len(not_on_map) == 1
        for city in ("Sydney", "Vancouver", "New York"):
            assert city in not_on_map[0]
        table = facility_table(default_view)
        assert set(table[table["On the map"] == "no"]["City"]) == {"Sydney", "Vancouver", "New York"}

    def test_the_caption_says_locations_are_approximate(self, default_view):
        assert any("Approximate locations" in caption.value for caption in default_view.caption)


def test_a_url_with_filters_restores_the_view():
    app = run_page_in_app(PAGE, country=["Denmark", "Spain"], status="open")
    assert not app.exception
    assert app.multiselect[0].value == ["Denmark", "Spain"]
    assert set(facility_table(app)["Country"]) == {"Denmark", "Spain"}
    assert marker_counts(app) == {
        "Barcelona": "6",
        "Copenhagen": "4",
        "Lleida": "2",
        "Aarhus": "",
        "Odense": "",
        "Vejle": "",
        "Badalona": "",
        "Bilbao": "",
        "Constantí": "",
        "Madrid": "",
        "Sant Adrià de Besòs": "",
    }


def test_changing_a_filter_changes_the_map_and_the_url():
    app = run_page_in_app(PAGE)
    everywhere = marker_counts(app)
    app.selectbox[0].select("injection").run()
    assert not app.exception
    assert app.query_params["type"] == "injection"
    assert marker_counts(app) != everywhere
    assert set(facility_table(app)["Type"]) == {"Injection"}


def test_closed_facilities_are_drawn_hollow():
    app = run_page_in_app(PAGE, status="closed")
    [spec] = chart_specs(app)
    [closed] = [trace for trace in spec["data"] if trace.get("mode") == "markers+text"]
    assert closed["marker"]["color"] == "white"
    closed_on = list(facility_table(app)["Closed"])
    assert len(closed_on) == 10 and "2011-12-31" in closed_on  # Madrid's Las Barranquillas among them


def test_filters_that_match_nothing_show_the_no_data_state(tmp_path, monkeypatch):
    build_dataset(tmp_path)
    monkeypatch.setenv("SDCF_DATA_DIR", str(tmp_path))
    app = run_page_in_app(PAGE, country="Denmark", status="closed")
    assert not app.exception
    assert [info.value for info in app.info] == ["No sourced figure for facilities matching these filters."]
    assert chart_specs(app) == []


@pytest.fixture(scope="module")
def hostile_view(tmp_path_factory):
    """A temporary dataset whose city, country, facility, operator and source names are hostile."""
    root = tmp_path_factory.mktemp("hostile-facilities")
    build_dataset(
        root,
        cities=edit_row(0, name=HOSTILE_IMAGE, country=HOSTILE_LINK),
        facilities=edit_row(0, name=HOSTILE_LINK, operator=HOSTILE_IMAGE),
        sources=edit_row(0, title=HOSTILE_IMAGE),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SDCF_DATA_DIR", str(root))
        yield run_page_in_app(PAGE, country=HOSTILE_LINK)


class TestHostileData:
    @pytest.fixture
    def app(self, hostile_view):
        return hostile_view

    def test_a_hostile_country_in_the_url_selects_that_country_and_nothing_else(self, app):
        assert not app.exception
        assert list(facility_table(app)["Name"]) == [HOSTILE_LINK]

    def test_markdown_shows_no_tag_and_no_link_but_the_sources_own(self, app):
        rendered = [element.value for element in [*app.markdown, *app.caption, *app.title, *app.info]]
        for text in rendered:
            assert not UNESCAPED_TAG.search(text), text
            assert not has_live_markup(text), text

    def test_plotly_receives_escaped_names(self, app):
        text = json.dumps(chart_specs(app))
        assert "<img" not in text and "<a " not in text
        assert "&lt;img src=x onerror=alert(1)&gt;" in text

    def test_the_table_shows_the_raw_text_as_text(self, app):
        row = facility_table(app).iloc[0]
        assert (row["Name"], row["City"], row["Operator"], row["Source"]) == (
            HOSTILE_LINK,
            HOSTILE_IMAGE,
            HOSTILE_IMAGE,
            HOSTILE_IMAGE,
        )
