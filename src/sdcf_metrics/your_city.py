"""The "Your city" page's logic: a visitor's checked upload beside the published cities, never published.

`upload.preview_upload` reads, checks and protects a file; this module turns the result into what the page
shows. Two stores are read: the published one for the cities compared (exactly what Compare cities
shows), and the short-lived store `Store.with_upload` opens for one script run for the visitor's own
figures (and, on the trend chart, their city's published figures with any correction applied).

Uploaded figures are moved to a preview city (`upload:<city_id>`) named "<city> (not published)", so the
builders of City trends and Compare cities draw them as a city of their own: every label, hover, legend,
summary and table those builders make says "not published", and a city's published figures and its
uploaded ones never share a series or a comparison row. Figures are shown beside each other, never added
to or subtracted from each other, so no "total minus your city" figure exists anywhere (R-1.7).

Nothing here caches or writes: the upload lives in the uploader widget's session state, and everything is
recomputed from it on each run (a preview takes well under a second).
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pyarrow as pa

from .catalogue import FORMAT_FILE, methodology_sections
from .compare.comparison import ComparedValue
from .compare.describe import comparison_table
from .compare.normalise import Denominators
from .export import to_csv_bytes
from .figures import describe_value
from .i18n import format_number, t
from .pipeline.cells import NO_COLUMN, WHOLE_FILE, Problem
from .pipeline.disclosure import DisclosureReport
from .pipeline.upload.preview import UploadPreview, preview_upload, problems_table
from .pipeline.upload.read import MAX_UPLOAD_BYTES, display_name
from .schema import UPLOAD
from .store import Store
from .trends import Series, breakdown_table, plot_date, split_series, trend_table
from .untrusted import escape_markdown, markdown_link

Row = Mapping[str, Any]

_log = logging.getLogger(__name__)

PREVIEW_PREFIX = "upload:"
# Tab-separated text is what Excel's "Unicode Text" writes, as .txt; the reader decides by content anyway.
UPLOAD_TYPES = ("csv", "tsv", "txt", "xlsx")
MAX_UPLOAD_MEGABYTES = MAX_UPLOAD_BYTES // 1_000_000  # decimal, as the browser's uploader counts
EXAMPLE_FILE = "template.csv"
TEMPLATE_FILE = "sdcf-metrics-upload-template"
PROBLEMS_FILE = "problems-in-your-file.csv"

# The tabs that explain the format, each holding sections of the package's docs/data-format.md (by heading).
FORMAT_TABS: dict[str, tuple[str, ...]] = {
    "Columns": ("Columns",),
    "Metrics": ("Metrics",),
    "Periods": ("Periods",),
    "Values and qualifiers": ("Values and qualifiers",),
    "File types and numbers": ("The file",),
    "Breakdowns and small counts": ("Breakdowns",),
    "Sources, places and corrections": (
        "Sources and quotes",
        "Places",
        "Repeats and corrections",
        "Problems",
    ),
    "Publishing": ("For stewards: checking and publishing a file",),
}


# The format ---------------------------------------------------------------------------------------------


def format_summary() -> str:
    """The format in three sentences (project text; column names come from the schema)."""
    required = ", ".join(f"`{column.name}`" for column in UPLOAD.columns if column.required)
    return t(
        "One sheet, one row per figure, with the figure's source written out on the same row. Every row "
        "needs {required}; a `value` (or `value_low` and `value_high` for a range); and a `source_url` or, "
        "for a document that is not online, a `source_document`. The metric is an id from the catalogue, "
        "the period kind says what the figure covers (a year, a month, a total since opening...) and the "
        "qualifier says how the source words it (about, more than, a range...): the tabs explain each, "
        "and the template has an example row for each case.",
        required=required,
    )


def format_tab(label: str) -> str:
    """The Markdown of one format tab: its sections of the format document, the project's own text."""
    sections = methodology_sections(FORMAT_FILE)
    headings = FORMAT_TABS[label]
    if len(headings) == 1:
        return sections[headings[0]]
    return "\n\n".join(f"#### {heading}\n\n{sections[heading]}" for heading in headings)


def template_file_name(extension: str) -> str:
    return f"{TEMPLATE_FILE}.{extension}"


# Checking ------------------------------------------------------------------------------------------------


