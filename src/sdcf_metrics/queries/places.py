"""Queries about places: cities, facilities, and what happened in a city."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from ..store import Store
from .results import cached_rows
from .rows import City, Event, Facility, ListedFacility, RelatedService


def cities(store: Store) -> list[City]:
    """Every city, by name, with its latest reported population (value, period and source), if any."""
    return cast(list[City], cached_rows(store, "cities"))


def facilities(store: Store) -> list[Facility]:
    """Every facility with its city and country, by country, city and opening date."""
    return cast(list[Facility], cached_rows(store, "facilities"))


def facility_directory(
    store: Store,
    *,
    countries: Sequence[str] | None = None,
    facility_type: str | None = None,
    status: str | None = None,
) -> list[ListedFacility]:
    """Facilities narrowed by the visitor (None: no filter): countries to keep, one type, and `open` (no
    closure recorded) or `closed`. European facilities come first."""
    chosen = list(countries) if countries else None
    rows = cached_rows(
        store, "facility_directory", countries=chosen, facility_type=facility_type, status=status
    )
    return cast(list[ListedFacility], rows)


def city_events(store: Store, *, city_id: str) -> list[Event]:
    """Openings, closures and policy events of one city, oldest first."""
    return cast(list[Event], cached_rows(store, "city_events", city_id=city_id))


def city_related_services(store: Store, *, city_id: str) -> list[RelatedService]:
    """The services of one city that are not consumption rooms, by name, with their sources."""
    return cast(list[RelatedService], cached_rows(store, "city_related_services", city_id=city_id))
