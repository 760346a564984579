"""What every query's result goes through: the process-level cache, and the reader's language.

Results are kept in a bounded cache (`RESULTS`) per store, query and bound parameters, so a page's rerun
asks DuckDB only for what it has not asked before; a store holding a visitor's upload (`Store.private`) is
never cached. Rows then come back with the data's translations and the reader's way of writing dates.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Any, cast

import pyarrow as pa

from ..cache import ResultCache, store_scope
from ..i18n import DEFAULT_LANGUAGE, current_language
from ..periods import period_label
from ..store import Store
from .rows import Translation


def translations(store: Store) -> list[Translation]:
    """Every translation of data text in the release (none for a release made before they existed)."""
    if "translations" not in store.release.files:
        return []
    return cast(list[Translation], store.query("translations").to_pylist())


_texts_lock = threading.Lock()
_texts: dict[tuple[str, str], dict[tuple[str, str, str], tuple[str, str]]] = {}


def _data_texts(store: Store, language: str) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(table, row id, column) -> (the English translated, the text in `language`), read once per release
    and language."""
    key = (store.data_version, language)
    with _texts_lock:
        cached = _texts.get(key)
    if cached is None:
        cached = {
            (row["table_name"], row["row_id"], row["column_name"]): (row["english"], row["text"])
            for row in translations(store)
            if row["language"] == language
        }
        with _texts_lock:
            _texts[key] = cached
    return cached


# Which column of a row holds which translated text: (row's id column, table, column in the row, column
# translated). A row with `metric_id` and `metric` is an observation; with `label` it is a metric.
_LOCALISED = (
    ("metric_id", "metrics", "metric", "label"),
    ("metric_id", "metrics", "metric_label", "label"),
    ("metric_id", "metrics", "label", "label"),
    ("metric_id", "metrics", "definition", "definition"),
    ("event_id", "events", "label", "label"),
)


def localise(store: Store, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows in the reader's language: translated data text where the data has it, a figure's unit where it
    is its metric's own unit (a source's own unit, such as "overdose situations", stays as the source
    wrote it), the period in the reader's way of writing dates. English rows come back as they are."""
    if current_language() == DEFAULT_LANGUAGE or not rows:
        return rows
    rows = [dict(row) for row in rows]  # the cached rows are shared between readers of every language
    texts = _data_texts(store, current_language())
    first = rows[0]
    targets = [target for target in _LOCALISED if target[0] in first and target[2] in first]
    with_period = "period_label" in first and "period_kind" in first
    with_unit = "metric_id" in first and "unit" in first
    for row in rows:
        for id_column, table, column, translated in targets:
            english, text = texts.get((table, str(row[id_column]), translated), ("", ""))
            if text:
                row[column] = text
        if with_unit:
            english, text = texts.get(("metrics", str(row["metric_id"]), "unit"), ("", ""))
            if text and row["unit"] == english:
                row["unit"] = text
        if with_period:
            row["period_label"] = period_label(row["period_kind"], row["period_start"], row["period_end"])
    return rows


# Not `per_version`: rows are keyed by their store and go with it, and a rollback rebuilds its views from
# them. Dropping them at each publication slowed reruns under load after a rollback and saved no memory
# (the capacity benchmark, measured both ways in issue 11).
RESULTS = ResultCache(max_entries=512, max_bytes=128 * 1024**2)


def _key(store: Store, name: str, params: dict[str, Any], shape: str) -> Hashable:
    frozen = tuple(
        sorted((key, tuple(value) if isinstance(value, list) else value) for key, value in params.items())
    )
    return (store_scope(store), name, frozen, shape)


def cached_table(store: Store, name: str, **params: Any) -> pa.Table:
    """`sql/<name>.sql`'s result, from the cache when the store has already run it with these values."""
    if store.private:
        return store.query(name, **params)
    return RESULTS.get_or_compute(_key(store, name, params, "table"), lambda: store.query(name, **params))


def cached_rows(store: Store, name: str, **params: Any) -> list[Any]:
    """The same as rows (dicts), kept as such (converting is a good part of a small query's time), and
    given to the reader in their language."""
    if store.private:
        return localise(store, store.query(name, **params).to_pylist())
    rows = RESULTS.get_or_compute(
        _key(store, name, params, "rows"), lambda: store.query(name, **params).to_pylist()
    )
    return localise(store, list(rows))


def by_label(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows the SQL ordered by their English label, in the order of their label as the reader reads it."""
    if current_language() == DEFAULT_LANGUAGE:
        return rows
    return sorted(rows, key=lambda row: row["label"].casefold())


def localised_labels(store: Store, table: pa.Table, id_column: str, label_column: str) -> pa.Table:
    """An Arrow result with its metric names in the reader's language (its ids as they are)."""
    if current_language() == DEFAULT_LANGUAGE or table.num_rows == 0:
        return table
    texts = _data_texts(store, current_language())
    labels = [
        texts.get(("metrics", metric_id, "label"), ("", label))[1]
        for metric_id, label in zip(
            table.column(id_column).to_pylist(), table.column(label_column).to_pylist(), strict=True
        )
    ]
    index = table.column_names.index(label_column)
    return table.set_column(index, label_column, pa.array(labels, pa.string()))
