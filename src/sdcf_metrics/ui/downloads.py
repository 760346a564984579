"""Download buttons and the files behind them: a chart's data as CSV and Excel, a dataset's files.

Buttons use `on_click="ignore"`, so a download never reruns the page. A chart's files are made when
their button is clicked (Streamlit runs a callable given as a button's data), not on every rerun.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import streamlit as st

from ..attribution import DATA_LICENCE_NOTE, citation, release_line
from ..cache import ResultCache, store_scope
from ..datatable import FORMATS, dataset_file, download_name
from ..export import to_csv_bytes, to_xlsx_bytes
from ..i18n import current_language, in_language, t
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


def dataset_download_buttons(
    store: Store, rows: Callable[[], pa.Table], row_count: int, key: str, selection: str = ""
) -> None:
    """One button per format, side by side, each file made when its button is clicked from the rows
    `rows` fetches then (the page shows one page of them; the file holds all `row_count`). The whole
    dataset's files (no `selection`) are kept once made, per data version; a selection's are not."""
    release = store.release
    # Streamlit calls `make` from a thread of its own, where the page's language is not set.
    language = current_language()
    for column, extension in zip(st.columns(len(FORMATS)), FORMATS, strict=True):
        label, file_name, mime = download_name(row_count, release.data_version, extension, selection)

        def make(extension: str = extension) -> bytes:
            with in_language(language):
                file = dataset_file(rows(), release.data_version, release.published_on, extension, selection)
            return file.data

        column.download_button(
            label,
            make
            if selection
            else lambda make=make, file_name=file_name: _whole(store, language, file_name, make),
            file_name=file_name,
            mime=mime,
            key=f"{key}:{extension}",
            on_click="ignore",
            icon=":material/download:",
            width="stretch",
        )


FILES = ResultCache(max_entries=6, max_bytes=64 * 1024**2, size=len)


def _whole(store: Store, language: str, file_name: str, make: Callable[[], bytes]) -> bytes:
    return FILES.get_or_compute((store_scope(store), language, file_name), make)
