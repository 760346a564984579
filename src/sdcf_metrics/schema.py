"""The one place where the columns of every source table and extract are named.

Source tables live in `data/sources/*.csv` and are edited by people; extracts are the Parquet files the
build writes from them. Validation, build, queries, exports and the upload format all read these specs,
so a column is renamed here or nowhere. The values a choice column allows come from `vocabulary`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from .vocabulary import (
    DIRECTIONS,
    EVENT_KINDS,
    EVIDENCE_KINDS,
    FACILITY_TYPES,
    LANGUAGES,
    METRIC_KINDS,
    PERIOD_KINDS,
    QUALIFIERS,
    QUOTE_FORMS,
    RATES,
    SCOPES,
    SOURCE_KINDS,
    TRANSLATED_TABLES,
    TRANSLATION_LANGUAGES,
    ids,
)

ColumnType = Literal["id", "text", "date", "number", "integer", "bool", "url", "choice"]

# The most characters a cell may hold, by type: room for every real value, while a name cannot fill a
# chart title with 10,000 characters nor a file carry megabytes in one cell. Quotes and notes are longer.
MAX_LENGTHS: dict[str, int] = {"id": 64, "text": 200, "url": 2000}
# What an id may be: a lower-case slug, safe in a file or folder name (the build names folders by city id).
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
OTHER_MAX_LENGTH = 100  # dates, numbers, choices: their own parsers say what is wrong with them
LONG_TEXT = 2000


@dataclass(frozen=True)
class Column:
    """One column of a source table: its name, type, whether it may be empty, and allowed values.

    `max_length` overrides the type's limit (`MAX_LENGTHS`) for long text such as quotes and notes.
    """

    name: str
    type: ColumnType
    required: bool = True
    choices: tuple[str, ...] = ()
    doc: str = ""
    max_length: int | None = None

    @property
    def length_limit(self) -> int:
        """The most characters a cell of this column may hold."""
        return self.max_length or MAX_LENGTHS.get(self.type, OTHER_MAX_LENGTH)


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
        Column(
            "location_note",
            "text",
            required=False,
            doc="How approximate the coordinates are.",
            max_length=LONG_TEXT,
        ),
        Column("source_id", "id", required=False, doc="Source of the opening date and type."),
        Column(
            "quote",
            "text",
            required=False,
            doc="The words of the source about opening or type.",
            max_length=LONG_TEXT,
        ),
        Column(
            "sanctioned",
            "bool",
            doc="`true` for an officially authorised room (pilots included); `false` for an unofficial or "
            "volunteer service, which never counts as a city's first opening.",
        ),
        Column(
            "closed_source_id",
            "id",
            required=False,
            doc="Source of the closure date; required with `closed`.",
        ),
        Column(
            "closed_quote",
            "text",
            required=False,
            doc="The words of the source about the closure.",
            max_length=LONG_TEXT,
        ),
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
        Column("definition", "text", max_length=LONG_TEXT),
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
        Column(
            "document",
            "text",
            required=False,
            doc="A citation for sources without a URL.",
            max_length=LONG_TEXT,
        ),
        Column("licence_note", "text", required=False, max_length=LONG_TEXT),
        Column(
            "kind",
            "choice",
            choices=ids(SOURCE_KINDS),
            doc="How strong the source is, e.g. `official_statistics`, `service_report`, `news_report`, "
            "`claim`.",
        ),
        Column("language", "choice", choices=ids(LANGUAGES), doc="ISO 639-1 code of the quotes, e.g. `da`."),
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
        Column(
            "city_id",
            "id",
            required=False,
            doc="Required when scope is `city`, `facility`, `area` or `operator`.",
        ),
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
        Column(
            "quote",
            "text",
            doc="The sentence or table cell in which the figure appears.",
            max_length=LONG_TEXT,
        ),
        Column("notes", "text", required=False, max_length=LONG_TEXT),
        Column(
            "place",
            "text",
            required=False,
            doc="The source's name of the part of the city or the operator, for scope `area` or `operator` "
            "(e.g. `rue de Maubeuge`); empty otherwise.",
        ),
        Column(
            "period_inferred",
            "bool",
            required=False,
            doc="`true` when the period is taken from the source's context (its date, 'last year'), not "
            "stated in the quote.",
        ),
        Column(
            "evidence",
            "choice",
            required=False,
            choices=ids(EVIDENCE_KINDS),
            doc="Empty means the source's kind; set only when this figure is stronger or weaker than its "
            "document, e.g. `claim` for a politician quoted in a news report.",
        ),
        Column(
            "quote_form",
            "choice",
            required=False,
            choices=ids(QUOTE_FORMS),
            doc="Empty for a sentence copied verbatim; `table_cell` or `table_reading`.",
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
        Column("quote", "text", max_length=LONG_TEXT),
    ),
)

RELATED_SERVICES = Table(
    name="related_services",
    doc="Services that are not consumption rooms but belong on a city's page (peer outreach, drug "
    "checking). They carry no figures.",
    key=("service_id",),
    optional_file=True,
    columns=(
        Column("service_id", "id"),
        Column("city_id", "id"),
        Column("name", "text"),
        Column("operator", "text", required=False),
        Column(
            "description",
            "text",
            doc="What the service does, in English, from the source.",
            max_length=LONG_TEXT,
        ),
        Column("source_id", "id"),
        Column("quote", "text", max_length=LONG_TEXT),
    ),
)

CONFLICTS = Table(
    name="conflicts",
    doc="Sources that disagree: observations of the same place, metric, period and definition whose values "
    "do not agree. Both are kept and shown; this names the one a headline leads with, and why.",
    key=("conflict_id",),
    optional_file=True,
    columns=(
        Column("conflict_id", "id"),
        Column(
            "observation_ids",
            "text",
            doc="The observation ids of every row of the conflict, separated by spaces.",
        ),
        Column("primary_id", "id", doc="The observation a headline leads with; one of observation_ids."),
        Column(
            "reason",
            "text",
            doc="One sentence: which source is primary, and why.",
            max_length=LONG_TEXT,
        ),
    ),
)

TRANSLATIONS = Table(
    name="translations",
    doc="Data text in the other languages the dashboard speaks: the metric catalogue's names and "
    "definitions and the events' labels, written and reviewed by people as data (nothing is translated by "
    "machine). Quotes are never translated: they stay in the source's words.",
    key=("table_name", "row_id", "column_name", "language"),
    optional_file=True,
    columns=(
        Column("table_name", "choice", choices=ids(TRANSLATED_TABLES), doc="`metrics` or `events`."),
        Column("row_id", "id", doc="The row's id in that table, e.g. `registered_users`."),
        Column(
            "column_name",
            "id",
            doc="The translated column: `label`, `definition` or `unit` of a metric, `label` of an event.",
        ),
        Column(
            "language", "choice", choices=ids(TRANSLATION_LANGUAGES), doc="`da`, `de`, `es`, `fr` or `nl`."
        ),
        Column(
            "english",
            "text",
            doc="The English text translated, as the table has it: when that text changes, the check asks "
            "for the translation to be brought up to date rather than showing a stale one.",
            max_length=LONG_TEXT,  # a metric's definition
        ),
        Column(
            "text",
            "text",
            doc="The text in that language, in the words a city official would use.",
            max_length=LONG_TEXT,  # a metric's definition
        ),
    ),
)

SOURCE_TABLES: tuple[Table, ...] = (
    METRICS,
    SOURCES,
    CITIES,
    FACILITIES,
    OBSERVATIONS,
    EVENTS,
    RELATED_SERVICES,
    CONFLICTS,
    TRANSLATIONS,
)
TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in SOURCE_TABLES}


def _observation_doc(name: str) -> str:
    return OBSERVATIONS.column(name).doc


# What an upload row's source is when the file does not say: a city officer's own report, in English.
UPLOAD_DEFAULT_SOURCE_KIND = "service_report"
UPLOAD_DEFAULT_LANGUAGE = "en"

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
        Column(
            "source_document",
            "text",
            required=False,
            doc="A citation for a document without a URL.",
            max_length=LONG_TEXT,
        ),
        Column("quote", "text", doc=_observation_doc("quote"), max_length=LONG_TEXT),
        Column(
            "notes",
            "text",
            required=False,
            doc="Anything a reader needs to know, e.g. what the figure leaves out or how its period "
            "was read.",
            max_length=LONG_TEXT,
        ),
        Column(
            "place",
            "text",
            required=False,
            doc="A part of the city the figure is about, as the source names it (e.g. `rue de Maubeuge`); "
            "empty for the whole city or a facility.",
        ),
        Column(
            "source_kind",
            "choice",
            required=False,
            choices=ids(SOURCE_KINDS),
            doc=f"How strong the source is; empty means `{UPLOAD_DEFAULT_SOURCE_KIND}` (the room's or the "
            "city's own report).",
        ),
        Column(
            "source_language",
            "choice",
            required=False,
            choices=ids(LANGUAGES),
            doc=f"ISO 639-1 code of the quote's language; empty means `{UPLOAD_DEFAULT_LANGUAGE}`.",
        ),
    ),
)
UPLOAD_COLUMNS: tuple[str, ...] = UPLOAD.column_names
