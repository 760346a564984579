"""A comparison in words and tables: labels, warnings, hover text, summaries for screen readers, and the
table behind each chart. The analysis modules return values and marks; this one chooses the words.

The text holds source wording and city names: escape it where Markdown or Plotly renders it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from ..attribution import source_citation
from ..figures import describe_value, disagreement, seed_only_note, source_strength
from ..headlines import HEADLINE_METRICS
from ..i18n import format_number, format_partial_date, t
from ..periods import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    PERIOD_GROUPS,
    period_class,
    period_class_label,
    period_group,
    period_group_label,
)
from ..vocabulary import NORMALISATIONS, SCOPES, entry, label
from .comparison import ComparedValue, Comparison
from .marks import (
    DATE_GAP,
    DIFFERENT_DEFINITION,
    DIFFERENT_LENGTH,
    DIFFERENT_PERIOD,
    DIFFERENT_SCOPE,
    MARK_ORDER,
    SAME,
    definition_family,
    running_days,
    years_apart,
)
from .normalise import Divisor, Normalised, Refusal, Why

Row = Mapping[str, Any]

DERIVED_NOTE = "computed by sdcf-metrics from two sourced figures"


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


def period_groups(values: Sequence[ComparedValue]) -> dict[str, str]:
    """The coarse kinds of period present, in a fixed order, each labelled with its number of figures."""
    counts: dict[str, int] = {}
    for value in values:
        group = period_group(value.row)
        counts[group] = counts.get(group, 0) + 1
    return {
        group: t("{kind} ({count})", kind=period_group_label(group), count=counts[group])
        for group in PERIOD_GROUPS
        if group in counts
    }


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


# Why a figure is not divided, in words; `{subject}`, `{count}`, `{period}` and `{years}` come from the
# refusal's facts.
REFUSALS: dict[Why, str] = {
    Why.WITHHELD: "the figure is withheld to protect a small count",
    Why.NOT_A_COUNT: "{subject} is a rate or a change, not a count",
    Why.PART_OF_CITY: "the figure covers {subject}, not the whole city, so it is not divided by the city's "
    "residents",
    Why.ONE_OF_SEVERAL: "the figure is for one facility ({subject}) of {count} in the city, not the whole "
    "city, so it is not divided by the city's residents",
    Why.NOT_A_CITY: "only figures for a whole city or one facility are divided",
    Why.NO_POPULATION: "no exact population figure for {subject}",
    Why.POPULATION_TOO_FAR: "the nearest population figure ({period}) is {years} years from the figure, more "
    "than 3",
    Why.FACILITIES_BY_FACILITIES: "a count of facilities is not divided by facilities",
    Why.NO_FACILITY_COUNT: "no source counts the city's facilities for the figure's date ({period})",
    Why.ITSELF_CONSUMPTIONS: "the figure is itself a count of consumptions",
    Why.NO_CONSUMPTIONS: "no consumption count for the same place and period",
    Why.UNCLEAR_DIRECTION: "both figures are approximate or bounds, so their ratio has no clear direction",
    Why.DIVISOR_A_BOUND: "the divisor is only known as a bound or a range",
    Why.DIVISOR_NOT_POSITIVE: "the divisor is not a positive number",
}

# What a compared figure was divided by, in words.
DIVISORS = {
    "population": "population {figure} ({period}), {source}",
    "facility_count": "{figure} facilities ({period}), {source}",
    "consumptions": "{figure} consumptions ({period}), {source}",
    "one_facility": "the figure is for one facility ({facility})",
}


def refusal_text(refusal: Refusal) -> str:
    """Why a figure is not divided, in words."""
    years = format_number(round(refusal.years, 1)) if refusal.years is not None else ""
    count = format_number(refusal.count) if refusal.count is not None else ""
    return t(REFUSALS[refusal.why], subject=refusal.subject, count=count, period=refusal.period, years=years)


def basis_text(divisor: Divisor | None) -> str:
    """What a figure was divided by, in words (`population 600,000 (2021-01-01), City register`)."""
    if divisor is None:
        return ""
    figure = describe_value(divisor.row) if divisor.row is not None else ""
    return t(
        DIVISORS[divisor.kind],
        figure=figure,
        period=divisor.period_label if divisor.kind != "population" else divisor.date,
        source=divisor.source,
        facility=divisor.facility,
    )


def describe_normalised(normalised: Normalised, per: str) -> str:
    """The compared figure with its unit of comparison (`about 23.1 per 1,000 consumptions`), or why it
    is not computable."""
    if normalised.refusal is not None:
        return t("not computable: {reason}", reason=refusal_text(normalised.refusal))
    figure = normalised_figure(normalised)
    return t(entry(NORMALISATIONS, per).figure, figure=figure)


def running_length(row: Row) -> str:
    """How long a running total since opening ran: `23 months`, `12 weeks`, `1.5 years`, or unknown."""
    days = running_days(row)
    if days is None:
        return t("unknown length")
    if days < 8 * 7:
        return t("{count} weeks", count=format_number(round(days / 7)))
    if days < 2 * DAYS_PER_YEAR:
        return t("{count} months", count=format_number(round(days / DAYS_PER_MONTH)))
    return t("{count} years", count=format_number(round(days / DAYS_PER_YEAR, 1)))


def _describers(reference: Row | None) -> dict[str, tuple[str, Any]]:
    """Each mark's heading and how it describes one figure, in plain words."""

    def gap(row: Row) -> str:
        apart = years_apart(row, reference) if reference is not None else 0.0
        return t("{year}, {years} years from the reference", year=row["period_end"][:4],
                 years=format_number(round(apart)))  # fmt: skip

    return {
        DIFFERENT_DEFINITION: (
            "They count different things",
            lambda row: _family_label(row) or t("something else (see below)"),
        ),
        DIFFERENT_PERIOD: ("Kinds of period differ", lambda row: period_class_label(period_class(row))),
        DIFFERENT_LENGTH: ("Running totals of different lengths", running_length),
        DIFFERENT_SCOPE: ("Places differ", lambda row: _scope_words(row)),
        DATE_GAP: ("Years apart", gap),
    }


