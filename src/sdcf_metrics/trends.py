"""One city's figures for one metric over time, grouped into series that may honestly share a line.

Figures of one metric still differ in what they are: a cumulative count since opening, an annual total,
a single day, a stock at a date or an average per day; for the whole city or for one facility; in persons
or in overdoses. Only figures alike in all of these form a series; only series of comparable periods are
joined by a line; and averages (`rate_per`) get their own panel, so a daily average is never read against
a yearly total. Nothing is summed, interpolated or estimated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import pyarrow as pa

from .attribution import source_citation
from .figures import describe_value, disagreement, named_place, seed_only_note, source_strength
from .headlines import HEADLINE_METRICS, latest_figure
from .i18n import format_number, format_partial_date, t
from .untrusted import escape_markdown, markdown_link
from .vocabulary import (
    EVENT_KINDS,
    MARKERS,
    PERIOD_KINDS,
    QUALIFIERS,
    RATES,
    SOURCE_KINDS,
    TOTALS_PANEL,
    entry,
    ids,
    label,
)

Row = Mapping[str, Any]

EVENT_MARGIN_YEARS = 2


@dataclass(frozen=True)
class Series:
    """Figures drawn as one trace: the same place, kind of period, rate and unit; running totals also
    count from the same start (an opening), so successive totals of one definition form one line."""

    place: str
    period_kind: str
    rate_per: str
    unit: str
    rows: tuple[Row, ...]
    since: str = ""

    @property
    def points(self) -> list[Row]:
        return [row for row in self.rows if row["qualifier"] != "range"]

    @property
    def ranges(self) -> list[Row]:
        return [row for row in self.rows if row["qualifier"] == "range"]

    @property
    def joined(self) -> bool:
        """Whether a line may join the points (ranges are never joined; they have no single value).

        A line between two counts since opening reads correctly (the total grew from one to the other), and
        so does one between two consecutive years or months. Between two stocks years apart, two single days
        or two spans it would suggest figures in between that no source reports.
        """
        return entry(PERIOD_KINDS, self.period_kind).joined

    def continues(self, earlier: Row, later: Row) -> bool:
        """Whether a line may run from one point to the next: for counts since opening only when the total
        grew (a total that does not grow is not joined into a line that says nothing happened), and for
        years and months only when the later period starts the day after the earlier one ends."""
        if not self.joined:
            return False
        if self.period_kind == "since_opening":
            return (
                later["value"] is not None
                and earlier["value"] is not None
                and later["value"] > earlier["value"]
            )
        return later["period_start_date"] == earlier["period_end_date"] + timedelta(days=1)

    def points_with_gaps(self) -> list[Row | None]:
        """The points in order, with None wherever the series does not continue (a break in the line)."""
        points = self.points
        drawn: list[Row | None] = points[:1]
        for earlier, later in pairwise(points):
            drawn.extend([later] if self.continues(earlier, later) else [None, later])
        return drawn


def city_label(city: Row) -> str:
    """The city's name; a city outside Europe says it is there for reference."""
    if city["in_europe"]:
        return city["name"]
    return t("{city} (reference outside Europe)", city=city["name"])


def city_choices(cities: Sequence[Row]) -> dict[str, str]:
    """City id -> picker label: European cities by name, then the reference cities outside Europe."""
    ordered = sorted(cities, key=lambda city: (not city["in_europe"], city["name"]))
    return {city["city_id"]: city_label(city) for city in ordered}


def metric_choices(rows: Sequence[Row]) -> dict[str, str]:
    """Metric id -> picker label such as `Registered users (3 figures)`, for the metrics the rows report.

    The headline service figures come first, then the rest by label; the count says how much there is
    before the picker is opened.
    """
    labels = {row["metric_id"]: row["metric"] for row in rows}
    counts = Counter(row["metric_id"] for row in rows)
    headline = [metric_id for metric_id in HEADLINE_METRICS if metric_id in labels]
    others = sorted(set(labels) - set(headline), key=lambda metric_id: labels[metric_id])
    return {
        metric_id: (
            t("{metric} (1 figure)", metric=labels[metric_id])
            if counts[metric_id] == 1
            else t("{metric} ({count} figures)", metric=labels[metric_id], count=counts[metric_id])
        )
        for metric_id in headline + others
    }


def default_metric(rows: Sequence[Row]) -> str:
    """The metric a city opens on: the headline figure it reports most often (a trend needs points)."""
    counts = Counter(row["metric_id"] for row in rows)
    headline = [metric_id for metric_id in HEADLINE_METRICS if metric_id in counts]
    return max(headline or counts, key=lambda metric_id: counts[metric_id])


def of_metric(rows: Sequence[Row], metric_id: str) -> list[Row]:
    return [row for row in rows if row["metric_id"] == metric_id]


def place_label(row: Row) -> str:
    """The place a figure is about (a street, a facility), or the city as a whole."""
    return named_place(row) or t("{city} (whole city)", city=row["city"])


