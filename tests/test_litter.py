"""Needle litter around openings: where each count stands, and when a change may be computed.

Counts are placed before or after each facility opening from their own periods; a change is computed from
two counts only when they count the same thing over periods of the same length, and changes the sources
report are passed on as they are. The chart draws each count over its own period.
"""

from __future__ import annotations

from typing import Any

import pytest
from apptest_helpers import build_dataset
from fixtures import add_row

from sdcf_metrics import paths
from sdcf_metrics.charts.litter import litter_counts_figure
from sdcf_metrics.litter import (
    AFTER,
    BEFORE,
    LITTER_METRICS,
    OVERLAPS,
    SINCE_OPENING,
    Opening,
    before_after_pairs,
    change_not_computed_because,
    city_choices,
    city_litter,
    computed_change,
    count_series,
    evidence_line,
    litter_table,
    openings,
    relation_to_opening,
    series_title,
)
from sdcf_metrics.periods import parse_partial_date
from sdcf_metrics.store import get_store

ROOM = "paris-room"


def count(period_start: str, period_end: str, value: float | None, **overrides: Any) -> dict[str, Any]:
    """A litter count as `litter_observations` returns it: at the room, from one report, exact."""
    row = {
        "observation_id": f"o-{period_start}-{period_end}",
        "scope": "facility",
        "city_id": "paris",
        "city": "Paris",
        "facility_id": ROOM,
        "facility": "Test room",
        "metric_id": "syringes_found_public",
        "metric": "Syringes found in public space",
        "definition": "Discarded syringes counted in public space.",
        "period_kind": "span",
        "period_start": period_start,
        "period_end": period_end,
        "period_label": f"{period_start} to {period_end}",
        "value": value,
        "value_low": None,
        "value_high": None,
        "qualifier": "exact",
        "rate_per": None,
        "unit": "syringes",
        "counted_as": "seringues ramassées",
        "source_id": "report",
        "source_title": "Test report",
        "source_publisher": "Test publisher",
        "source_date": "2017-03",
        "source_url": "https://example.org/report",
        "quote": f"{value} seringues ramassées",
        "notes": None,
        **overrides,
    }
    row["period_start_date"] = parse_partial_date(row["period_start"])[0] if row["period_start"] else None
    row["period_end_date"] = parse_partial_date(row["period_end"])[1]
    return row


def opening(opened: str, facility_id: str = ROOM) -> Opening:
    first_day, last_day = parse_partial_date(opened)
    return Opening(facility_id, "Test room", opened, first_day, last_day, "Opening source")


OPENED = opening("2016-10-17")


class TestWhereACountStands:
    def test_a_count_that_ends_before_the_opening_day_is_before(self):
        assert relation_to_opening(count("2016-04", "2016-09", 1078), OPENED) == BEFORE

    def test_a_count_that_starts_on_the_opening_day_is_after(self):
        assert relation_to_opening(count("2016-10-17", "2017-03-15", 385), OPENED) == AFTER

    def test_a_count_across_the_opening_day_overlaps(self):
        assert relation_to_opening(count("2016-10", "2016-12", 500), OPENED) == OVERLAPS

    def test_an_opening_known_to_the_month_covers_the_whole_month(self):
        in_the_month = count("2016-10-20", "2017-03-15", 385)
        assert relation_to_opening(in_the_month, opening("2016-10")) == OVERLAPS
        assert relation_to_opening(count("2016-11", "2017-03", 385), opening("2016-10")) == AFTER

    def test_a_total_since_opening_counts_from_its_own_facility(self):
        since = count("2021-05", "2023-06", 210_000, period_kind="since_opening")
        assert relation_to_opening(since, opening("2021-05")) == SINCE_OPENING
        assert relation_to_opening(since, opening("2021-05", facility_id="another-room")) == OVERLAPS


class TestBeforeAndAfter:
    def test_the_nearest_count_on_each_side_of_the_opening_is_paired(self):
        counts = [
            count("2015-04", "2015-09", 2000),
            count("2016-04", "2016-09", 1078),
            count("2016-10-17", "2017-03-15", 385),
            count("2017-04", "2017-09", 300),
        ]
        [pair] = before_after_pairs(counts, [OPENED])
        assert (pair.before["value"], pair.after["value"]) == (1078, 385)

    def test_another_facilitys_counts_are_not_paired_with_this_opening(self):
        elsewhere = count("2016-10-17", "2017-03-15", 385, facility_id="another-room")
        assert before_after_pairs([count("2016-04", "2016-09", 1078), elsewhere], [OPENED]) == []

    def test_city_wide_counts_concern_every_opening_in_the_city(self):
        city_wide = {"scope": "city", "facility_id": None, "facility": None}
        counts = [count("2016", "2016", 900, **city_wide), count("2018", "2018", 700, **city_wide)]
        [pair] = before_after_pairs(counts, [opening("2017-03-01", facility_id="any-room")])
        assert pair.change == pytest.approx(-22.222, abs=0.001)

    def test_a_kilogram_amount_is_never_paired_with_a_count_of_syringes(self):
        kilograms = count(
            "2016-10-17", "2017-03-15", 12.5, metric_id="syringes_collected_kg", unit="kilograms"
        )
        assert before_after_pairs([count("2016-04", "2016-09", 1078), kilograms], [OPENED]) == []

    def test_without_a_count_after_the_opening_there_is_no_pair(self):
        assert before_after_pairs([count("2016-04", "2016-09", 1078)], [OPENED]) == []


