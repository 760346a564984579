"""What the validator accepts and rejects: one test per rule, each breaking one thing in the fixture set.

Problems are located like a spreadsheet: the header is row 1, the first data row row 2 (so fixture row
index 0 is reported as row 2), and row 0 means the whole file.
"""

from __future__ import annotations

import math
import tempfile
from datetime import date
from pathlib import Path

import pytest
from fixtures import TODAY, TRANSLATIONS, add_row, default_rows, edit_row, write_sources, write_table
from hypothesis import given, settings
from hypothesis import strategies as st

from sdcf_metrics import paths
from sdcf_metrics.pipeline.cells import Problem, decode_csv_bytes, parse_cell
from sdcf_metrics.pipeline.rules import OBSERVATION_NATURAL_KEY
from sdcf_metrics.pipeline.validate import (
    ValidationFailed,
    load_sources,
    read_table_rows,
    validate_paths,
)
from sdcf_metrics.schema import EVENTS, METRICS, OBSERVATIONS, SOURCE_TABLES, Column


def problems_with(directory: Path, **overrides) -> list[Problem]:
    """Problems of the fixture set with some tables overridden (see `fixtures.write_sources`)."""
    return validate_paths([write_sources(directory / "sources", **overrides)], today=TODAY)


def located(problems: list[Problem]) -> list[tuple[str, int, str]]:
    """Where each problem is: file name, row and column."""
    return [(Path(problem.path).name, problem.row, problem.column) for problem in problems]


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def observation(**values: str) -> dict[str, str]:
    """A valid city-level yearly count, to change one cell of."""
    row = {
        "observation_id": "obs-test", "scope": "city", "country": "Denmark", "city_id": "copenhagen",
        "metric_id": "visits", "period_kind": "year", "period_start": "2019", "period_end": "2019",
        "value": "10", "qualifier": "exact", "unit": "visits", "counted_as": "visits (fixture)",
        "source_id": "test-report-a", "quote": "Ten visits (fixture).",
    }  # fmt: skip
    return {**row, **values}


def with_observation(**values: str):
    """An override adding `observation(**values)` after the fixture rows, reported on row NEW_ROW."""
    return lambda rows: [*rows, observation(**values)]


NEW_ROW = len(default_rows("observations")) + 2


# The fixture and the real data --------------------------------------------------------------------------


def test_the_fixture_source_set_is_valid(sources_dir):
    assert validate_paths([sources_dir], today=TODAY) == []


def test_the_real_sources_are_valid():
    """The curated `data/sources/` must validate; this fails while a curator's batch is incomplete."""
    problems = validate_paths([paths.sources_dir()])
    assert problems == [], "\n".join(map(str, problems))


def test_problems_read_as_path_row_column_message():
    problem = Problem("data/sources/observations.csv", 3, "period_end", "'2O14' is not a date")
    assert str(problem) == "data/sources/observations.csv:3:period_end: '2O14' is not a date"


def test_problems_are_sorted_by_file_row_and_column(tmp_path):
    problems = problems_with(
        tmp_path,
        observations=edit_row(3, value="x", unit=""),
        cities=edit_row(0, latitude="north"),
        events=edit_row(1, kind="party"),
    )
    assert problems == sorted(problems)
    files = [name for name, _, _ in located(problems)]
    assert files == ["cities.csv", "events.csv", "observations.csv", "observations.csv"]


# Files and headers --------------------------------------------------------------------------------------


def test_a_directory_needs_every_table_but_events_related_services_and_conflicts(tmp_path):
    problem = only(problems_with(tmp_path, sources=None, events=None, related_services=None, conflicts=None))
    assert located([problem]) == [("sources.csv", 0, "-")]
    assert "sources.csv is missing" in problem.message


def test_a_single_file_is_named_after_its_table(tmp_path):
    path = write_table(tmp_path, "observations", default_rows("observations")).rename(tmp_path / "obs.csv")
    problem = only(validate_paths([path], today=TODAY))
    assert (problem.row, problem.column) == (0, "-")
    assert "observations.csv" in problem.message