def _scope_words(row: Row) -> str:
    """`whole city`, `one facility (Skyen)`, `part of a city (rue de Maubeuge)`."""
    named = row.get("place") or (row.get("facility") if row["scope"] == "facility" else "")
    scope = label(SCOPES, row["scope"])
    return f"{scope} ({named})" if named else scope


def comparability_lines(values: Sequence[ComparedValue], reference: Row | None) -> list[str]:
    """The differences between the compared figures, one plain line each (`Kinds of period differ:
    Copenhagen (reference) a year; Oslo an average per day.`); empty when every figure is counted like
    the reference. The sources' own wording is in `comparability_details`.

    The text holds city names: escape it where Markdown renders.
    """
    marks = {mark for value in values for mark in value.marks}
    if marks <= {SAME}:
        return []
    describers = _describers(reference)
    lines = []
    for mark in MARK_ORDER:
        if mark not in marks:
            continue
        heading, describe = describers[mark]
        pairs = [f"{value.row['city']} {describe(value.row)}" for value in values if mark in value.marks]
        if reference is not None and mark != DATE_GAP:
            pairs.insert(0, t("{city} (reference) {how}", city=reference["city"], how=describe(reference)))
        lines.append(t("{heading}: {cities}.", heading=t(heading), cities="; ".join(dict.fromkeys(pairs))))
    return lines


