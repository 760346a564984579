"""The shared frame every page starts with: page config, sidebar menu, data banner and attribution.

Pages are Streamlit's folder-based multipage scripts; any of them can be the first request after a
server start (a shared link), so each calls `page_frame()` before anything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ..attribution import DATA_LICENCE_NOTE, citation
from ..i18n import t
from ..release import DataUnavailable
from ..store import Store, get_store
from ..untrusted import escape_markdown
from .navigation import DATA_AND_SOURCES, OVERVIEW, PAGES, Page

APP_TITLE = "SDCF evidence"
# Set while a chart-only view (an embed) runs: `chart_tools.show_chart` draws the one chart asked for.
CHART_ONLY = "frame:chart-only"
COVERAGE_VIEW = {"view": "coverage"}  # opens the Data page on its cities x metrics coverage table


def page_frame(page: Page) -> Store:
    """Configure the page and return the store; show a clear banner and stop if the data is unavailable."""
    st.set_page_config(page_title=f"{t(page.title)} · {t(APP_TITLE)}", page_icon="📊", layout="wide")
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
    st.session_state.pop(CHART_ONLY, None)
    if st.query_params.get("chart"):
        _enter_chart_only_mode()
        return store
    with st.sidebar:
        if _served_from_home_page():
            # Streamlit's own menu would call the home page "app" and cannot be translated.
            for listed in PAGES:
                page_link(listed)
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
    return context is not None and Path(context.main_script_path).name == Path(OVERVIEW.file).name


def _enter_chart_only_mode() -> None:
    """Chart-only view for embeds: the page runs as usual, but into a placeholder that is cleared.

    The requested chart is drawn into a slot above it by `show_chart`, which then clears the rest and
    stops the run. Any chart of any page can thus be embedded, from the same code that draws the page.
    """
    slot = st.container()
    rest = st.empty()
    st.session_state[CHART_ONLY] = (slot, rest)
    rest.container().__enter__()


def no_data(what: str) -> None:
    """Say plainly that there is no sourced figure, and point to the coverage table."""
    st.info(t("No sourced figure for {what}.", what=escape_markdown(what)))
    page_link(DATA_AND_SOURCES, label=t("See what the dataset covers"), query_params=COVERAGE_VIEW)


def page_heading(page: Page, introduction: str) -> None:
    """The page's title, as the page list names it, and the sentence under it that says what it shows."""
    st.title(t(page.title))
    st.caption(introduction)


def page_link(
    page: Page, *, label: str = "", icon: str = "", query_params: Mapping[str, str] | None = None
) -> None:
    """A link to one of the dashboard's pages, named and drawn as the page list has it unless told."""
    st.page_link(page.file, label=label or t(page.title), icon=icon or page.icon, query_params=query_params)
