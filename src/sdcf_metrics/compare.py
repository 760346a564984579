"""How figures from different cities are put side by side: normalised, and marked for what differs.

Cities report different things under similar names: registered users since opening against distinct
clients in a year, "overdose situations" against naloxone reversals, one room against all rooms of a
city. This module never hides that. Every compared figure carries a comparability mark relative to one
reference figure (the most recent figure of the first selected city); a derived figure (per 100,000
residents, per facility, per 1,000 consumptions) is computed here from two sourced figures, labelled
as derived, and never stored; a bound stays a bound and a range a range; nothing is ever summed.

The functions are pure: they take rows as the store returns them (`observation_details` as dicts) and
return plain values, so `tests/test_compare.py` documents every rule with a few hand-made rows. Only
`load_denominators` reads a store, to fetch the divisors a comparison needs.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from .figures import describe_value
from .headlines import HEADLINE_METRICS, latest_figure
from .i18n import format_number, t
from .privacy import STATUS_OK

if TYPE_CHECKING:
    from .store import Store

Row = Mapping[str, Any]

# --- What the page offers -------------------------------------------------------------------------------

NORMALISATIONS: dict[str, str] = {
    "absolute": "As reported",
    "per_100k": "Per 100,000 residents",
    "per_facility": "Per facility",
    "per_1000_consumptions": "Per 1,000 consumptions",
}
_NORMALISED_TEMPLATES = {
    "per_100k": "{figure} per 100,000 residents",
    "per_facility": "{figure} per facility",
    "per_1000_consumptions": "{figure} per 1,000 consumptions",
}

TIME_AXES: dict[str, str] = {
    "calendar": "Calendar date",
    "since_opening": "Years since the city's first facility opened",
}

DEFAULT_METRIC = "registered_users"  # reported by all three focus cities

PRESETS: dict[str, tuple[str, ...]] = {
    "Focus cities": ("copenhagen", "amsterdam", "brussels"),
    "SOLIDIFY partners (Efus)": ("barcelona", "essen", "paris", "strasbourg", "the-hague"),
}


def metric_options(rows: Sequence[Row]) -> dict[str, str]:
    """Metric id -> picker label such as `Registered users (12 cities)`: the headline service figures
    first, then the rest by label (rows as `compare_metrics.sql` returns them)."""
    by_id = {row["metric_id"]: row for row in rows}
    headline = [metric_id for metric_id in HEADLINE_METRICS if metric_id in by_id]
    others = sorted(set(by_id) - set(headline), key=lambda metric_id: by_id[metric_id]["label"])

    def label(row: Row) -> str:
        if row["cities"] == 1:
            return t("{metric} (1 city)", metric=row["label"])
        return t("{metric} ({count} cities)", metric=row["label"], count=row["cities"])

    return {metric_id: label(by_id[metric_id]) for metric_id in headline + others}


def preset_name(city_ids: Sequence[str]) -> str:
    """The preset these cities are, in any order, or '' for a custom selection."""
    chosen = set(city_ids)
    return next((name for name, preset in PRESETS.items() if set(preset) == chosen), "")


# --- Comparability --------------------------------------------------------------------------------------

SAME = "same definition"
DIFFERENT_PERIOD = "different period kind"
DIFFERENT_SCOPE = "different scope"
DIFFERENT_DEFINITION = "different definition"

COMPARABILITY_MARKS: dict[str, str] = {
    SAME: "Counted in the same way as the reference figure: the same definition, the same kind of period "
    "and the same scope. The figures may still differ in date and in how each source counted.",
    DIFFERENT_PERIOD: "Counted over a different kind of period than the reference: a running total since "
    "opening, one year, one month, a single day, a stock at a date and an average per day are different "
    "things and are not directly comparable.",
    DIFFERENT_SCOPE: "Covers a different area than the reference: one facility, all facilities of a city, a "
    "region and a country are not directly comparable.",
    DIFFERENT_DEFINITION: "The source counts something different from the reference (for example overdose "
    "situations, all drug emergencies or naloxone reversals), or its wording does not show that it counts "
    "the same thing.",
}

# From the most serious difference to the least: the first that applies is a figure's main mark.
_MARK_ORDER = (DIFFERENT_DEFINITION, DIFFERENT_PERIOD, DIFFERENT_SCOPE)

COMPARABILITY_RULES: tuple[str, ...] = (
    "Every compared figure is marked relative to one reference figure: the most recent figure of the first "
    "selected city (on the same end date, a figure for the whole city before one for a single facility).",
    "A figure has the same definition as the reference only when both report the same metric in the same "
    "unit and the source's own wording (counted as) is identical, or both wordings belong to the same family "
    "in the project's short list of known wordings. When the wording cannot show that two figures count the "
    "same thing, they are marked as having a different definition.",
    "Kinds of period are compared as reported: a running total since opening, a single day, a stock at a "
    "date and an average per day or per year are each a kind of their own; a year, a month and any other "
    "span are compared by their length in months, so a twelve-month span counts as a year.",
    "Scopes are compared as reported: one facility, all facilities of a city (or the city itself), a "
    "region, a country and a multinational area are different scopes.",
    "For each city the chart shows the figure closest in definition to the reference (a different "
    "definition weighs most, then a different kind of period, then a different scope) and, among equally "
    "close figures, the most recent one.",
    "Per 100,000 residents divides by the city's own exact population figure closest in time to the end "
    "of the figure's period, and only when that population is at most five years away from it.",
    "Per facility divides a city-wide figure by the number of facilities in the facility list that were "
    "open at the end of the figure's period, and only when that list is complete for the city: every "
    "facility has a known opening date and the list agrees with every sourced count of the city's "
    "facilities. A figure for one facility is already a figure per facility.",
    "Per 1,000 consumptions divides by a consumption count for the same city, the same facility or whole "
    "city, the same kind of period and exactly the same period; otherwise it is not computable.",
    "A derived figure is computed by sdcf-metrics from two sourced figures and is never stored. A bound "
    "stays a bound and a range stays a range (both ends are divided); an average per day stays per day. "
    "Only an exact divisor is used, or an approximate one when the figure itself is exact or approximate.",
    "Figures are never summed: no totals across cities, facilities or periods are shown, because people "
    "are counted once per facility and per period and most counts are not additive.",
)

# Wordings known to count the same thing, by metric; the first family whose words appear wins, so the
# narrower families come first. The list is short on purpose: what is not listed is only the same
# definition as a figure with identical wording.
DEFINITION_FAMILIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("overdoses_managed", "overdoses reversed", ("revers", "revert", "naloxone")),
    ("overdoses_managed", "overdoses averted or intervened in", ("averted", "intervened", "intervention")),
    ("overdoses_managed", "overdoses survived", ("survived", "overlevelse")),
    ("overdoses_managed", "lives saved", ("lives",)),
    ("overdoses_managed", "all drug emergencies", ("notfalle", "emergency", "wrong drug")),
    ("overdoses_managed", "transfers to hospital", ("urgences de lhopital",)),
    ("overdoses_managed", "calls to emergency services", ("services de secours",)),
    ("overdoses_managed", "overdoses managed on site", ("overdos", "sobredosis", "surdose")),
    ("registered_users", "people registered", ("regist", "inscri")),
    (
        "unique_clients",
        "distinct people in the period",
        ("unique", "unike", "different", "distint", "unterschiedlich", "file active", "individuals"),
    ),
    ("consumptions", "injections", ("inject", "injek")),
    (
        "consumptions",
        "drug-use episodes",
        ("consom", "consum", "konsum", "intake", "prises de drogue", "drug use"),
    ),
    ("visits", "entries", ("visit", "passage", "entree", "utilized times", "used times")),
    (
        "deaths_on_site",
        "deaths on site",
        ("died", "death", "fatalit", "mortelle", "gestorben", "overleden", "dott"),
    ),
    ("drug_deaths", "Drogentote (German police count)", ("drogentote",)),
    (
        "syringes_found_public",
        "syringes picked up in public space",
        ("retirad", "ramass", "removed from the streets"),
    ),
)

DERIVED_NOTE = "computed by sdcf-metrics from two sourced figures"

# --- Normalisation limits -------------------------------------------------------------------------------

MAX_POPULATION_GAP_YEARS = 5
# Metric kinds a normalisation may divide: counts and masses, not rates, changes or populations.
_DIVISIBLE_KINDS = frozenset({"count", "mass"})
_BOUNDS = frozenset({"more_than", "at_least", "less_than", "up_to", "nearly"})
_APPROXIMATE_DIVISORS = frozenset({"about"})
_DAYS_PER_MONTH = 365.25 / 12
_SHORTEST_MONTH = 28
_DAYS_PER_YEAR = 365.25

_SCOPE_LABELS = {
    "facility": "one facility",
    "city": "whole city",
    "region": "region",
    "country": "country",
    "multinational": "multinational area",
}
_FIXED_PERIOD_LABELS = {
    "since_opening": "since opening",
    "snapshot": "at a date",
    "day": "single day",
    "rate:day": "average per day",
    "rate:week": "average per week",
    "rate:month": "average per month",
    "rate:year": "average per year",
}


# --- Reading one figure ---------------------------------------------------------------------------------


def normalise_wording(text: str) -> str:
    """The source's wording reduced to lower-case letters, digits and single spaces (no accents, no
    editorial brackets or ellipses), so that `[prises de drogue]` and `prises de drogue` read alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    letters = letters.replace("'", "").replace("’", "")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", letters).split())


