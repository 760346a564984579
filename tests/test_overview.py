"""The home page's figures: the size of the dataset, the focus cities' headlines and the latest facility
count of each country, drawn as bars that each carry their own date."""

from __future__ import annotations

import pytest
from apptest_helpers import build_dataset, numbers

from sdcf_metrics import paths, queries
from sdcf_metrics.charts.area_bars import latest_by_area_figure
from sdcf_metrics.headlines import headline
from sdcf_metrics.overview import (
    FACILITY_COUNT_METRIC,
    AreaCounts,
    CityHeadlines,
    area_table,
    city_headlines,
    countries_without_count,
    country_counts_summary,
    coverage_note,
    latest_facility_counts,
    tile_help,
    years_covered,
)
from sdcf_metrics.store import get_store

FACILITIES_METRIC = {
    "metric_id": "facilities_count",
    "label": "Facilities",
    "unit": "facilities",
    "kind": "count",
    "definition": "Facilities in operation (fixture).",
    "additive": "false",
}


def facility_count(observation_id, scope, area, period_end, value, qualifier="exact", **extra):
    """A facilities_count figure for an area, as a snapshot at `period_end`."""
    return {
        "observation_id": observation_id,
        "scope": scope,
        "country": area,
        "metric_id": "facilities_count",
        "period_kind": "snapshot",
        "period_start": period_end,
        "period_end": period_end,
        "value": value,
        "qualifier": qualifier,
        "unit": "facilities",
        "counted_as": f"rooms in {area} (fixture)",
        "source_id": "test-report-a",
        "quote": f"{value} rooms in {area} (fixture).",
        **extra,
    }


COUNTS = [
    facility_count("dk-2015", "country", "Denmark", "2015", "5"),
    facility_count("dk-2017", "country", "Denmark", "2017-02", "6"),
    facility_count("es-2016", "country", "Spain", "2016", "10", qualifier="more_than"),
    facility_count("catalonia-2019", "region", "Spain", "2019", "12", region="Catalonia"),
    facility_count("europe-2018", "multinational", "Europe", "2018", "90", qualifier="about"),
    facility_count("world-2016", "multinational", "World", "2016", "100", qualifier="nearly"),
]


def open_store(root):
    return get_store(paths.extracts_dir(root))


def headlines_of(store, city_ids) -> list[CityHeadlines]:
    """The home page's headlines of these cities, read as the page reads them."""
    observations = {city_id: queries.city_observations(store, city_id=city_id) for city_id in city_ids}
    return city_headlines(queries.cities(store), observations)


def counts_of(store) -> AreaCounts:
    return latest_facility_counts(queries.area_observations(store, metric_id=FACILITY_COUNT_METRIC))


@pytest.fixture
def store(tmp_path):
    return open_store(build_dataset(tmp_path))


@pytest.fixture
def store_with_counts(tmp_path):
    root = build_dataset(
        tmp_path, metrics=lambda rows: [*rows, FACILITIES_METRIC], observations=lambda rows: [*rows, *COUNTS]
    )
    return open_store(root)


def test_the_dataset_summary_counts_what_the_release_holds(store):
    summary = queries.dataset_summary(store)
    assert (summary["european_cities"], summary["european_countries"], summary["reference_cities"]) == (
        3,
        3,
        0,
    )
    assert (summary["facilities"], summary["observations"], summary["sources"]) == (2, 13, 3)
    assert years_covered(summary) == "2017–2020"
    assert coverage_note(summary) == "In 3 countries."


def test_reference_cities_outside_europe_are_counted_apart(tmp_path):
    sydney = {
        "city_id": "sydney", "name": "Sydney", "country": "Australia", "country_code": "AU",
        "latitude": "-33.87", "longitude": "151.21", "in_europe": "false",
    }  # fmt: skip
    summary = queries.dataset_summary(
        open_store(build_dataset(tmp_path, cities=lambda rows: [*rows, sydney]))
    )
    assert (summary["european_cities"], summary["reference_cities"]) == (3, 1)
    assert coverage_note(summary) == "In 3 countries, plus 1 reference cities outside Europe."


def test_focus_city_headlines_keep_the_order_given_and_skip_unknown_cities(store):
    headlines = headlines_of(store, ["brussels", "atlantis", "copenhagen"])
    assert [city.city_id for city in headlines] == ["brussels", "copenhagen"]
    brussels, copenhagen = headlines
    assert brussels.subtitle == "Belgium · no sourced population figure"
    assert copenhagen.subtitle == "Denmark · population 100,000 (2020-01-01)"
    # Test source C is a printed document: no web address to link to.
    assert (copenhagen.population_source, copenhagen.population_source_url) == (
        "Test source C (fixture)",
        "Printed test document C (fixture), p. 12",
    )
    assert [figure.metric for figure in copenhagen.figures] == ["Registered users", "Visits, average per day"]
    assert [figure.figure for figure in brussels.figures] == ["1,000–2,000"]


