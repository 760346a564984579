"""Comparing cities: every figure of one metric marked and normalised against one reference figure, and
per city the figure closest to it. Nothing is ever added up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..headlines import headline_worthy, latest_figure
from ..periods import DAYS_PER_YEAR
from ..vocabulary import NORMALISATIONS, ids
from .marks import comparability_marks, severity, years_apart
from .normalise import Denominators, Normalised, normalise

Row = Mapping[str, Any]


@dataclass(frozen=True)
class ComparedValue:
    """One sourced figure in a comparison: its marks relative to the reference and its compared value."""

    row: Row
    marks: tuple[str, ...]
    normalised: Normalised

    @property
    def mark(self) -> str:
        """The most serious mark, the one a chart shows first."""
        return self.marks[0]


@dataclass(frozen=True)
class Comparison:
    """Every figure of one metric for the chosen cities, and the one per city a chart compares."""

    metric_id: str
    per: str
    reference: Row | None
    values: tuple[ComparedValue, ...]
    latest: tuple[ComparedValue, ...]
    cities_without_data: tuple[str, ...]


def choose_reference(rows: Sequence[Row], city_ids: Sequence[str]) -> Row | None:
    """The most recent headline figure (`headlines.headline_worthy`: a normal period, a strong source) of
    the first chosen city that has any figure; its most recent figure when it has no headline figure."""
    for city_id in city_ids:
        mine = [row for row in rows if row["city_id"] == city_id]
        reference = latest_figure(row for row in mine if headline_worthy(row)) or latest_figure(mine)
        if reference is not None:
            return reference
    return None


def _closest(values: Sequence[ComparedValue], reference: Row | None) -> ComparedValue:
    """The figure closest in definition to the reference; among those, the nearest to its date in whole
    years, then the latest."""
    least = min(severity(value.marks) for value in values)
    closest = [value for value in values if severity(value.marks) == least]
    if reference is not None:
        nearest = min(round(years_apart(value.row, reference)) for value in closest)
        closest = [value for value in closest if round(years_apart(value.row, reference)) == nearest]
    chosen = latest_figure(value.row for value in closest)
    return next(value for value in closest if value.row is chosen)


def compare_cities(
    rows: Sequence[Row], city_ids: Sequence[str], per: str, denominators: Denominators
) -> Comparison:
    """Mark and normalise every figure, and pick per city the one closest to the reference.

    `rows` are one metric's totals (no breakdowns) for the chosen cities; `city_ids` is the chosen order,
    whose first city with a figure gives the reference. No figure is ever added to another.
    """
    if per not in ids(NORMALISATIONS):
        raise ValueError(f"unknown normalisation {per!r}; choose one of {', '.join(ids(NORMALISATIONS))}")
    metric_ids = {row["metric_id"] for row in rows}
    if len(metric_ids) > 1:
        raise ValueError(f"a comparison is of one metric; got {', '.join(sorted(metric_ids))}")
    totals = [row for row in rows if not row.get("breakdown") and row["city_id"] in city_ids]
    reference = choose_reference(totals, city_ids)
    order = {city_id: index for index, city_id in enumerate(city_ids)}
    totals.sort(key=lambda row: (order[row["city_id"]], row["period_end_date"], row["observation_id"]))
    values = tuple(
        ComparedValue(row, comparability_marks(row, reference), normalise(row, per, denominators))
        for row in totals
    )
    by_city: dict[str, list[ComparedValue]] = {}
    for value in values:
        by_city.setdefault(value.row["city_id"], []).append(value)
    latest = tuple(_closest(by_city[city_id], reference) for city_id in city_ids if city_id in by_city)
    return Comparison(
        metric_id=next(iter(metric_ids), ""),
        per=per,
        reference=reference,
        values=values,
        latest=latest,
        cities_without_data=tuple(city_id for city_id in city_ids if city_id not in by_city),
    )


def first_openings(facilities: Iterable[Row]) -> dict[str, Row]:
    """Each city's officially authorised facility with the earliest known opening date: facilities without
    one are skipped, and an unofficial or volunteer service never counts as a city's first opening."""
    first: dict[str, Row] = {}
    for facility in facilities:
        if facility.get("opened_date") is None or not facility.get("sanctioned", True):
            continue
        current = first.get(facility["city_id"])
        if current is None or facility["opened_date"] < current["opened_date"]:
            first[facility["city_id"]] = facility
    return first


def years_since(on: date, opened: date) -> float:
    """Years from an opening date to a date (negative before the opening)."""
    return (on - opened).days / DAYS_PER_YEAR


def cities_reporting(
    coverage: Iterable[Row], metric_id: str, chosen: Sequence[str], limit: int = 5
) -> list[str]:
    """Cities to offer when some chosen cities have no figure for a metric: the chosen ones that have one,
    then the others with the most figures of it (rows as `queries.coverage` gives them), up to `limit`."""
    counts = {row["city_id"]: row["figures"] for row in coverage if row["metric_id"] == metric_id}
    having = [city_id for city_id in chosen if counts.get(city_id)]
    others = sorted(
        (city_id for city_id, figures in counts.items() if figures and city_id not in having),
        key=lambda city_id: (-counts[city_id], city_id),
    )
    return [*having, *others][:limit]
