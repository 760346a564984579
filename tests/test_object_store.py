"""The release on S3-compatible object storage (`SDCF_DATA_URL`), against moto's S3 server on 127.0.0.1:
publish (versions first, the pointer last), read through a checked local mirror, roll back, a reader
during a publish, and a missing or damaged object.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import boto3
import pytest
from fixtures import edit_row, write_sources

from deploy.local_trial import ObjectStore, moto_server
from sdcf_metrics import extracts, object_store, paths
from sdcf_metrics.pipeline.build import build
from sdcf_metrics.pipeline.transaction import publishing, rollback
from sdcf_metrics.release import DataUnavailable, current_release, read_pointer
from sdcf_metrics.store import Store, get_store


@pytest.fixture(scope="module")
def moto(tmp_path_factory) -> ObjectStore:
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        yield server


@pytest.fixture
def bucket(moto, monkeypatch, request) -> object_store.Bucket:
    """A fresh prefix of the bucket for each test, named after it."""
    for name, value in moto.env.items():
        monkeypatch.setenv(name, value)
    url = moto.data_url + "-" + request.node.name.replace("_", "-")[:60]
    monkeypatch.setenv(object_store.DATA_URL_ENV, url)
    return object_store.Bucket.from_url(url)


def publish_from(steward: Path, **overrides) -> str:
    """What `sdcf-metrics build` does on the steward's machine: build inside `publishing`, which pushes."""
    write_sources(paths.sources_dir(steward), **overrides)
    with publishing(steward):
        return build(steward).data_version


def keys(bucket: object_store.Bucket) -> list[str]:
    client = bucket.client()
    listing = client.list_objects_v2(Bucket=bucket.name, Prefix=bucket.key() + "/")
    return sorted(item["Key"].removeprefix(bucket.key() + "/") for item in listing.get("Contents", []))


def test_a_build_publishes_the_version_to_the_bucket_and_a_reader_mirrors_it(bucket, tmp_path):
    version = publish_from(tmp_path / "steward")
    stored = keys(bucket)
    assert "current.json" in stored and f"{version}/manifest.json" in stored
    assert f"{version}/observations.parquet" in stored
    reader = tmp_path / "reader" / "extracts"
    pointer = object_store.pull(bucket, reader)
    assert pointer is not None and pointer.data_version == version
    release = current_release(reader)
    assert release.data_version == version
    with Store.open(release) as store:
        assert store.sql("SELECT count(*) AS n FROM observations").column("n")[0].as_py() > 0
        # The sandbox still reads the release's own files and nothing else.
        with pytest.raises(Exception, match=r"Permission|not allowed|disabled"):
            store.sql(
                "SELECT * FROM read_csv($path)", path=str(tmp_path / "steward" / "sources" / "cities.csv")
            )


def test_the_app_reads_the_bucket_through_its_mirror_and_follows_a_new_version(bucket, tmp_path, monkeypatch):
    steward = tmp_path / "steward"
    first = publish_from(steward)
    monkeypatch.setenv("SDCF_DATA_DIR", str(tmp_path / "replica"))
    monkeypatch.setattr(object_store, "POLL_SECONDS", 0.2)
    assert get_store().data_version == first
    second = publish_from(steward, observations=edit_row(0, value="3100", quote="3100 registered (fixture)."))
    assert second != first
    # The mirror's background pull picks the new version up; no restart, no explicit pull.
    deadline = time.monotonic() + 10
    while get_store().data_version != second and time.monotonic() < deadline:
        time.sleep(0.1)
    assert get_store().data_version == second
    assert (tmp_path / "replica" / "extracts" / first).is_dir()  # kept for readers still on it


def test_rollback_moves_the_bucket_pointer_back(bucket, tmp_path):
    steward = tmp_path / "steward"
    first = publish_from(steward)
    second = publish_from(steward, observations=edit_row(0, value="3100", quote="3100 registered (fixture)."))
    report = rollback(steward)
    assert (report.from_version, report.to_version) == (second, first)
    reader = tmp_path / "reader" / "extracts"
    assert object_store.pull(bucket, reader).data_version == first
    assert current_release(reader).data_version == first


def test_a_steward_without_the_current_extracts_publishes_over_the_bucket_history(bucket, tmp_path):
    first = publish_from(tmp_path / "one")
    other = tmp_path / "two"
    second = publish_from(other, observations=edit_row(0, value="3100", quote="3100 registered (fixture)."))
    pointer = read_pointer(paths.extracts_dir(other))
    assert pointer.versions == [second, first]  # the second steward pulled the first one's history