def test_a_city_without_headline_figures_has_none(store):
    (barcelona,) = headlines_of(store, ["barcelona"])
    assert barcelona.figures == ()


def test_each_country_shows_its_latest_count_in_alphabetical_order_regions_left_out(store_with_counts):
    counts = counts_of(store_with_counts)
    assert [(row["country"], row["value"]) for row in counts.countries] == [("Denmark", 6), ("Spain", 10)]


def test_wider_areas_are_listed_newest_first(store_with_counts):
    counts = counts_of(store_with_counts)
    assert [row["country"] for row in counts.wider_areas] == ["Europe", "World"]


def test_without_facility_counts_there_is_nothing_to_draw(store):
    counts = counts_of(store)
    assert counts.countries == [] and counts.wider_areas == []
    assert country_counts_summary(counts.countries) == ""


def test_the_area_table_and_summary_give_each_figure_with_its_date(store_with_counts):
    countries = counts_of(store_with_counts).countries
    table = area_table(countries).to_pylist()
    assert table[1] == {
        "Area": "Spain",
        "Figure": "more than 10",
        "Date": "2016",
        "What was counted": "rooms in Spain (fixture)",
        "Value": 10.0,
        "Source kind": "service or annual report",
        "Notes on the evidence": "",
        "Source": "Test source A (fixture)",
        "Publisher": "Test publisher (fixture)",
        "Link or reference": "https://example.org/fixture-report-a.pdf",
        "Quote": "10 rooms in Spain (fixture).",
    }
    assert country_counts_summary(countries) == (
        "Latest sourced count of facilities per country: Denmark 6 (2017-02); Spain more than 10 (2016)."
    )


def bars(rows):
    return latest_by_area_figure(
        rows,
        title="Facilities by country",
        subtitle="Latest count",
        axis_title="Facilities",
        data_version="v-test",
        published_on="2025-01-01",
    )


def test_bars_keep_the_order_given_top_to_bottom_each_with_figure_and_date(store_with_counts):
    figure = bars(counts_of(store_with_counts).countries)
    (bar,) = figure.data
    assert list(bar.y) == ["Denmark", "Spain"]
    assert figure.layout.yaxis.autorange == "reversed"
    assert numbers(bar.x) == [6, 10]
    assert list(bar.text) == ["6 (2017-02)", "more than 10 (2016)"]
    # The image's source line gives the publisher and the title.
    assert "Test publisher (fixture), “Test source A (fixture)”" in figure.layout.annotations[0].text


def test_a_range_is_a_floating_bar_from_its_low_to_its_high_end(tmp_path):
    ranged = facility_count("nl-2020", "country", "Netherlands", "2020", "", qualifier="range")
    ranged.update(value_low="25", value_high="31", quote="25 to 31 rooms in the Netherlands (fixture).")
    root = build_dataset(
        tmp_path, metrics=lambda rows: [*rows, FACILITIES_METRIC], observations=lambda rows: [*rows, ranged]
    )
    (bar,) = bars(counts_of(open_store(root)).countries).data
    assert numbers(bar.base) == [25] and numbers(bar.x) == [6]
    assert list(bar.text) == ["25–31 (2020)"]


def test_area_names_reach_the_chart_escaped(tmp_path):
    hostile = facility_count("x-2020", "country", "<a href='https://x.example'>Land</a>", "2020", "3")
    root = build_dataset(
        tmp_path, metrics=lambda rows: [*rows, FACILITIES_METRIC], observations=lambda rows: [*rows, hostile]
    )
    (bar,) = bars(counts_of(open_store(root)).countries).data
    assert list(bar.y) == ["&lt;a href='https://x.example'&gt;Land&lt;/a&gt;"]
    assert "<a " not in bar.hovertext[0]


def test_a_european_country_without_a_national_count_is_named_not_left_out_silently(store_with_counts):
    """Belgium has a focus city (Brussels) but no sourced national count: the page says so, rather than
    drawing a count made by adding up the facilities listed here."""
    counts = counts_of(store_with_counts)
    cities = queries.cities(store_with_counts)
    assert countries_without_count(cities, counts.countries) == ["Belgium"]


def test_a_facility_count_tile_says_why_the_facilities_page_may_count_differently(store):
    rows = [
        {**row, "metric_id": FACILITY_COUNT_METRIC}
        for row in queries.city_observations(store, city_id="copenhagen")
        if row["metric_id"] == "registered_users"
    ]
    facilities = tile_help(headline(rows[0]))
    assert facilities.startswith("In the source's words: ")
    assert "The Facilities page counts every facility this dataset lists" in facilities
    visits = next(row for row in queries.city_observations(store, city_id="copenhagen"))
    assert "Facilities page" not in tile_help(headline(visits))