def test_a_path_that_does_not_exist_is_reported(tmp_path):
    problem = only(validate_paths([tmp_path / "nowhere"], today=TODAY))
    assert (problem.row, problem.column) == (0, "-")
    assert "no such file or directory" in problem.message


def test_a_single_file_is_checked_against_the_tables_beside_it(sources_dir):
    write_table(sources_dir, "observations", [observation(metric_id="no_such_metric")])
    problem = only(validate_paths([sources_dir / "observations.csv"], today=TODAY))
    assert located([problem]) == [("observations.csv", 2, "metric_id")]


def test_a_single_file_alone_is_checked_on_its_own(tmp_path):
    path = write_table(tmp_path, "observations", [observation(metric_id="not_checked_without_metrics_csv")])
    assert validate_paths([path], today=TODAY) == []


def test_an_empty_file_needs_its_header(sources_dir):
    (sources_dir / "events.csv").write_bytes(b"")
    problem = only(validate_paths([sources_dir], today=TODAY))
    assert (problem.row, problem.column) == (0, "-")
    assert "empty" in problem.message and "event_id,city_id" in problem.message


def test_a_required_column_must_be_in_the_header(sources_dir):
    columns = [column.name for column in EVENTS.columns if column.name != "quote"]
    (sources_dir / "events.csv").write_text(",".join(columns) + "\n")
    problem = only(validate_paths([sources_dir], today=TODAY))
    assert located([problem]) == [("events.csv", 1, "quote")]
    assert "missing" in problem.message


def test_an_optional_column_may_be_left_out_of_the_header(tmp_path):
    columns = [column.name for column in OBSERVATIONS.columns if column.name != "notes"]
    path = tmp_path / "observations.csv"
    path.write_text(
        ",".join(columns) + "\n" + ",".join(observation().get(name, "") for name in columns) + "\n"
    )
    rows, problems = read_table_rows(path, OBSERVATIONS)
    assert problems == []
    assert rows[0]["notes"] == ""


def test_an_unknown_column_is_reported_with_a_suggestion(tmp_path):
    problem = only(problems_with(tmp_path, cities=lambda rows: [{**row, "Latitude ": "1"} for row in rows]))
    assert located([problem]) == [("cities.csv", 1, "Latitude ")]
    assert "did you mean 'latitude'?" in problem.message


