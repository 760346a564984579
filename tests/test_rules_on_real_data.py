"""The comparison and headline rules of issue 9, each on the published rows it was written for.

These read the committed extracts, like `test_dataset.py`: when a figure is corrected, the test that
names it says what the dashboard now does with it.
"""

from __future__ import annotations

from datetime import date

import pytest

from sdcf_metrics import paths, queries, trends
from sdcf_metrics.compare.comparison import compare_cities, first_openings
from sdcf_metrics.compare.describe import comparability_lines, refusal_text
from sdcf_metrics.compare.marks import DATE_GAP, DIFFERENT_LENGTH, comparability_marks
from sdcf_metrics.compare.normalise import Denominators, Why, normalise, rooms_in_city
from sdcf_metrics.headlines import caveats, headline, headline_figures
from sdcf_metrics.store import get_store


@pytest.fixture(scope="module")
def store():
    return get_store(paths.extracts_dir(paths.PROJECT_ROOT / "data"))


@pytest.fixture(scope="module")
def rows(store):
    """Every published figure by id, with its details."""
    table = store.sql("SELECT * FROM observation_details").to_pylist()
    return {row["observation_id"]: row for row in table}


@pytest.fixture(scope="module")
def facilities(store):
    return queries.facilities(store)


def denominators(store, city_id):
    def totals(metric_id):
        return queries.metric_across_cities(store, metric_id=metric_id, city_ids=[city_id])

    return Denominators(
        populations=totals("population"),
        facilities=queries.facilities(store),
        facility_counts=totals("facilities_count"),
        consumptions=totals("consumptions"),
    )


# Running totals since opening ---------------------------------------------------------------------------


def test_copenhagen_s_two_years_and_brussels_s_twelve_weeks_are_running_totals_of_different_lengths(rows):
    copenhagen, brussels = rows["o0001"], rows["o0234"]  # 3,090 registered users; GATE's 249
    assert DIFFERENT_LENGTH in comparability_marks(brussels, copenhagen)
    comparison = compare_cities(
        [copenhagen, brussels], ["copenhagen", "brussels"], "absolute", Denominators()
    )
    assert (
        "Running totals of different lengths: Copenhagen (reference) 24 months; Brussels 3 months."
        in comparability_lines(comparison.latest, comparison.reference)
    )


def test_running_totals_of_one_definition_are_one_line_and_totals_that_do_not_grow_are_not_joined(store):
    overdoses = trends.of_metric(queries.city_observations(store, city_id="copenhagen"), "overdoses_managed")
    since_october_2012 = next(
        series for series in trends.split_series(overdoses) if series.since == "2012-10"
    )
    assert [row["observation_id"] for row in since_october_2012.points_with_gaps()] == ["o0351", "o0005"]
    assert (
        trends.series_name(since_october_2012, False) == "Whole city · running total since opening (2012-10)"
    )
    # Sydney: "over a million" injections in 2017 and "a million" in 2022 say nothing happened for five
    # years if joined; they stay two points.
    injections = trends.of_metric(queries.city_observations(store, city_id="sydney"), "consumptions")
    (sydney,) = [
        series for series in trends.split_series(injections) if series.period_kind == "since_opening"
    ]
    assert [row and row["observation_id"] for row in sydney.points_with_gaps()] == ["o0230", None, "o0061"]


# Per 100,000 residents and per facility -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("observation_id", "city_id", "why"),
    [
        ("o0320", "paris", Why.PART_OF_CITY),  # rue de Maubeuge
        ("o1016", "barcelona", Why.PART_OF_CITY),  # the district of Sant Martí
        ("o0200", "amsterdam", Why.PART_OF_CITY),  # De Regenboog Groep's sites
    ],
)
def test_per_100k_refuses_a_street_a_district_or_an_operator(store, rows, observation_id, city_id, why):
    normalised = normalise(rows[observation_id], "per_100k", denominators(store, city_id))
    assert normalised.refusal.why == why
    assert rows[observation_id]["place"] in refusal_text(normalised.refusal)


def test_per_100k_refuses_one_room_of_several_and_accepts_a_city_s_only_room(store, rows):
    skyen = normalise(rows["o0004"], "per_100k", denominators(store, "copenhagen"))
    assert skyen.refusal.why == Why.ONE_OF_SEVERAL
    gate = normalise(rows["o0234"], "per_100k", denominators(store, "brussels"))
    assert gate.computable and gate.divisor.row["period_end"] == "2020-01-01"