def test_a_reader_during_a_publish_sees_the_old_version_or_the_new_one(bucket, tmp_path):
    steward = tmp_path / "steward"
    old = publish_from(steward)
    reader = tmp_path / "reader" / "extracts"
    seen: list[str] = []
    errors: list[str] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                object_store.pull(bucket, reader)
                seen.append(current_release(reader).data_version)
            except Exception as error:
                errors.append(repr(error))

    thread = threading.Thread(target=read)
    thread.start()
    try:
        new = publish_from(
            steward, observations=edit_row(0, value="3100", quote="3100 registered (fixture).")
        )
    finally:
        done.set()
        thread.join(timeout=30)
    assert errors == []
    assert set(seen) <= {old, new} and seen


def test_a_missing_object_is_named_and_the_mirror_keeps_what_it_had(bucket, tmp_path):
    steward = tmp_path / "steward"
    old = publish_from(steward)
    reader = tmp_path / "reader" / "extracts"
    object_store.pull(bucket, reader)
    new = publish_from(steward, observations=edit_row(0, value="3100", quote="3100 registered (fixture)."))
    bucket.client().delete_object(Bucket=bucket.name, Key=bucket.key(new, "observations.parquet"))
    with pytest.raises(
        DataUnavailable, match=rf"{new}/observations.parquet is missing from the object store"
    ):
        object_store.pull(bucket, reader)
    assert current_release(reader).data_version == old


def test_a_version_split_by_city_is_mirrored_file_by_file(bucket, tmp_path, monkeypatch):
    """A network too big for one derived file publishes one per city, in folders; the mirror keeps them."""
    monkeypatch.setattr(extracts, "SPLIT_ROWS", 2)
    version = publish_from(tmp_path / "steward")
    assert f"{version}/observation_details/city_id=brussels/part.parquet" in keys(bucket)
    reader = tmp_path / "reader" / "extracts"
    object_store.pull(bucket, reader)
    mirrored = current_release(reader)
    assert len(mirrored.files["observation_details"]) == 4
    assert all(path.stat().st_mode & 0o777 == 0o644 for path in mirrored.files["observation_details"])
    published = current_release(paths.extracts_dir(tmp_path / "steward"))
    every_row = "SELECT * FROM observation_details ORDER BY observation_id"
    with Store.open(mirrored) as store, Store.open(published) as original:
        assert store.sql(every_row).to_pylist() == original.sql(every_row).to_pylist()


def test_a_bucket_manifest_naming_a_file_outside_its_version_is_refused(bucket, tmp_path):
    version = publish_from(tmp_path / "steward")
    key = bucket.key(version, "manifest.json")
    manifest = json.loads(bucket.client().get_object(Bucket=bucket.name, Key=key)["Body"].read())
    manifest["tables"]["cities"]["file"] = "../../elsewhere.parquet"
    bucket.client().put_object(Bucket=bucket.name, Key=key, Body=json.dumps(manifest).encode())
    with pytest.raises(DataUnavailable, match=r"manifest.json is damaged .*outside its version directory"):
        object_store.pull(bucket, tmp_path / "reader" / "extracts")
    assert not (tmp_path / "reader" / "extracts" / "current.json").exists()


def test_a_damaged_object_is_refused_against_its_manifest_checksum(bucket, tmp_path):
    version = publish_from(tmp_path / "steward")
    key = bucket.key(version, "cities.parquet")
    bucket.client().put_object(Bucket=bucket.name, Key=key, Body=b"PAR1 not a parquet file PAR1")
    with pytest.raises(DataUnavailable, match=r"cities.parquet does not match the SHA-256 in its manifest"):
        object_store.pull(bucket, tmp_path / "reader" / "extracts")
    assert not (tmp_path / "reader" / "extracts" / "current.json").exists()


def test_an_empty_bucket_means_nothing_published_yet(bucket, tmp_path, monkeypatch):
    monkeypatch.setenv("SDCF_DATA_DIR", str(tmp_path / "replica"))
    assert object_store.pull(bucket, tmp_path / "replica" / "extracts") is None
    with pytest.raises(DataUnavailable):
        get_store()


def test_a_malformed_data_url_is_refused(monkeypatch):
    monkeypatch.setenv(object_store.DATA_URL_ENV, "https://example.org/bucket")
    with pytest.raises(ValueError, match="s3://bucket/prefix"):
        object_store.configured()


def test_boto3_takes_the_endpoint_from_the_standard_variable(bucket, moto):
    assert boto3.client("s3", region_name="us-east-1").meta.endpoint_url == moto.endpoint
