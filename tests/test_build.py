"""The build turns validated sources into Parquet extracts and publishes them atomically."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pyarrow.parquet as pq
import pytest
from fixtures import default_rows, write_sources, write_table

from sdcf_metrics import paths
from sdcf_metrics import release as release_module
from sdcf_metrics.pipeline.build import build, is_stale, sources_fingerprint
from sdcf_metrics.pipeline.validate import ValidationFailed
from sdcf_metrics.release import POINTER_FILE, current_release, read_pointer
from sdcf_metrics.store import Store


@pytest.fixture
def data_root(tmp_path):
    write_sources(paths.sources_dir(tmp_path))
    return tmp_path


def version_bytes(root, version):
    directory = paths.extracts_dir(root) / version
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_build_publishes_every_table_with_a_manifest(data_root):
    publication = build(data_root)
    pointer = read_pointer(paths.extracts_dir(data_root))
    assert pointer.data_version == publication.data_version
    manifest = json.loads(
        (paths.extracts_dir(data_root) / publication.data_version / "manifest.json").read_text()
    )
    assert set(manifest["tables"]) == {
        "cities",
        "facilities",
        "metrics",
        "sources",
        "observations",
        "events",
        "related_services",
        "conflicts",
        "translations",
        "observation_details",
    }
    for name, entry in manifest["tables"].items():
        table = pq.read_table(paths.extracts_dir(data_root) / publication.data_version / entry["file"])
        assert table.num_rows == entry["rows"] == publication.rows[name]


def test_data_version_is_a_hash_of_the_sources(data_root, tmp_path_factory):
    other = tmp_path_factory.mktemp("copy")
    write_sources(paths.sources_dir(other))
    assert sources_fingerprint(paths.sources_dir(data_root)) == sources_fingerprint(paths.sources_dir(other))
    rows = default_rows("observations")
    rows[0]["notes"] = "changed"
    write_table(paths.sources_dir(other), "observations", rows)
    assert sources_fingerprint(paths.sources_dir(data_root)) != sources_fingerprint(paths.sources_dir(other))


def test_same_sources_give_byte_identical_extracts(data_root, tmp_path_factory):
    other = tmp_path_factory.mktemp("again")
    write_sources(paths.sources_dir(other))
    first, second = build(data_root), build(other)
    assert first.data_version == second.data_version
    assert version_bytes(data_root, first.data_version) == version_bytes(other, second.data_version)


def test_rebuilding_unchanged_sources_publishes_nothing(data_root):
    assert build(data_root).changed
    assert not build(data_root).changed
    assert not is_stale(data_root)


def test_derived_dates_follow_the_precision_of_the_source(data_root):
    version = build(data_root).data_version
    table = pq.read_table(paths.extracts_dir(data_root) / version / "observations.parquet").to_pylist()
    for row in table:
        assert row["period_end_date"] is not None
        assert str(row["period_end_date"]).startswith(row["period_end"][:4])
        if row["period_start"]:
            assert row["period_start_date"] <= row["period_end_date"]


def test_invalid_sources_publish_nothing(data_root):
    before = build(data_root).data_version
    rows = default_rows("observations")
    rows[0]["metric_id"] = "no_such_metric"
    write_table(paths.sources_dir(data_root), "observations", rows)
    with pytest.raises(ValidationFailed):
        build(data_root)
    assert read_pointer(paths.extracts_dir(data_root)).data_version == before
    assert is_stale(data_root)


def test_a_failure_before_the_pointer_moves_keeps_the_old_version(data_root, monkeypatch):
    from sdcf_metrics.pipeline import build as build_module

    old = build(data_root).data_version
    rows = default_rows("observations")
    rows[0]["notes"] = "a correction"
    write_table(paths.sources_dir(data_root), "observations", rows)

    original_publish = build_module.publish

    def failing_publish(*args, **kwargs):
        def fail():
            raise OSError("disk full (injected)")

        return original_publish(*args, **kwargs, before_pointer=fail)

    monkeypatch.setattr(build_module, "publish", failing_publish)
    with pytest.raises(OSError, match="injected"):
        build(data_root)
    assert current_release(paths.extracts_dir(data_root)).data_version == old


def publish_four_versions(root):
    versions = []
    for note in ("one", "two", "three", "four"):
        rows = default_rows("observations")
        rows[0]["notes"] = note
        write_table(paths.sources_dir(root), "observations", rows)
        versions.append(build(root).data_version)
    return versions


def versions_on_disk(root):
    return {child.name for child in paths.extracts_dir(root).iterdir() if child.is_dir()}


def test_old_versions_are_pruned_to_the_last_three_once_retired_long_enough(data_root, monkeypatch):
    """The oldest version leaves the history at once, but stays on disk, retired, for pages still reading
    it; a publication after the grace period deletes it."""
    versions = publish_four_versions(data_root)
    pointer = read_pointer(paths.extracts_dir(data_root))
    assert pointer.versions == versions[:0:-1]
    assert [entry.data_version for entry in pointer.retired] == versions[:1]
    assert versions_on_disk(data_root) == set(versions)
    monkeypatch.setattr(release_module, "RETIRE_GRACE", timedelta(0))
    again = publish_four_versions(data_root)
    assert versions_on_disk(data_root) == set(again[1:])
    assert read_pointer(paths.extracts_dir(data_root)).retired == ()


def test_readers_never_see_a_partial_version_while_publishing(data_root):
    """T-13: readers query in a loop while new versions are published; every read is a whole version."""
    build(data_root)
    errors: list[BaseException] = []
    seen: set[int] = set()
    stop = threading.Event()

    def read_loop():
        while not stop.is_set():
            try:
                release = current_release(paths.extracts_dir(data_root))
                store = Store.open(release)
                count = store.sql("SELECT count(*) AS n FROM observations").column("n")[0].as_py()
                store.close()
                seen.add(count)
            except FileNotFoundError:
                # A version pruned between resolving the pointer and opening it: retried, never partial.
                continue
            except BaseException as error:
                errors.append(error)

    reader = threading.Thread(target=read_loop)
    reader.start()
    base = default_rows("observations")
    try:
        for index in range(12):
            rows = base[: len(base) - (index % 3)]
            write_table(paths.sources_dir(data_root), "observations", rows)
            build(data_root)
    finally:
        stop.set()
        reader.join()
    assert not errors
    assert seen <= {len(base), len(base) - 1, len(base) - 2}


def test_pointer_is_replaced_not_rewritten(data_root):
    build(data_root)
    pointer = paths.extracts_dir(data_root) / POINTER_FILE
    inode = pointer.stat().st_ino
    rows = default_rows("observations")
    rows[0]["notes"] = "changed"
    write_table(paths.sources_dir(data_root), "observations", rows)
    build(data_root)
    assert pointer.stat().st_ino != inode
