"""What the home page says: how much evidence there is, the focus cities' latest headline figures, and
the most recent count of facilities for each country and for wider areas.

Each figure shown is one stored observation, picked by `headlines.latest_figure`; nothing is added up,
so a country count from 2017 is shown as a 2017 count, next to another country's 2023 count, labelled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from .figures import describe_value, evidence_notes, source_strength
from .headlines import Headline, headline, headline_figures, headline_worthy, latest_by, latest_figure
from .i18n import format_number, t

Row = Mapping[str, Any]

FACILITY_COUNT_METRIC = "facilities_count"


def coverage_note(counts: Row) -> str:
    """Where the cities are (`queries.dataset_summary`): `In 11 countries, plus 3 reference cities outside
    Europe.`"""
    if not counts["reference_cities"]:
        return t("In {countries} countries.", countries=format_number(counts["european_countries"]))
    return t(
        "In {countries} countries, plus {reference} reference cities outside Europe.",
        countries=format_number(counts["european_countries"]),
        reference=format_number(counts["reference_cities"]),
    )


def years_covered(counts: Row) -> str:
    """`1991–2025`: the years in which the reported periods end (`queries.dataset_summary`)."""
    first, last = counts["first_year"], counts["last_year"]
    if first is None:
        return "–"
    return f"{first}–{last}" if first != last else str(first)


@dataclass(frozen=True)
class CityHeadlines:
    """A focus city: its name, a line with its country and latest sourced population, the population's
    source (title and address, empty when there is no population), and its latest headline figures."""

    city_id: str
    name: str
    subtitle: str
    population_source: str
    population_source_url: str | None
    figures: tuple[Headline, ...]


def _city_subtitle(city: Row) -> str:
    """`Denmark · population 667,124 (2025)`: a population is a figure, so the page names its source."""
    if city["population"] is None:
        return t("{country} · no sourced population figure", country=city["country"])
    return t(
        "{country} · population {population} ({period})",
        country=city["country"],
        population=format_number(city["population"]),
        period=city["population_period"],
    )


def city_headlines(cities: Sequence[Row], observations: Mapping[str, Sequence[Row]]) -> list[CityHeadlines]:
    """The headline figures of each city `observations` holds figures for (city id -> its totals, as
    `queries.city_observations` gives them), in that order; ids `cities` does not list are left out."""
    by_id = {city["city_id"]: city for city in cities}
    return [
        CityHeadlines(
            city_id=city_id,
            name=by_id[city_id]["name"],
            subtitle=_city_subtitle(by_id[city_id]),
            population_source=by_id[city_id]["population_source"] or "",
            population_source_url=by_id[city_id]["population_source_url"],
            figures=tuple(headline(row) for row in headline_figures(rows)),
        )
        for city_id, rows in observations.items()
        if city_id in by_id
    ]


@dataclass(frozen=True)
class AreaCounts:
    """The latest facility count of each country, and of wider areas (Europe, the world...)."""

    countries: list[Row]
    wider_areas: list[Row]


def latest_facility_counts(rows: Sequence[Row]) -> AreaCounts:
    """The most recent count per area, countries in alphabetical order (the dates differ: not a ranking);
    `rows` are the areas' facility counts (`queries.area_observations` of `FACILITY_COUNT_METRIC`)."""
    countries = latest_by((row for row in rows if row["scope"] == "country"), "country")
    wider = latest_by((row for row in rows if row["scope"] == "multinational"), "country")
    return AreaCounts(
        countries=[countries[name] for name in sorted(countries)],
        wider_areas=sorted(
            wider.values(), key=lambda row: (row["period_end_date"], row["country"]), reverse=True
        ),
    )


def area_table(rows: Sequence[Row]) -> pa.Table:
    """Areas with their figure, date, wording and source: the text alternative and the wider-area list."""
    return pa.table(
        {
            t("Area"): pa.array([row["country"] for row in rows], pa.string()),
            t("Figure"): pa.array([describe_value(row) for row in rows], pa.string()),
            t("Date"): pa.array([row["period_label"] for row in rows], pa.string()),
            t("What was counted"): pa.array([row["counted_as"] for row in rows], pa.string()),
            t("Value"): pa.array([row["value"] for row in rows], pa.float64()),
            t("Source kind"): pa.array([source_strength(row) for row in rows], pa.string()),
            t("Notes on the evidence"): pa.array([evidence_notes(row) for row in rows], pa.string()),
            t("Source"): pa.array([row["source_title"] for row in rows], pa.string()),
            t("Publisher"): pa.array([row["source_publisher"] for row in rows], pa.string()),
            t("Link or reference"): pa.array([row["source_url"] for row in rows], pa.string()),
            t("Quote"): pa.array([row["quote"] for row in rows], pa.string()),
        }
    )


