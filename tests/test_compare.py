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
from sdcf_metrics.compare.describe import (
    basis_text,
    comparability_details,
    comparability_lines,
    comparison_table,
    describe_normalised,
    refusal_text,
)
from sdcf_metrics.compare.marks import (
    COMPARABILITY_MARKS,
    COMPARABILITY_RULES,
    DATE_GAP,
    DIFFERENT_DEFINITION,
    DIFFERENT_LENGTH,
    DIFFERENT_PERIOD,
    DIFFERENT_SCOPE,
    SAME,
    comparability_marks,
    definition_family,
)
from sdcf_metrics.compare.normalise import Denominators, Why, normalise
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
        "quote": "A sentence of the report (test).",
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
    reference = figure(period_start="2019", period_end="2019")
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


def test_two_running_totals_compare_only_when_their_lengths_are_within_a_quarter():
    two_years = figure(period_kind="since_opening", period_start="2012-10", period_end="2014-09-18")
    twelve_weeks = figure(
        city_id="brussels", period_kind="since_opening", period_start="2022-05-05", period_end="2022-07-31"
    )
    twenty_months = figure(
        city_id="brussels", period_kind="since_opening", period_start="2013-01", period_end="2014-09"
    )
    assert DIFFERENT_LENGTH in comparability_marks(twelve_weeks, two_years)
    assert DIFFERENT_LENGTH not in comparability_marks(twenty_months, two_years)
    unknown_start = figure(city_id="oslo", period_kind="since_opening", period_start="", period_end="2014")
    assert DIFFERENT_LENGTH in comparability_marks(unknown_start, two_years)


def test_figures_more_than_three_years_apart_are_marked():
    reference = figure(period_start="2022", period_end="2022")
    assert comparability_marks(figure(city_id="oslo", period_start="2019", period_end="2019"), reference) == (
        SAME,
    )
    assert comparability_marks(figure(city_id="oslo", period_start="1998", period_end="1998"), reference) == (
        DATE_GAP,
    )


def test_among_equally_close_figures_a_city_shows_the_one_nearest_the_reference_date():
    reference = figure(observation_id="cph", period_start="2014", period_end="2014")
    old = figure(observation_id="oslo-1998", city_id="oslo", period_start="1998", period_end="1998")
    near = figure(observation_id="oslo-2016", city_id="oslo", period_start="2016", period_end="2016")
    late = figure(observation_id="oslo-2022", city_id="oslo", period_start="2022", period_end="2022")
    comparison = compare_cities(
        [reference, old, near, late], ["copenhagen", "oslo"], "absolute", Denominators()
    )
    assert [value.row["observation_id"] for value in comparison.latest] == ["cph", "oslo-2016"]


def test_the_marks_and_rules_are_published_as_plain_sentences_for_the_methodology_page():
    assert set(COMPARABILITY_MARKS) == {
        SAME,
        DIFFERENT_PERIOD,
        DIFFERENT_LENGTH,
        DIFFERENT_SCOPE,
        DATE_GAP,
        DIFFERENT_DEFINITION,
    }
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


def test_mixed_figures_carry_a_short_list_one_plain_line_per_difference_with_the_wording_in_the_details():
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
    lines = comparability_lines(comparison.latest, comparison.reference)
    assert lines == [
        "They count different things: Copenhagen (reference) people registered; Oslo something else "
        "(see below).",
        "Kinds of period differ: Copenhagen (reference) year; Oslo average per day.",
        "Places differ: Copenhagen (reference) whole city; Brussels one facility (GATE).",
    ]
    assert not any("“" in line for line in lines), "the sources' words are in the details"
    details = comparability_details(comparison.latest, comparison.reference)
    assert any(line.startswith("Oslo: “brukere” (persons), 2020") for line, _ in details)
    assert [address for _, address in details] == ["https://example.org/report"] * 3  # to link to


