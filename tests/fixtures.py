"""A tiny, valid source set built in code, shared by every test module.

`write_sources(directory)` writes every source CSV; a test breaks one thing by overriding one table:

    write_sources(tmp_path, observations=edit_row(0, value="-1"))   # row 2 of observations.csv
    write_sources(tmp_path, events=None)                            # no events.csv at all

Everything here is test data: places are real cities so the data reads naturally, but every figure,
facility, source and quote is made up and labelled "(fixture)". Dates are before `TODAY`, the date tests
pass as "today" so that no test depends on the calendar.
"""

from __future__ import annotations

import copy
import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sdcf_metrics.schema import SOURCE_TABLES, TABLES_BY_NAME

Rows = list[dict[str, str]]
Override = Rows | Callable[[Rows], Rows] | None

TODAY = date(2025, 1, 1)

# The rows are kept one dict per record, wrapped by hand, so each reads like a line of the CSV.
# fmt: off
_METRICS: Rows = [
    {"metric_id": "registered_users", "label": "Registered users", "unit": "persons", "kind": "count",
     "definition": "People registered with a facility (fixture).", "additive": "false"},
    {"metric_id": "visits", "label": "Visits", "unit": "visits", "kind": "count",
     "definition": "Entries into a facility (fixture).", "additive": "true"},
    {"metric_id": "syringes_found_public", "label": "Syringes found in public space", "unit": "syringes",
     "kind": "count", "definition": "Discarded syringes counted in public space (fixture).",
     "additive": "true", "higher_is_better": "false"},
    {"metric_id": "syringes_collected_kg", "label": "Needle litter collected (kg)", "unit": "kilograms",
     "kind": "mass", "definition": "Weight of needle litter collected (fixture).", "additive": "true",
     "higher_is_better": "false"},
    {"metric_id": "syringe_litter_change", "label": "Change in syringe litter", "unit": "percent",
     "kind": "percent_change", "definition": "Change in syringes found between two periods (fixture).",
     "additive": "false", "higher_is_better": "false"},
    {"metric_id": "drug_induced_death_rate", "label": "Drug-induced death rate",
     "unit": "deaths per million aged 15-64", "kind": "rate", "definition": "Deaths per million (fixture).",
     "additive": "false", "higher_is_better": "false"},
    {"metric_id": "population", "label": "Population", "unit": "inhabitants", "kind": "population",
     "definition": "Resident population (fixture).", "additive": "false"},
]

_SOURCES: Rows = [
    {"source_id": "test-report-a", "title": "Test source A (fixture)",
     "publisher": "Test publisher (fixture)", "date": "2021-03",
     "url": "https://example.org/fixture-report-a.pdf", "kind": "service_report", "language": "en"},
    {"source_id": "test-report-b", "title": "Test source B (fixture)",
     "publisher": "Test publisher (fixture)", "date": "2020", "url": "https://example.org/fixture-report-b",
     "kind": "news_report", "language": "en"},
    {"source_id": "test-document-c", "title": "Test source C (fixture)",
     "publisher": "Test archive (fixture)", "date": "2019-11-30",
     "document": "Printed test document C (fixture), p. 12",
     "licence_note": "Quoted for test purposes only (fixture)", "kind": "official_statistics",
     "language": "en"},
]

_CITIES: Rows = [
    {"city_id": "copenhagen", "name": "Copenhagen", "country": "Denmark", "country_code": "DK",
     "latitude": "55.68", "longitude": "12.57", "in_europe": "true"},
    {"city_id": "brussels", "name": "Brussels", "country": "Belgium", "country_code": "BE",
     "latitude": "50.85", "longitude": "4.35", "in_europe": "true"},
    {"city_id": "barcelona", "name": "Barcelona", "country": "Spain", "country_code": "ES",
     "latitude": "41.39", "longitude": "2.17", "in_europe": "true"},
]

_FACILITIES: Rows = [
    {"facility_id": "copenhagen-test-site", "name": "Test site Copenhagen (fixture)", "city_id": "copenhagen",
     "operator": "Test operator (fixture)", "opened": "2012-10", "type": "injection", "latitude": "55.68",
     "longitude": "12.57", "location_note": "City centre (fixture)", "source_id": "test-report-a",
     "quote": "The test site opened in October 2012 (fixture).", "sanctioned": "true"},
    {"facility_id": "brussels-test-site", "name": "Test site Brussels (fixture)", "city_id": "brussels",
     "opened": "2018-05-01", "closed": "2020-12-31", "type": "mixed", "latitude": "50.85",
     "longitude": "4.35", "source_id": "test-report-b",
     "quote": "The Brussels test site opened on 1 May 2018 (fixture).", "sanctioned": "true",
     "closed_source_id": "test-report-b", "closed_quote": "It closed at the end of 2020 (fixture)."},
]

_OBSERVATION_DEFAULTS = {"qualifier": "exact", "source_id": "test-report-a"}

