"""Dividing a figure by residents, facilities or consumptions: a derived figure, or why there is none.

A derived figure is computed from two sourced figures and never stored; a bound stays a bound and a range
a range (both ends are divided); an average per day stays per day. Only an exact divisor is used, or an
approximate one when the figure itself is exact or approximate. The divisors come in a `Denominators`
bundle the caller reads from the store, so this module stays pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..attribution import source_citation
from ..figures import describe_value
from ..headlines import latest_figure
from ..i18n import format_number, t
from ..periods import DAYS_PER_YEAR
from ..privacy import STATUS_OK
from ..vocabulary import NORMALISATIONS, QUALIFIERS, entry, ids, metric_kinds

Row = Mapping[str, Any]

MAX_POPULATION_GAP_YEARS = 5


@dataclass(frozen=True)
class Normalised:
    """A figure as compared: the sourced figure itself, or a derived one with what it was divided by.

    `reason` is empty when the figure could be computed; otherwise it says why not, and the values are
    None. `basis` names the divisor (which population, of which year, from which source).
    """

    value: float | None = None
    value_low: float | None = None
    value_high: float | None = None
    qualifier: str = "exact"
    rate_per: str | None = None
    basis: str = ""
    divisor_date: str = ""
    divisor_source: str = ""
    derived: bool = False
    reason: str = ""

    @property
    def computable(self) -> bool:
        return not self.reason

    @classmethod
    def as_reported(cls, row: Row, basis: str = "") -> Normalised:
        """The sourced figure itself, with its qualifier and rate; `basis` says why it needs no divisor."""
        return cls(
            value=row["value"],
            value_low=row["value_low"],
            value_high=row["value_high"],
            qualifier=row["qualifier"],
            rate_per=row.get("rate_per"),
            basis=basis,
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
    """What a normalisation may divide by, for the cities compared (rows as the store returns them)."""

    populations: Sequence[Row] = ()
    facilities: Sequence[Row] = ()
    facility_counts: Sequence[Row] = ()
    consumptions: Sequence[Row] = ()


@dataclass(frozen=True)
class FacilityCount:
    """How many facilities of a city were open at a date, or why that is not known."""

    count: int | None
    reason: str = ""


def _not_computable(reason: str) -> Normalised:
    return Normalised(reason=reason)


def _middle(row: Row) -> date:
    start = row["period_start_date"] or row["period_end_date"]
    return start + (row["period_end_date"] - start) / 2


def nearest_population(row: Row, populations: Iterable[Row]) -> Row | None:
    """The city's exact, city-wide population figure closest in time to the end of the figure's period
    (a population's own date is the middle of its period); on a tie, the earlier one."""
    candidates = [
        population
        for population in populations
        if population["city_id"] == row["city_id"]
        and population["scope"] == "city"
        and population["qualifier"] == "exact"
        and not population.get("breakdown")
    ]
    end = row["period_end_date"]
    return min(
        candidates,
        key=lambda population: (abs((_middle(population) - end).days), _middle(population)),
        default=None,
    )


def _is_open(facility: Row, on: date) -> bool:
    closed = facility.get("closed_date")
    return facility["opened_date"] <= on and (closed is None or closed >= on)


def facilities_open(
    city_id: str, on: date, facilities: Sequence[Row], facility_counts: Sequence[Row]
) -> FacilityCount:
    """The number of the city's facilities open on a date, from the facility list, when that list can be
    trusted for the city: every facility has an opening date, and it agrees with every sourced count."""
    listed = [facility for facility in facilities if facility["city_id"] == city_id]
    if not listed:
        return FacilityCount(None, t("no facility of this city is in the facility list"))
    undated = [facility["name"] for facility in listed if facility.get("opened_date") is None]
    if undated:
        return FacilityCount(
            None, t("the opening date of {facilities} is not known", facilities=", ".join(sorted(undated)))
        )
    for sourced in facility_counts:
        if sourced["city_id"] != city_id or sourced["scope"] != "city" or sourced.get("breakdown"):
            continue
        open_then = sum(_is_open(facility, sourced["period_end_date"]) for facility in listed)
        if sourced["qualifier"] != "exact" or sourced["value"] != open_then:
            return FacilityCount(
                None,
                t(
                    "the facility list ({listed} open) does not match the sourced count ({sourced}) at "
                    "{date}, so it is incomplete for this city",
                    listed=format_number(open_then),
                    sourced=describe_value(sourced),
                    date=sourced["period_end"],
                ),
            )
    count = sum(_is_open(facility, on) for facility in listed)
    if not count:
        return FacilityCount(None, t("no facility in the list was open on {date}", date=on.isoformat()))
    return FacilityCount(count)


def matching_consumptions(row: Row, consumptions: Iterable[Row]) -> Row | None:
    """A consumption count for the same place, the same kind of period and exactly the same period."""

    def key(candidate: Row) -> tuple[Any, ...]:
        return (
            candidate["city_id"],
            candidate["scope"],
            candidate.get("facility_id"),
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


def divide(
    row: Row, divisor: float | None, divisor_qualifier: str, scale: float
) -> tuple[dict[str, Any] | None, str]:
    """`row / divisor * scale`, keeping the figure's qualifier and both ends of a range.

    An approximate divisor makes an exact or approximate figure approximate; with a bound or a range it
    would leave the direction of the result unknown, so that is refused with a reason, as is a divisor
    known only as a bound or a range.
    """
    qualifier = row["qualifier"]
    if entry(QUALIFIERS, divisor_qualifier).kind == "approximate":
        if entry(QUALIFIERS, qualifier).kind in ("bound", "range"):
            return None, t("both figures are approximate or bounds, so their ratio has no clear direction")
        qualifier = "about"
    elif divisor_qualifier != "exact":
        return None, t("the divisor is only known as a bound or a range")
    if divisor is None or divisor <= 0:
        return None, t("the divisor is not a positive number")

    def scaled(value: float | None) -> float | None:
        return None if value is None else value / divisor * scale

    return {
        "value": scaled(row["value"]),
        "value_low": scaled(row["value_low"]),
        "value_high": scaled(row["value_high"]),
        "qualifier": qualifier,
    }, ""


@dataclass(frozen=True)
class Divisor:
    """What a figure is divided by: its value and qualifier, and how the page names it."""

    value: float
    qualifier: str
    basis: str
    date: str
    source: str = ""  # as a chart cites it: publisher and title


def _derived(row: Row, divisor: Divisor, scale: float) -> Normalised:
    values, reason = divide(row, divisor.value, divisor.qualifier, scale)
    if values is None:
        return _not_computable(reason)
    return Normalised(
        **values,
        rate_per=row.get("rate_per"),
        basis=divisor.basis,
        divisor_date=divisor.date,
        divisor_source=divisor.source,
        derived=True,
    )


def _per_100k(row: Row, populations: Sequence[Row]) -> Normalised:
    population = nearest_population(row, populations)
    if population is None:
        return _not_computable(t("no exact population figure for {city}", city=row["city"]))
    gap_years = abs((_middle(population) - row["period_end_date"]).days) / DAYS_PER_YEAR
    if gap_years > MAX_POPULATION_GAP_YEARS:
        return _not_computable(
            t(
                "the nearest population figure ({period}) is more than {years} years from the figure",
                period=population["period_end"],
                years=MAX_POPULATION_GAP_YEARS,
            )
        )
    basis = t(
        "population {population} ({period}), {source}",
        population=format_number(population["value"]),
        period=population["period_end"],
        source=population["source_title"],
    )
    divisor = Divisor(
        population["value"],
        population["qualifier"],
        basis,
        population["period_end"],
        source_citation(population["source_title"], population.get("source_publisher")),
    )
    return _derived(row, divisor, 100_000)


def _per_facility(row: Row, denominators: Denominators) -> Normalised:
    if row["metric_id"] == "facilities_count":
        return _not_computable(t("a count of facilities is not divided by facilities"))
    if row["scope"] == "facility":
        return Normalised.as_reported(
            row, basis=t("the figure is for one facility ({facility})", facility=row["facility"])
        )
    if row["scope"] != "city":
        return _not_computable(t("only figures for a city or a facility can be divided by facilities"))
    on = row["period_end_date"]
    open_facilities = facilities_open(
        row["city_id"], on, denominators.facilities, denominators.facility_counts
    )
    if open_facilities.count is None:
        return _not_computable(t("number of facilities unknown: {reason}", reason=open_facilities.reason))
    basis = t(
        "{count} facilities open on {date} (facility list)",
        count=format_number(open_facilities.count),
        date=on.isoformat(),
    )
    return _derived(row, Divisor(open_facilities.count, "exact", basis, on.isoformat()), 1)


def _per_1000_consumptions(row: Row, consumptions: Sequence[Row]) -> Normalised:
    if row["metric_id"] == "consumptions":
        return _not_computable(t("the figure is itself a count of consumptions"))
    match = matching_consumptions(row, consumptions)
    if match is None:
        return _not_computable(t("no consumption count for the same place and period"))
    basis = t(
        "{figure} consumptions ({period}), {source}",
        figure=describe_value(match),
        period=match["period_label"],
        source=match["source_title"],
    )
    source = source_citation(match["source_title"], match.get("source_publisher"))
    divisor = Divisor(match["value"], match["qualifier"], basis, match["period_end"], source)
    return _derived(row, divisor, 1_000)


def normalise(row: Row, per: str, denominators: Denominators) -> Normalised:
    """The figure as reported (`absolute`), or divided by residents, facilities or consumptions.

    A figure withheld by disclosure control has no value to compare, so it is never drawn.
    """
    if (row.get("status") or STATUS_OK) != STATUS_OK:
        return _not_computable(t("the figure is withheld to protect a small count"))
    if per == "absolute":
        return Normalised.as_reported(row)
    if row["metric_kind"] not in metric_kinds(divisible=True):
        return _not_computable(t("{metric} is a rate or a change, not a count", metric=row["metric"]))
    if per == "per_100k":
        return _per_100k(row, denominators.populations)
    if per == "per_facility":
        return _per_facility(row, denominators)
    if per == "per_1000_consumptions":
        return _per_1000_consumptions(row, denominators.consumptions)
    raise ValueError(f"unknown normalisation {per!r}; choose one of {', '.join(ids(NORMALISATIONS))}")
