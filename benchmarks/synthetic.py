"""A synthetic network of facilities, at any scale, in the production extract schema.

The real dataset has a few hundred rows; the benchmarks need to know how the dashboard's queries behave
when a city network publishes monthly figures for hundreds of facilities over twenty years. This module
writes such a release: every table in exactly the schema `build.arrow_schema` gives the production
extracts, every text labelled synthetic, every number drawn from `numpy.random.default_rng(seed)`, so the
same seed always gives the same files. It refuses to write anywhere under the real data directory.

The grid: each facility reports each metric each month, as a total and as seven breakdowns (by sex, age
and drug) that are parts of that total. Observation ids follow arrival order (month, then facility,
metric and breakdown), the order the production build writes (sorted by id). The tables the dashboard
reads are then derived from these files by the build's own step (`pipeline.derive`), streamed to Parquet
with the writer settings of every published extract.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sdcf_metrics import paths
from sdcf_metrics.periods import parse_partial_date, period_label
from sdcf_metrics.pipeline.build import arrow_schema, to_arrow
from sdcf_metrics.pipeline.derive import write_derived
from sdcf_metrics.privacy import STATUS_OK
from sdcf_metrics.schema import OBSERVATIONS, SOURCE_TABLES, TABLES_BY_NAME

SYNTHETIC = "Synthetic benchmark"
FIRST_YEAR = 2005
BREAKDOWNS: tuple[tuple[str | None, float], ...] = (
    (None, 1.0),
    ("sex=female", 0.24),
    ("sex=male", 0.76),
    ("age=under 25", 0.12),
    ("age=25-39", 0.47),
    ("age=40 and over", 0.41),
    ("drug=opioids", 0.58),
    ("drug=stimulants", 0.42),
)
COUNTRIES = 28
NOISE_TABLE_SIZE = 65_536
GENERATION_MEMORY_LIMIT = "8GB"

Arrangement = Literal["single", "by_metric", "by_country_year"]
ARRANGEMENTS: dict[Arrangement, str] = {
    "single": "one file, rows in observation-id order (what the build publishes)",
    "by_metric": "one file per metric, rows ordered by city, facility, breakdown and month",
    "by_country_year": "one file per country and year, rows in arrival order",
}


@dataclass(frozen=True)
class Layout:
    """How the observation extract lies on disk: which rows go to which file, and how big a row group is.

    DuckDB and pyarrow skip a row group whose statistics exclude the filter, but read a matching group
    whole; smaller groups mean less reading per match and more statistics to check per query.
    """

    arrangement: Arrangement
    row_group_rows: int = 65_536

    def describe(self) -> str:
        return f"{ARRANGEMENTS[self.arrangement]}; row groups of {self.row_group_rows:,} rows"


# The base files as `sdcf-metrics build` publishes them: what a journalist downloads and reads with pandas.
# The dashboard reads the derived extract instead, whatever the layout of the base files.
SCALE_LAYOUT = Layout("single")

_DUCKDB_TYPES = {
    pa.string(): "VARCHAR",
    pa.float64(): "DOUBLE",
    pa.int64(): "BIGINT",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
}


@dataclass(frozen=True)
class Shape:
    """How big the synthetic network is; the row count is the product of the grid's sides."""

    facilities: int
    metrics: int = 24
    months: int = 240

    @property
    def rows_per_facility(self) -> int:
        return self.metrics * self.months * len(BREAKDOWNS)

    @property
    def rows(self) -> int:
        return self.facilities * self.rows_per_facility

    @classmethod
    def for_rows(cls, rows: int, metrics: int = 24, months: int = 240) -> Shape:
        """The network closest to `rows` observations, growing by facilities as real networks do."""
        per_facility = metrics * months * len(BREAKDOWNS)
        return cls(facilities=max(1, round(rows / per_facility)), metrics=metrics, months=months)


@dataclass(frozen=True)
class SyntheticRelease:
    """A generated release: the files behind each view (`files` the source tables, `derived` what the build
    derives from them), and what a benchmark query may ask about."""

    directory: Path
    shape: Shape
    layout: Layout
    seed: int
    files: dict[str, list[Path]]
    derived: dict[str, list[Path]]
    city_ids: list[str]
    facilities_per_city: list[int]
    metric_ids: list[str]
    observation_bytes: int
    derived_bytes: int