def country_counts_summary(rows: Sequence[Row]) -> str:
    """The country chart in one sentence: each country's latest count with its date."""
    if not rows:
        return ""
    parts = [
        t(
            "{country} {figure} ({period})",
            country=row["country"],
            figure=describe_value(row),
            period=row["period_label"],
        )
        for row in rows
    ]
    return t("Latest sourced count of facilities per country: {counts}.", counts="; ".join(parts))


def tile_help(figure: Headline) -> str:
    """What the help mark of a headline tile says: the source's words, and for a count of facilities why
    it may differ from the facilities the Facilities page lists (plain text: escape it for Markdown)."""
    words = t("In the source's words: {quote}", quote=figure.quote)
    if figure.metric_id != FACILITY_COUNT_METRIC:
        return words
    return (
        words
        + " "
        + t(
            "This is the source's count on its date. The Facilities page counts every facility this "
            "dataset lists for the city, open or closed, so its number can differ."
        )
    )


def countries_without_count(cities: Sequence[Row], countries: Sequence[Row]) -> list[str]:
    """European countries with a city in the dataset but no sourced national count of facilities
    (`countries` as `latest_facility_counts` gives them), A to Z: the chart cannot draw them."""
    counted = {row["country"] for row in countries}
    return sorted({city["country"] for city in cities if city["in_europe"]} - counted)


# A multinational area that lies in Europe, as sources name it: `Europe`, `Europe (8 countries...)`,
# `EU-27`, `EU-28`. Areas that also count rooms abroad (`World`, `11 European countries, Australia...`) are
# not Europe-wide totals.
_EUROPEAN_AREA_PREFIXES = ("Europe", "EU-")


def is_european_total(row: Row) -> bool:
    """A sourced count of facilities for Europe or the EU, and nothing outside it."""
    return row["scope"] == "multinational" and str(row["country"]).startswith(_EUROPEAN_AREA_PREFIXES)


@dataclass(frozen=True)
class RegistryCoverage:
    """How complete the facility list is: its officially authorised European rooms with no closure on
    record, how many have a sourced opening date, its unofficial services, and the Europe-wide totals
    sources give (the latest from an official or service source, and the latest from any source)."""

    rooms: int
    dated: int
    official: int
    unofficial: int
    official_total: Row | None
    latest_total: Row | None


def registry_coverage(facilities: Sequence[Row], area_counts: Sequence[Row]) -> RegistryCoverage:
    """The facility list (`queries.facility_directory`) against the Europe-wide totals among the areas'
    facility counts (`queries.area_observations` of `FACILITY_COUNT_METRIC`)."""
    european = [facility for facility in facilities if facility["in_europe"]]
    official = [facility for facility in european if facility["sanctioned"]]
    totals = [row for row in area_counts if is_european_total(row)]
    return RegistryCoverage(
        rooms=sum(1 for facility in official if facility["closed"] is None),
        dated=sum(1 for facility in official if facility["opened"] is not None),
        official=len(official),
        unofficial=len(european) - len(official),
        official_total=latest_figure(row for row in totals if headline_worthy(row)),
        latest_total=latest_figure(totals),
    )


def _total_words(row: Row) -> str:
    return t(
        "{figure} in {area} ({period}; {source}, {kind})",
        figure=describe_value(row),
        area=row["country"],
        period=row["period_label"],
        source=row["source_publisher"],
        kind=source_strength(row),
    )


def registry_note(coverage: RegistryCoverage) -> str:
    """How complete the facility list is, in words: the rooms it lists against the sourced Europe-wide
    totals, and that EUDA's own current total was not found, so no share is given."""
    parts = [
        t(
            "The facility list holds {rooms} officially authorised rooms in Europe with no closure on "
            "record; {dated} of the {official} authorised European rooms it lists have a sourced opening "
            "date. {unofficial} unofficial or volunteer services are listed but not counted.",
            rooms=format_number(coverage.rooms),
            dated=format_number(coverage.dated),
            official=format_number(coverage.official),
            unofficial=format_number(coverage.unofficial),
        )
    ]
    if coverage.official_total is not None:
        parts.append(
            t(
                "The latest Europe-wide total from an official or service source, published or quoted: "
                "{total}.",
                total=_total_words(coverage.official_total),
            )
        )
    if coverage.latest_total is not None and coverage.latest_total is not coverage.official_total:
        parts.append(
            t("The most recent from any source: {total}.", total=_total_words(coverage.latest_total))
        )
    parts.append(
        t(
            "EUDA's own current total was not found in the sources checked, so no share is given: the list "
            "is a floor, not a census."
        )
    )
    return " ".join(parts)