def test_a_column_may_appear_only_once(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("metric_id,label,unit,kind,definition,additive,label\n")
    rows, problems = read_table_rows(path, METRICS)
    assert rows == []
    assert located(problems) == [("metrics.csv", 1, "label")]


def test_a_semicolon_separated_file_is_named_as_such(sources_dir):
    (sources_dir / "events.csv").write_text("event_id;city_id;facility_id;date;kind;label;source_id;quote\n")
    problem = only(validate_paths([sources_dir], today=TODAY))
    assert "not comma-separated" in problem.message


def test_every_row_has_one_cell_per_column(sources_dir):
    with (sources_dir / "events.csv").open("a") as file:
        file.write(
            "extra-event,copenhagen,,2019,policy,A label, with a comma,test-report-a,Quote (fixture).\n"
        )
    problem = only(validate_paths([sources_dir], today=TODAY))
    assert located([problem]) == [("events.csv", 4, "-")]
    assert "9 cells but the header has 8" in problem.message


def test_a_blank_row_is_reported_once(sources_dir):
    with (sources_dir / "events.csv").open("a") as file:
        file.write(",,,,,,,\n")
    problem = only(validate_paths([sources_dir], today=TODAY))
    assert located([problem]) == [("events.csv", 4, "-")]


def test_an_unclosed_quote_is_reported_not_swallowed(sources_dir):
    with (sources_dir / "events.csv").open("a") as file:
        file.write('bad,copenhagen,,2019,policy,"Unclosed label,test-report-a,Quote\n')
    problem = only(validate_paths([sources_dir], today=TODAY))
    assert (Path(problem.path).name, problem.row) == ("events.csv", 0)
    assert "line 4" in problem.message


# Encodings ----------------------------------------------------------------------------------------------


def test_utf8_with_a_byte_order_mark_is_accepted(sources_dir):
    path = sources_dir / "cities.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert validate_paths([sources_dir], today=TODAY) == []


def test_invalid_utf8_is_rejected_with_its_line_number():
    text, problems = decode_csv_bytes(b"city_id,name\nzurich,Z\xfcrich\n", "cities.csv")
    problem = only(problems)
    assert text == ""
    assert (problem.row, problem.column) == (0, "-")
    assert "0xFC on line 2" in problem.message and "save the file as UTF-8" in problem.message


# Cells --------------------------------------------------------------------------------------------------


def test_required_values_cannot_be_empty(tmp_path):
    problem = only(problems_with(tmp_path, cities=edit_row(1, country="")))
    assert located([problem]) == [("cities.csv", 3, "country")]
    assert "required" in problem.message


@pytest.mark.parametrize("text", [" Copenhagen", "Copenhagen ", "Copen\u00a0"])
def test_cells_have_no_surrounding_spaces(tmp_path, text):
    problem = only(problems_with(tmp_path, cities=edit_row(0, name=text)))
    assert located([problem]) == [("cities.csv", 2, "name")]


@pytest.mark.parametrize(
    "text", ["Copen\nhagen", "Copen\thagen", "Copen\x00hagen", "\u202eCopenhagen", "Copen\u200bhagen"]
)
def test_cells_have_no_control_or_invisible_characters(tmp_path, text):
    """Line breaks, tabs, NULs, right-to-left overrides and zero-width spaces hide what a cell says."""
    problem = only(problems_with(tmp_path, cities=edit_row(0, name=text)))
    assert located([problem]) == [("cities.csv", 2, "name")]
    assert "invisible character U+" in problem.message


def test_text_is_in_unicode_nfc_form(tmp_path):
    """'Mälmo' typed as 'a' plus a combining diaeresis would not equal the same name typed as 'ä'."""
    problem = only(problems_with(tmp_path, cities=edit_row(0, name="Ma\u0308lmo")))
    assert "NFC" in problem.message


@pytest.mark.parametrize("text", ["1,234", "1 234", "1.2e3", "12%", "nan", "inf", ".5", "+3", "1" * 400])
def test_numbers_are_plain_finite_decimals_with_a_point(tmp_path, text):
    problem = only(problems_with(tmp_path, observations=edit_row(7, value=text)))
    assert located([problem]) == [("observations.csv", 9, "value")]


def test_integers_are_whole_numbers():
    """No source column is an integer yet; the type is checked where every cell is, in parse_cell."""
    column = Column("n", "integer")
    assert parse_cell(column, "-12") == -12
    for text in ("1.0", "1,000", "one"):
        with pytest.raises(ValueError, match="not a whole number"):
            parse_cell(column, text)


def test_booleans_are_true_or_false(tmp_path):
    problem = only(problems_with(tmp_path, cities=edit_row(0, in_europe="yes")))
    assert located([problem]) == [("cities.csv", 2, "in_europe")]
    assert "true or false" in problem.message


@pytest.mark.parametrize(
    "text", ["2O14", "2014-2-1", "2014-02-30", "2014-13", "14/02/2014", "2014-02-01T00:00"]
)
def test_dates_are_partial_dates_that_exist(tmp_path, text):
    problem = only(problems_with(tmp_path, sources=edit_row(0, date=text)))
    assert located([problem]) == [("sources.csv", 2, "date")]


@pytest.mark.parametrize(
    "text", ["example.org/report", "ftp://example.org/x", "https://", "https://example.org/a b"]
)
def test_urls_are_http_or_https_with_a_host_and_no_spaces(tmp_path, text):
    problem = only(problems_with(tmp_path, sources=edit_row(0, url=text)))
    assert located([problem]) == [("sources.csv", 2, "url")]


def test_choices_come_from_the_schema(tmp_path):
    problem = only(problems_with(tmp_path, facilities=edit_row(0, type="Injection")))
    assert located([problem]) == [("facilities.csv", 2, "type")]
    assert "did you mean 'injection'?" in problem.message


@pytest.mark.parametrize("text", ["Copenhagen", "-copenhagen", "køben", "copen hagen"])
def test_ids_are_lower_case_slugs(tmp_path, text):
    problem = only(problems_with(tmp_path, metrics=add_row(0, metric_id=text)))
    assert located([problem]) == [("metrics.csv", 9, "metric_id")]


def test_long_values_are_shortened_in_messages(tmp_path):
    problem = only(problems_with(tmp_path, sources=edit_row(0, date="2" * 500)))
    assert len(problem.message) < 200


# Keys and references ------------------------------------------------------------------------------------


def test_keys_are_unique_and_the_first_row_is_named(tmp_path):
    problem = only(problems_with(tmp_path, cities=add_row(0, name="Copenhagen again")))
    assert located([problem]) == [("cities.csv", 5, "city_id")]
    assert "row 2" in problem.message


def test_an_observation_reports_a_figure_once(tmp_path):
    """Same scope, place, metric, breakdown, period and source under another id is the same figure."""
    problem = only(problems_with(tmp_path, observations=add_row(8, observation_id="obs-again", value="1")))
    assert located([problem]) == [("observations.csv", NEW_ROW, "-")]
    assert "row 10" in problem.message


def test_the_natural_key_names_observation_columns():
    assert set(OBSERVATION_NATURAL_KEY) <= set(OBSERVATIONS.column_names)


@pytest.mark.parametrize(
    ("column", "target"),
    [("metric_id", "metrics.csv"), ("source_id", "sources.csv"), ("city_id", "cities.csv"),
     ("facility_id", "facilities.csv")],
)  # fmt: skip
def test_ids_refer_to_rows_of_their_table(tmp_path, column, target):
    problem = only(problems_with(tmp_path, observations=edit_row(0, **{column: "no-such-id"})))
    assert located([problem]) == [("observations.csv", 2, column)]
    assert target in problem.message


def test_a_facility_is_in_the_city_named_beside_it(tmp_path):
    problem = only(problems_with(tmp_path, events=edit_row(0, city_id="brussels")))
    assert located([problem]) == [("events.csv", 2, "city_id")]
    assert "'copenhagen'" in problem.message


def test_facilities_and_events_refer_to_known_cities_and_sources(tmp_path):
    problems = problems_with(
        tmp_path, facilities=edit_row(0, city_id="paris"), events=edit_row(1, source_id="no-such-source")
    )
    assert ("facilities.csv", 2, "city_id") in located(problems)
    assert ("events.csv", 3, "source_id") in located(problems)


# Observations: scope ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "emptied", "reported"),
    [("city", "city_id", "city_id"), ("facility", "facility_id", "facility_id"),
     ("region", "region", "region")],
)  # fmt: skip
def test_a_scope_needs_its_place(tmp_path, scope, emptied, reported):
    values = {"scope": scope, "region": "Hovedstaden", "facility_id": "copenhagen-test-site", emptied: ""}
    problem = only(problems_with(tmp_path, observations=with_observation(**values)))
    assert located([problem]) == [("observations.csv", NEW_ROW, reported)]


