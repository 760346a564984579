"""The data table: every observation, narrowed by a search and filters, shown and exported as published.

The same rows feed the table on screen and the "download these rows" files, so what a journalist sees
is exactly what they take away. The search text is only ever a bound parameter; LIKE wildcards in it are
escaped so that `50%` looks for "50%", not for anything starting with "50".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import pandas as pd
import pyarrow as pa
from pandas.io.formats.style import Styler

from .attribution import DATA_LICENCE_NOTE, PROJECT_NAME, citation
from .export import to_csv_bytes, to_parquet_bytes, to_xlsx_bytes
from .figures import describe_value
from .i18n import format_number, t
from .periods import period_label
from .store import Store
from .vocabulary import PERIOD_KINDS, SCOPES, label

SEARCH_MAX_LENGTH = 200
_LIKE_SPECIAL = ("\\", "%", "_")


@dataclass(frozen=True)
class TableFilter:
    """What the visitor narrowed the table to; an empty tuple means "no filter" on that column."""

    search: str = ""
    city_ids: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    metric_ids: tuple[str, ...] = ()
    period_kinds: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()

    @property
    def is_everything(self) -> bool:
        """True when nothing narrows the table."""
        return not self.search.strip() and not any(
            getattr(self, field.name) for field in fields(self) if field.name != "search"
        )

    def query_params(self) -> dict[str, Any]:
        """The bound parameters of `observation_table.sql`: escaped search text, lists or NULL."""
        return {
            "search": like_escape(self.search.strip()[:SEARCH_MAX_LENGTH]),
            "city_ids": list(self.city_ids) or None,
            "countries": list(self.countries) or None,
            "metric_ids": list(self.metric_ids) or None,
            "period_kinds": list(self.period_kinds) or None,
            "scopes": list(self.scopes) or None,
        }

    def describe(self) -> str:
        """The selection in words, for the About sheet of a download of these rows."""
        parts = [t("search “{text}”", text=self.search.strip())] if self.search.strip() else []
        named = (
            (t("cities"), self.city_ids),
            (t("countries and areas"), self.countries),
            (t("metrics"), self.metric_ids),
            (t("period kinds"), self.period_kinds),
            (t("scopes"), self.scopes),
        )
        parts.extend(f"{name}: {', '.join(values)}" for name, values in named if values)
        return "; ".join(parts) or t("all figures")


def like_escape(text: str) -> str:
    """Make LIKE's wildcards (`%`, `_`) and its escape character literal, for `ESCAPE '\\'`."""
    for special in _LIKE_SPECIAL:
        text = text.replace(special, "\\" + special)
    return text


def observation_rows(store: Store, table_filter: TableFilter) -> pa.Table:
    """The dataset's rows that pass the filter, in the export's columns and order."""
    return store.query("observation_table", **table_filter.query_params())


# What a reader sees: one column per question they ask of a figure, in the order they ask it.
DISPLAY_COLUMNS = (
    "City",
    "Country or area",
    "Metric",
    "Breakdown",
    "Value",
    "Unit",
    "Period",
    "Period kind",
    "Counted as",
    "Facility",
    "Scope",
    "Region",
    "Source",
    "Publisher",
    "URL or citation",
    "Quote",
    "Notes",
    "ID",
)


# Widths in pixels for the columns whose first rows would otherwise set them too narrow or too wide.
DISPLAY_WIDTHS = {
    "Metric": 190,
    "Value": 150,
    "Period": 230,
    "Counted as": 240,
    "Facility": 220,
    "Source": 260,
    "URL or citation": 260,
    "Quote": 420,
    "Notes": 320,
}


def _display_record(row: Mapping[str, Any], metric_kind: str) -> tuple[str, ...]:
    return (
        row["city"],
        row["country"],
        row["metric_label"],
        row["breakdown"],
        describe_value({**row, "metric_kind": metric_kind}),
        row["unit"],
        period_label(row["period_kind"], row["period_start"] or None, row["period_end"]),
        label(PERIOD_KINDS, row["period_kind"]),
        row["counted_as"],
        row["facility"],
        label(SCOPES, row["scope"]),
        row["region"],
        row["source_title"],
        row["source_publisher"],
        row["source_url"],
        row["quote"],
        row["notes"],
        row["observation_id"],
    )


def display_frame(rows: pa.Table, metric_kinds: Mapping[str, str]) -> pd.DataFrame:
    """The rows as people read them: the value in the source's terms (a withheld small count as "<10"),
    the period as the source gave it. `metric_kinds` maps metric ids to kinds (count, rate...)."""
    records = [_display_record(row, metric_kinds[row["metric"]]) for row in rows.to_pylist()]
    return pd.DataFrame(records, columns=[t(name) for name in DISPLAY_COLUMNS])


def coverage_frame(coverage: pa.Table) -> pd.DataFrame:
    """Cities down, metrics across, the number of figures in each cell (0 where there is none)."""
    long = coverage.to_pandas()
    wide = long.pivot_table(
        index=["city", "country"], columns="metric", values="figures", aggfunc="sum", sort=True
    )
    wide.columns = [str(column) for column in wide.columns]
    wide.insert(0, t("Metrics with a figure"), (wide > 0).sum(axis="columns"))
    wide.insert(0, t("All figures"), wide.iloc[:, 1:].sum(axis="columns"))
    wide = wide.reset_index().rename(columns={"city": t("City"), "country": t("Country")})
    return wide.astype({column: "int64" for column in wide.columns[2:]})


