"""What sits beside every chart: its data, its images, a link that reopens the view, an embed, a citation;
and the chart-only view an embed shows.

Every chart of the dashboard goes through `show_chart`, so what sits beside a chart is the same on every
page.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from .. import images
from ..attribution import citation
from ..charts import (
    ChartWords,
    chart_config,
    chart_words,
    drawn_once,
    file_name,
    source_line,
)
from ..datatable import CitedSource, chart_sources
from ..export import XLSX_MIME
from ..i18n import DEFAULT_LANGUAGE, current_language, t
from ..sharing import (
    app_root,
    canonical_params,
    embed_url,
    iframe_snippet,
    static_base_url,
    static_chart_url,
    view_url,
)
from ..store import Store, get_store
from ..untrusted import escape_markdown
from ..views import ChartView
from . import state
from .downloads import chart_downloads
from .frame import CHART_ONLY, LANGUAGE_PARAM, frame_store
from .navigation import PAGES, Page, page_at, url_paths
from .tables import opened_expander, show_table, source_links


def _page_path() -> str:
    """The URL path of the page being viewed ("" for the home page): the page whose script runs, else the
    last part of the address (a page run on its own, as in a test, has no page list)."""
    context = get_script_run_ctx()
    if context is not None:
        script = context.pages_manager.get_pages().get(context.page_script_hash, {}).get("script_path")
        page = next((page for page in PAGES if script and Path(script).name == Path(page.file).name), None)
        if page is not None:
            return page.url_path
    current = st.context.url or ""
    last = current.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return last if page_at(last) else ""


def _links(store: Store, key: str) -> tuple[str, str]:
    root = app_root(st.context.url or "", url_paths())
    page = _page_path()
    params = state.view_params()  # what the view's widgets own: never parameters added by hand
    return view_url(root, page, params), embed_url(root, page, key, store.release.data_version, params)


# Which charts of a page the static copy holds, per page and data version: enumerating them runs the
# page's queries, so it happens once per process and version, and only with SDCF_STATIC_BASE_URL set.
_static_lock = threading.Lock()
_static_charts: dict[tuple[str, str], frozenset[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]]] = {}
_STATIC_CACHE_SIZE = 32


def _in_static_copy(page: Page, store: Store, key: str, params: dict[str, list[str]]) -> bool:
    cache_key = (page.url_path, store.data_version)
    with _static_lock:
        charts = _static_charts.get(cache_key)
    if charts is None:
        listed = page.static_views(store) if page.static_views else ()
        charts = frozenset((chart.key, canonical_params(chart.params)) for chart in listed)
        with _static_lock:
            if len(_static_charts) >= _STATIC_CACHE_SIZE:
                _static_charts.clear()
            _static_charts[cache_key] = charts
    return (key, canonical_params(params)) in charts


def _share_links(store: Store, key: str) -> tuple[str, str]:
    """The link and the embed offered beside a chart: the static copy's page of this chart when
    `SDCF_STATIC_BASE_URL` is set and `publish-static` writes this view (in English, the language it is
    written in), else the dashboard's own."""
    base = static_base_url()
    page = page_at(_page_path())
    params = {name: values for name, values in state.view_params().items() if name != LANGUAGE_PARAM}
    in_english = current_language() == DEFAULT_LANGUAGE
    if base and page is not None and in_english and _in_static_copy(page, store, key, params):
        static = static_chart_url(base, store.data_version, page.url_path, key, params)
        return static, static
    return _links(store, key)


def _draw_figure(
    figure: go.Figure,
    title: str,
    key: str,
    alt: str,
    toolbar: bool,
    sources: Sequence[CitedSource] = (),
    linked: bool = True,
) -> None:
    """The chart as one framed block: its title and subtitle, the plot, then its notes, sources and
    licence, written as text so that they wrap inside the frame at any width (Plotly does not wrap).
    The sources of the chart's data (`linked` unless private) are written once, as links, in place of
    the figure's source line when that line names the same sources.

    With the `toolbar` camera (the browser makes the image), the words stay inside the plot instead, so
    the image it saves carries them; the sources are still written under it.
    """
    words = chart_words(figure) if not toolbar else ChartWords()
    with st.container(border=True, key=f"chart-frame-{key}"):
        if words.title:
            st.markdown(f"**{escape_markdown(words.title)}**  \n{escape_markdown(words.subtitle)}")
        st.plotly_chart(
            drawn_once(figure, words_inside=toolbar),
            config=chart_config(title, toolbar=toolbar),
            key=f"chart:{key}",
            width="stretch",
            theme=None,
            alt=alt,
        )
        _footer(words, sources, linked)


def _footer(words: ChartWords, sources: Sequence[CitedSource], linked: bool) -> None:
    """One caption: the note, the sources and the licence. A figure's own source line stays when it says
    more than its data's sources (the map's outlines), with the linked sources after it."""
    same_sources = words.sources == source_line([source.citation for source in sources])
    lines = (
        escape_markdown(words.note),
        "" if same_sources else escape_markdown(words.sources),
        source_links(sources, linked=linked),
        escape_markdown(words.licence),
    )
    if any(lines):
        st.caption("  \n".join(line for line in lines if line))


