"""The one place where the columns of every source table and extract are named.

Source tables live in `data/sources/*.csv` and are edited by people; extracts are the Parquet files the
build writes from them. Validation, build, queries, exports and the upload format all read these specs,
so a column is renamed here or nowhere. The values a choice column allows come from `vocabulary`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .vocabulary import (
    DIRECTIONS,
    EVENT_KINDS,
    FACILITY_TYPES,
    METRIC_KINDS,
    PERIOD_KINDS,
    QUALIFIERS,
    RATES,
    SCOPES,
    ids,
)

ColumnType = Literal["id", "text", "date", "number", "integer", "bool", "url", "choice"]


@dataclass(frozen=True)
class Column:
    """One column of a source table: its name, type, whether it may be empty, and allowed values."""

    name: str
    type: ColumnType
    required: bool = True
    choices: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class Table:
    """A source table: its file name, columns and the columns that together identify a row."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    doc: str = ""
    optional_file: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


CITIES = Table(
    name="cities",
    doc="Cities that appear in the evidence. Population is an observation (metric `population`), "
    "so it carries its own year, source and quote.",
    key=("city_id",),
    columns=(
        Column("city_id", "id", doc="Lower-case slug, e.g. `copenhagen`."),
        Column("name", "text", doc="The city's name in English usage, e.g. `Copenhagen`."),
        Column("country", "text", doc="Country name in English, e.g. `Denmark`."),
        Column("country_code", "text", doc="ISO 3166-1 alpha-2 code, e.g. `DK`."),
        Column("latitude", "number", doc="Approximate city centre, WGS84 degrees."),
        Column("longitude", "number", doc="Approximate city centre, WGS84 degrees."),
        Column("in_europe", "bool", doc="`true` for European cities, `false` for reference sites abroad."),
    ),
)

FACILITIES = Table(
    name="facilities",
    doc="Supervised consumption facilities. Coordinates are approximate (city centre unless noted).",
    key=("facility_id",),
    columns=(
        Column("facility_id", "id", doc="Lower-case slug, e.g. `copenhagen-skyen`."),
        Column("name", "text"),
        Column("city_id", "id"),
        Column("operator", "text", required=False),
        Column(
            "opened",
            "date",
            required=False,
            doc="`YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as precise as the source.",
        ),
        Column("closed", "date", required=False),
        Column("type", "choice", choices=ids(FACILITY_TYPES)),
        Column("latitude", "number"),
        Column("longitude", "number"),
        Column("location_note", "text", required=False, doc="How approximate the coordinates are."),
        Column("source_id", "id", required=False, doc="Source of the opening date and type."),
        Column("quote", "text", required=False, doc="The words of the source about opening or type."),
    ),
)

METRICS = Table(
    name="metrics",
    doc="The metric catalogue. Observations may only use metric ids listed here.",
    key=("metric_id",),
    columns=(
        Column("metric_id", "id"),
        Column("label", "text"),
        Column("unit", "text"),
        Column("kind", "choice", choices=ids(METRIC_KINDS)),
        Column("definition", "text"),
        Column("additive", "bool", doc="Whether values may be summed across periods and sites."),
        Column(
            "higher_is_better",
            "choice",
            required=False,
            choices=ids(DIRECTIONS),
            doc="Empty when neither direction is better.",
        ),
    ),
)

SOURCES = Table(
    name="sources",
    doc="Every document a figure comes from.",
    key=("source_id",),
    columns=(
        Column("source_id", "id"),
        Column("title", "text"),
        Column("publisher", "text"),
        Column("date", "date", required=False, doc="Publication date, as precise as known."),
        Column("url", "url", required=False, doc="Either `url` or `document` must be given."),
        Column("document", "text", required=False, doc="A citation for sources without a URL."),
        Column("licence_note", "text", required=False),
    ),
)

