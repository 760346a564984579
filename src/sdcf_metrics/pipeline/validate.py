"""Check the human-edited source CSVs before anything is built from them.

Validation is lazy: every problem in a batch is collected and reported as `FILE:ROW:COLUMN: message`, where
the message says what is wrong and how to fix it, so a curator can fix a whole batch in one pass. Nothing is
built while any problem remains: `load_sources` either returns typed rows for every table or raises
`ValidationFailed` (reliability guide R-5.1, R-5.2, R-5.4).

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row is row 2, and row 0
means the whole file. Column lists, types, choices and keys all come from `schema`. This module reads files
and records; what one cell may hold is `cells`, and what a row must satisfy beyond its cells is `rules`.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..schema import SOURCE_TABLES, TABLES_BY_NAME, Table
from .cells import (
    NO_COLUMN,
    WHOLE_FILE,
    Problem,
    decode_csv_bytes,
    did_you_mean,
    hygiene_problem,
    parse_cell,
    show,
)
from .rules import Known, Row, table_problems


class ValidationFailed(Exception):
    """The sources have problems, so nothing may be built from them; `problems` lists every one, sorted."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        summary = f"{count} problem{'' if count == 1 else 's'} in the source files"
        super().__init__(f"{summary}; the first is {self.problems[0]}" if self.problems else summary)


def read_table_rows(path: Path, table: Table) -> tuple[list[dict[str, str]], list[Problem]]:
    """Read a source CSV into raw text rows keyed by the table's column names, with header problems.

    `rows[i]` is always spreadsheet row `i + 2`; a column the file lacks reads as "". When the header is
    unusable (empty file, missing required or duplicated columns) no rows are returned.
    """
    read = _read_file(path, table)
    return [row.text for row in read.rows], read.problems


def validate_paths(paths: Sequence[Path], today: date | None = None) -> list[Problem]:
    """Every problem in the given source directories or single source files, sorted by place.

    A single file is named after its table (e.g. `observations.csv`); its references are checked against the
    other tables in the same directory when those files exist.
    """
    today = today or date.today()
    problems: set[Problem] = set()
    for path in map(Path, paths):
        if path.is_dir():
            problems.update(_validate_directory(path, today)[1])
        elif path.exists():
            problems.update(_validate_single_file(path, today))
        else:
            message = "no such file or directory; give a source directory or one of its CSV files"
            problems.add(Problem(str(path), WHOLE_FILE, NO_COLUMN, message))
    return sorted(problems)


def load_sources(source_dir: Path, today: date | None = None) -> dict[str, list[dict[str, object]]]:
    """Typed rows of every source table, by table name, or ValidationFailed listing every problem.

    Empty cells are None, numbers float, integers int, booleans bool; everything else stays text.
    An absent optional table (events) gives an empty list.
    """
    files, problems = _validate_directory(Path(source_dir), today or date.today())
    if problems:
        raise ValidationFailed(problems)
    tables: dict[str, list[dict[str, object]]] = {table.name: [] for table in SOURCE_TABLES}
    for read in files:
        tables[read.table.name] = [
            {name: row.value[name] for name in read.table.column_names} for row in read.rows
        ]
    return tables


@dataclass(frozen=True)
class CheckedRecords:
    """Rows read from records (row 1 the header), with their spreadsheet row numbers and problems.

    `rows` holds the cell text of every row whose shape is sound, keyed by the table's column names; blank
    and ragged rows are left out (and reported), as are all rows when the header is unusable.
    """

    rows: list[dict[str, str]]
    numbers: list[int]
    problems: list[Problem]


def check_records(records: Sequence[Sequence[str]], table: Table, path: str) -> CheckedRecords:
    """Header, row-shape and per-cell problems of a table that did not come from a source file on disk.

    Uploads use this with their own column spec, so a cell in an upload is checked exactly as the same kind
    of cell in a source file (types, choices, hygiene), and problems already carry the upload's row and
    column.
    """
    read = _read_records([list(record) for record in records], table, path)
    checked = read.checked_rows
    return CheckedRecords([row.text for row in checked], [row.number for row in checked], read.problems)


