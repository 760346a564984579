"""Dividing a figure by residents, facilities or consumptions: a derived figure, or why there is none.

A derived figure is computed from two sourced figures and never stored; a bound stays a bound and a range
a range (both ends are divided); an average per day stays per day. Only an exact divisor is used, or an
approximate one when the figure itself is exact or approximate. The divisors come in a `Denominators`
bundle the caller reads from the store, so this module stays pure.

What a figure may be divided by depends on what it covers. Per 100,000 residents divides only a figure
for the whole city (or for the one room a city has), by a population at most three years from it; per
facility divides only by a count of the city's rooms that a source gives for the same date. A refusal is a
`Refusal` with the facts behind it, and `describe` words it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from ..attribution import source_citation
from ..headlines import latest_figure
from ..periods import DAYS_PER_YEAR, parse_partial_date
from ..privacy import STATUS_OK
from ..vocabulary import NORMALISATIONS, QUALIFIERS, SCOPES, entry, ids, metric_kinds

Row = Mapping[str, Any]

MAX_POPULATION_GAP_YEARS = 3
# Sources whose word is not a count never divide another figure.
_NOT_A_DIVISOR = ("claim",)


class Why(StrEnum):
    """Why a figure cannot be divided as asked."""

    WITHHELD = "withheld"
    NOT_A_COUNT = "not a count"
    PART_OF_CITY = "part of the city"
    ONE_OF_SEVERAL = "one of several facilities"
    NOT_A_CITY = "not a city"
    NO_POPULATION = "no population"
    POPULATION_TOO_FAR = "population too far"
    FACILITIES_BY_FACILITIES = "facilities by facilities"
    NO_FACILITY_COUNT = "no facility count"
    ITSELF_CONSUMPTIONS = "itself consumptions"
    NO_CONSUMPTIONS = "no consumptions"
    UNCLEAR_DIRECTION = "unclear direction"
    DIVISOR_A_BOUND = "divisor a bound"
    DIVISOR_NOT_POSITIVE = "divisor not positive"


@dataclass(frozen=True)
class Refusal:
    """Why there is no derived figure, with the facts a reader needs: what it concerns (a part of the city,
    a facility, a city or a metric), a count, the date or period of a divisor that was too far, how far."""

    why: Why
    subject: str = ""
    count: int | None = None
    period: str = ""
    years: float | None = None


DivisorKind = Literal["population", "facility_count", "consumptions", "one_facility"]


@dataclass(frozen=True)
class Divisor:
    """What a figure is divided by (`one_facility`: nothing, the figure is already for one room): its value
    and qualifier, its date, and the figure and source it comes from."""

    kind: DivisorKind
    value: float = 1.0
    qualifier: str = "exact"
    date: str = ""
    period_label: str = ""
    source: str = ""
    row: Row | None = None
    facility: str = ""


@dataclass(frozen=True)
class Normalised:
    """A figure as compared: the sourced figure itself, or a derived one with what it was divided by.

    `refusal` is None when the figure could be computed; otherwise it says why not, and the values are
    None. `divisor` names what was divided by (which population, of which year, from which source).
    """

    value: float | None = None
    value_low: float | None = None
    value_high: float | None = None
    qualifier: str = "exact"
    rate_per: str | None = None
    divisor: Divisor | None = None
    derived: bool = False
    refusal: Refusal | None = None

    @property
    def computable(self) -> bool:
        return self.refusal is None

    @property
    def divisor_date(self) -> str:
        return self.divisor.date if self.divisor else ""

    @property
    def divisor_source(self) -> str:
        """The source of what the figure was divided by, as a chart cites it: publisher and title."""
        if not (self.derived and self.divisor and self.divisor.row is not None):
            return ""
        row = self.divisor.row
        return source_citation(row["source_title"], row.get("source_publisher"))

    @classmethod
    def as_reported(cls, row: Row, divisor: Divisor | None = None) -> Normalised:
        """The sourced figure itself, with its qualifier and rate; `divisor` says why it needs none."""
        return cls(
            value=row["value"],
            value_low=row["value_low"],
            value_high=row["value_high"],
            qualifier=row["qualifier"],
            rate_per=row.get("rate_per"),
            divisor=divisor,
        )

    def as_row(self) -> dict[str, Any]:
        """The fields `figures.describe_value` reads."""
        return {
            "value": self.value,
            "value_low": self.value_low,
            "value_high": self.value_high,
            "qualifier": self.qualifier,
            "rate_per": self.rate_per,
        }


@dataclass(frozen=True)
class Denominators:
    """What a normalisation may divide by, for the cities compared (rows as the store returns them):
    populations, the facility list (to know whether a room is its city's only one), sourced counts of
    the cities' facilities, and consumption counts."""

    populations: Sequence[Row] = ()
    facilities: Sequence[Row] = ()
    facility_counts: Sequence[Row] = ()
    consumptions: Sequence[Row] = ()


def _refused(why: Why, **facts: Any) -> Normalised:
    return Normalised(refusal=Refusal(why, **facts))


def _middle(row: Row) -> date:
    start = row["period_start_date"] or row["period_end_date"]
    return start + (row["period_end_date"] - start) / 2


def _when(row: Row) -> date:
    """Where a figure sits in time: a running total at its end, any other figure in the middle of its
    period (a population dated `2017` in mid-2017, a count for 2020 in mid-2020)."""
    return row["period_end_date"] if row["period_kind"] == "since_opening" else _middle(row)


def population_gap_years(row: Row, population: Row) -> float:
    """Years between a figure and a population, each where it sits in time, to two decimals."""
    return round(abs((_when(population) - _when(row)).days) / DAYS_PER_YEAR, 2)


def nearest_population(row: Row, populations: Iterable[Row]) -> Row | None:
    """The city's exact, city-wide population figure closest in time to the figure (`_when`); on a tie,
    the earlier one."""
    candidates = [
        population
        for population in populations
        if population["city_id"] == row["city_id"]
        and population["scope"] == "city"
        and population["qualifier"] == "exact"
        and not population.get("breakdown")
    ]
    return min(
        candidates,
        key=lambda population: (population_gap_years(row, population), _when(population)),
        default=None,
    )


def rooms_in_city(city_id: str, on: date, facilities: Iterable[Row]) -> int:
    """How many officially authorised rooms of a city the facility list does not show as closed before
    `on` or opened after it (a room without an opening date counts): a room is its city's only one only
    when this is one."""
    return sum(
        1
        for facility in facilities
        if facility["city_id"] == city_id
        and facility.get("sanctioned", True)
        and (facility.get("closed_date") is None or facility["closed_date"] >= on)
        and (facility.get("opened_date") is None or facility["opened_date"] <= on)
    )


def matching_consumptions(row: Row, consumptions: Iterable[Row]) -> Row | None:
    """A consumption count for the same place, the same kind of period and exactly the same period."""

    def key(candidate: Row) -> tuple[Any, ...]:
        return (
            candidate["city_id"],
            candidate["scope"],
            candidate.get("facility_id"),
            candidate.get("place"),
            candidate["period_kind"],
            candidate.get("period_start"),
            candidate["period_end"],
            candidate.get("rate_per"),
        )

    matches = [
        candidate
        for candidate in consumptions
        if candidate["metric_id"] == "consumptions"
        and not candidate.get("breakdown")
        and key(candidate) == key(row)
    ]
    return latest_figure(matches)


def same_date(count: Row, row: Row) -> bool:
    """Whether a count at a date is for the date a figure ends on, at the precision each is given: a count
    dated `2023` is for a figure ending `2023-12-31`, one dated `2024-03-25` is not for a year 2023."""
    first, last = parse_partial_date(count["period_end"])
    figure_first, figure_last = parse_partial_date(row["period_end"])
    return first <= figure_last and figure_first <= last


def divide(row: Row, divisor: Divisor, scale: float) -> Normalised:
    """`row / divisor * scale`, keeping the figure's qualifier and both ends of a range.

    An approximate divisor makes an exact or approximate figure approximate; with a bound or a range it
    would leave the direction of the result unknown, so that is refused, as is a divisor known only as a
    bound or a range.
    """
    qualifier = row["qualifier"]
    if entry(QUALIFIERS, divisor.qualifier).kind == "approximate":
        if entry(QUALIFIERS, qualifier).kind in ("bound", "range"):
            return _refused(Why.UNCLEAR_DIRECTION)
        qualifier = "about"
    elif divisor.qualifier != "exact":
        return _refused(Why.DIVISOR_A_BOUND)
    if divisor.value is None or divisor.value <= 0:
        return _refused(Why.DIVISOR_NOT_POSITIVE)

    def scaled(value: float | None) -> float | None:
        return None if value is None else value / divisor.value * scale

    return Normalised(
        value=scaled(row["value"]),
        value_low=scaled(row["value_low"]),
        value_high=scaled(row["value_high"]),
        qualifier=qualifier,
        rate_per=row.get("rate_per"),
        divisor=divisor,
        derived=True,
    )


def _divisor_from(kind: DivisorKind, row: Row) -> Divisor:
    return Divisor(
        kind,
        row["value"],
        row["qualifier"],
        row["period_end"],
        row["period_label"],
        row["source_title"],
        row,
    )


def _per_100k(row: Row, denominators: Denominators) -> Normalised:
    scope = row["scope"]
    if scope == "facility":
        rooms = rooms_in_city(row["city_id"], row["period_end_date"], denominators.facilities)
        if rooms > 1:
            return _refused(Why.ONE_OF_SEVERAL, subject=row.get("facility") or "", count=rooms)
    elif scope in ("area", "operator"):
        return _refused(Why.PART_OF_CITY, subject=row.get("place") or "")
    elif not entry(SCOPES, scope).whole_city:
        return _refused(Why.NOT_A_CITY)
    population = nearest_population(row, denominators.populations)
    if population is None:
        return _refused(Why.NO_POPULATION, subject=row["city"])
    gap_years = population_gap_years(row, population)
    if gap_years > MAX_POPULATION_GAP_YEARS:
        return _refused(Why.POPULATION_TOO_FAR, period=population["period_end"], years=gap_years)
    return divide(row, _divisor_from("population", population), 100_000)


def _sourced_facility_count(row: Row, counts: Iterable[Row]) -> Row | None:
    """The latest sourced count of the city's rooms for the date the figure ends on (claims left out)."""
    return latest_figure(
        count
        for count in counts
        if count["city_id"] == row["city_id"]
        and count["scope"] == "city"
        and not count.get("breakdown")
        and count.get("source_kind") not in _NOT_A_DIVISOR
        and same_date(count, row)
    )


def _per_facility(row: Row, denominators: Denominators) -> Normalised:
    if row["metric_id"] == "facilities_count":
        return _refused(Why.FACILITIES_BY_FACILITIES)
    if row["scope"] == "facility":
        return Normalised.as_reported(row, Divisor("one_facility", facility=row.get("facility") or ""))
    if row["scope"] != "city":
        return _refused(Why.NOT_A_CITY)
    count = _sourced_facility_count(row, denominators.facility_counts)
    if count is None:
        return _refused(Why.NO_FACILITY_COUNT, period=row["period_end"])
    return divide(row, _divisor_from("facility_count", count), 1)


def _per_1000_consumptions(row: Row, consumptions: Sequence[Row]) -> Normalised:
    if row["metric_id"] == "consumptions":
        return _refused(Why.ITSELF_CONSUMPTIONS)
    match = matching_consumptions(row, consumptions)
    if match is None:
        return _refused(Why.NO_CONSUMPTIONS)
    return divide(row, _divisor_from("consumptions", match), 1_000)


def normalise(row: Row, per: str, denominators: Denominators) -> Normalised:
    """The figure as reported (`absolute`), or divided by residents, facilities or consumptions.

    A figure withheld by disclosure control has no value to compare, so it is never drawn.
    """
    if (row.get("status") or STATUS_OK) != STATUS_OK:
        return _refused(Why.WITHHELD)
    if per == "absolute":
        return Normalised.as_reported(row)
    if row["metric_kind"] not in metric_kinds(divisible=True):
        return _refused(Why.NOT_A_COUNT, subject=row["metric"])
    if per == "per_100k":
        return _per_100k(row, denominators)
    if per == "per_facility":
        return _per_facility(row, denominators)
    if per == "per_1000_consumptions":
        return _per_1000_consumptions(row, denominators.consumptions)
    raise ValueError(f"unknown normalisation {per!r}; choose one of {', '.join(ids(NORMALISATIONS))}")
