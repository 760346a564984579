"""The dataset as it leaves the site: the Data page's table and every export, narrowed by the visitor."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import pyarrow as pa

from ..i18n import t
from ..store import Store
from .results import cached_table, localised_labels

SEARCH_MAX_LENGTH = 200
# Rows a screen of the Data page holds: the grid scrolls within a page, and a page is all one query fetches,
# so the table opens as fast at a hundred million rows as at a thousand (docs/benchmarks.md).
PAGE_ROWS = 1_000
_LIKE_SPECIAL = ("\\", "%", "_")


@dataclass(frozen=True)
class TableFilter:
    """What the visitor narrowed the dataset to; an empty tuple means "no filter" on that column."""

    search: str = ""
    city_ids: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    metric_ids: tuple[str, ...] = ()
    period_kinds: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()

    @property
    def is_everything(self) -> bool:
        """True when nothing narrows the table."""
        return not self.search.strip() and not any(
            getattr(self, field.name) for field in fields(self) if field.name != "search"
        )

    def query_params(self) -> dict[str, Any]:
        """The bound parameters of the filter (`chosen_dataset_rows` in `views.sql`): escaped search text,
        lists or NULL."""
        return {
            "search": like_escape(self.search.strip()[:SEARCH_MAX_LENGTH]),
            "city_ids": list(self.city_ids) or None,
            "countries": list(self.countries) or None,
            "metric_ids": list(self.metric_ids) or None,
            "period_kinds": list(self.period_kinds) or None,
            "scopes": list(self.scopes) or None,
        }

    def describe(self) -> str:
        """The selection in words, for the About sheet of a download of these rows."""
        parts = [t("search “{text}”", text=self.search.strip())] if self.search.strip() else []
        named = (
            (t("cities"), self.city_ids),
            (t("countries and areas"), self.countries),
            (t("metrics"), self.metric_ids),
            (t("period kinds"), self.period_kinds),
            (t("scopes"), self.scopes),
        )
        parts.extend(f"{name}: {', '.join(values)}" for name, values in named if values)
        return "; ".join(parts) or t("all figures")


EVERYTHING = TableFilter()


def like_escape(text: str) -> str:
    """Make LIKE's wildcards (`%`, `_`) and its escape character literal, for `ESCAPE '\\'`."""
    for special in _LIKE_SPECIAL:
        text = text.replace(special, "\\" + special)
    return text


def observation_table(
    store: Store, *, selection: TableFilter = EVERYTHING, page: int | None = None
) -> pa.Table:
    """The dataset's rows that pass `selection`, as every export and the Data page give them (the columns
    `datatable.COLUMN_DEFINITIONS` explains): cities A to Z, then countries and wider areas; within a place
    by metric, oldest first. The command-line export and the page's downloads both come from here, so they
    agree. `page` (from 1) gives that page of `PAGE_ROWS` rows, which is all a screen shows; None, all."""
    limit, offset = (None, 0) if page is None else (PAGE_ROWS, first_row_of(page) - 1)
    rows = cached_table(store, "observation_table", **selection.query_params(), limit=limit, offset=offset)
    return localised_labels(store, rows, "metric", "metric_label")


def observation_count(store: Store, *, selection: TableFilter = EVERYTHING) -> int:
    """How many of the dataset's rows pass `selection`, without fetching them."""
    return cached_table(store, "observation_count", **selection.query_params()).column("figures")[0].as_py()


def page_count(rows: int) -> int:
    """The pages `rows` rows fill, `PAGE_ROWS` a page; one when there are none."""
    return max(1, -(-rows // PAGE_ROWS))


def first_row_of(page: int) -> int:
    """The number (from 1) of the first row on `page`, as a reader counts rows."""
    return (max(page, 1) - 1) * PAGE_ROWS + 1


def dataset_countries(store: Store) -> list[str]:
    """The countries and areas the dataset's figures are about, A to Z: the Data page's filter options."""
    return cached_table(store, "dataset_countries").column("country").to_pylist()