class TestComputedChange:
    def test_same_definition_over_two_calendar_years_gives_a_change(self):
        assert computed_change(count("2021", "2021", 1000), count("2023", "2023", 750)) == pytest.approx(-25)

    def test_a_leap_year_still_compares_with_an_ordinary_year(self):
        assert computed_change(count("2023", "2023", 1000), count("2024", "2024", 1100)) == pytest.approx(10)

    def test_periods_of_different_length_give_no_change_and_say_why(self):
        six_months, five_months = count("2016-04", "2016-09", 1078), count("2016-10-17", "2017-03-15", 385)
        assert computed_change(six_months, five_months) is None
        reason = change_not_computed_because(six_months, five_months)
        assert "183 days before, 150 days after" in reason

    def test_two_sources_with_different_wording_give_no_change(self):
        before = count("2021", "2021", 1000)
        after = count(
            "2022", "2022", 800, source_id="other-report", counted_as="syringes collected by volunteers"
        )
        assert computed_change(before, after) is None
        assert "not count the same thing" in change_not_computed_because(before, after)

    def test_one_source_may_word_the_same_count_differently(self):
        before = count("2021", "2021", 1000, counted_as="seringues ... ramassées")
        after = count("2022", "2022", 800, counted_as="seringues ont été ramassées")
        assert computed_change(before, after) == pytest.approx(-20)

    def test_different_places_give_no_change(self):
        street, toilets = count("2021", "2021", 1000), count("2022", "2022", 800, facility_id="other-room")
        assert computed_change(street, toilets) is None

    @pytest.mark.parametrize("qualifier", ["about", "more_than", "range"])
    def test_a_bound_or_a_range_gives_no_change(self, qualifier):
        vague = count("2022", "2022", 800, qualifier=qualifier, value_low=700, value_high=900)
        assert computed_change(count("2021", "2021", 1000), vague) is None

    def test_weekly_averages_are_not_compared_with_totals(self):
        weekly = count("2021", "2021", 200, rate_per="week")
        assert computed_change(weekly, count("2022", "2022", 9000)) is None

    def test_a_figure_withheld_by_disclosure_control_gives_no_change(self):
        hidden = count("2022", "2022", None, status="suppressed_small")
        assert computed_change(count("2021", "2021", 1000), hidden) is None
        assert "withheld" in change_not_computed_because(count("2021", "2021", 1000), hidden)

    def test_a_period_without_a_start_has_no_known_length(self):
        since = count("", "2022", 5000, period_kind="since_opening")
        assert "start of a period is not known" in change_not_computed_because(
            count("2021", "2021", 1000), since
        )


def test_weekly_averages_get_their_own_axis_apart_from_totals():
    series = count_series(
        [count("2021", "2021", 1000), count("2012-05-29", "2012-05-29", None, rate_per="week")]
    )
    assert [(one.rate_per, len(one.rows)) for one in series] == [(None, 1), ("week", 1)]
    assert series[1].axis_title == "syringes per week"


def test_each_note_on_a_series_is_listed_once():
    area = "Rue de Maubeuge only."
    [series] = count_series(
        [count("2016-04", "2016-09", 1078, notes=area), count("2016-10-17", "2017-03-15", 385, notes=area)]
    )
    assert series.notes == [area]


def test_openings_far_from_the_counts_are_kept_off_their_chart():
    [series] = count_series([count("2020", "2020", 45_025), count("2024", "2024", 67_720)])
    near, far = series.openings_near([opening("2005"), opening("2019-06"), opening("2024-03-01")])
    assert [one.opened for one in near] == ["2019-06", "2024-03-01"]
    assert [one.opened for one in far] == ["2005"]


