"""Converting an upload: rows in the upload format -> observation and source rows, checked like sources.

Each row's place, metric and source are resolved against the published tables; every row is then checked
by the validator with every rule a source file gets, and problems point back at the upload's own rows and
columns. A row that repeats a published figure exactly is set aside; one that differs from it corrects
it, under the published figure's id.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from ...schema import CITIES, FACILITIES, OBSERVATIONS, UPLOAD_DEFAULT_LANGUAGE, UPLOAD_DEFAULT_SOURCE_KIND
from ..cells import NO_COLUMN, WHOLE_FILE, Problem, did_you_mean
from ..rules import OBSERVATION_NATURAL_KEY
from ..validate import check_rows
from .isolated import read_upload_file
from .read import MAX_PROBLEMS, UploadResult, bounded

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
        "kind": "source_kind",
        "language": "source_language",
    },
}
_SOURCE_FIELDS = {
    "title": "source_title",
    "publisher": "source_publisher",
    "date": "source_date",
    "url": "source_url",
    "document": "source_document",
    "kind": "source_kind",
    "language": "source_language",
}
# What an empty cell of an optional upload column means.
_SOURCE_DEFAULTS = {"kind": UPLOAD_DEFAULT_SOURCE_KIND, "language": UPLOAD_DEFAULT_LANGUAGE}


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
    conversion.problems = bounded(sorted(set(problems)))
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
            "scope": _scope(cells),
            "place": cells.get("place", ""),
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
        city = find_place(self.cities, "city_id", text)
        if city is None:
            if self.strict:
                self.consequences.add((number, "facility"))
                hint = did_you_mean(text, [row["name"] for row in self.cities])
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
        facility = find_place(in_city, "facility_id", text)
        if facility is None:
            elsewhere = find_place(self.facilities, "facility_id", text)
            if elsewhere is not None:
                self.problem(
                    number,
                    "facility",
                    f"{elsewhere['name']} is in another city ({elsewhere['city_id']}), not {city['name']}; "
                    "check the city or the facility",
                )
                return None
            if self.strict:
                hint = did_you_mean(text, [row["name"] for row in in_city])
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
            hint = metric_hint(metric_id, self.metrics.values())
            self.problem(
                number,
                "metric",
                f"unknown metric {metric_id!r}{hint}; use an id from the metric catalogue: "
                f"{', '.join(sorted(self.metrics))}",
            )
        return metric

    def source(self, number: int, cells: Mapping[str, str]) -> str:
        """The id of the source the row cites: a published one with the same address, or a new one."""
        fields = {
            name: cells.get(column, "") or _SOURCE_DEFAULTS.get(name, "")
            for name, column in _SOURCE_FIELDS.items()
        }
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
            cited = (fields[name] for name in ("title", "publisher", "date", "url", "document"))
            source_id = f"upload-{title}-{_digest(cited, 6)}"
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


def _scope(cells: Mapping[str, str]) -> str:
    """A figure about a facility, a named part of the city (`place`), or the whole city."""
    if cells["facility"]:
        return "facility"
    return "area" if cells.get("place") else "city"


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


def metric_hint(text: str, metrics: Iterable[Mapping[str, Any]]) -> str:
    """` (did you mean 'unique_clients'?)` from the catalogue: a metric's label ("Unique clients"), its id
    written with spaces or capitals ("unique clients"), or a near spelling ("visitz")."""
    metrics = list(metrics)
    written = _metric_spelling(text)
    for metric in metrics:
        if written in (_metric_spelling(str(metric["metric_id"])), _metric_spelling(str(metric["label"]))):
            return f" (did you mean {metric['metric_id']!r}?)"
    return did_you_mean(written, [str(metric["metric_id"]) for metric in metrics])


def _metric_spelling(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", _fold(text))


def find_place(rows: Iterable[Mapping[str, Any]], key: str, text: str) -> Mapping[str, Any] | None:
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


def rows_with_problems(problems: Iterable[Problem]) -> list[int]:
    """The data rows (spreadsheet row 2 on) that have at least one problem, in order."""
    return sorted({problem.row for problem in problems if problem.row > 1})


def passing_rows(upload: UploadResult, problems: Sequence[Problem]) -> UploadResult | None:
    """The upload narrowed to the rows that have no problem, to preview while the others are fixed.

    None when no row can be vouched for: none was read, none is free of problems, a problem concerns the
    whole file, or the list was cut short at `MAX_PROBLEMS` (the rest of the rows' problems are unknown).
    """
    if any(problem.row == WHOLE_FILE for problem in problems):
        return None
    rejected = set(rows_with_problems(problems))
    kept = [
        (number, row)
        for number, row in zip(upload.row_numbers, upload.rows, strict=True)
        if number not in rejected
    ]
    if not kept:
        return None
    return replace(
        upload, rows=[row for _, row in kept], row_numbers=[number for number, _ in kept], problems=[]
    )


@dataclass(frozen=True)
class UploadCheck:
    """An upload-format file checked in one pass: every problem of every row, how the file was read, and
    the spreadsheet numbers of the rows read (to say how many passed)."""

    problems: list[Problem]
    notes: list[str]
    row_numbers: list[int]

    @property
    def rejected_rows(self) -> list[int]:
        return rows_with_problems(self.problems)


def check_upload_file(
    path: Path, existing: Mapping[str, Sequence[Mapping[str, Any]]], today: date | None = None
) -> UploadCheck:
    """Every problem of an upload-format file on disk, as the page finds them, and how it was read."""
    upload = read_upload_file(path)
    conversion = upload_to_sources(upload, existing, today=today)
    return UploadCheck(conversion.problems, conversion.notes, upload.row_numbers)
