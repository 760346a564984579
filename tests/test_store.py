"""The store: one sandboxed, read-only DuckDB connection over the published extracts.

Probes go through the app's own connection factory (T-09), values are bound (T-10) and threads each
take a cursor (T-12).
"""

from __future__ import annotations

import threading

import duckdb
import pytest
from fixtures import write_sources

from sdcf_metrics import paths
from sdcf_metrics import store as store_module
from sdcf_metrics.pipeline.build import build
from sdcf_metrics.queries import EVERYTHING, observation_table
from sdcf_metrics.release import POINTER_FILE, DataUnavailable, current_release
from sdcf_metrics.store import (
    QueryRefused,
    QueryTimeout,
    QueryTooLarge,
    Store,
    allowed_functions,
    allowed_table_functions,
    get_store,
    load_sql,
    open_sandboxed,
)


@pytest.fixture
def store(tmp_path):
    write_sources(paths.sources_dir(tmp_path))
    build(tmp_path)
    return get_store(paths.extracts_dir(tmp_path))


@pytest.mark.parametrize(
    "probe",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM glob('/etc/*')",
        "SELECT * FROM sniff_csv('/etc/passwd')",
        "ATTACH '/tmp/sdcf-probe.duckdb' AS probe",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SELECT * FROM read_parquet('https://example.org/x.parquet')",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "SET memory_limit = '20GB'",
        "SET allowed_directories = ['/']",
    ],
)
def test_sandbox_refuses_to_reach_outside_the_extracts(store, probe):
    with pytest.raises(duckdb.Error):
        store.sql(probe)


def test_sandbox_refuses_to_write_even_beside_the_extracts(store):
    target = store.release.directory / "copied.csv"
    with pytest.raises(duckdb.Error):
        store.sql(f"COPY (SELECT 1) TO '{target}'")
    assert not target.exists()


def test_sandbox_refuses_a_relative_escape(store):
    escape = store.release.directory / ".." / ".." / "sources" / "observations.csv"
    with pytest.raises(duckdb.Error):
        store.sql(f"SELECT * FROM read_csv('{escape}')")


def test_values_are_bound_not_spliced(store):
    hostile = "copenhagen' OR 1=1 --"
    assert store.query("city_observations", city_id=hostile).num_rows == 0


def test_named_queries_return_arrow_tables(store):
    cities = store.query("cities")
    assert cities.num_rows > 0
    assert "population" in cities.column_names
    everything = store.query("observation_table", **EVERYTHING.query_params(), limit=None, offset=0)
    assert everything.num_rows == store.sql("SELECT count(*) AS n FROM observations").column("n")[0].as_py()


def test_threads_each_get_a_cursor(store):
    errors, results = [], []

    def work():
        try:
            for _ in range(25):
                results.append(observation_table(store).num_rows)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1 and len(results) == 200


RUNAWAY = "SELECT count(*) AS n FROM " + ", ".join(f"observations AS o{index}" for index in range(10))


def test_a_runaway_query_is_interrupted_and_the_store_still_works(store):
    """T-11: the time limit interrupts a runaway query; the same connection serves the next one."""
    hurried = Store.open(store.release, time_limit_ms=500)
    with pytest.raises(QueryTimeout, match="maximum execution time"):
        hurried.sql(RUNAWAY)
    assert hurried.query("cities").num_rows > 0


def test_missing_extracts_raise_a_clear_error(tmp_path):
    with pytest.raises(DataUnavailable, match="sdcf-metrics build"):
        current_release(paths.extracts_dir(tmp_path))


def test_corrupt_pointer_raises_a_clear_error(tmp_path):
    write_sources(paths.sources_dir(tmp_path))
    build(tmp_path)
    (paths.extracts_dir(tmp_path) / POINTER_FILE).write_text("{not json")
    with pytest.raises(DataUnavailable):
        current_release(paths.extracts_dir(tmp_path))


def test_the_store_follows_a_new_release(tmp_path):
    from fixtures import default_rows, write_table

    write_sources(paths.sources_dir(tmp_path))
    build(tmp_path)
    first = get_store(paths.extracts_dir(tmp_path))
    rows = default_rows("observations")[:-1]
    write_table(paths.sources_dir(tmp_path), "observations", rows)
    build(tmp_path)
    second = get_store(paths.extracts_dir(tmp_path))
    assert second.data_version != first.data_version
    assert second.sql("SELECT count(*) AS n FROM observations").column("n")[0].as_py() == len(rows)