@pytest.mark.parametrize("scope", ["area", "operator"])
def test_part_of_a_city_or_one_operator_names_its_place_and_its_city(tmp_path, scope):
    named = problems_with(tmp_path, observations=with_observation(scope=scope, place="rue de Maubeuge"))
    assert named == []
    problems = problems_with(tmp_path, observations=with_observation(scope=scope, city_id=""))
    assert located(problems) == [
        ("observations.csv", NEW_ROW, "city_id"),
        ("observations.csv", NEW_ROW, "place"),
    ]


def test_a_multinational_row_names_eu_27_or_eu_28_not_the_eu(tmp_path):
    values = {"scope": "multinational", "country": "EU", "city_id": ""}
    problem = only(problems_with(tmp_path, observations=with_observation(**values)))
    assert located([problem]) == [("observations.csv", NEW_ROW, "country")]
    assert "EU-27 or EU-28" in problem.message
    named = {**values, "country": "EU-27"}
    assert problems_with(tmp_path, observations=with_observation(**named)) == []


def test_only_part_of_a_city_or_an_operator_names_a_place(tmp_path):
    problem = only(problems_with(tmp_path, observations=with_observation(place="Vesterbro")))
    assert located([problem]) == [("observations.csv", NEW_ROW, "place")]
    assert "area, operator" in problem.message