_OBSERVATIONS: Rows = [
    # A cumulative count since a facility opened: the start of the period may stay empty.
    {"observation_id": "obs-since-opening", "scope": "facility", "country": "Denmark",
     "city_id": "copenhagen", "facility_id": "copenhagen-test-site", "metric_id": "registered_users",
     "period_kind": "since_opening", "period_end": "2020-12-31", "value": "1234", "unit": "persons",
     "counted_as": "registered users (fixture)",
     "quote": "1,234 users have registered since opening (fixture)."},
    # A range: no single value, a low and a high end.
    {"observation_id": "obs-range", "scope": "city", "country": "Belgium", "city_id": "brussels",
     "metric_id": "visits", "period_kind": "year", "period_start": "2019", "period_end": "2019",
     "value_low": "1000", "value_high": "2000", "qualifier": "range", "unit": "visits",
     "counted_as": "visits (fixture)", "source_id": "test-report-b",
     "quote": "Between 1,000 and 2,000 visits were made (fixture)."},
    # A lower bound in the source's words.
    {"observation_id": "obs-more-than", "scope": "facility", "country": "Belgium", "city_id": "brussels",
     "facility_id": "brussels-test-site", "metric_id": "visits", "period_kind": "month",
     "period_start": "2019-05", "period_end": "2019-05", "value": "500", "qualifier": "more_than",
     "unit": "visits", "counted_as": "visits (fixture)", "source_id": "test-report-b",
     "quote": "More than 500 visits in May (fixture)."},
    # A sex breakdown: two rows that differ only in breakdown.
    {"observation_id": "obs-female", "scope": "facility", "country": "Denmark", "city_id": "copenhagen",
     "facility_id": "copenhagen-test-site", "metric_id": "registered_users", "breakdown": "sex=female",
     "period_kind": "year", "period_start": "2020", "period_end": "2020", "value": "111", "unit": "persons",
     "counted_as": "women registered (fixture)", "quote": "111 women registered (fixture)."},
    {"observation_id": "obs-male", "scope": "facility", "country": "Denmark", "city_id": "copenhagen",
     "facility_id": "copenhagen-test-site", "metric_id": "registered_users", "breakdown": "sex=male",
     "period_kind": "year", "period_start": "2020", "period_end": "2020", "value": "222", "unit": "persons",
     "counted_as": "men registered (fixture)", "quote": "222 men registered (fixture)."},
    # An average per day: a count may then be fractional.
    {"observation_id": "obs-daily-average", "scope": "facility", "country": "Denmark",
     "city_id": "copenhagen", "facility_id": "copenhagen-test-site", "metric_id": "visits",
     "period_kind": "year", "period_start": "2020", "period_end": "2020", "value": "12.5",
     "qualifier": "about", "rate_per": "day", "unit": "visits", "counted_as": "visits a day (fixture)",
     "quote": "About 12.5 visits a day (fixture)."},
    # A population at a date, from a document without a URL.
    {"observation_id": "obs-population", "scope": "city", "country": "Denmark", "city_id": "copenhagen",
     "metric_id": "population", "period_kind": "snapshot", "period_start": "2020-01-01",
     "period_end": "2020-01-01", "value": "100000", "unit": "inhabitants",
     "counted_as": "residents (fixture)", "source_id": "test-document-c",
     "quote": "100,000 residents (fixture)."},
    # A year series.
    {"observation_id": "obs-syringes-2017", "scope": "city", "country": "Spain", "city_id": "barcelona",
     "metric_id": "syringes_found_public", "period_kind": "year", "period_start": "2017",
     "period_end": "2017", "value": "3000", "unit": "syringes", "counted_as": "syringes found (fixture)",
     "quote": "3,000 syringes were found in 2017 (fixture)."},
    {"observation_id": "obs-syringes-2018", "scope": "city", "country": "Spain", "city_id": "barcelona",
     "metric_id": "syringes_found_public", "period_kind": "year", "period_start": "2018",
     "period_end": "2018", "value": "2000", "unit": "syringes", "counted_as": "syringes found (fixture)",
     "quote": "2,000 syringes were found in 2018 (fixture)."},
    {"observation_id": "obs-syringes-2019", "scope": "city", "country": "Spain", "city_id": "barcelona",
     "metric_id": "syringes_found_public", "period_kind": "year", "period_start": "2019",
     "period_end": "2019", "value": "1000", "unit": "syringes", "counted_as": "syringes found (fixture)",
     "quote": "1,000 syringes were found in 2019 (fixture)."},
    # A change over a span, which may be negative, and a mass with decimals.
    {"observation_id": "obs-litter-change", "scope": "city", "country": "Spain", "city_id": "barcelona",
     "metric_id": "syringe_litter_change", "period_kind": "span", "period_start": "2017",
     "period_end": "2019", "value": "-50", "unit": "percent",
     "counted_as": "change in syringes found (fixture)", "quote": "Syringes found fell by 50% (fixture)."},
    {"observation_id": "obs-litter-kg", "scope": "region", "country": "Spain", "region": "Catalonia",
     "metric_id": "syringes_collected_kg", "period_kind": "year", "period_start": "2019",
     "period_end": "2019", "value": "12.5", "unit": "kilograms",
     "counted_as": "kg of needle litter (fixture)",
     "quote": "12.5 kg of needle litter were collected (fixture)."},
    # A national rate.
    {"observation_id": "obs-death-rate", "scope": "country", "country": "Spain",
     "metric_id": "drug_induced_death_rate", "period_kind": "year", "period_start": "2019",
     "period_end": "2019", "value": "9.9", "unit": "deaths per million aged 15-64",
     "counted_as": "drug-induced deaths per million (fixture)", "source_id": "test-report-b",
     "quote": "9.9 deaths per million (fixture)."},
]

