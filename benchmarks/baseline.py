"""The baseline of the query benchmark: what a journalist does with the published base files and pandas.

Each function is the twin of one of the dashboard's SQL files (`benchmarks.queries.QUERIES`): `read_parquet`
with column and row filters, then the joins of `views.sql` and the filters and sort of the SQL file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from sdcf_metrics.queries import PAGE_ROWS

from .synthetic import SyntheticRelease

if TYPE_CHECKING:
    from .queries import Choices


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


_DATASET_TEXT = ("city", "region", "facility", "place", "breakdown", "period_start", "rate_per", "notes")


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
        "city", "country", "region", "scope", "facility", "place", "metric", "metric_label", "breakdown",
        "period_kind", "period_start", "period_end", "value", "value_low", "value_high", "status",
        "qualifier", "rate_per", "unit", "counted_as", "source_title", "source_publisher", "source_url",
        "quote", "notes", "observation_id",
    ]  # fmt: skip
    return rows[columns]


def pandas_first_page(release: SyntheticRelease, choices: Choices) -> pd.DataFrame:
    """A journalist's first page: the whole selection, joined and sorted, then its first rows."""
    return pandas_table_page(release, choices).head(PAGE_ROWS)
