"""The city trend chart: one metric's figures over time, series by series, with the city's events.

How a figure is drawn says what kind of figure it is: the marker shape gives the qualifier (exact,
about, more than, fewer than), a vertical bar a range, a shaded bar the year, month or span a figure
covers; a line joins only figures of one series whose periods may be read in sequence; averages per
day sit in their own panel. Events (openings, closures, policy changes) are dotted vertical lines.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from itertools import cycle, islice
from typing import Any

import plotly.graph_objects as go

from ..figures import place_title
from ..i18n import t
from ..trends import (
    Series,
    covers_a_period,
    hover_text,
    marker_key,
    panel_title,
    panels,
    plot_date,
    series_name,
    units,
)
from ..untrusted import escape_label
from ..vocabulary import PERIOD_KINDS, QUALIFIERS, entry
from .base import PALETTE, attributed_figure, cited_sources, localise_dates

Row = Mapping[str, Any]

_EVENT_LABEL_LENGTH = 34  # characters per line of an event's label, which stands upright beside its line
_PANEL_HEIGHT = 260
_LEGEND_ROW = 22
_SHORT_NAME = 48


def _hover(row: Row) -> str:
    return escape_label(hover_text(row)).replace("\n", "<br>")


def _series_colours(count: int, city_colour: str) -> list[str]:
    """The city's own colour for its first series (the whole city when it has one), then the palette."""
    return list(islice(cycle([city_colour, *(colour for colour in PALETTE if colour != city_colour)]), count))


def _legend_shape(names: Sequence[str]) -> tuple[int, int]:
    """Entries per row and rows: short names go two to a row, long ones one to a row.

    A fixed number per row gives a predictable legend height, so the top margin can make room for it.
    """
    per_row = 2 if max(len(name) for name in names) <= _SHORT_NAME else 1
    return per_row, -(-len(names) // per_row)


def _event_lines(text: str) -> str:
    """An event's label in lines short enough to stand beside its line, whole: a label cut short
    ("First legal injection room opens (tempo…") leaves the reader guessing."""
    return "<br>".join(escape_label(line) for line in textwrap.wrap(text, _EVENT_LABEL_LENGTH) or [text])


def _series_traces(item: Series, name: str, colour: str) -> list[go.Scatter]:
    """The traces of one series: the periods covered, the points, and the ranges, in one legend group."""
    name = escape_label(name)
    traces = []
    covering = [row for row in item.points if covers_a_period(row)]
    if covering:
        traces.append(
            go.Scatter(
                x=[
                    day
                    for row in covering
                    for day in (row["period_start_date"], row["period_end_date"], None)
                ],
                y=[value for row in covering for value in (row["value"], row["value"], None)],
                mode="lines",
                line={"color": colour, "width": 8},
                opacity=0.25,
                hoverinfo="skip",
                showlegend=False,
                legendgroup=name,
            )
        )
    points = item.points_with_gaps()
    if points:
        traces.append(
            go.Scatter(
                x=[plot_date(row) if row else None for row in points],
                y=[row["value"] if row else None for row in points],
                mode="lines+markers" if item.joined and len(item.points) > 1 else "markers",
                name=name,
                legendgroup=name,
                line={"color": colour, "width": 2, "dash": entry(PERIOD_KINDS, item.period_kind).dash},
                marker={
                    "color": colour,
                    "size": 11,
                    "symbol": [
                        entry(QUALIFIERS, row["qualifier"]).marker.symbol if row else "circle"
                        for row in points
                    ],
                    "line": {"color": colour, "width": 2},
                },
                hovertext=[_hover(row) if row else None for row in points],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    ranges = item.ranges
    if ranges:
        traces.append(
            go.Scatter(
                x=[day for row in ranges for day in (plot_date(row), plot_date(row), None)],
                y=[value for row in ranges for value in (row["value_low"], row["value_high"], None)],
                mode="lines+markers",
                name=name,
                legendgroup=name,
                showlegend=not item.points,
                line={"color": colour, "width": 3},
                marker={
                    "color": colour,
                    "size": 14,
                    "symbol": "line-ew",
                    "line": {"color": colour, "width": 3},
                },
                hovertext=[text for row in ranges for text in (_hover(row), _hover(row), None)],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    return traces


def _add_events(figure: go.Figure, events: Sequence[Row]) -> None:
    for event in events:
        figure.add_shape(
            type="line",
            xref="x",
            yref="paper",
            x0=event["event_date"],
            x1=event["event_date"],
            y0=0,
            y1=1,
            line={"color": "#777", "width": 1, "dash": "dot"},
            layer="below",
        )
        figure.add_annotation(
            x=event["event_date"],
            xref="x",
            y=1,
            yref="paper",
            text=_event_lines(event["label"]),
            textangle=-90,
            xanchor="right",
            yanchor="top",
            showarrow=False,
            font={"size": 10, "color": "#555"},
        )


def city_trend_figure(
    *,
    city_name: str,
    city_colour: str,
    metric_label: str,
    series: Sequence[Series],
    events: Sequence[Row],
    data_version: str,
    published_on: str,
) -> go.Figure:
    """One metric for one city: every series as reported, one panel per kind of rate, events marked."""
    rows = sorted((row for item in series for row in item.rows), key=lambda row: row["period_end_date"])
    figure = attributed_figure(
        title=place_title(metric_label, city_name, rows),
        subtitle=t("Each series is one place and one kind of period, as the sources report them"),
        sources=cited_sources(rows),
        data_version=data_version,
        published_on=published_on,
        note=marker_key(rows, has_events=bool(events)),
    )
    panel_rates = panels(series)
    stacked = len(panel_rates) > 1
    if stacked:
        figure.set_subplots(rows=len(panel_rates), cols=1, shared_xaxes=True, vertical_spacing=0.1)
    show_unit = len(units(rows)) > 1
    names = [series_name(item, show_unit) for item in series]
    per_row, legend_rows = _legend_shape(names)
    figure.update_layout(
        height=figure.layout.height + _PANEL_HEIGHT * (len(panel_rates) - 1) + _LEGEND_ROW * legend_rows,
        margin={"t": figure.layout.margin.t + _LEGEND_ROW * legend_rows},
        legend={"entrywidth": 1 / per_row, "entrywidthmode": "fraction"},
    )
    colours = _series_colours(len(series), city_colour)
    for item, name, colour in zip(series, names, colours, strict=True):
        for trace in _series_traces(item, name, colour):
            if stacked:
                figure.add_trace(trace, row=panel_rates.index(item.rate_per) + 1, col=1)
            else:
                figure.add_trace(trace)
    for index, rate_per in enumerate(panel_rates, start=1):
        axis = {"title": {"text": panel_title(rate_per)}, "rangemode": "tozero", "tickformat": ","}
        if stacked:
            figure.update_yaxes(axis, row=index, col=1)
        else:
            figure.update_yaxes(axis)
    figure.update_xaxes(type="date")
    figure.update_layout(hovermode="closest")
    _add_events(figure, events)
    return localise_dates(figure)
