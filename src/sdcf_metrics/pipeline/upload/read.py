"""Reading an upload: bytes of a CSV or Excel file in, rows in the upload format (or problems) out.

The upload format (`schema.UPLOAD`, documented in the package's `docs/data-format.md`) has one row per
figure with its source written out on the same row. The upload package has three steps, each usable alone:

    read.read_upload(data, filename)          bytes -> rows in the upload format, or problems; no disk
    convert.upload_to_sources(upload, ...)    rows -> observation and source rows, checked by `validate`
    preview.preview_upload(data, name, store) both, then disclosure control: Arrow tables for
                                              `store.with_upload(...)`, the only place an upload is queried

Files are untrusted: the type is decided by content, never by name; size, rows, columns and unpacked
size are bounded before anything is parsed; Excel workbooks are read with defusedxml, read-only, values
only, and formulas, macros, hidden sheets and merged cells are reported rather than interpreted. Every
problem names the file, row and column, says what is wrong and how to fix it, and quotes cell text only
through `repr`, so formula text and control characters arrive inert.

Every stage is bounded by what it actually reads, never by what the file declares: a workbook's parts are
unpacked in chunks against a running byte budget (a zip's sizes can lie), and checking stops once
`MAX_PROBLEMS` problems are found. The page and the command line read uploads through `isolated`, which
runs this module in a child process with a memory and a time limit.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any

import defusedxml.ElementTree
import openpyxl
from defusedxml import DefusedXmlException

from ...schema import UPLOAD, UPLOAD_COLUMNS
from ..cells import NO_COLUMN, WHOLE_FILE, Problem, decode_text
from ..validate import check_records

MAX_UPLOAD_BYTES = 5_000_000  # 5 MB as the browser counts them (decimal); the uploader says "5 MB"
MAX_ROWS = 5_000
MAX_COLUMNS = 60
MAX_UNPACKED_BYTES = 20_000_000
MAX_ARCHIVE_MEMBERS = 500
MAX_PROBLEMS = 200
_CHUNK = 65_536  # bytes unpacked at a time
_CHECK_ROWS = 250  # rows checked at a time, so that checking stops soon after MAX_PROBLEMS

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
        return refused(name, "the file is empty (0 bytes); fill in the template and upload it again")
    if len(data) > MAX_UPLOAD_BYTES:
        return refused(name, too_large(len(data)))
    if data.startswith(_ZIP_MAGIC):
        return _read_workbook(data, name)
    for signature, kind in _BINARY_SIGNATURES:
        if data.startswith(signature):
            return refused(name, f"this is {kind}, not a CSV or Excel file")
    return _read_text(data, name)


def display_name(filename: str) -> str:
    """The file name as problems show it: invisible characters made visible, and not too long."""
    shown = "".join("?" if unicodedata.category(c) in _INVISIBLE else c for c in filename) or "upload"
    return shown if len(shown) <= 120 else shown[:119] + "…"


def refused(name: str, message: str) -> UploadResult:
    """An upload refused as a whole, for one reason (`name` as `display_name` gives it)."""
    return UploadResult(name, [], [], [Problem(name, WHOLE_FILE, NO_COLUMN, message)])


def too_large(size: int) -> str:
    return (
        f"the file is {size:,} bytes, more than the {_megabytes(MAX_UPLOAD_BYTES)} "
        f"({MAX_UPLOAD_BYTES:,} bytes) an upload may hold; split it into several files"
    )


def _megabytes(size: int) -> str:
    """A size in decimal megabytes, as the browser's uploader counts them: 5,000,000 bytes are 5 MB."""
    return f"{size / 10**6:,.1f}".removesuffix(".0") + " MB"


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
        return refused(
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
        return refused(name, message)
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
    return refused(name, f"the file has more than {MAX_ROWS:,} figures; split it into several files")


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
    rows, numbers, found = _checked(records, name, set(problems))
    return UploadResult(name, rows, numbers, bounded(sorted(found)), notes, list(steward_problems))


def _checked(
    records: list[list[str]], name: str, found: set[Problem]
) -> tuple[list[dict[str, str]], list[int], set[Problem]]:
    """Check the records with the validator's rules, a few rows at a time, until MAX_PROBLEMS are found.

    Each cell is checked on its own, so checking the rows in slices finds what checking them all at once
    would, and stops building problems that could never be shown.
    """
    header, rows, numbers = records[:1], [], []
    for start in range(1, max(len(records), 2), _CHECK_ROWS):
        checked = check_records(header + records[start : start + _CHECK_ROWS], UPLOAD, name)
        shift = start - 1
        found.update(
            replace(problem, row=problem.row + shift) if problem.row > 1 else problem
            for problem in checked.problems
        )
        rows.extend(checked.rows)
        numbers.extend(number + shift for number in checked.numbers)
        if len(found) > MAX_PROBLEMS:
            break
    return rows, numbers, found


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


def bounded(problems: list[Problem]) -> list[Problem]:
    """At most MAX_PROBLEMS problems, then one saying that there are more (checking stops at the cap, so
    how many more is not known)."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    more = Problem(
        problems[0].path,
        WHOLE_FILE,
        NO_COLUMN,
        f"and more problems: checking stops after {MAX_PROBLEMS:,}; fix the ones above first",
    )
    return [*problems[:MAX_PROBLEMS], more]


# Excel ------------------------------------------------------------------------------------------------------


def _read_workbook(data: bytes, name: str) -> UploadResult:
    problems = _archive_problems(data, name)
    if problems:
        return UploadResult(name, [], [], problems)
    if not openpyxl.DEFUSEDXML:
        return refused(name, "Excel files cannot be read safely here (defusedxml is missing); upload a CSV")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
        try:
            return _read_sheet(workbook, data, name)
        finally:
            workbook.close()
    except Exception as error:  # openpyxl raises many types on damaged files; each means "unreadable"
        if _caused_by_entities(error):
            return refused(
                name, "the workbook declares XML entities, which Excel never writes; it was not read"
            )
        return refused(
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
        if len(members) > MAX_ARCHIVE_MEMBERS:
            return problem(
                f"the workbook has {len(members):,} parts, more than the {MAX_ARCHIVE_MEMBERS} an upload may "
                "hold; it was not unpacked"
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
            message = _unpacking_problem(archive, members)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as error:
            return problem(f"cannot unpack the workbook ({error}); remove any password and save it again")
        return problem(message) if message else []


def _unpacking_problem(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> str | None:
    """Unpack every part in chunks, counting what actually comes out (never the sizes the zip declares),
    and look into the XML parts; what is wrong, or None. Reading each part to its end checks its CRC."""
    budget = MAX_UNPACKED_BYTES
    for member in members:
        xml = member.filename.endswith((".xml", ".rels"))
        tail = b""
        with archive.open(member) as part:
            while chunk := part.read(_CHUNK):
                budget -= len(chunk)
                if budget < 0:
                    return (
                        f"the workbook unpacks to more than the {_megabytes(MAX_UNPACKED_BYTES)} an upload "
                        "may hold; it was not read"
                    )
                window = tail + chunk
                if xml and (b"<!DOCTYPE" in window or b"<!ENTITY" in window):
                    return (
                        f"the part {member.filename!r} declares an XML document type, which Excel never "
                        "writes; the workbook was not read"
                    )
                if member.filename == "[Content_Types].xml" and b"macroEnabled" in window:
                    return "the workbook is macro-enabled (.xlsm); save it as an Excel Workbook (.xlsx)"
                tail = chunk[-16:]
    return None


_ROOT_START = re.compile(rb"<(?![?!])([\w.:-]+)[^>]*>")
_CELLS_START = re.compile(rb"<(?:[\w.-]+:)?sheetData\b[^>]*?(/?)>")
_CELLS_END = re.compile(rb"</(?:[\w.-]+:)?sheetData\s*>")
_TAG_ROOM = 512  # bytes kept between chunks, so that a tag cut in two is still found


class _CellsOnly:
    """A worksheet part read as its root element around its `sheetData` (the cells) and nothing else.

    Even read-only, openpyxl turns every other element of a sheet into objects: 1.8 million merged cells in
    a 110 KB file took 77 s and 1.5 GB. Merged cells are found by `_merged_cell_problems`, which stops at
    the cap; nothing else of the sheet is needed. The part is filtered as it streams, in chunks.
    """

    def __init__(self, part: Any) -> None:
        self._part = part
        self._pending = b""
        self._out = bytearray()
        self._root = b""
        self._phase = "root"

    def __enter__(self) -> _CellsOnly:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._part.close()

    def read(self, size: int = -1) -> bytes:
        while self._phase != "done" and (size < 0 or len(self._out) < size):
            self._feed(self._part.read(_CHUNK))
        size = len(self._out) if size < 0 else size
        data = bytes(self._out[:size])
        del self._out[:size]
        return data

    def _feed(self, chunk: bytes) -> None:
        self._pending += chunk
        if self._phase == "root":
            match = _ROOT_START.search(self._pending)
            if match is None:
                if not chunk or len(self._pending) > _CHUNK:
                    self._finish()
                return
            self._out += self._pending[: match.end()]
            self._root, self._pending, self._phase = match.group(1), self._pending[match.end() :], "skip"
        if self._phase == "skip":
            match = _CELLS_START.search(self._pending)
            if match is None:
                self._pending = self._pending[-_TAG_ROOM:]
                if not chunk:
                    self._finish()
                return
            self._out += match.group(0)
            self._pending, self._phase = self._pending[match.end() :], "cells"
            if match.group(1):
                self._finish()
                return
        if self._phase == "cells":
            match = _CELLS_END.search(self._pending)
            if match is None:
                if not chunk:
                    self._out += self._pending
                    self._finish()
                    return
                self._out += self._pending[:-_TAG_ROOM]
                self._pending = self._pending[-_TAG_ROOM:]
                return
            self._out += self._pending[: match.end()]
            self._finish()

    def _finish(self) -> None:
        if self._root:
            self._out += b"</" + self._root + b">"
        self._pending, self._phase = b"", "done"


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
        return refused(name, "the workbook has no visible sheet; unhide the sheet with the figures")
    chosen = next((sheet for sheet in visible if sheet.title.casefold() == FIGURES_SHEET), visible[0])
    ignored = [s.title for s in visible if s is not chosen and s.title.casefold() not in TEMPLATE_HELP_SHEETS]
    if ignored:
        others = ", ".join(repr(title) for title in ignored)
        notes.append(f"only the sheet {chosen.title!r} was read; {others} ignored")
    problems = list(_merged_cell_problems(data, chosen, name))
    records: list[list[str]] = []
    header: list[str] = []
    chosen.reset_dimensions()  # the declared size may be a lie; read the cells that exist
    part = chosen._worksheet_path  # openpyxl 3.1's name for the sheet's XML part, as below
    chosen._get_source = lambda: _CellsOnly(workbook._archive.open(part))
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
    found = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(sheet._worksheet_path) as part:
        for _, element in defusedxml.ElementTree.iterparse(part):
            if element.tag.endswith("}mergeCell"):
                cells = element.get("ref", "")[:40]
                first_row = int(re.sub(r"\D", "", cells.split(":")[0])[:9] or 0)
                yield Problem(
                    name,
                    first_row,
                    NO_COLUMN,
                    f"{sheet.title}!{cells} are merged cells; unmerge them and write the value in every row",
                )
                found += 1
                if found > MAX_PROBLEMS:
                    return  # as many as can be shown: the rest need not be found
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
