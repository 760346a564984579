"""The shared frame every page starts with: page config, sidebar, data banner and attribution.

Pages are Streamlit's folder-based multipage scripts; any of them can be the first request after a
server start (a shared link), so each calls `page_frame()` before anything else.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from . import images, paths
from .attribution import DATA_LICENCE_NOTE, citation, release_line
from .charts import chart_config, file_name
from .export import to_csv_bytes, to_xlsx_bytes
from .i18n import t
from .release import DataUnavailable
from .sharing import CHART_PARAMS, app_root, embed_url, iframe_snippet, view_url
from .store import Store, get_store
from .untrusted import escape_markdown

APP_TITLE = "SDCF evidence"
DATA_PAGE = "pages/5_Data_and_sources.py"
_CHART_ONLY = "frame:chart-only"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The sidebar menu: Streamlit's own would call the home page "app" and cannot be translated.
NAVIGATION = (
    ("app.py", "Overview", ":material/home:"),
    ("pages/1_City_trends.py", "City trends", ":material/show_chart:"),
    ("pages/2_Compare_cities.py", "Compare cities", ":material/compare_arrows:"),
    ("pages/3_Needle_litter.py", "Needle litter", ":material/cleaning_services:"),
    ("pages/4_Facilities.py", "Facilities", ":material/map:"),
    ("pages/5_Data_and_sources.py", "Data and sources", ":material/table_view:"),
    ("pages/6_Methodology.py", "Methodology", ":material/menu_book:"),
    ("pages/7_Your_city.py", "Your city", ":material/upload_file:"),
)
COVERAGE_VIEW = {"view": "coverage"}  # opens the Data page on its cities x metrics coverage table


def page_frame(page_title: str) -> Store:
    """Configure the page and return the store; show a clear banner and stop if the data is unavailable."""
    st.set_page_config(page_title=f"{page_title} · {t(APP_TITLE)}", page_icon="📊", layout="wide")
    try:
        store = get_store(version=st.query_params.get("v"))
    except DataUnavailable:
        st.error(
            t(
                "The published data could not be opened. Nothing is shown rather than something wrong. "
                "A steward can rebuild it with `sdcf-metrics build`."
            )
        )
        st.stop()
    st.session_state.pop(_CHART_ONLY, None)
    if st.query_params.get("chart"):
        _enter_chart_only_mode()
        return store
    with st.sidebar:
        if _served_from_home_page():
            for page, label, icon in NAVIGATION:
                st.page_link(page, label=t(label), icon=icon)
            st.divider()
        st.caption(t("Evidence on supervised drug consumption facilities in European cities."))
        st.caption(
            t(
                "Data version {version}, published {date}.",
                version=store.release.data_version,
                date=store.release.published_on,
            )
        )
        with st.expander(t("Licence and how to cite")):
            st.caption(t(DATA_LICENCE_NOTE))
            st.code(citation(store.release.data_version, store.release.published_on), language=None)
    return store


def _served_from_home_page() -> bool:
    """True when the app runs as `streamlit run app.py`; a page run on its own (a test) has no menu."""
    context = get_script_run_ctx()
    return context is not None and Path(context.main_script_path).name == "app.py"


def _enter_chart_only_mode() -> None:
    """Chart-only view for embeds: the page runs as usual, but into a placeholder that is cleared.

    The requested chart is drawn into a slot above it by `show_chart`, which then clears the rest and
    stops the run. Any chart of any page can thus be embedded, from the same code that draws the page.
    """
    slot = st.container()
    rest = st.empty()
    st.session_state[_CHART_ONLY] = (slot, rest)
    rest.container().__enter__()


def _page_path() -> str:
    """The URL path of the page being viewed ("" for the home page)."""
    current = st.context.url or ""
    last = current.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return last if last in page_paths() else ""


def page_paths() -> list[str]:
    """URL paths of the folder-based pages: `pages/3_Needle_litter.py` -> `Needle_litter`."""
    return [path.stem.split("_", 1)[1] for path in sorted(Path(paths.PROJECT_ROOT, "pages").glob("*.py"))]


def current_view_params() -> dict[str, list[str]]:
    """The selections of this view, as they stand in the URL (embed parameters left out)."""
    return {key: st.query_params.get_all(key) for key in st.query_params if key not in CHART_PARAMS}


def _links(store: Store, key: str) -> tuple[str, str]:
    root = app_root(st.context.url or "", page_paths())
    page = _page_path()
    params = current_view_params()
    return view_url(root, page, params), embed_url(root, page, key, store.release.data_version, params)


def _draw_chart_only(figure: go.Figure, title: str, store: Store, key: str) -> None:
    slot, rest = st.session_state.pop(_CHART_ONLY)
    with slot:
        st.plotly_chart(figure, config=chart_config(title), key=f"chart:{key}", theme=None, alt=title)
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


def chart_downloads(data: pa.Table, title: str, store: Store, definition: str = "") -> tuple[bytes, bytes]:
    """The plotted rows as CSV and as XLSX with an "About" sheet: sources, definition, licence, version."""
    release = store.release
    sources = (
        sorted({str(value) for value in data.column(t("Source")).to_pylist() if value})
        if (t("Source") in data.column_names)
        else []
    )
    about = [
        (t("Chart"), title),
        (t("Definition"), definition),
        (t("Sources"), "; ".join(sources)),
        (t("Licence"), t(DATA_LICENCE_NOTE)),
        (t("Data version"), release_line(release.data_version, release.published_on)),
        (t("How to cite"), citation(release.data_version, release.published_on)),
    ]
    return to_csv_bytes(data), to_xlsx_bytes(data, [(field, text) for field, text in about if text])


def _chart_tools(
    figure: go.Figure, data: pa.Table, title: str, key: str, store: Store, definition: str, private: bool
) -> None:
    """Downloads and sharing beside each chart: data, images, a link to this view, an embed, a citation."""
    base = f"{file_name(title)}-{store.data_version}"
    csv_bytes, xlsx_bytes = chart_downloads(data, title, store, definition)
    downloads = [
        (t("Data (CSV)"), csv_bytes, "csv", "text/csv", ":material/download:"),
        (t("Data (Excel)"), xlsx_bytes, "xlsx", XLSX_MIME, ":material/download:"),
    ]
    if not private and images.browser_path():
        # Images are rendered only when asked for (a callable runs on click), then reused.
        downloads += [
            (t("Image (PNG)"), lambda: images.render(figure, "png"), "png", "image/png", ":material/image:"),
            (
                t("Image (SVG)"),
                lambda: images.render(figure, "svg"),
                "svg",
                "image/svg+xml",
                ":material/image:",
            ),
        ]
    columns = st.columns(5)
    for column, (label, payload, extension, mime, icon) in zip(columns, downloads, strict=False):
        column.download_button(
            label,
            payload,
            f"{base}.{extension}",
            mime,
            key=f"{extension}:{key}",
            on_click="ignore",
            icon=icon,
        )
    if private:
        columns[2].caption(t("Images: use the camera icon above the chart; they are made in your browser."))
        columns[4].caption(t("No link or embed: this chart exists only in your browser session."))
        return
    if len(downloads) == 2:
        columns[2].caption(
            t("Image downloads need Chromium on the server; use the camera icon above the chart instead.")
        )
    view_link, embed_link = _links(store, key)
    with columns[4].popover(t("Share"), icon=":material/share:"):
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
    link or embed, which could not reopen it, and no server-side image, whose renderer and cache are
    shared by every visitor; it is never drawn in chart-only mode.
    """
    store = get_store(version=st.query_params.get("v"))
    if _CHART_ONLY in st.session_state:
        if not private and st.query_params.get("chart") == key:
            _draw_chart_only(figure, title, store, key)
        return
    st.plotly_chart(
        figure,
        config=chart_config(title),
        key=f"chart:{key}",
        width="stretch",
        theme=None,
        alt=summary or title,
    )
    if summary:
        st.text(summary)
    _chart_tools(figure, data, title, key, store, definition, private)
    with st.expander(t("Data behind this chart ({rows} rows)", rows=data.num_rows)):
        st.dataframe(data.to_pandas(), hide_index=True, width="stretch", key=f"table:{key}")


def no_data(what: str) -> None:
    """Say plainly that there is no sourced figure, and point to the coverage table."""
    st.info(t("No sourced figure for {what}.", what=escape_markdown(what)))
    st.page_link(
        DATA_PAGE,
        label=t("See what the dataset covers"),
        icon=":material/table_view:",
        query_params=COVERAGE_VIEW,
    )