# Observations: sources that disagree --------------------------------------------------------------------

CONFLICT_ROW = {"source_id": "test-report-b", "observation_id": "obs-other-source"}


def test_two_sources_giving_values_that_cannot_both_be_right_are_reported_until_recorded(tmp_path):
    rows = [*default_rows("observations"), observation(value="20"), observation(value="28", **CONFLICT_ROW)]
    overrides = {"observations": lambda _: rows}
    problem = only(problems_with(tmp_path, **overrides))
    assert located([problem]) == [("observations.csv", NEW_ROW + 1, "-")]
    assert "sources disagree" in problem.message and f"row {NEW_ROW} ('obs-test')" in problem.message
    recorded = [
        {
            "conflict_id": "c1",
            "observation_ids": "obs-test obs-other-source",
            "primary_id": "obs-test",
            "reason": "The city counts (fixture).",
        }
    ]
    assert problems_with(tmp_path, conflicts=recorded, **overrides) == []


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"value": "298000", "qualifier": "about"}, {"value": "298940"}),  # about: within 10 %
        ({"value": "6100", "qualifier": "more_than"}, {"value": "6166", "qualifier": "at_least"}),
        ({"value": "100", "qualifier": "nearly"}, {"value": "95"}),
        ({"value_low": "50", "value_high": "70", "value": "", "qualifier": "range"}, {"value": "70"}),
        ({"value": "10", "qualifier": "up_to"}, {"value": "0"}),
    ],
)
def test_values_whose_words_allow_a_common_figure_agree(tmp_path, first, second):
    rows = [*default_rows("observations"), observation(**first), observation(**second, **CONFLICT_ROW)]
    assert problems_with(tmp_path, observations=lambda _: rows) == []


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"value": "100", "qualifier": "about"}, {"value": "111"}),
        ({"value": "100", "qualifier": "more_than"}, {"value": "100"}),
        ({"value": "100", "qualifier": "nearly"}, {"value": "101"}),
        ({"value": "10", "qualifier": "less_than"}, {"value": "10"}),
        ({"value_low": "50", "value_high": "70", "value": "", "qualifier": "range"}, {"value": "71"}),
    ],
)
def test_values_whose_words_allow_no_common_figure_disagree(tmp_path, first, second):
    rows = [*default_rows("observations"), observation(**first), observation(**second, **CONFLICT_ROW)]
    problem = only(problems_with(tmp_path, observations=lambda _: rows))
    assert "sources disagree" in problem.message


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"observation_ids": "obs-range"}, "observation_ids", "at least two"),
        (
            {"observation_ids": "obs-range obs-nowhere"},
            "observation_ids",
            "unknown observation 'obs-nowhere'",
        ),
        ({"primary_id": "obs-female"}, "primary_id", "one of observation_ids"),
    ],
)
def test_a_recorded_conflict_names_existing_figures_and_a_primary_among_them(
    tmp_path, changes, column, message
):
    conflict = {"conflict_id": "c1", "observation_ids": "obs-range obs-more-than", "primary_id": "obs-range",
                "reason": "Fixture.", **changes}  # fmt: skip
    problem = only(problems_with(tmp_path, conflicts=[conflict]))
    assert located([problem]) == [("conflicts.csv", 2, column)]
    assert message in problem.message


