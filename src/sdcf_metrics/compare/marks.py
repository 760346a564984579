"""Comparability marks: how a figure differs from the reference figure, most serious first.

A figure has the same definition as the reference only when the source's wording shows it counts the same
thing; it differs in kind of period when the two periods are not of one class (`periods.period_class`),
and in scope when it covers another kind of place. When in doubt, figures are marked as different.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from ..periods import period_class

Row = Mapping[str, Any]

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
MARK_ORDER = (DIFFERENT_DEFINITION, DIFFERENT_PERIOD, DIFFERENT_SCOPE)


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


def comparability_marks(row: Row, reference: Row) -> tuple[str, ...]:
    """Every way a figure differs from the reference, most serious first, or `(same definition,)`."""
    differences = {
        DIFFERENT_DEFINITION: not same_definition(row, reference),
        DIFFERENT_PERIOD: period_class(row) != period_class(reference),
        DIFFERENT_SCOPE: row["scope"] != reference["scope"],
    }
    return tuple(mark for mark in MARK_ORDER if differences[mark]) or (SAME,)


def severity(marks: Sequence[str]) -> int:
    weights = {DIFFERENT_DEFINITION: 4, DIFFERENT_PERIOD: 2, DIFFERENT_SCOPE: 1, SAME: 0}
    return sum(weights[mark] for mark in marks)