def _refuse_real_data_dir(directory: Path) -> None:
    real = paths.data_dir().resolve()
    target = directory.resolve()
    if target == real or real in target.parents:
        raise ValueError(f"Synthetic benchmark data must not be written under the data directory {real}.")


def _padded(prefix: str, number: int, width: int) -> str:
    return f"{prefix}{number:0{width}d}"


@dataclass(frozen=True)
class _Network:
    """The dimension tables drawn from the seed: which facility is in which city and country, etc."""

    city_of_facility: np.ndarray
    country_of_city: np.ndarray
    level: np.ndarray
    monthly_growth: np.ndarray
    noise: np.ndarray
    additive: np.ndarray

    @property
    def cities(self) -> int:
        return len(self.country_of_city)


def _draw_network(shape: Shape, seed: int) -> _Network:
    rng = np.random.default_rng(seed)
    # Cities run one to six facilities; facilities are numbered city by city so ids sort by city.
    sizes = rng.integers(1, 7, size=shape.facilities)
    city_of_facility = np.repeat(np.arange(len(sizes)), sizes)[: shape.facilities]
    cities = int(city_of_facility[-1]) + 1
    return _Network(
        city_of_facility=city_of_facility,
        country_of_city=rng.integers(0, COUNTRIES, size=cities),
        level=np.round(rng.lognormal(mean=6.0, sigma=1.2, size=(shape.facilities, shape.metrics)), 0),
        monthly_growth=rng.normal(0.002, 0.004, size=(shape.facilities, shape.metrics)),
        noise=rng.normal(0.0, 0.08, size=NOISE_TABLE_SIZE),
        additive=rng.random(shape.metrics) < 0.7,
    )


def city_id(index: int) -> str:
    return _padded("syn-city-", index, 4)


def facility_id(index: int) -> str:
    return _padded("syn-facility-", index, 5)


def metric_id(index: int) -> str:
    return _padded("syn_metric_", index, 2)


def country_name(index: int) -> str:
    return f"{SYNTHETIC} country {index:02d}"


def source_id(city: int, year: int) -> str:
    return f"syn-source-{city:04d}-{year}"


def _month_text(month: int) -> str:
    return f"{FIRST_YEAR + month // 12}-{month % 12 + 1:02d}"


def _small_tables(shape: Shape, network: _Network) -> dict[str, pa.Table]:
    """Cities, facilities, metrics, sources and events, through the production `to_arrow`."""
    years = range(FIRST_YEAR, FIRST_YEAR + math.ceil(shape.months / 12))
    cities = [
        {
            "city_id": city_id(city),
            "name": f"{SYNTHETIC} city {city:04d}",
            "country": country_name(int(network.country_of_city[city])),
            # ISO 3166-1 leaves XA to XZ to private use: no real country has these codes.
            "country_code": "X" + chr(ord("A") + int(network.country_of_city[city]) % 26),
            "latitude": 40.0 + (city % 20),
            "longitude": -5.0 + (city % 30),
            "in_europe": True,
        }
        for city in range(network.cities)
    ]
    facilities = [
        {
            "facility_id": facility_id(facility),
            "name": f"{SYNTHETIC} facility {facility:05d}",
            "city_id": city_id(int(network.city_of_facility[facility])),
            "operator": f"{SYNTHETIC} operator",
            "opened": _month_text(0),
            "closed": None,
            "type": "mixed",
            "latitude": 40.0,
            "longitude": 0.0,
            "location_note": f"{SYNTHETIC} location",
            "source_id": source_id(int(network.city_of_facility[facility]), FIRST_YEAR),
            "quote": f"{SYNTHETIC} quote",
            "sanctioned": True,
            "closed_source_id": None,
            "closed_quote": None,
        }
        for facility in range(shape.facilities)
    ]
    metrics = [
        {
            "metric_id": metric_id(metric),
            "label": f"{SYNTHETIC} metric {metric:02d}",
            "unit": f"{SYNTHETIC} units",
            "kind": "count",
            "definition": f"{SYNTHETIC} definition {metric:02d}",
            "additive": bool(network.additive[metric]),
            "higher_is_better": None,
        }
        for metric in range(shape.metrics)
    ]
    sources = [
        {
            "source_id": source_id(city, year),
            "title": f"{SYNTHETIC} source {city:04d}/{year}",
            "publisher": f"{SYNTHETIC} publisher",
            "date": str(year),
            "url": f"https://example.org/synthetic/{city:04d}/{year}",
            "document": None,
            "licence_note": f"{SYNTHETIC} licence note",
            "kind": "service_report",
            "language": "en",
        }
        for city in range(network.cities)
        for year in years
    ]
    rows = {
        "cities": cities,
        "facilities": facilities,
        "metrics": metrics,
        "sources": sources,
        "events": _event_rows(shape, network),
        **_evidence_rows(),
    }
    return {name: to_arrow(TABLES_BY_NAME[name], table_rows) for name, table_rows in rows.items()}