def definition_family(row: Row) -> str:
    """The family of known wordings the figure's `counted_as` belongs to, or '' when it is not listed."""
    wording = normalise_wording(row["counted_as"])
    for metric_id, family, words in DEFINITION_FAMILIES:
        if metric_id == row["metric_id"] and any(word in wording for word in words):
            return family
    return ""


def same_definition(row: Row, reference: Row) -> bool:
    """Whether two figures demonstrably count the same thing; when in doubt, they do not."""
    if row["metric_id"] != reference["metric_id"] or row["unit"] != reference["unit"]:
        return False
    if normalise_wording(row["counted_as"]) == normalise_wording(reference["counted_as"]):
        return True
    family = definition_family(row)
    return bool(family) and family == definition_family(reference)


def period_class(row: Row) -> str:
    """The kind of period as compared: `since_opening`, `snapshot`, `day`, `rate:day`..., or `months:N`
    for a year, a month or a span (rounded to whole months, so a twelve-month span and a year are the same
    kind), `days:N` for a span shorter than any month."""
    if row.get("rate_per"):
        return f"rate:{row['rate_per']}"
    kind = row["period_kind"]
    if kind in ("since_opening", "snapshot", "day"):
        return kind
    days = (row["period_end_date"] - row["period_start_date"]).days + 1
    if days < _SHORTEST_MONTH:
        return f"days:{days}"
    return f"months:{round(days / _DAYS_PER_MONTH)}"


