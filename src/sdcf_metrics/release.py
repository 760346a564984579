"""The extracts layout: what a published version is on disk, how one is written, and how readers find it.

Layout of `data/extracts/`:

    current.json              the pointer readers follow: the current version and the history of the
                              versions kept, newest first, each with the day it was published
    <version>/manifest.json   row counts and SHA-256 of every file of that version, disclosure settings
    <version>/<table>.parquet one file per source table, small counts already withheld, and one per
                              table the build derives from them for the pages (`DERIVED_TABLES`)
    <version>/<table>/city_id=<id>/part.parquet
                              instead, a derived table of more than `SPLIT_ROWS` rows: one file per city
                              (`__HIVE_DEFAULT_PARTITION__` for the rows of no city), so that a page asking
                              about some cities opens only their files
    <version>/source_<table>.csv  the source files it was built from, so `rollback` can restore them

A version directory is written under a temporary name, synced, then renamed into place; only then is
`current.json` replaced (write, fsync, `os.replace`, fsync the directory). A reader therefore sees the
old version or the new one, never a mix. The build decides what a version holds and the store reads
one; both go through this module, so neither imports the other.

Readers live in other processes and may be halfway through a page when a version stops being current, so
a version that leaves the history (pruned, or rolled back) is retired, not deleted: the pointer lists it
with the time it was retired, and its directory is deleted by the first publication after
`RETIRE_GRACE`. Published files are readable by every user (or, with `SDCF_DATA_GROUP`, by that group),
whatever the publishing user's umask, so the app may run as another user on a read-only mount. A reader
checks every file against the manifest's SHA-256 before using a version, and falls back to the newest
intact version kept when the current one is damaged.
"""

from __future__ import annotations

import grp
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import pyarrow as pa

from .extracts import DERIVED_TABLES, SPLIT_COLUMN, is_split, write_table
from .schema import SOURCE_TABLES

POINTER_FILE = "current.json"
MANIFEST_FILE = "manifest.json"
KEEP_VERSIONS = 3
# 3: a table split by city lists its files as `parts`, each with its rows and SHA-256.
MANIFEST_FORMAT = 3
SOURCE_SNAPSHOT_PREFIX = "source_"
# How long a version that left the history stays on disk for readers still using it: far longer than a
# page run, even under load.
RETIRE_GRACE = timedelta(minutes=10)
DATA_GROUP_ENV = "SDCF_DATA_GROUP"

Unavailability = Literal["missing", "pointer", "damaged"]


class DataUnavailable(RuntimeError):
    """The extracts are missing or damaged; the message says what to run to fix it.

    `reason` says which, so that a page can say it in the reader's language: nothing published yet
    (`missing`), a damaged `current.json` (`pointer`), or no intact version left (`damaged`).
    """

    def __init__(self, message: str, reason: Unavailability = "missing") -> None:
        super().__init__(message)
        self.reason = reason


class PointerDamaged(DataUnavailable):
    """`current.json` cannot be read; `sdcf-metrics build` rebuilds it from the sources."""

    def __init__(self, pointer: Path, error: Exception) -> None:
        super().__init__(
            f"{pointer} is damaged ({type(error).__name__}: {str(error)[:200]}); run `sdcf-metrics build` to "
            "rebuild the published data from the sources",
            "pointer",
        )


class DataGroupError(ValueError):
    """`SDCF_DATA_GROUP` names a group this system does not have."""


@dataclass(frozen=True)
class Published:
    """One kept version and the day it was published ("" for versions published before dates were kept)."""

    data_version: str
    published_on: str


@dataclass(frozen=True)
class Retired:
    """A version no longer published, kept on disk until `RETIRE_GRACE` after `retired_at` (ISO, UTC)."""

    data_version: str
    retired_at: str