# Observations: periods ----------------------------------------------------------------------------------


def test_a_period_ends_after_it_starts(tmp_path):
    values = {"period_kind": "span", "period_start": "2019-06", "period_end": "2019-05"}
    problem = only(problems_with(tmp_path, observations=with_observation(**values)))
    assert located([problem]) == [("observations.csv", NEW_ROW, "period_end")]


@pytest.mark.parametrize(
    ("table", "values", "column"),
    [("observations", {"period_end": "2025-02"}, "period_end"),
     ("sources", {"date": "2026"}, "date"),
     ("facilities", {"opened": "2025-01-02"}, "opened"),
     ("events", {"date": "2030-01-01"}, "date")],
)  # fmt: skip
def test_no_date_is_in_the_future(tmp_path, table, values, column):
    """Today is 2025-01-01 here: `2025` and `2025-01` have begun, `2025-02` has not."""
    overrides = {table: edit_row(0, **values)}
    problems = problems_with(tmp_path, **overrides)
    assert (f"{table}.csv", 2, column) in located(problems)
    assert any("future" in problem.message for problem in problems)


def test_today_itself_is_not_in_the_future(tmp_path):
    assert problems_with(tmp_path, sources=edit_row(0, date="2025-01-01")) == []


@pytest.mark.parametrize(
    ("kind", "start", "end", "reported"),
    [("day", "2019-05-01", "2019-05-02", "period_end"),
     ("day", "2019-05", "2019-05", "period_start"),
     ("month", "2019-05", "2019-06", "period_end"),
     ("month", "2019-05-01", "2019-05-31", "period_start"),
     ("year", "2018", "2019", "period_end"),
     ("year", "2019", "2019-12", "period_end"),
     ("span", "", "2019", "period_start"),
     ("snapshot", "", "2019-01-01", "period_start")],
)  # fmt: skip
def test_dates_match_the_period_kind(tmp_path, kind, start, end, reported):
    problems = problems_with(
        tmp_path, observations=with_observation(period_kind=kind, period_start=start, period_end=end)
    )
    assert (NEW_ROW, reported) in [(problem.row, problem.column) for problem in problems]


def test_since_opening_may_leave_the_start_empty(tmp_path):
    values = {"period_kind": "since_opening", "period_start": "", "period_end": "2020"}
    assert problems_with(tmp_path, observations=with_observation(**values)) == []


# Observations: values -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "reported"),
    [({"value": "1500"}, "value"),
     ({"value_high": ""}, "value_high"),
     ({"value_low": "3000"}, "value_high")],
)  # fmt: skip
def test_a_range_has_a_low_and_a_high_end_and_no_value(tmp_path, values, reported):
    problem = only(problems_with(tmp_path, observations=edit_row(1, **values)))
    assert located([problem]) == [("observations.csv", 3, reported)]


@pytest.mark.parametrize(
    ("values", "reported"),
    [({"value": ""}, "value"), ({"value_low": "1"}, "value_low")],
)
def test_other_qualifiers_have_just_a_value(tmp_path, values, reported):
    problem = only(problems_with(tmp_path, observations=edit_row(2, **values)))
    assert located([problem]) == [("observations.csv", 4, reported)]


@pytest.mark.parametrize("index", [0, 6, 11])
def test_counts_populations_and_masses_are_not_negative(tmp_path, index):
    problem = only(problems_with(tmp_path, observations=edit_row(index, value="-1")))
    assert located([problem]) == [("observations.csv", index + 2, "value")]
    assert "negative" in problem.message


def test_counts_are_whole_numbers_unless_averaged(tmp_path):
    problem = only(problems_with(tmp_path, observations=edit_row(5, rate_per="")))
    assert located([problem]) == [("observations.csv", 7, "value")]
    assert "rate_per" in problem.message