def period_class_label(period: str) -> str:
    """A period class as people say it: `year`, `month`, `period of 7 months`, `average per day`."""
    if period in _FIXED_PERIOD_LABELS:
        return t(_FIXED_PERIOD_LABELS[period])
    unit, count = period.split(":")
    if unit == "months" and count == "12":
        return t("year")
    if unit == "months" and count == "1":
        return t("month")
    if unit == "months":
        return t("period of {count} months", count=count)
    return t("period of {count} days", count=count)


def period_group(row: Row) -> str:
    """A coarse kind of period, for picking which figures share a time axis: `year` takes in twelve-month
    spans and `month` one-month spans; other spans are `span`."""
    period = period_class(row)
    if period == "months:12":
        return "year"
    if period == "months:1":
        return "month"
    if period.startswith(("months:", "days:")):
        return "span"
    return period


PERIOD_GROUP_LABELS: dict[str, str] = {
    "since_opening": "Since opening (running totals)",
    "year": "One year",
    "month": "One month",
    "span": "Other periods",
    "day": "Single days",
    "snapshot": "At a date (stocks)",
    "rate:day": "Averages per day",
    "rate:week": "Averages per week",
    "rate:month": "Averages per month",
    "rate:year": "Averages per year",
}


def period_groups(values: Sequence[ComparedValue]) -> dict[str, str]:
    """The coarse kinds of period present, in a fixed order, each labelled with its number of figures."""
    counts: dict[str, int] = {}
    for value in values:
        group = period_group(value.row)
        counts[group] = counts.get(group, 0) + 1
    return {
        group: t("{kind} ({count})", kind=t(label), count=counts[group])
        for group, label in PERIOD_GROUP_LABELS.items()
        if group in counts
    }