def check_upload(
    data: bytes, filename: str, store: Store, on_wait: Callable[[], None] | None = None
) -> UploadPreview:
    """`preview_upload`, with a plain problem instead of a traceback should reading ever fail.

    The reader is built to report every hostile file as a problem; this is the last line of defence for a
    public upload. It logs where the failure happened for the maintainers, but not the error's message,
    which may quote the file. `on_wait` is called if the file must wait for others to be read first.
    """
    try:
        return preview_upload(data, filename, store, on_wait=on_wait)
    except Exception as error:
        _log.error(
            "The upload preview failed (%s) on a file of %d bytes:\n%s",
            type(error).__name__,
            len(data),
            "".join(traceback.format_tb(error.__traceback__)),
        )
        name = display_name(filename)
        message = t(
            "the file could not be read; save it from the template as CSV UTF-8 or as an Excel workbook "
            "(.xlsx) and upload it again"
        )
        return UploadPreview(name, [Problem(name, WHOLE_FILE, NO_COLUMN, message)], [])


def status_label(preview: UploadPreview) -> str:
    """What the progress box says once the file is checked (Markdown: the file name is escaped)."""
    name = escape_markdown(preview.filename)
    if preview.ok:
        return t("{file}: checked, no problems", file=name)
    return t("{file}: problems found: {count}", file=name, count=format_number(len(preview.problems)))


def problems_summary(preview: UploadPreview) -> str:
    """What the error box says: how many problems in how many rows, and what happens to the other rows."""
    count = format_number(len(preview.problems))
    rejected = len(preview.rejected_rows)
    if not preview.has_preview:
        return t(
            "Problems found: {count}. Nothing is shown until they are fixed. Each one says where it is and "
            "how to fix it; correct them in your file and upload it again.",
            count=count,
        )
    return t(
        "Problems found: {count}, in {rejected} of the {read} rows. Those rows are listed with what to fix; "
        "the {passed} rows that passed every check are previewed beside them and below, so you can fix "
        "the file in one go and upload it again.",
        count=count,
        rejected=format_number(rejected),
        read=format_number(len(preview.row_numbers)),
        passed=format_number(len(preview.row_numbers) - rejected),
    )


def notes_markdown(notes: Sequence[str]) -> str:
    """How the file was read, one escaped bullet per note (notes quote the file's own text)."""
    return "\n".join(f"- {escape_markdown(note)}" for note in notes)


def problems_frame(problems: Sequence[Problem]) -> pa.Table:
    """Problems as the page lists them: the row as the spreadsheet numbers it (empty for the whole file),
    the column, and what is wrong with how to fix it. Messages quote the file's cells: escape every cell
    wherever Markdown renders them (`untrusted.escape_markdown_table` for `st.table`)."""
    columns = [
        problem.column
        if problem.column != NO_COLUMN
        else (t("whole file") if problem.row == WHOLE_FILE else t("whole row"))
        for problem in problems
    ]
    return pa.table(
        {
            t("Row"): pa.array(
                [str(problem.row) if problem.row else "" for problem in problems], pa.string()
            ),
            t("Column"): pa.array(columns, pa.string()),
            t("What is wrong and how to fix it"): pa.array(
                [problem.message for problem in problems], pa.string()
            ),
        }
    )


def problems_csv(problems: Sequence[Problem]) -> bytes:
    """The problem list to download: file, row, column, message, with formula-like text neutralised (the
    report echoes the file's own cells)."""
    return to_csv_bytes(problems_table(problems))


# What the upload holds ----------------------------------------------------------------------------------


def uploaded_ids(preview: UploadPreview) -> frozenset[str]:
    """The ids of the visitor's figures in the combined store (a correction keeps the published id)."""
    observations = preview.tables.get("observations")
    if observations is None:
        return frozenset()
    return frozenset(observations.column("observation_id").to_pylist())


@dataclass(frozen=True)
class FigureCounts:
    """How the file's figures relate to the published ones; `withheld` are parts the small-count rule
    left out, which the disclosure report explains."""

    new: int
    corrections: int
    repeats: int
    withheld: int

    @property
    def total(self) -> int:
        return self.new + self.corrections + self.repeats + self.withheld


