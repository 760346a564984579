"""What the pages open on, made ready in the background when a data version is first opened.

A council meeting clicks through many cities; each city seen for the first time would otherwise wait for
its queries and for its chart to be built (about ten times a rerun of a city seen before). So once per
store, a background thread runs every city's queries, then builds every view a share link can name (the
views `publish-static` writes: each city and metric, each preset, in the default language), as drawn,
into the process-level caches. After each view it sleeps as long as the view took, so it uses at most half
of the interpreter and a visitor's run is never kept waiting long behind it. A publish starts it again for
the new version, and the warm-up of the version it replaced stops; the replaced version's views are
dropped (`cache.version_replaced`), so the new version's take their place in memory. What a finished
warm-up made ready is set out of the garbage collector's sight (`cache.keep_ready_out_of_collections`).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref

import duckdb

from .. import images, queries
from ..cache import generation, keep_ready_out_of_collections
from ..charts import drawn_once
from ..store import Store, is_current
from ..views import ChartView
from .navigation import PAGES
from .tables import linked_table

# Each store warmed, with the cache generation it was warmed in (`cache.generation`).
_warmed: weakref.WeakKeyDictionary[Store, int] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_threads: list[threading.Thread] = []
_stop = threading.Event()
_log = logging.getLogger(__name__)


def warm_up(store: Store) -> None:
    """Start making the store's queries and views ready, once per store, for the current version only:
    never for a visitor's upload or a version an embed pins. A version made current again (a rollback)
    is warmed again: its views were dropped when it was replaced."""
    if store.private or not is_current(store):
        return
    with _lock:
        if _warmed.get(store) == generation() or _stop.is_set():
            return
        _warmed[store] = generation()
        _threads[:] = [thread for thread in _threads if thread.is_alive()]
        thread = threading.Thread(target=_warm, args=(store,), name="sdcf-warm-up", daemon=True)
        _threads.append(thread)
    thread.start()


def wait_for_warm_up(timeout_s: float) -> bool:
    """Wait for every warm-up under way; False if one is still running after `timeout_s` (benchmarks
    measure a server that has started, not one still making its caches)."""
    deadline = time.monotonic() + timeout_s
    with _lock:
        running = list(_threads)
    for thread in running:
        thread.join(max(0.0, deadline - time.monotonic()))
    return not any(thread.is_alive() for thread in running)


def _warm(store: Store) -> None:
    per_city = (
        queries.city_observations,
        queries.city_breakdowns,
        queries.city_events,
        queries.city_related_services,
    )
    try:
        for city in queries.cities(store)[: queries.RESULTS.max_entries // (2 * len(per_city))]:
            for query in per_city:
                if _given_up(store):
                    return
                query(store, city_id=city["city_id"])
        for page in PAGES:
            for embeddable in page.static_views(store) if page.static_views else ():
                if _given_up(store):
                    return
                started = time.monotonic()
                _prepare(embeddable.build())
                time.sleep(time.monotonic() - started)
        keep_ready_out_of_collections()
    except duckdb.Error as error:  # a store closed or a version withdrawn meanwhile: nothing to warm
        _log.info("warm-up of data version %s stopped: %s", store.data_version, error)


def _given_up(store: Store) -> bool:
    """Stop when the interpreter exits, or once a newer version is published and opened: views of a
    version no visitor will open again would only take time from the ones who wait."""
    return _stop.is_set() or not is_current(store)


def _prepare(view: ChartView) -> None:
    """What drawing a view derives from it, made too: the figure as drawn, the dict of it that Streamlit
    sends, and its linked data table."""
    drawn_once(view.figure, words_inside=images.camera_in_browser()).to_dict()
    linked_table(view.table)


@atexit.register
def _end_warming() -> None:
    """Stop warming before the interpreter exits: DuckDB aborts the process if a query is cut short."""
    _stop.set()
    with _lock:
        running = list(_threads)
    for thread in running:
        thread.join()