def _event_rows(shape: Shape, network: _Network) -> list[dict[str, object]]:
    """Each facility's opening, as an event."""
    return [
        {
            "event_id": f"syn-event-{facility:05d}",
            "city_id": city_id(int(network.city_of_facility[facility])),
            "facility_id": facility_id(facility),
            "date": _month_text(0),
            "kind": "opening",
            "label": f"{SYNTHETIC} opening",
            "source_id": source_id(int(network.city_of_facility[facility]), FIRST_YEAR),
            "quote": f"{SYNTHETIC} quote",
        }
        for facility in range(shape.facilities)
    ]


def _evidence_rows() -> dict[str, list[dict[str, object]]]:
    """One related service, one recorded conflict and one translation, so those tables are written in
    production shape."""
    return {
        "related_services": [
            {
                "service_id": "syn-service-00000",
                "city_id": city_id(0),
                "name": f"{SYNTHETIC} outreach service",
                "operator": f"{SYNTHETIC} operator",
                "description": f"{SYNTHETIC} description",
                "source_id": source_id(0, FIRST_YEAR),
                "quote": f"{SYNTHETIC} quote",
            }
        ],
        "conflicts": [
            {
                "conflict_id": "syn-conflict-00000",
                "observation_ids": f"syn-o0000000000 syn-o0000000001 ({SYNTHETIC})",
                "primary_id": "syn-o0000000000",
                "reason": f"{SYNTHETIC} reason",
            }
        ],
        "translations": [
            {
                "table_name": "metrics",
                "row_id": metric_id(0),
                "column_name": "label",
                "language": "fr",
                "english": f"{SYNTHETIC} metric 00",
                "text": f"{SYNTHETIC} indicateur 00",
            }
        ],
    }


