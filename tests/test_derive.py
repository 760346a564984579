"""The build derives `observation_details` once, sorted for the pages' filters, and the store reads it.

The derived rows are exactly what the joins of `observation_details.sql` give over the base tables; a
store holding a visitor's upload computes them from the combined tables instead, and a version written
before the build derived anything is still served, computed the same way.
"""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fixtures import write_sources
from test_datatable import CONFLICT, with_a_conflict

from sdcf_metrics import paths
from sdcf_metrics.pipeline.build import build
from sdcf_metrics.pipeline.derive import write_derived
from sdcf_metrics.release import (
    DERIVED_TABLES,
    ROW_GROUP_ROWS,
    current_release,
    is_intact,
    sha256,
    write_parquet,
)
from sdcf_metrics.schema import SOURCE_TABLES
from sdcf_metrics.store import Store, open_sandboxed, release_views

EVERY_ROW = "SELECT * FROM observation_details ORDER BY observation_id"


@pytest.fixture
def root(tmp_path):
    """The fixture sources, with one recorded conflict between two sources."""
    write_sources(paths.sources_dir(tmp_path), observations=with_a_conflict, conflicts=[CONFLICT])
    build(tmp_path)
    return tmp_path


@pytest.fixture
def published(root):
    return current_release(paths.extracts_dir(root))


def computed_store(published) -> Store:
    """A store over the base tables only, computing `observation_details` by its SQL as queries run."""
    views, setup = release_views(published.files, derived=False)
    return Store(published, open_sandboxed(views, setup))


def test_the_derived_extract_holds_exactly_the_rows_the_joins_give(published):
    with Store.open(published) as derived, computed_store(published) as computed:
        from_file = derived.sql(EVERY_ROW)
        assert from_file.num_rows == pq.read_metadata(published.files["observations"]).num_rows
        assert from_file.to_pylist() == computed.sql(EVERY_ROW).to_pylist()


def test_the_derived_rows_carry_the_conflicts_they_belong_to(published):
    with Store.open(published) as store:
        rows = store.sql("SELECT conflict_id, conflicting FROM observation_details").to_pylist()
    in_conflict = [row for row in rows if row["conflict_id"]]
    assert len(in_conflict) == 2
    assert all(len(row["conflicting"]) == 1 for row in in_conflict)
    assert all(row["conflicting"] is None for row in rows if not row["conflict_id"])


def test_the_derived_rows_are_sorted_totals_first_then_by_city_metric_and_period(published):
    rows = pq.read_table(published.files["observation_details"]).to_pylist()

    def key(row):
        return (
            row["breakdown"] is not None,
            row["city_id"] is None,
            row["city_id"] or "",
            row["metric_id"],
            row["period_end_date"],
            row["period_start_date"] is not None,
            row["period_start_date"] or row["period_end_date"],
            row["observation_id"],
        )

    assert [row["observation_id"] for row in rows] == [row["observation_id"] for row in sorted(rows, key=key)]
    assert any(row["breakdown"] for row in rows) and any(row["breakdown"] is None for row in rows)


def test_the_manifest_lists_and_checksums_the_derived_extract(root, published):
    manifest = json.loads((published.directory / "manifest.json").read_text())
    entry = manifest["tables"]["observation_details"]
    path = published.directory / entry["file"]
    assert entry["sha256"] == sha256(path) and entry["rows"] == pq.read_metadata(path).num_rows
    path.write_bytes(path.read_bytes()[:-8])
    assert not is_intact(published.directory)


def test_streaming_the_derived_rows_writes_the_file_the_build_writes(published, tmp_path):
    """The benchmarks write releases too big for memory batch by batch (`write_derived`); the file is the
    one the build publishes, so they measure what the build writes."""
    with duckdb.connect(":memory:") as connection:
        for table in SOURCE_TABLES:
            connection.register(table.name, pq.read_table(published.files[table.name]))
        streamed = write_derived(connection, tmp_path)
    assert set(streamed) == set(DERIVED_TABLES)
    for name, path in streamed.items():
        assert path.read_bytes() == published.files[name].read_bytes()


def test_an_extract_is_written_in_row_groups_of_the_chosen_size(tmp_path):
    rows = pa.table({"n": range(2 * ROW_GROUP_ROWS + 1)})
    write_parquet(tmp_path / "rows.parquet", rows)
    metadata = pq.read_metadata(tmp_path / "rows.parquet")
    sizes = [metadata.row_group(index).num_rows for index in range(metadata.num_row_groups)]
    assert sizes == [ROW_GROUP_ROWS, ROW_GROUP_ROWS, 1]


def test_a_version_without_derived_extracts_is_served_by_computing_them(root, published):
    """A version published before the build derived anything: its files and manifest, nothing more."""
    manifest_path = published.directory / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for name in DERIVED_TABLES:
        (published.directory / manifest["tables"].pop(name)["file"]).unlink()
    manifest_path.write_text(json.dumps(manifest))
    older = current_release(paths.extracts_dir(root))
    assert set(older.files) == {table.name for table in SOURCE_TABLES}
    with Store.open(older) as store, computed_store(published) as computed:
        assert store.sql(EVERY_ROW).to_pylist() == computed.sql(EVERY_ROW).to_pylist()