@dataclass(frozen=True)
class Pointer:
    """`current.json`: the published version first, then the earlier versions still kept, newest first.

    Each version keeps the day it was published, so an embed pinned to an earlier version can still say
    when that version came out and cite it with its date. `retired` lists versions that left the history
    recently: no reader is sent to them, but readers that were already there may finish.
    """

    history: tuple[Published, ...]
    retired: tuple[Retired, ...] = ()

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

    @property
    def on_disk(self) -> set[str]:
        """The version directories that must stay: the kept versions and the recently retired ones."""
        return {*self.versions, *(entry.data_version for entry in self.retired)}

    def with_current(
        self, version: str, published_on: date, keep: int = KEEP_VERSIONS, now: datetime | None = None
    ) -> Pointer:
        """This history with `version` published on `published_on` in front, cut to `keep` versions; the
        versions cut off are retired."""
        earlier = (entry for entry in self.history if entry.data_version != version)
        history = (Published(version, published_on.isoformat()), *earlier)
        return self._retiring(history[:keep], history[keep:], now)

    def rolled_back(self, published_on: date, now: datetime | None = None) -> Pointer:
        """The previous version current again (published anew on `published_on`), the current one retired."""
        previous, *earlier = self.history[1:]
        history = (Published(previous.data_version, published_on.isoformat()), *earlier)
        return self._retiring(history, self.history[:1], now)

    def _retiring(
        self, history: tuple[Published, ...], leaving: tuple[Published, ...], now: datetime | None
    ) -> Pointer:
        """`history` kept; `leaving` retired now; retirements older than `RETIRE_GRACE` forgotten."""
        now = now or datetime.now(UTC)
        kept = {entry.data_version for entry in history}
        stamp = now.isoformat(timespec="seconds")
        retired = [*(Retired(entry.data_version, stamp) for entry in leaving), *self.retired]
        recent = [
            entry
            for entry in retired
            if entry.data_version not in kept
            and datetime.fromisoformat(entry.retired_at) > now - RETIRE_GRACE
        ]
        unique = {entry.data_version: entry for entry in reversed(recent)}
        return Pointer(
            history, tuple(sorted(unique.values(), key=lambda entry: entry.retired_at, reverse=True))
        )

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "data_version": self.data_version,
            "published_on": self.published_on,
            "history": [
                {"data_version": entry.data_version, "published_on": entry.published_on}
                for entry in self.history
            ],
        }
        if self.retired:
            data["retired"] = [
                {"data_version": entry.data_version, "retired_at": entry.retired_at} for entry in self.retired
            ]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Pointer:
        """Read a pointer, including one written before the history kept dates (a list of versions)."""
        current = Published(data["data_version"], data.get("published_on", ""))
        history = [
            Published(entry, "") if isinstance(entry, str) else Published(**entry)
            for entry in data.get("history", [])
        ]
        history = [entry for entry in history if entry.data_version != current.data_version]
        retired = tuple(Retired(**entry) for entry in data.get("retired", []))
        for entry in (current, *history, *retired):
            if not isinstance(entry.data_version, str) or not entry.data_version:
                raise ValueError(f"a data version must be a non-empty string, not {entry.data_version!r}")
        return cls((current, *history), retired)


EMPTY_POINTER = Pointer(())


@dataclass(frozen=True)
class Release:
    """What a reader needs to know about the published data: version, date and where it lives.

    `files` holds each table's files: one, or one per city for a table split by city (`SPLIT_ROWS`).
    `damaged_version` names the current version when it is damaged and this earlier one is served instead.
    """

    data_version: str
    published_on: str
    directory: Path
    files: dict[str, tuple[Path, ...]]
    damaged_version: str | None = None


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
    make_readable(Path(temporary))
    os.replace(temporary, path)
    fsync(path.parent)


def _published_modes() -> tuple[int, int, int]:
    """File mode, directory mode and group id (-1: unchanged) of everything published."""
    group = os.environ.get(DATA_GROUP_ENV, "").strip()
    if not group:
        return 0o644, 0o755, -1
    try:
        gid = int(group) if group.isdigit() else grp.getgrnam(group).gr_gid
    except KeyError:
        raise DataGroupError(f"{DATA_GROUP_ENV}={group!r} names no group on this system") from None
    return 0o640, 0o750, gid


def make_readable(path: Path) -> None:
    """Let the app read `path` whatever the publishing user's umask: everyone, or `SDCF_DATA_GROUP`.

    Temporary files and directories start owner-only (mkstemp, mkdtemp), so this runs on each of them.
    """
    file_mode, directory_mode, gid = _published_modes()
    if gid != -1:
        os.chown(path, -1, gid)
    os.chmod(path, directory_mode if path.is_dir() else file_mode)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# The pointer ---------------------------------------------------------------------------------------------