def test_running_totals_of_different_lengths_say_both_lengths():
    two_years = figure(observation_id="cph", period_kind="since_opening", period_start="2012-10",
                       period_end="2014-09-18")  # fmt: skip
    twelve_weeks = figure(observation_id="bxl", city_id="brussels", period_kind="since_opening",
                          period_start="2022-05-05", period_end="2022-07-31")  # fmt: skip
    comparison = compare_cities(
        [two_years, twelve_weeks], ["copenhagen", "brussels"], "absolute", Denominators()
    )
    lines = comparability_lines(comparison.latest, comparison.reference)
    assert (
        "Running totals of different lengths: Copenhagen (reference) 24 months; Brussels 3 months." in lines
    )
    assert "Years apart: Brussels 2022, 8 years from the reference." in lines


def test_figures_counted_alike_carry_no_warning():
    reference = figure(observation_id="cph")
    brussels = figure(observation_id="bxl", city_id="brussels")
    comparison = compare_cities([reference, brussels], ["copenhagen", "brussels"], "absolute", Denominators())
    assert comparability_lines(comparison.latest, comparison.reference) == []


# --- Per 100,000 residents ------------------------------------------------------------------------------


def test_per_100k_divides_by_the_population_closest_in_time_and_names_it():
    populations = [population("2014", 500_000), population("2021-01-01", 600_000)]
    normalised = normalise(figure(), "per_100k", Denominators(populations=populations))
    assert normalised.value == pytest.approx(1000 / 600_000 * 100_000)
    assert normalised.derived
    assert normalised.divisor_date == "2021-01-01"
    assert basis_text(normalised.divisor) == "population 600,000 (2021-01-01), City register 2021-01-01"

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


def test_per_100k_refuses_a_population_more_than_three_years_away():
    normalised = normalise(figure(), "per_100k", Denominators(populations=[population("2016", 500_000)]))
    assert normalised.refusal.why == Why.POPULATION_TOO_FAR
    assert refusal_text(normalised.refusal) == (
        "the nearest population figure (2016) is 4 years from the figure, more than 3"
    )
    assert normalise(figure(), "per_100k", Denominators(populations=[population("2017", 500_000)])).computable


@pytest.mark.parametrize(
    ("place", "why"),
    [
        ({"scope": "area", "place": "rue de Maubeuge"}, Why.PART_OF_CITY),
        ({"scope": "operator", "place": "De Regenboog Groep"}, Why.PART_OF_CITY),
    ],
)
def test_per_100k_refuses_a_figure_for_part_of_a_city_or_one_operator(place, why):
    normalised = normalise(figure(**place), "per_100k", Denominators([population("2020", 500_000)]))
    assert normalised.refusal.why == why
    assert refusal_text(normalised.refusal).startswith(
        f"the figure covers {place['place']}, not the whole city"
    )


def test_per_100k_refuses_one_facility_of_several_but_divides_a_city_s_only_room():
    populations = [population("2020", 500_000)]
    rooms = [facility("copenhagen-skyen", date(2013, 8, 1)), facility("copenhagen-h17", date(2016, 8, 15))]
    one_of_two = normalise(facility_figure(), "per_100k", Denominators(populations, facilities=rooms))
    assert refusal_text(one_of_two.refusal) == (
        "the figure is for one facility (Skyen) of 2 in the city, not the whole city, so it is not divided "
        "by the city's residents"
    )
    only_room = normalise(facility_figure(), "per_100k", Denominators(populations, facilities=rooms[:1]))
    assert only_room.value == pytest.approx(200.0)
    unofficial = {**rooms[1], "sanctioned": False}
    assert normalise(
        facility_figure(), "per_100k", Denominators(populations, [rooms[0], unofficial])
    ).computable


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
    assert refusal_text(normalised.refusal) == "Drug-induced death rate is a rate or a change, not a count"


def test_a_figure_withheld_by_disclosure_control_is_never_compared():
    withheld = figure(value=None, status="suppressed_small")
    for per in ids(NORMALISATIONS):
        normalised = normalise(withheld, per, Denominators([population("2020", 500_000)]))
        assert refusal_text(normalised.refusal) == "the figure is withheld to protect a small count"


