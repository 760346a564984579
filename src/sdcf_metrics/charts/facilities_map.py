"""The facilities map: offline country outlines with one marker per city centre, and the table beside it.

Only `go.Scatter` traces on ordinary axes: geo, mapbox and map traces would fetch shapes or tiles from
the internet when the chart is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pyarrow as pa

from ..geography import OUTLINE_CREDIT, Place, country_outlines, map_extent, on_map, project
from ..i18n import format_number, t
from ..untrusted import escape_label
from ..vocabulary import FACILITY_TYPES, label
from .base import attributed_figure

LAND = "#eef0f2"
BORDER = "#b9c0c8"
SEA = "#f8fbfd"
MARKER = "#0072B2"
MAP_HEIGHT = 620
HOVER_NAME_LENGTH = 48
MAP_TITLE = "Supervised drug consumption facilities in Europe"


def _marker_size(count: int) -> float:
    """Area grows with the number of facilities, so four rooms do not look sixteen times one."""
    return 13 * count**0.5 + 3


def _facility_line(facility: Mapping[str, Any]) -> str:
    """`• H17 (Halmtorvet 17): opened 2016-08-15`; long names are cut, the table beside has them whole."""
    name = facility["name"]
    if len(name) > HOVER_NAME_LENGTH:
        name = name[: HOVER_NAME_LENGTH - 1].rstrip() + "…"
    if facility.get("opened"):
        line = t("{name}: opened {opened}", name=escape_label(name), opened=escape_label(facility["opened"]))
    else:
        line = t("{name}: opening date not known", name=escape_label(name))
    if facility.get("closed"):
        line += t(", closed {closed}", closed=escape_label(facility["closed"]))
    return "• " + line


def _hover_text(place: Place) -> str:
    count = len(place.facilities)
    heading = f"<b>{escape_label(place.city)}</b>, {escape_label(place.country)}"
    summary = (
        t("1 facility in this dataset's list (drawn at the city centre)")
        if count == 1
        else t(
            "{count} facilities in this dataset's list, open or closed (all drawn at the city centre)",
            count=format_number(count),
        )
    )
    return "<br>".join([heading, summary, *(_facility_line(facility) for facility in place.facilities)])


def _place_trace(places: Sequence[Place], name: str, hollow: bool) -> go.Scatter:
    points = [project(place.longitude, place.latitude) for place in places]
    counts = [len(place.facilities) for place in places]
    return go.Scatter(
        x=[x for x, _ in points],
        y=[y for _, y in points],
        mode="markers+text",
        name=name,
        marker={
            "size": [_marker_size(count) for count in counts],
            "color": "white" if hollow else MARKER,
            "opacity": 0.9,
            "line": {"color": MARKER, "width": 2},
        },
        text=[format_number(count) if count > 1 else "" for count in counts],
        textfont={"color": MARKER if hollow else "white", "size": 11},
        textposition="middle center",
        hovertext=[_hover_text(place) for place in places],
        hoverinfo="text",
        hoverlabel={"align": "left"},
        cliponaxis=False,
    )


def _facilities_in_cities(places: Sequence[Place]) -> str:
    """`5 facilities in 2 cities`, `1 facility in 1 city`."""
    facilities = sum(len(place.facilities) for place in places)
    return t(
        "{facilities} in {cities}",
        facilities=t("1 facility")
        if facilities == 1
        else t("{count} facilities", count=format_number(facilities)),
        cities=t("1 city") if len(places) == 1 else t("{count} cities", count=format_number(len(places))),
    )


def map_summary(places_on_map: Sequence[Place]) -> str:
    """What the map shows, in one sentence, for readers who cannot see it."""
    return t(
        "Map of {facilities}: {places}.",
        facilities=_facilities_in_cities(places_on_map),
        places="; ".join(f"{place.city} ({format_number(len(place.facilities))})" for place in places_on_map),
    )


@cache
def outline_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The country outlines as float32 arrays, a gap (NaN) between rings: Plotly sends them as compact typed
    arrays and copies them in one move. As Python lists, checking and copying their 2,000 points was most
    of the time of building and drawing the map (72 -> 10 ms to build, 78 -> 13 ms to copy)."""
    outline = country_outlines()
    arrays = tuple(
        np.array([np.nan if value is None else value for value in values], dtype=np.float32)
        for values in (outline.x, outline.y)
    )
    for array in arrays:
        array.flags.writeable = False  # shared by every map figure
    return arrays[0], arrays[1]


