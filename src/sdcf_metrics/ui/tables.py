"""Tables and source lines as readers see them: every source's web address one click away, in a new tab.

Links are not requests: nothing is loaded from a source's site until a reader clicks. Streamlit opens
Markdown links and link columns in a new tab with `rel="noopener noreferrer"` (window.open with
`noopener,noreferrer` for a table cell), and only http and https addresses become links
(`untrusted.web_address`); a citation or any other address stays text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import streamlit as st

from ..cache import DerivedOnce, ResultCache, content_digest, store_scope, value_digest
from ..datatable import LINK_DISPLAY, CitedSource, with_links
from ..i18n import current_language, format_number, t
from ..store import Store
from ..untrusted import escape_markdown, escape_markdown_table, markdown_link

# A chart's source line names this many sources; the rest are in the data behind the chart.
SOURCES_SHOWN = 6
OPENED = "opened:"  # the session-state key of an `opened_expander`, before its own


@contextmanager
def opened_expander(label: str, key: str, icon: str | None = None, expanded: bool = False) -> Iterator[bool]:
    """An expander, drawn into inside the `with`, that says whether a reader has opened it: what it holds
    is drawn only then, and while it stays open (`expanded`: open until a reader closes it). A data grid in
    every closed expander was most of what a chart page sent and the browser laid out again on each change
    of a filter; opening one reruns the page once."""
    expander = st.expander(label, expanded=expanded, key=f"{OPENED}{key}", icon=icon, on_change="rerun")
    with expander:
        yield bool(expander.open)


def show_table(
    data: pa.Table | pd.DataFrame,
    *,
    key: str | None = None,
    height: int | Literal["auto"] = "auto",
    placeholder: str | None = None,
    column_config: Mapping[str, Any] | None = None,
) -> None:
    """`st.dataframe` of a table whose source-address columns are links (the site's name shown), and
    `placeholder` in its empty cells. It is sent as Arrow, made once per content (an Arrow table) or per
    frame (a shared pandas frame): the same rows are drawn on every rerun, and converting a frame again
    each time was a tenth of a rerun of the coverage view."""
    if isinstance(data, pa.Table):
        frame, linked = linked_table(data)
    else:  # a shared frame (`datatable.display_frame`) is linked once; one of this run's, for this run
        frame, linked = _LINKED_FRAMES.get(data, current_language(), lambda: _arrow(with_links(data)))
    config: dict[str, Any] = {
        name: st.column_config.LinkColumn(
            display_text=LINK_DISPLAY, help=t("Opens the source in a new tab"), width="medium"
        )
        for name in linked
    }
    config.update(column_config or {})
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=height,
        key=key,
        placeholder=placeholder,
        column_config=config,
    )


# Room for the table of every view `ui.warm_up` prepares (about 300, a few KB each) and the pages' others.
LINKED_TABLES = ResultCache(max_entries=1024, max_bytes=32 * 1024**2)


_LINKED_FRAMES = DerivedOnce()


def linked_table(table: pa.Table) -> tuple[pa.Table, list[str]]:
    """`with_links` of the table, back in Arrow, which `st.dataframe` sends without converting again; made
    once per content and language."""
    return LINKED_TABLES.get_or_compute(
        (current_language(), content_digest(table)), lambda: _arrow(with_links(table.to_pandas()))
    )


def _arrow(linked: tuple[pd.DataFrame, list[str]]) -> tuple[pa.Table, list[str]]:
    frame, columns = linked
    return pa.Table.from_pandas(frame, preserve_index=False), columns


# Escaped tables, made once per content and kept in Arrow, which `st.table` sends without converting
# again: the same few tables are shown on every rerun of a page.
ESCAPED_TABLES = ResultCache(max_entries=64, max_bytes=32 * 1024**2)


def _escaped(
    build: Callable[..., pd.DataFrame], args: tuple[Any, ...], links: Mapping[str, str] | None
) -> pa.Table:
    return pa.Table.from_pandas(escape_markdown_table(build(*args), links), preserve_index=False)


def show_text_table(
    build: Callable[..., pd.DataFrame],
    *args: Any,
    links: Mapping[str, str] | None = None,
    of_store: Store | None = None,
) -> None:
    """`st.table` of `build(*args)` with every cell escaped (`st.table` renders Markdown), made once for
    the same builder and arguments; `links` as `untrusted.escape_markdown_table` takes them.

    When `args` are what a store's queries give in the reader's language and nothing else, pass the store
    as `of_store`: the table is then kept for that store, not by a digest of the rows' values, which for
    the 17 rows of the Methodology's examples took 0.2 ms of every rerun.
    """
    if of_store is None:
        table = ESCAPED_TABLES.once(_escaped, build, args, links)
    else:
        name = f"{build.__module__}.{build.__qualname__}"
        key = (store_scope(of_store), name, current_language(), value_digest(links))
        table = ESCAPED_TABLES.get_or_compute(key, lambda: _escaped(build, args, links))
    st.table(table, hide_index=True)


def source_links(sources: Sequence[CitedSource], *, linked: bool = True, shown: int = SOURCES_SHOWN) -> str:
    """`Source: [Publisher, “Title”](address)`; sources beyond `shown` are counted, not listed. Without
    `linked`, every source is text (a visitor's own file is not turned into links)."""
    if not sources:
        return ""
    label = t("Source") if len(sources) == 1 else t("Sources")
    parts = [markdown_link(source.citation, source.address if linked else None) for source in sources[:shown]]
    if len(sources) > shown:
        parts.append(
            t("and {count} more in the data behind this chart", count=format_number(len(sources) - shown))
        )
    return f"{escape_markdown(label)}: " + " · ".join(parts)


def tile_source(title: str, address: str | None, kind: str = "") -> str:
    """`Source: [Title](address) (service or annual report)` under a figure tile: the source one click
    away and how strong it is."""
    line = t("Source: {title}", title=markdown_link(title, address))
    return f"{line} ({escape_markdown(kind)})" if kind else line