def read_pointer(extracts: Path) -> Pointer | None:
    """The published pointer, or None when nothing has been published yet; PointerDamaged when it cannot
    be read."""
    pointer = extracts / POINTER_FILE
    if not pointer.exists():
        return None
    try:
        return Pointer.from_json(json.loads(pointer.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise PointerDamaged(pointer, error) from None


def pointer_or_empty(extracts: Path) -> Pointer:
    """The pointer a build publishes over: a missing or damaged pointer counts as nothing published, so
    `sdcf-metrics build` repairs a damaged one from the sources."""
    try:
        return read_pointer(extracts) or EMPTY_POINTER
    except PointerDamaged:
        return EMPTY_POINTER


def write_pointer(extracts: Path, pointer: Pointer) -> None:
    """Replace `current.json` atomically: readers see the old pointer or the new one."""
    atomic_write_text(extracts / POINTER_FILE, json.dumps(pointer.as_json(), indent=2, sort_keys=True) + "\n")


# Writing a version ---------------------------------------------------------------------------------------


def _published_entry(directory: Path, path: Path, rows: int) -> dict[str, Any]:
    """Make a written file readable and durable; its manifest entry (path relative to `directory`)."""
    make_readable(path)
    fsync(path)
    return {"file": path.relative_to(directory).as_posix(), "rows": rows, "sha256": sha256(path)}


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
                make_readable(copy)
                fsync(copy)
                manifest["sources"][table.file_name] = {"file": copy.name, "sha256": sha256(copy)}
    for name in sorted(tables):
        written = write_table(directory, name, tables[name], tables[name].num_rows)
        entries = [_published_entry(directory, path, rows) for path, rows in written]
        if not is_split([path for path, _ in written]):
            manifest["tables"][name] = entries[0]
            continue
        for folder in sorted({path.parent for path, _ in written} | {directory / name}, reverse=True):
            make_readable(folder)
            fsync(folder)
        manifest["tables"][name] = {"rows": tables[name].num_rows, "split_by": SPLIT_COLUMN, "parts": entries}
    manifest_path = directory / MANIFEST_FILE
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    make_readable(manifest_path)
    fsync(manifest_path)
    make_readable(directory)
    fsync(directory)
    return manifest


def _table_files(entry: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The files of one table's manifest entry: itself, or its parts when the table is split."""
    return list(entry["parts"]) if "parts" in entry else [entry]


def manifest_files(manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every file a manifest lists (`file` relative to the version, `sha256`): tables, then source copies.

    ValueError for a path that would leave the version directory (a manifest pulled from a bucket is
    not trusted with that).
    """
    tables = [part for entry in manifest["tables"].values() for part in _table_files(entry)]
    files = [*tables, *manifest.get("sources", {}).values()]
    for entry in files:
        relative = PurePosixPath(entry["file"])
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise ValueError(f"the manifest lists {entry['file']!r}, outside its version directory")
    return files


def is_intact(version_dir: Path) -> bool:
    """True when a version directory holds every file its manifest lists, with matching checksums.

    Versions are named by content hash, so an intact directory is reused rather than rewritten under
    readers that may still have it open.
    """
    try:
        entries = manifest_files(_manifest(version_dir))
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


def prune(extracts: Path, pointer: Pointer) -> None:
    """Delete every version directory the pointer neither keeps nor lists as recently retired."""
    for child in extracts.iterdir():
        if child.is_dir() and not child.name.startswith(".") and child.name not in pointer.on_disk:
            shutil.rmtree(child)


def move_into_place(staging: Path, target: Path) -> None:
    """Put a fully written version folder where `target` is, replacing what was there, by one rename,
    and make the rename durable (fsync of the folder holding both)."""
    if target.exists():
        shutil.rmtree(target)
    os.rename(staging, target)
    fsync(target.parent)


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
    if not extracts.is_dir():
        extracts.mkdir(parents=True)
        make_readable(extracts)
    pointer = pointer_or_empty(extracts)
    if pointer.history and pointer.data_version == data_version and is_intact(extracts / data_version):
        return False
    remove_leftovers(extracts)
    target = extracts / data_version
    if not is_intact(target):
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=extracts))
        try:
            write_version(tables, staging, data_version, sources=sources, disclosure=disclosure)
            move_into_place(staging, target)
        finally:
            if staging.exists():
                shutil.rmtree(staging)
    if before_pointer:
        before_pointer()
    published = pointer.with_current(data_version, published_on or date.today(), keep)
    write_pointer(extracts, published)
    prune(extracts, published)
    return True


# Reading ---------------------------------------------------------------------------------------------------


def _manifest(version_dir: Path) -> dict[str, Any]:
    return json.loads((version_dir / MANIFEST_FILE).read_text(encoding="utf-8"))


# Files found to match their manifest checksum, by (inode, size, modification time): a file is hashed
# again only when it changes, so checking every release a page opens costs a `stat` per file.
_verified: dict[Path, tuple[int, int, int, str]] = {}


def _matches(path: Path, expected: str) -> bool:
    status = path.stat()
    signature = (status.st_ino, status.st_size, status.st_mtime_ns, expected)
    if _verified.get(path) == signature:
        return True
    if sha256(path) != expected:
        return False
    _verified[path] = signature
    return True


# A version's tables as its manifest lists them (files, checksums), by the manifest's (inode, size,
# modification time): pages check the release on every run, and reading the manifest was most of that.
_listed: dict[Path, tuple[tuple[int, int, int], dict[str, tuple[Path, ...]], dict[Path, str]]] = {}


def _listed_tables(directory: Path) -> tuple[dict[str, tuple[Path, ...]], dict[Path, str]]:
    """Each table's files and each file's checksum as the version's manifest lists them; read again when
    the manifest changes."""
    status = (directory / MANIFEST_FILE).stat()
    signature = (status.st_ino, status.st_size, status.st_mtime_ns)
    kept = _listed.get(directory)
    if kept is not None and kept[0] == signature:
        return kept[1], kept[2]
    manifest = _manifest(directory)
    manifest_files(manifest)  # refuses a file outside the version directory before any path is built
    tables = {name: _table_files(entry) for name, entry in manifest["tables"].items()}
    files = {name: tuple(directory / part["file"] for part in parts) for name, parts in tables.items()}
    checksums = {directory / part["file"]: part["sha256"] for parts in tables.values() for part in parts}
    _listed[directory] = (signature, files, checksums)
    return files, checksums


def _intact_release(extracts: Path, entry: Published) -> Release | None:
    """The release of one kept version if every table file is there and matches its checksum, else None."""
    directory = extracts / entry.data_version
    try:
        files, checksums = _listed_tables(directory)
        if set(files) - set(DERIVED_TABLES) != {table.name for table in SOURCE_TABLES}:
            return None
        if not all(_matches(path, checksum) for path, checksum in checksums.items()):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Release(entry.data_version, entry.published_on, directory, dict(files))


def current_release(extracts: Path) -> Release:
    """Resolve `current.json` to the files of the published version, checked against the manifest.

    A damaged current version gives way to the newest intact version still kept (its `damaged_version`
    says so); DataUnavailable when nothing is published, the pointer is damaged or no version is intact.
    """
    pointer = read_pointer(extracts)
    if pointer is None:
        raise DataUnavailable(f"No published data at {extracts}; run `sdcf-metrics build`.", "missing")
    for entry in pointer.history:
        release = _intact_release(extracts, entry)
        if release is not None:
            damaged = None if entry == pointer.history[0] else pointer.data_version
            return replace(release, damaged_version=damaged)
    raise DataUnavailable(
        f"The published data at {extracts / pointer.data_version} is damaged (a file is missing or does not "
        "match its checksum) and no earlier intact version is kept; run `sdcf-metrics build` to rebuild it "
        "from the sources.",
        "damaged",
    )


def release_of(extracts: Path, version: str | None) -> Release:
    """The release a reader asked for: a still-published earlier `version` (an embed pins one), else the
    current one. Unknown, pruned or damaged versions fall back to the current release; the caller compares
    versions to say so."""
    release = current_release(extracts)
    if not version or version == release.data_version:
        return release
    pointer = read_pointer(extracts) or EMPTY_POINTER
    entry = next((entry for entry in pointer.history if entry.data_version == version), None)
    pinned = _intact_release(extracts, entry) if entry is not None else None
    return pinned or release
