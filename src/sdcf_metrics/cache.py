"""A bounded, process-level cache of derived results: what every rerun of a page would otherwise redo.

Streamlit's own caches (`st.cache_data`, `st.cache_resource`) can be cleared by any visitor, so what the
pages need on each rerun is kept here, in plain process objects no visitor can reach. A cache is bounded
by its number of entries and by the approximate size of what it holds; the least recently used entry
goes first, and a result larger than the whole budget is returned without being kept. It is safe to
share between Streamlit's script threads: the bookkeeping is locked, while results are computed outside
the lock (two threads missing the same key at once may both compute it; the results are equal).

Results belong to a scope. `store_scope` makes a store's own scope: a new data version opens a new store
(`store.get_store`), so it never sees an older version's results, and a store that has been closed and
dropped takes its entries with it. A cache made `per_version` (views, figures) is emptied when another
version becomes current (`version_replaced`): the replaced version's entries would otherwise stay beside
the new one's until the bound pushed them out, and the process would keep the memory of both. Query
results are small and stay, so that a rollback rebuilds its views without querying again.
"""

from __future__ import annotations

import gc
import hashlib
import io
import pickle
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from itertools import count
from typing import Any, ParamSpec, TypeVar

import pyarrow as pa

from .i18n import current_language

T = TypeVar("T")
P = ParamSpec("P")

_CONTAINERS = (list, tuple, set, frozenset)


def approximate_size(value: object) -> int:
    """The bytes a result holds, roughly: Arrow buffers as Arrow counts them, Python objects as
    `sys.getsizeof` counts them, containers with their contents."""
    if isinstance(value, pa.Table | pa.RecordBatch | pa.Array | pa.ChunkedArray):
        return int(value.nbytes)
    size = sys.getsizeof(value)
    if isinstance(value, Mapping):
        return size + sum(approximate_size(key) + approximate_size(item) for key, item in value.items())
    if isinstance(value, _CONTAINERS):
        return size + sum(approximate_size(item) for item in value)
    return size


def content_digest(table: pa.Table) -> str:
    """A digest of a table's schema and rows (its Arrow stream): equal tables, made anew on each rerun,
    share one key. Cheaper than what is derived from them, and no pickling of Python rows. A table kept in
    a cache (a query's result) is digested once: the same object comes back on every rerun, and an Arrow
    table never changes."""
    return _DIGESTS.get(table, "content", lambda: _stream_digest(table))


def _stream_digest(table: pa.Table) -> str:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.blake2b(memoryview(sink.getvalue())).hexdigest()


