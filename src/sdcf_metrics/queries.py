"""The named queries: one typed, documented function per `sql/*.sql` file.

Pages, the command line and the steward's pipeline call these functions, never a query by its name. Each
takes the store and keyword-only parameters, which are bound as `$name` parameters (never spliced into the
SQL), and returns typed rows: dicts shaped like the `TypedDict` it names, in the file's order. The two
results that leave as files or go straight to a table (`observation_table`, `coverage`) come back as Arrow
tables whose columns are documented beside them. `tests/test_queries.py` runs every function and checks that
the SQL returns exactly the columns its type declares.

Results are kept in a bounded process-level cache (`RESULTS`) per store, query and bound parameters, so a
page's rerun asks DuckDB only for what it has not asked before. A store's results are its own: a new data
version (a new store) starts afresh, and a store holding a visitor's upload (`Store.private`) is never
cached. The rows returned are shared between the sessions that ask for them: read them, never change
them.

Rows come back in the reader's language: a metric's name and definition and an event's label from the
data's translations (`translations.csv`, people's work reviewed as data), and a figure's period written
as the reader writes dates. Ids, quotes, sources' titles and the source's own wording stay as they are.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, TypedDict, cast

import pyarrow as pa

from .cache import ResultCache, store_scope
from .i18n import DEFAULT_LANGUAGE, current_language, t
from .periods import period_label
from .store import Store
from .vocabulary import area_scopes, city_scopes

# Rows ------------------------------------------------------------------------------------------------------


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


def translations(store: Store) -> list[Translation]:
    """Every translation of data text in the release (none for a release made before they existed)."""
    if "translations" not in store.release.files:
        return []
    return cast(list[Translation], store.query("translations").to_pylist())


_texts_lock = threading.Lock()
_texts: dict[tuple[str, str], dict[tuple[str, str, str], tuple[str, str]]] = {}


def _data_texts(store: Store, language: str) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(table, row id, column) -> (the English translated, the text in `language`), read once per release
    and language."""
    key = (store.data_version, language)
    with _texts_lock:
        cached = _texts.get(key)
    if cached is None:
        cached = {
            (row["table_name"], row["row_id"], row["column_name"]): (row["english"], row["text"])
            for row in translations(store)
            if row["language"] == language
        }
        with _texts_lock:
            _texts[key] = cached
    return cached


# Which column of a row holds which translated text: (row's id column, table, column in the row, column
# translated). A row with `metric_id` and `metric` is an observation; with `label` it is a metric.
_LOCALISED = (
    ("metric_id", "metrics", "metric", "label"),
    ("metric_id", "metrics", "metric_label", "label"),
    ("metric_id", "metrics", "label", "label"),
    ("metric_id", "metrics", "definition", "definition"),
    ("event_id", "events", "label", "label"),
)


def localise(store: Store, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows in the reader's language: translated data text where the data has it, a figure's unit where it
    is its metric's own unit (a source's own unit, such as "overdose situations", stays as the source
    wrote it), the period in the reader's way of writing dates. English rows come back as they are."""
    if current_language() == DEFAULT_LANGUAGE or not rows:
        return rows
    rows = [dict(row) for row in rows]  # the cached rows are shared between readers of every language
    texts = _data_texts(store, current_language())
    first = rows[0]
    targets = [target for target in _LOCALISED if target[0] in first and target[2] in first]
    with_period = "period_label" in first and "period_kind" in first
    with_unit = "metric_id" in first and "unit" in first
    for row in rows:
        for id_column, table, column, translated in targets:
            english, text = texts.get((table, str(row[id_column]), translated), ("", ""))
            if text:
                row[column] = text
        if with_unit:
            english, text = texts.get(("metrics", str(row["metric_id"]), "unit"), ("", ""))
            if text and row["unit"] == english:
                row["unit"] = text
        if with_period:
            row["period_label"] = period_label(row["period_kind"], row["period_start"], row["period_end"])
    return rows


RESULTS = ResultCache(max_entries=512, max_bytes=128 * 1024**2)


def _key(store: Store, name: str, params: dict[str, Any], shape: str) -> Hashable:
    frozen = tuple(
        sorted((key, tuple(value) if isinstance(value, list) else value) for key, value in params.items())
    )
    return (store_scope(store), name, frozen, shape)


def _table(store: Store, name: str, **params: Any) -> pa.Table:
    """`sql/<name>.sql`'s result, from the cache when the store has already run it with these values."""
    if store.private:
        return store.query(name, **params)
    return RESULTS.get_or_compute(_key(store, name, params, "table"), lambda: store.query(name, **params))