def comparability_details(
    values: Sequence[ComparedValue], reference: Row | None
) -> list[tuple[str, str | None]]:
    """What each compared figure counted, in its source's words, with the source and its address (to
    link): the details under the short list of differences."""
    rows = ([reference] if reference is not None else []) + [value.row for value in values]
    seen: dict[str, tuple[str, str | None]] = {}
    for row in rows:
        seen.setdefault(
            row["observation_id"],
            (
                t(
                    "{city}: “{wording}” ({unit}), {period}; {source} ({strength}). Quote: “{quote}”",
                    city=row["city"],
                    wording=row["counted_as"],
                    unit=row["unit"],
                    period=row["period_label"],
                    source=row["source_title"],
                    strength=source_strength(row) or "–",
                    quote=row["quote"],
                ),
                row.get("source_url"),
            ),
        )
    return list(seen.values())


def marks_label(marks: Sequence[str]) -> str:
    return ", ".join(t(mark) for mark in marks)


def _family_label(row: Row) -> str:
    family = definition_family(row)
    return t(family) if family else ""


def _how_obtained(normalised: Normalised) -> str:
    if not normalised.computable:
        return ""
    return t(DERIVED_NOTE) if normalised.derived else t("as reported")


def evidence_lines(row: Row) -> list[str]:
    """How strong the figure's source is, whether only a seed article gives it, and what other sources
    say: the lines every hover and table add under a figure."""
    lines = [t("Source kind: {kind}", kind=source_strength(row))] if row.get("source_kind") else []
    return lines + [note for note in (seed_only_note(row), disagreement(row)) if note]


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
        lines += [t(DERIVED_NOTE), t("Divided by: {basis}", basis=basis_text(normalised.divisor))]
    if per != "absolute":
        lines.append(t("As reported: {figure}", figure=describe_value(row)))
    lines += [
        t("Counted as: {wording}", wording=row["counted_as"]),
        t(
            "Period: {period} ({kind})",
            period=row["period_label"],
            kind=period_class_label(period_class(row)),
        ),
        t("Scope: {scope}", scope=label(SCOPES, row["scope"])),
        t("Comparability: {relation}", relation=relation_label(value, reference)),
        t("Source: {title}", title=source_citation(row["source_title"], row.get("source_publisher"))),
        *evidence_lines(row),
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
                scope=label(SCOPES, row["scope"]),
                relation=relation,
            )
        )
    return t(
        "{metric}, {normalisation}, the figure per city closest to the reference. {figures}.",
        metric=metric_label,
        normalisation=label(NORMALISATIONS, comparison.per).lower(),
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
        first=format_partial_date(ends[0]),
        last=format_partial_date(ends[-1]),
    )


def comparison_table(values: Sequence[ComparedValue], per: str, reference: Row | None) -> pa.Table:
    """The compared figures as people read them: city, period, figure and how it compares first (what a
    reader looks for without scrolling), then where in the city, the compared value, any disagreement
    between sources, how strong the source is, what it was divided by, the wording and the source.
    Nothing here is a total."""
    rows = [value.row for value in values]
    columns: dict[str, list[Any]] = {
        t("City"): [row["city"] for row in rows],
        t("Period"): [row["period_label"] for row in rows],
        t("Figure"): [describe_value(row) for row in rows],
        t("Comparability"): [relation_label(value, reference) for value in values],
        t("Where"): [_scope_words(row) for row in rows],
        t("Compared value"): [describe_normalised(value.normalised, per) for value in values],
        t("Sources disagree"): [disagreement(row) for row in rows],
        t("Source kind"): [source_strength(row) for row in rows],
        t("Kind of period"): [period_class_label(period_class(row)) for row in rows],
        t("How obtained"): [_how_obtained(value.normalised) for value in values],
        t("Divided by"): [basis_text(value.normalised.divisor) for value in values],
        t("Counted as"): [row["counted_as"] for row in rows],
        t("Unit"): [row["unit"] for row in rows],
        t("Read as"): [_family_label(row) for row in rows],
        t("Source"): [row["source_title"] for row in rows],
        t("Publisher"): [row["source_publisher"] for row in rows],
        t("Link or reference"): [row["source_url"] or "" for row in rows],
    }
    return pa.table({name: pa.array(column, pa.string()) for name, column in columns.items()})
