"""Comparability marks: how a figure differs from the reference figure, most serious first.

A figure has the same definition as the reference only when the source's wording shows it counts the same
thing; it differs in kind of period when the two periods are not of one class (`periods.period_class`),
in period length when two running totals since opening ran for very different times, in scope when it
covers another kind of place, and in date when the two are more than three years apart. When in doubt,
figures are marked as different.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from ..periods import DAYS_PER_YEAR, period_class

Row = Mapping[str, Any]

SAME = "same definition"
DIFFERENT_PERIOD = "different period kind"
DIFFERENT_LENGTH = "different period length"
DIFFERENT_SCOPE = "different scope"
DATE_GAP = "years apart"
DIFFERENT_DEFINITION = "different definition"

# Two running totals since opening compare only when the shorter ran for at least this share of the
# longer's time (within a quarter).
SAME_LENGTH_SHARE = 0.75
# Figures further apart than this are marked, and a city's figure nearer the reference's date is preferred.
MAX_GAP_YEARS = 3

COMPARABILITY_MARKS: dict[str, str] = {
    SAME: "Counted in the same way as the reference figure: the same definition, the same kind of period "
    "and the same scope. The figures may still differ in date and in how each source counted.",
    DIFFERENT_PERIOD: "Counted over a different kind of period than the reference: a running total since "
    "opening, one year, one month, a single day, a stock at a date and an average per day are different "
    "things and are not directly comparable.",
    DIFFERENT_LENGTH: "Both are running totals since opening, but one ran for much longer than the other "
    "(by more than a quarter): 3,090 people in two years and 249 in twelve weeks are not comparable.",
    DIFFERENT_SCOPE: "Covers a different area than the reference: one facility, part of a city, one "
    "operator's sites, all facilities of a city, a region and a country are not directly comparable.",
    DATE_GAP: "More than three years from the reference's date: much may have changed in between.",
    DIFFERENT_DEFINITION: "The source counts something different from the reference (for example overdose "
    "situations, all drug emergencies or naloxone reversals), or its wording does not show that it counts "
    "the same thing.",
}


# From the most serious difference to the least: the first that applies is a figure's main mark.
# A figure many years away says less about the reference's time than one for another kind of place.
MARK_ORDER = (DIFFERENT_DEFINITION, DIFFERENT_PERIOD, DIFFERENT_LENGTH, DATE_GAP, DIFFERENT_SCOPE)
_WEIGHTS = {
    DIFFERENT_DEFINITION: 16,
    DIFFERENT_PERIOD: 8,
    DIFFERENT_LENGTH: 4,
    DATE_GAP: 3,
    DIFFERENT_SCOPE: 2,
    SAME: 0,
}


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
    "Two running totals since opening are compared only when their lengths are close: the shorter ran "
    "for at least three quarters of the longer's time. Otherwise they are marked as of a different period "
    "length, with both lengths.",
    "Scopes are compared as reported: one facility, part of a city (a street, a district), one operator's "
    "sites, all facilities of a city (or the city itself), a region, a country and a multinational area "
    "are different scopes.",
    "Figures more than three years from the reference's date are marked as years apart.",
    "For each city the chart shows the figure closest in definition to the reference (a different "
    "definition weighs most, then a different kind of period, a different period length, years apart, then "
    "a different scope) and, among equally close figures, the one nearest the reference's date in whole "
    "years, then the most recent.",
    "Per 100,000 residents divides only a figure for the whole city, or for a room that is its city's only "
    "one, by the city's own exact population figure closest in time to the end of the figure's period, "
    "and only when that population is at most three years away from it. A figure for a street, a "
    "district, one operator's sites or one of several rooms is never divided by the city's residents.",
    "Per facility divides a city-wide figure by a count of the city's facilities that a source gives for "
    "the same date; without one it is not computable. A figure for one facility is already a figure per "
    "facility.",
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


def running_days(row: Row) -> int | None:
    """How many days a running total since opening covers, or None when its start is not known."""
    start = row.get("period_start_date")
    return None if start is None else (row["period_end_date"] - start).days + 1


def lengths_differ(row: Row, reference: Row) -> bool:
    """Two running totals since opening whose lengths are not within a quarter of each other (or one of
    whose lengths is unknown): 3,090 users in two years against 249 in twelve weeks."""
    if row["period_kind"] != "since_opening" or reference["period_kind"] != "since_opening":
        return False
    days, reference_days = running_days(row), running_days(reference)
    if days is None or reference_days is None:
        return True
    return min(days, reference_days) < SAME_LENGTH_SHARE * max(days, reference_days)


def years_apart(row: Row, reference: Row) -> float:
    """Years between the ends of two figures' periods (2019 and 2022 are three years apart, leap day or
    not, once rounded to two decimals)."""
    return abs((row["period_end_date"] - reference["period_end_date"]).days) / DAYS_PER_YEAR


def comparability_marks(row: Row, reference: Row) -> tuple[str, ...]:
    """Every way a figure differs from the reference, most serious first, or `(same definition,)`."""
    differences = {
        DIFFERENT_DEFINITION: not same_definition(row, reference),
        DIFFERENT_PERIOD: period_class(row) != period_class(reference),
        DIFFERENT_LENGTH: lengths_differ(row, reference),
        DIFFERENT_SCOPE: row["scope"] != reference["scope"],
        DATE_GAP: round(years_apart(row, reference), 2) > MAX_GAP_YEARS,
    }
    return tuple(mark for mark in MARK_ORDER if differences[mark]) or (SAME,)


def severity(marks: Sequence[str]) -> int:
    return sum(_WEIGHTS[mark] for mark in marks)
