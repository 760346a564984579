"""Download buttons and the files behind them: a chart's data as CSV and Excel, a dataset's files.

Buttons use `on_click="ignore"`, so a download never reruns the page. A chart's files are made when
their button is clicked (Streamlit runs a callable given as a button's data), not on every rerun.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyarrow as pa
import streamlit as st

from .. import queries
from ..attribution import DATA_LICENCE_NOTE, citation, release_line
from ..datatable import DownloadFile, dataset_files
from ..export import to_csv_bytes, to_xlsx_bytes
from ..i18n import t
from ..store import Store


def chart_downloads(
    data: pa.Table, title: str, store: Store, definition: str = ""
) -> tuple[Callable[[], bytes], Callable[[], bytes]]:
    """What makes the plotted rows' files, when asked: CSV, and XLSX with an "About" sheet (sources,
    definition, licence, version)."""
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
    about = [(field, text) for field, text in about if text]
    return (lambda: to_csv_bytes(data)), (lambda: to_xlsx_bytes(data, about))


def download_buttons(files: Sequence[DownloadFile], key: str) -> None:
    """One button per format, side by side."""
    for column, file in zip(st.columns(len(files)), files, strict=True):
        column.download_button(
            file.label,
            file.data,
            file_name=file.file_name,
            mime=file.mime,
            key=f"{key}:{file.file_name.rsplit('.', 1)[1]}",
            on_click="ignore",
            icon=":material/download:",
            width="stretch",
        )


@st.cache_data(max_entries=2, show_spinner=False)
def _dataset_files(_store: Store, data_version: str) -> list[DownloadFile]:
    return dataset_files(queries.observation_table(_store), data_version, _store.release.published_on)


def full_dataset_files(store: Store) -> list[DownloadFile]:
    """The whole dataset's files, built once per data version (derived and cheap to rebuild)."""
    return _dataset_files(store, store.data_version)