def test_a_mass_may_have_decimals_and_a_percent_change_may_be_negative(sources_dir):
    rows = {row["metric_id"]: row["value"] for row in default_rows("observations")}
    assert rows["syringes_collected_kg"] == "12.5" and rows["syringe_litter_change"] == "-50"
    assert validate_paths([sources_dir], today=TODAY) == []


def test_rates_are_not_negative(tmp_path):
    problem = only(problems_with(tmp_path, observations=edit_row(12, value="-9.9")))
    assert located([problem]) == [("observations.csv", 14, "value")]


@pytest.mark.parametrize("text", ["female", "sex:female", "gender=female", "sex=", "=female"])
def test_a_breakdown_is_a_known_dimension_and_a_value(tmp_path, text):
    problem = only(problems_with(tmp_path, observations=edit_row(3, breakdown=text)))
    assert located([problem]) == [("observations.csv", 5, "breakdown")]


def test_observations_and_events_need_a_quote_and_a_source(tmp_path):
    problems = problems_with(
        tmp_path, observations=edit_row(0, quote="", source_id=""), events=edit_row(0, quote="", source_id="")
    )
    assert located(problems) == [
        ("events.csv", 2, "quote"), ("events.csv", 2, "source_id"),
        ("observations.csv", 2, "quote"), ("observations.csv", 2, "source_id"),
    ]  # fmt: skip


# Other tables -------------------------------------------------------------------------------------------


def test_a_source_has_a_url_or_a_document(tmp_path):
    problem = only(problems_with(tmp_path, sources=edit_row(0, url="")))
    assert located([problem]) == [("sources.csv", 2, "url")]
    assert "document" in problem.message


@pytest.mark.parametrize(
    ("column", "text"), [("latitude", "90.5"), ("latitude", "-91"), ("longitude", "180.1")]
)
def test_coordinates_are_on_the_globe(tmp_path, column, text):
    problem = only(problems_with(tmp_path, facilities=edit_row(1, **{column: text})))
    assert located([problem]) == [("facilities.csv", 3, column)]


def test_a_facility_closes_after_it_opens(tmp_path):
    problem = only(problems_with(tmp_path, facilities=edit_row(1, opened="2021", closed="2020-12-31")))
    assert located([problem]) == [("facilities.csv", 3, "closed")]


def test_a_facility_may_open_and_close_within_one_partial_date(tmp_path):
    assert problems_with(tmp_path, facilities=edit_row(1, opened="2019-05-01", closed="2019-05")) == []


@pytest.mark.parametrize(
    ("emptied", "date_column"),
    [
        ("closed_source_id", "closed"),
        ("closed_quote", "closed"),
        ("source_id", "opened"),
        ("quote", "opened"),
    ],
)
def test_an_opening_or_a_closure_rests_on_a_source_and_its_words(tmp_path, emptied, date_column):
    problem = only(problems_with(tmp_path, facilities=edit_row(1, **{emptied: ""})))
    assert located([problem]) == [("facilities.csv", 3, emptied)]
    assert f"required when {date_column} is given" in problem.message


def test_a_closure_cites_a_known_source(tmp_path):
    problem = only(problems_with(tmp_path, facilities=edit_row(1, closed_source_id="test-report-z")))
    assert located([problem]) == [("facilities.csv", 3, "closed_source_id")]


def test_a_facility_says_whether_it_is_officially_authorised(tmp_path):
    problem = only(problems_with(tmp_path, facilities=edit_row(0, sanctioned="")))
    assert located([problem]) == [("facilities.csv", 2, "sanctioned")]


def test_a_source_says_how_strong_it_is_and_in_which_language_it_speaks(tmp_path):
    problems = problems_with(tmp_path, sources=edit_row(0, kind="rumour", language="klingon"))
    assert located(problems) == [("sources.csv", 2, "kind"), ("sources.csv", 2, "language")]