def test_the_evidence_line_keeps_the_sources_words_and_quote():
    line = evidence_line(count("2016-04", "2016-09", 1078))
    assert line == (
        "2016-04 to 2016-09: 1,078, counted as “seringues ramassées”. "
        "Quote: “1078 seringues ramassées” (Test publisher, 2017-03)."
    )


def test_the_table_says_where_each_count_stands_to_an_opening():
    table = litter_table(
        [count("2016-04", "2016-09", 1078), count("2016-10-17", "2017-03-15", 385)], [OPENED]
    )
    assert table.column("Relative to openings").to_pylist() == [
        "before Test room opened (2016-10-17)",
        "after Test room opened (2016-10-17)",
    ]
    assert table.column("Quote").to_pylist() == ["1078 seringues ramassées", "385 seringues ramassées"]


class TestFromTheFixtureDataset:
    """The same rules, driven by a published dataset through the page's own queries."""

    @pytest.fixture
    def store(self, tmp_path):
        opening_in_2018 = add_row(
            0,
            facility_id="barcelona-test-site",
            name="Test site Barcelona (fixture)",
            city_id="barcelona",
            opened="2018-06",
            closed="",
        )
        build_dataset(tmp_path, facilities=opening_in_2018)
        return get_store(paths.extracts_dir(tmp_path))

    def test_counts_either_side_of_an_opening_are_paired_and_compared(self, store):
        rows = store.query("litter_observations", metric_ids=list(LITTER_METRICS)).to_pylist()
        facilities = store.query("facility_directory", countries=None, facility_type=None, status=None)
        barcelona = city_litter(rows, facilities.to_pylist(), "barcelona", "Barcelona")
        [pair] = barcelona.comparisons
        assert (pair.before["period_label"], pair.after["period_label"]) == ("2017", "2019")
        assert pair.change == pytest.approx(-66.667, abs=0.001)
        assert [one.opened for one in barcelona.openings] == ["2018-06"]

    def test_reported_changes_are_passed_on_unchanged(self, store):
        rows = store.query("litter_observations", metric_ids=list(LITTER_METRICS)).to_pylist()
        barcelona = city_litter(rows, [], "barcelona", "Barcelona")
        assert [(row["value"], row["period_label"]) for row in barcelona.reported_changes] == [
            (-50, "2017 to 2019")
        ]
        assert barcelona.comparisons == ()

    def test_a_city_without_litter_figures_has_none_but_stays_selectable(self, store):
        rows = store.query("litter_observations", metric_ids=list(LITTER_METRICS)).to_pylist()
        assert not city_litter(rows, [], "brussels", "Brussels").has_figures
        choices = city_choices(store.query("cities").to_pylist(), rows)
        assert choices == {
            "barcelona": "Barcelona: 4 litter figures",
            "brussels": "Brussels: no litter figure",
            "copenhagen": "Copenhagen: no litter figure",
        }

    def test_only_city_and_facility_figures_are_returned(self, store):
        rows = store.query("litter_observations", metric_ids=list(LITTER_METRICS)).to_pylist()
        assert {row["scope"] for row in rows} == {"city"}
        assert "obs-litter-kg" not in {row["observation_id"] for row in rows}  # a region's figure


def test_openings_come_from_facilities_with_a_sourced_date_earliest_first():
    facilities = [
        {"facility_id": "b", "name": "B", "city_id": "paris", "opened": "2016-10-17", "source_title": "S"},
        {"facility_id": "a", "name": "A", "city_id": "paris", "opened": "2005", "source_title": "S"},
        {"facility_id": "c", "name": "C", "city_id": "paris", "opened": None, "source_title": None},
        {"facility_id": "d", "name": "D", "city_id": "lisbon", "opened": "2021-05", "source_title": "S"},
    ]
    assert [(one.facility_id, one.precise) for one in openings(facilities, "paris")] == [
        ("a", False),
        ("b", True),
    ]