def test_absolute_is_the_figure_as_reported():
    ranged = figure(value=None, value_low=5.0, value_high=9.0, qualifier="range")
    normalised = normalise(ranged, "absolute", Denominators())
    assert (normalised.value_low, normalised.value_high, normalised.qualifier) == (5.0, 9.0, "range")
    assert not normalised.derived


# --- Per facility ---------------------------------------------------------------------------------------


def test_a_figure_for_one_facility_is_already_per_facility():
    normalised = normalise(facility_figure(value=250.0), "per_facility", Denominators())
    assert (normalised.value, normalised.derived) == (250.0, False)
    assert basis_text(normalised.divisor) == "the figure is for one facility (Skyen)"


def facility_count(when: str, value: float, **values: Any) -> dict[str, Any]:
    return figure(
        observation_id=f"rooms-{when}",
        metric_id="facilities_count",
        period_kind="snapshot",
        period_start=when,
        period_end=when,
        value=value,
        unit="facilities",
        counted_as="rooms",
        source_title=f"Parliamentary answer {when}",
        **{"source_kind": "parliamentary_answer", **values},
    )


def test_a_city_figure_is_divided_by_a_count_of_its_facilities_sourced_for_the_same_date():
    counts = [facility_count("2020-06", 2.0), facility_count("2024-03-25", 3.0)]
    normalised = normalise(figure(value=1000.0), "per_facility", Denominators(facility_counts=counts))
    assert normalised.value == 500.0
    assert basis_text(normalised.divisor) == "2 facilities (2020-06), Parliamentary answer 2020-06"


def test_per_facility_is_not_computable_without_a_count_for_the_same_date():
    counts = [facility_count("2024-03-25", 2.0), facility_count("2020-06", 2.0, source_kind="claim")]
    normalised = normalise(figure(), "per_facility", Denominators(facility_counts=counts))
    assert normalised.refusal.why == Why.NO_FACILITY_COUNT
    assert (
        refusal_text(normalised.refusal)
        == "no source counts the city's facilities for the figure's date (2020)"
    )


def test_a_bound_on_the_number_of_facilities_divides_nothing():
    counts = [facility_count("2020", 2.0, qualifier="more_than")]
    normalised = normalise(figure(), "per_facility", Denominators(facility_counts=counts))
    assert normalised.refusal.why == Why.DIVISOR_A_BOUND


# --- Per 1,000 consumptions -----------------------------------------------------------------------------


def test_per_1000_consumptions_needs_the_same_place_and_exactly_the_same_period():
    visits = facility_figure(value=500.0, metric_id="visits")
    matched = consumptions(20_000.0, scope="facility", facility_id="copenhagen-skyen", facility="Skyen")
    normalised = normalise(visits, "per_1000_consumptions", Denominators(consumptions=[matched]))
    assert normalised.value == 25.0
    assert basis_text(normalised.divisor) == "20,000 consumptions (2020), Activity report"


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
    assert refusal_text(normalised.refusal) == "no consumption count for the same place and period"


def test_an_approximate_divisor_makes_the_figure_approximate_and_refuses_bounds():
    approximate = Denominators(consumptions=[consumptions(195_000.0, qualifier="about")])
    exact_clients = normalise(figure(value=4500.0), "per_1000_consumptions", approximate)
    assert (round(exact_clients.value, 1), exact_clients.qualifier) == (23.1, "about")
    bound = normalise(figure(value=4500.0, qualifier="more_than"), "per_1000_consumptions", approximate)
    assert refusal_text(bound.refusal) == (
        "both figures are approximate or bounds, so their ratio has no clear direction"
    )


def test_consumptions_are_not_divided_by_themselves():
    normalised = normalise(consumptions(100.0), "per_1000_consumptions", Denominators([], [], [], []))
    assert refusal_text(normalised.refusal) == "the figure is itself a count of consumptions"


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


def test_an_unofficial_service_never_counts_as_a_city_s_first_opening():
    volunteer = {**facility("volunteer", date(2011, 9, 12)), "sanctioned": False}
    openings = comparison.first_openings([volunteer, facility("first", date(2012, 10, 1))])
    assert openings["copenhagen"]["facility_id"] == "first"


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