_EVENTS: Rows = [
    {"event_id": "copenhagen-test-opening", "city_id": "copenhagen", "facility_id": "copenhagen-test-site",
     "date": "2012-10", "kind": "opening", "label": "Test site opens (fixture)", "source_id": "test-report-a",
     "quote": "The test site opened in October 2012 (fixture)."},
    {"event_id": "brussels-test-policy", "city_id": "brussels", "date": "2017-06-15", "kind": "policy",
     "label": "Test policy change (fixture)", "source_id": "test-report-b",
     "quote": "A test policy changed in June 2017 (fixture)."},
]

_RELATED_SERVICES: Rows = [
    {"service_id": "copenhagen-test-outreach", "city_id": "copenhagen", "name": "Test outreach (fixture)",
     "operator": "Test users' union (fixture)", "description": "Peer outreach on the street (fixture).",
     "source_id": "test-report-b", "quote": "Volunteers walk the streets every evening (fixture)."},
]

# Not in the default set (tests that edit a metric's or an event's English text would make them stale):
# a test that needs translations passes `translations=TRANSLATIONS`.
TRANSLATIONS: Rows = [
    {"table_name": "metrics", "row_id": "registered_users", "column_name": "label", "language": "fr",
     "english": "Registered users", "text": "Usagers inscrits (fixture)"},
    {"table_name": "metrics", "row_id": "registered_users", "column_name": "definition", "language": "fr",
     "english": "People registered with a facility (fixture).",
     "text": "Personnes inscrites dans une salle (fixture)."},
    {"table_name": "events", "row_id": "brussels-test-policy", "column_name": "label", "language": "fr",
     "english": "Test policy change (fixture)", "text": "Changement de politique de test (fixture)"},
    {"table_name": "metrics", "row_id": "registered_users", "column_name": "unit", "language": "fr",
     "english": "persons", "text": "personnes"},
]

# fmt: on

_DEFAULT_ROWS: dict[str, Rows] = {
    "metrics": _METRICS,
    "sources": _SOURCES,
    "cities": _CITIES,
    "facilities": _FACILITIES,
    "observations": [{**_OBSERVATION_DEFAULTS, **row} for row in _OBSERVATIONS],
    "events": _EVENTS,
    "related_services": _RELATED_SERVICES,
    "conflicts": [],
    "translations": [],
}


def default_rows(table_name: str) -> Rows:
    """A fresh copy of the fixture rows of one table; a column a row does not mention is empty."""
    columns = TABLES_BY_NAME[table_name].column_names
    rows = copy.deepcopy(_DEFAULT_ROWS[table_name])
    return [{column: row.get(column, "") for column in columns} for row in rows]


def write_table(directory: Path, table_name: str, rows: Rows) -> Path:
    """Write rows as `<table_name>.csv` in schema column order, then any extra keys the rows bring.

    Missing columns are written empty, so a test may pass partial rows; extra keys become extra columns,
    so a test can add an unknown one.
    """
    columns = list(TABLES_BY_NAME[table_name].column_names)
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    path = Path(directory) / f"{table_name}.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_sources(directory: Path, **overrides: Override) -> Path:
    """Write the fixture source set into `directory` (created if needed) and return the directory.

    Each keyword names a table: a list of rows replaces its rows, a callable receives the default rows and
    returns the rows to write, and None leaves the file out.
    """
    unknown = set(overrides) - set(TABLES_BY_NAME)
    if unknown:
        raise ValueError(f"unknown tables: {', '.join(sorted(unknown))}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for table in SOURCE_TABLES:
        override = overrides.get(table.name, default_rows(table.name))
        if override is None:
            continue
        rows = override(default_rows(table.name)) if callable(override) else override
        write_table(directory, table.name, rows)
    return directory


def edit_row(index: int, **values: str) -> Callable[[Rows], Rows]:
    """An override that changes some cells of one row (0 is the first data row, spreadsheet row 2)."""

    def edit(rows: Rows) -> Rows:
        rows[index].update(values)
        return rows

    return edit


def add_row(index: int, **values: str) -> Callable[[Rows], Rows]:
    """An override that appends a copy of one row with some cells changed (it lands on row len(rows) + 2)."""

    def add(rows: Rows) -> Rows:
        return [*rows, {**rows[index], **values}]

    return add