def scope_label(scope: str) -> str:
    return t(_SCOPE_LABELS[scope])


def comparability_marks(row: Row, reference: Row) -> tuple[str, ...]:
    """Every way a figure differs from the reference, most serious first, or `(same definition,)`."""
    differences = {
        DIFFERENT_DEFINITION: not same_definition(row, reference),
        DIFFERENT_PERIOD: period_class(row) != period_class(reference),
        DIFFERENT_SCOPE: row["scope"] != reference["scope"],
    }
    return tuple(mark for mark in _MARK_ORDER if differences[mark]) or (SAME,)


def _severity(marks: Sequence[str]) -> int:
    weights = {DIFFERENT_DEFINITION: 4, DIFFERENT_PERIOD: 2, DIFFERENT_SCOPE: 1, SAME: 0}
    return sum(weights[mark] for mark in marks)


# --- Normalisation --------------------------------------------------------------------------------------


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


def load_denominators(store: Store, city_ids: Sequence[str]) -> Denominators:
    """The divisors of the chosen cities' figures, from the store's named queries."""

    def totals(metric_id: str) -> list[dict[str, Any]]:
        return store.query("metric_across_cities", metric_id=metric_id, city_ids=list(city_ids)).to_pylist()

    return Denominators(
        populations=totals("population"),
        facilities=store.query("facilities").to_pylist(),
        facility_counts=totals("facilities_count"),
        consumptions=totals("consumptions"),
    )


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
    if divisor_qualifier in _APPROXIMATE_DIVISORS:
        if qualifier in _BOUNDS or qualifier == "range":
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
    source: str = ""


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
    gap_years = abs((_middle(population) - row["period_end_date"]).days) / _DAYS_PER_YEAR
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
        population["source_title"],
    )
    return _derived(row, divisor, 100_000)