def _draw_chart_only(
    figure: go.Figure, title: str, store: Store, key: str, sources: Sequence[CitedSource]
) -> None:
    slot, rest = st.session_state.pop(CHART_ONLY)
    with slot:
        _draw_figure(figure, title, key, title, toolbar=False, sources=sources)
        current = get_store()
        if current.data_version != store.data_version:
            st.caption(
                t(
                    "This chart shows data version {pinned}. Newer data exists ({current}): open the "
                    "dashboard to see it.",
                    pinned=store.data_version,
                    current=current.data_version,
                )
            )
        full_view, _ = _links(store, key)
        st.link_button(t("Explore the full dashboard"), full_view)
    rest.empty()
    st.stop()


def _chart_tools(
    figure: go.Figure, data: pa.Table, title: str, key: str, store: Store, definition: str, private: bool
) -> None:
    """Two buttons under each chart. Download opens a dialog with the chart's data (CSV, Excel) and image
    (PNG, SVG); Share opens one with a link to this view, an embed and a citation.

    A dialog is drawn only in the run that opens it: drawn beside every chart on every rerun, what they
    hold (14 elements a chart) was a third of a chart page's elements, each one a message the server
    sends and the browser lays out again.
    """
    row = st.container(horizontal=True, key=f"chart-tools-{key}")
    if row.button(t("Download"), icon=":material/download:", key=f"download:{key}"):
        st.dialog(t("Download"))(_downloads)(figure, data, title, key, store, definition, private)
    if private:
        row.caption(t("No link or embed: this chart exists only in your browser session."))
    elif row.button(t("Share"), icon=":material/share:", key=f"share:{key}"):
        st.dialog(t("Share"))(_sharing)(title, key, store)


def _downloads(
    figure: go.Figure, data: pa.Table, title: str, key: str, store: Store, definition: str, private: bool
) -> None:
    """The chart's data and images, each made when its button is clicked."""
    st.markdown(f"**{escape_markdown(title)}**")
    base = f"{file_name(title)}-{store.data_version}"
    make_csv, make_xlsx = chart_downloads(data, title, store, definition)
    downloads = [
        (t("Data (CSV)"), make_csv, "csv", "text/csv", ":material/download:"),
        (t("Data (Excel)"), make_xlsx, "xlsx", XLSX_MIME, ":material/download:"),
    ]
    if not images.camera_in_browser():
        # Images are rendered only when asked for (a callable runs on click), then reused; a private
        # chart's image is never kept, so no other visitor can be served it.
        keep = not private
        downloads += [
            (
                t("Image (PNG)"),
                lambda: images.render(figure, "png", keep),
                "png",
                "image/png",
                ":material/image:",
            ),
            (
                t("Image (SVG)"),
                lambda: images.render(figure, "svg", keep),
                "svg",
                "image/svg+xml",
                ":material/image:",
            ),
        ]
    for label, payload, extension, mime, icon in downloads:
        st.download_button(
            label,
            payload,
            f"{base}.{extension}",
            mime,
            key=f"{extension}:{key}",
            on_click="ignore",
            icon=icon,
            width="stretch",
        )
    if len(downloads) == 2:
        st.caption(
            t("Image downloads need Chromium on the server; use the camera icon above the chart instead.")
        )


def _sharing(title: str, key: str, store: Store) -> None:
    """A link to this view, the chart's embed with its data version pinned, and how to cite the data."""
    st.markdown(f"**{escape_markdown(title)}**")
    view_link, embed_link = _share_links(store, key)
    st.caption(t("Link to this view"))
    st.code(view_link, language=None)
    st.caption(t("Embed this chart (the data version is pinned)"))
    st.code(iframe_snippet(embed_link, title), language="html")
    st.caption(t("How to cite"))
    st.code(citation(store.release.data_version, store.release.published_on), language=None)


def show_chart(
    figure: go.Figure,
    data: pa.Table,
    title: str,
    key: str,
    summary: str = "",
    definition: str = "",
    private: bool = False,
) -> None:
    """Draw a chart, its tools and its text alternative: a generated sentence and the plotted rows.

    Every chart of the dashboard goes through here, so what sits beside a chart (its data, its
    downloads, its link, its embed) is the same on every page. `data` is exactly what is plotted, and
    is what the data downloads contain. A `private` chart (a preview of a visitor's upload) offers no
    link or embed, which could not reopen it, and its images are rendered on request and never kept in
    the cache every visitor shares; it is never drawn in chart-only mode.
    """
    store = frame_store()
    if CHART_ONLY in st.session_state:
        if not private and st.query_params.get("chart") == key:
            _draw_chart_only(figure, title, store, key, chart_sources(data))
        return
    toolbar = images.camera_in_browser()
    _draw_figure(figure, title, key, summary or title, toolbar, chart_sources(data), linked=not private)
    if summary:
        st.text(summary)
    _chart_tools(figure, data, title, key, store, definition, private)
    _data_behind(data, key, private)


def _data_behind(data: pa.Table, key: str, private: bool) -> None:
    with opened_expander(t("Data behind this chart ({rows} rows)", rows=data.num_rows), key=key) as opened:
        if opened and private:
            st.dataframe(data, hide_index=True, width="stretch", key=f"table:{key}")
        elif opened:
            show_table(data, key=f"table:{key}")


def show_view(view: ChartView) -> None:
    """Draw one of the charts `views` builds, as `show_chart` does."""
    show_chart(view.figure, view.table, view.title, view.key, summary=view.summary)
