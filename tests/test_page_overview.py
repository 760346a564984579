"""The Overview home page: the size of the dataset, the latest figures of the focus cities or of the cities
the reader chooses, with a link to each city's trends, the latest facility count per country, and data text
kept as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from apptest_helpers import (
    build_dataset,
    chart_frames,
    chart_specs,
    has_live_markup,
    rendered_markdown,
    run_page,
    with_tables_open,
)
from test_overview import COUNTS, FACILITIES_METRIC

from sdcf_metrics import paths
from sdcf_metrics.charts import FOCUS_CITIES
from sdcf_metrics.ui.navigation import PAGES
from sdcf_metrics.untrusted import escape_markdown

PAGE = "app.py"


def use_data(tmp_path, monkeypatch, **overrides):
    monkeypatch.setenv("SDCF_DATA_DIR", str(build_dataset(tmp_path, **overrides)))


@pytest.fixture
def fixture_data(tmp_path, monkeypatch):
    use_data(tmp_path, monkeypatch)


@pytest.fixture
def data_with_counts(tmp_path, monkeypatch):
    use_data(
        tmp_path,
        monkeypatch,
        metrics=lambda rows: [*rows, FACILITIES_METRIC],
        observations=lambda rows: [*rows, *COUNTS],
    )


SUMMARY_TILES = ("European cities", "Facilities on record", "Sourced figures", "Years covered")


def test_the_tiles_say_how_much_the_dataset_holds(fixture_data):
    app = run_page(PAGE)
    assert not app.exception
    summary = [(metric.label, metric.value) for metric in app.metric[: len(SUMMARY_TILES)]]
    assert summary == list(zip(SUMMARY_TILES, ["3", "2", "13", "2017–2020"], strict=True))
    assert app.metric[2].proto.help.endswith("3 sources in all.")


def test_each_focus_city_in_the_data_gets_its_latest_figures_and_a_link_to_its_trends(fixture_data):
    app = run_page(PAGE)
    assert [header.value for header in app.subheader] == ["Copenhagen", "Brussels"]
    city_tiles = [(metric.label, metric.value) for metric in app.metric[len(SUMMARY_TILES) :]]
    assert city_tiles == [
        ("Registered users", "1,234"),
        ("Visits, average per day", escape_markdown("about 12.5")),
        ("Visits", "1,000–2,000"),
    ]
    links = [(link.proto.label, link.proto.query_string) for link in app.get("page_link")]
    assert ("Copenhagen over time", "city=copenhagen") in links
    assert ("Brussels over time", "city=brussels") in links


def test_the_menu_links_each_page_where_streamlit_serves_it():
    """The frame gives `st.page_link` Streamlit's page objects, made once per process (given a file name,
    it looks the file up on the disk for every link it draws): each link still carries the address and
    the page id that Streamlit's own page list gives the file, which is what a click opens."""
    app = run_page(PAGE)
    # AppTest has no public view of the page list Streamlit registered for the `pages/` folder.
    registered = {
        Path(info["script_path"]): (info["url_pathname"], page_id)
        for page_id, info in app._registered_pages.items()
    }
    links = [(link.proto.page, link.proto.page_script_hash) for link in app.sidebar.get("page_link")]
    assert links == [registered[paths.PROJECT_ROOT / page.file] for page in PAGES]
    assert [address for address, _ in links] == [page.url_path for page in PAGES]


def test_each_tile_carries_what_was_counted_its_period_its_source_and_the_quote(fixture_data):
    app = run_page(PAGE)
    captions = [caption.value for caption in app.caption]
    # The source is one click away (its title links to its web address); source B is a news report: the
    # tile says so, as it says its source.
    assert (
        escape_markdown("visits (fixture) · 2019")
        + "  \n"
        + "Source: [Test source B \\(fixture\\)](https://example.org/fixture-report-b) (news report)"
        + "  \n"
        + escape_markdown("From a news report, not an official or service source")
        in captions
    )
    brussels_visits = next(metric for metric in app.metric if metric.value == "1,000–2,000")
    assert "Between 1,000 and 2,000 visits were made" in brussels_visits.proto.help