def value_digest(value: object) -> str:
    """A digest of `value` pickled without pickle's memo, so it depends on the values alone.

    With the memo, an object met twice is written once and then referred to, so two equal arguments
    pickle differently when one shares a string between two of its parts and the other holds two equal
    copies. A page's city ids come from its URL while the warm-up's come from the data, so a page then
    missed the views the warm-up had made for it (8 of Compare cities' 13 figures). Without the memo, a
    cyclic value raises `ValueError` rather than recursing.
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(value)
    return hashlib.blake2b(buffer.getbuffer()).hexdigest()


@dataclass(frozen=True)
class CacheStats:
    """What a cache holds and how it has been used since it was made."""

    entries: int
    bytes: int
    hits: int
    misses: int


class ResultCache:
    """Results by key, least recently used first out, within `max_entries` and `max_bytes`."""

    def __init__(
        self,
        max_entries: int,
        max_bytes: int,
        size: Callable[[Any], int] = approximate_size,
        *,
        per_version: bool = False,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.per_version = per_version
        self._size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._hits = 0
        self._misses = 0
        _caches.add(self)

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The result kept under `key`, or `compute()`'s, kept if it fits."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self._hits += 1
                return entry[0]
            self._misses += 1
        result = compute()
        result_size = self._size(result)
        if result_size > self.max_bytes:
            return result
        with self._lock:
            if key in self._entries:
                return self._entries[key][0]  # another thread kept it meanwhile
            self._entries[key] = (result, result_size)
            self._bytes += result_size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
        return result

    def once(self, builder: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`builder(*args, **kwargs)`, made once for the same builder, arguments and reader's language.

        The key is the builder's name, the language its words are in and a digest of its arguments'
        values (`value_digest`), so a result is reused only for exactly the same data, options and
        language; pass the data version among them where the result shows it.
        """
        name = f"{builder.__module__}.{builder.__qualname__}"
        key = (name, current_language(), value_digest((args, kwargs)))
        return self.get_or_compute(key, lambda: builder(*args, **kwargs))

    def discard(self, matches: Callable[[Hashable], bool]) -> None:
        """Drop every entry whose key `matches`."""
        with self._lock:
            for key in [key for key in self._entries if matches(key)]:
                self._bytes -= self._entries.pop(key)[1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(len(self._entries), self._bytes, self._hits, self._misses)


class DerivedOnce:
    """What is derived from a shared object (a figure from `FIGURES`, a cached query result), made once per
    object and dropped when the object is collected.

    The object itself is the key, by identity: nothing is pickled or hashed per rerun, which is the point
    for a figure drawn on every rerun of every session. What is derived from an object of one run only (a
    chart of a visitor's upload) goes with that object at the end of the run.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: dict[tuple[int, str], Any] = {}
        self._watched: set[int] = set()

    def get(self, source: object, name: str, derive: Callable[[], T]) -> T:
        """`derive()`, made once for `source` under `name`."""
        key = (id(source), name)
        with self._lock:
            if key in self._results:
                return self._results[key]
        result = derive()
        with self._lock:
            if id(source) not in self._watched:
                self._watched.add(id(source))
                weakref.finalize(source, self._forget, id(source))
            return self._results.setdefault(key, result)

    def __len__(self) -> int:
        with self._lock:
            return len(self._results)

    def _forget(self, source_id: int) -> None:
        with self._lock:
            self._watched.discard(source_id)
            for key in [key for key in self._results if key[0] == source_id]:
                del self._results[key]


_DIGESTS = DerivedOnce()


@dataclass(frozen=True)
class StoreScope:
    """One store's share of the caches: the store's own number and the data version it serves."""

    number: int
    data_version: str


_caches: weakref.WeakSet[ResultCache] = weakref.WeakSet()
_scopes: weakref.WeakKeyDictionary[Any, StoreScope] = weakref.WeakKeyDictionary()
_scopes_lock = threading.Lock()
_numbers = count()


_generation = 0


def version_replaced() -> None:
    """Another data version has become current: empty every `per_version` cache, so that the new
    version's views take the place of the old one's in memory rather than growing beside them. A version
    an embed pins, or one made current again by a rollback, builds its own again.

    Figures hold reference cycles, which only a full collection frees; the server does not collect after
    each run (`runner.postScriptGC`), so one is made here, once per publication, before the new version's
    views are built into the memory the old ones held."""
    global _generation
    for cache in list(_caches):
        if cache.per_version:
            cache.clear()
    gc.unfreeze()  # what `keep_ready_out_of_collections` set aside may now be garbage
    gc.collect()
    with _scopes_lock:
        _generation += 1


def keep_ready_out_of_collections() -> None:
    """Set what the process holds now out of the garbage collector's sight (`gc.freeze`): once the views
    are ready (`ui.warm_up`), over 400,000 objects that every full collection went through, pausing every
    session for 160-270 ms about every ten seconds of use. Called when a warm-up ends, after one last full
    collection, so that no garbage is set aside with them; `version_replaced` hands them back to the
    collector before the replaced version's views are dropped."""
    gc.collect()
    gc.freeze()


def generation() -> int:
    """How many times a version has been replaced in this process: what was made ready before the last
    replacement (`ui.warm_up`) has been dropped since."""
    with _scopes_lock:
        return _generation


def store_scope(store: Any) -> StoreScope:
    """The scope of one store's results, to lead the keys of its entries in any cache.

    It is the store's for as long as the store exists; when the store is collected, the entries its
    scope leads are dropped from every cache.
    """
    with _scopes_lock:
        scope = _scopes.get(store)
        if scope is None:
            scope = _scopes[store] = StoreScope(next(_numbers), store.data_version)
            weakref.finalize(store, _forget, scope)
    return scope


def _forget(scope: StoreScope) -> None:
    for cache in list(_caches):
        cache.discard(lambda key: isinstance(key, tuple) and bool(key) and key[0] == scope)