def figure_counts(preview: UploadPreview) -> FigureCounts:
    corrections = len(preview.replaced_observation_ids)
    return FigureCounts(
        new=len(uploaded_ids(preview)) - corrections,
        corrections=corrections,
        repeats=len(preview.duplicate_rows),
        withheld=preview.disclosure.withheld_rows if preview.disclosure else 0,
    )


def counts_text(counts: FigureCounts, *, example: bool = False) -> str:
    """What the success box says: whose rows passed (the template's example rows before any file is
    uploaded, never "your file"), and how their figures relate to the published ones."""
    numbers = {
        "total": format_number(counts.total),
        "new": format_number(counts.new),
        "corrections": format_number(counts.corrections),
        "repeats": format_number(counts.repeats),
    }
    if example:
        return t(
            "The template's example rows passed every check. Figures in them: {total}. New: {new}; "
            "corrections of published figures: {corrections}; repeats of published figures (not added "
            "again): {repeats}.",
            **numbers,
        )
    return t(
        "Your file passed every check. Figures in it: {total}. New: {new}; corrections of published "
        "figures: {corrections}; repeats of published figures (not added again): {repeats}.",
        **numbers,
    )


def passed_table(rows: Sequence[Row], row_of: Mapping[str, int]) -> pa.Table:
    """The previewed figures (`queries.observations_by_id` on the preview store) by their row in the file,
    as the small-count rule leaves them: what a city officer checks before sending the file."""
    ordered = sorted(rows, key=lambda row: (row_of[row["observation_id"]], row["observation_id"]))
    return pa.table(
        {
            t("Row in your file"): pa.array([row_of[row["observation_id"]] for row in ordered], pa.int64()),
            t("City"): pa.array([row["city"] or "" for row in ordered], pa.string()),
            t("Metric"): pa.array([row["metric"] for row in ordered], pa.string()),
            t("Period"): pa.array([row["period_label"] for row in ordered], pa.string()),
            t("Figure"): pa.array([describe_value(row) for row in ordered], pa.string()),
            t("Counted as"): pa.array([row["counted_as"] for row in ordered], pa.string()),
            t("Source"): pa.array([row["source_title"] for row in ordered], pa.string()),
        }
    )


_EMAIL = re.compile(r"^[^@\s<>()\[\]]+@[^@\s<>()\[\]]+\.[A-Za-z]{2,}$")


def where_to_send(contact: str) -> str:
    """Where a checked file goes (`attribution.steward_contact`), as Markdown: an e-mail address or a web
    address as a link, any other text as text; when nobody is configured, say so plainly."""
    if not contact:
        return t(
            "Nothing is published from this page. To publish your figures, send the checked file to the "
            "dashboard's data stewards; this copy of the dashboard names no address for them, so ask "
            "whoever runs it."
        )
    if _EMAIL.match(contact):
        shown = f"[{escape_markdown(contact)}](mailto:{contact})"
    else:
        shown = markdown_link(contact, contact)
    return t(
        "Nothing is published from this page. To publish your figures, send the checked file to the "
        "dashboard's data stewards: {contact}. They check it again and publish it with its sources.",
        contact=shown,
    )


@dataclass(frozen=True)
class UploadedCity:
    """A city the file has figures for, and whether the dashboard already lists it."""

    city_id: str
    name: str
    in_dashboard: bool


def uploaded_cities(
    preview: UploadPreview, names: Mapping[str, str], published_ids: Iterable[str]
) -> list[UploadedCity]:
    """The file's cities by name; `names` holds every city of the combined store (stand-ins included)."""
    published = set(published_ids)
    return [
        UploadedCity(city_id, names[city_id], city_id in published)
        for city_id in sorted(preview.city_ids, key=lambda city_id: names[city_id].casefold())
    ]


def cities_markdown(cities: Sequence[UploadedCity]) -> str:
    """`**Cities:** Exampleville (new to the dashboard)`, names escaped."""
    parts = [
        t("{city} (in the dashboard)", city=escape_markdown(city.name))
        if city.in_dashboard
        else t("{city} (new to the dashboard)", city=escape_markdown(city.name))
        for city in cities
    ]
    return t("**Cities:** {cities}", cities="; ".join(parts))


