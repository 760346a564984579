"""Needle litter around facility openings: which counts may be set side by side, and which may not.

Litter counts come from different streets, periods and definitions. Each count keeps its own period and
wording here, is placed before or after the facility openings of its city, and a change between two
counts is worked out only when both count the same thing over periods of the same length. Percentage
changes that sources report are passed on as reported, never recomputed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pyarrow as pa

from .figures import describe_value, disagreement, evidence_notes, named_place, place_title, source_strength
from .i18n import format_number, t
from .periods import parse_partial_date
from .privacy import STATUS_OK

Row = Mapping[str, Any]

LITTER_COUNT_METRICS = ("syringes_found_public", "syringes_collected_kg")
REPORTED_CHANGE_METRIC = "syringe_litter_change"
LITTER_METRICS = (*LITTER_COUNT_METRICS, REPORTED_CHANGE_METRIC)

# An opening this close to a count is drawn on its chart; farther ones are listed under it.
OPENING_WINDOW = timedelta(days=366)
# Periods "of the same length" may differ by a leap day, so two calendar years compare.
SAME_LENGTH_TOLERANCE_DAYS = 1

BEFORE, AFTER, SINCE_OPENING, OVERLAPS = "before", "after", "since_opening", "overlaps"
RELATION_LABELS = {
    BEFORE: "before {facility} opened ({opened})",
    AFTER: "after {facility} opened ({opened})",
    SINCE_OPENING: "since {facility} opened ({opened})",
    OVERLAPS: "overlaps the opening of {facility} ({opened})",
}

ASSOCIATION_IS_NOT_CAUSATION = (
    "Association is not causation: policing, street cleaning, drug markets and the pandemic changed at "
    "the same time as facilities opened, so a fall or rise in litter cannot be credited to a facility alone."
)


@dataclass(frozen=True)
class Opening:
    """A facility's opening, as precise as its source: `2005` covers a year, `2016-10-17` one day."""

    facility_id: str
    facility: str
    opened: str
    first_day: date
    last_day: date
    source_title: str

    @property
    def precise(self) -> bool:
        return self.first_day == self.last_day


def openings(facilities: Iterable[Row], city_id: str) -> list[Opening]:
    """The openings with a known date among a city's facilities, earliest first."""
    found = []
    for facility in facilities:
        if facility["city_id"] != city_id or not facility.get("opened"):
            continue
        first_day, last_day = parse_partial_date(facility["opened"])
        found.append(
            Opening(
                facility["facility_id"],
                facility["name"],
                facility["opened"],
                first_day,
                last_day,
                facility.get("source_title") or "",
            )
        )
    return sorted(found, key=lambda opening: (opening.first_day, opening.facility))


def concerns(row: Row, opening: Opening) -> bool:
    """A count for the city or a part of it concerns every opening in the city; a facility's only its own."""
    return row["scope"] != "facility" or row.get("facility_id") == opening.facility_id


def relation_to_opening(row: Row, opening: Opening) -> str:
    """Whether a count's whole period lies before, after or since an opening, or overlaps it.

    An opening known only to the month or year covers that whole month or year, so a count that starts
    inside it overlaps the opening rather than follows it.
    """
    if row["period_kind"] == "since_opening" and row.get("facility_id") == opening.facility_id:
        return SINCE_OPENING
    if row["period_end_date"] < opening.first_day:
        return BEFORE
    start = row.get("period_start_date")
    if start is not None and start >= opening.last_day:
        return AFTER
    return OVERLAPS


def describe_relation(row: Row, opening: Opening) -> str:
    return t(
        RELATION_LABELS[relation_to_opening(row, opening)], facility=opening.facility, opened=opening.opened
    )


def period_days(row: Row) -> int | None:
    """The number of calendar days a count covers, or None when its start is not known."""
    start = row.get("period_start_date")
    return None if start is None else (row["period_end_date"] - start).days + 1


def _place_key(row: Row) -> tuple[str, ...]:
    """What was counted where: metric, unit, rate, scope, city, and the facility or named place."""
    return (
        row["metric_id"],
        row["unit"],
        row.get("rate_per") or "",
        row["scope"],
        row["city_id"],
        row.get("facility_id") or "",
        row.get("place") or "",
    )


def same_definition(first: Row, second: Row) -> bool:
    """The same thing counted in the same place in the same way.

    Same metric, unit, rate, city or facility, and either the same source or the same wording of what
    was counted: two outlets may describe one count differently, and one outlet two counts alike.
    """
    return _place_key(first) == _place_key(second) and (
        first["source_id"] == second["source_id"] or first["counted_as"] == second["counted_as"]
    )


def withheld(row: Row) -> bool:
    """Whether disclosure control withheld the figure (its value is then empty)."""
    return (row.get("status") or STATUS_OK) != STATUS_OK


