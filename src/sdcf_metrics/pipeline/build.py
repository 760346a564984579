"""Sources -> Parquet extracts, published atomically under a content-hash data version.

The build validates the sources, applies disclosure control and types every row; `release` writes the
result as a version and moves the pointer, so readers see the old version or the new one, never a mix.
The same sources always give byte-identical Parquet files.

The data version hashes the source files together with the extract format and the small-count threshold,
so a change of either publishes a new version rather than reusing one built under other rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from .. import paths
from ..periods import parse_partial_date, period_label
from ..privacy import STATUS_OK, small_count_threshold
from ..release import KEEP_VERSIONS, PointerDamaged, is_intact, publish, read_pointer
from ..schema import SOURCE_TABLES, TABLES_BY_NAME, Table
from ..vocabulary import SEED_ARTICLE
from .conflicts import CONFLICT_KEY
from .derive import derived_tables
from .disclosure import DisclosureReport, protect
from .validate import load_sources

# What the extracts hold; bump it when the build writes different Parquet from the same sources.
EXTRACT_FORMAT = 5

_ARROW_TYPES = {"number": pa.float64(), "integer": pa.int64(), "bool": pa.bool_()}

# Columns the build adds to what people write, so queries can order and filter by real dates; each
# observation's disclosure status (`ok`, `suppressed_small`, `suppressed_secondary`); the recorded conflict
# it belongs to, if any; and whether only a seed article gives it.
DERIVED_COLUMNS: dict[str, tuple[pa.Field, ...]] = {
    "observations": (
        pa.field("period_start_date", pa.date32()),
        pa.field("period_end_date", pa.date32()),
        pa.field("period_label", pa.string()),
        pa.field("status", pa.string()),
        pa.field("conflict_id", pa.string()),
        pa.field("seed_only", pa.bool_()),
    ),
    "facilities": (pa.field("opened_date", pa.date32()), pa.field("closed_date", pa.date32())),
    "events": (pa.field("event_date", pa.date32()),),
    "sources": (),
    "cities": (),
    "metrics": (),
    "related_services": (),
    "conflicts": (),
    "translations": (),
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
            "conflict_id": row.get("conflict_id"),
            "seed_only": bool(row.get("seed_only")),
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


def with_evidence(
    observations: list[dict[str, Any]], sources: list[dict[str, Any]], conflicts: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each observation with the recorded conflict that names it (`conflict_id`) and whether only a seed
    article gives it (`seed_only`: no other kind of source reports the same figure with the same value),
    so that every view can say so without searching the dataset again."""
    kinds = {source["source_id"]: source.get("kind") for source in sources}
    conflict_of = {
        observation_id: conflict["conflict_id"]
        for conflict in conflicts
        for observation_id in str(conflict["observation_ids"]).split()
    }

    def figure(row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(row.get(column) for column in (*CONFLICT_KEY, "value", "value_low", "value_high"))

    def from_seed(row: Mapping[str, Any]) -> bool:
        return kinds.get(row["source_id"]) == SEED_ARTICLE and not row.get("evidence")

    elsewhere = {figure(row) for row in observations if not from_seed(row)}
    return [
        {
            **row,
            "conflict_id": conflict_of.get(row["observation_id"]),
            "seed_only": from_seed(row) and figure(row) not in elsewhere,
        }
        for row in observations
    ]


def protected_tables(
    rows: Mapping[str, list[dict[str, Any]]], threshold: int | None = None
) -> tuple[dict[str, pa.Table], DisclosureReport]:
    """Typed source rows -> the Arrow tables of a version: disclosure control applied to the observations
    first, then the tables derived from them for the pages (`derive`)."""
    protected = protect(rows.get("observations", []), rows.get("metrics", []), threshold)
    observations = with_evidence(protected.observations, rows.get("sources", []), rows.get("conflicts", []))
    rows = {**rows, "observations": observations}
    tables = {name: to_arrow(TABLES_BY_NAME[name], rows.get(name, [])) for name in TABLES_BY_NAME}
    return {**tables, **derived_tables(tables)}, protected.report


def is_stale(root: Path | None = None) -> bool:
    """True when the published extracts do not match the current sources, or are missing or damaged (so
    `build --if-stale`, which `make run` runs, repairs a damaged pointer or version)."""
    root = root or paths.data_dir()
    try:
        pointer = read_pointer(paths.extracts_dir(root))
    except PointerDamaged:
        return True
    if pointer is None:
        return True
    version_dir = paths.extracts_dir(root) / pointer.data_version
    return pointer.data_version != sources_fingerprint(paths.sources_dir(root)) or not is_intact(version_dir)


def build(
    root: Path | None = None, *, keep: int = KEEP_VERSIONS, published_on: date | None = None
) -> Publication:
    """Validate `root/sources`, write the extracts and publish them under their content hash.

    `published_on` (default today) is recorded with the version in the pointer's history.
    """
    root = root or paths.data_dir()
    source_dir = paths.sources_dir(root)
    threshold = small_count_threshold()
    tables, report = protected_tables(load_sources(source_dir), threshold)
    data_version = sources_fingerprint(source_dir, threshold)
    changed = publish(
        tables,
        data_version,
        paths.extracts_dir(root),
        published_on=published_on,
        keep=keep,
        sources=source_dir,
        disclosure=report.as_dict(),
    )
    rows = {name: table.num_rows for name, table in tables.items()}
    return Publication(data_version, changed, rows, report)