class TestChart:
    """The chart draws each count over exactly its period, and openings as precisely as they are known."""

    def figure(self, rows, drawn_openings=(), city="Paris"):
        [series] = count_series(rows)
        return litter_counts_figure(series, city, list(drawn_openings), "#0072B2", "v", "2026-01-01")

    def test_each_bar_is_as_wide_as_the_period_it_counts(self):
        figure = self.figure([count("2016-04", "2016-09", 1078), count("2016-10-17", "2017-03-15", 385)])
        [bars] = figure.data
        assert [width / 86_400_000 for width in bars.width] == [183, 150]
        assert list(bars.y) == [1078, 385]

    def test_an_opening_day_is_a_line_and_an_opening_month_a_band(self):
        rows = [count("2016-04", "2016-09", 1078)]
        day = self.figure(rows, [OPENED]).layout.shapes
        month = self.figure(rows, [opening("2016-10")]).layout.shapes
        assert [(shape.type, shape.x0, shape.x1) for shape in day] == [("line", "2016-10-17", "2016-10-17")]
        assert [(shape.type, shape.x0, shape.x1) for shape in month] == [("rect", "2016-10-01", "2016-11-01")]

    def test_a_range_is_drawn_from_its_low_to_its_high_end_never_as_a_midpoint(self):
        weekly = count("2012-05-29", "2012-05-29", None, qualifier="range", value_low=8000, value_high=12000)
        [segment] = self.figure([{**weekly, "rate_per": "week"}]).data
        assert [value for value in segment.y if value is not None] == [8000, 12000]

    def test_a_withheld_figure_is_not_drawn(self):
        figure = self.figure(
            [count("2021", "2021", 1000), count("2022", "2022", None, status="suppressed_small")]
        )
        [bars] = figure.data
        assert list(bars.y) == [1000]

    def test_names_and_words_from_the_data_reach_plotly_escaped(self):
        hostile = "<img src=x onerror=alert(1)>"
        row = count(
            "2016-04", "2016-09", 1078, counted_as=hostile, source_title=hostile, period_label=hostile
        )
        text = self.figure(
            [row],
            [Opening(ROOM, hostile, "2016-10-17", *parse_partial_date("2016-10-17"), "S")],
            city=hostile,
        ).to_json()
        assert "<img" not in text
        assert "&lt;img src=x onerror=alert(1)&gt;" in text

    def test_the_image_names_the_street_the_source_counted_not_the_city(self):
        """Paris: the counts are for the rue de Maubeuge, so the title says so; "Paris" alone would
        read as a city-wide count."""
        street = {"scope": "area", "facility": None, "facility_id": None, "place": "rue de Maubeuge"}
        rows = [count("2016-04", "2016-09", 1078, **street), count("2016-10-17", "2017-03-15", 385, **street)]
        title = self.figure(rows).layout.title.text
        assert title.startswith("<b>Syringes found in public space, rue de Maubeuge, Paris</b>")
        [series] = count_series(rows)
        assert series_title(series, "Paris") == "Syringes found in public space, rue de Maubeuge, Paris"

    def test_unequal_periods_are_stated_in_the_image(self):
        """183 days before the opening, 150 after: the subtitle and each bar say so."""
        figure = self.figure([count("2016-04", "2016-09", 1078), count("2016-10-17", "2017-03-15", 385)])
        assert "periods of unequal length (183 and 150 days)" in figure.layout.title.text
        [bars] = figure.data
        assert "2016-04 to 2016-09 (183 days)" in bars.text[0]
        assert "2016-10-17 to 2017-03-15 (150 days)" in bars.text[1]

    def test_periods_of_a_year_each_are_equal_despite_a_leap_day(self):
        [series] = count_series([count("2020", "2020", 10), count("2021", "2021", 12)])
        assert series.unequal_periods == []
        assert (
            "unequal"
            not in self.figure([count("2020", "2020", 10), count("2021", "2021", 12)]).layout.title.text
        )

    def test_the_source_line_gives_publisher_and_title(self):
        footer = self.figure([count("2016-04", "2016-09", 1078)]).layout.annotations[-1].text
        assert "Source: Test publisher, “Test report”" in footer

    def test_counts_from_two_places_are_two_images_each_named_by_its_place(self):
        """A street's count never stands in a city-wide series: each place is its own chart."""
        rows = [
            count(
                "2016-04",
                "2016-09",
                1078,
                scope="area",
                facility=None,
                facility_id=None,
                place="rue de Maubeuge",
            ),
            count("2016-10-17", "2017-03-15", 385, scope="city", facility=None, facility_id=None),
        ]
        city, street = count_series(rows)
        titles = [
            litter_counts_figure(series, "Paris", [], "#0072B2", "v", "2026-01-01").layout.title.text
            for series in (city, street)
        ]
        assert titles[0].startswith("<b>Syringes found in public space, Paris</b>")
        assert titles[1].startswith("<b>Syringes found in public space, rue de Maubeuge, Paris</b>")

    def test_an_opening_label_keeps_the_whole_short_name(self):
        long_name = "Salle de consommation à moindre risque / Halte Soins Addictions (Gaïa), Lariboisière"
        room = Opening(ROOM, long_name, "2016-10-17", *parse_partial_date("2016-10-17"), "S")
        annotations = self.figure([count("2016-04", "2016-09", 1078)], [room]).layout.annotations
        label = next(note.text for note in annotations if "opens" in note.text)
        assert "…" not in label
        assert label.replace("<br>", " ").startswith("Salle de consommation à moindre risque / Halte Soins")
