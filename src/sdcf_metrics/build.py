"""Sources -> Parquet extracts, published atomically under a content-hash data version.

Layout of `data/extracts/`:

    current.json              the pointer readers follow: data version, publication date, history
    <version>/manifest.json   row counts and SHA-256 of every file of that version, disclosure settings
    <version>/<table>.parquet one file per source table, small counts already withheld (`disclosure`)
    <version>/source_<table>.csv  the source files it was built from, so `rollback` can restore them

A version directory is written under a temporary name, synced, then renamed into place; only then is
`current.json` replaced (write, fsync, `os.replace`, fsync the directory). A reader therefore sees the
old version or the new one, never a mix. The same sources always give byte-identical Parquet files.

The data version hashes the source files together with the extract format and the small-count threshold,
so a change of either publishes a new version rather than reusing one built under other rules.
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

from . import paths
from .disclosure import STATUS_OK, DisclosureReport, protect, small_count_threshold
from .periods import parse_partial_date, period_label
from .schema import SOURCE_TABLES, TABLES_BY_NAME, Table
from .validate import load_sources

POINTER_FILE = "current.json"
MANIFEST_FILE = "manifest.json"
KEEP_VERSIONS = 3
MANIFEST_FORMAT = 2
# What the extracts hold; bump it when the build writes different Parquet from the same sources.
EXTRACT_FORMAT = 2
SOURCE_SNAPSHOT_PREFIX = "source_"

_ARROW_TYPES = {"number": pa.float64(), "integer": pa.int64(), "bool": pa.bool_()}

# Columns the build adds to what people write, so queries can order and filter by real dates, and
# each observation's disclosure status (`ok`, `suppressed_small`, `suppressed_secondary`).
DERIVED_COLUMNS: dict[str, tuple[pa.Field, ...]] = {
    "observations": (
        pa.field("period_start_date", pa.date32()),
        pa.field("period_end_date", pa.date32()),
        pa.field("period_label", pa.string()),
        pa.field("status", pa.string()),
    ),
    "facilities": (pa.field("opened_date", pa.date32()), pa.field("closed_date", pa.date32())),
    "events": (pa.field("event_date", pa.date32()),),
    "sources": (),
    "cities": (),
    "metrics": (),
}


@dataclass(frozen=True)
class Publication:
    """What a build published: the version, whether anything changed, the row counts, what was withheld."""

    data_version: str
    changed: bool
    rows: dict[str, int]
    disclosure: DisclosureReport | None = None


def arrow_schema(table: Table) -> pa.Schema:
    """The Parquet schema of one extract: the source columns, typed, then the derived columns."""
    fields = [pa.field(column.name, _ARROW_TYPES.get(column.type, pa.string())) for column in table.columns]
    return pa.schema([*fields, *DERIVED_COLUMNS[table.name]])


def _first_day(text: str | None) -> date | None:
    return parse_partial_date(text)[0] if text else None


def _last_day(text: str | None) -> date | None:
    return parse_partial_date(text)[1] if text else None


def _derive(table_name: str, row: Mapping[str, Any]) -> dict[str, Any]:
    if table_name == "observations":
        return {
            "period_start_date": _first_day(row["period_start"]),
            "period_end_date": _last_day(row["period_end"]),
            "period_label": period_label(row["period_kind"], row["period_start"], row["period_end"]),
            "status": row.get("status") or STATUS_OK,
        }
    if table_name == "facilities":
        return {"opened_date": _first_day(row["opened"]), "closed_date": _last_day(row["closed"])}
    if table_name == "events":
        return {"event_date": _first_day(row["date"])}
    return {}


def to_arrow(table: Table, rows: list[dict[str, Any]]) -> pa.Table:
    """Typed source rows -> an Arrow table in the extract schema, sorted by the table's key."""
    ordered = sorted(rows, key=lambda row: tuple(str(row[name]) for name in table.key))
    records = [{**row, **_derive(table.name, row)} for row in ordered]
    return pa.Table.from_pylist(records, schema=arrow_schema(table))


