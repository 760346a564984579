"""The data table: search and filters narrow the observations, coverage counts them, exports carry them.

Everything here runs on the fixture dataset (13 made-up observations in Copenhagen, Brussels, Barcelona,
Catalonia and Spain), so each expected row can be read off `tests/fixtures.py`.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import pandas as pd
import pyarrow.parquet as pq
import pytest
from fixtures import default_rows, edit_row, write_sources
from openpyxl import load_workbook

from sdcf_metrics import datatable, paths, queries
from sdcf_metrics.attribution import citation
from sdcf_metrics.pipeline.build import build
from sdcf_metrics.privacy import small_count_threshold
from sdcf_metrics.queries import SEARCH_MAX_LENGTH, TableFilter, observation_table
from sdcf_metrics.store import get_store

ALL_IDS = {row["observation_id"] for row in default_rows("observations")}


def dataset_files(rows, data_version, published_on, selection=""):
    """The rows in every format, as the Data page offers them."""
    return [
        datatable.dataset_file(rows, data_version, published_on, extension, selection)
        for extension in datatable.FORMATS
    ]


def open_store(root, **overrides):
    write_sources(paths.sources_dir(root), **overrides)
    build(root)
    return get_store(paths.extracts_dir(root))


@pytest.fixture
def store(tmp_path):
    return open_store(tmp_path)


def ids(store, **narrowing) -> set[str]:
    rows = observation_table(store, selection=TableFilter(**narrowing))
    return set(rows.column("observation_id").to_pylist())


def test_nothing_narrows_the_table_by_default(store):
    assert TableFilter().is_everything
    assert ids(store) == ALL_IDS


def test_search_finds_a_place_in_any_case(store):
    barcelona = {"obs-syringes-2017", "obs-syringes-2018", "obs-syringes-2019", "obs-litter-change"}
    assert ids(store, search="barcelona") == barcelona
    assert ids(store, search="  BARCELONA ") == barcelona


def test_search_looks_in_metric_wording_source_and_quote(store):
    assert ids(store, search="Drug-induced death rate") == {"obs-death-rate"}  # metric label
    assert ids(store, search="women registered") == {"obs-female"}  # counted_as
    assert ids(store, search="Test source C") == {"obs-population"}  # source title
    assert ids(store, search="12.5 visits a day") == {"obs-daily-average"}  # quote
    assert ids(store, search="Catalonia") == {"obs-litter-kg"}  # region


def test_search_ignores_accents(tmp_path):
    store = open_store(tmp_path, cities=edit_row(1, name="Liège"))
    assert ids(store, search="liege") == ids(store, search="Liège") == {"obs-range", "obs-more-than"}


@pytest.mark.parametrize("hostile", ["x' OR 1=1 --", "'; DROP TABLE observations; --", "$search", "\\"])
def test_search_text_is_a_bound_value_never_sql(store, hostile):
    assert ids(store, search=hostile) == set()
    assert ids(store) == ALL_IDS  # the data is still all there


def test_like_wildcards_in_the_search_are_literal(store):
    assert ids(store, search="%") == {"obs-litter-change"}  # "fell by 50%" is the only percent sign
    assert ids(store, search="50%") == {"obs-litter-change"}
    assert ids(store, search="5_%") == set()  # `_` is not "any character"


def test_overlong_search_text_is_cut_to_the_limit(store):
    assert ids(store, search="fixture" + "x" * 1000) == set()
    assert len(TableFilter(search="y" * 1000).query_params()["search"]) == SEARCH_MAX_LENGTH


def test_filters_combine(store):
    copenhagen_users = ids(store, city_ids=("copenhagen",), metric_ids=("registered_users",))
    assert copenhagen_users == {"obs-since-opening", "obs-female", "obs-male"}
    assert ids(store, city_ids=("copenhagen",), metric_ids=("registered_users",), period_kinds=("year",)) == {
        "obs-female",
        "obs-male",
    }
    assert ids(store, city_ids=("copenhagen",), metric_ids=("registered_users",), scopes=("city",)) == set()
    assert ids(store, search="women", city_ids=("copenhagen",)) == {"obs-female"}


def test_several_values_of_one_filter_are_alternatives(store):
    assert ids(store, city_ids=("brussels", "barcelona")) == ids(store, city_ids=("brussels",)) | ids(
        store, city_ids=("barcelona",)
    )


def test_country_filter_includes_regions_and_the_country_itself(store):
    assert ids(store, countries=("Spain",)) == {
        "obs-syringes-2017",
        "obs-syringes-2018",
        "obs-syringes-2019",
        "obs-litter-change",
        "obs-litter-kg",
        "obs-death-rate",
    }


def test_unknown_filter_values_select_nothing(store):
    assert ids(store, city_ids=("atlantis",)) == set()
    assert ids(store, period_kinds=("fortnight",)) == set()


def test_cities_come_first_in_name_order_then_wider_areas(store):
    rows = observation_table(store).to_pylist()
    places = [row["city"] or row["region"] or row["country"] for row in rows]
    assert places[:10] == ["Barcelona"] * 4 + ["Brussels"] * 2 + ["Copenhagen"] * 4
    assert places[-3:] == ["Copenhagen", "Spain", "Catalonia"]  # a country before its regions


def display(store, **narrowing):
    kinds = {metric["metric_id"]: metric["kind"] for metric in queries.metric_catalogue(store)}
    return datatable.display_frame(observation_table(store, selection=TableFilter(**narrowing)), kinds)


def test_display_reads_each_figure_in_the_sources_terms(store):
    table = display(store).set_index("ID")
    assert [*table.columns, "ID"] == list(datatable.DISPLAY_COLUMNS)
    assert table.loc["obs-range", "Value"] == "1,000–2,000"
    assert table.loc["obs-more-than", "Value"] == "more than 500"
    assert table.loc["obs-daily-average", "Value"] == "about 12.5 per day"
    assert table.loc["obs-since-opening", "Period"] == "since opening to 2020-12-31"
    assert table.loc["obs-since-opening", "Period kind"] == "since opening"
    assert table.loc["obs-population", "URL or citation"] == "Printed test document C (fixture), p. 12"
    assert table.loc["obs-range", "URL or citation"] == "https://example.org/fixture-report-b"
    assert table.loc["obs-female", "Breakdown"] == "sex=female"
    assert table.loc["obs-female", "Quote"] == "111 women registered (fixture)."


def with_a_conflict(rows):
    """Another source gives 1,300 where obs-since-opening gives 1,234 (the fixture's Copenhagen users)."""
    other = {**rows[0], "observation_id": "obs-other-source", "value": "1300", "source_id": "test-report-b"}
    return [*rows, other]


CONFLICT = {
    "conflict_id": "c1",
    "observation_ids": "obs-since-opening obs-other-source",
    "primary_id": "obs-since-opening",
    "reason": "The room's own report counts its registrations (fixture).",
}


def test_a_figure_sources_disagree_about_names_the_other_value_and_source_on_screen_and_in_exports(tmp_path):
    store = open_store(tmp_path, observations=with_a_conflict, conflicts=[CONFLICT])
    rows = {row["observation_id"]: row for row in observation_table(store).to_pylist()}
    assert rows["obs-since-opening"]["conflict"] == (
        "1300 (Test publisher (fixture): Test source B (fixture); obs-other-source)"
    )
    assert rows["obs-other-source"]["conflict_primary"] == "obs-since-opening"
    assert rows["obs-other-source"]["conflict_reason"] == CONFLICT["reason"]
    assert rows["obs-range"]["conflict"] == ""
    table = display(store).set_index("ID")
    assert table.loc["obs-since-opening", "Sources disagree"].startswith("Sources disagree: 1300 (Test")
    assert table.loc["obs-since-opening", "Source kind"] == "service or annual report"
    exported = list(csv.DictReader(io.StringIO(datatable.dataset_file(
        observation_table(store), "v", "2025-01-01", "csv").data.decode("utf-8-sig"))))  # fmt: skip
    by_id = {row["observation_id"]: row for row in exported}
    assert by_id["obs-other-source"]["conflict"].startswith("1234 (Test publisher (fixture)")
    assert by_id["obs-other-source"]["source_kind"] == "news_report"


def test_place_period_value_and_how_far_to_trust_it_come_first_on_screen():
    assert datatable.DISPLAY_COLUMNS[:4] == ("City", "Where", "Period", "Value")
    assert {"Source kind", "Sources disagree"} <= set(datatable.DISPLAY_COLUMNS[:8])


def test_a_small_count_in_a_breakdown_is_shown_and_exported_withheld(tmp_path):
    store = open_store(tmp_path, observations=edit_row(3, value="3"))  # obs-female: 3 women
    table = display(store).set_index("ID")
    assert table.loc["obs-female", "Value"] == f"<{small_count_threshold()}"
    assert table.loc["obs-male", "Value"] == "222"
    assert "3 women" not in " ".join(table.loc["obs-female"])
    exported = observation_table(store, selection=TableFilter(search="women")).to_pylist()
    assert [(row["value"], row["status"]) for row in exported] == [(None, "suppressed_small")]


def test_coverage_counts_every_city_and_metric_including_zero(store):
    coverage = store.query("coverage").to_pylist()
    assert len(coverage) == len(default_rows("cities")) * len(default_rows("metrics"))
    counts = {(row["city_id"], row["metric_id"]): row["figures"] for row in coverage}
    assert counts["copenhagen", "registered_users"] == 3
    assert counts["copenhagen", "syringes_found_public"] == 0
    assert counts["barcelona", "syringes_found_public"] == 3


def test_a_coverage_count_is_the_number_of_rows_the_table_shows_for_it(store):
    for row in store.query("coverage").to_pylist():
        shown = ids(store, city_ids=(row["city_id"],), metric_ids=(row["metric_id"],))
        assert len(shown) == row["figures"], (row["city_id"], row["metric_id"])


def test_coverage_frame_puts_cities_down_and_metrics_across(store):
    frame = datatable.coverage_frame(store.query("coverage")).set_index("City")
    assert list(frame.index) == ["Barcelona", "Brussels", "Copenhagen"]
    assert frame.loc["Copenhagen", "Registered users"] == 3
    assert frame.loc["Copenhagen", "All figures"] == 5
    assert frame.loc["Copenhagen", "Metrics with a figure"] == 3  # registered users, visits, population
    assert pd.isna(frame.loc["Brussels", "Syringes found in public space"]), "no figure, not a zero"
    assert frame["Registered users"].dtype == "Int64", "counts stay numbers, so the column sorts"


def test_sources_list_each_source_once_with_its_number_of_figures(store):
    frame = datatable.sources_frame(queries.source_table(store)).set_index("ID")
    assert frame.loc["test-report-b", "Figures"] == 3
    assert frame.loc["test-document-c", "URL or citation"] == "Printed test document C (fixture), p. 12"
    assert frame.loc["test-document-c", "Licence note"] == "Quoted for test purposes only (fixture)"


def files_by_format(files):
    return {file.file_name.rsplit(".", 1)[1]: file for file in files}


def test_an_export_of_filtered_rows_holds_exactly_those_rows(store):
    narrowed = TableFilter(search="visits", city_ids=("brussels", "copenhagen"))
    rows = observation_table(store, selection=narrowed)
    expected = rows.column("observation_id").to_pylist()
    assert sorted(expected) == ["obs-daily-average", "obs-more-than", "obs-range"]
    files = files_by_format(dataset_files(rows, "v123", "2025-01-01", narrowed.describe()))

    csv_rows = list(csv.DictReader(io.StringIO(files["csv"].data.decode("utf-8-sig"))))
    assert [row["observation_id"] for row in csv_rows] == expected
    assert list(csv_rows[0]) == rows.column_names

    workbook = load_workbook(io.BytesIO(files["xlsx"].data))
    sheet = list(workbook["data"].iter_rows(values_only=True))
    assert sheet[0] == tuple(rows.column_names)
    assert [row[-1] for row in sheet[1:]] == expected

    parquet = pq.read_table(io.BytesIO(files["parquet"].data))
    assert parquet.column("observation_id").to_pylist() == expected
    assert parquet.schema.metadata[b"data_version"] == b"v123"


def test_an_exported_workbook_says_what_it_holds_and_how_to_cite_it(store):
    narrowed = TableFilter(search="women", metric_ids=("registered_users",))
    rows = observation_table(store, selection=narrowed)
    files = files_by_format(dataset_files(rows, "v123", "2025-01-01", narrowed.describe()))
    about = dict(load_workbook(io.BytesIO(files["xlsx"].data))["About"].iter_rows(values_only=True))
    assert about["Data version"] == "v123"
    assert about["Published"] == "2025-01-01"
    assert about["How to cite"] == citation("v123", "2025-01-01")
    assert about["Rows"] == "1"
    assert about["Selection"] == "search “women”; metrics: registered_users"
    assert "CC BY 4.0" in about["Licence"]
    assert about["quote"] == datatable.COLUMN_DEFINITIONS["quote"]


def test_every_exported_column_has_a_definition(store):
    rows = observation_table(store)
    assert list(datatable.COLUMN_DEFINITIONS) == rows.column_names


def test_file_names_carry_the_data_version_and_say_when_they_are_a_selection(store):
    rows = observation_table(store)
    everything = [file.file_name for file in dataset_files(rows, "v123", "2025-01-01")]
    assert everything == ["sdcf-metrics-v123.csv", "sdcf-metrics-v123.xlsx", "sdcf-metrics-v123.parquet"]
    narrowed = observation_table(store, selection=TableFilter(city_ids=("brussels",)))
    selection = dataset_files(narrowed, "v123", "2025-01-01", "cities: brussels")
    assert selection[0].file_name == "sdcf-metrics-v123-selection-2-figures.csv"
    one = observation_table(store, selection=TableFilter(search="women"))
    assert dataset_files(one, "v123", "2025-01-01", "search “women”")[0].file_name == (
        "sdcf-metrics-v123-selection-1-figure.csv"
    )


def test_a_filter_describes_itself_for_the_about_sheet():
    assert TableFilter().describe() == "all figures"
    described = TableFilter(
        search=" naloxone ", city_ids=("paris", "lisbon"), scopes=("facility",)
    ).describe()
    assert described == "search “naloxone”; cities: paris, lisbon; scopes: facility"


def test_the_full_dataset_on_the_page_matches_the_command_line_export(store, tmp_path):
    """Same query, same rows, same order: the Data page's download and `sdcf-metrics export`."""
    page = observation_table(store)
    exported = subprocess.run(
        [sys.executable, "-m", "sdcf_metrics.cli", "export", "--format", "csv", "--output", "-"],
        capture_output=True,
        env={**os.environ, "SDCF_DATA_DIR": str(tmp_path)},
        check=True,
    )
    rows = list(csv.DictReader(io.StringIO(exported.stdout.decode("utf-8-sig"))))
    assert list(rows[0]) == page.column_names
    assert [row["observation_id"] for row in rows] == page.column("observation_id").to_pylist()