def test_no_module_level_duckdb_calls_in_the_library():
    """T-12: `duckdb.sql()` and `duckdb.execute()` share one default connection across threads."""
    import re

    offenders = []
    for path in [*paths.PROJECT_ROOT.joinpath("src").rglob("*.py"), *paths.PROJECT_ROOT.glob("*.py")]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"duckdb\.(sql|execute|query)\(", line):
                offenders.append(f"{path}:{number}")
    assert offenders == []


# Hard limits (issue 13, point 8) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        "DROP VIEW observations",
        "CREATE OR REPLACE VIEW observations AS SELECT 1 AS observation_id",
        "CREATE TABLE scratch AS SELECT 1 AS n",
        "INSERT INTO observations SELECT * FROM observations",
        "SET threads = 1",
        "PRAGMA threads = 1",
        "SELECT 1; DROP VIEW observations",
    ],
)
def test_queries_cannot_change_the_catalogue(store, change):
    rows = store.query("observation_table", **EVERYTHING.query_params(), limit=None, offset=0).num_rows
    with pytest.raises(QueryRefused):
        store.sql(change)
    assert (
        store.query("observation_table", **EVERYTHING.query_params(), limit=None, offset=0).num_rows == rows
    )


@pytest.mark.parametrize(
    "probe",
    [
        "SELECT current_setting('allowed_paths') AS paths",
        "SELECT * FROM duckdb_settings()",
        "SELECT sql FROM duckdb_views()",
        "SELECT * FROM information_schema.views",
        "SELECT * FROM pragma_database_list()",
        "DESCRIBE observations",
        "SELECT getvariable('x') AS x",
    ],
)
def test_settings_and_the_catalogue_stay_hidden(store, probe):
    """`allowed_paths` lists the extract files, and the views' SQL names them: neither may be read."""
    with pytest.raises(QueryRefused) as refused:
        store.sql(probe)
    assert str(store.release.directory) not in str(refused.value)


def test_the_dashboards_own_queries_pass_the_gate_and_set_what_may_be_called():
    assert {"count_star", "list_contains", "chosen_dataset_rows"} <= allowed_functions()
    assert not {"current_setting", "read_csv", "range", "repeat", "getenv"} & allowed_functions()
    assert allowed_table_functions() == {"chosen_dataset_rows"}


def test_the_stores_own_table_macro_may_be_read_and_no_other_table_function(store):
    """`chosen_dataset_rows` (views.sql) is the Data page's filter, shared by its rows and their count."""
    counted = store.sql("SELECT count(*) AS n FROM chosen_dataset_rows('', NULL, NULL, NULL, NULL, NULL)")
    assert (
        counted.column("n")[0].as_py()
        == store.query("observation_table", **EVERYTHING.query_params(), limit=None, offset=0).num_rows
    )
    for probe in (
        "SELECT * FROM range(3)",
        "SELECT * FROM main.chosen_dataset_rows('', NULL, NULL, NULL, NULL, NULL)",
    ):
        with pytest.raises(QueryRefused):
            store.sql(probe)


def test_the_watchdog_interrupts_a_query_duckdbs_own_limit_lets_run(store):
    """DuckDB's `max_execution_time` is not checked everywhere; the watchdog interrupts from outside."""
    views = {name: list(files) for name, files in store.release.files.items()}
    unlimited = open_sandboxed(views, load_sql("views"), time_limit_ms=3_600_000)
    watched = Store(store.release, unlimited, time_limit_ms=300)
    with pytest.raises(QueryTimeout, match="maximum execution time"):
        watched.sql(RUNAWAY)
    assert watched.query("cities").num_rows > 0


def test_a_result_larger_than_the_limit_is_refused_before_it_is_held(store):
    """DuckDB's memory limit does not count a result being handed over: the store does, batch by batch."""
    small = Store.open(store.release, result_limit_bytes=10_000)
    with pytest.raises(QueryTooLarge, match="result passed the limit"):
        small.sql("SELECT a.quote, b.quote AS again FROM observations AS a, observations AS b")
    assert small.query("cities").num_rows > 0


def test_the_connections_of_versions_no_longer_current_are_closed_once_unused(tmp_path, monkeypatch):
    from fixtures import default_rows, write_table

    monkeypatch.setattr(store_module, "IDLE_CLOSE_S", 0.0)
    write_sources(paths.sources_dir(tmp_path))
    build(tmp_path)
    stores = [get_store(paths.extracts_dir(tmp_path))]
    for note in ("a correction", "another correction"):
        rows = default_rows("observations")
        rows[0]["notes"] = note
        write_table(paths.sources_dir(tmp_path), "observations", rows)
        build(tmp_path)
        stores.append(get_store(paths.extracts_dir(tmp_path)))
    assert [store.is_open for store in stores] == [False, False, True]
    old = stores[0]
    assert old.query("cities").num_rows > 0, "a page run still holding an old store reopens it"