OBSERVATIONS = Table(
    name="observations",
    doc="One reported figure: what, where, when, how much, and the words in which the source said it.",
    key=("observation_id",),
    columns=(
        Column("observation_id", "id"),
        Column("scope", "choice", choices=ids(SCOPES)),
        Column("country", "text", doc="Country, or the area name for multinational rows (e.g. `EU`)."),
        Column("region", "text", required=False, doc="Required when scope is `region`, e.g. `Catalonia`."),
        Column("city_id", "id", required=False, doc="Required when scope is `city` or `facility`."),
        Column("facility_id", "id", required=False, doc="Required when scope is `facility`."),
        Column("metric_id", "id"),
        Column(
            "breakdown",
            "text",
            required=False,
            doc="Empty for a total, else `dimension=value`, e.g. `sex=female`.",
        ),
        Column("period_kind", "choice", choices=ids(PERIOD_KINDS)),
        Column(
            "period_start",
            "date",
            required=False,
            doc="`YYYY`, `YYYY-MM` or `YYYY-MM-DD`. May be empty only for `since_opening`.",
        ),
        Column("period_end", "date", doc="`YYYY`, `YYYY-MM` or `YYYY-MM-DD`."),
        Column("value", "number", required=False, doc="The figure; empty only for a range."),
        Column("value_low", "number", required=False, doc="Lower end of a range."),
        Column("value_high", "number", required=False, doc="Upper end of a range."),
        Column(
            "qualifier",
            "choice",
            choices=ids(QUALIFIERS),
            doc="`exact` unless the source says about / more than / at least / fewer than / up to / "
            "nearly, or gives a range.",
        ),
        Column(
            "rate_per",
            "choice",
            required=False,
            choices=ids(RATES),
            doc="Set when the value is an average per day/week/month/year over the period.",
        ),
        Column("unit", "text", doc="What one unit of the value is, e.g. `persons`, `syringes`."),
        Column("counted_as", "text", doc="The source's own wording of what was counted."),
        Column("source_id", "id"),
        Column("quote", "text", doc="The sentence or table cell in which the figure appears."),
        Column("notes", "text", required=False),
        Column(
            "place",
            "text",
            required=False,
            doc="The source's name for the part of a city the figure covers when it is less than the "
            "facility or city named (a street, a district), e.g. `rue de Maubeuge`; empty otherwise.",
        ),
    ),
)

EVENTS = Table(
    name="events",
    doc="Openings, closures and policy changes drawn as markers on trend charts.",
    key=("event_id",),
    optional_file=True,
    columns=(
        Column("event_id", "id"),
        Column("city_id", "id"),
        Column("facility_id", "id", required=False),
        Column("date", "date"),
        Column("kind", "choice", choices=ids(EVENT_KINDS)),
        Column("label", "text", doc="A short label in English, e.g. `Night opening`."),
        Column("source_id", "id"),
        Column("quote", "text"),
    ),
)

SOURCE_TABLES: tuple[Table, ...] = (METRICS, SOURCES, CITIES, FACILITIES, OBSERVATIONS, EVENTS)
TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in SOURCE_TABLES}


def _observation_doc(name: str) -> str:
    return OBSERVATIONS.column(name).doc


UPLOAD = Table(
    name="upload",
    doc="The upload format: one row per figure, its source written out on the same row, so that a city "
    "officer fills in one sheet. Each row becomes an observation (and, the first time a document is cited, "
    "a source); see sdcf_metrics/docs/data-format.md.",
    key=(),
    columns=(
        Column("city", "text", doc="The city's name or id as the dashboard lists it, e.g. `Copenhagen`."),
        Column("country", "text", doc="The country in English, e.g. `Denmark`."),
        Column(
            "facility",
            "text",
            required=False,
            doc="The facility's name or id; empty for a figure about the whole city.",
        ),
        # Text, not `id`: the converter checks it against the catalogue, so a wrong metric gets one problem
        # with the catalogue's "did you mean", not an id-format hint about facility ids.
        Column("metric", "text", doc="A metric id from the catalogue, e.g. `unique_clients`."),
        Column("breakdown", "text", required=False, doc=_observation_doc("breakdown")),
        Column(
            "period_kind", "choice", choices=ids(PERIOD_KINDS), doc="What kind of period the figure covers."
        ),
        Column("period_start", "date", required=False, doc=_observation_doc("period_start")),
        Column("period_end", "date", doc=_observation_doc("period_end")),
        Column("value", "number", required=False, doc=_observation_doc("value")),
        Column("value_low", "number", required=False, doc=_observation_doc("value_low")),
        Column("value_high", "number", required=False, doc=_observation_doc("value_high")),
        Column(
            "qualifier",
            "choice",
            required=False,
            choices=ids(QUALIFIERS),
            doc="Empty means `exact` (or `range` when only value_low and value_high are given).",
        ),
        Column("rate_per", "choice", required=False, choices=ids(RATES), doc=_observation_doc("rate_per")),
        Column(
            "unit",
            "text",
            required=False,
            doc="What one unit is, e.g. `persons`; empty means the metric's unit.",
        ),
        Column("counted_as", "text", doc=_observation_doc("counted_as")),
        Column("source_title", "text", doc="The title of the document the figure comes from."),
        Column("source_publisher", "text", doc="Who published it, e.g. the city's health department."),
        Column("source_date", "date", required=False, doc="Publication date, as precise as known."),
        Column(
            "source_url", "url", required=False, doc="Either `source_url` or `source_document` must be given."
        ),
        Column("source_document", "text", required=False, doc="A citation for a document without a URL."),
        Column("quote", "text", doc=_observation_doc("quote")),
        Column(
            "notes",
            "text",
            required=False,
            doc="Anything a reader needs to know, e.g. what the figure leaves out or how its period "
            "was read.",
        ),
    ),
)
UPLOAD_COLUMNS: tuple[str, ...] = UPLOAD.column_names
