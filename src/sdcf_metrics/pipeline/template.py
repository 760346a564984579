"""The upload template: the upload format's header with example rows, as CSV or as an Excel workbook.

The example rows show each way a figure can be written: a total with its split by sex, a cumulative
figure since opening, a lower bound, an average per day, a range, and a source without a web address.
They are about Exampleville, a city that does not exist, and every text starts with "Example", so they
can never pass for real figures: they pass the checks of a preview, and `sdcf-metrics ingest` refuses
them because the city is not in the dataset.

The workbook has the figures sheet (text columns formatted as text, so Excel leaves `2024-05` alone;
drop-down lists for the choice columns and the metric ids), a `columns` sheet explaining each column and
a `metrics` sheet listing the catalogue; the reader skips those two.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..export import neutralise, to_csv_bytes, workbook_bytes
from ..schema import UPLOAD, UPLOAD_COLUMNS
from .upload.read import FIGURES_SHEET, MAX_ROWS, TEMPLATE_HELP_SHEETS

EXAMPLE_CITY = "Exampleville"
_EXAMPLE_NOTE = "Example row: delete it, or write over it with a real figure."

_REPORT = {
    "city": EXAMPLE_CITY,
    "country": "Exampleland",
    "source_title": "Example: Exampleville consumption room, annual report 2024",
    "source_publisher": "Example: Exampleville health department",
    "source_date": "2025-03",
    "source_url": "https://example.org/exampleville/annual-report-2024.pdf",
    "notes": _EXAMPLE_NOTE,
}
_SPLIT_QUOTE = "Example: In 2024, 240 different people used the consumption room: 48 women and 192 men."
_REVIEW = {
    **_REPORT,
    "source_title": "Example: Exampleville drug strategy review 2023",
    "source_publisher": "Example: Exampleville city council",
    "source_date": "2024",
    "source_url": "https://example.org/exampleville/strategy-review-2023",
}
_LOG = {
    **_REPORT,
    "source_title": "Example: street cleaning log, May 2024",
    "source_publisher": "Example: Exampleville street cleaning service",
    "source_date": "2024-06",
    "source_url": "",
    "source_document": "Example: street cleaning log, May 2024, page 3 (printed)",
}

# fmt: off
EXAMPLE_ROWS: tuple[dict[str, str], ...] = (
    {**_REPORT, "metric": "unique_clients", "period_kind": "year", "period_start": "2024",
     "period_end": "2024", "value": "240", "qualifier": "exact", "unit": "persons",
     "counted_as": "different people who used the room (example)", "quote": _SPLIT_QUOTE},
    {**_REPORT, "metric": "unique_clients", "breakdown": "sex=female", "period_kind": "year",
     "period_start": "2024", "period_end": "2024", "value": "48", "qualifier": "exact", "unit": "persons",
     "counted_as": "women who used the room (example)", "quote": _SPLIT_QUOTE},
    {**_REPORT, "metric": "unique_clients", "breakdown": "sex=male", "period_kind": "year",
     "period_start": "2024", "period_end": "2024", "value": "192", "qualifier": "exact", "unit": "persons",
     "counted_as": "men who used the room (example)", "quote": _SPLIT_QUOTE},
    {**_REPORT, "facility": "Example room", "metric": "consumptions", "period_kind": "since_opening",
     "period_start": "2019-06", "period_end": "2024-12-31", "value": "150000", "qualifier": "more_than",
     "unit": "consumptions", "counted_as": "supervised consumptions (example)",
     "quote": "Example: Since opening in June 2019, the room has supervised more than 150,000 consumptions."},
    {**_REPORT, "facility": "Example room", "metric": "visits", "period_kind": "year", "period_start": "2024",
     "period_end": "2024", "value": "85", "qualifier": "about", "rate_per": "day", "unit": "visits",
     "counted_as": "visits a day (example)",
     "quote": "Example: On an average day in 2024, about 85 people visited the room."},
    {**_REVIEW, "metric": "overdoses_managed", "period_kind": "year", "period_start": "2023",
     "period_end": "2023", "value_low": "40", "value_high": "50", "qualifier": "range", "unit": "overdoses",
     "counted_as": "overdoses managed by staff (example)",
     "quote": "Example: Staff managed between 40 and 50 overdoses in 2023."},
    {**_LOG, "metric": "syringes_found_public", "period_kind": "month", "period_start": "2024-05",
     "period_end": "2024-05", "value": "1250", "qualifier": "exact", "unit": "syringes",
     "counted_as": "syringes picked up in streets and parks (example)",
     "quote": "Example: In May 2024, 1,250 syringes were picked up in streets and parks."},
)
# fmt: on

_NUMBER_COLUMNS = {column.name for column in UPLOAD.columns if column.type == "number"}
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")


def template_rows() -> list[dict[str, str]]:
    """The example rows with every upload column, empty where an example leaves a column out."""
    return [{name: row.get(name, "") for name in UPLOAD_COLUMNS} for row in EXAMPLE_ROWS]


def template_csv() -> bytes:
    """The template as CSV (UTF-8 with a byte order mark, so Excel shows accents right)."""
    rows = template_rows()
    return to_csv_bytes(pa.table({name: [row[name] for row in rows] for name in UPLOAD_COLUMNS}))


def template_xlsx(metrics: Sequence[Mapping[str, Any]] = ()) -> bytes:
    """The template as an Excel workbook; `metrics` (the catalogue's rows) fills the metrics sheet."""
    workbook = Workbook()
    figures = workbook.active
    figures.title = FIGURES_SHEET
    figures.append(list(UPLOAD_COLUMNS))
    for row in template_rows():
        figures.append([_typed(name, row[name]) for name in UPLOAD_COLUMNS])
    for position, column in enumerate(UPLOAD.columns, start=1):
        letter = get_column_letter(position)
        figures.column_dimensions[letter].width = 14 if column.name in _NUMBER_COLUMNS else 24
        if column.name not in _NUMBER_COLUMNS:
            figures.column_dimensions[letter].number_format = "@"
        figures[f"{letter}1"].font = Font(bold=True)
        figures[f"{letter}1"].fill = _HEADER_FILL
        if column.choices:
            _add_list(figures, letter, f'"{",".join(column.choices)}"')
    if metrics:
        _add_list(figures, get_column_letter(UPLOAD_COLUMNS.index("metric") + 1), _metric_range(len(metrics)))
    figures.freeze_panes = "A2"
    _text_cells(figures)

    columns_sheet, metrics_sheet = (workbook.create_sheet(name) for name in TEMPLATE_HELP_SHEETS)
    columns_sheet.append(["column", "required", "what to write", "allowed values"])
    for column in UPLOAD.columns:
        columns_sheet.append(
            [
                column.name,
                "yes" if column.required else "no",
                column.doc.replace("`", ""),
                ", ".join(column.choices),
            ]
        )
    metrics_sheet.append(["metric", "label", "unit", "kind", "definition"])
    for metric in metrics:
        metrics_sheet.append(
            [str(metric[name]) for name in ("metric_id", "label", "unit", "kind", "definition")]
        )
    for sheet, widths in ((columns_sheet, (18, 10, 90, 60)), (metrics_sheet, (26, 32, 30, 16, 100))):
        for position, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(position)].width = width
            sheet.cell(1, position).font = Font(bold=True)
        sheet.freeze_panes = "A2"
        _text_cells(sheet)
    return workbook_bytes(workbook)


