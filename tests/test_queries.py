"""Every named query runs and returns exactly the columns its type declares, so a SQL file and its row type
cannot drift apart unnoticed (tests/test_architecture.py checks that every SQL file has its function here)."""

from __future__ import annotations

import typing

import pyarrow as pa
import pytest
from apptest_helpers import build_dataset
from fixtures import TRANSLATIONS

from sdcf_metrics import datatable, paths, queries
from sdcf_metrics.i18n import in_language
from sdcf_metrics.queries import TableFilter
from sdcf_metrics.store import SETUP_SQL, get_store

SQL_FILES = sorted(path.stem for path in (paths.PROJECT_ROOT / "src/sdcf_metrics/sql").glob("*.sql"))
# Run once per connection by the store (or by the build, for the derived tables), not queries of their own.
SETUP = set(SETUP_SQL)
# Arguments each query is run with on the fixture dataset; a new query needs a line here.
EXAMPLES: dict[str, dict[str, object]] = {
    "area_observations": {"metric_id": "drug_induced_death_rate"},
    "cities": {},
    "city_breakdowns": {"city_id": "copenhagen"},
    "city_events": {"city_id": "brussels"},
    "city_observations": {"city_id": "copenhagen"},
    "city_related_services": {"city_id": "copenhagen"},
    "compare_metrics": {},
    "coverage": {},
    "dataset_countries": {},
    "dataset_summary": {},
    "facilities": {},
    "facility_directory": {"countries": ["Denmark", "Belgium"], "facility_type": None, "status": None},
    "litter_observations": {"metric_ids": ["syringes_found_public", "syringe_litter_change"]},
    "metric_across_cities": {"metric_id": "visits", "city_ids": ["brussels", "copenhagen"]},
    "metric_catalogue": {},
    "metric_coverage": {"metric_id": "visits"},
    "metrics": {},
    "observation_count": {"selection": TableFilter(city_ids=("copenhagen",))},
    "observation_table": {"selection": TableFilter(city_ids=("copenhagen",)), "page": 1},
    "observations_by_id": {"observation_ids": ["obs-range", "obs-female"]},
    "reading_examples": {},
    "sources": {},
    "translations": {},
    "upload_reference_observations": {"city_ids": ["copenhagen"]},
}
TABLE_COLUMNS = {
    "observation_table": tuple(datatable.COLUMN_DEFINITIONS),
    "coverage": queries.COVERAGE_COLUMNS,
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    data = build_dataset(tmp_path_factory.mktemp("data"), translations=TRANSLATIONS)
    return get_store(paths.extracts_dir(data))


def declared_columns(name: str) -> tuple[str, ...]:
    """The columns a query's return type declares; a plain value (a count, a list of names) by its type."""
    returned = typing.get_type_hints(getattr(queries, name))["return"]
    if returned is pa.Table:
        return TABLE_COLUMNS[name]
    row_type = typing.get_args(returned)[0] if typing.get_origin(returned) is list else returned
    if row_type in (int, str):
        return (row_type.__name__,)
    return tuple(typing.get_type_hints(row_type))


def returned_columns(result: object) -> tuple[tuple[str, ...], int]:
    """The columns and the number of rows a query returned; a plain value by its type."""
    if isinstance(result, pa.Table):
        return tuple(result.column_names), result.num_rows
    if isinstance(result, int):
        return ("int",), result
    if isinstance(result, dict):
        return tuple(result), 1
    rows = list(result)
    if rows and isinstance(rows[0], str):
        return ("str",), len(rows)
    return (tuple(rows[0]) if rows else ()), len(rows)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_query_runs_and_returns_the_columns_its_type_declares(store, name):
    columns, count = returned_columns(getattr(queries, name)(store, **EXAMPLES[name]))
    assert count > 0, f"the example of {name} returns no row, so its columns are not checked"
    assert columns == declared_columns(name)


def test_one_metrics_coverage_is_the_coverage_tables_rows_of_it(store):
    everything = queries.coverage(store).to_pylist()
    expected = [
        {"city_id": row["city_id"], "metric_id": "visits", "figures": row["figures"]}
        for row in everything
        if row["metric_id"] == "visits"
    ]
    assert queries.metric_coverage(store, "visits") == expected
    assert any(row["figures"] for row in expected) and any(not row["figures"] for row in expected)


def test_parameters_are_bound_not_spliced(store):
    hostile = "copenhagen' OR 1=1 --"
    assert queries.city_observations(store, city_id=hostile) == []
    assert queries.metric_across_cities(store, metric_id="visits", city_ids=[hostile]) == []


def test_rows_come_back_in_the_reader_s_language(store):
    """A metric's name, definition and unit from the data's translations, the period in French dates;
    the source's own wording, quote and ids untouched."""
    english = {row["observation_id"]: row for row in queries.city_observations(store, city_id="copenhagen")}
    with in_language("fr"):
        french = queries.city_observations(store, city_id="copenhagen")
        catalogue = {row["metric_id"]: row for row in queries.metric_catalogue(store)}
    registered = next(row for row in french if row["metric_id"] == "registered_users")
    assert registered["metric"] == "Usagers inscrits (fixture)"
    assert registered["definition"] == "Personnes inscrites dans une salle (fixture)."
    assert registered["unit"] == "personnes"
    before = english[registered["observation_id"]]
    assert (registered["counted_as"], registered["quote"]) == (before["counted_as"], before["quote"])
    assert catalogue["registered_users"]["label"] == "Usagers inscrits (fixture)"
    untranslated = next(row for row in french if row["metric_id"] == "visits")
    assert untranslated["metric"] == "Visits"  # no translation in the data: the English, not a guess
    dated = next(row for row in french if row["period_kind"] == "since_opening")
    assert dated["period_label"].startswith("depuis l'ouverture")


def test_an_export_in_french_names_its_metrics_in_french_and_keeps_its_columns(store):
    with in_language("fr"):
        rows = queries.observation_table(store, selection=TableFilter(city_ids=("copenhagen",)))
    assert tuple(rows.column_names) == tuple(datatable.COLUMN_DEFINITIONS)
    assert "Usagers inscrits (fixture)" in rows.column("metric_label").to_pylist()
