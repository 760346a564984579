"""Needle-litter counts on a time axis: each bar spans exactly the period its source counted.

Before/after periods are often of different lengths (Paris: about six months before, five after), so
the bar widths show them; a facility opening is a line when its day is known and a shaded band over
the month or year its source gave otherwise. A range is drawn as a range, never as its midpoint.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

import plotly.graph_objects as go

from ..attribution import source_citation
from ..figures import describe_value
from ..i18n import format_number, t
from ..litter import (
    ASSOCIATION_IS_NOT_CAUSATION,
    CountSeries,
    Opening,
    Row,
    period_days,
    period_lengths_text,
    place_label,
    series_title,
    withheld,
)
from ..untrusted import escape_label
from .base import PALETTE, attributed_figure, cited_sources, localise_dates

OPENING_COLOUR = "#555555"
SHORT_NAME_LENGTH = 34
_LABEL_LINE = 0.045  # one line of an opening's label, as a fraction of the plot's height
_MS_PER_DAY = 86_400_000


def _period(row: Row) -> tuple[date, date]:
    """First day and the day after the last, so a one-day period is one day wide."""
    start = row.get("period_start_date") or row["period_end_date"]
    return start, row["period_end_date"] + timedelta(days=1)


def _midpoint(start: date, end: date) -> str:
    middle = datetime.combine(start, time()) + (end - start) / 2
    return middle.isoformat()


def short_name(name: str) -> list[str]:
    """A facility's name up to its first comma or bracket, in lines short enough for an opening's label
    to fit on the chart; never cut (the hover and the table have the full name)."""
    return textwrap.wrap(name.split(" (")[0].split(", ")[0], SHORT_NAME_LENGTH) or [name]


def _hover(row: Row) -> str:
    return "<br>".join(
        [
            f"<b>{escape_label(describe_value(row))}</b> {escape_label(row['unit'])}",
            escape_label(row["period_label"]),
            escape_label(place_label(row)),
            t("Counted as: “{words}”", words=escape_label(row["counted_as"])),
            escape_label(source_citation(row["source_title"], row["source_publisher"])),
        ]
    )


def _bar_label(row: Row) -> str:
    """The figure and its period with its length in days (periods of a series may differ)."""
    days = period_days(row)
    period = (
        row["period_label"]
        if days is None
        else t("{period} ({days} days)", period=row["period_label"], days=format_number(days))
    )
    return (
        f"{escape_label(describe_value(row))}<br><span style='font-size:11px;color:#555'>"
        + escape_label(period)
        + "</span>"
    )


def _drawn_as(row: Row) -> str:
    """How a figure is drawn; a withheld one is not drawn at all (it stays in the table, marked)."""
    if withheld(row):
        return "withheld"
    if row["qualifier"] == "range":
        return "range"
    start, end = _period(row)
    return "bar" if end - start > timedelta(days=1) else "point"


def _source_traces(rows: Sequence[Row], name: str, colour: str) -> list[go.BaseTraceType]:
    """Bars for counts over a period, points for one-day counts, vertical segments for ranges."""
    bars = [row for row in rows if _drawn_as(row) == "bar"]
    points = [row for row in rows if _drawn_as(row) == "point"]
    ranges = [row for row in rows if _drawn_as(row) == "range"]
    traces: list[go.BaseTraceType] = []
    if bars:
        periods = [_period(row) for row in bars]
        traces.append(
            go.Bar(
                x=[_midpoint(start, end) for start, end in periods],
                y=[row["value"] for row in bars],
                width=[(end - start).days * _MS_PER_DAY for start, end in periods],
                name=name,
                marker={"color": colour, "line": {"color": "white", "width": 1.5}},
                text=[_bar_label(row) for row in bars],
                textposition="outside",
                cliponaxis=False,
                hovertext=[_hover(row) for row in bars],
                hoverinfo="text",
            )
        )
    if points:
        traces.append(
            go.Scatter(
                x=[_midpoint(*_period(row)) for row in points],
                y=[row["value"] for row in points],
                mode="markers+text",
                name=name,
                marker={"color": colour, "size": 12},
                text=[_bar_label(row) for row in points],
                textposition="top center",
                hovertext=[_hover(row) for row in points],
                hoverinfo="text",
            )
        )
    if ranges:
        x: list[str | None] = []
        y: list[float | None] = []
        labels: list[str] = []
        hover: list[str] = []
        for row in ranges:
            middle = _midpoint(*_period(row))
            x += [middle, middle, None]
            y += [row["value_low"], row["value_high"], None]
            labels += ["", _bar_label(row), ""]
            hover += [_hover(row)] * 2 + [""]
        traces.append(
            go.Scatter(
                x=x,
                y=y,
                mode="lines+markers+text",
                name=name,
                line={"color": colour, "width": 10},
                marker={"color": colour, "size": 14, "symbol": "line-ew-open"},
                text=labels,
                textposition="top center",
                hovertext=hover,
                hoverinfo="text",
            )
        )
    return traces


def _mark_opening(figure: go.Figure, opening: Opening, top: float, near_right_edge: bool) -> None:
    """A line on the opening day, or a band over the month or year when the source gave no day.

    The label sits right of the mark, or left of it in the right half so it stays inside the chart.
    """
    if opening.precise:
        figure.add_shape(
            type="line",
            x0=opening.first_day.isoformat(),
            x1=opening.first_day.isoformat(),
            y0=0,
            y1=1,
            xref="x",
            yref="paper",
            line={"color": OPENING_COLOUR, "width": 2, "dash": "dash"},
        )
    else:
        figure.add_shape(
            type="rect",
            x0=opening.first_day.isoformat(),
            x1=(opening.last_day + timedelta(days=1)).isoformat(),
            y0=0,
            y1=1,
            xref="x",
            yref="paper",
            fillcolor=OPENING_COLOUR,
            opacity=0.15,
            line={"width": 0},
        )
    figure.add_annotation(
        x=opening.first_day.isoformat(),
        y=top,
        xref="x",
        yref="paper",
        xanchor="right" if near_right_edge else "left",
        yanchor="top",
        xshift=-4 if near_right_edge else 4,
        showarrow=False,
        align="left",
        text=t(
            "{facility} opens<br>{opened}",
            facility="<br>".join(escape_label(line) for line in short_name(opening.facility)),
            opened=escape_label(opening.opened),
        ),
        hovertext=escape_label(opening.facility),
        font={"size": 11, "color": OPENING_COLOUR},
        bgcolor="rgba(255,255,255,0.8)",
    )


def litter_counts_figure(
    series: CountSeries,
    city: str,
    drawn_openings: Sequence[Opening],
    colour: str,
    data_version: str,
    published_on: str,
) -> go.Figure:
    """One city's counts of one metric, with the openings that fall near them.

    The title names the place as the source does (a street, not the whole city); when the counts'
    periods differ in length, the subtitle says so and each bar's label gives its length in days.
    """
    openings_said = (
        t("dashed line or shading: a facility opens.")
        if drawn_openings
        else t("no facility opening falls near these counts.")
    )
    periods_said = (
        t(
            "Bars span periods of unequal length ({lengths}), so they are not totals over equal periods",
            lengths=period_lengths_text(series.unequal_periods),
        )
        if series.unequal_periods
        else t("Each bar spans the period its source counted; {openings}", openings=openings_said)
    )
    figure = attributed_figure(
        series_title(series, city),
        periods_said,
        cited_sources(series.rows),
        data_version,
        published_on,
        note=t(ASSOCIATION_IS_NOT_CAUSATION),
    )
    by_source: dict[str, list[Row]] = {}
    for row in series.rows:
        by_source.setdefault(row["source_title"], []).append(row)
    colours = [colour, *(other for other in PALETTE if other != colour)]
    for index, (source_title, rows) in enumerate(by_source.items()):
        for trace in _source_traces(rows, escape_label(source_title), colours[index % len(colours)]):
            figure.add_trace(trace)
    periods = [_period(row) for row in series.rows]
    moments = [day for period in periods for day in period] + [
        day for opening in drawn_openings for day in (opening.first_day, opening.last_day + timedelta(days=1))
    ]
    first, last = min(moments), max(moments)
    padding = max((last - first) * 0.06, timedelta(days=20))
    # A label is up to about 150 px wide: in the right half of a phone's plot it only fits on the left.
    middle = first + (last - first) / 2
    top = 1.0
    for opening in drawn_openings:
        _mark_opening(figure, opening, top, near_right_edge=opening.first_day > middle)
        # Each label is its name's lines and the date's, stacked under the one before.
        top -= _LABEL_LINE * (len(short_name(opening.facility)) + 1)
    highest = max(
        (
            row["value_high"] if row["qualifier"] == "range" else row["value"]
            for row in series.rows
            if not withheld(row)
        ),
        default=0,
    )
    figure.update_layout(
        showlegend=len(by_source) > 1,
        bargap=0,
        xaxis={"type": "date", "range": [(first - padding).isoformat(), (last + padding).isoformat()]},
        yaxis={
            "title": {"text": escape_label(series.axis_title)},
            "range": [0, (highest or 1) * 1.25],
            "tickformat": ",",
            "rangemode": "tozero",
        },
        hovermode="closest",
    )
    return localise_dates(figure)
