"""The rules a row of a source table must satisfy, beyond its own cells: against the other rows (keys, the
same figure twice) and the other tables (references), and the rules of each table (a range has two ends,
a day period names one day, a count is whole...). Add a check here: a function of a row and the known
rows that yields problems, listed under its table in `_TABLE_RULES`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from .. import periods
from ..schema import SOURCE_TABLES, TABLES_BY_NAME, Table
from ..vocabulary import (
    BREAKDOWN_DIMENSIONS,
    PERIOD_KINDS,
    RATES,
    SCOPES,
    TRANSLATED_COLUMNS,
    entry,
    ids,
    metric_kinds,
)
from .cells import NO_COLUMN, Problem, did_you_mean, show
from .conflicts import CONFLICT_KEY, unrecorded

# The columns that say which figure an observation reports: two rows agreeing on all of them give the same
# figure twice. `rate_per` is part of it because a period's total and its daily average are two figures; the
# source too, since two sources giving one figure are two rows (and disagree, see `conflicts`).
OBSERVATION_NATURAL_KEY = (*CONFLICT_KEY, "source_id")

# Multinational areas whose membership changed: a row must name which one it covers.
_AMBIGUOUS_AREAS = ("EU", "European Union")

_COORDINATE_LIMITS = {"latitude": 90.0, "longitude": 180.0}


@dataclass
class Row:
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


class Known:
    """The rows of the readable tables by their key, for checking references between tables."""

    def __init__(self, tables: Mapping[str, Sequence[Row]]) -> None:
        self._rows: dict[str, dict[object, Row]] = {}
        for name, rows in tables.items():
            if len(TABLES_BY_NAME[name].key) != 1:
                continue  # no other table refers to a row of a table with a composite key
            (key,) = TABLES_BY_NAME[name].key
            by_key: dict[object, Row] = {}
            for row in rows:
                by_key.setdefault(row.get(key), row)
            self._rows[name] = by_key

    def has_table(self, name: str) -> bool:
        return name in self._rows

    def ids(self, name: str) -> list[str]:
        return [key for key in self._rows.get(name, {}) if isinstance(key, str)]

    def row(self, table: str, key: object) -> Row | None:
        return self._rows.get(table, {}).get(key)

    def rows(self, table: str) -> list[Row]:
        return list(self._rows.get(table, {}).values())


def table_problems(table: Table, rows: Sequence[Row], known: Known, today: date) -> list[Problem]:
    """Every problem of a table's checked rows across rows and tables, and by the table's own rules."""
    problems: list[Problem] = []
    problems.extend(_duplicate_keys(rows, table.key, _key_message(table)))
    if table.name == "observations":
        problems.extend(_duplicate_keys(rows, OBSERVATION_NATURAL_KEY, _same_figure_message))
        problems.extend(_unrecorded_conflicts(rows, known))
    references = _references(table)
    names_facility_and_city = "facility_id" in dict(references) and "city_id" in table.column_names
    for row in rows:
        problems.extend(_future_dates(row, table, today))
        problems.extend(_coordinates(row))
        problems.extend(_unknown_references(row, references, known))
        if names_facility_and_city:
            problems.extend(_facility_city(row, known))
        for rule in _TABLE_RULES.get(table.name, ()):
            problems.extend(rule(row, known))
    return problems


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
    rows: Iterable[Row], key: tuple[str, ...], message: Callable[[tuple[str, ...], int], str]
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


def _future_dates(row: Row, table: Table, today: date) -> Iterator[Problem]:
    for column in table.columns:
        text = row.get(column.name)
        if column.type == "date" and isinstance(text, str) and periods.parse_partial_date(text)[0] > today:
            message = f"{show(text)} is in the future (today is {today.isoformat()}); check for a typo"
            yield row.problem(column.name, message)


def _coordinates(row: Row) -> Iterator[Problem]:
    for name, limit in _COORDINATE_LIMITS.items():
        value = row.get(name)
        if isinstance(value, float) and abs(value) > limit:
            yield row.problem(
                name,
                f"{value:g} is outside -{limit:g} to {limit:g}; write WGS84 degrees and check that "
                "latitude and longitude are not swapped",
            )


def _unknown_references(row: Row, references: list[tuple[str, Table]], known: Known) -> Iterator[Problem]:
    for name, target in references:
        value = row.get(name)
        if value is None or not known.has_table(target.name):
            continue
        if known.row(target.name, value) is None:
            hint = did_you_mean(str(value), known.ids(target.name))
            message = f"unknown {name} {show(str(value))}{hint}; use one in {target.file_name} or add it"
            yield row.problem(name, message)


def _facility_city(row: Row, known: Known) -> Iterator[Problem]:
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


def _unrecorded_conflicts(rows: Sequence[Row], known: Known) -> Iterator[Problem]:
    """Two sources giving different values for the same figure: both stay, and a steward records which
    leads and why in conflicts.csv. Until then the later row of each pair is reported, naming the other."""
    recorded = [conflict.text for conflict in known.rows("conflicts")]
    for pair in unrecorded([row.text for row in rows], recorded):
        first, second = rows[pair.first], rows[pair.second]
        if first.text["source_id"] == second.text["source_id"]:
            continue  # the same figure twice from one source, reported as such
        yield second.problem(
            NO_COLUMN,
            f"sources disagree: {show(second.text['observation_id'])} and row {first.number} "
            f"({show(first.text['observation_id'])}) give values that cannot both be right for the same "
            "place, metric and period; keep both and record them in conflicts.csv (which leads, and why), "
            "or correct the one that is wrong",
        )


# Table-specific rules ------------------------------------------------------------------------------------


def _scope(row: Row, known: Known) -> Iterator[Problem]:
    scope = row.get("scope")
    choice = next((choice for choice in SCOPES if choice.id == scope), None)
    needs = choice.needs if choice else ()
    for name in needs:
        if not row.text[name]:
            yield row.problem(name, f"required when scope is {scope}; fill it in")
    if scope == "multinational" and row.text["country"] in _AMBIGUOUS_AREAS:
        yield row.problem(
            "country",
            f"{show(row.text['country'])} is ambiguous: write EU-27 or EU-28 (with the United Kingdom), as "
            "the source's data covers; a series across the two is not a trend",
        )
    if choice is not None and row.text["place"] and "place" not in needs:
        named = ", ".join(item.id for item in SCOPES if "place" in item.needs)
        yield row.problem(
            "place", f"only a figure of scope {named} names a place; empty it, or change the scope"
        )


def _period(row: Row, known: Known) -> Iterator[Problem]:
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


def _single_unit_period(row: Row, kind: str, start: object, end: object) -> Iterator[Problem]:
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


def _value_shape(row: Row, known: Known) -> Iterator[Problem]:
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


def _value_sign(row: Row, known: Known) -> Iterator[Problem]:
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


def _breakdown(row: Row, known: Known) -> Iterator[Problem]:
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


def _url_or_document(row: Row, known: Known) -> Iterator[Problem]:
    if not row.text["url"] and not row.text["document"]:
        yield row.problem("url", "a source needs a url, or a citation in document when it has no url")


def _dates_sourced(row: Row, known: Known) -> Iterator[Problem]:
    """An opening date rests on a source and its words, and so does a closure: a closed room is not open,
    so its closure must be as checkable as its opening."""
    for date_column, source_column, quote_column in (
        ("opened", "source_id", "quote"),
        ("closed", "closed_source_id", "closed_quote"),
    ):
        if not row.text[date_column]:
            continue
        for column in (source_column, quote_column):
            if not row.text[column]:
                yield row.problem(column, f"required when {date_column} is given: the source that says so")
    source = row.get("closed_source_id")
    if source is not None and known.has_table("sources") and known.row("sources", source) is None:
        hint = did_you_mean(str(source), known.ids("sources"))
        yield row.problem(
            "closed_source_id", f"unknown source {show(str(source))}{hint}; use one in sources.csv or add it"
        )


def _conflict_rows(row: Row, known: Known) -> Iterator[Problem]:
    """A recorded conflict names two or more existing observations, and its primary is one of them."""
    named = row.text["observation_ids"].split()
    if len(named) < 2:
        yield row.problem(
            "observation_ids", "a conflict names at least two observation ids, separated by spaces"
        )
    if known.has_table("observations"):
        for observation_id in named:
            if known.row("observations", observation_id) is None:
                hint = did_you_mean(observation_id, known.ids("observations"))
                message = f"unknown observation {show(observation_id)}{hint}; name ids in observations.csv"
                yield row.problem("observation_ids", message)
    if row.text["primary_id"] and row.text["primary_id"] not in named:
        yield row.problem("primary_id", "the primary observation must be one of observation_ids")


def _closed_after_opened(row: Row, known: Known) -> Iterator[Problem]:
    opened, closed = row.get("opened"), row.get("closed")
    if isinstance(opened, str) and isinstance(closed, str):
        if periods.parse_partial_date(closed)[1] < periods.parse_partial_date(opened)[0]:
            message = f"{show(closed)} is before opened {show(opened)}; swap them or fix the typo"
            yield row.problem("closed", message)


def _translated_row(row: Row, known: Known) -> Iterator[Problem]:
    """A translation names a translatable column of a row that exists, and translates its current text."""
    table, row_id, column = row.get("table_name"), row.get("row_id"), row.get("column_name")
    if not isinstance(table, str):
        return
    columns = TRANSLATED_COLUMNS[table]
    if isinstance(column, str) and column not in columns:
        yield row.problem(
            "column_name", f"{show(column)} is not translated in {table}; use {' or '.join(columns)}"
        )
    translated = known.row(table, row_id) if isinstance(row_id, str) else None
    english = translated.text.get(column, "") if translated is not None and column in columns else ""
    if english and row.text["english"] != english:
        yield row.problem(
            "english",
            f"the English {column} of {row_id} is now {show(english)}: bring this translation up to date",
        )
    if isinstance(row_id, str) and known.has_table(table) and translated is None:
        yield row.problem(
            "row_id", f"{show(row_id)} is not an id in {table}.csv{did_you_mean(row_id, known.ids(table))}"
        )


_TABLE_RULES: dict[str, tuple[Callable[[Row, Known], Iterable[Problem]], ...]] = {
    "observations": (_scope, _period, _value_shape, _value_sign, _breakdown),
    "facilities": (_closed_after_opened, _dates_sourced),
    "sources": (_url_or_document,),
    "conflicts": (_conflict_rows,),
    "translations": (_translated_row,),
}