def write_template(output: str, metrics: Sequence[Mapping[str, Any]], stdout: BinaryIO) -> str:
    """Write the template to `output` (`.csv`, `.xlsx`, or `-` for CSV on `stdout`); return where."""
    if output == "-":
        stdout.write(template_csv())
        stdout.flush()
        return "standard output"
    path = Path(output)
    if path.suffix.lower() == ".csv":
        path.write_bytes(template_csv())
    elif path.suffix.lower() == ".xlsx":
        path.write_bytes(template_xlsx(metrics))
    else:
        raise ValueError(
            f"{output}: give a file name ending in .csv or .xlsx, or - for CSV on standard output"
        )
    return str(path)


def _typed(name: str, text: str) -> object:
    """Numbers as numbers, so Excel right-aligns and sums them; everything else as text."""
    if name in _NUMBER_COLUMNS and text:
        return float(text) if "." in text else int(text)
    return text or None


def _add_list(sheet: Any, letter: str, allowed: str) -> None:
    validation = DataValidation(type="list", formula1=allowed, allow_blank=True)
    validation.error = "Choose a value from the list (see the columns sheet)."
    validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.add_data_validation(validation)


def _metric_range(count: int) -> str:
    return f"{TEMPLATE_HELP_SHEETS[1]}!$A$2:$A${count + 1}"


def _text_cells(sheet: Any) -> None:
    """Every text cell a string cell, neutralised, so nothing in the template is ever a formula."""
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                cell.value = neutralise(cell.value)
                cell.data_type = TYPE_STRING