def split_series(rows: Sequence[Row]) -> list[Series]:
    """Group one metric's figures into series; the whole city first, then facilities and named places,
    then by period kind. Running totals since opening count from their own start, so two totals from
    different openings are two lines."""
    groups: dict[tuple[str, ...], list[Row]] = {}
    for row in rows:
        since = (row.get("period_start") or "") if row["period_kind"] == "since_opening" else ""
        key = (named_place(row), row["period_kind"], row.get("rate_per") or "", row["unit"], since)
        groups.setdefault(key, []).append(row)

    def order(key: tuple[str, ...]) -> tuple[Any, ...]:
        place, period_kind, rate_per, unit, since = key
        return (
            _rate_order(rate_per),
            place != "",
            place,
            entry(PERIOD_KINDS, period_kind).order,
            unit,
            since,
        )

    return [
        Series(
            *key[:4],
            rows=tuple(sorted(groups[key], key=lambda row: (row["period_end_date"], row["observation_id"]))),
            since=key[4],
        )
        for key in sorted(groups, key=order)
    ]


def series_name(series: Series, show_unit: bool) -> str:
    """A legend entry: `Whole city · running total since opening (2012-10)`, with the unit when the units
    differ."""
    place = series.place or t("Whole city")
    if series.period_kind == "since_opening":
        kind = (
            t("running total since opening ({since})", since=format_partial_date(series.since))
            if series.since
            else t("running total since opening")
        )
    else:
        kind = label(PERIOD_KINDS, series.period_kind)
    name = f"{place} · {kind}"
    return f"{name} · {series.unit}" if show_unit else name


def _rate_order(rate_per: str) -> int:
    """Totals first (no rate), then averages per day, week, month and year."""
    return 0 if not rate_per else 1 + ids(RATES).index(rate_per)


def panels(series: Sequence[Series]) -> list[str]:
    """The rates present, totals first: one chart panel each."""
    return sorted({item.rate_per for item in series}, key=_rate_order)


def panel_title(rate_per: str) -> str:
    return t(entry(RATES, rate_per).panel) if rate_per else t(TOTALS_PANEL)


def plot_date(row: Row) -> date:
    """Where a figure sits in time: a count since opening on the day it was reported; any other figure
    in the middle of its period, so a year sits mid-year and a stock dated only `2016` sits in mid-2016."""
    start, end = row["period_start_date"], row["period_end_date"]
    if row["period_kind"] == "since_opening" or start is None:
        return end
    return start + (end - start) / 2


def covers_a_period(row: Row) -> bool:
    """Whether the figure is drawn with a bar over the period it covers (a year, a month, a span)."""
    start = row["period_start_date"]
    return (
        entry(PERIOD_KINDS, row["period_kind"]).covers
        and start is not None
        and start < row["period_end_date"]
    )


def units(rows: Sequence[Row]) -> list[str]:
    """The distinct units these figures are counted in, in order of appearance."""
    return list(dict.fromkeys(row["unit"] for row in rows))


def marker_key(rows: Sequence[Row], has_events: bool) -> str:
    """The chart's key to its symbols, naming only what the chart draws."""
    drawn = {entry(QUALIFIERS, row["qualifier"]).marker for row in rows}
    parts = [marker.key for marker in MARKERS if marker in drawn]
    if any(covers_a_period(row) for row in rows):
        parts.append(t("▬ period covered"))
    if has_events:
        parts.append(t("┊ event"))
    return "   ".join(parts)


def hover_text(row: Row) -> str:
    """What a reader needs at a point: the figure, what was counted, where, when, the source and how
    strong it is, and what other sources say.

    Plain text; the chart escapes it before Plotly sees it.
    """
    strength = source_strength(row)
    citation = source_citation(row["source_title"], row.get("source_publisher"))
    source = t("Source: {title}", title=citation) + (f" ({strength})" if strength else "")
    lines = [describe_value(row), row["counted_as"], place_label(row), row["period_label"], source]
    return "\n".join(line for line in (*lines, disagreement(row), seed_only_note(row)) if line)


MAX_AGE_YEARS = 3


def age_in_years(row: Row, today: date) -> int:
    """Whole years from the end of a figure's period to `today`."""
    end = row["period_end_date"]
    return today.year - end.year - ((today.month, today.day) < (end.month, end.day))


def age_note(row: Row, today: date) -> str:
    """`From 2014: 12 years old.` for a figure older than three years shown as the most recent; else ''."""
    years = age_in_years(row, today)
    if years <= MAX_AGE_YEARS:
        return ""
    return t("From {year}: {years} years old.", year=row["period_end"][:4], years=format_number(years))


def _shift_years(day: date, years: int) -> date:
    return day.replace(year=day.year + years, day=min(day.day, 28))


