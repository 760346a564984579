"""A city's own figures: one flat sheet (CSV or Excel) in, checked and protected source-table rows out.

The upload format (`schema.UPLOAD`, documented in docs/data-format.md) has one row per figure with its
source written out on the same row. The same functions serve the "Your city" page (a session-only
preview) and the steward's `sdcf-metrics validate` / `ingest`:

    read_upload(data, filename)        bytes -> rows in the upload format, or problems; never touches disk
    upload_to_sources(upload, tables)  rows -> observation and source rows, checked by `validate`
    preview_upload(data, filename, store)  both, then disclosure control: Arrow tables for
                                       `store.with_upload(...)`, the only place an upload is ever queried

Files are untrusted: the type is decided by content, never by name; size, rows, columns and unpacked
size are bounded before anything is parsed; Excel workbooks are read with defusedxml, read-only, values
only, and formulas, macros, hidden sheets and merged cells are reported rather than interpreted. Every
problem names the file, row and column, says what is wrong and how to fix it, and quotes cell text only
through `repr`, so formula text and control characters arrive inert.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import defusedxml.ElementTree
import openpyxl
import pyarrow as pa
from defusedxml import DefusedXmlException

from .build import to_arrow
from .disclosure import DisclosureReport, protect
from .schema import CITIES, FACILITIES, OBSERVATIONS, SOURCES, UPLOAD, UPLOAD_COLUMNS
from .store import Store
from .validate import (
    NO_COLUMN,
    OBSERVATION_NATURAL_KEY,
    WHOLE_FILE,
    Problem,
    check_records,
    check_rows,
    decode_text,
)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
MAX_COLUMNS = 60
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 500
MAX_PROBLEMS = 200

FIGURES_SHEET = "figures"
# Sheets the template adds to help people fill it in; reading a filled-in template skips them quietly.
TEMPLATE_HELP_SHEETS = ("columns", "metrics")

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_BINARY_SIGNATURES = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
    (b"%PDF", "a PDF document; copy its table into the template instead"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old Excel (.xls) or Word file; save it as .xlsx or as CSV UTF-8",
    ),
    (b"\x1f\x8b", "a compressed (gzip) file; unpack it first"),
    (b"Rar!", "a RAR archive; unpack it first"),
    (b"7z\xbc\xaf", "a 7-Zip archive; unpack it first"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"GIF8", "an image"),
    (b"{\\rtf", "a Word (RTF) document"),
)
_DELIMITERS = (",", ";", "\t")
_NUMBER_COLUMNS = tuple(column.name for column in UPLOAD.columns if column.type == "number")
_PLAIN_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_COMMA_DECIMAL = re.compile(r"^-?\d+,\d+$")
_GROUPED_COMMA_DECIMAL = re.compile(r"^-?\d{1,3}(?:([. \u00a0\u202f])\d{3})(?:\1\d{3})*(?:,\d+)?$")
_INVISIBLE = ("Cc", "Cf", "Zl", "Zp")
# The fields that tell a repeat of a published figure (all equal) from a correction of it (some differ).
_COMPARED_FIELDS = ("value", "value_low", "value_high", "qualifier", "unit", "counted_as", "quote", "notes")

# Where a problem found in an observation or source row points in the upload.
_UPLOAD_COLUMN_OF = {
    "observations": {
        "city_id": "city",
        "facility_id": "facility",
        "metric_id": "metric",
        "source_id": "source_title",
        "observation_id": NO_COLUMN,
        "scope": NO_COLUMN,
        "region": NO_COLUMN,
    },
    "sources": {
        "source_id": "source_title",
        "title": "source_title",
        "publisher": "source_publisher",
        "date": "source_date",
        "url": "source_url",
        "document": "source_document",
        "licence_note": NO_COLUMN,
    },
}
_SOURCE_FIELDS = {
    "title": "source_title",
    "publisher": "source_publisher",
    "date": "source_date",
    "url": "source_url",
    "document": "source_document",
}


# Reading ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadResult:
    """An upload as read: its rows in the upload format, where they sit, and what is wrong with it.

    `rows[i]` holds the text of every upload column for spreadsheet row `row_numbers[i]`. `problems` stop
    anything further; `steward_problems` (hidden sheets) do not stop a preview but do stop ingestion, where
    what is published must be what the steward sees. `notes` say how the file was read.
    """

    filename: str
    rows: list[dict[str, str]]
    row_numbers: list[int]
    problems: list[Problem]
    notes: list[str] = field(default_factory=list)
    steward_problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_upload(data: bytes, filename: str) -> UploadResult:
    """Read an uploaded CSV or Excel file from its bytes; the content decides which it is.

    Nothing is written anywhere and nothing is cached: the result depends on the arguments alone.
    """
    name = display_name(filename)
    if not data:
        return _failed(name, "the file is empty (0 bytes); fill in the template and upload it again")
    if len(data) > MAX_UPLOAD_BYTES:
        return _failed(name, _too_large(len(data)))
    if data.startswith(_ZIP_MAGIC):
        return _read_workbook(data, name)
    for signature, kind in _BINARY_SIGNATURES:
        if data.startswith(signature):
            return _failed(name, f"this is {kind}, not a CSV or Excel file")
    return _read_text(data, name)


def display_name(filename: str) -> str:
    """The file name as problems show it: invisible characters made visible, and not too long."""
    shown = "".join("?" if unicodedata.category(c) in _INVISIBLE else c for c in filename) or "upload"
    return shown if len(shown) <= 120 else shown[:119] + "…"


def _failed(name: str, message: str) -> UploadResult:
    return UploadResult(name, [], [], [Problem(name, WHOLE_FILE, NO_COLUMN, message)])


def _too_large(size: int) -> str:
    return (
        f"the file is {_megabytes(size)}, more than the {_megabytes(MAX_UPLOAD_BYTES)} an upload may hold; "
        "split it into several files"
    )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size < 1024**3 else f"{size / 1024**3:.1f} GB"


def _read_text(data: bytes, name: str) -> UploadResult:
    decoded = decode_text(data, name, accept_legacy=True)
    if decoded.problems:
        return UploadResult(name, [], [], decoded.problems)
    notes = []
    if decoded.encoding in ("Windows-1252", "UTF-16"):
        notes.append(
            f"read as {decoded.encoding}; if accented letters look wrong, save the file as CSV UTF-8 instead"
        )
    text = decoded.text
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return _failed(
            name,
            f"line {line} contains a NUL byte, so this is not a text file; if it was saved as "
            "'Unicode Text', save it as CSV UTF-8 instead",
        )
    delimiter = _sniff_delimiter(text)
    if delimiter != ",":
        notes.append(f"cells separated by {'semicolons' if delimiter == ';' else 'tabs'}")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
            if len(records) > MAX_ROWS + 1:
                return _too_many_rows(name)
    except csv.Error as error:
        message = f"cannot read the CSV near line {reader.line_num} ({error}); check the double quotes there"
        return _failed(name, message)
    return _from_records(records, name, notes, decimal_comma=_uses_decimal_comma(records, delimiter))


def _sniff_delimiter(text: str) -> str:
    """The separator that splits the header into the most upload column names (comma when none does)."""
    header_line = text[:65_536].split("\n", 1)[0]

    def known_columns(delimiter: str) -> tuple[int, int]:
        cells = [cell.strip('"') for cell in header_line.split(delimiter)]
        return sum(_header_name(cell) in UPLOAD_COLUMNS for cell in cells), len(cells)

    return max(_DELIMITERS, key=known_columns)


def _uses_decimal_comma(records: list[list[str]], delimiter: str) -> bool:
    """Semicolon files come from locales that write 1.234,5; tab files say so by a comma in a number."""
    if delimiter == ";":
        return True
    if delimiter == "," or not records:
        return False
    header = [_header_name(cell) for cell in records[0]]
    positions = [index for index, name in enumerate(header) if name in _NUMBER_COLUMNS]
    return any("," in record[index] for record in records[1:] for index in positions if index < len(record))


def _too_many_rows(name: str) -> UploadResult:
    return _failed(name, f"the file has more than {MAX_ROWS:,} figures; split it into several files")


def _header_name(cell: str) -> str:
    """Header cells match whatever their case or spacing: `Source title` is `source_title`."""
    return re.sub(r"[\s-]+", "_", unicodedata.normalize("NFC", cell).strip().casefold())


def _clean(cell: str) -> str:
    """NFC, and no spaces at either end (invisible in a spreadsheet); tabs and line breaks stay, and are
    reported, because they are not what the cell shows."""
    return unicodedata.normalize("NFC", cell).strip(" \u00a0")


def _from_records(
    records: list[list[str]],
    name: str,
    notes: list[str],
    *,
    decimal_comma: bool,
    problems: Sequence[Problem] = (),
    steward_problems: Sequence[Problem] = (),
) -> UploadResult:
    """Header and cells of records from either reader, checked cell by cell with the validator's rules."""
    while records and not any(cell.strip() for cell in records[-1]):
        records.pop()
    problems = list(problems)
    if records and len(records[0]) > MAX_COLUMNS:
        problems.append(
            Problem(
                name,
                1,
                NO_COLUMN,
                f"the header has {len(records[0]):,} columns; an upload has at most {len(UPLOAD_COLUMNS)}: "
                f"{', '.join(UPLOAD_COLUMNS)}",
            )
        )
        return UploadResult(name, [], [], problems, notes, list(steward_problems))
    if records:
        records[0] = [
            _header_name(cell) if _header_name(cell) in UPLOAD_COLUMNS else cell for cell in records[0]
        ]
        records[1:] = [[_clean(cell) for cell in record] for record in records[1:]]
    if decimal_comma:
        problems.extend(_read_decimal_commas(records, name, notes))
    checked = check_records(records, UPLOAD, name)
    all_problems = _bounded(sorted({*problems, *checked.problems}))
    return UploadResult(name, checked.rows, checked.numbers, all_problems, notes, list(steward_problems))


