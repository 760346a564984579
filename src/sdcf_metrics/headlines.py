"""The one honest number: the most recent sourced figure of a metric, with its period and source.

A councillor asks "what is the latest figure?". The answer is the reported figure whose period ends
last, told in the source's own terms (qualifier, rate, what was counted, period), never a sum, an
average or an estimate. Every page that picks "the latest" picks it here, with the same tie rules.

A headline leads with a figure a journalist could print: one of a normal period (a year, a month, a
running total since opening, a stock at a date) from an official or service source, quoted or not. A
single day, a stretch a source chose, a weaker source or a figure only a seed article gives is shown only
when nothing better exists, and then the tile says so; a claim is never a headline. When sources
disagree, the tile leads with the primary figure and names the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .figures import describe_value, disagreement, source_strength
from .i18n import t
from .vocabulary import PERIOD_KINDS, RATES, SCOPES, SEED_ARTICLE, entry, headline_kinds, label

Row = Mapping[str, Any]

# The service figures a city is usually asked about, in the order a reader looks for them.
HEADLINE_METRICS = (
    "facilities_count",
    "registered_users",
    "unique_clients",
    "visits",
    "consumptions",
    "overdoses_managed",
    "drug_emergencies",
    "deaths_on_site",
)
# A claim is a statement, not a count: never a headline, not even with a caveat.
NEVER_A_HEADLINE = ("claim",)


class Caveat(StrEnum):
    """Why a tile shows a figure a headline would not lead with."""

    PERIOD = "period"
    SOURCE = "source"
    SEED_ONLY = "seed only"


def _breadth(scope: str | None) -> int:
    """On the same end date, a figure for the whole city speaks for more than one for a single facility."""
    return next((choice.breadth for choice in SCOPES if choice.id == scope), 0)


def _recency(row: Row) -> tuple[Any, ...]:
    return (
        row["period_end_date"],
        _breadth(row.get("scope")),
        not row.get("rate_per"),
        row["observation_id"],
    )


def latest_figure(rows: Iterable[Row]) -> Row | None:
    """The figure whose period ends last; on a tie, a wider scope first, then a total before an average."""
    return max(rows, key=_recency, default=None)


def latest_by(rows: Iterable[Row], field: str) -> dict[Any, Row]:
    """The latest figure for each value of `field` (a metric, a country...), in order of first appearance."""
    groups: dict[Any, list[Row]] = {}
    for row in rows:
        groups.setdefault(row[field], []).append(row)
    return {key: max(group, key=_recency) for key, group in groups.items()}


def caveats(row: Row) -> tuple[Caveat, ...]:
    """What keeps a figure from leading a headline without a word: its period, its source, or that only
    a seed article gives it. Empty for a figure a headline may lead with."""
    kind = entry(PERIOD_KINDS, row["period_kind"])
    normal = kind.headline and not (kind.headline_total_only and row.get("rate_per"))
    seed_only = bool(row.get("seed_only"))
    found = {
        Caveat.PERIOD: not normal,
        # "Found only in a seed article" already says what kind of source it is.
        Caveat.SOURCE: row.get("source_kind") not in headline_kinds()
        and not (seed_only and row.get("source_kind") == SEED_ARTICLE),
        Caveat.SEED_ONLY: seed_only,
    }
    return tuple(caveat for caveat, applies in found.items() if applies)


def headline_worthy(row: Row) -> bool:
    """Whether a figure may lead a headline as it is: a normal period, a strong source, not seed-only."""
    return not caveats(row)


def leading_figure(rows: Sequence[Row]) -> Row | None:
    """The figure a tile leads with: the latest headline-worthy figure; else the latest that is not a
    claim (its tile says why); in a recorded conflict, the primary figure."""
    usable = [row for row in rows if row.get("source_kind") not in NEVER_A_HEADLINE]
    chosen = latest_figure(row for row in usable if headline_worthy(row)) or latest_figure(usable)
    primary = chosen.get("conflict_primary_id") if chosen else None
    if primary and primary != chosen["observation_id"]:
        return next((row for row in rows if row["observation_id"] == primary), chosen)
    return chosen


def headline_figures(rows: Iterable[Row], metric_ids: Sequence[str] = HEADLINE_METRICS) -> list[Row]:
    """The figure each headline metric leads with (`leading_figure`), in `metric_ids` order."""
    by_metric: dict[str, list[Row]] = {}
    for row in rows:
        if row["metric_id"] in metric_ids:
            by_metric.setdefault(row["metric_id"], []).append(row)
    leading = {metric_id: leading_figure(found) for metric_id, found in by_metric.items()}
    return [row for metric_id in metric_ids if (row := leading.get(metric_id)) is not None]


@dataclass(frozen=True)
class Headline:
    """One figure as a tile shows it: `Unique clients, average per day` over `150–200`, then what was
    counted, when, the source it comes from (its title and its address or citation, to link) and how
    strong that source is, what a tile must say about the figure (`caveat`) and what other sources say
    (`disagreement`). Every field may hold source text: escape it where Markdown renders."""

    metric_id: str
    metric: str
    figure: str
    context: str
    source_title: str
    source_url: str | None
    quote: str
    source_kind: str = ""
    caveat: str = ""
    disagreement: str = ""


def caveat_text(row: Row) -> str:
    """The caveats of a figure in words, e.g. `Not a year, a month or a running total: single day`."""
    words = {
        Caveat.PERIOD: t(
            "Not a year, a month or a running total: {kind}",
            kind=label(PERIOD_KINDS, row["period_kind"])
            + (f", {label(RATES, row['rate_per'])}" if row.get("rate_per") else ""),
        ),
        Caveat.SOURCE: t("From a {kind}, not an official or service source", kind=source_strength(row)),
        Caveat.SEED_ONLY: t("Found only in a seed article"),
    }
    return "; ".join(words[caveat] for caveat in caveats(row))


def headline(row: Row) -> Headline:
    """The figure, what was counted and when, and where it comes from, ready to show."""
    rate_per = row.get("rate_per")
    return Headline(
        metric_id=row["metric_id"],
        # A tile names the rate in its label, so the big figure stays short enough to show whole.
        metric=t(entry(RATES, rate_per).tile, metric=row["metric"]) if rate_per else row["metric"],
        figure=describe_value(row, with_rate=False),
        context=" · ".join(
            part
            for part in (row["counted_as"], row.get("facility") or row.get("place"), row["period_label"])
            if part
        ),
        source_title=row["source_title"],
        source_url=row.get("source_url"),
        quote=row["quote"],
        source_kind=source_strength(row),
        caveat=caveat_text(row),
        disagreement=disagreement(row),
    )
