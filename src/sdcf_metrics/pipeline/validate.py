"""Check the human-edited source CSVs before anything is built from them.

Validation is lazy: every problem in a batch is collected and reported as `FILE:ROW:COLUMN: message`, where
the message says what is wrong and how to fix it, so a curator can fix a whole batch in one pass. Nothing is
built while any problem remains: `load_sources` either returns typed rows for every table or raises
`ValidationFailed` (reliability guide R-5.1, R-5.2, R-5.4).

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row is row 2, and row 0
means the whole file. Column lists, types, choices and keys all come from `schema`.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .. import periods
from ..schema import SOURCE_TABLES, TABLES_BY_NAME, Table
from ..vocabulary import BREAKDOWN_DIMENSIONS, PERIOD_KINDS, RATES, SCOPES, entry, ids, metric_kinds
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

# The columns that say which figure an observation reports: two rows agreeing on all of them give the same
# figure twice. `rate_per` is part of it because a period's total and its daily average are two figures.
OBSERVATION_NATURAL_KEY = (
    "scope",
    "country",
    "region",
    "city_id",
    "facility_id",
    "metric_id",
    "breakdown",
    "period_kind",
    "period_start",
    "period_end",
    "rate_per",
    "source_id",
)

_COORDINATE_LIMITS = {"latitude": 90.0, "longitude": 180.0}


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
            row = _Row(name, number, {column: cells.get(column, "") for column in table.column_names}, {})
            read.problems.extend(_check_cells(row, table))
            read.rows.append(row)
        files.append(read)
    known = {read.table.name: read for read in files}
    for name, typed_rows in (reference or {}).items():
        trusted = [_Row(name, WHOLE_FILE, {}, dict(row)) for row in typed_rows]
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
class _Row:
    """A data row: its raw text and, for each cell that passed its own checks, the typed value."""

    path: str
    number: int
    text: dict[str, str]
    value: dict[str, object]
    checked: bool = True

    def problem(self, column: str, message: str) -> Problem:
        return Problem(self.path, self.number, column, message)

    def get(self, name: str) -> object:
        """The typed value, or None when the cell is empty or failed its own checks."""
        return self.value.get(name)


@dataclass
class _TableFile:
    """One source file as read: `readable` is False when its header (or bytes) made the rows unusable."""

    table: Table
    path: str
    rows: list[_Row]
    problems: list[Problem]
    readable: bool

    @property
    def checked_rows(self) -> list[_Row]:
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
        row = _Row(name, number, {column: cells.get(column, "") for column in table.column_names}, {})
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


def _check_cells(row: _Row, table: Table) -> Iterator[Problem]:
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
    known = _Known({other.table.name: other for other in files if other.readable})
    rows = read.checked_rows
    problems = list(read.problems)
    problems.extend(_duplicate_keys(rows, read.table.key, _key_message(read.table)))
    if read.table.name == "observations":
        problems.extend(_duplicate_keys(rows, OBSERVATION_NATURAL_KEY, _same_figure_message))
    references = _references(read.table)
    names_facility_and_city = "facility_id" in dict(references) and "city_id" in read.table.column_names
    for row in rows:
        problems.extend(_future_dates(row, read.table, today))
        problems.extend(_coordinates(row))
        problems.extend(_unknown_references(row, references, known))
        if names_facility_and_city:
            problems.extend(_facility_city(row, known))
        for rule in _TABLE_RULES.get(read.table.name, ()):
            problems.extend(rule(row, known))
    return problems


class _Known:
    """The rows of the readable tables by their key, for checking references between tables."""

    def __init__(self, files: dict[str, _TableFile]) -> None:
        self._rows: dict[str, dict[object, _Row]] = {}
        for name, read in files.items():
            (key,) = TABLES_BY_NAME[name].key
            by_key: dict[object, _Row] = {}
            for row in read.checked_rows:
                by_key.setdefault(row.get(key), row)
            self._rows[name] = by_key

    def has_table(self, name: str) -> bool:
        return name in self._rows

    def ids(self, name: str) -> list[str]:
        return [key for key in self._rows.get(name, {}) if isinstance(key, str)]

    def row(self, table: str, key: object) -> _Row | None:
        return self._rows.get(table, {}).get(key)


def _references(table: Table) -> list[tuple[str, Table]]:
    """Columns naming another table's key column (e.g. `city_id`) must hold one of that table's ids."""
    return [
        (column.name, target)
        for column in table.columns
        for target in SOURCE_TABLES
        if target is not table and target.key == (column.name,)
    ]


# Checks across rows and tables ---------------------------------------------------------------------------


def _key_message(table: Table) -> Callable[[tuple[str, ...], int], str]:
    def message(values: tuple[str, ...], first: int) -> str:
        key, shown = " + ".join(table.key), ", ".join(show(value) for value in values)
        return f"duplicate {key} {shown}: row {first} already has it; give each row its own {key}"

    return message


def _same_figure_message(values: tuple[str, ...], first: int) -> str:
    return (
        f"same figure as row {first} (same scope, place, metric, breakdown, period, rate_per and source); "
        "delete one of them, or tell them apart with a breakdown"
    )


def _duplicate_keys(
    rows: Iterable[_Row], key: tuple[str, ...], message: Callable[[tuple[str, ...], int], str]
) -> Iterator[Problem]:
    """Rows agreeing on every key column, each reported naming the row seen first; empty ids are skipped."""
    column = key[0] if len(key) == 1 else NO_COLUMN
    first_rows: dict[tuple[str, ...], int] = {}
    for row in rows:
        values = tuple(row.text[name] for name in key)
        if len(key) == 1 and not values[0]:
            continue
        first = first_rows.setdefault(values, row.number)
        if first != row.number:
            yield row.problem(column, message(values, first))


def _future_dates(row: _Row, table: Table, today: date) -> Iterator[Problem]:
    for column in table.columns:
        text = row.get(column.name)
        if column.type == "date" and isinstance(text, str) and periods.parse_partial_date(text)[0] > today:
            message = f"{show(text)} is in the future (today is {today.isoformat()}); check for a typo"
            yield row.problem(column.name, message)


def _coordinates(row: _Row) -> Iterator[Problem]:
    for name, limit in _COORDINATE_LIMITS.items():
        value = row.get(name)
        if isinstance(value, float) and abs(value) > limit:
            yield row.problem(
                name,
                f"{value:g} is outside -{limit:g} to {limit:g}; write WGS84 degrees and check that "
                "latitude and longitude are not swapped",
            )


def _unknown_references(row: _Row, references: list[tuple[str, Table]], known: _Known) -> Iterator[Problem]:
    for name, target in references:
        value = row.get(name)
        if value is None or not known.has_table(target.name):
            continue
        if known.row(target.name, value) is None:
            hint = did_you_mean(str(value), known.ids(target.name))
            message = f"unknown {name} {show(str(value))}{hint}; use one in {target.file_name} or add it"
            yield row.problem(name, message)


def _facility_city(row: _Row, known: _Known) -> Iterator[Problem]:
    """A row naming both a facility and a city must name the city the facility is in."""
    facility = known.row("facilities", row.get("facility_id"))
    city = row.get("city_id")
    if facility is None or city is None or (known.has_table("cities") and known.row("cities", city) is None):
        return  # an unknown facility or city is reported as such
    facility_city = facility.get("city_id")
    if facility_city is not None and facility_city != city:
        facility_id = show(str(row.get("facility_id")))
        message = f"facility {facility_id} is in city {show(str(facility_city))}, not {show(str(city))}"
        yield row.problem("city_id", f"{message}; make city_id match the facility")


# Table-specific rules ------------------------------------------------------------------------------------


def _scope(row: _Row, known: _Known) -> Iterator[Problem]:
    scope = row.get("scope")
    needs = next((choice.needs for choice in SCOPES if choice.id == scope), ())
    for name in needs:
        if not row.text[name]:
            yield row.problem(name, f"required when scope is {scope}; fill it in")


def _period(row: _Row, known: _Known) -> Iterator[Problem]:
    kind = row.get("period_kind")
    start, end = row.get("period_start"), row.get("period_end")
    if kind is None:
        return
    if not row.text["period_start"] and kind != "since_opening":
        message = f"required when period_kind is {kind}; only since_opening may leave it empty"
        yield row.problem("period_start", message)
    if isinstance(start, str) and isinstance(end, str):
        if periods.parse_partial_date(end)[1] < periods.parse_partial_date(start)[0]:
            message = f"{show(end)} is before period_start {show(start)}; swap them or fix the typo"
            yield row.problem("period_end", message)
    if entry(PERIOD_KINDS, str(kind)).written_as:
        yield from _single_unit_period(row, str(kind), start, end)


def _single_unit_period(row: _Row, kind: str, start: object, end: object) -> Iterator[Problem]:
    """A day, month or year period names that one day, month or year twice, written at that precision
    (the kind's id is the precision's name in `periods.precision`)."""
    written_right = True
    for name, text in (("period_start", start), ("period_end", end)):
        if isinstance(text, str) and periods.precision(text) != kind:
            written_right = False
            message = f"write a {kind} period as {entry(PERIOD_KINDS, kind).written_as}, not {show(text)}"
            yield row.problem(name, f"{message}, or choose the period_kind that matches the dates")
    if written_right and isinstance(start, str) and isinstance(end, str) and start != end:
        yield row.problem(
            "period_end",
            f"a {kind} period starts and ends in the same {kind}, but {show(start)} and "
            f"{show(end)} differ; make them equal, or use period_kind span",
        )


def _value_shape(row: _Row, known: _Known) -> Iterator[Problem]:
    """A range has a low and a high end and no single value; every other qualifier has just a value."""
    qualifier = row.get("qualifier")
    if qualifier is None:
        return
    if qualifier == "range":
        if row.text["value"]:
            yield row.problem(
                "value", "a range has no single value; leave value empty and use value_low and value_high"
            )
        for name in ("value_low", "value_high"):
            if not row.text[name]:
                yield row.problem(name, "required when qualifier is range; fill it in")
        low, high = row.get("value_low"), row.get("value_high")
        if isinstance(low, float) and isinstance(high, float) and low > high:
            yield row.problem("value_high", f"{high:g} is below value_low {low:g}; swap them")
    else:
        if not row.text["value"]:
            message = f"required when qualifier is {qualifier}; fill it in, or use qualifier range"
            yield row.problem("value", f"{message} with value_low and value_high")
        for name in ("value_low", "value_high"):
            if row.text[name]:
                yield row.problem(
                    name,
                    f"only a range has {name}; empty it, or set qualifier to range and leave value empty",
                )


def _value_sign(row: _Row, known: _Known) -> Iterator[Problem]:
    """What a value may be depends on its metric's kind: counts are whole, and only changes go negative."""
    metric = known.row("metrics", row.get("metric_id"))
    kind = metric.get("kind") if metric else None
    if kind is None:
        return
    metric_id = row.get("metric_id")
    for name in ("value", "value_low", "value_high"):
        value = row.get(name)
        if not isinstance(value, float):
            continue
        if value < 0 and kind not in metric_kinds(signed=True):
            message = f"{value:g} is negative, but {metric_id} is a {kind}"
            yield row.problem(
                name, f"{message}; only a {', '.join(metric_kinds(signed=True))} may be below zero"
            )
        elif (
            kind in metric_kinds(whole_number=True) and not value.is_integer() and row.get("rate_per") is None
        ):
            message = f"{value:g} is not a whole number, but {metric_id} is a {kind}"
            yield row.problem(
                name,
                f"{message}; write the figure the source gives, or set rate_per "
                f"({', '.join(ids(RATES))}) if it is an average",
            )


