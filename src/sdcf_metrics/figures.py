"""How one reported figure reads, in the source's own terms: "more than 1,000", "50-70 per day".

The value, its qualifier (about, more than, a range...) and its rate (per day...) travel together, so
no page shows a bound as if it were an exact count, or a daily average as if it were a total. A figure
withheld by disclosure control reads "<10" (a small count) or "withheld", never as a number. Beside a
figure go how strong its source is, whether only a seed article gives it, and what other sources say
when they disagree: every view that shows a figure says these the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .i18n import format_number, t
from .privacy import SMALL_COUNT_THRESHOLD, STATUS_OK, STATUS_SMALL, ThresholdError, small_count_threshold
from .vocabulary import QUALIFIERS, RATES, SOURCE_KINDS, entry, label, metric_kinds


def describe_value(row: Mapping[str, Any], *, with_rate: bool = True) -> str:
    """The figure as text: value with its qualifier and rate, e.g. `more than 1,000 per day`.

    `with_rate=False` leaves the rate out (`more than 1,000`) for a place that names it elsewhere, such
    as a tile labelled "average per day".
    """
    status = row.get("status") or STATUS_OK
    if status != STATUS_OK:
        return _describe_withheld(row, status)
    qualifier = entry(QUALIFIERS, row.get("qualifier") or "exact")
    if qualifier.kind == "range":
        figure = t(
            qualifier.template, low=format_number(row["value_low"]), high=format_number(row["value_high"])
        )
    else:
        figure = t(qualifier.template, value=format_number(row["value"]))
    rate_per = row.get("rate_per") if with_rate else None
    return t(entry(RATES, rate_per).figure, figure=figure) if rate_per else figure


def _describe_withheld(row: Mapping[str, Any], status: str) -> str:
    """A small count reads "<10"; a part hidden to protect one, an average or a rate reads "withheld",
    because its own value need not be below the threshold."""
    is_count = row.get("metric_kind", "count") in metric_kinds(protected="count") and not row.get("rate_per")
    if status == STATUS_SMALL and is_count:
        try:
            threshold = small_count_threshold()
        except ThresholdError:
            threshold = SMALL_COUNT_THRESHOLD
        return t("<{threshold}", threshold=format_number(threshold))
    return t("withheld")


def named_place(row: Mapping[str, Any]) -> str:
    """Where a figure was counted, as narrowly as its source says: the place it names (a street, a
    district), else the facility; empty for a figure about a whole city, region or country."""
    return row.get("place") or row.get("facility") or ""


def place_title(metric: str, city: str, rows: Iterable[Mapping[str, Any]]) -> str:
    """A chart's title, naming the place as the source does: `Syringes found in public space, rue de
    Maubeuge, Paris` when every figure is of one street, district or facility; `Visits, Brussels` when
    the figures are for the whole city or for several places (each series then names its own)."""
    places = {named_place(row) for row in rows}
    if len(places) == 1 and (place := places.pop()):
        return t("{metric}, {place}, {city}", metric=metric, place=place, city=city)
    return t("{metric}, {city}", metric=metric, city=city)


def source_strength(row: Mapping[str, Any]) -> str:
    """How strong the figure's source is, in words: `official statistics`, `claim`, `seed article`..."""
    return label(SOURCE_KINDS, row["source_kind"]) if row.get("source_kind") else ""


def seed_only_note(row: Mapping[str, Any]) -> str:
    """A note for a figure that only a seed article gives (no other source reports it); else ''."""
    return t("Found only in a seed article") if row.get("seed_only") else ""


def disagreement(row: Mapping[str, Any]) -> str:
    """`Sources disagree: 20 (Augsburger Allgemeine / dpa)`: what the other sources of a recorded
    conflict say, or '' when no source disagrees."""
    others = row.get("conflicting") or []
    if not others:
        return ""
    said = "; ".join(
        t("{figure} ({publisher})", figure=describe_value(other), publisher=other["source_publisher"])
        for other in others
    )
    return t("Sources disagree: {others}", others=said)


def evidence_notes(row: Mapping[str, Any]) -> str:
    """Everything to read beside a figure about its evidence, in one line: disagreement and seed-only."""
    return " · ".join(part for part in (disagreement(row), seed_only_note(row)) if part)
