"""The extracts the build derives from the base tables: what the pages read, computed once per release.

Nearly every page reads `observation_details`: each observation with the names of its place, metric and
source and the other figures of its recorded conflict. Computed per query, those joins (and the conflict
self-join over every observation) cost time that grows with the whole table; written once by the build,
a page reads only the row groups of the city and metric it asks about (the lesson of Evidence and Our
World in Data: compute at build time, serve precomputed).

The rows are sorted for the pages' filters: by city, then totals (no breakdown) before breakdowns, then by
metric and period, so a city's totals lie in one or two row groups (`extracts.ROW_GROUP_ROWS`) and DuckDB
skips the others by their statistics. A network too big for one file is written as one file per city
(`extracts.SPLIT_ROWS`), which the same order makes a single pass. The benchmarks write their synthetic
releases through this same step.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb
import pyarrow as pa

from ..extracts import ROW_GROUP_ROWS, write_table
from ..store import load_sql

# The order of the derived rows; the last key is unique, so the same sources give the same file.
DETAILS_ORDER = (
    "city_id NULLS LAST, breakdown IS NOT NULL, metric_id, period_end_date, period_start_date NULLS FIRST, "
    "observation_id"
)


def observation_details(connection: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
    """`observation_details.sql` over the base tables `connection` names, in `DETAILS_ORDER`."""
    # Only this module's SQL file and its constant order go into the text.
    return connection.sql(f"SELECT * FROM ({load_sql('observation_details')}) ORDER BY {DETAILS_ORDER}")  # noqa: S608


def derived_tables(tables: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """The derived extracts of a release, from its base tables (the build's small, in-memory path)."""
    with duckdb.connect(":memory:") as connection:
        for name, table in tables.items():
            connection.register(name, table)
        return {"observation_details": observation_details(connection).to_arrow_table()}


def write_derived(connection: duckdb.DuckDBPyConnection, directory: Path) -> dict[str, list[Path]]:
    """Write the derived extracts of the base tables `connection` names into `directory`, batch by batch,
    as a version holds them (for releases too big to hold in memory); return each table's files."""
    # One derived row per observation: its joins only add names to it.
    rows = connection.execute("SELECT count(*) FROM observations").fetchall()[0][0]
    batches = observation_details(connection).to_arrow_reader(ROW_GROUP_ROWS)
    written = write_table(directory, "observation_details", batches, rows)
    return {"observation_details": [path for path, _ in written]}
