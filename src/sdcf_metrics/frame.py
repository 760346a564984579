"""The shared frame every page starts with: page config, sidebar, data banner and attribution.

Pages are Streamlit's folder-based multipage scripts; any of them can be the first request after a
server start (a shared link), so each calls `page_frame()` before anything else.
"""

from __future__ import annotations

import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from .attribution import DATA_LICENCE_NOTE, citation
from .charts import chart_config
from .i18n import t
from .store import DataUnavailable, Store, get_store
from .untrusted import escape_markdown

APP_TITLE = "SDCF evidence"
DATA_PAGE = "pages/5_Data_and_sources.py"


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


def show_chart(figure: go.Figure, data: pa.Table, title: str, key: str, summary: str = "") -> None:
    """Draw a chart, then its text alternative: a generated sentence and the plotted values as a table.

    Every chart of the dashboard goes through here, so what sits beside a chart (its data, its
    downloads, its link) is the same on every page.
    """
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
    with st.expander(t("Data behind this chart ({rows} rows)", rows=data.num_rows)):
        st.dataframe(data.to_pandas(), hide_index=True, width="stretch", key=f"table:{key}")


def no_data(what: str) -> None:
    """Say plainly that there is no sourced figure, and point to the coverage table."""
    st.info(t("No sourced figure for {what}.", what=escape_markdown(what)))
    st.page_link(DATA_PAGE, label=t("See what the dataset covers"), icon="🔎")
