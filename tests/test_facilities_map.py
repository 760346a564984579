"""The facilities map draws itself offline: plain lines and markers, no geo trace, no URL, a small payload.

Facilities sharing a city centre become one marker with a count; places outside Europe stay off the map
and are named under it; every name reaches Plotly escaped.
"""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest
from apptest_helpers import build_dataset

from sdcf_metrics import paths
from sdcf_metrics.charts.facilities_map import (
    facilities_map_figure,
    facilities_table,
    map_summary,
    map_table,
    outline_arrays,
)
from sdcf_metrics.geography import (
    MAP_EAST,
    MAP_NORTH,
    MAP_SOUTH,
    MAP_WEST,
    VIEW_MIN_SPAN_LATITUDE,
    VIEW_MIN_SPAN_LONGITUDE,
    country_outlines,
    map_extent,
    on_map,
    places,
    project,
)
from sdcf_metrics.store import get_store
from sdcf_metrics.untrusted import escape_label

PAYLOAD_LIMIT = 150_000
HOSTILE_NAMES = ("<img src=x onerror=alert(1)>", "[x](javascript:alert(1))")


def embedded_facilities() -> list[dict]:
    """Every facility of the embedded dataset, as the Facilities page queries them."""
    return (
        get_store().query("facility_directory", countries=None, facility_type=None, status=None).to_pylist()
    )


def facility(name: str, city_id: str, city: str, longitude: float, latitude: float, **extra) -> dict:
    return {
        "name": name,
        "city_id": city_id,
        "city": city,
        "country": extra.pop("country", "Denmark"),
        "longitude": longitude,
        "latitude": latitude,
        "opened": extra.pop("opened", "2012-10"),
        "closed": extra.pop("closed", None),
        **extra,
    }


@pytest.fixture(scope="module")
def embedded_map():
    on, off = places(embedded_facilities())
    text = facilities_map_figure(on, off, "test-version", "2026-01-01").to_json()
    return json.loads(text), text


class TestDrawnOffline:
    def test_only_scatter_traces_are_used(self, embedded_map):
        spec, _ = embedded_map
        assert {trace["type"] for trace in spec["data"]} == {"scatter"}

    def test_the_layout_has_no_geo_or_map_subplot(self, embedded_map):
        spec, _ = embedded_map
        assert not {key for key in spec["layout"] if key.startswith(("geo", "mapbox", "map"))}

    def test_no_url_anywhere_in_the_figure(self, embedded_map):
        _, text = embedded_map
        assert "://" not in text
        assert "topojson" not in text.lower()

    def test_the_payload_stays_small(self, embedded_map):
        _, text = embedded_map
        assert len(text) < PAYLOAD_LIMIT


class TestOutline:
    def test_the_packaged_outline_is_small_and_clipped_to_europe(self):
        asset = resources.files("sdcf_metrics").joinpath("assets", "europe_outline.json")
        document = json.loads(asset.read_text(encoding="utf-8"))
        assert len(asset.read_bytes()) < 200_000
        assert "Natural Earth" in document["source"]
        names = {country["name"] for country in document["countries"]}
        assert {"Denmark", "Portugal", "Greece", "Norway", "Switzerland"} <= names
        longitudes = [
            point[0] for country in document["countries"] for ring in country["rings"] for point in ring
        ]
        assert min(longitudes) >= -30 and max(longitudes) <= 50

    def test_rings_are_separated_by_gaps_so_no_line_joins_two_countries(self):
        outline = country_outlines()
        assert len(outline.x) == len(outline.y)
        assert outline.x.count(None) >= outline.countries
        assert outline.x[-1] is None

    def test_the_map_draws_the_outline_with_the_same_gaps(self):
        x, y = outline_arrays()
        outline = country_outlines()
        assert len(x) == len(y) == len(outline.x)
        assert int(np.isnan(x).sum()) == outline.x.count(None) == int(np.isnan(y).sum())
        assert np.allclose(x[~np.isnan(x)], [value for value in outline.x if value is not None], atol=0.01)


