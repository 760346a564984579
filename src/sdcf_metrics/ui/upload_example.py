"""The Your city page's example: the template's rows checked and previewed as an upload would be.

The example is the same for every visitor of one data version on one day in one language, and nothing
of it comes from a visitor, so it is checked once and its store (the published data with the example's
rows) is kept and shared, its query results cached like the published store's, and the tables of its
figures kept like its charts (`example_table`). A visitor's own file never comes here: it is checked on
each run and queried through a store of its own that lasts one run.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import ParamSpec

import pyarrow as pa

from ..cache import ResultCache
from ..i18n import current_language
from ..pipeline.template import template_csv
from ..pipeline.upload.preview import UploadPreview, preview_upload
from ..store import Store
from ..your_city import EXAMPLE_FILE

P = ParamSpec("P")


@dataclass(frozen=True)
class UploadExample:
    """The example's preview, and the store to query it through (None when no row of it passes)."""

    day: date
    language: str
    preview: UploadPreview
    store: Store | None


_lock = threading.Lock()
_examples: weakref.WeakKeyDictionary[Store, dict[str, UploadExample]] = weakref.WeakKeyDictionary()


def upload_example(store: Store) -> UploadExample:
    """The template's example checked against `store`'s data today (a date decides what is in the
    future), made once per published store, day and language (its messages are in the reader's). Shared:
    read it, never change it."""
    today, language = date.today(), current_language()
    with _lock:
        kept = _examples.get(store, {}).get(language)
    if kept is not None and kept.day == today:
        return kept
    preview = preview_upload(template_csv(), EXAMPLE_FILE, store, today)
    combined = None
    if preview.has_preview:
        combined = store.with_upload(preview.tables, preview.replaced_observation_ids)
        combined.private = False  # the template's example holds nothing of any visitor's
    made = UploadExample(today, language, preview, combined)
    with _lock:
        # A day's example replaces the day before's, whose store closes once no run uses it any more.
        _examples.setdefault(store, {})[language] = made
    return made


# The example's tables for each figure, comparison and period a visitor can choose, in a few languages.
EXAMPLE_TABLES = ResultCache(max_entries=256, max_bytes=8 * 1024**2, per_version=True)


def example_table(builder: Callable[P, pa.Table], /, *args: P.args, **kwargs: P.kwargs) -> pa.Table:
    """`builder(*args, **kwargs)`, a table of the example's figures, made once for the same arguments and
    language, as `charts.built_once` makes its charts: building the tables beside its charts again was
    a twentieth of each rerun of the page (0.8 ms of 15.3). Never for a visitor's own figures."""
    return EXAMPLE_TABLES.once(builder, *args, **kwargs)