def sources_frame(sources: pa.Table) -> pd.DataFrame:
    """Every source once, with where to find it and how many figures it gave."""
    records = [
        (
            row["title"],
            row["publisher"],
            row["date"] or "",
            row["observations"],
            row["url"] or row["document"] or "",
            row["licence_note"] or "",
            row["source_id"],
        )
        for row in sources.to_pylist()
    ]
    columns = ("Title", "Publisher", "Date", "Figures", "URL or citation", "Licence note", "ID")
    return pd.DataFrame(records, columns=[t(name) for name in columns])


# The About sheet explains every column of a download; a test keeps this list complete.
COLUMN_DEFINITIONS = {
    "city": "City the figure is about (empty for a country, region or several countries).",
    "country": "Country; for figures about several countries, the area as the source names it (e.g. EU).",
    "region": "Region, Land or canton, for figures about a region.",
    "scope": "What the figure covers: one facility, a city, a region, a country or several countries.",
    "facility": "The facility, for figures about one facility.",
    "metric": "Metric id in the catalogue (see the Methodology page for its definition).",
    "metric_label": "Metric name.",
    "breakdown": "Empty for a total; otherwise the part of a total, as dimension=value (e.g. sex=female).",
    "period_kind": "day, month, year, span, since_opening (cumulative) or snapshot (a stock at a date).",
    "period_start": "First day, month or year of the period, as precise as the source; may be empty for "
    "since_opening.",
    "period_end": "Last day, month or year of the period, as precise as the source.",
    "value": "The figure as the source gives it; empty for a range.",
    "value_low": "Lower end of a range.",
    "value_high": "Upper end of a range.",
    "status": "ok, or why the value is withheld: suppressed_small (a count below the small-count threshold "
    "in a breakdown) or suppressed_secondary (withheld so that a small count cannot be worked out).",
    "qualifier": "exact, about, more_than, at_least, less_than, up_to, nearly or range, from the source's "
    "wording.",
    "rate_per": "Set when the value is an average per day, week, month or year; then it is not a total.",
    "unit": "What one unit of the value is (persons, visits, syringes...).",
    "counted_as": "The source's own words for what was counted.",
    "source_title": "Title of the source.",
    "source_publisher": "Publisher of the source.",
    "source_url": "Address of the source, or a citation when it has no address.",
    "quote": "The sentence or table cell in which the source gives the figure.",
    "notes": "How the figure was read or placed, and anything to check before using it.",
    "observation_id": "Stable id of the figure in this dataset.",
}


def about_rows(
    data_version: str, published_on: str, row_count: int, selection: str = ""
) -> list[tuple[str, str]]:
    """The About sheet: what the file is, which release, under which licence, how to cite each column."""
    rows = [
        (
            t("Dataset"),
            t("{project}: sourced evidence on supervised drug consumption facilities", project=PROJECT_NAME),
        ),
        (t("Data version"), data_version),
        (t("Published"), published_on),
        (t("Licence"), t(DATA_LICENCE_NOTE)),
        (t("How to cite"), citation(data_version, published_on)),
        (t("Rows"), format_number(row_count)),
    ]
    if selection:
        rows.append((t("Selection"), selection))
    rows.append((t("Columns"), t("Each column of the data sheet:")))
    rows.extend((column, t(definition)) for column, definition in COLUMN_DEFINITIONS.items())
    return rows


@dataclass(frozen=True)
class DownloadFile:
    """One file offered for download: its bytes and how the browser should save them."""

    label: str
    file_name: str
    mime: str
    data: bytes


_FORMATS = (
    ("CSV", "csv", "text/csv"),
    ("Excel", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("Parquet", "parquet", "application/vnd.apache.parquet"),
)


def file_stem(data_version: str, selected_rows: int | None = None) -> str:
    """`sdcf-metrics-<version>`, or `sdcf-metrics-<version>-selection-<n>-figures` for a filtered view."""
    stem = f"{PROJECT_NAME}-{data_version}"
    if selected_rows is None:
        return stem
    return f"{stem}-selection-{selected_rows}-{'figure' if selected_rows == 1 else 'figures'}"


def dataset_files(
    rows: pa.Table, data_version: str, published_on: str, selection: str = ""
) -> list[DownloadFile]:
    """The rows as CSV, Excel (with an About sheet) and Parquet (with the citation in its metadata).

    Pass `selection` (the filter in words) for a filtered view; its file names then say so.
    """
    about = about_rows(data_version, published_on, rows.num_rows, selection)
    stem = file_stem(data_version, rows.num_rows if selection else None)
    described = rows.replace_schema_metadata(
        {
            "data_version": data_version,
            "licence": DATA_LICENCE_NOTE,
            "citation": citation(data_version, published_on),
        }
    )
    payloads = {
        "csv": to_csv_bytes(rows),
        "xlsx": to_xlsx_bytes(rows, about),
        "parquet": to_parquet_bytes(described),
    }
    return [
        DownloadFile(label, f"{stem}.{extension}", mime, payloads[extension])
        for label, extension, mime in _FORMATS
    ]


def distinct(rows: pa.Table, column: str) -> Sequence[str]:
    """The distinct non-empty values of a text column, sorted: options for a filter."""
    return sorted({value for value in rows.column(column).to_pylist() if value})


def style_coverage(coverage: pd.DataFrame) -> Styler:
    """Counts as numbers (so the table still sorts), with a grey dash where a metric has no figure."""
    counts = list(coverage.columns[2:])
    return coverage.style.format(
        lambda count: "–" if count == 0 else format_number(count), subset=counts
    ).map(lambda count: "color: #8a8a8a" if count == 0 else "", subset=counts)


def table_height(row_count: int, tallest: int = 560) -> int:
    """Pixels that fit the rows (no empty grid under a short result), up to `tallest`, then it scrolls."""
    return min(tallest, 38 + 35 * max(row_count, 1))