def test_a_related_service_is_in_a_known_city_and_cites_a_known_source(tmp_path):
    problems = problems_with(tmp_path, related_services=edit_row(0, city_id="atlantis", source_id="nowhere"))
    assert located(problems) == [
        ("related_services.csv", 2, "city_id"),
        ("related_services.csv", 2, "source_id"),
    ]


def test_whether_a_metric_is_additive_is_a_boolean(tmp_path):
    problem = only(problems_with(tmp_path, metrics=edit_row(1, additive="")))
    assert located([problem]) == [("metrics.csv", 3, "additive")]


# Loading ------------------------------------------------------------------------------------------------


def test_loading_gives_typed_rows(sources_dir):
    tables = load_sources(sources_dir, today=TODAY)
    assert set(tables) == {table.name for table in SOURCE_TABLES}
    city = tables["cities"][0]
    assert city["latitude"] == 55.68 and city["in_europe"] is True
    first = tables["observations"][0]
    assert first["value"] == 1234.0 and isinstance(first["value"], float)
    assert first["period_start"] is None and first["period_end"] == "2020-12-31"
    assert list(first) == list(OBSERVATIONS.column_names)


def test_loading_without_events_gives_no_events(tmp_path):
    tables = load_sources(write_sources(tmp_path, events=None), today=TODAY)
    assert tables["events"] == []


def test_loading_invalid_sources_raises_with_every_problem(tmp_path):
    directory = write_sources(tmp_path, cities=edit_row(0, latitude="x"), events=edit_row(0, kind="x"))
    with pytest.raises(ValidationFailed, match=r"^2 problems") as raised:
        load_sources(directory, today=TODAY)
    assert located(raised.value.problems) == [("cities.csv", 2, "latitude"), ("events.csv", 2, "kind")]


def test_today_defaults_to_the_calendar_date(sources_dir):
    far_future = {**default_rows("sources")[0], "source_id": "far-future", "date": date.max.isoformat()}
    write_table(sources_dir, "sources", [*default_rows("sources"), far_future])
    assert located(validate_paths([sources_dir])) == [("sources.csv", 5, "date")]


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_problems_not_exceptions(data):
    """Whatever a curator or an upload puts in a file, the answer is a list of problems."""
    with tempfile.TemporaryDirectory() as directory:
        sources = write_sources(Path(directory))
        (sources / "observations.csv").write_bytes(OBSERVATIONS.column_names[0].encode() + b"\n" + data)
        problems = validate_paths([sources], today=TODAY)
    assert all(isinstance(problem, Problem) for problem in problems)


@settings(max_examples=60, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=0, max_value=1e12))
def test_numbers_round_trip_as_plain_decimals(number):
    text = f"{number:.6f}"
    assert math.isclose(parse_cell(Column("x", "number"), text), float(text))


# Translations of data text ---------------------------------------------------------------------------


def test_the_fixture_translations_are_valid(tmp_path):
    assert problems_with(tmp_path, translations=TRANSLATIONS) == []


def test_a_translation_whose_english_has_changed_asks_to_be_brought_up_to_date(tmp_path):
    """The reader sees the English rather than a stale translation, and the steward hears of it."""
    metrics = edit_row(0, label="Registered people")
    problem = only(problems_with(tmp_path, metrics=metrics, translations=TRANSLATIONS[:1]))
    assert (Path(problem.path).name, problem.row, problem.column) == ("translations.csv", 2, "english")
    assert "now 'Registered people'" in problem.message


def test_a_translation_names_a_translated_column_of_a_row_that_exists(tmp_path):
    rows = [
        {**TRANSLATIONS[0], "column_name": "kind"},
        {**TRANSLATIONS[0], "row_id": "registered_user"},
        {**TRANSLATIONS[0], "language": "it"},
    ]
    problems = problems_with(tmp_path, translations=rows)
    assert located(problems) == [
        ("translations.csv", 2, "column_name"),
        ("translations.csv", 3, "row_id"),
        ("translations.csv", 4, "language"),
    ]
    assert "did you mean 'registered_users'" in problems[1].message