def test_the_latest_count_per_country_is_drawn_and_the_wider_areas_listed(data_with_counts):
    app = run_page(PAGE)
    assert not app.exception
    (chart,) = chart_frames(app)
    spec = chart.spec
    assert chart.heading.startswith("**Supervised consumption facilities by country**")
    assert spec["data"][0]["text"] == ["6 (2017-02)", "more than 10 (2016)"]
    assert app.text[0].value == (
        "Latest sourced count of facilities per country: Denmark 6 (2017-02); Spain more than 10 (2016)."
    )
    (wider_areas,) = (expander for expander in app.expander if "wider area" in expander.label)
    assert wider_areas.label.endswith("(2)") and not app.dataframe  # the table is drawn once opened
    wider = with_tables_open(app).dataframe[-1].value
    assert list(wider["Area"]) == ["Europe", "World"]
    assert list(wider["Figure"]) == ["about 90", "nearly 100"]


def test_without_facility_counts_the_page_says_there_is_none(fixture_data):
    app = run_page(PAGE)
    assert not app.get("plotly_chart")
    assert "No sourced figure for the number of facilities per country" in app.info[0].value


def test_data_text_stays_text(tmp_path, monkeypatch):
    link = "[official figures](https://phish.example)"
    image = "![](https://tracker.example/pixel.png)"

    def hostile(rows, **values):
        return [{**row, **values} for row in rows]

    use_data(
        tmp_path,
        monkeypatch,
        cities=lambda rows: hostile(rows, name=link, country=image),
        facilities=lambda rows: hostile(rows, name='<a href="https://phish.example">x</a>'),
        metrics=lambda rows: [*hostile(rows, label=image), {**FACILITIES_METRIC, "label": link}],
        sources=lambda rows: hostile(rows, title=image),
        observations=lambda rows: hostile([*rows, *COUNTS], counted_as=link, quote=image, country=link),
    )
    app = run_page(PAGE)
    assert not app.exception
    for text in rendered_markdown(app):
        assert not has_live_markup(text), text
    for link_element in app.get("page_link"):
        assert not has_live_markup(link_element.proto.label)
    (spec,) = chart_specs(app)
    assert spec["data"][0]["y"][0] == link and "<a " not in str(spec)


def test_the_home_page_runs_on_the_published_data():
    app = run_page(PAGE)
    assert not app.exception
    assert len(app.get("plotly_chart")) == 1
    assert [header.value for header in app.subheader][: len(FOCUS_CITIES)] == [
        "Copenhagen",
        "Amsterdam",
        "Brussels",
    ]


def test_any_city_can_be_chosen_and_the_choice_stays_in_the_link_and_on_compare_cities():
    """A councillor from Liège sees Liège's figures on the home page, a shared link reopens them, and
    Compare cities starts from the same cities."""
    app = run_page(PAGE)
    (cities,) = app.multiselect
    assert cities.value == list(FOCUS_CITIES)
    app = cities.set_value(["liege", "paris"]).run()
    assert not app.exception
    assert [header.value for header in app.subheader] == ["Liège", "Paris"]
    assert app.query_params["cities"] == ["liege", "paris"]
    links = [(link.proto.label, link.proto.query_string) for link in app.get("page_link")]
    assert ("Liège over time", "city=liege") in links
    assert run_page(PAGE, cities=["paris"]).subheader[0].value == "Paris"
    compare = app.switch_page("pages/2_Compare_cities.py").run()
    assert compare.multiselect[0].value == ["liege", "paris"]


def test_with_no_city_chosen_the_page_says_how_to_choose_one():
    app = run_page(PAGE)
    app = app.multiselect[0].set_value([]).run()
    assert not app.subheader
    assert app.info[0].value == "Choose one or more cities to see their latest figures."


def test_europe_at_a_glance_says_how_complete_the_facility_list_is_against_the_sourced_totals():
    app = run_page(PAGE)
    assert not app.exception
    (note,) = [text.value for text in app.markdown if "facility list holds" in text.value]
    assert "officially authorised rooms in Europe" in note
    assert escape_markdown("about 100 in EU-27") in note  # the EMCDDA director, quoted in June 2022
    assert "EUDA's own current total was not found" in note
