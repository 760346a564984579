"""The extracts layout: what a published version is on disk, how one is written, and how readers find it.

Layout of `data/extracts/`:

    current.json              the pointer readers follow: the current version and the history of the
                              versions kept, newest first, each with the day it was published
    <version>/manifest.json   row counts and SHA-256 of every file of that version, disclosure settings
    <version>/<table>.parquet one file per source table, small counts already withheld
    <version>/source_<table>.csv  the source files it was built from, so `rollback` can restore them

A version directory is written under a temporary name, synced, then renamed into place; only then is
`current.json` replaced (write, fsync, `os.replace`, fsync the directory). A reader therefore sees the
old version or the new one, never a mix. The build decides what a version holds and the store reads
one; both go through this module, so neither imports the other.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from .schema import SOURCE_TABLES

POINTER_FILE = "current.json"
MANIFEST_FILE = "manifest.json"
KEEP_VERSIONS = 3
MANIFEST_FORMAT = 2
SOURCE_SNAPSHOT_PREFIX = "source_"


class DataUnavailable(RuntimeError):
    """The extracts are missing or damaged; the message says what to run to fix it."""


@dataclass(frozen=True)
class Published:
    """One kept version and the day it was published ("" for versions published before dates were kept)."""

    data_version: str
    published_on: str


@dataclass(frozen=True)
class Pointer:
    """`current.json`: the published version first, then the earlier versions still kept, newest first.

    Each version keeps the day it was published, so an embed pinned to an earlier version can still say
    when that version came out and cite it with its date.
    """

    history: tuple[Published, ...]

    @property
    def data_version(self) -> str:
        return self.history[0].data_version

    @property
    def published_on(self) -> str:
        return self.history[0].published_on

    @property
    def versions(self) -> list[str]:
        """The kept versions, newest first."""
        return [entry.data_version for entry in self.history]

    def published_on_of(self, version: str) -> str | None:
        """The day `version` was published, or None when it is no longer kept."""
        return next((entry.published_on for entry in self.history if entry.data_version == version), None)

    def with_current(self, version: str, published_on: date, keep: int = KEEP_VERSIONS) -> Pointer:
        """This history with `version` published on `published_on` in front, cut to `keep` versions."""
        earlier = (entry for entry in self.history if entry.data_version != version)
        return Pointer((Published(version, published_on.isoformat()), *earlier)[:keep])

    def rolled_back(self, published_on: date) -> Pointer:
        """The previous version current again (published anew on `published_on`), the current one dropped."""
        previous, *earlier = self.history[1:]
        return Pointer((Published(previous.data_version, published_on.isoformat()), *earlier))

    def as_json(self) -> dict[str, Any]:
        return {
            "data_version": self.data_version,
            "published_on": self.published_on,
            "history": [
                {"data_version": entry.data_version, "published_on": entry.published_on}
                for entry in self.history
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Pointer:
        """Read a pointer, including one written before the history kept dates (a list of versions)."""
        current = Published(data["data_version"], data.get("published_on", ""))
        history = [
            Published(entry, "") if isinstance(entry, str) else Published(**entry)
            for entry in data.get("history", [])
        ]
        history = [entry for entry in history if entry.data_version != current.data_version]
        return cls((current, *history))


EMPTY_POINTER = Pointer(())


@dataclass(frozen=True)
class Release:
    """What a reader needs to know about the published data: version, date and where it lives."""

    data_version: str
    published_on: str
    directory: Path
    files: dict[str, Path]


# Durable writes ------------------------------------------------------------------------------------------


def fsync(path: Path) -> None:
    """Flush a file or a directory (its entries) to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def atomic_write_text(path: Path, text: str) -> None:
    """Replace `path` atomically: readers see the old content or the new one, and the new one is on disk."""
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
    fsync(path.parent)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# The pointer ---------------------------------------------------------------------------------------------


def read_pointer(extracts: Path) -> Pointer | None:
    """The published pointer, or None when nothing has been published yet."""
    pointer = extracts / POINTER_FILE
    if not pointer.exists():
        return None
    return Pointer.from_json(json.loads(pointer.read_text(encoding="utf-8")))


def write_pointer(extracts: Path, pointer: Pointer) -> None:
    """Replace `current.json` atomically: readers see the old pointer or the new one."""
    atomic_write_text(extracts / POINTER_FILE, json.dumps(pointer.as_json(), indent=2, sort_keys=True) + "\n")


# Writing a version ---------------------------------------------------------------------------------------


