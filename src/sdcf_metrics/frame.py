"""The shared frame every page starts with: page config, sidebar, data banner and attribution.

Pages are Streamlit's folder-based multipage scripts; any of them can be the first request after a
server start (a shared link), so each calls `page_frame()` before anything else.
"""

from __future__ import annotations

import streamlit as st

from .attribution import DATA_LICENCE_NOTE, citation
from .i18n import t
from .store import DataUnavailable, Store, get_store

APP_TITLE = "SDCF evidence"


def page_frame(page_title: str) -> Store:
    """Configure the page and return the store; show a clear banner and stop if the data is unavailable."""
    st.set_page_config(page_title=f"{page_title} · {t(APP_TITLE)}", page_icon="📊", layout="wide")
    try:
        store = get_store()
    except DataUnavailable:
        st.error(
            t(
                "The published data could not be opened. Nothing is shown rather than something wrong. "
                "A steward can rebuild it with `sdcf-metrics build`."
            )
        )
        st.stop()
    with st.sidebar:
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