def _rows(store: Store, name: str, **params: Any) -> list[Any]:
    """The same as rows (dicts), kept as such (converting is a good part of a small query's time), and
    given to the reader in their language."""
    if store.private:
        return localise(store, store.query(name, **params).to_pylist())
    rows = RESULTS.get_or_compute(
        _key(store, name, params, "rows"), lambda: store.query(name, **params).to_pylist()
    )
    return localise(store, list(rows))


# Places ----------------------------------------------------------------------------------------------------


def cities(store: Store) -> list[City]:
    """Every city, by name, with its latest reported population (value, period and source), if any."""
    return cast(list[City], _rows(store, "cities"))


def facilities(store: Store) -> list[Facility]:
    """Every facility with its city and country, by country, city and opening date."""
    return cast(list[Facility], _rows(store, "facilities"))


def facility_directory(
    store: Store,
    *,
    countries: Sequence[str] | None = None,
    facility_type: str | None = None,
    status: str | None = None,
) -> list[ListedFacility]:
    """Facilities narrowed by the visitor (None: no filter): countries to keep, one type, and `open` (no
    closure recorded) or `closed`. European facilities come first."""
    chosen = list(countries) if countries else None
    rows = _rows(store, "facility_directory", countries=chosen, facility_type=facility_type, status=status)
    return cast(list[ListedFacility], rows)


def city_events(store: Store, *, city_id: str) -> list[Event]:
    """Openings, closures and policy events of one city, oldest first."""
    return cast(list[Event], _rows(store, "city_events", city_id=city_id))


def city_related_services(store: Store, *, city_id: str) -> list[RelatedService]:
    """The services of one city that are not consumption rooms, by name, with their sources."""
    return cast(list[RelatedService], _rows(store, "city_related_services", city_id=city_id))


# Figures ---------------------------------------------------------------------------------------------------


def city_observations(store: Store, *, city_id: str) -> list[Observation]:
    """Every total (no breakdown) of one city or its facilities, by metric, oldest first."""
    return cast(list[Observation], _rows(store, "city_observations", city_id=city_id))


def city_breakdowns(store: Store, *, city_id: str) -> list[Observation]:
    """Parts of totals (by sex, age, drug, site...) of one city, by metric and period."""
    return cast(list[Observation], _rows(store, "city_breakdowns", city_id=city_id))


def metric_across_cities(store: Store, *, metric_id: str, city_ids: Sequence[str]) -> list[Observation]:
    """One metric's totals for the chosen cities and their facilities, by city, oldest first."""
    rows = _rows(store, "metric_across_cities", metric_id=metric_id, city_ids=list(city_ids))
    return cast(list[Observation], rows)


def area_observations(store: Store, *, metric_id: str) -> list[Observation]:
    """One metric's totals for regions, countries and wider areas (every scope that is not a city's)."""
    rows = _rows(store, "area_observations", metric_id=metric_id, scopes=list(area_scopes()))
    return cast(list[Observation], rows)


def litter_observations(store: Store, *, metric_ids: Sequence[str]) -> list[Observation]:
    """The totals of the given (needle-litter) metrics for cities and their facilities."""
    return cast(list[Observation], _rows(store, "litter_observations", metric_ids=list(metric_ids)))


def observations_by_id(store: Store, *, observation_ids: Sequence[str]) -> list[Observation]:
    """The chosen observations (an empty list gives none): figures an upload repeats or corrects."""
    rows = _rows(store, "observations_by_id", observation_ids=list(observation_ids))
    return cast(list[Observation], rows)


def upload_reference_observations(store: Store, *, city_ids: Sequence[str]) -> list[StoredObservation]:
    """The published observations of some cities as stored: what an upload is checked against."""
    rows = _rows(store, "upload_reference_observations", city_ids=list(city_ids))
    return cast(list[StoredObservation], rows)


def reading_examples(store: Store) -> list[ReadingExample]:
    """One published figure per kind of period and per way of qualifying a value, for the Methodology
    page; figures about a city or a facility are preferred, and withheld figures never chosen."""
    return cast(list[ReadingExample], _rows(store, "reading_examples", city_scopes=list(city_scopes())))


# Catalogue and coverage ------------------------------------------------------------------------------------


def metrics(store: Store) -> list[Metric]:
    """The metric catalogue, by id."""
    return cast(list[Metric], _rows(store, "metrics"))