def write_version(
    tables: Mapping[str, pa.Table],
    directory: Path,
    data_version: str,
    *,
    sources: Path | None = None,
    disclosure: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write every extract and the manifest into `directory`; return the manifest.

    With `sources`, a copy of each source file goes in too (`source_<table>.csv`), listed in the manifest
    with its SHA-256, so the version can be rolled back to with the sources it was built from.
    """
    manifest: dict[str, Any] = {"format": MANIFEST_FORMAT, "data_version": data_version, "tables": {}}
    if disclosure is not None:
        manifest["disclosure"] = dict(disclosure)
    if sources is not None:
        manifest["sources"] = {}
        for table in SOURCE_TABLES:
            original = sources / table.file_name
            if original.is_file():
                copy = directory / f"{SOURCE_SNAPSHOT_PREFIX}{table.file_name}"
                copy.write_bytes(original.read_bytes())
                fsync(copy)
                manifest["sources"][table.file_name] = {"file": copy.name, "sha256": sha256(copy)}
    for name in sorted(tables):
        target = directory / f"{name}.parquet"
        pq.write_table(tables[name], target, compression="zstd", write_statistics=True)
        fsync(target)
        manifest["tables"][name] = {
            "file": target.name,
            "rows": tables[name].num_rows,
            "sha256": sha256(target),
        }
    manifest_path = directory / MANIFEST_FILE
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    fsync(manifest_path)
    fsync(directory)
    return manifest


def is_intact(version_dir: Path) -> bool:
    """True when a version directory holds every file its manifest lists, with matching checksums.

    Versions are named by content hash, so an intact directory is reused rather than rewritten under
    readers that may still have it open.
    """
    try:
        manifest = _manifest(version_dir)
        entries = [*manifest["tables"].values(), *manifest.get("sources", {}).values()]
        return all(sha256(version_dir / entry["file"]) == entry["sha256"] for entry in entries)
    except (OSError, ValueError, KeyError):
        return False


def snapshot_files(version_dir: Path) -> dict[str, Path]:
    """The copies of the source files a version was built from, by source file name ({} if it has none)."""
    return {
        name: version_dir / entry["file"] for name, entry in _manifest(version_dir).get("sources", {}).items()
    }


def remove_leftovers(extracts: Path) -> None:
    """Delete staging files a crashed build left behind; readers never look at them."""
    for child in extracts.glob(".tmp-*"):
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


def prune(extracts: Path, keep: list[str]) -> None:
    """Delete every version directory not in `keep`."""
    for child in extracts.iterdir():
        if child.is_dir() and child.name not in keep:
            shutil.rmtree(child)


def publish(
    tables: Mapping[str, pa.Table],
    data_version: str,
    extracts: Path,
    *,
    published_on: date | None = None,
    keep: int = KEEP_VERSIONS,
    before_pointer: Callable[[], None] | None = None,
    sources: Path | None = None,
    disclosure: Mapping[str, Any] | None = None,
) -> bool:
    """Publish `tables` as `data_version`; return False when that version was already current.

    `before_pointer` runs after the version directory is in place and before the pointer moves: ingestion
    switches the source files there, and tests inject failures. `sources` and `disclosure` go into the
    version directory and its manifest (see `write_version`).
    """
    extracts.mkdir(parents=True, exist_ok=True)
    pointer = read_pointer(extracts) or EMPTY_POINTER
    if pointer.history and pointer.data_version == data_version and is_intact(extracts / data_version):
        return False
    remove_leftovers(extracts)
    target = extracts / data_version
    if not is_intact(target):
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=extracts))
        try:
            write_version(tables, staging, data_version, sources=sources, disclosure=disclosure)
            if target.exists():
                shutil.rmtree(target)
            os.rename(staging, target)
            fsync(extracts)
        finally:
            if staging.exists():
                shutil.rmtree(staging)
    if before_pointer:
        before_pointer()
    published = pointer.with_current(data_version, published_on or date.today(), keep)
    write_pointer(extracts, published)
    prune(extracts, published.versions)
    return True


# Reading ---------------------------------------------------------------------------------------------------


def _manifest(version_dir: Path) -> dict[str, Any]:
    return json.loads((version_dir / MANIFEST_FILE).read_text(encoding="utf-8"))


def _files(version_dir: Path) -> dict[str, Path]:
    return {name: version_dir / entry["file"] for name, entry in _manifest(version_dir)["tables"].items()}


def current_release(extracts: Path) -> Release:
    """Resolve `current.json` to the files of the published version, or raise DataUnavailable."""
    try:
        pointer = read_pointer(extracts)
        if pointer is None:
            raise FileNotFoundError(extracts / POINTER_FILE)
        directory = extracts / pointer.data_version
        files = _files(directory)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataUnavailable(
            f"No published data at {extracts} ({error.__class__.__name__}); run `sdcf-metrics build`."
        ) from None
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing or set(files) != {table.name for table in SOURCE_TABLES}:
        raise DataUnavailable(f"The published data at {directory} is incomplete; run `sdcf-metrics build`.")
    return Release(pointer.data_version, pointer.published_on, directory, files)


def release_of(extracts: Path, version: str | None) -> Release:
    """The release a reader asked for: a still-published earlier `version` (an embed pins one), else the
    current one. Unknown or pruned versions fall back to the current release."""
    release = current_release(extracts)
    if not version or version == release.data_version:
        return release
    pointer = read_pointer(extracts) or EMPTY_POINTER
    published_on = pointer.published_on_of(version)
    if published_on is None:
        return release
    try:
        directory = extracts / version
        files = _files(directory)
    except (OSError, ValueError, KeyError):
        return release
    if not all(path.is_file() for path in files.values()):
        return release
    return Release(version, published_on, directory, files)
