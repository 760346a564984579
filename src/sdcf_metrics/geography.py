"""The map of Europe under the facilities, drawn with no network: outlines, projection and places.

Plotly's geo and map traces fetch country shapes or tiles from the internet each time a chart is drawn.
This dashboard must work offline, so the outlines ship with the package (Natural Earth, public domain;
see `assets/README.md`) and the map is plain lines and markers on an ordinary x/y plane.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

OUTLINE_ASSET = "europe_outline.json"
OUTLINE_CREDIT = "Natural Earth (public domain)"

# The window the map shows, in degrees: Lisbon to the Urals' foothills, Crete to the North Cape.
MAP_WEST, MAP_EAST = -25.0, 45.0
MAP_SOUTH, MAP_NORTH = 34.0, 72.0
STANDARD_PARALLEL = 50.0
# The view around the facilities shown: degrees of margin, and the least span in each direction.
VIEW_MARGIN = 3.0
VIEW_MIN_SPAN_LONGITUDE = 16.0
VIEW_MIN_SPAN_LATITUDE = 10.0
_X_SCALE = math.cos(math.radians(STANDARD_PARALLEL))


def project(longitude: float, latitude: float) -> tuple[float, float]:
    """Equirectangular: a degree of latitude is one unit, a degree of longitude cos 50° of one.

    Scaling at 50°N keeps central Europe, where most facilities are, close to its true shape.
    """
    return round(longitude * _X_SCALE, 2), round(latitude, 2)


def on_map(longitude: float, latitude: float) -> bool:
    """Whether a point falls inside the window the map shows."""
    return MAP_WEST <= longitude <= MAP_EAST and MAP_SOUTH <= latitude <= MAP_NORTH


def map_extent(
    points: Iterable[tuple[float, float]] = (),
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The projected x and y ranges to show: around the given (longitude, latitude) points, or the window.

    Points get a margin and at least a region's span, so one city still shows its neighbours.
    """
    points = list(points)
    if points:
        longitudes = [longitude for longitude, _ in points]
        latitudes = [latitude for _, latitude in points]
        west, east = _span_around(min(longitudes), max(longitudes), VIEW_MARGIN, VIEW_MIN_SPAN_LONGITUDE)
        south, north = _span_around(min(latitudes), max(latitudes), VIEW_MARGIN, VIEW_MIN_SPAN_LATITUDE)
        west, east = max(west, MAP_WEST), min(east, MAP_EAST)
        south, north = max(south, MAP_SOUTH), min(north, MAP_NORTH)
    else:
        west, east, south, north = MAP_WEST, MAP_EAST, MAP_SOUTH, MAP_NORTH
    (x0, y0), (x1, y1) = project(west, south), project(east, north)
    return (x0, x1), (y0, y1)


def _span_around(low: float, high: float, margin: float, minimum: float) -> tuple[float, float]:
    low, high = low - margin, high + margin
    missing = minimum - (high - low)
    if missing > 0:
        low, high = low - missing / 2, high + missing / 2
    return low, high


@dataclass(frozen=True)
class Outline:
    """All country rings as one projected polyline, rings separated by None (a gap in a Plotly line)."""

    x: tuple[float | None, ...]
    y: tuple[float | None, ...]
    countries: int


@cache
def country_outlines() -> Outline:
    """The packaged country outlines, projected once per process."""
    text = resources.files("sdcf_metrics").joinpath("assets", OUTLINE_ASSET).read_text(encoding="utf-8")
    document = json.loads(text)
    x: list[float | None] = []
    y: list[float | None] = []
    for country in document["countries"]:
        for ring in country["rings"]:
            for longitude, latitude in ring:
                px, py = project(longitude, latitude)
                x.append(px)
                y.append(py)
            x.append(None)
            y.append(None)
    return Outline(tuple(x), tuple(y), len(document["countries"]))


@dataclass(frozen=True)
class Place:
    """Facilities drawn at one point: coordinates are city centres, so a city's facilities share one."""

    city_id: str
    city: str
    country: str
    longitude: float
    latitude: float
    facilities: tuple[Mapping[str, Any], ...]

    @property
    def all_closed(self) -> bool:
        return all(facility.get("closed") for facility in self.facilities)


def places(facilities: Iterable[Mapping[str, Any]]) -> tuple[list[Place], list[Place]]:
    """Group facilities by city and coordinates: (places inside the map window, places outside it).

    Input rows need `city_id`, `city`, `country`, `longitude`, `latitude`; each place keeps its rows.
    """
    grouped: dict[tuple[str, float, float], list[Mapping[str, Any]]] = {}
    for facility in facilities:
        key = (facility["city_id"], facility["longitude"], facility["latitude"])
        grouped.setdefault(key, []).append(facility)
    inside: list[Place] = []
    outside: list[Place] = []
    for (city_id, longitude, latitude), rows in grouped.items():
        place = Place(city_id, rows[0]["city"], rows[0]["country"], longitude, latitude, tuple(rows))
        (inside if on_map(longitude, latitude) else outside).append(place)
    return inside, outside