def sources_fingerprint(source_dir: Path, threshold: int | None = None) -> str:
    """The data version: a hash of the source files' bytes and of the rules the build applies to them.

    Equal sources built under equal rules give equal versions; `threshold` defaults to the one in force.
    """
    digest = hashlib.sha256()
    rules = f"extract-format={EXTRACT_FORMAT};small-count-threshold={threshold or small_count_threshold()}"
    digest.update(rules.encode())
    for table in SOURCE_TABLES:
        path = source_dir / table.file_name
        digest.update(table.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:12]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


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
                _fsync(copy)
                manifest["sources"][table.file_name] = {"file": copy.name, "sha256": _sha256(copy)}
    for name in sorted(tables):
        target = directory / f"{name}.parquet"
        pq.write_table(tables[name], target, compression="zstd", write_statistics=True)
        _fsync(target)
        manifest["tables"][name] = {
            "file": target.name,
            "rows": tables[name].num_rows,
            "sha256": _sha256(target),
        }
    manifest_path = directory / MANIFEST_FILE
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    _fsync(manifest_path)
    _fsync(directory)
    return manifest


def read_pointer(extracts: Path) -> dict[str, Any] | None:
    """The published pointer, or None when nothing has been published yet."""
    pointer = extracts / POINTER_FILE
    if not pointer.exists():
        return None
    return json.loads(pointer.read_text(encoding="utf-8"))


def write_pointer(extracts: Path, pointer: Mapping[str, Any]) -> None:
    """Replace `current.json` atomically: readers see the old pointer or the new one."""
    handle, temporary = tempfile.mkstemp(prefix=".tmp-pointer-", dir=extracts)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(json.dumps(pointer, indent=2, sort_keys=True) + "\n")
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, extracts / POINTER_FILE)
    _fsync(extracts)


def is_intact(version_dir: Path) -> bool:
    """True when a version directory holds every file its manifest lists, with matching checksums.

    Versions are named by content hash, so an intact directory is reused rather than rewritten under
    readers that may still have it open.
    """
    try:
        manifest = json.loads((version_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
        entries = [*manifest["tables"].values(), *manifest.get("sources", {}).values()]
        return all(_sha256(version_dir / entry["file"]) == entry["sha256"] for entry in entries)
    except (OSError, ValueError, KeyError):
        return False


def remove_leftovers(extracts: Path) -> None:
    """Delete staging files a crashed build left behind; readers never look at them."""
    for child in extracts.glob(".tmp-*"):
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


def _prune(extracts: Path, keep: list[str]) -> None:
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
    pointer = read_pointer(extracts)
    if pointer and pointer["data_version"] == data_version and is_intact(extracts / data_version):
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
            _fsync(extracts)
        finally:
            if staging.exists():
                shutil.rmtree(staging)
    if before_pointer:
        before_pointer()
    history = [data_version] + [v for v in (pointer or {}).get("history", []) if v != data_version]
    write_pointer(
        extracts,
        {
            "data_version": data_version,
            "published_on": (published_on or date.today()).isoformat(),
            "history": history[:keep],
        },
    )
    _prune(extracts, history[:keep])
    return True


def build_tables(source_dir: Path, threshold: int | None = None) -> dict[str, pa.Table]:
    """Validate the sources and turn them into protected Arrow tables (ValidationFailed on any problem)."""
    return protected_tables(load_sources(source_dir), threshold)[0]


def protected_tables(
    rows: Mapping[str, list[dict[str, Any]]], threshold: int | None = None
) -> tuple[dict[str, pa.Table], DisclosureReport]:
    """Typed source rows -> Arrow tables, with disclosure control applied to the observations first."""
    protected = protect(rows.get("observations", []), rows.get("metrics", []), threshold)
    rows = {**rows, "observations": protected.observations}
    tables = {name: to_arrow(TABLES_BY_NAME[name], rows.get(name, [])) for name in TABLES_BY_NAME}
    return tables, protected.report


def is_stale(root: Path | None = None) -> bool:
    """True when the published extracts do not match the current sources, or are missing."""
    root = root or paths.data_dir()
    pointer = read_pointer(paths.extracts_dir(root))
    if pointer is None:
        return True
    version_dir = paths.extracts_dir(root) / pointer["data_version"]
    return pointer["data_version"] != sources_fingerprint(paths.sources_dir(root)) or not is_intact(
        version_dir
    )


def build(root: Path | None = None, *, keep: int = KEEP_VERSIONS) -> Publication:
    """Validate `root/sources`, write the extracts and publish them under their content hash."""
    root = root or paths.data_dir()
    source_dir = paths.sources_dir(root)
    threshold = small_count_threshold()
    tables, report = protected_tables(load_sources(source_dir), threshold)
    data_version = sources_fingerprint(source_dir, threshold)
    changed = publish(
        tables,
        data_version,
        paths.extracts_dir(root),
        keep=keep,
        sources=source_dir,
        disclosure=report.as_dict(),
    )
    rows = {name: table.num_rows for name, table in tables.items()}
    return Publication(data_version, changed, rows, report)
