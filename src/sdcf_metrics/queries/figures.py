"""Queries for figures: observations with their place, metric and source (`observation_details`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from ..store import Store
from ..vocabulary import area_scopes, city_scopes
from .results import cached_rows
from .rows import Observation, ReadingExample, StoredObservation


def city_observations(store: Store, *, city_id: str) -> list[Observation]:
    """Every total (no breakdown) of one city or its facilities, by metric, oldest first."""
    return cast(list[Observation], cached_rows(store, "city_observations", city_id=city_id))


def city_breakdowns(store: Store, *, city_id: str) -> list[Observation]:
    """Parts of totals (by sex, age, drug, site...) of one city, by metric and period."""
    return cast(list[Observation], cached_rows(store, "city_breakdowns", city_id=city_id))


def metric_across_cities(store: Store, *, metric_id: str, city_ids: Sequence[str]) -> list[Observation]:
    """One metric's totals for the chosen cities and their facilities, by city, oldest first."""
    rows = cached_rows(store, "metric_across_cities", metric_id=metric_id, city_ids=list(city_ids))
    return cast(list[Observation], rows)


def area_observations(store: Store, *, metric_id: str) -> list[Observation]:
    """One metric's totals for regions, countries and wider areas (every scope that is not a city's)."""
    rows = cached_rows(store, "area_observations", metric_id=metric_id, scopes=list(area_scopes()))
    return cast(list[Observation], rows)


def litter_observations(store: Store, *, metric_ids: Sequence[str]) -> list[Observation]:
    """The totals of the given (needle-litter) metrics for cities and their facilities."""
    return cast(list[Observation], cached_rows(store, "litter_observations", metric_ids=list(metric_ids)))


def observations_by_id(store: Store, *, observation_ids: Sequence[str]) -> list[Observation]:
    """The chosen observations (an empty list gives none): figures an upload repeats or corrects."""
    rows = cached_rows(store, "observations_by_id", observation_ids=list(observation_ids))
    return cast(list[Observation], rows)


def upload_reference_observations(store: Store, *, city_ids: Sequence[str]) -> list[StoredObservation]:
    """The published observations of some cities as stored: what an upload is checked against."""
    rows = cached_rows(store, "upload_reference_observations", city_ids=list(city_ids))
    return cast(list[StoredObservation], rows)


def reading_examples(store: Store) -> list[ReadingExample]:
    """One published figure per kind of period and per way of qualifying a value, for the Methodology
    page; figures about a city or a facility are preferred, and withheld figures never chosen."""
    return cast(list[ReadingExample], cached_rows(store, "reading_examples", city_scopes=list(city_scopes())))