def test_per_100k_needs_a_population_within_three_years(store, rows):
    amsterdam_1998 = normalise(rows["o0199"], "per_100k", denominators(store, "amsterdam"))
    assert amsterdam_1998.refusal.why == Why.POPULATION_TOO_FAR
    copenhagen_2014 = normalise(rows["o0001"], "per_100k", denominators(store, "copenhagen"))
    assert copenhagen_2014.divisor.row["observation_id"] == "o0330"  # the 2014 population


def test_per_facility_needs_a_count_of_the_city_s_rooms_for_the_same_date(store, rows):
    copenhagen_2014 = normalise(rows["o0001"], "per_facility", denominators(store, "copenhagen"))
    assert copenhagen_2014.refusal.why == Why.NO_FACILITY_COUNT  # the rooms are counted in 2024 only
    frankfurt = [
        row
        for row in queries.metric_across_cities(store, metric_id="unique_clients", city_ids=["frankfurt"])
        if row["scope"] == "city" and row["period_end"] == "2022"
    ]
    (clients_2022,) = frankfurt
    divided = normalise(clients_2022, "per_facility", denominators(store, "frankfurt"))
    assert divided.computable and divided.divisor.row["observation_id"] == "o2007"  # 4 rooms in 2022


# Dates --------------------------------------------------------------------------------------------------


def test_amsterdam_is_shown_with_its_figure_nearest_the_reference_not_the_1998_one(store):
    cities = ["copenhagen", "amsterdam", "brussels"]
    registered = queries.metric_across_cities(store, metric_id="registered_users", city_ids=cities)
    comparison = compare_cities(registered, cities, "absolute", Denominators())
    amsterdam = next(value for value in comparison.latest if value.row["city_id"] == "amsterdam")
    assert amsterdam.row["period_end"] == "2016"
    nineteen_ninety_eight = next(
        value for value in comparison.values if value.row["observation_id"] == "o0199"
    )
    assert DATE_GAP in nineteen_ninety_eight.marks


# Openings -----------------------------------------------------------------------------------------------


def test_a_volunteer_room_is_never_copenhagen_s_first_opening(facilities):
    assert first_openings(facilities)["copenhagen"]["facility_id"] == "copenhagen-halmtorvet-2012"


def test_a_closed_room_is_not_open(facilities):
    # Madrid's Las Barranquillas room opened in May 2000 and closed at the end of 2011; Cañada Real opened
    # in 2024.
    assert rooms_in_city("madrid", date(2005, 1, 1), facilities) == 1
    assert rooms_in_city("madrid", date(2012, 6, 1), facilities) == 0
    assert rooms_in_city("madrid", date(2024, 6, 1), facilities) == 1


# Headline tiles -----------------------------------------------------------------------------------------


def test_barcelona_s_facility_tile_is_never_a_councillor_s_claim(store):
    figures = headline_figures(queries.city_observations(store, city_id="barcelona"))
    facilities_tile = next(row for row in figures if row["metric_id"] == "facilities_count")
    assert facilities_tile["source_kind"] != "claim" and facilities_tile["value"] != 15


def test_paris_s_five_transfers_to_hospital_are_not_overdoses_managed(store):
    paris = queries.city_observations(store, city_id="paris")
    five = [row for row in paris if row["value"] == 5 and "urgences" in row["quote"]]
    assert {row["metric_id"] for row in five} == {"emergency_referrals"}
    assert "overdoses_managed" not in {row["metric_id"] for row in headline_figures(paris)}


def test_a_single_day_or_a_seed_only_figure_is_a_tile_only_when_the_tile_says_so(store):
    copenhagen = headline_figures(queries.city_observations(store, city_id="copenhagen"))
    peak_day = next(row for row in copenhagen if row["metric_id"] == "consumptions")
    assert peak_day["period_kind"] == "day" and caveats(peak_day)
    assert "Not a year, a month or a running total: single day" in headline(peak_day).caveat
    assert "Found only in a seed article" in headline(peak_day).caveat


def test_a_tile_with_a_conflict_shows_both_values(store):
    brussels = headline_figures(queries.city_observations(store, city_id="brussels"))
    clients = next(row for row in brussels if row["metric_id"] == "unique_clients")
    assert clients["observation_id"] == "o0238"  # 972, the operator's counted figure, leads
    assert headline(clients).disagreement == "Sources disagree: more than 1,000 (Brussels Times)"


def test_nrw_703_drug_deaths_are_2022_and_paris_2175601_residents_are_2018(rows):
    """Corrections of the review that earlier tests and pages relied on (issue 9)."""
    assert (rows["o0092"]["value"], rows["o0092"]["period_end"]) == (703, "2022")
    paris = [row for row in rows.values() if row["city_id"] == "paris" and row["value"] == 2175601]
    assert [row["period_end"][:4] for row in paris] == ["2018"]
