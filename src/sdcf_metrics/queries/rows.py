"""The rows the named queries return: one `TypedDict` per shape, each field as the SQL names it."""

from __future__ import annotations

from datetime import date
from typing import TypedDict


class ConflictingFigure(TypedDict):
    """Another source's value for the same figure, in a recorded conflict: what it says and who says it."""

    observation_id: str
    value: float | None
    value_low: float | None
    value_high: float | None
    qualifier: str
    rate_per: str | None
    status: str
    source_title: str
    source_publisher: str
    source_kind: str


class Observation(TypedDict):
    """One sourced figure with its place, metric, period, value and source (the `observation_details` view).

    `status` is `ok`, or why disclosure control withheld the value (see `privacy`); `period_label` reads
    the period as the source gave it; `source_url` is the source's address or, without one, its citation.
    `source_kind` says how strong the source is for this figure (`vocabulary.SOURCE_KINDS`); `seed_only`
    that no other kind of source gives it. `conflicting` lists what other sources say when a recorded
    conflict names the figure (`conflict_primary_id` leads, for `conflict_reason`); None otherwise.
    """

    observation_id: str
    scope: str
    country: str
    region: str | None
    city_id: str | None
    city: str | None
    facility_id: str | None
    facility: str | None
    metric_id: str
    metric: str
    metric_kind: str
    additive: bool
    definition: str
    breakdown: str | None
    period_kind: str
    period_start: str | None
    period_end: str
    period_start_date: date | None
    period_end_date: date
    period_label: str
    value: float | None
    value_low: float | None
    value_high: float | None
    status: str
    qualifier: str
    rate_per: str | None
    unit: str
    counted_as: str
    source_id: str
    source_title: str
    source_publisher: str
    source_date: str | None
    source_url: str | None
    source_licence: str | None
    source_kind: str
    source_language: str
    quote: str
    notes: str | None
    place: str | None
    period_inferred: bool
    quote_form: str | None
    seed_only: bool
    conflict_id: str | None
    conflict_primary_id: str | None
    conflict_reason: str | None
    conflicting: list[ConflictingFigure] | None


class ReadingExample(Observation):
    """An observation ranked as an example: rank 1 is the example of its kind of period, or of its way of
    qualifying a value."""

    period_rank: int
    value_rank: int


class StoredObservation(TypedDict):
    """An observation as the extract stores it (no joined names): what an upload is compared with."""

    observation_id: str
    scope: str
    country: str
    region: str | None
    city_id: str | None
    facility_id: str | None
    metric_id: str
    breakdown: str | None
    period_kind: str
    period_start: str | None
    period_end: str
    value: float | None
    value_low: float | None
    value_high: float | None
    qualifier: str
    rate_per: str | None
    unit: str
    counted_as: str
    source_id: str
    quote: str
    notes: str | None
    place: str | None
    period_inferred: bool | None
    evidence: str | None
    quote_form: str | None
    period_start_date: date | None
    period_end_date: date
    period_label: str
    status: str
    conflict_id: str | None
    seed_only: bool


class City(TypedDict):
    """A city, with its latest exact, city-wide population figure (None when no source gives one)."""

    city_id: str
    name: str
    country: str
    country_code: str
    latitude: float
    longitude: float
    in_europe: bool
    population: float | None
    population_period: str | None
    population_source: str | None
    population_source_url: str | None


class Facility(TypedDict):
    """A facility with its city, country and the source of its opening date (`facilities.sql`)."""

    facility_id: str
    name: str
    city_id: str
    operator: str | None
    opened: str | None
    closed: str | None
    type: str
    latitude: float
    longitude: float
    location_note: str | None
    source_id: str | None
    quote: str | None
    sanctioned: bool
    closed_source_id: str | None
    closed_quote: str | None
    opened_date: date | None
    closed_date: date | None
    city: str
    country: str
    source_title: str | None
    source_url: str | None


class ListedFacility(TypedDict):
    """A facility as the Facilities page lists it (`facility_directory.sql`); `sanctioned` is False for an
    unofficial or volunteer service."""

    facility_id: str
    name: str
    city_id: str
    city: str
    country: str
    in_europe: bool
    latitude: float
    longitude: float
    location_note: str | None
    opened: str | None
    opened_date: date | None
    closed: str | None
    closed_date: date | None
    type: str
    operator: str | None
    sanctioned: bool
    source_title: str | None
    source_publisher: str | None
    source_url: str | None
    quote: str | None


class Event(TypedDict):
    """An opening, closure or policy change of a city, with its source."""

    event_id: str
    city_id: str
    facility_id: str | None
    date: str
    kind: str
    label: str
    source_id: str
    quote: str
    event_date: date
    source_title: str
    source_url: str | None


class RelatedService(TypedDict):
    """A service on a city's page that is not a consumption room (peer outreach...), with its source; it
    carries no figures."""

    service_id: str
    city_id: str
    name: str
    operator: str | None
    description: str
    source_id: str
    quote: str
    source_title: str
    source_publisher: str
    source_kind: str
    source_url: str | None


class Metric(TypedDict):
    """A metric of the catalogue; `higher_is_better` is "true", "false" or None."""

    metric_id: str
    label: str
    unit: str
    kind: str
    definition: str
    additive: bool
    higher_is_better: str | None


class CatalogueMetric(Metric):
    """A metric with the number of figures the dataset holds for it."""

    figures: int


class MetricCoverage(TypedDict):
    """How many figures a city has for one metric (`queries.coverage`, one metric's rows)."""

    city_id: str
    metric_id: str
    figures: int


class ComparedMetric(TypedDict):
    """A metric some city reports a total for, and how many cities do."""

    metric_id: str
    label: str
    definition: str
    additive: bool
    cities: int


class Source(TypedDict):
    """A source document and the number of figures taken from it."""

    source_id: str
    title: str
    publisher: str
    date: str | None
    url: str | None
    document: str | None
    licence_note: str | None
    kind: str
    language: str
    observations: int


class DatasetCounts(TypedDict):
    """How much the published dataset holds."""

    european_cities: int
    european_countries: int
    reference_cities: int
    facilities: int
    observations: int
    sources: int
    first_year: int | None
    last_year: int | None


COVERAGE_COLUMNS = ("city_id", "city", "country", "metric_id", "metric", "figures")


class Translation(TypedDict):
    """One data text in another language: `column_name` of row `row_id` of `table_name` (`metrics`,
    `events`), in `language`, with the English it translates."""

    table_name: str
    row_id: str
    column_name: str
    language: str
    english: str
    text: str
