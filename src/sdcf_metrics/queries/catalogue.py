"""Queries about the dataset as a whole: the metric catalogue, the sources, the counts and the coverage."""

from __future__ import annotations

from typing import cast

import pyarrow as pa
import pyarrow.compute as pc

from ..store import Store
from .results import by_label, cached_rows, cached_table, localised_labels
from .rows import CatalogueMetric, ComparedMetric, DatasetCounts, Metric, MetricCoverage, Source


def metrics(store: Store) -> list[Metric]:
    """The metric catalogue, by id."""
    return cast(list[Metric], cached_rows(store, "metrics"))


def metric_catalogue(store: Store) -> list[CatalogueMetric]:
    """The metric catalogue by label (in the reader's language), with the number of figures of each metric."""
    return cast(list[CatalogueMetric], by_label(cached_rows(store, "metric_catalogue")))


def compare_metrics(store: Store) -> list[ComparedMetric]:
    """The metrics cities report totals for (populations left out: they divide, they are not compared), by
    label in the reader's language."""
    return cast(list[ComparedMetric], by_label(cached_rows(store, "compare_metrics")))


def sources(store: Store) -> list[Source]:
    """Every source, by id, with the number of figures taken from it."""
    return cast(list[Source], cached_rows(store, "sources"))


def source_table(store: Store) -> pa.Table:
    """`sources` as the Arrow table the store keeps: the same object on every rerun, so what is made from
    it (the Data page's table of sources) is made once."""
    return cached_table(store, "sources")


def dataset_summary(store: Store) -> DatasetCounts:
    """How many cities, countries, facilities, figures and sources the dataset holds, and its years."""
    return cast(DatasetCounts, cached_rows(store, "dataset_summary")[0])


def coverage(store: Store) -> pa.Table:
    """How many figures each city has for each metric, zero included (columns: `COVERAGE_COLUMNS`)."""
    return localised_labels(store, cached_table(store, "coverage"), "metric_id", "metric")


def metric_coverage(store: Store, metric_id: str) -> list[MetricCoverage]:
    """`coverage` of one metric: each city's id and number of figures of it. A page asks on every rerun,
    so this filters the kept table rather than turning every city's every metric into rows."""
    table = cached_table(store, "coverage")
    chosen = table.filter(pc.equal(table["metric_id"], metric_id))
    return cast(list[MetricCoverage], chosen.select(["city_id", "metric_id", "figures"]).to_pylist())