def _breakdown(row: _Row, known: _Known) -> Iterator[Problem]:
    text = row.get("breakdown")
    if not isinstance(text, str):
        return
    dimension, equals, value = text.partition("=")
    if not equals or not value or dimension not in ids(BREAKDOWN_DIMENSIONS):
        yield row.problem(
            "breakdown",
            f"{show(text)} is not dimension=value; leave it empty for a total, or write e.g. "
            f"sex=female with dimension one of: {', '.join(ids(BREAKDOWN_DIMENSIONS))}",
        )


def _url_or_document(row: _Row, known: _Known) -> Iterator[Problem]:
    if not row.text["url"] and not row.text["document"]:
        yield row.problem("url", "a source needs a url, or a citation in document when it has no url")


def _closed_after_opened(row: _Row, known: _Known) -> Iterator[Problem]:
    opened, closed = row.get("opened"), row.get("closed")
    if isinstance(opened, str) and isinstance(closed, str):
        if periods.parse_partial_date(closed)[1] < periods.parse_partial_date(opened)[0]:
            message = f"{show(closed)} is before opened {show(opened)}; swap them or fix the typo"
            yield row.problem("closed", message)


_TABLE_RULES: dict[str, tuple[Callable[[_Row, _Known], Iterable[Problem]], ...]] = {
    "observations": (_scope, _period, _value_shape, _value_sign, _breakdown),
    "facilities": (_closed_after_opened,),
    "sources": (_url_or_document,),
}
