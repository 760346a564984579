"""The query engine at network scale: the dashboard's own SQL through the production store, against pandas.

For each size, a synthetic release is written to a temporary directory, with the extracts the build
derives from it (`pipeline.derive`, the build's own step), and opened exactly as the app opens the real
one (`store.open_sandboxed` with `views.sql`); the queries are the ones the pages run. The baseline
does the same work as a journalist would with the published base files and pandas: `read_parquet` with
column and row filters, then the joins, filters and sort of the dashboard's SQL. Both must return the
same observation ids in the same order, or the run stops: a fast wrong answer is not a result.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sdcf_metrics.extracts import ROW_GROUP_ROWS, SPLIT_ROWS
from sdcf_metrics.queries import PAGE_ROWS, TableFilter
from sdcf_metrics.store import Release, Store, load_sql

from .baseline import (
    pandas_city_trend,
    pandas_comparison,
    pandas_first_page,
    pandas_table_page,
)
from .measure import Check, Target, Timing, format_value, time_interleaved
from .report import Section, Table
from .synthetic import SCALE_LAYOUT, Layout, Shape, SyntheticRelease, write_release

LARGE_SIZE = 100_000_000
DEFAULT_SIZES = (1_000_000, 10_000_000, LARGE_SIZE)
# The layout used for every size, then the alternatives it is compared with at one size.
LAYOUT_CANDIDATES = (
    SCALE_LAYOUT,
    Layout("by_metric"),
    Layout("by_metric", 16_384),
    Layout("by_country_year"),
)
SPEEDUP_TARGET = Target(10, "×", at_most=False)
SPEEDUP_SIZE = 10_000_000
LARGE_TARGET = Target(100, "ms")
DUCKDB_RUNS = 9
PANDAS_RUNS = 5
LARGE_PANDAS_RUNS = 3
LAYOUT_RUNS = 5
LAYOUT_PANDAS_RUNS = 3
FREE_DISK_NEEDED = 3 * 1024**3
COMPARED_CITIES = 5


class BaselineMismatch(RuntimeError):
    """DuckDB and pandas disagree on a query's rows, so their times cannot be compared."""