def _read_decimal_commas(records: list[list[str]], name: str, notes: list[str]) -> Iterator[Problem]:
    """Rewrite `1.234,5` as `1234.5` in the number columns, in place; a bare `12.5` is ambiguous there."""
    if not records:
        return
    positions = {index: column for index, column in enumerate(records[0]) if column in _NUMBER_COLUMNS}
    example = None
    for number, record in enumerate(records[1:], start=2):
        for index, column in positions.items():
            text = record[index] if index < len(record) else ""
            if _GROUPED_COMMA_DECIMAL.match(text) or _COMMA_DECIMAL.match(text):
                digits = re.sub(r"[. \u00a0\u202f]", "", text).replace(",", ".")
                record[index] = digits
                example = example or f"row {number} {column} {text!r} as {digits}"
            elif "." in text and _PLAIN_NUMBER.match(text):
                yield Problem(
                    name,
                    number,
                    column,
                    f"{text!r} is ambiguous in this file, where ',' marks decimals: write "
                    f"{text.replace('.', ',')} for a decimal, or {text.replace('.', '')} if the dot "
                    "separates thousands",
                )
    if example:
        notes.append(f"numbers read with ',' as the decimal mark and '.' between thousands, e.g. {example}")


def _bounded(problems: list[Problem]) -> list[Problem]:
    """At most MAX_PROBLEMS problems, then one saying how many more there are."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    path = problems[0].path
    more = Problem(path, WHOLE_FILE, NO_COLUMN, f"and {rest:,} more problems; fix the ones above first")
    return [*problems[:MAX_PROBLEMS], more]


# Excel ------------------------------------------------------------------------------------------------------


def _read_workbook(data: bytes, name: str) -> UploadResult:
    problems = _archive_problems(data, name)
    if problems:
        return UploadResult(name, [], [], problems)
    if not openpyxl.DEFUSEDXML:
        return _failed(name, "Excel files cannot be read safely here (defusedxml is missing); upload a CSV")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
        try:
            return _read_sheet(workbook, data, name)
        finally:
            workbook.close()
    except Exception as error:  # openpyxl raises many types on damaged files; each means "unreadable"
        if _caused_by_entities(error):
            return _failed(
                name, "the workbook declares XML entities, which Excel never writes; it was not read"
            )
        return _failed(
            name,
            f"cannot read the workbook ({type(error).__name__}); open it in Excel and save it again as .xlsx",
        )


def _caused_by_entities(error: BaseException | None) -> bool:
    """Whether defusedxml refused the XML (openpyxl re-raises its errors as ValueError)."""
    while error is not None:
        if isinstance(error, DefusedXmlException):
            return True
        error = error.__cause__ or error.__context__
    return False


def _archive_problems(data: bytes, name: str) -> list[Problem]:
    """What makes a zip unsafe or not a workbook, found from its directory before anything is unpacked."""

    def problem(message: str) -> list[Problem]:
        return [Problem(name, WHOLE_FILE, NO_COLUMN, message)]

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return problem("the file is damaged, or a zip archive that is not an Excel workbook")
    with archive:
        members = archive.infolist()
        unpacked = sum(member.file_size for member in members)
        if len(members) > MAX_ARCHIVE_MEMBERS or unpacked > MAX_UNPACKED_BYTES:
            return problem(
                f"the workbook unpacks to {_megabytes(unpacked)} in {len(members):,} parts, more than the "
                f"{_megabytes(MAX_UNPACKED_BYTES)} an upload may hold; it was not unpacked"
            )
        names = {member.filename for member in members}
        if any(member.lower().endswith("vbaproject.bin") for member in names):
            return problem("the workbook contains macros (.xlsm); save it as an Excel Workbook (.xlsx)")
        if "xl/workbook.xml" not in names:
            if "xl/workbook.bin" in names:
                return problem(
                    "this is a binary Excel workbook (.xlsb); save it as an Excel Workbook (.xlsx)"
                )
            if "content.xml" in names:
                return problem("this is an OpenDocument spreadsheet (.ods); save it as .xlsx or as CSV UTF-8")
            return problem(
                "this is a zip archive, not an Excel workbook; upload the .xlsx or CSV file itself"
            )
        try:
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    content = archive.read(member)
                    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
                        return problem(
                            f"the part {member.filename!r} declares an XML document type, which Excel never "
                            "writes; the workbook was not read"
                        )
                    if member.filename == "[Content_Types].xml" and b"macroEnabled" in content:
                        return problem(
                            "the workbook is macro-enabled (.xlsm); save it as an Excel Workbook (.xlsx)"
                        )
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as error:
            return problem(f"cannot unpack the workbook ({error}); remove any password and save it again")
    return []


def _read_sheet(workbook: Any, data: bytes, name: str) -> UploadResult:
    sheets = list(workbook.worksheets)
    visible = [sheet for sheet in sheets if sheet.sheet_state == "visible"]
    notes, steward_problems = [], []
    for sheet in sheets:
        if sheet.sheet_state != "visible":
            notes.append(f"the hidden sheet {sheet.title!r} was ignored")
            steward_problems.append(
                Problem(
                    name,
                    WHOLE_FILE,
                    NO_COLUMN,
                    f"the sheet {sheet.title!r} is hidden; unhide and check it, then delete it or move its "
                    "rows to the figures sheet, so that what is published is what you see",
                )
            )
    if not visible:
        return _failed(name, "the workbook has no visible sheet; unhide the sheet with the figures")
    chosen = next((sheet for sheet in visible if sheet.title.casefold() == FIGURES_SHEET), visible[0])
    ignored = [s.title for s in visible if s is not chosen and s.title.casefold() not in TEMPLATE_HELP_SHEETS]
    if ignored:
        others = ", ".join(repr(title) for title in ignored)
        notes.append(f"only the sheet {chosen.title!r} was read; {others} ignored")
    problems = list(_merged_cell_problems(data, chosen, name))
    records: list[list[str]] = []
    header: list[str] = []
    chosen.reset_dimensions()  # the declared size may be a lie; read the cells that exist
    for row in chosen.iter_rows(max_col=MAX_COLUMNS + 1):
        if len(records) > MAX_ROWS + 1:
            return _too_many_rows(name)
        cells = []
        for position, cell in enumerate(row):
            column = header[position] if position < len(header) else NO_COLUMN
            if getattr(cell, "data_type", None) == "f":
                problems.append(
                    Problem(
                        name,
                        cell.row,
                        column,
                        f"{chosen.title}!{cell.coordinate} holds a formula; paste values only "
                        "(in Excel: Copy, then Paste Special, Values)",
                    )
                )
                cells.append("")
            else:
                cells.append(_cell_text(cell, notes))
        while cells and not cells[-1]:
            cells.pop()
        if not records:
            header = [_header_name(cell) for cell in cells]
        records.append(cells)
    width = len(records[0]) if records else 0
    records = [record + [""] * (width - len(record)) if record else record for record in records]
    return _from_records(
        records, name, notes, decimal_comma=False, problems=problems, steward_problems=steward_problems
    )


def _merged_cell_problems(data: bytes, sheet: Any, name: str) -> Iterator[Problem]:
    """Merged cells hold their value in the first cell only, so the other rows would read as empty.

    openpyxl's read-only sheets do not parse merges; the sheet's own XML part is read for them, again
    through defusedxml (its name is openpyxl 3.1's `_worksheet_path`).
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(sheet._worksheet_path) as part:
        for _, element in defusedxml.ElementTree.iterparse(part):
            if element.tag.endswith("}mergeCell"):
                cells = element.get("ref", "")
                first_row = int(re.sub(r"\D", "", cells.split(":")[0]) or 0)
                yield Problem(
                    name,
                    first_row,
                    NO_COLUMN,
                    f"{sheet.title}!{cells} are merged cells; unmerge them and write the value in every row",
                )
            element.clear()


_PERCENT_NOTE = "cells formatted as percentages were read as the percentage they show"


def _cell_text(cell: Any, notes: list[str]) -> str:
    """A cell's value as the text a CSV would hold: whole numbers without `.0`, dates as YYYY-MM-DD."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if "%" in (getattr(cell, "number_format", "") or ""):
            if not any(note.startswith(_PERCENT_NOTE) for note in notes):
                notes.append(f"{_PERCENT_NOTE}, e.g. {cell.coordinate} as {value * 100:.15g}")
            value *= 100
        return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:.15g}"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return _clean(str(value))


# Converting to source-table rows ----------------------------------------------------------------------------


@dataclass
class Conversion:
    """Observation and source rows made from an upload, what they change, and every problem.

    `observations` and `sources` are text rows ready to write to the source CSVs; `typed` holds the same
    rows typed (as `validate.load_sources` returns them); `cities` and `facilities` are typed stand-ins for
    places not yet in the dataset (a preview only). `replaced` maps the id of each published observation an
    upload row corrects to that row; `duplicates` lists upload rows that repeat a published figure exactly,
    with its id (they are not added again).
    """

    filename: str
    observations: list[dict[str, str]] = field(default_factory=list)
    sources: list[dict[str, str]] = field(default_factory=list)
    cities: list[dict[str, Any]] = field(default_factory=list)
    facilities: list[dict[str, Any]] = field(default_factory=list)
    typed: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    origin: dict[str, int] = field(default_factory=dict)
    replaced: dict[str, int] = field(default_factory=dict)
    duplicates: dict[int, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def upload_to_sources(
    upload: UploadResult,
    existing: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    require_known_places: bool = False,
    today: date | None = None,
) -> Conversion:
    """Turn the rows of a readable upload into observation and source rows, checked by the validator.

    `existing` holds the typed rows of the published tables (`metrics`, `cities`, `facilities`, `sources`
    and, to spot corrections and repeats, `observations`). A city or facility the dataset does not have is
    a stand-in for a preview; with `require_known_places` (ingestion) it is a problem, because a steward
    must first add it with its coordinates. Problems point at the upload's own rows and columns.
    """
    if len(upload.problems) > MAX_PROBLEMS:
        # The reader already cut its list short: adding more would only bury the first problems.
        return Conversion(upload.filename, problems=list(upload.problems), notes=list(upload.notes))
    converter = _Converter(upload, existing, require_known_places)
    conversion = converter.convert()
    reference = {
        "metrics": existing.get("metrics", []),
        "cities": [*existing.get("cities", []), *conversion.cities],
        "facilities": [*existing.get("facilities", []), *conversion.facilities],
        "sources": existing.get("sources", []),
    }
    rows = {
        "observations": [(conversion.origin[row["observation_id"]], row) for row in conversion.observations],
        "sources": [(conversion.origin[row["source_id"]], row) for row in conversion.sources],
    }
    typed, checked = check_rows(rows, reference, today)
    # A cell already reported by the reader or the converter (in the upload's own terms) is not reported
    # again in the validator's terms: an unknown metric is one problem, not two.
    problems = [*upload.problems, *converter.problems]
    reported = {(problem.row, problem.column) for problem in problems} | converter.consequences
    for problem in checked:
        located = locate_in_upload(problem, problem.path, problem.row, upload.filename)
        if (located.row, located.column) not in reported:
            reported.add((located.row, located.column))
            problems.append(located)
    conversion.problems = _bounded(sorted(set(problems)))
    conversion.typed = typed
    if conversion.ok:
        _classify(conversion, existing.get("observations", []))
    return conversion


def locate_in_upload(problem: Problem, table_name: str, row: int, filename: str) -> Problem:
    """A problem found in an observation or source row made from upload row `row`, in the upload's terms."""
    column = _UPLOAD_COLUMN_OF[table_name].get(problem.column, problem.column)
    return Problem(filename, row, column, problem.message)


class _Converter:
    """Resolves places, metrics and sources of each upload row; collects the problems only an upload has."""

    def __init__(
        self, upload: UploadResult, existing: Mapping[str, Sequence[Mapping[str, Any]]], strict: bool
    ) -> None:
        self.upload = upload
        self.strict = strict
        self.metrics = {row["metric_id"]: row for row in existing.get("metrics", [])}
        self.cities = list(existing.get("cities", []))
        self.facilities = list(existing.get("facilities", []))
        self.sources = list(existing.get("sources", []))
        self.problems: list[Problem] = []
        self.conversion = Conversion(upload.filename, notes=list(upload.notes))
        self.new_cities: dict[str, dict[str, Any]] = {}
        self.new_facilities: dict[str, dict[str, Any]] = {}
        self.new_sources: dict[str, dict[str, str]] = {}
        self.first_row_of_key: dict[tuple, int] = {}
        # Cells whose problem follows from one already reported (no unit without a known metric).
        self.consequences: set[tuple[int, str]] = set()

    def problem(self, row: int, column: str, message: str) -> None:
        self.problems.append(Problem(self.upload.filename, row, column, message))

    def convert(self) -> Conversion:
        for number, cells in zip(self.upload.row_numbers, self.upload.rows, strict=True):
            self.convert_row(number, cells)
        self.conversion.cities = list(self.new_cities.values())
        self.conversion.facilities = list(self.new_facilities.values())
        return self.conversion

    def convert_row(self, number: int, cells: Mapping[str, str]) -> None:
        city = self.city(number, cells)
        facility = self.facility(number, cells, city)
        metric = self.metric(number, cells["metric"])
        qualifier = cells["qualifier"] or ("range" if not cells["value"] and cells["value_low"] else "exact")
        observation = {
            "scope": "facility" if cells["facility"] else "city",
            "country": city["country"] if city else cells["country"],
            "region": "",
            "city_id": city["city_id"] if city else "",
            "facility_id": facility["facility_id"] if facility else "",
            "metric_id": cells["metric"],
            "qualifier": qualifier,
            "unit": cells["unit"] or (metric["unit"] if metric else ""),
            "source_id": self.source(number, cells),
            **{name: cells[name] for name in _OBSERVATION_TEXT_COLUMNS},
        }
        key = tuple(observation.get(name, "") for name in OBSERVATION_NATURAL_KEY)
        first = self.first_row_of_key.setdefault(key, number)
        if first != number:
            self.problem(
                number,
                NO_COLUMN,
                f"same figure as row {first} (same place, metric, breakdown, period, rate_per and source); "
                "delete one of them, or tell them apart with a breakdown",
            )
            key = (*key, number)  # still checked cell by cell, under an id of its own
        observation["observation_id"] = "upload-" + _digest(key, 12)
        self.conversion.origin[observation["observation_id"]] = number
        self.conversion.observations.append(
            {name: observation.get(name, "") for name in OBSERVATIONS.column_names}
        )

    def city(self, number: int, cells: Mapping[str, str]) -> Mapping[str, Any] | None:
        text = cells["city"]
        if not text:
            return None
        city = _find(self.cities, "city_id", text)
        if city is None:
            if self.strict:
                self.consequences.add((number, "facility"))
                hint = _did_you_mean(text, [row["name"] for row in self.cities])
                self.problem(
                    number,
                    "city",
                    f"unknown city {text!r}{hint}; a steward must add it to cities.csv (with its country "
                    "code and coordinates) before figures about it can be published",
                )
                return None
            city_id = _slug(text, "city")
            city = self.new_cities.setdefault(
                city_id, {**dict.fromkeys(CITIES.column_names), "city_id": city_id, "name": text}
            )
            city["country"] = city["country"] or cells["country"]
            return city
        if cells["country"] and _fold(cells["country"]) != _fold(str(city["country"])):
            self.problem(
                number,
                "country",
                f"{city['name']} is in {city['country']}, not {cells['country']!r}; write {city['country']}, "
                "or check the city",
            )
        return city

    def facility(self, number: int, cells: Mapping[str, str], city: Mapping[str, Any] | None) -> Any:
        text = cells["facility"]
        if not text or city is None:
            return None
        in_city = [row for row in self.facilities if row["city_id"] == city["city_id"]]
        facility = _find(in_city, "facility_id", text)
        if facility is None:
            elsewhere = _find(self.facilities, "facility_id", text)
            if elsewhere is not None:
                self.problem(
                    number,
                    "facility",
                    f"{elsewhere['name']} is in another city ({elsewhere['city_id']}), not {city['name']}; "
                    "check the city or the facility",
                )
                return None
            if self.strict:
                hint = _did_you_mean(text, [row["name"] for row in in_city])
                self.problem(
                    number,
                    "facility",
                    f"unknown facility {text!r} in {city['name']}{hint}; a steward must add it to "
                    "facilities.csv (with its type and coordinates) before figures about it can be published",
                )
                return None
            facility_id = _slug(f"{city['city_id']}-{text}", "facility")
            return self.new_facilities.setdefault(
                facility_id,
                {
                    **dict.fromkeys(FACILITIES.column_names),
                    "facility_id": facility_id,
                    "name": text,
                    "city_id": city["city_id"],
                    "type": "unknown",
                },
            )
        return facility

    def metric(self, number: int, metric_id: str) -> Mapping[str, Any] | None:
        metric = self.metrics.get(metric_id)
        if metric is None and metric_id:
            self.consequences.add((number, "unit"))
            hint = _did_you_mean(metric_id, self.metrics)
            self.problem(
                number,
                "metric",
                f"unknown metric {metric_id!r}{hint}; use an id from the metric catalogue: "
                f"{', '.join(sorted(self.metrics))}",
            )
        return metric

    def source(self, number: int, cells: Mapping[str, str]) -> str:
        """The id of the source the row cites: a published one with the same address, or a new one."""
        fields = {name: cells[column] for name, column in _SOURCE_FIELDS.items()}
        if not fields["url"] and not fields["document"]:
            self.problem(
                number,
                "source_url",
                "give the source's web address in source_url, or cite it in source_document when it has none",
            )
        published = self.published_source(fields)
        if published is not None:
            if _fold(published["title"]) != _fold(fields["title"]):
                self.conversion.notes.append(
                    f"row {number}: {fields['url'] or fields['document']!r} is already a source, "
                    f"{published['title']!r}; that source is cited"
                )
            return published["source_id"]
        identity = fields["url"] or f"{fields['title']}|{fields['publisher']}|{fields['document']}"
        source = self.new_sources.get(identity)
        if source is None:
            title = _slug(fields["title"], "source")[:40].strip("-")
            source_id = f"upload-{title}-{_digest(fields.values(), 6)}"
            source = self.new_sources[identity] = {"source_id": source_id, **fields, "licence_note": ""}
            self.conversion.sources.append(source)
            self.conversion.origin[source_id] = number
        else:
            for name, column in _SOURCE_FIELDS.items():
                if source[name] != fields[name]:
                    first = self.conversion.origin[source["source_id"]]
                    self.problem(
                        number,
                        column,
                        f"row {first} cites the same document with {column} {source[name]!r}; write the "
                        "source the same way on every row",
                    )
                    break
        return source["source_id"]

    def published_source(self, fields: Mapping[str, str]) -> Mapping[str, Any] | None:
        for source in self.sources:
            if fields["url"] and source.get("url") == fields["url"]:
                return source
            if (
                not fields["url"]
                and not source.get("url")
                and all(
                    _fold(str(source.get(name) or "")) == _fold(fields[name])
                    for name in ("title", "publisher", "document")
                )
            ):
                return source
        return None


_OBSERVATION_TEXT_COLUMNS = (
    "breakdown",
    "period_kind",
    "period_start",
    "period_end",
    "value",
    "value_low",
    "value_high",
    "rate_per",
    "counted_as",
    "quote",
    "notes",
)


def _classify(conversion: Conversion, published: Sequence[Mapping[str, Any]]) -> None:
    """Tell corrections and repeats of published figures from new ones, by the figure's natural key."""
    by_key = {tuple(row.get(name) for name in OBSERVATION_NATURAL_KEY): row for row in published}
    kept_text, kept_typed = [], []
    for text, typed in zip(conversion.observations, conversion.typed["observations"], strict=True):
        number = conversion.origin[text["observation_id"]]
        match = by_key.get(tuple(typed.get(name) for name in OBSERVATION_NATURAL_KEY))
        if match is not None and all(typed.get(name) == match.get(name) for name in _COMPARED_FIELDS):
            conversion.duplicates[number] = str(match["observation_id"])
            continue
        if match is not None:
            old_id = text["observation_id"]
            text["observation_id"] = typed["observation_id"] = str(match["observation_id"])
            conversion.origin[text["observation_id"]] = conversion.origin.pop(old_id)
            conversion.replaced[text["observation_id"]] = number
        kept_text.append(text)
        kept_typed.append(typed)
    conversion.observations = kept_text
    conversion.typed["observations"] = kept_typed
    cited = {row["source_id"] for row in kept_text}
    conversion.sources = [row for row in conversion.sources if row["source_id"] in cited]
    conversion.typed["sources"] = [row for row in conversion.typed["sources"] if row["source_id"] in cited]


def _find(rows: Iterable[Mapping[str, Any]], key: str, text: str) -> Mapping[str, Any] | None:
    """The row whose id is `text`, or whose name is `text` ignoring case and accents."""
    rows = list(rows)
    folded = _fold(text)
    return next((row for row in rows if row[key] == text), None) or next(
        (row for row in rows if _fold(str(row["name"])) == folded), None
    )


def _fold(text: str) -> str:
    """Case and accents ignored ("zurich" finds "Zürich"); other scripts stay themselves, so a Cyrillic
    look-alike letter never finds a Latin name."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def _slug(text: str, fallback: str) -> str:
    ascii_text = _fold(text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug or f"{fallback}-{_digest((text,), 8)}"


def _digest(parts: Iterable[object], length: int) -> str:
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _did_you_mean(text: str, candidates: Iterable[str]) -> str:
    matches = difflib.get_close_matches(text, list(candidates), n=1)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


# Preview ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadPreview:
    """Everything the "Your city" page needs from one upload.

    When `ok`, `tables` are validated, disclosure-protected Arrow tables (observations, sources, and
    stand-in cities and facilities) to pass with `replaced_observation_ids` to `store.with_upload`.
    """

    filename: str
    problems: list[Problem]
    notes: list[str]
    tables: dict[str, pa.Table]
    replaced_observation_ids: list[str]
    duplicate_rows: dict[int, str]
    disclosure: DisclosureReport | None
    city_ids: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def preview_upload(data: bytes, filename: str, store: Store, today: date | None = None) -> UploadPreview:
    """Read, check and protect one upload against the published data, for a session-only preview.

    Usage on a page: `preview = preview_upload(file.getvalue(), file.name, store)`, show `preview.problems`
    and `preview.notes`, then `with store.with_upload(preview.tables, preview.replaced_observation_ids) as
    combined:` run the usual named queries on `combined`.
    """
    upload = read_upload(data, filename)
    if not upload.ok:
        return UploadPreview(upload.filename, upload.problems, upload.notes, {}, [], {}, None, [])
    existing = published_tables(store, upload)
    conversion = upload_to_sources(upload, existing, today=today)
    if not conversion.ok:
        return UploadPreview(upload.filename, conversion.problems, conversion.notes, {}, [], {}, None, [])
    protected = protect(conversion.typed["observations"], existing["metrics"])
    tables = {
        "observations": to_arrow(OBSERVATIONS, protected.observations),
        "sources": to_arrow(SOURCES, conversion.typed["sources"]),
        "cities": to_arrow(CITIES, conversion.cities),
        "facilities": to_arrow(FACILITIES, conversion.facilities),
    }
    city_ids = sorted({str(row["city_id"]) for row in conversion.typed["observations"] if row["city_id"]})
    return UploadPreview(
        upload.filename,
        [],
        conversion.notes,
        tables,
        sorted(conversion.replaced),
        dict(conversion.duplicates),
        protected.report,
        city_ids,
    )


def published_tables(store: Store, upload: UploadResult) -> dict[str, list[dict[str, Any]]]:
    """The published rows an upload is checked against: the catalogue, places and sources (through the
    library's named queries), and the observations of the cities it names, to spot corrections and repeats."""
    tables = {name: store.query(name).to_pylist() for name in ("metrics", "cities", "facilities", "sources")}
    named = {row["city"] for row in upload.rows if row["city"]}
    found = (_find(tables["cities"], "city_id", text) for text in named)
    city_ids = sorted({str(city["city_id"]) for city in found if city is not None})
    tables["observations"] = (
        store.query("upload_reference_observations", city_ids=city_ids).to_pylist() if city_ids else []
    )
    return tables


# Reports ----------------------------------------------------------------------------------------------------


def problems_table(problems: Sequence[Problem]) -> pa.Table:
    """Problems as a table (file, row, column, message): for `st.dataframe`, and for a download through
    `export.to_csv_bytes`, which neutralises any text a spreadsheet would run."""
    return pa.table(
        {
            "file": [problem.path for problem in problems],
            "row": pa.array([problem.row for problem in problems], pa.int64()),
            "column": [problem.column for problem in problems],
            "message": [problem.message for problem in problems],
        }
    )


def check_upload_file(
    path: Path, existing: Mapping[str, Sequence[Mapping[str, Any]]], today: date | None = None
) -> tuple[list[Problem], list[str]]:
    """Every problem of an upload-format file on disk, as the page would find them, and how it was read."""
    conversion = upload_to_sources(read_upload_file(path), existing, today=today)
    return conversion.problems, conversion.notes


def read_upload_file(path: Path) -> UploadResult:
    """`read_upload` for a file on disk, refusing an oversized file before reading it into memory."""
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        return _failed(display_name(str(path)), _too_large(size))
    return read_upload(path.read_bytes(), str(path))