def facilities_map_figure(
    places_on_map: Sequence[Place],
    places_off_map: Sequence[Place],
    data_version: str,
    published_on: str,
) -> go.Figure:
    """Europe's outlines with a marker per city centre; hollow where every facility there has closed."""
    subtitle = t(
        "{facilities} of this dataset's list, open or closed, each drawn at its city's centre "
        "(approximate locations)",
        facilities=_facilities_in_cities(places_on_map),
    )
    note = ""
    if places_off_map:
        note = t(
            "Not on the map: {facilities}: {cities}.",
            facilities=_facilities_in_cities(places_off_map),
            cities=", ".join(f"{place.city} ({place.country})" for place in places_off_map),
        )
    figure = attributed_figure(
        t(MAP_TITLE),
        subtitle,
        [
            t("facility list and opening dates: sources in the table"),
            t("outlines: {credit}", credit=OUTLINE_CREDIT),
        ],
        data_version,
        published_on,
        note=note,
    )
    outline_x, outline_y = outline_arrays()
    figure.add_trace(
        go.Scatter(
            x=outline_x,
            y=outline_y,
            mode="lines",
            fill="toself",
            fillcolor=LAND,
            line={"color": BORDER, "width": 0.7},
            hoverinfo="skip",
            showlegend=False,
            name=t("Country outlines"),
            # Arrays of plain numbers and gaps: nothing to check point by point.
            _validate=False,
        )
    )
    # Larger markers first, so a neighbouring city's smaller marker stays on top and can be hovered.
    by_size = sorted(places_on_map, key=lambda place: -len(place.facilities))
    still_open = [place for place in by_size if not place.all_closed]
    all_closed = [place for place in by_size if place.all_closed]
    if still_open:
        figure.add_trace(_place_trace(still_open, t("Facilities (number when more than one)"), hollow=False))
    if all_closed:
        figure.add_trace(_place_trace(all_closed, t("All facilities there closed"), hollow=True))
    (x0, x1), (y0, y1) = map_extent((place.longitude, place.latitude) for place in places_on_map)
    figure.update_layout(
        height=MAP_HEIGHT,
        plot_bgcolor=SEA,
        margin={"l": 10, "r": 10},
        xaxis={"range": [x0, x1], "visible": False, "fixedrange": False},
        yaxis={"range": [y0, y1], "visible": False, "scaleanchor": "x", "scaleratio": 1},
        dragmode="pan",
        hovermode="closest",
    )
    return figure


def facilities_table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """The table beside the map: one row per facility, dates as precise as the source gave them."""
    columns = {
        t("Name"): [row["name"] for row in rows],
        t("City"): [row["city"] for row in rows],
        t("Country"): [row["country"] for row in rows],
        t("Opened"): [row["opened"] or "" for row in rows],
        t("Closed"): [row["closed"] or "" for row in rows],
        t("Type"): [label(FACILITY_TYPES, row["type"]) for row in rows],
        t("Operator"): [row["operator"] or "" for row in rows],
        t("On the map"): [t("yes") if on_map(row["longitude"], row["latitude"]) else t("no") for row in rows],
        t("Status"): [
            t("officially authorised") if row["sanctioned"] else t("unofficial or volunteer service")
            for row in rows
        ],
        t("Source"): [row["source_title"] or "" for row in rows],
        t("Publisher"): [row["source_publisher"] or "" for row in rows],
        t("Link or reference"): [row["source_url"] or "" for row in rows],
    }
    return pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})


def map_table(places_on_map: Sequence[Place]) -> pa.Table:
    """What the map plots, one row per facility: where it is drawn (its city's centre) and the source of
    its opening date, as every other chart's data carries its sources (the text alternative and the
    downloads)."""
    drawn = [(place, facility) for place in places_on_map for facility in place.facilities]
    columns: dict[str, tuple[list[Any], pa.DataType]] = {
        t("Name"): ([facility["name"] for _, facility in drawn], pa.string()),
        t("City"): ([place.city for place, _ in drawn], pa.string()),
        t("Country"): ([place.country for place, _ in drawn], pa.string()),
        t("Latitude (city centre)"): ([place.latitude for place, _ in drawn], pa.float64()),
        t("Longitude (city centre)"): ([place.longitude for place, _ in drawn], pa.float64()),
        t("Opened"): ([facility.get("opened") or "" for _, facility in drawn], pa.string()),
        t("Closed"): ([facility.get("closed") or "" for _, facility in drawn], pa.string()),
        t("Source"): ([facility.get("source_title") or "" for _, facility in drawn], pa.string()),
        t("Publisher"): ([facility.get("source_publisher") or "" for _, facility in drawn], pa.string()),
        t("Link or reference"): ([facility.get("source_url") or "" for _, facility in drawn], pa.string()),
    }
    return pa.table({name: pa.array(values, kind) for name, (values, kind) in columns.items()})