def events_in_view(events: Sequence[Row], rows: Sequence[Row]) -> list[Row]:
    """The events to mark on a chart of `rows`: those within two years of its first and last periods.

    An opening twenty years before the first figure would squeeze every figure into a corner; such
    events stay in the events table.
    """
    first = min(row["period_start_date"] or row["period_end_date"] for row in rows)
    last = max(row["period_end_date"] for row in rows)
    since, until = _shift_years(first, -EVENT_MARGIN_YEARS), _shift_years(last, EVENT_MARGIN_YEARS)
    return [event for event in events if since <= event["event_date"] <= until]


def trend_table(rows: Sequence[Row]) -> pa.Table:
    """The figures behind the chart, one row each, with the source's words and where to check them."""
    columns: dict[str, list[Any]] = {
        t("Period"): [row["period_label"] for row in rows],
        t("Kind of period"): [label(PERIOD_KINDS, row["period_kind"]) for row in rows],
        t("Figure"): [describe_value(row) for row in rows],
        t("What was counted"): [row["counted_as"] for row in rows],
        t("Unit"): [row["unit"] for row in rows],
        t("Where"): [place_label(row) for row in rows],
        t("Value"): [row["value"] for row in rows],
        t("Low end"): [row["value_low"] for row in rows],
        t("High end"): [row["value_high"] for row in rows],
        t("Source"): [row["source_title"] for row in rows],
        t("Publisher"): [row["source_publisher"] for row in rows],
        t("Source kind"): [source_strength(row) for row in rows],
        t("Sources disagree"): [disagreement(row) for row in rows],
        t("Only in a seed article"): [seed_only_note(row) for row in rows],
        t("Link or reference"): [row["source_url"] for row in rows],
        t("Quote"): [row["quote"] for row in rows],
        t("Notes"): [row.get("notes") or "" for row in rows],
    }
    numbers = {t("Value"), t("Low end"), t("High end")}
    return pa.table(
        {
            name: pa.array(values, pa.float64() if name in numbers else pa.string())
            for name, values in columns.items()
        }
    )


def breakdown_table(rows: Sequence[Row]) -> pa.Table:
    """Parts of a total (by sex, age, site...) as the source split it, with the same columns as the trend."""
    return trend_table(rows).add_column(
        0, t("Part of the total"), pa.array([row["breakdown"] for row in rows], pa.string())
    )


def events_table(events: Sequence[Row]) -> pa.Table:
    """The events drawn on the chart, with their sources."""
    return pa.table(
        {
            t("Date"): pa.array([event["date"] for event in events], pa.string()),
            t("Event"): pa.array([event["label"] for event in events], pa.string()),
            t("Kind"): pa.array([label(EVENT_KINDS, event["kind"]) for event in events], pa.string()),
            t("Source"): pa.array([event["source_title"] for event in events], pa.string()),
            t("Link or reference"): pa.array([event["source_url"] for event in events], pa.string()),
            t("Quote"): pa.array([event["quote"] for event in events], pa.string()),
        }
    )


def trend_summary(city_name: str, metric_label: str, rows: Sequence[Row], series: Sequence[Series]) -> str:
    """The chart in words, for screen readers and for anyone who prefers a sentence to a picture."""
    latest = latest_figure(rows)
    most_recent = t(
        "Most recent: {figure} ({counted_as}), {period}, from {source}.",
        figure=describe_value(latest),
        counted_as=latest["counted_as"],
        period=latest["period_label"],
        source=latest["source_title"],
    )
    if len(rows) == 1:
        return (
            t("{city}: one sourced figure for {metric}.", city=city_name, metric=metric_label)
            + " "
            + most_recent
        )
    by_end = sorted(rows, key=lambda row: row["period_end_date"])
    overview = t(
        "{city}: {count} sourced figures for {metric}, for periods ending between {first} and {last}.",
        city=city_name,
        count=format_number(len(rows)),
        metric=metric_label,
        first=format_partial_date(by_end[0]["period_end"]),
        last=format_partial_date(by_end[-1]["period_end"]),
    )
    if len(series) > 1:
        overview += " " + t(
            "They form {count} separate series that differ in place, kind of period, rate or unit.",
            count=format_number(len(series)),
        )
    return overview + " " + most_recent


def related_service_text(service: Row) -> str:
    """A related service as Markdown: name and operator, what it does, and its source (a link) with its
    kind and words. Every part is source text, escaped here."""
    operator = f" ({escape_markdown(service['operator'])})" if service.get("operator") else ""
    return t(
        "**{name}**{operator}: {description}  \nSource: {source} ({kind}): “{quote}”",
        name=escape_markdown(service["name"]),
        operator=operator,
        description=escape_markdown(service["description"]),
        source=markdown_link(service["source_title"], service.get("source_url")),
        kind=escape_markdown(label(SOURCE_KINDS, service["source_kind"])),
        quote=escape_markdown(service["quote"]),
    )
