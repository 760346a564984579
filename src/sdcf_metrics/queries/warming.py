"""Every city's queries run once in the background, so a visitor going from city to city finds them ready."""

from __future__ import annotations

import atexit
import logging
import threading
import weakref

import duckdb

from ..store import Store
from .figures import city_breakdowns, city_observations
from .places import cities, city_events, city_related_services
from .results import RESULTS

_warmed: weakref.WeakSet[Store] = weakref.WeakSet()
_warming_lock = threading.Lock()
_warming: list[threading.Thread] = []
_stop_warming = threading.Event()
_log = logging.getLogger(__name__)


def warm_up(store: Store) -> None:
    """Run every city's queries (its totals, parts, events and services) once, in a background thread, so
    a visitor going from city to city finds them ready; once per store, as many cities as the cache holds.

    A council meeting clicks through many cities; each new city would otherwise wait for four queries.
    """
    if store.private:
        return
    with _warming_lock:
        if store in _warmed or _stop_warming.is_set():
            return
        _warmed.add(store)
        _warming[:] = [thread for thread in _warming if thread.is_alive()]
        thread = threading.Thread(target=_warm, args=(store,), name="sdcf-warm-up", daemon=True)
        _warming.append(thread)
    thread.start()


def _warm(store: Store) -> None:
    per_city = (city_observations, city_breakdowns, city_events, city_related_services)
    try:
        for city in cities(store)[: RESULTS.max_entries // (2 * len(per_city))]:
            for query in per_city:
                if _stop_warming.is_set():
                    return
                query(store, city_id=city["city_id"])
    except duckdb.Error as error:  # a store closed or a version withdrawn meanwhile: nothing to warm
        _log.info("warm-up of data version %s stopped: %s", store.data_version, error)


@atexit.register
def _end_warming() -> None:
    """Stop warming before the interpreter exits: DuckDB aborts the process if a query is cut short."""
    _stop_warming.set()
    with _warming_lock:
        running = list(_warming)
    for thread in running:
        thread.join()