def check_rows(
    rows: Mapping[str, Sequence[tuple[int, Mapping[str, str]]]],
    reference: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
    today: date | None = None,
) -> tuple[dict[str, list[dict[str, object]]], list[Problem]]:
    """Check rows held in memory (e.g. converted from an upload) with every rule the source files get.

    `rows` maps a table name to (row number, cell text) pairs. Problems carry the table name as their path
    and the given row numbers, so the caller can say where each came from. `reference` holds rows already
    validated (typed, as `load_sources` returns them) that ids may refer to. Returns the typed rows of
    each table (a cell that failed its check is None) and every problem, sorted.
    """
    today = today or date.today()
    files: list[_TableFile] = []
    for name, numbered in rows.items():
        table = TABLES_BY_NAME[name]
        read = _TableFile(table, name, [], [], readable=True)
        for number, cells in numbered:
            row = Row(name, number, {column: cells.get(column, "") for column in table.column_names}, {})
            read.problems.extend(_check_cells(row, table))
            read.rows.append(row)
        files.append(read)
    known = {read.table.name: read for read in files}
    for name, typed_rows in (reference or {}).items():
        trusted = [Row(name, WHOLE_FILE, {}, dict(row)) for row in typed_rows]
        mine = known[name].rows if name in known else []
        known[name] = _TableFile(TABLES_BY_NAME[name], name, [*mine, *trusted], [], readable=True)
    problems = [problem for read in files for problem in _check_file(read, list(known.values()), today)]
    typed = {
        read.table.name: [{name: row.get(name) for name in read.table.column_names} for row in read.rows]
        for read in files
    }
    return typed, sorted(set(problems))


# Reading -------------------------------------------------------------------------------------------------


@dataclass
class _TableFile:
    """One source file as read: `readable` is False when its header (or bytes) made the rows unusable."""

    table: Table
    path: str
    rows: list[Row]
    problems: list[Problem]
    readable: bool

    @property
    def checked_rows(self) -> list[Row]:
        """Rows whose shape was sound; blank and ragged rows are reported once and not checked further."""
        return [row for row in self.rows if row.checked]


def _read_file(path: Path, table: Table) -> _TableFile:
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        message = f"cannot read the file ({error.strerror or error}); check the path"
        return _unreadable(table, name, [Problem(name, WHOLE_FILE, NO_COLUMN, message)])
    text, problems = decode_csv_bytes(data, name)
    if problems:
        return _unreadable(table, name, problems)
    records, problems = _parse_csv(text, name)
    if problems:
        return _unreadable(table, name, problems)
    return _read_records(records, table, name)


def _read_records(records: list[list[str]], table: Table, name: str) -> _TableFile:
    """Check the header, then each row's shape and cells, of records already split into cells."""
    if not records or not any(records[0]):
        message = f"the file is empty; row 1 must be the header: {','.join(table.column_names)}"
        return _unreadable(table, name, [Problem(name, WHOLE_FILE, NO_COLUMN, message)])
    header = records[0]
    problems, usable = _check_header(header, table, name)
    if not usable:
        return _unreadable(table, name, problems)
    rows = []
    for number, record in enumerate(records[1:], start=2):
        cells = dict(zip(header, record, strict=False))
        row = Row(name, number, {column: cells.get(column, "") for column in table.column_names}, {})
        shape_problem = _row_shape_problem(record, header)
        if shape_problem:
            row.checked = False
            problems.append(row.problem(NO_COLUMN, shape_problem))
        else:
            problems.extend(_check_cells(row, table))
        rows.append(row)
    return _TableFile(table, name, rows, problems, readable=True)


def _unreadable(table: Table, path: str, problems: list[Problem]) -> _TableFile:
    return _TableFile(table, path, [], problems, readable=False)