class TestPlaces:
    def test_facilities_sharing_a_city_centre_become_one_place(self):
        rows = [
            facility("Skyen", "copenhagen", "Copenhagen", 12.57, 55.68),
            facility("H17", "copenhagen", "Copenhagen", 12.57, 55.68, opened="2016-08-15"),
            facility("Odense room", "odense", "Odense", 10.39, 55.40),
        ]
        on, off = places(rows)
        assert [(place.city, len(place.facilities)) for place in on] == [("Copenhagen", 2), ("Odense", 1)]
        assert off == []

    def test_a_marker_shows_its_count_when_it_stands_for_several_facilities(self):
        on, _ = places(
            [
                facility("Skyen", "copenhagen", "Copenhagen", 12.57, 55.68),
                facility("H17", "copenhagen", "Copenhagen", 12.57, 55.68),
                facility("Odense room", "odense", "Odense", 10.39, 55.40),
            ]
        )
        spec = json.loads(facilities_map_figure(on, [], "v", "2026-01-01").to_json())
        [markers] = [trace for trace in spec["data"] if trace.get("mode") == "markers+text"]
        cities = [hover.split("</b>")[0].removeprefix("<b>") for hover in markers["hovertext"]]
        assert dict(zip(cities, markers["text"], strict=True)) == {"Copenhagen": "2", "Odense": ""}

    def test_places_outside_the_window_are_named_not_drawn(self, embedded_map):
        spec, _ = embedded_map
        footer = spec["layout"]["annotations"][0]["text"]
        assert "Not on the map: 4 facilities in" in footer
        for city in ("Sydney (Australia)", "Vancouver (Canada)", "New York (United States)"):
            assert city in footer
        drawn_x = [x for trace in spec["data"][1:] for x in trace["x"]]
        assert project(151.21, -33.87)[0] not in drawn_x

    def test_the_embedded_copenhagen_rooms_share_one_marker(self):
        on, _ = places(embedded_facilities())
        [copenhagen] = [place for place in on if place.city_id == "copenhagen"]
        assert len(copenhagen.facilities) == 5  # five rooms on record, two of them unofficial services
        # The map's data carries each facility drawn with the source of its opening, like every other
        # chart's data, not one row per city.
        table = map_table(on).to_pylist()
        assert len(table) == sum(len(place.facilities) for place in on)
        assert [row["Name"] for row in table if row["City"] == "Copenhagen"] == [
            facility["name"] for facility in copenhagen.facilities
        ]
        sourced = [row for row in table if row["Source"]]
        assert sourced and all(row["Publisher"] and row["Link or reference"] for row in sourced)

    def test_a_place_where_every_facility_closed_is_drawn_hollow(self):
        on, _ = places([facility("Las Barranquillas", "madrid", "Madrid", -3.70, 40.42, closed="2011-12-31")])
        spec = json.loads(facilities_map_figure(on, [], "v", "2026-01-01").to_json())
        [closed] = [trace for trace in spec["data"] if trace.get("mode") == "markers+text"]
        assert closed["marker"]["color"] == "white"
        assert "closed 2011-12-31" in closed["hovertext"][0]


class TestProjection:
    def test_the_window_is_inside_the_outline(self):
        assert on_map(12.57, 55.68) and on_map(-9.14, 38.72)
        assert not on_map(-123.12, 49.28) and not on_map(151.21, -33.87)

    def test_longitude_is_scaled_so_central_europe_keeps_its_shape(self):
        x, y = project(10.0, 50.0)
        assert y == 50.0
        assert x == pytest.approx(6.43, abs=0.01)

    def test_one_city_still_shows_a_region_around_it(self):
        (x0, x1), (y0, y1) = map_extent([(12.57, 55.68)])
        assert x1 - x0 == pytest.approx(project(VIEW_MIN_SPAN_LONGITUDE, 0)[0], abs=0.02)
        assert y1 - y0 == pytest.approx(VIEW_MIN_SPAN_LATITUDE, abs=0.02)

    def test_without_places_the_whole_window_is_shown(self):
        assert map_extent() == (
            (project(MAP_WEST, 0)[0], project(MAP_EAST, 0)[0]),
            (MAP_SOUTH, MAP_NORTH),
        )


@pytest.mark.parametrize("hostile", HOSTILE_NAMES)
def test_names_reach_plotly_as_inert_text(hostile):
    on, off = places(
        [
            facility(hostile, "copenhagen", hostile, 12.57, 55.68, country=hostile),
            facility(hostile, "sydney", hostile, 151.21, -33.87, country=hostile),
        ]
    )
    text = facilities_map_figure(on, off, "v", "2026-01-01").to_json()
    assert "<img" not in text
    assert json.dumps(escape_label(hostile))[1:-1] in text
    assert "<a " not in text and "href" not in text


class TestDirectory:
    """The table beside the map, and the filters the page binds as query parameters."""

    @pytest.fixture
    def store(self, tmp_path):
        build_dataset(tmp_path)
        return get_store(paths.extracts_dir(tmp_path))

    def query(self, store, countries=None, facility_type=None, status=None):
        return store.query(
            "facility_directory", countries=countries, facility_type=facility_type, status=status
        )

    def test_filters_keep_only_what_was_asked_for(self, store):
        assert self.query(store).column("facility_id").to_pylist() == [
            "brussels-test-site",
            "copenhagen-test-site",
        ]
        assert self.query(store, countries=["Denmark"]).column("country").to_pylist() == ["Denmark"]
        assert self.query(store, facility_type="mixed").column("facility_id").to_pylist() == [
            "brussels-test-site"
        ]
        assert self.query(store, status="closed").column("closed").to_pylist() == ["2020-12-31"]
        assert self.query(store, status="open").column("facility_id").to_pylist() == ["copenhagen-test-site"]

    def test_a_hostile_filter_value_is_only_a_value(self, store):
        assert self.query(store, countries=["Denmark' OR 1=1 --"]).num_rows == 0

    def test_the_table_keeps_dates_as_precise_as_the_source(self, store):
        table = facilities_table(self.query(store).to_pylist()).to_pylist()
        assert [(row["Opened"], row["Closed"], row["Type"]) for row in table] == [
            ("2018-05-01", "2020-12-31", "Injection and inhalation"),
            ("2012-10", "", "Injection"),
        ]
        assert [row["On the map"] for row in table] == ["yes", "yes"]
        assert table[1]["Source"] == "Test source A (fixture)"


def test_the_text_alternative_names_every_place_with_its_count():
    copenhagen = [facility(name, "copenhagen", "Copenhagen", 12.57, 55.68) for name in ("Skyen", "H17")]
    odense = [facility("Odense room", "odense", "Odense", 10.39, 55.40)]
    assert (
        map_summary(places(copenhagen + odense)[0])
        == "Map of 3 facilities in 2 cities: Copenhagen (2); Odense (1)."
    )
    assert map_summary(places(odense)[0]) == "Map of 1 facility in 1 city: Odense (1)."
