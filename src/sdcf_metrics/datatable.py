"""The data table: every observation, narrowed by a search and filters, shown and exported as published.

The same rows (`queries.observation_table`) feed the table on screen, the "download these rows" files and
the command-line export, so what a journalist sees is exactly what they take away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from .attribution import DATA_LICENCE_NOTE, PROJECT_NAME, citation, source_citation
from .cache import ResultCache, content_digest
from .export import XLSX_MIME, to_csv_bytes, to_parquet_bytes, to_xlsx_bytes
from .figures import describe_value
from .i18n import current_language, format_number, t
from .periods import period_label
from .untrusted import web_address
from .vocabulary import PERIOD_KINDS, SCOPES, SOURCE_KINDS, label

# What a reader sees: one column per question they ask of a figure, in the order they ask it. Place,
# period, value and how far it can be trusted come first, visible without scrolling.
DISPLAY_COLUMNS = (
    "City",
    "Where",
    "Period",
    "Value",
    "Metric",
    "Source kind",
    "Sources disagree",
    "Period kind",
    "Counted as",
    "Unit",
    "Breakdown",
    "Country or area",
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
    "Where": 200,
    "Metric": 190,
    "Value": 150,
    "Period": 230,
    "Source kind": 170,
    "Sources disagree": 220,
    "Counted as": 240,
    "Source": 260,
    "Quote": 420,
    "Notes": 320,
}


def _where(row: Mapping[str, Any]) -> str:
    """The facility or the named place (a street, a district, an operator), or the scope in words."""
    return row["facility"] or row["place"] or label(SCOPES, row["scope"])


def _evidence(row: Mapping[str, Any]) -> str:
    """What other sources say (from the export's `conflict` text), and whether only a seed article gives
    the figure."""
    parts = [t("Sources disagree: {others}", others=row["conflict"])] if row["conflict"] else []
    if row["seed_only"]:
        parts.append(t("Found only in a seed article"))
    return " · ".join(parts)


def _display_record(row: Mapping[str, Any], metric_kind: str) -> tuple[str, ...]:
    return (
        row["city"],
        _where(row),
        period_label(row["period_kind"], row["period_start"] or None, row["period_end"]),
        describe_value({**row, "metric_kind": metric_kind}),
        row["metric_label"],
        label(SOURCE_KINDS, row["source_kind"]),
        _evidence(row),
        label(PERIOD_KINDS, row["period_kind"]),
        row["counted_as"],
        row["unit"],
        row["breakdown"],
        row["country"],
        label(SCOPES, row["scope"]),
        row["region"],
        row["source_title"],
        row["source_publisher"],
        row["source_url"],
        row["quote"],
        row["notes"],
        row["observation_id"],
    )


# Display frames by content and language: a filter change often shows rows shown before, and formatting
# every value again was most of the Data page's rerun. The frames are shared: never change one.
DISPLAY_FRAMES = ResultCache(max_entries=32, max_bytes=32 * 1024**2)

# What the coverage table shows where the dataset holds no figure: not a zero, which a source could give.
NO_FIGURE = "–"


def display_frame(rows: pa.Table, metric_kinds: Mapping[str, str]) -> pd.DataFrame:
    """The rows as people read them: the value in the source's terms (a withheld small count as "<10"),
    the period as the source gave it. `metric_kinds` maps metric ids to kinds (count, rate...). Made once
    for the same rows and kinds in the reader's language."""
    key = ("display", current_language(), content_digest(rows), tuple(sorted(metric_kinds.items())))
    return DISPLAY_FRAMES.get_or_compute(key, lambda: _display_frame(rows, metric_kinds))


def _display_frame(rows: pa.Table, metric_kinds: Mapping[str, str]) -> pd.DataFrame:
    records = [_display_record(row, metric_kinds[row["metric"]]) for row in rows.to_pylist()]
    return pd.DataFrame(records, columns=[t(name) for name in DISPLAY_COLUMNS])


def coverage_frame(coverage: pa.Table) -> pd.DataFrame:
    """Cities down, metrics across, the number of figures in each cell, missing where the dataset holds
    none (the page shows `NO_FIGURE` there), and each city's totals; made once per content and language.

    The counts stay numbers, so the table sorts as numbers. A missing cell is drawn by the table itself
    (`st.dataframe`'s placeholder), not by a pandas Styler: styling some 3,000 cells on every rerun of
    the coverage view took about 70 ms of its 90."""
    key = ("coverage", current_language(), content_digest(coverage))
    return DISPLAY_FRAMES.get_or_compute(key, lambda: _coverage_frame(coverage))


def _coverage_frame(coverage: pa.Table) -> pd.DataFrame:
    long = coverage.to_pandas()
    wide = long.pivot_table(
        index=["city", "country"], columns="metric", values="figures", aggfunc="sum", sort=True
    )
    wide.columns = [str(column) for column in wide.columns]
    metrics = list(wide.columns)
    wide.insert(0, t("Metrics with a figure"), (wide > 0).sum(axis="columns"))
    wide.insert(0, t("All figures"), wide[metrics].sum(axis="columns"))
    wide = wide.reset_index().rename(columns={"city": t("City"), "country": t("Country")})
    wide = wide.astype({column: "int64" for column in wide.columns[2:]})
    wide[metrics] = wide[metrics].astype("Int64").mask(wide[metrics] == 0)
    return wide


def sources_frame(sources: pa.Table) -> pd.DataFrame:
    """Every source once, with where to find it and how many figures it gave (`queries.source_table`);
    made once per content and language (386 sources took 2.5 ms of every rerun of the view)."""
    key = ("sources", current_language(), content_digest(sources))
    return DISPLAY_FRAMES.get_or_compute(key, lambda: _sources_frame(sources.to_pylist()))


def _sources_frame(sources: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
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
        for row in sources
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
    "place": "The part of the city (a street, a district) or the operator, as the source names it, for "
    "figures about part of a city or one operator's sites.",
    "metric": "Metric id in the catalogue (see the Methodology page for its definition).",
    "metric_label": "Metric name.",
    "breakdown": "Empty for a total; otherwise the part of a total, as dimension=value (e.g. sex=female).",
    "period_kind": "day, month, year, span, since_opening (cumulative) or snapshot (a stock at a date).",
    "period_start": "First day, month or year of the period, as precise as the source; may be empty for "
    "since_opening.",
    "period_end": "Last day, month or year of the period, as precise as the source.",
    "period_inferred": "true when the period is taken from the source's context (its date, 'last year'), "
    "not stated in the quote.",
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
    "source_kind": "How strong the source is for this figure: official_statistics, service_report, "
    "parliamentary_answer, authority_in_news, news_report, claim, secondary_copy or seed_article.",
    "seed_only": "true when the figure is found only in one of the seed articles the project started from.",
    "quote": "The sentence or table cell in which the source gives the figure.",
    "quote_form": "Empty for a sentence; table_cell for a table cell; table_reading for a value read from a "
    "table whose cells ran together (the notes say how it was split).",
    "notes": "How the figure was read or placed, and anything to check before using it.",
    "conflict": "Empty, or what other sources say for the same place, metric and period: the value as "
    "each words it, then its publisher, title and observation id. Sources disagree: check before using "
    "either.",
    "conflict_primary": "In a conflict, the observation id a headline leads with.",
    "conflict_reason": "In a conflict, why that source leads.",
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
    ("Excel", "xlsx", XLSX_MIME),
    ("Parquet", "parquet", "application/vnd.apache.parquet"),
)


def file_stem(data_version: str, selected_rows: int | None = None) -> str:
    """`sdcf-metrics-<version>`, or `sdcf-metrics-<version>-selection-<n>-figures` for a filtered view."""
    stem = f"{PROJECT_NAME}-{data_version}"
    if selected_rows is None:
        return stem
    return f"{stem}-selection-{selected_rows}-{'figure' if selected_rows == 1 else 'figures'}"


FORMATS = tuple(extension for _, extension, _ in _FORMATS)


def dataset_file(
    rows: pa.Table, data_version: str, published_on: str, extension: str, selection: str = ""
) -> DownloadFile:
    """The rows (`queries.observation_table`) as one file: CSV, Excel with an About sheet, or Parquet with
    the citation in its metadata. The command-line export and the Data page's downloads are made here.

    Pass `selection` (the filter in words) for a filtered view; its file names then say so.
    """
    label, file_name, mime = download_name(rows.num_rows, data_version, extension, selection)
    if extension == "csv":
        payload = to_csv_bytes(rows)
    elif extension == "xlsx":
        payload = to_xlsx_bytes(rows, about_rows(data_version, published_on, rows.num_rows, selection))
    else:
        metadata = {
            "data_version": data_version,
            "licence": DATA_LICENCE_NOTE,
            "citation": citation(data_version, published_on),
        }
        payload = to_parquet_bytes(rows.replace_schema_metadata(metadata))
    return DownloadFile(label, file_name, mime, payload)


def download_name(
    row_count: int, data_version: str, extension: str, selection: str = ""
) -> tuple[str, str, str]:
    """The label, file name and MIME type of the file of `row_count` rows in one format (`dataset_file`
    makes it): known before the rows are fetched, so a button can offer the file without them."""
    label, _, mime = next(entry for entry in _FORMATS if entry[1] == extension)
    return label, f"{file_stem(data_version, row_count if selection else None)}.{extension}", mime


def table_height(row_count: int, tallest: int = 560) -> int:
    """Pixels that fit the rows (no empty grid under a short result), up to `tallest`, then it scrolls."""
    return min(tallest, 38 + 35 * max(row_count, 1))


# Links in tables -------------------------------------------------------------------------------------------
# The columns that hold a source's address, or its citation when it has none.
LINK_COLUMNS = ("Link or reference", "URL or citation")
# What a link cell shows: the site's name (the first group), so a reader sees where it leads.
LINK_DISPLAY = r"^https?://(?:www\.)?([^/?#:]+)"


def with_links(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The frame with each source-address column (`LINK_COLUMNS`) holding web addresses only, and the
    names of those columns, to show as links. A citation or any other address (`javascript:`, `data:`)
    moves to a text column beside it, so it is read, never followed."""
    frame = frame.copy()
    linked = []
    for name in (t(column) for column in LINK_COLUMNS):
        if name not in frame.columns:
            continue
        values = frame[name].tolist()
        addresses = [web_address(value) for value in values]
        frame[name] = addresses
        others = [
            "" if address or pd.isna(value) else str(value)
            for value, address in zip(values, addresses, strict=True)
        ]
        if any(others):
            frame.insert(frame.columns.get_loc(name) + 1, t("Reference (not a web address)"), others)
        linked.append(name)
    return frame, linked


@dataclass(frozen=True)
class CitedSource:
    """A source as a chart's source line names it, and its web address (None when it has none)."""

    citation: str
    address: str | None


def chart_sources(table: pa.Table) -> list[CitedSource]:
    """The distinct sources of a chart's data table (its `Source` column, with `Publisher` and the link
    column where it has them), in order of first appearance."""
    names = set(table.column_names)
    if t("Source") not in names:
        return []
    size = table.num_rows
    titles = table.column(t("Source")).to_pylist()
    publishers = table.column(t("Publisher")).to_pylist() if t("Publisher") in names else [None] * size
    link = next((t(column) for column in LINK_COLUMNS if t(column) in names), None)
    links = table.column(link).to_pylist() if link else [None] * size
    found: dict[str, CitedSource] = {}
    for title, publisher, address in zip(titles, publishers, links, strict=True):
        if title:
            citation = source_citation(title, publisher)
            found.setdefault(citation, CitedSource(citation, web_address(address)))
    return list(found.values())