def change_not_computed_because(before: Row, after: Row) -> str | None:
    """Why no change may be computed from two counts, or None when it may."""
    if withheld(before) or withheld(after):
        return t("a figure is withheld to protect small numbers")
    if not same_definition(before, after):
        return t("the two figures do not count the same thing in the same place and the same way")
    if before["qualifier"] != "exact" or after["qualifier"] != "exact":
        return t("at least one figure is a range or a bound, not an exact count")
    days_before, days_after = period_days(before), period_days(after)
    if days_before is None or days_after is None:
        return t("the start of a period is not known, so the lengths cannot be compared")
    if abs(days_before - days_after) > SAME_LENGTH_TOLERANCE_DAYS:
        return t(
            "the periods differ in length ({before} days before, {after} days after)",
            before=format_number(days_before),
            after=format_number(days_after),
        )
    if not before["value"]:
        return t("the first count is zero")
    return None


def computed_change(before: Row, after: Row) -> float | None:
    """The percentage change from one count to the other, only when both count alike over equal periods."""
    if change_not_computed_because(before, after) is not None:
        return None
    return (after["value"] - before["value"]) / before["value"] * 100


@dataclass(frozen=True)
class BeforeAfter:
    """The last count before an opening and the first after it, of the same metric in the same place."""

    opening: Opening
    before: Row
    after: Row

    @property
    def change(self) -> float | None:
        return computed_change(self.before, self.after)

    @property
    def not_computed_because(self) -> str | None:
        return change_not_computed_because(self.before, self.after)


def before_after_pairs(counts: Sequence[Row], city_openings: Sequence[Opening]) -> list[BeforeAfter]:
    """For each opening, the nearest count before and after it, within each metric and place."""
    pairs = []
    for opening in city_openings:
        by_place: dict[tuple[str, ...], list[Row]] = {}
        for row in counts:
            if concerns(row, opening):
                by_place.setdefault(_place_key(row), []).append(row)
        for rows in by_place.values():
            before = [row for row in rows if relation_to_opening(row, opening) == BEFORE]
            after = [row for row in rows if relation_to_opening(row, opening) in (AFTER, SINCE_OPENING)]
            if before and after:
                pairs.append(
                    BeforeAfter(
                        opening,
                        max(before, key=lambda row: row["period_end_date"]),
                        min(after, key=lambda row: row.get("period_start_date") or date.max),
                    )
                )
    return pairs


@dataclass(frozen=True)
class CountSeries:
    """Counts that can share one axis: the same metric, unit and rate (per week, per day...)."""

    metric_id: str
    metric: str
    unit: str
    rate_per: str | None
    definition: str
    rows: tuple[Row, ...]

    @property
    def axis_title(self) -> str:
        return t("{unit} per {rate}", unit=self.unit, rate=self.rate_per) if self.rate_per else self.unit

    @property
    def notes(self) -> list[str]:
        """The compilers' notes on these counts (area covered, caveats the source gives), each once."""
        return list(dict.fromkeys(row["notes"] for row in self.rows if row.get("notes")))

    @property
    def unequal_periods(self) -> list[int]:
        """The lengths in days of the counts' periods, in order, when they differ by more than a leap day
        (so bars side by side are not totals over equal periods); empty when they are equal or unknown."""
        lengths = [days for row in self.rows if (days := period_days(row)) is not None]
        if not lengths or max(lengths) - min(lengths) <= SAME_LENGTH_TOLERANCE_DAYS:
            return []
        return lengths

    @property
    def has_totals_since_opening(self) -> bool:
        return any(row["period_kind"] == "since_opening" for row in self.rows)

    def openings_near(self, city_openings: Sequence[Opening]) -> tuple[list[Opening], list[Opening]]:
        """(openings close enough to these counts to draw on their chart, the others)."""
        starts = [row.get("period_start_date") or row["period_end_date"] for row in self.rows]
        window_start = min(starts) - OPENING_WINDOW
        window_end = max(row["period_end_date"] for row in self.rows) + OPENING_WINDOW
        near, far = [], []
        for opening in city_openings:
            close = opening.last_day >= window_start and opening.first_day <= window_end
            (near if close else far).append(opening)
        return near, far


def count_series(counts: Iterable[Row]) -> list[CountSeries]:
    """Group counts by metric, unit, rate and place, so a weekly average never shares an axis with a total
    and one street's count never stands in a city-wide series. City-wide series come first."""
    grouped: dict[tuple[str, ...], list[Row]] = {}
    for row in counts:
        key = (row["metric_id"], row["unit"], row.get("rate_per") or "", named_place(row))
        grouped.setdefault(key, []).append(row)
    return [
        CountSeries(
            rows[0]["metric_id"],
            rows[0]["metric"],
            rows[0]["unit"],
            rows[0].get("rate_per") or None,
            rows[0]["definition"],
            tuple(sorted(rows, key=lambda row: (row["period_end_date"], row["observation_id"]))),
        )
        for _, rows in sorted(grouped.items(), key=lambda item: item[0][3] != "")
    ]


@dataclass(frozen=True)
class CityLitter:
    """Everything the Needle litter page shows for one city."""

    city_id: str
    city: str
    series: tuple[CountSeries, ...]
    reported_changes: tuple[Row, ...]
    openings: tuple[Opening, ...]
    comparisons: tuple[BeforeAfter, ...]

    @property
    def has_figures(self) -> bool:
        return bool(self.series or self.reported_changes)