def disclosure_lines(report: DisclosureReport | None) -> list[str]:
    """What the small-count rule did to the file, one line per kind of change that happened."""
    if report is None:
        return []
    lines = (
        (
            report.suppressed_small,
            t(
                "counts of 1 to {largest} in a breakdown, shown as <{threshold}: {count}",
                largest=format_number(report.threshold - 1),
                threshold=format_number(report.threshold),
                count=format_number(report.suppressed_small),
            ),
        ),
        (
            report.suppressed_secondary,
            t(
                "parts also withheld, so that a hidden count cannot be worked out from its total: {count}",
                count=format_number(report.suppressed_secondary),
            ),
        ),
        (
            report.withheld_rows,
            t(
                "parts not shown, as no choice of parts could protect them: {count}",
                count=format_number(report.withheld_rows),
            ),
        ),
        (
            report.withheld_quotes,
            t(
                "quotes withheld, because they state a hidden figure: {count}",
                count=format_number(report.withheld_quotes),
            ),
        ),
    )
    return [line for count, line in lines if count]


def disclosure_markdown(report: DisclosureReport | None) -> str:
    """The small-count rule's effect on the file, as the preview applies it before showing anything."""
    if report is None:
        return ""
    lines = disclosure_lines(report)
    if not lines:
        return t(
            "**Small counts:** no figure in your file needed protecting. Counts of 1 to {largest} people or "
            "events in a breakdown are never shown; they would read <{threshold}.",
            largest=format_number(report.threshold - 1),
            threshold=format_number(report.threshold),
        )
    heading = t("**Small counts:** the same rule as for published data was applied before anything is shown:")
    return "\n".join([heading, *(f"- {line}" for line in lines)])


def repeats_table(duplicate_rows: Mapping[int, str], published: Sequence[Row]) -> pa.Table:
    """The file's rows that repeat a published figure exactly, with that figure as published."""
    by_id = {row["observation_id"]: row for row in published}
    pairs = [(number, by_id[observation_id]) for number, observation_id in sorted(duplicate_rows.items())]
    return pa.table(
        {
            t("Row in your file"): pa.array([number for number, _ in pairs], pa.int64()),
            t("City"): pa.array([row["city"] or "" for _, row in pairs], pa.string()),
            t("Metric"): pa.array([row["metric"] for _, row in pairs], pa.string()),
            t("Period"): pa.array([row["period_label"] for _, row in pairs], pa.string()),
            t("Published figure"): pa.array([describe_value(row) for _, row in pairs], pa.string()),
            t("Source"): pa.array([row["source_title"] for _, row in pairs], pa.string()),
        }
    )


def corrections_table(published: Sequence[Row], yours: Sequence[Row]) -> pa.Table:
    """Each published figure the file corrects, as published and as the file has it (not published)."""
    by_id = {row["observation_id"]: row for row in yours}
    pairs = [(row, by_id[row["observation_id"]]) for row in published if row["observation_id"] in by_id]
    return pa.table(
        {
            t("City"): pa.array([old["city"] or "" for old, _ in pairs], pa.string()),
            t("Metric"): pa.array([old["metric"] for old, _ in pairs], pa.string()),
            t("Period"): pa.array([old["period_label"] for old, _ in pairs], pa.string()),
            t("Published figure"): pa.array([describe_value(old) for old, _ in pairs], pa.string()),
            t("Your figure (not published)"): pa.array(
                [describe_value(new) for _, new in pairs], pa.string()
            ),
            t("Your wording"): pa.array([new["counted_as"] for _, new in pairs], pa.string()),
            t("Source"): pa.array([old["source_title"] for old, _ in pairs], pa.string()),
        }
    )


# The preview city ---------------------------------------------------------------------------------------


def preview_city_id(city_id: str) -> str:
    """The id the visitor's figures of a city are compared and drawn under."""
    return PREVIEW_PREFIX + city_id


def is_preview_city(city_id: str | None) -> bool:
    return bool(city_id) and city_id.startswith(PREVIEW_PREFIX)


def not_published(name: str) -> str:
    """How every chart and table names the visitor's figures of a city."""
    return t("{city} (not published)", city=name)


def trend_title_name(name: str, *, example: bool = False) -> str:
    """The city as the trend chart's title names it: its published figures with the file's (with the
    template's example rows before any file is uploaded)."""
    if example:
        return t("{city} with the template's example rows (not published)", city=name)
    return t("{city} with your file (not published)", city=name)