def metric_catalogue(store: Store) -> list[CatalogueMetric]:
    """The metric catalogue by label (in the reader's language), with the number of figures of each metric."""
    return cast(list[CatalogueMetric], _by_label(_rows(store, "metric_catalogue")))


def compare_metrics(store: Store) -> list[ComparedMetric]:
    """The metrics cities report totals for (populations left out: they divide, they are not compared), by
    label in the reader's language."""
    return cast(list[ComparedMetric], _by_label(_rows(store, "compare_metrics")))


def _by_label(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows the SQL ordered by their English label, in the order of their label as the reader reads it."""
    if current_language() == DEFAULT_LANGUAGE:
        return rows
    return sorted(rows, key=lambda row: row["label"].casefold())


def sources(store: Store) -> list[Source]:
    """Every source, by id, with the number of figures taken from it."""
    return cast(list[Source], _rows(store, "sources"))


def dataset_summary(store: Store) -> DatasetCounts:
    """How many cities, countries, facilities, figures and sources the dataset holds, and its years."""
    return cast(DatasetCounts, _rows(store, "dataset_summary")[0])


def coverage(store: Store) -> pa.Table:
    """How many figures each city has for each metric, zero included (columns: `COVERAGE_COLUMNS`)."""
    return _localised_labels(store, _table(store, "coverage"), "metric_id", "metric")


def _localised_labels(store: Store, table: pa.Table, id_column: str, label_column: str) -> pa.Table:
    """An Arrow result with its metric names in the reader's language (its ids as they are)."""
    if current_language() == DEFAULT_LANGUAGE or table.num_rows == 0:
        return table
    texts = _data_texts(store, current_language())
    labels = [
        texts.get(("metrics", metric_id, "label"), ("", label))[1]
        for metric_id, label in zip(
            table.column(id_column).to_pylist(), table.column(label_column).to_pylist(), strict=True
        )
    ]
    index = table.column_names.index(label_column)
    return table.set_column(index, label_column, pa.array(labels, pa.string()))


# The dataset as it leaves the site -------------------------------------------------------------------------

SEARCH_MAX_LENGTH = 200
_LIKE_SPECIAL = ("\\", "%", "_")


@dataclass(frozen=True)
class TableFilter:
    """What the visitor narrowed the dataset to; an empty tuple means "no filter" on that column."""

    search: str = ""
    city_ids: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    metric_ids: tuple[str, ...] = ()
    period_kinds: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()

    @property
    def is_everything(self) -> bool:
        """True when nothing narrows the table."""
        return not self.search.strip() and not any(
            getattr(self, field.name) for field in fields(self) if field.name != "search"
        )

    def query_params(self) -> dict[str, Any]:
        """The bound parameters of `observation_table.sql`: escaped search text, lists or NULL."""
        return {
            "search": like_escape(self.search.strip()[:SEARCH_MAX_LENGTH]),
            "city_ids": list(self.city_ids) or None,
            "countries": list(self.countries) or None,
            "metric_ids": list(self.metric_ids) or None,
            "period_kinds": list(self.period_kinds) or None,
            "scopes": list(self.scopes) or None,
        }

    def describe(self) -> str:
        """The selection in words, for the About sheet of a download of these rows."""
        parts = [t("search “{text}”", text=self.search.strip())] if self.search.strip() else []
        named = (
            (t("cities"), self.city_ids),
            (t("countries and areas"), self.countries),
            (t("metrics"), self.metric_ids),
            (t("period kinds"), self.period_kinds),
            (t("scopes"), self.scopes),
        )
        parts.extend(f"{name}: {', '.join(values)}" for name, values in named if values)
        return "; ".join(parts) or t("all figures")


EVERYTHING = TableFilter()


def like_escape(text: str) -> str:
    """Make LIKE's wildcards (`%`, `_`) and its escape character literal, for `ESCAPE '\\'`."""
    for special in _LIKE_SPECIAL:
        text = text.replace(special, "\\" + special)
    return text


def observation_table(store: Store, *, selection: TableFilter = EVERYTHING) -> pa.Table:
    """The dataset's rows that pass `selection`, as every export and the Data page give them (the columns
    `datatable.COLUMN_DEFINITIONS` explains): cities A to Z, then countries and wider areas; within a place
    by metric, oldest first. The command-line export and the page's downloads both come from here, so they
    agree."""
    rows = _table(store, "observation_table", **selection.query_params())
    return _localised_labels(store, rows, "metric", "metric_label")