def city_litter(litter_rows: Iterable[Row], facilities: Iterable[Row], city_id: str, city: str) -> CityLitter:
    """The litter counts, reported changes, openings and before/after pairs of one city."""
    rows = [row for row in litter_rows if row["city_id"] == city_id]
    counts = [row for row in rows if row["metric_id"] in LITTER_COUNT_METRICS]
    reported = [row for row in rows if row["metric_id"] == REPORTED_CHANGE_METRIC]
    city_openings = openings(facilities, city_id)
    return CityLitter(
        city_id,
        city,
        tuple(count_series(counts)),
        tuple(reported),
        tuple(city_openings),
        tuple(before_after_pairs(counts, city_openings)),
    )


def city_choices(cities: Iterable[Row], litter_rows: Iterable[Row]) -> dict[str, str]:
    """City id -> label for the city picker: cities with the most litter figures first, then by name.

    Cities without a figure stay selectable, so a shared link to one shows that there is none.
    """
    counts = Counter(row["city_id"] for row in litter_rows)
    ordered = sorted(cities, key=lambda city: (-counts.get(city["city_id"], 0), city["name"]))
    return {
        city["city_id"]: _city_choice_label(city["name"], counts.get(city["city_id"], 0)) for city in ordered
    }


def _city_choice_label(city: str, figures: int) -> str:
    if figures == 0:
        return t("{city}: no litter figure", city=city)
    if figures == 1:
        return t("{city}: 1 litter figure", city=city)
    return t("{city}: {count} litter figures", city=city, count=format_number(figures))


def place_label(row: Row) -> str:
    """Where a count was made, as the source places it: a street or district, a facility, or the city."""
    return named_place(row) or t("city-wide")


def litter_table(rows: Iterable[Row], related_openings: Sequence[Opening] = ()) -> pa.Table:
    """One row per figure with its period, the source's words and quote, and where it stands to openings."""
    rows = list(rows)
    columns: dict[str, list[Any]] = {
        t("City"): [row["city"] for row in rows],
        t("What"): [row["metric"] for row in rows],
        t("Where"): [place_label(row) for row in rows],
        t("Period"): [row["period_label"] for row in rows],
        t("Figure"): [describe_value(row) for row in rows],
        t("Value"): [row["value"] for row in rows],
        t("Low end"): [row["value_low"] for row in rows],
        t("High end"): [row["value_high"] for row in rows],
        t("Unit"): [row["unit"] for row in rows],
        t("What was counted"): [row["counted_as"] for row in rows],
        t("Relative to openings"): [
            "; ".join(
                describe_relation(row, opening) for opening in related_openings if concerns(row, opening)
            )
            for row in rows
        ],
        t("Source"): [row["source_title"] for row in rows],
        t("Publisher"): [row["source_publisher"] for row in rows],
        t("Source kind"): [source_strength(row) for row in rows],
        t("Sources disagree"): [disagreement(row) for row in rows],
        t("Source date"): [row["source_date"] or "" for row in rows],
        t("Link or reference"): [row["source_url"] for row in rows],
        t("Quote"): [row["quote"] for row in rows],
        t("Notes"): [row["notes"] or "" for row in rows],
    }
    numbers = {t("Value"), t("Low end"), t("High end")}
    return pa.table(
        {
            name: pa.array(values, pa.float64() if name in numbers else pa.string())
            for name, values in columns.items()
        }
    )


def series_title(series: CountSeries, city: str) -> str:
    """The chart's title: the place when every count is of one street, district or facility."""
    return place_title(series.metric, city, series.rows)


def period_lengths_text(days: Sequence[int]) -> str:
    """`183 and 150 days`, `365, 183 and 150 days`."""
    numbers = [format_number(count) for count in days]
    listed = (
        numbers[0]
        if len(numbers) == 1
        else t("{first} and {last}", first=", ".join(numbers[:-1]), last=numbers[-1])
    )
    return t("{days} days", days=listed)


def evidence_line(row: Row) -> str:
    """One count as its source gave it: period, figure, the words for what was counted, quote, source, and
    what other sources say."""
    line = t(
        "{period}: {figure}, counted as “{words}”. Quote: “{quote}” ({publisher}, {date}).",
        period=row["period_label"],
        figure=describe_value(row),
        words=row["counted_as"],
        quote=row["quote"],
        publisher=row["source_publisher"],
        date=row["source_date"] or t("undated"),
    )
    notes = evidence_notes(row)
    return f"{line} {notes}." if notes else line


def series_summary(series: CountSeries, city: str, drawn_openings: Sequence[Opening]) -> str:
    """A sentence that says what the chart shows, for readers who cannot see it."""
    figures = "; ".join(
        t("{figure} ({period})", figure=describe_value(row), period=row["period_label"])
        for row in series.rows
    )
    sentence = t("{title}: {figures}.", title=series_title(series, city), figures=figures)
    if drawn_openings:
        sentence += " " + t(
            "Openings marked: {openings}.",
            openings="; ".join(f"{opening.facility} ({opening.opened})" for opening in drawn_openings),
        )
    return sentence