def _dimension_tables(shape: Shape, network: _Network) -> dict[str, pa.Table]:
    """Lookup tables the observation generator joins to, one row per series, month and breakdown."""
    facility_index = np.repeat(np.arange(shape.facilities), shape.metrics)
    metric_index = np.tile(np.arange(shape.metrics), shape.facilities)
    city_index = network.city_of_facility[facility_index]
    series = pa.table(
        {
            "f": facility_index,
            "m": metric_index,
            "city": city_index,
            "city_id": [city_id(int(city)) for city in city_index],
            "facility_id": [facility_id(int(facility)) for facility in facility_index],
            "metric_id": [metric_id(int(metric)) for metric in metric_index],
            "country": [country_name(int(network.country_of_city[city])) for city in city_index],
            "level": network.level.reshape(-1),
            "growth": network.monthly_growth.reshape(-1),
        }
    )
    texts = [_month_text(month) for month in range(shape.months)]
    months = pa.table(
        {
            "t": np.arange(shape.months),
            "year": [FIRST_YEAR + month // 12 for month in range(shape.months)],
            "period_text": texts,
            "start_date": [parse_partial_date(text)[0] for text in texts],
            "end_date": [parse_partial_date(text)[1] for text in texts],
            "label": [period_label("month", text, text) for text in texts],
        }
    )
    breakdowns = pa.table(
        {
            "b": np.arange(len(BREAKDOWNS)),
            "breakdown": [f"{name} ({SYNTHETIC})" if name else None for name, _ in BREAKDOWNS],
            "share": [share for _, share in BREAKDOWNS],
        }
    )
    noise = pa.table({"k": np.arange(NOISE_TABLE_SIZE), "noise": network.noise})
    # Same on every row; a table rather than literals, so the columns stay nullable as in production.
    constants = pa.table(
        {
            "scope": ["facility"],
            "period_kind": ["month"],
            "qualifier": ["exact"],
            "unit": [f"{SYNTHETIC} units"],
            "counted_as": [f"{SYNTHETIC} count"],
            "quote": [f"{SYNTHETIC} figure, not evidence"],
            "notes": [f"{SYNTHETIC} row"],
            "status": [STATUS_OK],
            "seed_only": [False],
        }
    )
    return {
        "series": series,
        "months": months,
        "breakdowns": breakdowns,
        "noise": noise,
        "constants": constants,
    }


# How each observation column is computed from the joined grid row; the SELECT list follows the
# production schema, so a column added there without a rule here fails loudly.
_COLUMN_RULES = {
    "observation_id": "'syn-o' || lpad(oid::VARCHAR, 10, '0')",
    "scope": "constants.scope",
    "country": "series.country",
    "region": "NULL",
    "city_id": "series.city_id",
    "facility_id": "series.facility_id",
    "metric_id": "series.metric_id",
    "breakdown": "breakdowns.breakdown",
    "period_kind": "constants.period_kind",
    "period_start": "months.period_text",
    "period_end": "months.period_text",
    "value": "greatest(0, round(series.level * pow(1 + series.growth, grid.t) * breakdowns.share"
    " * (1 + noise.noise)))",
    "value_low": "NULL",
    "value_high": "NULL",
    "qualifier": "constants.qualifier",
    "rate_per": "NULL",
    "unit": "constants.unit",
    "counted_as": "constants.counted_as",
    "source_id": "'syn-source-' || lpad(series.city::VARCHAR, 4, '0') || '-' || months.year",
    "quote": "constants.quote",
    "notes": "constants.notes",
    "place": "NULL",
    "period_inferred": "NULL",
    "evidence": "NULL",
    "quote_form": "NULL",
    "period_start_date": "months.start_date",
    "period_end_date": "months.end_date",
    "period_label": "months.label",
    "status": "constants.status",
    "conflict_id": "NULL",
    "seed_only": "constants.seed_only",
}


def _select_list() -> str:
    schema = arrow_schema(OBSERVATIONS)
    return ",\n    ".join(
        f"CAST({_COLUMN_RULES[field.name]} AS {_DUCKDB_TYPES[field.type]}) AS {field.name}"
        for field in schema
    )


def _grid_sql(arrangement: Arrangement, shape: Shape) -> str:
    """The row index `i` of the file being written -> (facility f, metric m, breakdown b, month t, oid)."""
    facilities, metrics, months, kinds = shape.facilities, shape.metrics, shape.months, len(BREAKDOWNS)
    if arrangement == "by_metric":
        # One metric's file, ordered by facility, breakdown and month; facilities are numbered city by
        # city, so each city's rows are contiguous and its totals sit in few row groups.
        decompose = (
            f"$metric AS m, i // {kinds * months} AS f, (i // {months}) % {kinds} AS b, i % {months} AS t"
        )
    else:
        decompose = (
            f"i // {facilities * metrics * kinds} AS t, (i // {metrics * kinds}) % {facilities} AS f, "
            f"(i // {kinds}) % {metrics} AS m, i % {kinds} AS b"
        )
    oid = f"((t * {facilities} + f) * {metrics} + m) * {kinds} + b"
    # Only numbers computed here go into this text; the bounds are bound parameters.
    return f"SELECT *, {oid} AS oid FROM (SELECT i, {decompose} FROM range($start, $stop) AS r(i))"  # noqa: S608


def _observations_sql(arrangement: Arrangement, shape: Shape) -> str:
    return (
        f"SELECT\n    {_select_list()}\n"
        f"FROM ({_grid_sql(arrangement, shape)}) AS grid\n"
        "JOIN series ON series.f = grid.f AND series.m = grid.m\n"
        "JOIN months ON months.t = grid.t\n"
        "JOIN breakdowns ON breakdowns.b = grid.b\n"
        f"JOIN noise ON noise.k = grid.oid % {NOISE_TABLE_SIZE}\n"
        "CROSS JOIN constants"
    )


def _copy(
    connection: duckdb.DuckDBPyConnection,
    query: str,
    target: Path,
    params: dict[str, int],
    row_group_rows: int,
    options: str = "",
) -> None:
    """COPY a generated query to Parquet.

    All SQL text here is built by this module from numbers and paths it chose; the grid bounds are bound.
    """
    statement = (
        f"COPY ({query}) TO '{target}' "
        f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {int(row_group_rows)}{options})"
    )
    connection.execute(statement, params)


