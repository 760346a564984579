"""The published release on S3-compatible object storage (`SDCF_DATA_URL=s3://bucket/prefix`).

The bucket holds the same layout as `data/extracts/` (`current.json`, then `<version>/manifest.json` and
the files it lists). Every process keeps a local copy, a mirror under its own `extracts/`, and reads
only that: the DuckDB sandbox still allows the release's files and nothing else, and a reader keeps the
version it started with even after the bucket moves on.

- `pull` copies the versions the bucket's pointer names that are not here yet, each file checked against
  the SHA-256 in its version's manifest, each version renamed into place whole, and writes the local
  pointer last. A missing or damaged object stops the pull with a message naming it, and the mirror keeps
  what it had.
- `push` uploads the local versions the bucket lacks, each version's files first and its manifest after
  them, and the pointer object last; a reader pulling meanwhile sees the old pointer or the new one, and
  either names a version whose objects are all there. Versions that left the history stay one
  publication longer, for readers still copying them.
- `keep_mirrored` pulls every `POLL_SECONDS` in a background thread, so every replica picks up a new
  version within seconds, without a restart.

The endpoint and credentials are the standard AWS variables (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`); boto3 reads them itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .release import (
    MANIFEST_FILE,
    POINTER_FILE,
    DataUnavailable,
    Pointer,
    atomic_write_text,
    fsync,
    is_intact,
    manifest_files,
    move_into_place,
    read_pointer,
)

DATA_URL_ENV = "SDCF_DATA_URL"
POLL_SECONDS = 2.0
# How long a mirrored version the bucket no longer names stays on disk for pages still reading it.
MIRROR_GRACE_SECONDS = 600
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Bucket:
    """Where the release lives: `s3://<name>/<prefix>`."""

    name: str
    prefix: str

    @classmethod
    def from_url(cls, url: str) -> Bucket:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"{DATA_URL_ENV} must look like s3://bucket/prefix, not {url!r}")
        return cls(parts.netloc, parts.path.strip("/"))

    @property
    def url(self) -> str:
        return f"s3://{self.name}/{self.prefix}".rstrip("/")

    def key(self, *parts: str) -> str:
        return "/".join(part for part in (self.prefix, *parts) if part)

    def client(self) -> Any:
        import boto3

        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        return boto3.client("s3", region_name=region)


def configured() -> Bucket | None:
    """The bucket `SDCF_DATA_URL` names, or None when the extracts are a local directory only."""
    url = os.environ.get(DATA_URL_ENV, "").strip()
    return Bucket.from_url(url) if url else None


class _Objects:
    """Reads and writes of one bucket, with errors a steward can act on."""

    def __init__(self, bucket: Bucket) -> None:
        self.bucket = bucket
        self._client = bucket.client()

    def _unavailable(self, key: str, error: Exception) -> DataUnavailable:
        from botocore.exceptions import ClientError

        where = f"s3://{self.bucket.name}/{key}"
        if isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in (
            "NoSuchKey",
            "404",
        ):
            return DataUnavailable(
                f"{where} is missing from the object store; run `sdcf-metrics build` to publish again."
            )
        return DataUnavailable(f"The object store could not be read at {where} ({error.__class__.__name__}).")

    def get(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self._client.get_object(Bucket=self.bucket.name, Key=key)["Body"].read()
        except (BotoCoreError, ClientError) as error:
            raise self._unavailable(key, error) from None

    def get_or_none(self, key: str) -> bytes | None:
        try:
            return self.get(key)
        except DataUnavailable as error:
            if "is missing" in str(error):
                return None
            raise

    def put(self, key: str, data: bytes) -> None:
        self._client.put_object(Bucket=self.bucket.name, Key=key, Body=data)

    def versions(self) -> set[str]:
        """The version folders in the bucket."""
        prefix = self.bucket.key() + "/" if self.bucket.prefix else ""
        listing = self._client.list_objects_v2(Bucket=self.bucket.name, Prefix=prefix, Delimiter="/")
        return {item["Prefix"][len(prefix) :].strip("/") for item in listing.get("CommonPrefixes", [])}

    def delete_version(self, version: str) -> None:
        listing = self._client.list_objects_v2(Bucket=self.bucket.name, Prefix=self.bucket.key(version) + "/")
        for item in listing.get("Contents", []):
            self._client.delete_object(Bucket=self.bucket.name, Key=item["Key"])


# Pulling ---------------------------------------------------------------------------------------------------


def _download_version(objects: _Objects, version: str, extracts: Path) -> None:
    """Copy one version into `extracts/<version>`, every file checked against its manifest, or raise."""
    staging = Path(tempfile.mkdtemp(prefix=".tmp-pull-", dir=extracts))
    try:
        manifest_bytes = objects.get(objects.bucket.key(version, MANIFEST_FILE))
        try:
            entries = manifest_files(json.loads(manifest_bytes))
        except (ValueError, KeyError, TypeError) as error:
            key = objects.bucket.key(version, MANIFEST_FILE)
            raise DataUnavailable(
                f"s3://{objects.bucket.name}/{key} is damaged ({error}); run `sdcf-metrics build` to publish "
                "again."
            ) from None
        for entry in entries:
            key = objects.bucket.key(version, entry["file"])
            data = objects.get(key)
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise DataUnavailable(
                    f"s3://{objects.bucket.name}/{key} does not match the SHA-256 in its manifest (damaged "
                    "or half-written); run `sdcf-metrics build` to publish again."
                )
            target = staging / entry["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (staging / MANIFEST_FILE).write_bytes(manifest_bytes)
        # Deepest first, so that each folder is synced after what it holds.
        for path in sorted(staging.rglob("*"), key=lambda path: len(path.parts), reverse=True):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
            fsync(path)
        os.chmod(staging, 0o755)
        move_into_place(staging, extracts / version)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def pull(bucket: Bucket, extracts: Path) -> Pointer | None:
    """Make `extracts` a copy of what the bucket publishes; return its pointer (None: nothing published).

    Raises DataUnavailable naming the object when one is missing or damaged; the mirror is then unchanged.
    """
    objects = _Objects(bucket)
    text = objects.get_or_none(bucket.key(POINTER_FILE))
    if text is None:
        return None
    try:
        pointer = Pointer.from_json(json.loads(text))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise DataUnavailable(
            f"s3://{bucket.name}/{bucket.key(POINTER_FILE)} is damaged; run `sdcf-metrics build` to publish "
            "again."
        ) from None
    extracts.mkdir(parents=True, exist_ok=True)
    local = extracts / POINTER_FILE
    if (
        local.is_file()
        and local.read_bytes() == text
        and all((extracts / v).is_dir() for v in pointer.versions)
    ):
        return pointer
    for version in pointer.versions:
        if not is_intact(extracts / version):
            _download_version(objects, version, extracts)
    atomic_write_text(local, text.decode("utf-8"))
    os.chmod(local, 0o644)
    _forget_old_versions(extracts, pointer)
    return pointer


def _forget_old_versions(extracts: Path, pointer: Pointer) -> None:
    """Delete mirrored versions the pointer no longer names once no page can still be reading them."""
    for child in extracts.iterdir():
        unused_for = time.time() - child.stat().st_mtime
        if child.is_dir() and child.name not in pointer.versions and unused_for > MIRROR_GRACE_SECONDS:
            shutil.rmtree(child, ignore_errors=True)


# Pushing ---------------------------------------------------------------------------------------------------


def push(bucket: Bucket, extracts: Path) -> bool:
    """Publish the local pointer and the versions it names to the bucket; False when it was already there.

    Each version's files go first and its manifest after them, the pointer object last.
    """
    local = read_pointer(extracts)
    if local is None:
        return False
    objects = _Objects(bucket)
    text = (extracts / POINTER_FILE).read_bytes()
    remote_text = objects.get_or_none(bucket.key(POINTER_FILE))
    if remote_text == text:
        return False
    for version in local.versions:
        directory = extracts / version
        manifest_bytes = (directory / MANIFEST_FILE).read_bytes()
        if objects.get_or_none(bucket.key(version, MANIFEST_FILE)) == manifest_bytes:
            continue
        for entry in manifest_files(json.loads(manifest_bytes)):
            objects.put(bucket.key(version, entry["file"]), (directory / entry["file"]).read_bytes())
        objects.put(bucket.key(version, MANIFEST_FILE), manifest_bytes)
    objects.put(bucket.key(POINTER_FILE), text)
    earlier = Pointer.from_json(json.loads(remote_text)).versions if remote_text else []
    still_read = set(local.versions) | set(earlier)
    for version in objects.versions():
        if version not in still_read:
            objects.delete_version(version)
    return True


# Keeping a reader's mirror fresh ---------------------------------------------------------------------------

_mirrors: dict[Path, threading.Thread] = {}
_mirrors_lock = threading.Lock()


def keep_mirrored(bucket: Bucket, extracts: Path, interval: float | None = None) -> None:
    """Pull now if nothing is mirrored yet, then every `interval` seconds in a daemon thread (one per
    mirror and process). Errors of the background pulls go to stderr once each; the mirror keeps its last
    intact copy."""
    with _mirrors_lock:
        if extracts in _mirrors:
            return
        if not (extracts / POINTER_FILE).is_file():
            pull(bucket, extracts)
        thread = threading.Thread(
            target=_poll, args=(bucket, extracts, interval or POLL_SECONDS), daemon=True, name="sdcf-pull"
        )
        _mirrors[extracts] = thread
        thread.start()


def _poll(bucket: Bucket, extracts: Path, interval: float) -> None:
    reported = ""
    stop = threading.Event()
    while not stop.wait(interval) and extracts.parent.is_dir():
        try:
            pull(bucket, extracts)
            reported = ""
        except Exception as error:  # a background thread must outlive any failure of one pull
            if str(error) != reported:
                reported = str(error)
                print(f"sdcf-metrics: pulling {bucket.url} failed: {error}", file=sys.stderr, flush=True)