def _parse_csv(text: str, path: str) -> tuple[list[list[str]], list[Problem]]:
    """Split the text into records, quoting strictly so an unclosed quote cannot swallow the rest."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return list(reader), []
    except csv.Error as error:
        message = f"cannot read the CSV near line {reader.line_num} ({error}); check the double quotes there"
        return [], [Problem(path, WHOLE_FILE, NO_COLUMN, message)]


def _check_header(header: list[str], table: Table, path: str) -> tuple[list[Problem], bool]:
    """Header problems, and whether the rows can still be read (unknown columns are merely ignored)."""
    if len(header) == 1 and ";" in header[0]:
        message = "the file is not comma-separated (it uses ';'); save it as CSV with commas between cells"
        return [Problem(path, WHOLE_FILE, NO_COLUMN, message)], False
    problems, usable = [], True
    for name, count in Counter(header).items():
        if count > 1:
            usable = False
            message = f"column appears {count} times in the header; keep one"
            problems.append(Problem(path, 1, name or NO_COLUMN, message))
        if name not in table.column_names:
            hint = did_you_mean(name.strip().lower(), table.column_names)
            columns = ", ".join(table.column_names)
            message = f"unknown column {show(name)}{hint}; the columns of {table.file_name} are {columns}"
            problems.append(Problem(path, 1, name or NO_COLUMN, message))
    for column in table.columns:
        if column.required and column.name not in header:
            usable = False
            message = "required column is missing from the header; add it"
            problems.append(Problem(path, 1, column.name, message))
    return problems, usable


def _row_shape_problem(record: list[str], header: list[str]) -> str | None:
    """Blank and ragged rows are reported once and not checked further: their cells are misplaced."""
    if not any(record):
        return "blank row; delete it"
    if len(record) != len(header):
        return (
            f"the row has {len(record)} cells but the header has {len(header)}; put any text containing a "
            "comma in double quotes, and give every row one cell per column"
        )
    return None


def _check_cells(row: Row, table: Table) -> Iterator[Problem]:
    """Check each cell on its own (hygiene, required, type) and keep the typed value of those that pass."""
    for column in table.columns:
        text = row.text[column.name]
        message = hygiene_problem(text)
        if message is None and text == "" and column.required:
            message = "required value is missing; fill it in" + (f" ({column.doc})" if column.doc else "")
        if message is None:
            try:
                row.value[column.name] = parse_cell(column, text)
            except ValueError as error:
                message = str(error)
        if message is not None:
            yield row.problem(column.name, message)


# Validating a directory or a file ------------------------------------------------------------------------


def _validate_directory(directory: Path, today: date) -> tuple[list[_TableFile], list[Problem]]:
    files, problems = [], []
    for table in SOURCE_TABLES:
        path = directory / table.file_name
        if path.is_file():
            files.append(_read_file(path, table))
        elif not table.optional_file:
            message = f"{table.file_name} is missing; a source directory needs it, if only its header row"
            problems.append(Problem(str(path), WHOLE_FILE, NO_COLUMN, message))
    for read in files:
        problems.extend(_check_file(read, files, today))
    return files, sorted(problems)


def _validate_single_file(path: Path, today: date) -> list[Problem]:
    table = next((table for table in SOURCE_TABLES if table.file_name == path.name), None)
    if table is None:
        names = ", ".join(table.file_name for table in SOURCE_TABLES)
        message = f"unknown file name; name the file after its table: {names}"
        return [Problem(str(path), WHOLE_FILE, NO_COLUMN, message)]
    read = _read_file(path, table)
    siblings = [
        _read_file(path.parent / other.file_name, other)
        for other in SOURCE_TABLES
        if other is not table and (path.parent / other.file_name).is_file()
    ]
    return _check_file(read, [read, *siblings], today)


def _check_file(read: _TableFile, files: Sequence[_TableFile], today: date) -> list[Problem]:
    """All problems of one file: its own reading problems, then checks across its rows and other tables."""
    if not read.readable:
        return list(read.problems)
    known = Known({other.table.name: other.checked_rows for other in files if other.readable})
    return [*read.problems, *table_problems(read.table, read.checked_rows, known, today)]