@dataclass(frozen=True)
class Choices:
    """What a visitor asks about: one city, five cities for a comparison, two metrics for the table.

    The cities are the network's first five: the seed draws city sizes first, so a bigger network
    starts with the same cities, and each query returns the same rows at every size while the data
    around them grows. (The last city may be cut short by the grid, so it is never chosen.)
    """

    city_id: str
    compared_city_ids: list[str]
    metric_id: str
    table_metric_ids: list[str]
    table_city_ids: list[str]

    @classmethod
    def for_release(cls, release: SyntheticRelease) -> Choices:
        complete = release.city_ids[:-1] or release.city_ids
        first = complete[:COMPARED_CITIES]
        sizes = dict(zip(release.city_ids, release.facilities_per_city, strict=True))
        return cls(
            city_id=max(first, key=lambda city: sizes[city]),
            compared_city_ids=first,
            metric_id=release.metric_ids[len(release.metric_ids) // 2],
            table_metric_ids=release.metric_ids[:2],
            table_city_ids=first[:3],
        )


def open_store(release: SyntheticRelease) -> Store:
    """The production store over a synthetic release: same sandbox, same views, same SQL files, and the
    derived extracts the build writes."""
    files = {name: tuple(paths) for name, paths in {**release.files, **release.derived}.items()}
    info = Release(f"synthetic-{release.seed}", date.today().isoformat(), release.directory, files)
    return Store.open(info)


# --- the dashboard's queries, through the store -----------------------------------------------------


Params = Callable[[Choices], dict[str, Any]]


@dataclass(frozen=True)
class EngineQuery:
    """One view the dashboard shows: a file in `sql/` and its bound parameters, the files the page also
    runs for the same view (`companions`, timed with it: a page waits for all of them), and its pandas
    twin."""

    label: str
    sql_name: str
    params: Params
    with_pandas: Callable[[SyntheticRelease, Choices], pd.DataFrame]
    companions: tuple[tuple[str, Params], ...] = ()

    def through_store(self, store: Store, choices: Choices) -> pa.Table:
        for name, params in self.companions:
            store.query(name, **params(choices))
        return store.query(self.sql_name, **self.params(choices))


def _table_filter(choices: Choices) -> dict[str, Any]:
    """The Data page's filter, built by the page's own `TableFilter`."""
    chosen = TableFilter(
        city_ids=tuple(choices.table_city_ids),
        metric_ids=tuple(choices.table_metric_ids),
        period_kinds=("month",),
    )
    return chosen.query_params()


def _whole_selection(choices: Choices) -> dict[str, Any]:
    """Every row of the filter, as a download of the selection fetches them."""
    return {**_table_filter(choices), "limit": None, "offset": 0}


def _first_page(choices: Choices) -> dict[str, Any]:
    """The first `PAGE_ROWS` rows of the filter, as the Data page shows them."""
    return {**_table_filter(choices), "limit": PAGE_ROWS, "offset": 0}


QUERIES = (
    EngineQuery(
        "City trend (one city, all metrics)",
        "city_observations",
        lambda choices: {"city_id": choices.city_id},
        pandas_city_trend,
    ),
    EngineQuery(
        "Comparison (one metric, five cities)",
        "metric_across_cities",
        lambda choices: {"metric_id": choices.metric_id, "city_ids": choices.compared_city_ids},
        pandas_comparison,
    ),
    EngineQuery(
        "Data table, whole selection (three cities, two metrics, monthly)",
        "observation_table",
        _whole_selection,
        pandas_table_page,
    ),
    EngineQuery(
        f"Data table, first page of {PAGE_ROWS:,} rows and the count of all (same filter)",
        "observation_table",
        _first_page,
        pandas_first_page,
        companions=(("observation_count", _table_filter),),
    ),
)
# The three the issue compares with pandas: a city's trend, a comparison, the Data page's whole selection.
SPEEDUP_TARGET_QUERIES = QUERIES[:3]
# What a reader waits for first at network scale: a city's trend, and the Data page's first page.
LARGE_TARGET_QUERIES = (QUERIES[0], QUERIES[3])


def check_same_rows(query: EngineQuery, table: pa.Table, frame: pd.DataFrame) -> int:
    """Raise BaselineMismatch unless both engines return the same observations in the same order."""
    from_duckdb = table.column("observation_id").to_pylist()
    from_pandas = frame["observation_id"].tolist()
    if from_duckdb != from_pandas:
        raise BaselineMismatch(
            f"{query.label}: DuckDB returned {len(from_duckdb)} rows, pandas {len(from_pandas)}, "
            "or the same rows in another order."
        )
    return len(from_duckdb)


@dataclass(frozen=True)
class QueryProfile:
    """Where one run of a query spent its time, from DuckDB's `EXPLAIN (ANALYZE, FORMAT json)`.

    Operator times are summed over DuckDB's threads, so together they may exceed the wall time.
    """

    total_ms: float
    planning_ms: float
    observation_scans: int
    scan_ms: float
    join_ms: float
    sort_ms: float
    files_read: str
    row_groups_read: int
    row_groups: int
    rows_decoded: int
    bytes_read: int

    @classmethod
    def of(cls, store: Store, query: EngineQuery, choices: Choices) -> QueryProfile:
        plan = store.explain(load_sql(query.sql_name), **query.params(choices))
        profile = json.loads(plan.column("explain_value")[0].as_py())
        operators = list(_operators(profile["operator"]))
        scans = [op for op in operators if op["type"] == "TABLE_SCAN" and _reads_observations(op)]
        summary = profile["query"]
        return cls(
            total_ms=summary["total_time"] * 1000,
            planning_ms=profile["planner"]["total_time"] * 1000,
            observation_scans=len(scans),
            scan_ms=sum(op["timing"] for op in scans) * 1000,
            join_ms=sum(op["timing"] for op in operators if op["type"].endswith("JOIN")) * 1000,
            sort_ms=sum(op["timing"] for op in operators if op["type"] in ("ORDER_BY", "TOP_N")) * 1000,
            files_read=", ".join(_files_read(scan) for scan in scans),
            row_groups_read=summary["total_row_groups_scanned"],
            row_groups=summary["total_row_groups_to_scan"],
            rows_decoded=summary["total_rows_scanned"],
            bytes_read=profile["io"]["total_bytes_read"],
        )


def _operators(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        yield from _operators(node.get("children", []))


def _files_read(scan: dict[str, Any]) -> str:
    """How many files DuckDB picked by a partition filter ("3 of 619"), else "every file"."""
    picked = scan.get("extra_info", {}).get("Scanning Files")
    return picked.replace("/", " of ") if isinstance(picked, str) else "every file"


def _reads_observations(scan: dict[str, Any]) -> bool:
    projections = scan.get("extra_info", {}).get("Projections", [])
    return "observation_id" in (projections if isinstance(projections, list) else [projections])


@dataclass(frozen=True)
class QueryResult:
    query: EngineQuery
    rows: int
    duckdb: Timing
    pandas: Timing | None
    profile: QueryProfile

    @property
    def speedup(self) -> float | None:
        return self.pandas.median_ms / self.duckdb.median_ms if self.pandas else None


@dataclass(frozen=True)
class SizeResult:
    requested_rows: int
    release: SyntheticRelease
    generation_s: float
    results: list[QueryResult]


def measure_release(
    release: SyntheticRelease,
    *,
    with_pandas: bool,
    duckdb_runs: int = DUCKDB_RUNS,
    pandas_runs: int = PANDAS_RUNS,
) -> list[QueryResult]:
    """Time every query on one release; the pandas baseline is checked against DuckDB's rows first."""
    store = open_store(release)
    choices = Choices.for_release(release)
    results = []
    try:
        for query in QUERIES:
            # The first run of each engine is the check and the warm-up; then they take turns.
            table = query.through_store(store, choices)
            actions: list[Callable[[], object]] = [lambda q=query: q.through_store(store, choices)]
            if with_pandas:
                check_same_rows(query, table, query.with_pandas(release, choices))
                actions.append(lambda q=query: q.with_pandas(release, choices))
            duckdb_timing, *pandas_timings = time_interleaved(actions, [duckdb_runs, pandas_runs])
            pandas_timing = pandas_timings[0] if pandas_timings else None
            profile = QueryProfile.of(store, query, choices)
            results.append(QueryResult(query, table.num_rows, duckdb_timing, pandas_timing, profile))
    finally:
        store.close()
    return results


def _generate(directory: Path, rows: int, seed: int, layout: Layout) -> tuple[SyntheticRelease, float]:
    started = time.perf_counter()
    release = write_release(directory, Shape.for_rows(rows), seed=seed, layout=layout)
    return release, time.perf_counter() - started


def _ensure_disk(directory: Path) -> None:
    free = shutil.disk_usage(directory).free
    if free < FREE_DISK_NEEDED:
        raise RuntimeError(
            f"Only {free / 1024**3:.1f} GiB free in {directory}; the benchmark needs "
            f"{FREE_DISK_NEEDED / 1024**3:.0f} GiB."
        )


def _rows_label(rows: int) -> str:
    return f"{rows / 1_000_000:,.0f}M" if rows >= 1_000_000 else f"{rows:,}"


@dataclass(frozen=True)
class QueryBenchmark:
    """The sizes to measure, the size at which layouts are compared (None: not compared), the seed."""

    sizes: Sequence[int]
    layout_size: int | None
    seed: int


LayoutResult = tuple[Layout, SyntheticRelease, float, list[QueryResult]]


def run(benchmark: QueryBenchmark, log: Callable[[str], None] = print) -> Section:
    """Generate each size in a temporary directory, time the queries, and delete the files again."""
    by_size: list[SizeResult] = []
    by_layout: list[LayoutResult] = []
    scratch = Path(tempfile.mkdtemp(prefix="sdcf-bench-"))
    try:
        for rows in benchmark.sizes:
            _ensure_disk(scratch)
            log(f"queries: generating {_rows_label(rows)} rows")
            release, seconds = _generate(scratch / f"rows-{rows}", rows, benchmark.seed, SCALE_LAYOUT)
            log(f"queries: timing {_rows_label(release.shape.rows)} rows")
            pandas_runs = PANDAS_RUNS if rows < LARGE_SIZE else LARGE_PANDAS_RUNS
            results = measure_release(release, with_pandas=True, pandas_runs=pandas_runs)
            by_size.append(SizeResult(rows, release, seconds, results))
            if rows == benchmark.layout_size:
                by_layout.append((SCALE_LAYOUT, release, seconds, results))
            shutil.rmtree(release.directory)
        for index, layout in enumerate(LAYOUT_CANDIDATES[1:] if benchmark.layout_size else ()):
            log(f"queries: layout {layout.describe()}")
            release, seconds = _generate(
                scratch / f"layout-{index}", benchmark.layout_size, benchmark.seed, layout
            )
            results = measure_release(
                release, with_pandas=True, duckdb_runs=LAYOUT_RUNS, pandas_runs=LAYOUT_PANDAS_RUNS
            )
            by_layout.append((layout, release, seconds, results))
            shutil.rmtree(release.directory)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return _section(by_size, by_layout, benchmark)


def _section(by_size: list[SizeResult], by_layout: list[LayoutResult], benchmark: QueryBenchmark) -> Section:
    largest = by_size[-1].release.shape
    section = Section(
        "Query engine at network scale",
        "Synthetic releases in the production extract schema (every text labelled synthetic, numbers from "
        f"`numpy.random.default_rng({benchmark.seed})`), written to a temporary directory and opened "
        "through the production store (`store.open_sandboxed` with `views.sql`, 2 threads, 2 GB), which "
        "runs the dashboard's own SQL files over the `observation_details` extract the build derives "
        "(`pipeline/derive.py`: every figure joined to its names and conflicts, sorted by city, a city's "
        f"totals first, then by metric and period, row groups of {ROW_GROUP_ROWS:,} rows; above "
        f"{SPLIT_ROWS:,} rows one file per city, which DuckDB picks by the query's city filter). "
        f"Largest network: {largest.facilities:,} facilities, {largest.metrics} metrics, {largest.months} "
        "monthly periods, a total and 7 breakdowns each; every size is queried about the same cities, "
        "so the results keep their size while the data grows. Base files as the build publishes them: "
        f"{SCALE_LAYOUT.describe()}. DuckDB: "
        f"median of {DUCKDB_RUNS} runs after one warm-up. pandas reads the published base files as a "
        "journalist would (`read_parquet` of the observation files with row filters on city, metric and "
        "period kind, and of the metrics, sources, cities and facilities tables, then the joins, filters "
        "and sort of the dashboard's SQL): median of "
        f"{PANDAS_RUNS} ({LARGE_PANDAS_RUNS} at 100M) after one warm-up. The two engines take turns run by "
        "run, so a burst of load elsewhere on the machine falls on both. Before timing, both are checked "
        "to return the same observation ids in the same order.",
    )
    timings = Table(("Rows", "Query", "Result rows", "DuckDB median", "pandas median", "Speed-up"))
    for size in by_size:
        for result in size.results:
            timings.add(
                f"{size.release.shape.rows:,}",
                f"{result.query.label} (`{result.query.sql_name}.sql`)",
                f"{result.rows:,}",
                format_value(result.duckdb.median_ms, "ms"),
                format_value(result.pandas.median_ms, "ms") if result.pandas else "",
                format_value(result.speedup, "×") if result.speedup else "",
            )
    section.tables.append(("", timings))
    if len(by_size) > 1:
        section.tables.append(("How DuckDB's time grows with the number of rows:", _growth_table(by_size)))
    section.tables.append(
        (
            f"Where DuckDB's time goes at {by_size[-1].release.shape.rows:,} rows (one profiled run, "
            "`EXPLAIN ANALYZE`; operator times are summed over both threads):",
            _profile_table(by_size[-1]),
        )
    )
    files = Table(
        (
            "Rows", "Observation files", "Size on disk", "Derived extract", "Derived files",
            "Generation and derivation",
        )
    )  # fmt: skip
    for size in by_size:
        files.add(
            f"{size.release.shape.rows:,}",
            str(len(size.release.files["observations"])),
            format_value(size.release.observation_bytes / 1024**2, "MB"),
            format_value(size.release.derived_bytes / 1024**2, "MB"),
            str(sum(len(paths) for paths in size.release.derived.values())),
            format_value(size.generation_s, "s"),
        )
    section.tables.append(("The generated observation extracts and the extract the build derives:", files))
    if by_layout:
        section.tables.append(_layout_table(by_layout))
    largest_rows = by_size[-1].release.shape.rows
    for result in by_size[-1].results:
        if result.profile.observation_scans > 1:
            section.findings.append(
                f"`{result.query.sql_name}.sql` reads the observations {result.profile.observation_scans} "
                f"times and joins them on `observation_id` ({result.profile.rows_decoded:,} rows decoded and "
                f"{format_value(result.profile.join_ms, 'ms')} in joins at {largest_rows:,} rows), so its "
                "time grows with the whole table rather than with the rows it returns."
            )
    _add_checks(section, by_size)
    return section


def _growth_table(by_size: list[SizeResult]) -> Table:
    table = Table(("Query", *(_rows_label(size.release.shape.rows) for size in by_size), "Growth"))
    row_factor = by_size[-1].release.shape.rows / by_size[0].release.shape.rows
    for index, query in enumerate(QUERIES):
        medians = [size.results[index].duckdb.median_ms for size in by_size]
        table.add(
            query.label,
            *(format_value(median, "ms") for median in medians),
            f"{medians[-1] / medians[0]:.1f}× the time for {row_factor:.0f}× the rows",
        )
    return table


def _profile_table(size: SizeResult) -> Table:
    table = Table(
        (
            "Query", "Profiled run", "Planning", "Scans of observations", "Scan time", "Joins", "Sort",
            "Files read", "Row groups read", "Rows decoded", "Data read",
        )
    )  # fmt: skip
    for result in size.results:
        profile = result.profile
        table.add(
            result.query.label,
            format_value(profile.total_ms, "ms"),
            format_value(profile.planning_ms, "ms"),
            str(profile.observation_scans),
            format_value(profile.scan_ms, "ms"),
            format_value(profile.join_ms, "ms"),
            format_value(profile.sort_ms, "ms"),
            profile.files_read,
            f"{profile.row_groups_read:,} of {profile.row_groups:,}",
            f"{profile.rows_decoded:,}",
            format_value(profile.bytes_read / 1024**2, "MB"),
        )
    return table


def _both_engines(result: QueryResult) -> str:
    pandas = format_value(result.pandas.median_ms, "ms") if result.pandas else "not measured"
    return f"{format_value(result.duckdb.median_ms, 'ms')} / {pandas}"


def _layout_table(by_layout: list[LayoutResult]) -> tuple[str, Table]:
    table = Table(
        ("Layout", "Files", "Size", "Generation", *(f"{query.label}: DuckDB / pandas" for query in QUERIES))
    )
    for layout, release, seconds, results in by_layout:
        table.add(
            f"{layout.describe()}{' (used above)' if layout == SCALE_LAYOUT else ''}",
            str(len(release.files["observations"])),
            format_value(release.observation_bytes / 1024**2, "MB"),
            format_value(seconds, "s"),
            *(_both_engines(result) for result in results),
        )
    rows = by_layout[0][1].shape.rows
    caption = (
        f"Layouts of the published observation files compared at {rows:,} rows (medians of {LAYOUT_RUNS} "
        f"DuckDB and {LAYOUT_PANDAS_RUNS} pandas runs for the alternatives). The dashboard reads the derived "
        "extract, which is the same whatever the layout of the base files, so the layout matters to pandas "
        "only: its row filters use the Parquet statistics, so wherever the layout lets them skip row groups "
        "pandas reads little more than the rows it keeps. The build publishes the single file, which gives "
        "pandas no such help; the other layouts show what a network publishing files sorted for a reader's "
        "filters would give pandas."
    )
    return caption, table


def _add_checks(section: Section, by_size: list[SizeResult]) -> None:
    for size in by_size:
        label = _rows_label(size.release.shape.rows)
        if size.requested_rows == SPEEDUP_SIZE:
            for result in size.results:
                if result.query in SPEEDUP_TARGET_QUERIES:
                    subject = f"{result.query.label} at {label} rows: speed-up over pandas"
                    speedup = result.speedup or 0.0
                    section.checks.append(Check("Query engine", subject, speedup, SPEEDUP_TARGET))
        if size.requested_rows == LARGE_SIZE:
            for result in size.results:
                if result.query in LARGE_TARGET_QUERIES:
                    subject = f"{result.query.label} at {label} rows: DuckDB median"
                    timing = result.duckdb.median_ms
                    section.checks.append(Check("Query engine", subject, timing, LARGE_TARGET))
    targeted = " and ".join(query.label for query in LARGE_TARGET_QUERIES)
    if any(size.requested_rows == LARGE_SIZE for size in by_size):
        section.findings.append(
            f"At {_rows_label(LARGE_SIZE)} rows the targets ({LARGE_TARGET.describe()}) are on {targeted}. "
            f"The Data page shows a selection {PAGE_ROWS:,} rows a page (`queries.PAGE_ROWS`): it waits for "
            "the count of the rows that match (`observation_count.sql`) and for the page's rows, so both are "
            "timed together; the profile above is of the page's rows. The whole selection is what a download "
            "of it fetches."
        )
    else:
        section.findings.append(
            f"The {_rows_label(LARGE_SIZE)}-row targets ({targeted}, {LARGE_TARGET.describe()}) were not "
            "measured: this run's sizes stop below it."
        )
