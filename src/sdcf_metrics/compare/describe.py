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
from ..figures import describe_value
from ..headlines import HEADLINE_METRICS
from ..i18n import format_number, t
from ..periods import PERIOD_GROUPS, period_class, period_class_label, period_group, period_group_label
from ..vocabulary import NORMALISATIONS, SCOPES, entry, label
from .comparison import ComparedValue, Comparison
from .marks import (
    DIFFERENT_DEFINITION,
    DIFFERENT_PERIOD,
    DIFFERENT_SCOPE,
    MARK_ORDER,
    SAME,
    definition_family,
)
from .normalise import Normalised

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


def describe_normalised(normalised: Normalised, per: str) -> str:
    """The compared figure with its unit of comparison (`about 23.1 per 1,000 consumptions`), or why it
    is not computable."""
    if not normalised.computable:
        return t("not computable: {reason}", reason=normalised.reason)
    figure = normalised_figure(normalised)
    return t(entry(NORMALISATIONS, per).figure, figure=figure)


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
        DIFFERENT_SCOPE: ("scopes differ", lambda row: label(SCOPES, row["scope"])),
    }
    parts = []
    for mark in MARK_ORDER:
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
        t("Scope: {scope}", scope=label(SCOPES, row["scope"])),
        t("Comparability: {relation}", relation=relation_label(value, reference)),
        t("Source: {title}", title=source_citation(row["source_title"], row.get("source_publisher"))),
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
        t("Scope"): [label(SCOPES, row["scope"]) for row in rows],
        t("Facility"): [row.get("facility") or "" for row in rows],
        t("Counted as"): [row["counted_as"] for row in rows],
        t("Unit"): [row["unit"] for row in rows],
        t("Read as"): [_family_label(row) for row in rows],
        t("Comparability"): [relation_label(value, reference) for value in values],
        t("Source"): [row["source_title"] for row in rows],
        t("Publisher"): [row["source_publisher"] for row in rows],
        t("Link or reference"): [row["source_url"] or "" for row in rows],
    }
    return pa.table({name: pa.array(column, pa.string()) for name, column in columns.items()})
