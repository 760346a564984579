"""The one honest number: the most recent sourced figure of a metric, with its period and source.

A councillor asks "what is the latest figure?". The answer is the reported figure whose period ends
last, told in the source's own terms (qualifier, rate, what was counted, period), never a sum, an
average or an estimate. Every page that picks "the latest" picks it here, with the same tie rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .figures import describe_value
from .i18n import t
from .vocabulary import RATES, SCOPES, entry

Row = Mapping[str, Any]

# The service figures a city is usually asked about, in the order a reader looks for them.
HEADLINE_METRICS = (
    "facilities_count",
    "registered_users",
    "unique_clients",
    "visits",
    "consumptions",
    "overdoses_managed",
    "deaths_on_site",
)


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


def headline_figures(rows: Iterable[Row], metric_ids: Sequence[str] = HEADLINE_METRICS) -> list[Row]:
    """The latest figure of each headline metric the rows report, in `metric_ids` order."""
    latest = latest_by((row for row in rows if row["metric_id"] in metric_ids), "metric_id")
    return [latest[metric_id] for metric_id in metric_ids if metric_id in latest]


@dataclass(frozen=True)
class Headline:
    """One figure as a tile shows it: `Unique clients, average per day` over `150–200`, then what was
    counted, when, and the source it comes from (its title and its address or citation, to link). Every
    field may hold source text: escape it where Markdown renders."""

    metric_id: str
    metric: str
    figure: str
    context: str
    source_title: str
    source_url: str | None
    quote: str


def headline(row: Row) -> Headline:
    """The figure, what was counted and when, and where it comes from, ready to show."""
    rate_per = row.get("rate_per")
    return Headline(
        metric_id=row["metric_id"],
        # A tile names the rate in its label, so the big figure stays short enough to show whole.
        metric=t(entry(RATES, rate_per).tile, metric=row["metric"]) if rate_per else row["metric"],
        figure=describe_value(row, with_rate=False),
        context=" · ".join(
            part for part in (row["counted_as"], row.get("facility"), row["period_label"]) if part
        ),
        source_title=row["source_title"],
        source_url=row.get("source_url"),
        quote=row["quote"],
    )