def _write_observations(
    connection: duckdb.DuckDBPyConnection, layout: Layout, shape: Shape, directory: Path
) -> list[Path]:
    query = _observations_sql(layout.arrangement, shape)
    if layout.arrangement == "single":
        target = directory / "observations.parquet"
        _copy(connection, query, target, {"start": 0, "stop": shape.rows}, layout.row_group_rows)
        return [target]
    if layout.arrangement == "by_country_year":
        return _write_by_country_year(connection, query, shape, directory, layout.row_group_rows)
    per_metric = shape.facilities * len(BREAKDOWNS) * shape.months
    files = []
    for metric in range(shape.metrics):
        target = directory / f"observations-{metric_id(metric)}.parquet"
        bounds = {"start": 0, "stop": per_metric, "metric": metric}
        _copy(connection, query, target, bounds, layout.row_group_rows)
        files.append(target)
    return files


def _write_by_country_year(
    connection: duckdb.DuckDBPyConnection, query: str, shape: Shape, directory: Path, row_group_rows: int
) -> list[Path]:
    """One file per (country, year), flattened out of DuckDB's key=value folders.

    The folders are flattened because `read_parquet` would otherwise detect them as Hive partitions and
    add columns to the view, which would no longer match the production schema.
    """
    staging = directory / "partitions"
    partitioned = (
        "SELECT *, country AS part_country, year(period_end_date) AS part_year "  # noqa: S608
        f"FROM ({query})"
    )
    options = ", PARTITION_BY (part_country, part_year), WRITE_PARTITION_COLUMNS false"
    _copy(connection, partitioned, staging, {"start": 0, "stop": shape.rows}, row_group_rows, options)
    files = []
    for path in sorted(staging.rglob("*.parquet")):
        parts = [part.split("=", 1)[1].replace(" ", "_") for part in path.relative_to(staging).parent.parts]
        target = directory / f"observations-{'-'.join(parts)}.parquet"
        path.rename(target)
        files.append(target)
    shutil.rmtree(staging)
    return files


def _write_derived(
    connection: duckdb.DuckDBPyConnection, files: dict[str, list[Path]], directory: Path
) -> dict[str, list[Path]]:
    """The build's derived extracts of the files just written, read back as the build's tables."""
    for name, paths_of_table in files.items():
        file_list = ", ".join(f"'{path}'" for path in paths_of_table)
        # Table names from the schema, paths this module chose.
        connection.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{file_list}])")  # noqa: S608
    return write_derived(connection, directory)


def generation_connection() -> duckdb.DuckDBPyConnection:
    """A plain in-memory DuckDB for writing the files (the sandboxed store cannot write)."""
    return duckdb.connect(":memory:", config={"memory_limit": GENERATION_MEMORY_LIMIT, "threads": 2})


def write_release(
    directory: Path, shape: Shape, *, seed: int, layout: Layout = SCALE_LAYOUT
) -> SyntheticRelease:
    """Write a synthetic release into `directory` (created; must not be under the data directory)."""
    _refuse_real_data_dir(directory)
    directory.mkdir(parents=True, exist_ok=True)
    network = _draw_network(shape, seed)
    files: dict[str, list[Path]] = {}
    for name, table in _small_tables(shape, network).items():
        target = directory / f"{name}.parquet"
        pq.write_table(table, target, compression="zstd")
        files[name] = [target]
    connection = generation_connection()
    try:
        for name, table in _dimension_tables(shape, network).items():
            connection.register(name, table)
        files["observations"] = _write_observations(connection, layout, shape, directory)
        derived = _write_derived(connection, files, directory)
    finally:
        connection.close()
    assert set(files) == {table.name for table in SOURCE_TABLES}
    return SyntheticRelease(
        directory=directory,
        shape=shape,
        layout=layout,
        seed=seed,
        files=files,
        derived=derived,
        city_ids=[city_id(city) for city in range(network.cities)],
        facilities_per_city=np.bincount(network.city_of_facility).tolist(),
        metric_ids=[metric_id(metric) for metric in range(shape.metrics)],
        observation_bytes=sum(path.stat().st_size for path in files["observations"]),
        derived_bytes=sum(
            path.stat().st_size for paths_of_table in derived.values() for path in paths_of_table
        ),
    )
