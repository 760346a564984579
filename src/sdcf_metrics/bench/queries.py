"""The query engine at network scale: the dashboard's own SQL through the production store, against pandas.

For each size, a synthetic release is written to a temporary directory and opened exactly as the app
opens the real one (`store.open_sandboxed` with `views.sql`); the three queries are the ones the pages
run. The baseline does the same work with pandas: `read_parquet` with column and row filters, then the
joins, filters and sort of `views.sql` and the query. Both must return the same observation ids in the
same order, or the run stops: a fast wrong answer is not a result.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ..datatable import TableFilter, observation_rows
from ..store import Release, Store, load_sql, open_sandboxed
from .measure import Check, Target, Timing, format_value, time_runs
from .report import Section, Table
from .synthetic import LAYOUTS, Layout, Shape, SyntheticRelease, write_release

DEFAULT_SIZES = (1_000_000, 10_000_000)
LARGE_SIZE = 100_000_000
CHOSEN_LAYOUT: Layout = "by_metric"
SPEEDUP_TARGET = Target(10, "×", at_most=False)
SPEEDUP_SIZE = 10_000_000
TREND_TARGET = Target(100, "ms")
DUCKDB_RUNS = 9
PANDAS_RUNS = 5
FREE_DISK_NEEDED = 3 * 1024**3


class BaselineMismatch(RuntimeError):
    """DuckDB and pandas disagree on a query's rows, so their times cannot be compared."""


