"""How cities are compared: which figure is the reference, how every other figure is marked against it,
how a figure is divided by residents, facilities or consumptions, and why nothing is ever added up.

Each test builds the few rows it needs with `figure()`, shaped like the store's `observation_details`
rows, so the rule under test is visible in the test itself.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sdcf_metrics.compare import comparison, national
from sdcf_metrics.compare.comparison import ComparedValue, compare_cities
from sdcf_metrics.compare.describe import comparability_warning, comparison_table, describe_normalised
from sdcf_metrics.compare.marks import (
    COMPARABILITY_MARKS,
    COMPARABILITY_RULES,
    DIFFERENT_DEFINITION,
    DIFFERENT_PERIOD,
    DIFFERENT_SCOPE,
    SAME,
    comparability_marks,
    definition_family,
)
from sdcf_metrics.compare.normalise import Denominators, facilities_open, normalise
from sdcf_metrics.periods import parse_partial_date, period_class, period_class_label, period_label
from sdcf_metrics.vocabulary import NORMALISATIONS, ids

CITIES = {
    "copenhagen": ("Copenhagen", "Denmark"),
    "brussels": ("Brussels", "Belgium"),
    "oslo": ("Oslo", "Norway"),
}
LABELS = {"registered_users": "Registered users", "overdoses_managed": "Overdoses managed on site"}


def figure(**values: Any) -> dict[str, Any]:
    """One figure as the store returns it: a city-wide count of registered users for 2020 unless told."""
    row: dict[str, Any] = {
        "observation_id": "o-1",
        "scope": "city",
        "city_id": "copenhagen",
        "facility_id": None,
        "facility": None,
        "metric_id": "registered_users",
        "metric_kind": "count",
        "additive": False,
        "breakdown": None,
        "period_kind": "year",
        "period_start": "2020",
        "period_end": "2020",
        "value": 1000.0,
        "value_low": None,
        "value_high": None,
        "qualifier": "exact",
        "rate_per": None,
        "unit": "persons",
        "counted_as": "registered users",
        "source_title": "Annual report",
        "source_publisher": "City health department",
        "source_url": "https://example.org/report",
        **values,
    }
    row["city"] = CITIES[row["city_id"]][0]
    row.setdefault("country", CITIES[row["city_id"]][1])
    row.setdefault("metric", LABELS.get(row["metric_id"], row["metric_id"]))
    start, end = row["period_start"], row["period_end"]
    row["period_start_date"] = parse_partial_date(start)[0] if start else None
    row["period_end_date"] = parse_partial_date(end)[1]
    row["period_label"] = period_label(row["period_kind"], start, end)
    return row


def facility_figure(**values: Any) -> dict[str, Any]:
    return figure(scope="facility", facility_id="copenhagen-skyen", facility="Skyen", **values)


def population(when: str, value: float, qualifier: str = "exact", **values: Any) -> dict[str, Any]:
    return figure(
        observation_id=f"population-{when}",
        metric_id="population",
        metric_kind="population",
        period_kind="snapshot",
        period_start=when,
        period_end=when,
        value=value,
        qualifier=qualifier,
        unit="inhabitants",
        counted_as="residents",
        source_title=f"City register {when}",
        **values,
    )


def consumptions(value: float, qualifier: str = "exact", **values: Any) -> dict[str, Any]:
    return figure(
        observation_id="consumptions",
        metric_id="consumptions",
        additive=True,
        value=value,
        qualifier=qualifier,
        unit="consumptions",
        counted_as="consommations",
        source_title="Activity report",
        **values,
    )


def facility(facility_id: str, opened: date | None, closed: date | None = None, city_id: str = "copenhagen"):
    return {
        "facility_id": facility_id,
        "name": facility_id.title(),
        "city_id": city_id,
        "city": CITIES[city_id][0],
        "opened": opened.isoformat() if opened else None,
        "opened_date": opened,
        "closed_date": closed,
    }


# --- The reference and the marks ------------------------------------------------------------------------


def test_the_reference_is_the_most_recent_figure_of_the_first_chosen_city():
    old = figure(observation_id="old", period_start="2018", period_end="2018")
    new = figure(observation_id="new")
    brussels = figure(observation_id="bxl", city_id="brussels", period_start="2023", period_end="2023")
    comparison = compare_cities([old, new, brussels], ["copenhagen", "brussels"], "absolute", Denominators())
    assert comparison.reference is new


def test_when_the_first_city_has_no_figure_the_next_city_gives_the_reference_and_the_page_can_say_so():
    brussels = figure(city_id="brussels")
    comparison = compare_cities([brussels], ["oslo", "brussels"], "absolute", Denominators())
    assert comparison.reference is brussels
    assert comparison.cities_without_data == ("oslo",)


def test_identical_wording_in_the_same_unit_is_the_same_definition():
    reference = figure()
    assert comparability_marks(
        figure(city_id="brussels", period_start="2023", period_end="2023"), reference
    ) == (SAME,)


def test_known_wordings_of_one_thing_are_the_same_definition_across_languages():
    reference = figure(counted_as="registered users")
    french = figure(city_id="brussels", counted_as="personnes étaient inscrites")
    assert definition_family(french) == "people registered"
    assert comparability_marks(french, reference) == (SAME,)


@pytest.mark.parametrize(
    ("counted_as", "unit", "family"),
    [
        ("Notfälle", "emergencies", "all drug emergencies"),
        ("overdoses were reversed", "overdoses", "overdoses reversed"),
        ("accompagnements vers les urgences de l'hôpital", "transfers", "transfers to hospital"),
    ],
)
def test_overdose_situations_drug_emergencies_and_reversals_are_different_definitions(
    counted_as, unit, family
):
    reference = figure(metric_id="overdoses_managed", counted_as="overdose situations", unit="overdoses")
    other = figure(metric_id="overdoses_managed", city_id="oslo", counted_as=counted_as, unit=unit)
    assert definition_family(other) == family
    assert comparability_marks(other, reference) == (DIFFERENT_DEFINITION,)


def test_a_wording_the_project_cannot_place_is_never_claimed_to_be_the_same():
    reference = figure(counted_as="registered users")
    unplaced = figure(city_id="oslo", counted_as="Klient*innen")
    assert definition_family(unplaced) == ""
    assert comparability_marks(unplaced, reference) == (DIFFERENT_DEFINITION,)


def test_the_same_words_counted_in_another_unit_are_a_different_definition():
    reference = figure(metric_id="overdoses_managed", counted_as="overdoses", unit="overdoses")
    in_people = figure(metric_id="overdoses_managed", city_id="oslo", counted_as="overdoses", unit="persons")
    assert comparability_marks(in_people, reference) == (DIFFERENT_DEFINITION,)


@pytest.mark.parametrize(
    ("period", "comparable"),
    [
        ({"period_kind": "year", "period_start": "2019", "period_end": "2019"}, True),
        ({"period_kind": "span", "period_start": "2016-10-17", "period_end": "2017-10"}, True),
        ({"period_kind": "span", "period_start": "2016-11-07", "period_end": "2017-11"}, False),
        ({"period_kind": "since_opening", "period_start": "2012-10", "period_end": "2020-12"}, False),
        ({"period_kind": "day", "period_start": "2020-05-01", "period_end": "2020-05-01"}, False),
        ({"period_kind": "month", "period_start": "2020-05", "period_end": "2020-05"}, False),
        ({"period_kind": "snapshot", "period_start": "2020-05-01", "period_end": "2020-05-01"}, False),
        ({"period_kind": "year", "period_start": "2020", "period_end": "2020", "rate_per": "day"}, False),
    ],
)
def test_only_periods_of_the_same_kind_and_length_share_a_period_kind(period, comparable):
    reference = figure()
    other = figure(city_id="brussels", **period)
    expected = (SAME,) if comparable else (DIFFERENT_PERIOD,)
    assert comparability_marks(other, reference) == expected


@pytest.mark.parametrize(
    ("period", "label"),
    [
        ({"period_kind": "span", "period_start": "2016-10-17", "period_end": "2017-10"}, "year"),
        (
            {"period_kind": "span", "period_start": "2016-11-07", "period_end": "2017-11"},
            "period of 13 months",
        ),
        ({"period_kind": "span", "period_start": "2021-05", "period_end": "2021-09"}, "period of 5 months"),
        (
            {"period_kind": "span", "period_start": "2021-11-30", "period_end": "2021-12-21"},
            "period of 22 days",
        ),
        ({"rate_per": "day"}, "average per day"),
        ({"period_kind": "since_opening", "period_start": "", "period_end": "2020"}, "since opening"),
    ],
)
def test_kinds_of_period_read_as_people_say_them(period, label):
    assert period_class_label(period_class(figure(**period))) == label


def test_one_facility_and_a_whole_city_are_different_scopes():
    assert comparability_marks(facility_figure(), figure()) == (DIFFERENT_SCOPE,)


def test_every_difference_is_marked_the_most_serious_first():
    reference = figure()
    other = facility_figure(
        counted_as="usagers", period_kind="since_opening", period_start="", period_end="2021"
    )
    assert comparability_marks(other, reference) == (DIFFERENT_DEFINITION, DIFFERENT_PERIOD, DIFFERENT_SCOPE)


def test_the_marks_and_rules_are_published_as_plain_sentences_for_the_methodology_page():
    assert set(COMPARABILITY_MARKS) == {SAME, DIFFERENT_PERIOD, DIFFERENT_SCOPE, DIFFERENT_DEFINITION}
    assert all(meaning.endswith(".") for meaning in COMPARABILITY_MARKS.values())
    assert isinstance(COMPARABILITY_RULES, tuple)
    assert all(isinstance(rule, str) and rule.endswith(".") for rule in COMPARABILITY_RULES)


# --- The figure per city and the warning ----------------------------------------------------------------


def test_each_city_shows_its_figure_closest_to_the_reference_then_the_most_recent():
    reference = figure(observation_id="cph")
    same_but_older = figure(
        observation_id="bxl-2019", city_id="brussels", period_start="2019", period_end="2019"
    )
    newer_but_per_day = figure(
        observation_id="bxl-day", city_id="brussels", period_start="2023", period_end="2023", rate_per="day"
    )
    comparison = compare_cities(
        [reference, same_but_older, newer_but_per_day], ["copenhagen", "brussels"], "absolute", Denominators()
    )
    assert [value.row["observation_id"] for value in comparison.latest] == ["cph", "bxl-2019"]


def test_figures_that_are_not_additive_are_never_summed_across_facilities():
    """Two rooms of one city each report registered users: the city gets one of them, never 300 + 200."""
    reference = figure(observation_id="cph")
    room_a = figure(
        observation_id="a", city_id="oslo", scope="facility", facility_id="a", facility="A", value=300.0
    )
    room_b = figure(
        observation_id="b", city_id="oslo", scope="facility", facility_id="b", facility="B", value=200.0
    )
    comparison = compare_cities(
        [reference, room_a, room_b], ["copenhagen", "oslo"], "absolute", Denominators()
    )
    (oslo,) = [value for value in comparison.latest if value.row["city_id"] == "oslo"]
    assert oslo.normalised.value in (300.0, 200.0)
    table = comparison_table(comparison.values, "absolute", comparison.reference)
    assert table.column("Figure").to_pylist() == ["1,000", "300", "200"]


def test_a_comparison_is_of_one_metric_and_a_known_normalisation():
    with pytest.raises(ValueError, match="one metric"):
        compare_cities([figure(), figure(metric_id="visits")], ["copenhagen"], "absolute", Denominators())
    with pytest.raises(ValueError, match="per_100k"):
        compare_cities([figure()], ["copenhagen"], "per_inhabitant", Denominators())


def test_mixed_figures_carry_a_warning_naming_what_differs_and_how_for_each_city():
    reference = figure(observation_id="cph", counted_as="registered users")
    brussels = figure(
        observation_id="bxl",
        city_id="brussels",
        scope="facility",
        facility_id="gate",
        facility="GATE",
        counted_as="personnes inscrites",
    )
    oslo = figure(observation_id="oslo", city_id="oslo", counted_as="brukere", rate_per="day")
    comparison = compare_cities([reference, brussels, oslo], list(CITIES), "absolute", Denominators())
    warning = comparability_warning(comparison.latest, comparison.reference)
    assert warning.startswith("These figures are not directly comparable: ")
    assert (
        "definitions differ (Copenhagen (reference): “registered users” (people registered); Oslo: “brukere”)"
        in (warning)
    )
    assert "kinds of period differ (Copenhagen (reference): year; Oslo: average per day)" in warning
    assert "scopes differ (Copenhagen (reference): whole city; Brussels: one facility)" in warning


def test_figures_counted_alike_carry_no_warning():
    reference = figure(observation_id="cph")
    brussels = figure(observation_id="bxl", city_id="brussels")
    comparison = compare_cities([reference, brussels], ["copenhagen", "brussels"], "absolute", Denominators())
    assert comparability_warning(comparison.latest, comparison.reference) == ""


# --- Per 100,000 residents ------------------------------------------------------------------------------


def test_per_100k_divides_by_the_population_closest_in_time_and_names_it():
    populations = [population("2014", 500_000), population("2021-01-01", 600_000)]
    normalised = normalise(figure(), "per_100k", Denominators(populations=populations))
    assert normalised.value == pytest.approx(1000 / 600_000 * 100_000)
    assert normalised.derived
    assert normalised.divisor_date == "2021-01-01"
    assert normalised.basis == "population 600,000 (2021-01-01), City register 2021-01-01"

    earlier = normalise(figure(period_start="2015", period_end="2015"), "per_100k", Denominators(populations))
    assert earlier.divisor_date == "2014"


def test_per_100k_uses_only_the_city_s_own_exact_population():
    populations = [
        population("2020", 200_000, qualifier="nearly"),
        population("2020", 50_000, city_id="oslo"),
    ]
    normalised = normalise(figure(), "per_100k", Denominators(populations=populations))
    assert not normalised.computable
    assert describe_normalised(normalised, "per_100k") == (
        "not computable: no exact population figure for Copenhagen"
    )


def test_per_100k_refuses_a_population_more_than_five_years_away():
    normalised = normalise(figure(), "per_100k", Denominators(populations=[population("2010", 500_000)]))
    assert normalised.reason == "the nearest population figure (2010) is more than 5 years from the figure"


def test_a_bound_stays_a_bound_and_a_range_a_range_and_a_daily_average_stays_daily():
    populations = Denominators(populations=[population("2020", 1_000_000)])
    bound = normalise(figure(value=400.0, qualifier="more_than"), "per_100k", populations)
    assert (bound.value, bound.qualifier) == (40.0, "more_than")
    assert describe_normalised(bound, "per_100k") == "more than 40 per 100,000 residents"

    daily = figure(value=None, value_low=150.0, value_high=200.0, qualifier="range", rate_per="day")
    ranged = normalise(daily, "per_100k", populations)
    assert ranged.value is None
    assert (ranged.value_low, ranged.value_high) == (pytest.approx(15.0), pytest.approx(20.0))
    assert ranged.rate_per == "day"
    assert describe_normalised(ranged, "per_100k") == "15–20 per day per 100,000 residents"


def test_derived_figures_are_labelled_and_rounded_to_three_significant_digits():
    normalised = normalise(figure(value=3090.0), "per_100k", Denominators([population("2020", 579_513)]))
    assert describe_normalised(normalised, "per_100k") == "533 per 100,000 residents"
    table = comparison_table([ComparedValue(figure(), (SAME,), normalised)], "per_100k", None)
    assert table.column("How obtained").to_pylist() == ["computed by sdcf-metrics from two sourced figures"]


def test_rates_and_changes_are_not_divided_again():
    rate = figure(metric_id="drug_induced_death_rate", metric_kind="rate", metric="Drug-induced death rate")
    normalised = normalise(rate, "per_100k", Denominators([population("2020", 500_000)]))
    assert normalised.reason == "Drug-induced death rate is a rate or a change, not a count"


def test_a_figure_withheld_by_disclosure_control_is_never_compared():
    withheld = figure(value=None, status="suppressed_small")
    for per in ids(NORMALISATIONS):
        normalised = normalise(withheld, per, Denominators([population("2020", 500_000)]))
        assert normalised.reason == "the figure is withheld to protect a small count"


def test_absolute_is_the_figure_as_reported():
    ranged = figure(value=None, value_low=5.0, value_high=9.0, qualifier="range")
    normalised = normalise(ranged, "absolute", Denominators())
    assert (normalised.value_low, normalised.value_high, normalised.qualifier) == (5.0, 9.0, "range")
    assert not normalised.derived


# --- Per facility ---------------------------------------------------------------------------------------


def test_a_figure_for_one_facility_is_already_per_facility():
    normalised = normalise(facility_figure(value=250.0), "per_facility", Denominators())
    assert (normalised.value, normalised.derived) == (250.0, False)
    assert normalised.basis == "the figure is for one facility (Skyen)"


def test_a_city_figure_is_divided_by_the_facilities_open_at_the_end_of_its_period():
    facilities = [
        facility("first", date(2010, 1, 1)),
        facility("second", date(2019, 6, 1)),
        facility("closed-early", date(2012, 1, 1), closed=date(2018, 12, 31)),
        facility("elsewhere", date(2010, 1, 1), city_id="oslo"),
    ]
    normalised = normalise(figure(value=1000.0), "per_facility", Denominators(facilities=facilities))
    assert normalised.value == 500.0
    assert normalised.basis == "2 facilities open on 2020-12-31 (facility list)"
    before_the_second = figure(period_kind="month", period_start="2019-01", period_end="2019-01")
    assert normalise(before_the_second, "per_facility", Denominators(facilities=facilities)).value == 1000.0
    assert facilities_open("copenhagen", date(2018, 12, 31), facilities, []).count == 2


def test_per_facility_is_unknown_when_an_opening_date_is_missing():
    facilities = [facility("first", date(2010, 1, 1)), facility("undated", None)]
    normalised = normalise(figure(), "per_facility", Denominators(facilities=facilities))
    assert normalised.reason == "number of facilities unknown: the opening date of Undated is not known"


def test_per_facility_is_unknown_when_the_facility_list_contradicts_a_sourced_count():
    facilities = [facility("first", date(2010, 1, 1))]
    sourced = figure(
        metric_id="facilities_count",
        period_kind="snapshot",
        period_start="2015",
        period_end="2015",
        value=4.0,
        unit="facilities",
        counted_as="rooms",
    )
    normalised = normalise(
        figure(), "per_facility", Denominators(facilities=facilities, facility_counts=[sourced])
    )
    assert normalised.reason == (
        "number of facilities unknown: the facility list (1 open) does not match the sourced count (4) at "
        "2015, so it is incomplete for this city"
    )


# --- Per 1,000 consumptions -----------------------------------------------------------------------------


def test_per_1000_consumptions_needs_the_same_place_and_exactly_the_same_period():
    visits = facility_figure(value=500.0, metric_id="visits")
    matched = consumptions(20_000.0, scope="facility", facility_id="copenhagen-skyen", facility="Skyen")
    normalised = normalise(visits, "per_1000_consumptions", Denominators(consumptions=[matched]))
    assert normalised.value == 25.0
    assert normalised.basis == "20,000 consumptions (2020), Activity report"


@pytest.mark.parametrize(
    "mismatch",
    [
        {"period_start": "2019", "period_end": "2019"},
        {"period_kind": "span", "period_start": "2020-01", "period_end": "2020-06"},
        {"scope": "city"},
        {"city_id": "oslo"},
        {"rate_per": "day"},
    ],
)
def test_per_1000_consumptions_is_not_computable_for_another_place_or_period(mismatch):
    visits = facility_figure(value=500.0, metric_id="visits")
    place = {"scope": "facility", "facility_id": "copenhagen-skyen", "facility": "Skyen"}
    other = consumptions(20_000.0, **{**place, **mismatch})
    normalised = normalise(visits, "per_1000_consumptions", Denominators(consumptions=[other]))
    assert normalised.reason == "no consumption count for the same place and period"


def test_an_approximate_divisor_makes_the_figure_approximate_and_refuses_bounds():
    approximate = Denominators(consumptions=[consumptions(195_000.0, qualifier="about")])
    exact_clients = normalise(figure(value=4500.0), "per_1000_consumptions", approximate)
    assert (round(exact_clients.value, 1), exact_clients.qualifier) == (23.1, "about")
    bound = normalise(figure(value=4500.0, qualifier="more_than"), "per_1000_consumptions", approximate)
    assert bound.reason == "both figures are approximate or bounds, so their ratio has no clear direction"


def test_consumptions_are_not_divided_by_themselves():
    normalised = normalise(consumptions(100.0), "per_1000_consumptions", Denominators([], [], [], []))
    assert normalised.reason == "the figure is itself a count of consumptions"


# --- Time since opening and countries -------------------------------------------------------------------


def test_the_time_since_opening_counts_from_the_city_s_earliest_known_opening():
    facilities = [
        facility("later", date(2016, 8, 15)),
        facility("first", date(2012, 10, 1)),
        facility("undated", None),
    ]
    openings = comparison.first_openings(facilities)
    assert openings["copenhagen"]["facility_id"] == "first"
    assert comparison.years_since(date(2014, 10, 1), openings["copenhagen"]["opened_date"]) == pytest.approx(
        2.0, 0.01
    )


def test_national_rates_leave_out_regions_and_wider_areas_and_list_the_highest_first():
    rates = [
        figure(scope="country", country="Denmark", value=55.0, observation_id="dk"),
        figure(scope="country", country="Belgium", value=14.1, observation_id="be"),
        figure(scope="multinational", country="EU", value=18.3, observation_id="eu"),
        figure(scope="country", country="Norway", value=87.0, period_start="2016", period_end="2016"),
        figure(scope="country", country="Norway", value=80.0, period_start="2021", period_end="2021"),
    ]
    assert national.national_years(rates) == [("2021", 1), ("2020", 2), ("2016", 1)]
    # The newest figures come first, although an older year covers more countries.
    assert national.latest_year(national.national_years(rates)) == "2021"
    assert [row["country"] for row in national.national_figures(rates, "2020")] == ["Denmark", "Belgium"]