def as_preview_city(row: Row, uploaded: bool) -> dict[str, Any]:
    """The row under the preview city; named "(not published)" when it is the visitor's own figure. A
    published row of the same city keeps its name: it only serves as a divisor for the visitor's figures."""
    moved = {**row, "city_id": preview_city_id(row["city_id"])}
    if uploaded:
        moved["city"] = not_published(row["city"])
    return moved


def mark_uploaded(rows: Iterable[Row], uploaded: frozenset[str]) -> list[dict[str, Any]]:
    """Rows of the combined store with the visitor's figures moved to their preview city."""
    return [as_preview_city(row, True) if row["observation_id"] in uploaded else dict(row) for row in rows]


def yours(rows: Iterable[Row]) -> list[Row]:
    """The visitor's own figures among rows as `mark_uploaded` returns them."""
    return [row for row in rows if is_preview_city(row["city_id"])]


def trend_series(rows: Sequence[Row]) -> list[Series]:
    """The city's series (rows as `mark_uploaded` returns them), the visitor's apart: first each uploaded
    one, its legend entry saying "not published" (it takes the colour the comparison gives the file's
    city), then the published ones. A line never joins a published figure to an uploaded one."""
    published = [row for row in rows if not is_preview_city(row["city_id"])]
    marked = [
        replace(item, place=not_published(item.place or t("Whole city")))
        for item in split_series(yours(rows))
    ]
    return [*marked, *split_series(published)]


def publication_label(row: Row) -> str:
    return t("not published: your file") if is_preview_city(row["city_id"]) else t("published")


def with_publication(table: pa.Table, rows: Sequence[Row]) -> pa.Table:
    """A table of figures with a first column saying which are published and which are the file's."""
    return table.add_column(
        0, t("Publication"), pa.array([publication_label(row) for row in rows], pa.string())
    )


def trend_rows_table(rows: Sequence[Row]) -> pa.Table:
    return with_publication(trend_table(rows), rows)


def parts_table(rows: Sequence[Row]) -> pa.Table:
    """Parts of totals, of any metric, as the source split them."""
    table = breakdown_table(rows).add_column(
        0, t("Metric"), pa.array([row["metric"] for row in rows], pa.string())
    )
    return with_publication(table, rows)


def comparison_rows_table(values: Sequence[ComparedValue], per: str, reference: Row | None) -> pa.Table:
    return with_publication(comparison_table(values, per, reference), [value.row for value in values])


def comparison_rows(
    published: Sequence[Row], combined: Sequence[Row], uploaded: frozenset[str]
) -> list[dict[str, Any]]:
    """What a comparison runs on: the visitor's figures (from the combined store) under their preview
    city, and the published cities' figures as published."""
    yours = [as_preview_city(row, True) for row in combined if row["observation_id"] in uploaded]
    return [*yours, *(dict(row) for row in published)]


def preview_denominators(
    published: Denominators, combined: Denominators, city_id: str, uploaded: frozenset[str]
) -> Denominators:
    """Divisors for a comparison with a preview city.

    The published cities divide by their published figures. The preview city divides by its city's
    figures in the combined store (the file's own population or facilities, else the published ones),
    moved under its preview id; a published city never divides by an uploaded figure.
    """

    def moved(rows: Sequence[Row]) -> list[dict[str, Any]]:
        return [
            as_preview_city(row, row.get("observation_id") in uploaded)
            for row in rows
            if row["city_id"] == city_id
        ]

    return Denominators(
        populations=[*published.populations, *moved(combined.populations)],
        facilities=[*published.facilities, *moved(combined.facilities)],
        facility_counts=[*published.facility_counts, *moved(combined.facility_counts)],
        consumptions=[*published.consumptions, *moved(combined.consumptions)],
    )


def spans_several_dates(values: Sequence[ComparedValue]) -> bool:
    """Whether a chart over time has something to show that the trend chart has not: figures on more
    than one date (a single date gives the time axis no span)."""
    return len({plot_date(value.row) for value in values}) > 1


def chart_note(name: str, *, example: bool = False) -> str:
    """The line under each comparison chart (plain text: the chart escapes it)."""
    if example:
        return t(
            "{city}: the template's example rows, checked and protected for this preview only; nothing is "
            "published.",
            city=not_published(name),
        )
    return t(
        "{city}: figures from your file, checked and protected for this preview only; nothing is published.",
        city=not_published(name),
    )
