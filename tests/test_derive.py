"""The build derives `observation_details` once, sorted for the pages' filters, and the store reads it.

The derived rows are exactly what the joins of `observation_details.sql` give over the base tables; a
store holding a visitor's upload computes them from the combined tables instead, and a version written
before the build derived anything is still served, computed the same way. A network too big for one file
gets one file per city, which a query about some cities opens alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fixtures import write_sources
from test_datatable import CONFLICT, with_a_conflict

from sdcf_metrics import extracts, paths
from sdcf_metrics.extracts import DERIVED_TABLES, NULL_PARTITION, ROW_GROUP_ROWS, write_parquet, write_split
from sdcf_metrics.pipeline.build import build
from sdcf_metrics.pipeline.derive import write_derived
from sdcf_metrics.release import DataUnavailable, current_release, is_intact, manifest_files, sha256
from sdcf_metrics.schema import SOURCE_TABLES
from sdcf_metrics.store import Store, open_sandboxed, release_views

EVERY_ROW = "SELECT * FROM observation_details ORDER BY observation_id"


def built(root: Path) -> Path:
    """`root` with the fixture sources, one recorded conflict between two sources, built."""
    write_sources(paths.sources_dir(root), observations=with_a_conflict, conflicts=[CONFLICT])
    build(root)
    return root


@pytest.fixture
def root(tmp_path):
    return built(tmp_path)


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
        (observations,) = published.files["observations"]
        assert from_file.num_rows == pq.read_metadata(observations).num_rows
        assert from_file.to_pylist() == computed.sql(EVERY_ROW).to_pylist()


def test_the_derived_rows_carry_the_conflicts_they_belong_to(published):
    with Store.open(published) as store:
        rows = store.sql("SELECT conflict_id, conflicting FROM observation_details").to_pylist()
    in_conflict = [row for row in rows if row["conflict_id"]]
    assert len(in_conflict) == 2
    assert all(len(row["conflicting"]) == 1 for row in in_conflict)
    assert all(row["conflicting"] is None for row in rows if not row["conflict_id"])


def test_the_derived_rows_are_sorted_by_city_then_totals_first_then_by_metric_and_period(published):
    (details,) = published.files["observation_details"]
    rows = pq.read_table(details).to_pylist()

    def key(row):
        return (
            row["city_id"] is None,
            row["city_id"] or "",
            row["breakdown"] is not None,
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
    assert published.files["observation_details"] == (path,)
    assert entry["sha256"] == sha256(path) and entry["rows"] == pq.read_metadata(path).num_rows
    path.write_bytes(path.read_bytes()[:-8])
    assert not is_intact(published.directory)


def test_streaming_the_derived_rows_writes_the_file_the_build_writes(published, tmp_path):
    """The benchmarks write releases too big for memory batch by batch (`write_derived`); the file is the
    one the build publishes, so they measure what the build writes."""
    with duckdb.connect(":memory:") as connection:
        for table in SOURCE_TABLES:
            connection.register(table.name, pq.read_table(list(published.files[table.name])))
        streamed = write_derived(connection, tmp_path)
    assert set(streamed) == set(DERIVED_TABLES)
    for name, files in streamed.items():
        assert [path.read_bytes() for path in files] == [path.read_bytes() for path in published.files[name]]


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


# --- a network too big for one file ----------------------------------------------------------------------


@pytest.fixture
def split_root(tmp_path, monkeypatch):
    """The sources of `root`, built beside it as if they were a network too big for one derived file."""
    monkeypatch.setattr(extracts, "SPLIT_ROWS", 2)
    return built(tmp_path / "split")


@pytest.fixture
def split(split_root):
    return current_release(paths.extracts_dir(split_root))


def test_a_network_too_big_for_one_file_is_published_one_file_per_city(split):
    folders = [path.parent.name for path in split.files["observation_details"]]
    # Ordered as the rows are; the rows of no city (a country's figures) in DuckDB's folder for NULL.
    assert folders == [
        "city_id=barcelona",
        "city_id=brussels",
        "city_id=copenhagen",
        f"city_id={NULL_PARTITION}",
    ]
    manifest = json.loads((split.directory / "manifest.json").read_text())
    entry = manifest["tables"]["observation_details"]
    assert entry["split_by"] == "city_id" and sum(part["rows"] for part in entry["parts"]) == entry["rows"]
    for path, part in zip(split.files["observation_details"], entry["parts"], strict=True):
        assert path == split.directory / part["file"]
        assert sha256(path) == part["sha256"] and pq.read_metadata(path).num_rows == part["rows"]
    assert split.files["observations"] == (split.directory / "observations.parquet",)


def test_the_store_reads_the_same_rows_and_columns_from_one_file_per_city(published, split):
    assert len(published.files["observation_details"]) == 1 and len(split.files["observation_details"]) == 4
    with Store.open(split) as by_city, Store.open(published) as one_file:
        rows = by_city.sql(EVERY_ROW)
        assert rows.schema.equals(one_file.sql(EVERY_ROW).schema)
        assert rows.to_pylist() == one_file.sql(EVERY_ROW).to_pylist()
        assert any(row["city_id"] is None for row in rows.to_pylist())


def test_a_query_about_one_city_opens_only_that_citys_file(split):
    with Store.open(split) as store:
        plan = store.explain("SELECT * FROM observation_details WHERE city_id = $city", city="brussels")
    profile = json.dumps([json.loads(value) for value in plan.column("explain_value").to_pylist()])
    assert '"Scanning Files": "1/4"' in profile and "city_id=brussels" in profile
    assert "city_id=barcelona" not in profile


def test_a_damaged_city_file_makes_the_version_unservable(split_root, split):
    part = split.files["observation_details"][1]
    part.write_bytes(part.read_bytes()[:-8])
    assert not is_intact(split.directory)
    with pytest.raises(DataUnavailable, match="damaged"):
        current_release(paths.extracts_dir(split_root))


def test_streaming_the_derived_rows_splits_them_as_the_build_does(split, tmp_path, monkeypatch):
    monkeypatch.setattr(extracts, "SPLIT_ROWS", 2)
    with duckdb.connect(":memory:") as connection:
        for table in SOURCE_TABLES:
            connection.register(table.name, pq.read_table(list(split.files[table.name])))
        streamed = write_derived(connection, tmp_path)
    published = split.files["observation_details"]
    assert [path.relative_to(tmp_path) for path in streamed["observation_details"]] == [
        path.relative_to(split.directory) for path in published
    ]
    assert [path.read_bytes() for path in streamed["observation_details"]] == [
        path.read_bytes() for path in published
    ]


def test_a_citys_rows_streamed_in_small_batches_still_fill_whole_row_groups(tmp_path, monkeypatch):
    monkeypatch.setattr(extracts, "ROW_GROUP_ROWS", 4)
    rows = pa.table({"city_id": ["a"] * 10 + ["b"] * 2, "n": range(12)})
    written = write_split(tmp_path / "t", pa.RecordBatchReader.from_batches(rows.schema, rows.to_batches(3)))
    assert [(path.parent.name, count) for path, count in written] == [("city_id=a", 10), ("city_id=b", 2)]
    groups = [
        [
            pq.read_metadata(path).row_group(index).num_rows
            for index in range(pq.read_metadata(path).num_row_groups)
        ]
        for path, _ in written
    ]
    assert groups == [[4, 4, 2], [2]]
    assert pq.read_table(written[0][0]).column("n").to_pylist() == list(range(10))


@pytest.mark.parametrize(
    ("cities", "problem"),
    [(["a", "b", "a"], "come in two runs"), (["a", "../b"], "is not an id")],
)
def test_rows_a_city_folder_cannot_hold_are_refused(tmp_path, cities, problem):
    with pytest.raises(ValueError, match=problem):
        write_split(tmp_path / "t", pa.table({"city_id": cities, "n": range(len(cities))}))


def test_a_manifest_naming_a_file_outside_its_version_is_refused(published):
    manifest = json.loads((published.directory / "manifest.json").read_text())
    manifest["tables"]["observations"]["file"] = "../../sources/observations.csv"
    with pytest.raises(ValueError, match="outside its version directory"):
        manifest_files(manifest)
    (published.directory / "manifest.json").write_text(json.dumps(manifest))
    assert not is_intact(published.directory)


def test_a_key_value_folder_above_the_data_is_not_read_as_a_partition(tmp_path):
    """DuckDB would guess Hive partitions from any `key=value` folder on a file's path; the store says."""
    root = tmp_path / "site=trial"
    write_sources(paths.sources_dir(root))
    build(root)
    with Store.open(current_release(paths.extracts_dir(root))) as store:
        columns = store.sql("SELECT * FROM cities").column_names
    (cities,) = current_release(paths.extracts_dir(root)).files["cities"]
    assert columns == pq.read_schema(cities).names