def _per_facility(row: Row, denominators: Denominators) -> Normalised:
    if row["metric_id"] == "facilities_count":
        return _not_computable(t("a count of facilities is not divided by facilities"))
    if row["scope"] == "facility":
        return Normalised(
            value=row["value"],
            value_low=row["value_low"],
            value_high=row["value_high"],
            qualifier=row["qualifier"],
            rate_per=row.get("rate_per"),
            basis=t("the figure is for one facility ({facility})", facility=row["facility"]),
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
    divisor = Divisor(match["value"], match["qualifier"], basis, match["period_end"], match["source_title"])
    return _derived(row, divisor, 1_000)


def normalise(row: Row, per: str, denominators: Denominators) -> Normalised:
    """The figure as reported (`absolute`), or divided by residents, facilities or consumptions.

    A figure withheld by disclosure control has no value to compare, so it is never drawn.
    """
    if (row.get("status") or STATUS_OK) != STATUS_OK:
        return _not_computable(t("the figure is withheld to protect a small count"))
    if per == "absolute":
        return Normalised(
            value=row["value"],
            value_low=row["value_low"],
            value_high=row["value_high"],
            qualifier=row["qualifier"],
            rate_per=row.get("rate_per"),
        )
    if row["metric_kind"] not in _DIVISIBLE_KINDS:
        return _not_computable(t("{metric} is a rate or a change, not a count", metric=row["metric"]))
    if per == "per_100k":
        return _per_100k(row, denominators.populations)
    if per == "per_facility":
        return _per_facility(row, denominators)
    if per == "per_1000_consumptions":
        return _per_1000_consumptions(row, denominators.consumptions)
    raise ValueError(f"unknown normalisation {per!r}; choose one of {', '.join(NORMALISATIONS)}")


def _significant(value: float | None, digits: int = 3) -> float | None:
    if value is None or value == 0:
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def normalised_figure(normalised: Normalised) -> str:
    """The compared figure alone (`about 23.1`, `150–200 per day`); a derived one to three significant
    digits, as it is no more precise than its inputs."""
    if not normalised.derived:
        return describe_value(normalised.as_row())
    return describe_value(
        {
            **normalised.as_row(),
            "value": _significant(normalised.value),
            "value_low": _significant(normalised.value_low),
            "value_high": _significant(normalised.value_high),
        }
    )


def describe_normalised(normalised: Normalised, per: str) -> str:
    """The compared figure with its unit of comparison (`about 23.1 per 1,000 consumptions`), or why it
    is not computable."""
    if not normalised.computable:
        return t("not computable: {reason}", reason=normalised.reason)
    figure = normalised_figure(normalised)
    return t(_NORMALISED_TEMPLATES[per], figure=figure) if per in _NORMALISED_TEMPLATES else figure


# --- Comparing cities -----------------------------------------------------------------------------------


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
    """The most recent figure of the first chosen city that has any (tie rules of `latest_figure`)."""
    for city_id in city_ids:
        reference = latest_figure(row for row in rows if row["city_id"] == city_id)
        if reference is not None:
            return reference
    return None


def _closest(values: Sequence[ComparedValue]) -> ComparedValue:
    least = min(_severity(value.marks) for value in values)
    closest = [value for value in values if _severity(value.marks) == least]
    chosen = latest_figure(value.row for value in closest)
    return next(value for value in closest if value.row is chosen)


def compare_cities(
    rows: Sequence[Row], city_ids: Sequence[str], per: str, denominators: Denominators
) -> Comparison:
    """Mark and normalise every figure, and pick per city the one closest to the reference.

    `rows` are one metric's totals (no breakdowns) for the chosen cities; `city_ids` is the chosen order,
    whose first city with a figure gives the reference. No figure is ever added to another.
    """
    if per not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation {per!r}; choose one of {', '.join(NORMALISATIONS)}")
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
    latest = tuple(_closest(by_city[city_id]) for city_id in city_ids if city_id in by_city)
    return Comparison(
        metric_id=next(iter(metric_ids), ""),
        per=per,
        reference=reference,
        values=values,
        latest=latest,
        cities_without_data=tuple(city_id for city_id in city_ids if city_id not in by_city),
    )


def comparability_warning(values: Sequence[ComparedValue], reference: Row | None) -> str:
    """A plain warning when the figures differ in definition, kind of period or scope, naming how each
    city's figure differs; empty when every figure is counted like the reference.

    The text holds source wording and city names: escape it where Markdown renders.
    """
    marks = {mark for value in values for mark in value.marks}
    if marks <= {SAME}:
        return ""
    show_units = len({value.row["unit"] for value in values}) > 1

    def wording(row: Row) -> str:
        family = _family_label(row)
        text = f"“{row['counted_as']}”" + (f" ({family})" if family else "")
        return f"{text}, {row['unit']}" if show_units else text

    describers = {
        DIFFERENT_DEFINITION: ("definitions differ", wording),
        DIFFERENT_PERIOD: ("kinds of period differ", lambda row: period_class_label(period_class(row))),
        DIFFERENT_SCOPE: ("scopes differ", lambda row: scope_label(row["scope"])),
    }
    parts = []
    for mark in _MARK_ORDER:
        if mark not in marks:
            continue
        heading, describe = describers[mark]
        pairs = [f"{value.row['city']}: {describe(value.row)}" for value in values if mark in value.marks]
        if reference is not None:
            pairs.insert(0, t("{city} (reference): {how}", city=reference["city"], how=describe(reference)))
        parts.append(t(heading) + " (" + "; ".join(dict.fromkeys(pairs)) + ")")
    return t("These figures are not directly comparable: {differences}.", differences="; ".join(parts))


def marks_label(marks: Sequence[str]) -> str:
    return ", ".join(t(mark) for mark in marks)


def _family_label(row: Row) -> str:
    family = definition_family(row)
    return t(family) if family else ""


def _how_obtained(normalised: Normalised) -> str:
    if not normalised.computable:
        return ""
    return t(DERIVED_NOTE) if normalised.derived else t("as reported")


def is_reference(row: Row, reference: Row | None) -> bool:
    return reference is not None and row["observation_id"] == reference["observation_id"]


def relation_label(value: ComparedValue, reference: Row | None) -> str:
    """`reference`, or the figure's marks relative to it."""
    return t("reference") if is_reference(value.row, reference) else marks_label(value.marks)


def hover_text(value: ComparedValue, per: str, reference: Row | None) -> str:
    """What a reader needs at a point: the compared figure and how it was obtained, the figure as
    reported, what was counted, when, where, how it compares and the source. Plain text lines; the
    chart escapes them before Plotly sees them."""
    row, normalised = value.row, value.normalised
    place = f"{row['city']} — {row['facility']}" if row.get("facility") else row["city"]
    lines = [place, t("Compared: {figure}", figure=describe_normalised(normalised, per))]
    if normalised.derived:
        lines += [t(DERIVED_NOTE), t("Divided by: {basis}", basis=normalised.basis)]
    if per != "absolute":
        lines.append(t("As reported: {figure}", figure=describe_value(row)))
    lines += [
        t("Counted as: {wording}", wording=row["counted_as"]),
        t(
            "Period: {period} ({kind})",
            period=row["period_label"],
            kind=period_class_label(period_class(row)),
        ),
        t("Scope: {scope}", scope=scope_label(row["scope"])),
        t("Comparability: {relation}", relation=relation_label(value, reference)),
        t("Source: {title}", title=row["source_title"]),
    ]
    return "\n".join(lines)


def divisor_years(values: Sequence[ComparedValue]) -> str:
    """Which years' divisors a derived chart used, per city: `Copenhagen 2014, 2021; Brussels 2020`."""
    years: dict[str, list[str]] = {}
    for value in values:
        if value.normalised.derived:
            years.setdefault(value.row["city"], []).append(value.normalised.divisor_date[:4])
    return "; ".join(f"{city} {', '.join(sorted(set(found)))}" for city, found in years.items())


def latest_summary(comparison: Comparison, metric_label: str) -> str:
    """The comparison chart in words: each city's figure, its period and how it compares."""
    if not comparison.latest:
        return ""
    parts = []
    for value in comparison.latest:
        row = value.row
        relation = relation_label(value, comparison.reference)
        parts.append(
            t(
                "{city}: {figure}, {period} ({kind}, {scope}; {relation})",
                city=row["city"],
                figure=describe_normalised(value.normalised, comparison.per),
                period=row["period_label"],
                kind=period_class_label(period_class(row)),
                scope=scope_label(row["scope"]),
                relation=relation,
            )
        )
    return t(
        "{metric}, {normalisation}, the figure per city closest to the reference. {figures}.",
        metric=metric_label,
        normalisation=t(NORMALISATIONS[comparison.per]).lower(),
        figures="; ".join(parts),
    )


def time_summary(values: Sequence[ComparedValue], metric_label: str, period_group_label: str) -> str:
    """The time chart in words: how many figures, for which cities, over which years."""
    if not values:
        return ""
    cities = list(dict.fromkeys(value.row["city"] for value in values))
    ends = sorted(value.row["period_end"] for value in values)
    return t(
        "{figures} for {metric} ({period}) in {cities}, for periods ending between {first} and {last}.",
        figures=t("1 figure") if len(values) == 1 else t("{count} figures", count=format_number(len(values))),
        metric=metric_label,
        period=period_group_label.lower(),
        cities=", ".join(cities),
        first=ends[0],
        last=ends[-1],
    )


def comparison_table(values: Sequence[ComparedValue], per: str, reference: Row | None) -> pa.Table:
    """The compared figures as people read them: the figure as reported, the compared value and what it
    was divided by, the period, scope and wording, the mark and the source. Nothing here is a total."""
    rows = [value.row for value in values]
    columns: dict[str, list[Any]] = {
        t("City"): [row["city"] for row in rows],
        t("Figure"): [describe_value(row) for row in rows],
        t("Compared value"): [describe_normalised(value.normalised, per) for value in values],
        t("How obtained"): [_how_obtained(value.normalised) for value in values],
        t("Divided by"): [value.normalised.basis for value in values],
        t("Period"): [row["period_label"] for row in rows],
        t("Kind of period"): [period_class_label(period_class(row)) for row in rows],
        t("Scope"): [scope_label(row["scope"]) for row in rows],
        t("Facility"): [row.get("facility") or "" for row in rows],
        t("Counted as"): [row["counted_as"] for row in rows],
        t("Unit"): [row["unit"] for row in rows],
        t("Read as"): [_family_label(row) for row in rows],
        t("Comparability"): [relation_label(value, reference) for value in values],
        t("Source"): [row["source_title"] for row in rows],
        t("Link or reference"): [row["source_url"] or "" for row in rows],
    }
    return pa.table({name: pa.array(column, pa.string()) for name, column in columns.items()})


# --- Time since opening ---------------------------------------------------------------------------------


def first_openings(facilities: Iterable[Row]) -> dict[str, Row]:
    """Each city's facility with the earliest known opening date (facilities without one are skipped)."""
    first: dict[str, Row] = {}
    for facility in facilities:
        if facility.get("opened_date") is None:
            continue
        current = first.get(facility["city_id"])
        if current is None or facility["opened_date"] < current["opened_date"]:
            first[facility["city_id"]] = facility
    return first


def years_since(on: date, opened: date) -> float:
    """Years from an opening date to a date (negative before the opening)."""
    return (on - opened).days / _DAYS_PER_YEAR


# --- Countries ------------------------------------------------------------------------------------------


def countries_label(count: int) -> str:
    """`1 country`, `30 countries`."""
    return t("1 country") if count == 1 else t("{count} countries", count=format_number(count))


def national_years(rows: Sequence[Row]) -> list[tuple[str, int]]:
    """The years national figures are reported for, with the number of countries, latest year first."""
    counts: dict[str, set[str]] = {}
    for row in rows:
        if row["scope"] == "country":
            counts.setdefault(row["period_end"][:4], set()).add(row["country"])
    return sorted(((year, len(countries)) for year, countries in counts.items()), reverse=True)


def busiest_year(years: Sequence[tuple[str, int]]) -> str:
    """The year with the most countries (on a tie the latest), the natural default."""
    return max(years, key=lambda item: (item[1], item[0]))[0] if years else ""


def _ordering_value(row: Row) -> float:
    return row["value"] if row["value"] is not None else row["value_high"]


def national_figures(rows: Sequence[Row], year: str) -> list[Row]:
    """Countries' figures for one year, highest first; regions and multinational areas are left out."""
    chosen = [row for row in rows if row["scope"] == "country" and row["period_end"][:4] == year]
    return sorted(chosen, key=lambda row: (-_ordering_value(row), row["country"], row["observation_id"]))


def national_summary(rows: Sequence[Row], metric_label: str, year: str) -> str:
    """The country chart in words: how many countries, the highest and the lowest figure."""
    if not rows:
        return ""
    highest, lowest = rows[0], rows[-1]
    return t(
        "{metric} in {year} for {countries}: highest {high_country} ({high}), lowest {low_country} "
        "({low}). National definitions differ.",
        metric=metric_label,
        year=year,
        countries=countries_label(len({row["country"] for row in rows})),
        high_country=highest["country"],
        high=describe_value(highest),
        low_country=lowest["country"],
        low=describe_value(lowest),
    )


def national_table(rows: Sequence[Row]) -> pa.Table:
    """The national figures behind the chart, with each source's wording, notes and where to check them."""
    columns: dict[str, list[Any]] = {
        t("Country"): [row["country"] for row in rows],
        t("Figure"): [describe_value(row) for row in rows],
        t("Unit"): [row["unit"] for row in rows],
        t("Period"): [row["period_label"] for row in rows],
        t("Counted as"): [row["counted_as"] for row in rows],
        t("Notes"): [row.get("notes") or "" for row in rows],
        t("Source"): [row["source_title"] for row in rows],
        t("Link or reference"): [row["source_url"] or "" for row in rows],
    }
    return pa.table({name: pa.array(column, pa.string()) for name, column in columns.items()})