@dataclass(frozen=True)
class Choices:
    """What a visitor asks about: one city, five cities for a comparison, two metrics for the table."""

    city_id: str
    compared_city_ids: list[str]
    metric_id: str
    table_metric_ids: list[str]
    table_city_ids: list[str]

    @classmethod
    def for_release(cls, release: SyntheticRelease) -> Choices:
        cities = release.city_ids
        spread = [cities[index * len(cities) // 5] for index in range(min(5, len(cities)))]
        return cls(
            city_id=cities[len(cities) // 2],
            compared_city_ids=list(dict.fromkeys(spread)),
            metric_id=release.metric_ids[len(release.metric_ids) // 2],
            table_metric_ids=release.metric_ids[:2],
            table_city_ids=list(dict.fromkeys(spread[:3])),
        )


def open_store(release: SyntheticRelease) -> Store:
    """The production store over a synthetic release: same sandbox, same views, same SQL files."""
    connection = open_sandboxed(release.files, load_sql("views"))
    single_files = {name: files[0] for name, files in release.files.items() if len(files) == 1}
    info = Release(f"synthetic-{release.seed}", date.today().isoformat(), release.directory, single_files)
    return Store(info, connection)


# --- pandas: the same joins as views.sql -------------------------------------------------------------


def _read(release: SyntheticRelease, name: str, columns: list[str]) -> pd.DataFrame:
    return pd.read_parquet(release.files[name][0], columns=columns)


def _read_observations(release: SyntheticRelease, filters: list[tuple[str, str, object]]) -> pd.DataFrame:
    files = [str(path) for path in release.files["observations"]]
    return pd.read_parquet(files, filters=filters)


def pandas_details(observations: pd.DataFrame, release: SyntheticRelease) -> pd.DataFrame:
    """`observation_details` in pandas: observations joined to metrics, sources, cities and facilities."""
    metrics = _read(release, "metrics", ["metric_id", "label", "kind", "additive", "definition"]).rename(
        columns={"label": "metric", "kind": "metric_kind"}
    )
    sources = _read(
        release, "sources", ["source_id", "title", "publisher", "date", "url", "document", "licence_note"]
    )
    sources = pd.DataFrame(
        {
            "source_id": sources["source_id"],
            "source_title": sources["title"],
            "source_publisher": sources["publisher"],
            "source_date": sources["date"],
            "source_url": sources["url"].fillna(sources["document"]),
            "source_licence": sources["licence_note"],
        }
    )
    cities = _read(release, "cities", ["city_id", "name"]).rename(columns={"name": "city"})
    facilities = _read(release, "facilities", ["facility_id", "name"]).rename(columns={"name": "facility"})
    return (
        observations.merge(metrics, on="metric_id")
        .merge(sources, on="source_id")
        .merge(cities, on="city_id", how="left")
        .merge(facilities, on="facility_id", how="left")
    )


def pandas_city_trend(release: SyntheticRelease, choices: Choices) -> pd.DataFrame:
    """`city_observations.sql`: one city's totals, by metric, oldest first."""
    observations = _read_observations(release, [("city_id", "==", choices.city_id)])
    details = pandas_details(observations[observations["breakdown"].isna()], release)
    order = ["metric_id", "period_end_date", "period_start_date", "observation_id"]
    return details.sort_values(order, na_position="first", kind="stable")


def pandas_comparison(release: SyntheticRelease, choices: Choices) -> pd.DataFrame:
    """`metric_across_cities.sql`: one metric's totals for the compared cities."""
    observations = _read_observations(
        release, [("metric_id", "==", choices.metric_id), ("city_id", "in", choices.compared_city_ids)]
    )
    details = pandas_details(observations[observations["breakdown"].isna()], release)
    return details.sort_values(["city", "period_end_date", "observation_id"], kind="stable")


_DATASET_TEXT = ("city", "region", "facility", "breakdown", "period_start", "rate_per", "notes")


def pandas_table_page(release: SyntheticRelease, choices: Choices) -> pd.DataFrame:
    """`observation_table.sql` with cities, metrics and a period kind chosen: the Data page's rows."""
    observations = _read_observations(
        release,
        [
            ("city_id", "in", choices.table_city_ids),
            ("metric_id", "in", choices.table_metric_ids),
            ("period_kind", "in", ["month"]),
        ],
    )
    details = pandas_details(observations, release)
    details = details.assign(
        city_missing=details["city"].isna(),
        region_present=details["region"].notna(),
    ).sort_values(
        [
            "city_missing",
            "city",
            "country",
            "region_present",
            "region",
            "metric",
            "period_end_date",
            "observation_id",
        ],
        kind="stable",
    )
    rows = details.rename(columns={"metric_id": "metric", "metric": "metric_label"})
    for column in _DATASET_TEXT:
        rows[column] = rows[column].fillna("")
    columns = [
        "city", "country", "region", "scope", "facility", "metric", "metric_label", "breakdown",
        "period_kind", "period_start", "period_end", "value", "value_low", "value_high", "status",
        "qualifier", "rate_per", "unit", "counted_as", "source_title", "source_publisher", "source_url",
        "quote", "notes", "observation_id",
    ]  # fmt: skip
    return rows[columns]


# --- the dashboard's queries, through the store -----------------------------------------------------


@dataclass(frozen=True)
class EngineQuery:
    """One query the dashboard runs, and the pandas code that returns the same rows."""

    label: str
    sql_file: str
    through_store: Callable[[Store, Choices], pa.Table]
    with_pandas: Callable[[SyntheticRelease, Choices], pd.DataFrame]


QUERIES = (
    EngineQuery(
        "City trend (one city, all metrics)",
        "city_observations.sql",
        lambda store, choices: store.query("city_observations", city_id=choices.city_id),
        pandas_city_trend,
    ),
    EngineQuery(
        "Comparison (one metric, five cities)",
        "metric_across_cities.sql",
        lambda store, choices: store.query(
            "metric_across_cities", metric_id=choices.metric_id, city_ids=choices.compared_city_ids
        ),
        pandas_comparison,
    ),
    EngineQuery(
        "Data table (three cities, two metrics, monthly)",
        "observation_table.sql",
        lambda store, choices: observation_rows(
            store,
            TableFilter(
                city_ids=tuple(choices.table_city_ids),
                metric_ids=tuple(choices.table_metric_ids),
                period_kinds=("month",),
            ),
        ),
        pandas_table_page,
    ),
)
TREND_QUERIES = QUERIES[:2]


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
class QueryResult:
    query: EngineQuery
    rows: int
    duckdb: Timing
    pandas: Timing | None

    @property
    def speedup(self) -> float | None:
        return self.pandas.median_ms / self.duckdb.median_ms if self.pandas else None


@dataclass(frozen=True)
class SizeResult:
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
            table = query.through_store(store, choices)
            pandas_timing = None
            if with_pandas:
                check_same_rows(query, table, query.with_pandas(release, choices))
                pandas_timing = time_runs(lambda q=query: q.with_pandas(release, choices), pandas_runs)
            duckdb_timing = time_runs(lambda q=query: q.through_store(store, choices), duckdb_runs)
            results.append(QueryResult(query, table.num_rows, duckdb_timing, pandas_timing))
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
        raise RuntimeError(f"Only {free / 1024**3:.1f} GiB free in {directory}; the benchmark needs 3 GiB.")


def _rows_label(rows: int) -> str:
    return f"{rows / 1_000_000:,.0f}M" if rows >= 1_000_000 else f"{rows:,}"


@dataclass(frozen=True)
class QueryBenchmark:
    sizes: Sequence[int]
    layout_size: int | None
    seed: int


def run(benchmark: QueryBenchmark, log: Callable[[str], None] = print) -> Section:
    """Generate each size in a temporary directory, time the queries, and delete the files again."""
    by_size: list[SizeResult] = []
    by_layout: dict[Layout, tuple[SyntheticRelease, float, list[QueryResult]]] = {}
    scratch = Path(tempfile.mkdtemp(prefix="sdcf-bench-"))
    try:
        for rows in benchmark.sizes:
            _ensure_disk(scratch)
            log(f"queries: generating {_rows_label(rows)} rows ({CHOSEN_LAYOUT})")
            release, seconds = _generate(
                scratch / f"{rows}-{CHOSEN_LAYOUT}", rows, benchmark.seed, CHOSEN_LAYOUT
            )
            log(f"queries: timing {_rows_label(release.shape.rows)} rows")
            results = measure_release(
                release, with_pandas=True, pandas_runs=PANDAS_RUNS if rows < LARGE_SIZE else 3
            )
            by_size.append(SizeResult(release, seconds, results))
            if rows == benchmark.layout_size:
                by_layout[CHOSEN_LAYOUT] = (release, seconds, results)
            else:
                shutil.rmtree(release.directory)
        for layout in LAYOUTS:
            if benchmark.layout_size is None or layout in by_layout:
                continue
            log(f"queries: layout {layout} at {_rows_label(benchmark.layout_size)} rows")
            release, seconds = _generate(
                scratch / f"layout-{layout}", benchmark.layout_size, benchmark.seed, layout
            )
            by_layout[layout] = (release, seconds, measure_release(release, with_pandas=False))
            shutil.rmtree(release.directory)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return _section(by_size, by_layout, benchmark)


def _section(
    by_size: list[SizeResult],
    by_layout: dict[Layout, tuple[SyntheticRelease, float, list[QueryResult]]],
    benchmark: QueryBenchmark,
) -> Section:
    largest = by_size[-1].release.shape
    section = Section(
        "Query engine at network scale",
        "Synthetic releases in the production extract schema (every text labelled synthetic, numbers from "
        f"`numpy.random.default_rng({benchmark.seed})`), written to a temporary directory and opened "
        "through the production store (`store.open_sandboxed` with `views.sql`, 2 threads, 2 GB). "
        f"Largest network: {largest.facilities:,} facilities, {largest.metrics} metrics, {largest.months} "
        "monthly periods, a total and 7 breakdowns each. Layout: "
        f"{LAYOUTS[CHOSEN_LAYOUT]}. DuckDB: median of {DUCKDB_RUNS} runs after one warm-up; pandas "
        "(`read_parquet` with row filters, then the same joins, filters and sort): median of "
        f"{PANDAS_RUNS} (3 at 100M). Both engines returned the same observation ids in the same order "
        "for every query.",
    )
    timings = Table(("Rows", "Query", "Result rows", "DuckDB median", "pandas median", "Speed-up"))
    growth = Table(("Query", *(_rows_label(size.release.shape.rows) for size in by_size), "Growth"))
    for size in by_size:
        for result in size.results:
            timings.add(
                f"{size.release.shape.rows:,}",
                f"{result.query.label} (`{result.query.sql_file}`)",
                f"{result.rows:,}",
                format_value(result.duckdb.median_ms, "ms"),
                format_value(result.pandas.median_ms, "ms") if result.pandas else "",
                format_value(result.speedup, "×") if result.speedup else "",
            )
    for index, query in enumerate(QUERIES):
        medians = [size.results[index].duckdb.median_ms for size in by_size]
        growth.add(
            query.label,
            *(format_value(median, "ms") for median in medians),
            _growth_words(by_size, medians),
        )
    section.tables.append(("", timings))
    section.tables.append(("How DuckDB's time grows with the number of rows:", growth))
    files = Table(("Rows", "Files", "Size on disk", "Generation"))
    for size in by_size:
        files.add(
            f"{size.release.shape.rows:,}",
            str(len(size.release.files["observations"])),
            format_value(size.release.observation_bytes / 1024**2, "MB"),
            format_value(size.generation_s, "s"),
        )
    section.tables.append(("The generated observation extracts:", files))
    if by_layout:
        section.tables.append(_layout_table(by_layout))
    _add_checks(section, by_size)
    return section


def _growth_words(by_size: list[SizeResult], medians: list[float]) -> str:
    if len(medians) < 2:
        return ""
    row_factor = by_size[-1].release.shape.rows / by_size[0].release.shape.rows
    return f"{medians[-1] / medians[0]:.1f}× the time for {row_factor:.0f}× the rows"


def _layout_table(
    by_layout: dict[Layout, tuple[SyntheticRelease, float, list[QueryResult]]],
) -> tuple[str, Table]:
    table = Table(("Layout", "Files", "Size", "Generation", *(query.label for query in QUERIES)))
    for layout, (release, seconds, results) in by_layout.items():
        table.add(
            f"{LAYOUTS[layout]}{' (chosen)' if layout == CHOSEN_LAYOUT else ''}",
            str(len(release.files["observations"])),
            format_value(release.observation_bytes / 1024**2, "MB"),
            format_value(seconds, "s"),
            *(format_value(result.duckdb.median_ms, "ms") for result in results),
        )
    rows = next(iter(by_layout.values()))[0].shape.rows
    return (f"Layouts compared at {rows:,} rows (DuckDB medians; the chosen layout is used above):", table)


def _add_checks(section: Section, by_size: list[SizeResult]) -> None:
    for size in by_size:
        label = _rows_label(size.release.shape.rows)
        if size.release.shape.rows >= SPEEDUP_SIZE * 0.9 and size.release.shape.rows < LARGE_SIZE * 0.9:
            for result in size.results:
                section.checks.append(
                    Check(
                        "Query engine",
                        f"{result.query.label} at {label} rows: speed-up over pandas",
                        result.speedup or 0.0,
                        SPEEDUP_TARGET,
                    )
                )
        if size.release.shape.rows >= LARGE_SIZE * 0.9:
            for result in size.results[: len(TREND_QUERIES)]:
                section.checks.append(
                    Check(
                        "Query engine",
                        f"{result.query.label} at {label} rows: DuckDB median",
                        result.duckdb.median_ms,
                        TREND_TARGET,
                    )
                )
    if all(size.release.shape.rows < LARGE_SIZE * 0.9 for size in by_size):
        section.findings.append(
            f"The 100M-row target (trend queries {TREND_TARGET.describe()}) is measured with `--large`."
        )
