"""Tables that leave the site: CSV, XLSX and Parquet, with every text cell formula-safe.

Spreadsheets execute a cell that starts with `=`, `+`, `-`, `@`, a tab, a carriage return or a line
feed (OWASP "CSV Injection", ASVS V1.2.10). Such text cells are prefixed with `'`; numeric columns stay
numeric, so a count of -5 is still a number.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(text: str) -> str:
    """Prefix `'` to text a spreadsheet would read as a formula; leave other text unchanged."""
    if text.lstrip(" ").startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def _is_text(data_type: pa.DataType) -> bool:
    return pa.types.is_string(data_type) or pa.types.is_large_string(data_type)


def safe_rows(table: pa.Table) -> list[list[object]]:
    """The table as Python rows, text neutralised, numbers and dates untouched, nulls as None."""
    text_columns = {index for index, field in enumerate(table.schema) if _is_text(field.type)}
    rows = []
    for record in table.to_pylist():
        row = []
        for index, value in enumerate(record.values()):
            row.append(neutralise(value) if index in text_columns and value is not None else value)
        rows.append(row)
    return rows


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def to_csv_bytes(table: pa.Table) -> bytes:
    """RFC 4180 CSV in UTF-8 with a byte-order mark, so Excel opens accents correctly."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.column_names)
    writer.writerows([_csv_cell(value) for value in row] for row in safe_rows(table))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx_bytes(table: pa.Table, about: Sequence[tuple[str, str]] = (), sheet_name: str = "data") -> bytes:
    """An Excel workbook: the data sheet, then an "About" sheet of (field, text) pairs.

    Text is written as string cells, never as formulas, and is neutralised as in the CSV.
    """
    workbook = Workbook()
    data_sheet = workbook.active
    data_sheet.title = sheet_name
    data_sheet.append(list(table.column_names))
    for row in safe_rows(table):
        data_sheet.append(row)
    for cells in data_sheet.iter_rows(min_row=1):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING
    data_sheet.freeze_panes = "A2"
    if about:
        about_sheet = workbook.create_sheet("About")
        for field, text in about:
            about_sheet.append([neutralise(field), neutralise(text)])
            for cell in about_sheet[about_sheet.max_row]:
                cell.data_type = TYPE_STRING
        about_sheet.column_dimensions["A"].width = 22
        about_sheet.column_dimensions["B"].width = 120
    return workbook_bytes(workbook)


class _InMemoryExcelWriter(ExcelWriter):
    """openpyxl's workbook writer, serialising each sheet in memory.

    openpyxl's own writes every sheet's XML to a temporary file before zipping it; a table made from a
    visitor's upload must never touch the disk, so the sheet goes to a buffer (an `out` openpyxl 3.1's
    `WorksheetWriter` accepts) and from there into the archive.
    """

    def write_worksheet(self, ws: Worksheet) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = WorksheetWriter(ws, out=io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.read())
        self.manifest.append(ws)


def workbook_bytes(workbook: Workbook) -> bytes:
    """An openpyxl workbook as .xlsx bytes, written without any temporary file."""
    buffer = io.BytesIO()
    workbook.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
    _InMemoryExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return buffer.getvalue()


def to_parquet_bytes(table: pa.Table) -> bytes:
    """Parquet keeps types exactly; nothing in it is executed by spreadsheets, so text is left as is."""
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()
