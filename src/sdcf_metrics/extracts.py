"""How one table of a version lies in files: Parquet row groups sized for the pages' filters, and, for a
derived table too big for one file, one file per city in folders DuckDB reads as Hive partitions.

The build (`release.write_version`) and the benchmarks' synthetic releases (`pipeline.derive`) write
through here, so the benchmarks measure the files the build publishes; the store asks `is_split` to read
such a table with its partitions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .schema import ID_PATTERN

# Tables the build derives from the source tables (`pipeline.derive`); a version written before they
# existed has none, and the store then computes them from the source tables.
DERIVED_TABLES = ("observation_details",)
# Rows per Parquet row group of every extract: small enough that a page's filter reads little beyond the
# rows it asks for, large enough that the statistics checked per query stay few (docs/benchmarks.md).
ROW_GROUP_ROWS = 65_536
# A derived table of more rows than this is written as one file per city, in folders named as Hive
# partitions, which DuckDB prunes by a query's city filter before it reads any file's footer. In one file
# of 100M rows the footer of its 1,628 row groups cost about 40 ms per query even when cached; split, a
# city's trend at 100M rows takes a third of the time (docs/benchmarks.md). Below this size one file
# serves: a query over every city opens one file, not one per city.
SPLIT_ROWS = 32 * ROW_GROUP_ROWS
SPLIT_COLUMN = "city_id"
# The folder name DuckDB reads as a NULL partition value: the rows of no city (a country's figures).
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
PART_FILE = "part.parquet"


def _extract_writer(target: Path, schema: pa.Schema) -> pq.ParquetWriter:
    return pq.ParquetWriter(target, schema, compression="zstd", write_statistics=True)


def write_parquet(target: Path, rows: pa.Table | pa.RecordBatchReader) -> None:
    """Write one extract as every version holds it: zstd, statistics, row groups of `ROW_GROUP_ROWS`."""
    with _extract_writer(target, rows.schema) as writer:
        if isinstance(rows, pa.Table):
            writer.write_table(rows, row_group_size=ROW_GROUP_ROWS)
            return
        for batch in rows:
            writer.write_table(pa.Table.from_batches([batch]), row_group_size=ROW_GROUP_ROWS)


def split_folder(value: str | None) -> str:
    """The folder of one city's rows in a split table, named as a Hive partition."""
    if value is not None and not ID_PATTERN.match(value):
        raise ValueError(f"{SPLIT_COLUMN} {value!r} is not an id; it cannot name a folder")
    return f"{SPLIT_COLUMN}={NULL_PARTITION if value is None else value}"


def is_split(files: Sequence[Path]) -> bool:
    """True when `files` are the parts of a table split by city (each in its partition folder)."""
    return bool(files) and all(path.parent.name.startswith(f"{SPLIT_COLUMN}=") for path in files)


def write_split(folder: Path, rows: pa.Table | pa.RecordBatchReader) -> list[tuple[Path, int]]:
    """Write `rows`, ordered by `SPLIT_COLUMN`, as one extract per city under `folder`; return each file
    written with its row count, in the order of the rows.

    Batches are streamed: one city's rows are buffered up to a row group, and its file closed when the
    next city starts. ValueError when a city's rows come in two runs (the rows were not ordered by city).
    """
    batches = rows.to_batches(max_chunksize=ROW_GROUP_ROWS) if isinstance(rows, pa.Table) else rows
    written: list[tuple[Path, int]] = []
    seen: set[str] = set()
    writer: pq.ParquetWriter | None = None
    pending: list[pa.RecordBatch] = []

    def flush(final: bool) -> None:
        while pending and (final or sum(batch.num_rows for batch in pending) >= ROW_GROUP_ROWS):
            group = pa.Table.from_batches(pending).combine_chunks()
            head = group.slice(0, ROW_GROUP_ROWS)
            assert writer is not None
            writer.write_table(head, row_group_size=ROW_GROUP_ROWS)
            pending[:] = [batch for batch in group.slice(ROW_GROUP_ROWS).to_batches() if batch.num_rows]

    for batch in batches:
        runs = pc.run_end_encode(batch.column(SPLIT_COLUMN))
        start = 0
        for value, end in zip(runs.values.to_pylist(), runs.run_ends.to_pylist(), strict=True):
            name = split_folder(value)
            if name not in seen:
                if writer is not None:
                    flush(final=True)
                    writer.close()
                seen.add(name)
                target = folder / name / PART_FILE
                target.parent.mkdir(parents=True)
                writer = _extract_writer(target, batch.schema)
                written.append((target, 0))
            elif written[-1][0].parent.name != name:
                raise ValueError(f"the rows of {name} come in two runs; order the rows by {SPLIT_COLUMN}")
            pending.append(batch.slice(start, end - start))
            written[-1] = (written[-1][0], written[-1][1] + end - start)
            flush(final=False)
            start = end
    if writer is not None:
        flush(final=True)
        writer.close()
    return written


def write_table(
    directory: Path, name: str, rows: pa.Table | pa.RecordBatchReader, row_count: int
) -> list[tuple[Path, int]]:
    """Write one table of a version into `directory`: `<name>.parquet`, or for a derived table of more than
    `SPLIT_ROWS` rows (ordered by city), one file per city under `<name>/`. Returns each file and its rows.
    """
    if name in DERIVED_TABLES and row_count > SPLIT_ROWS:
        return write_split(directory / name, rows)
    target = directory / f"{name}.parquet"
    write_parquet(target, rows)
    return [(target, row_count)]
