"""Helpers for tests that run real pages with Streamlit's AppTest.

`run_page` opens a page by its path in the repository (AppTest wants a path it can find from any working
directory), `chart_specs` reads the Plotly figures a run drew, `numbers` decodes Plotly's base64 arrays,
and `build_dataset` publishes a fixture dataset to point the app at with `SDCF_DATA_DIR`.
"""

from __future__ import annotations

import base64
import csv
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fixtures import Override, default_rows, write_sources
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from sdcf_metrics import paths
from sdcf_metrics.pipeline.build import build
from sdcf_metrics.ui.tables import OPENED
from sdcf_metrics.untrusted import web_address


def run_page(page: str, **query: str | list[str]) -> AppTest:
    """Run `app.py` or `pages/<file>.py` once with the given query parameters."""
    app = AppTest.from_file(str(paths.PROJECT_ROOT / page), default_timeout=30)
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def chart_specs(app: AppTest) -> list[dict[str, Any]]:
    """The Plotly figures of the last run, as `{"data": [...], "layout": {...}}` dictionaries."""
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


@dataclass(frozen=True)
class ChartFrame:
    """One chart as a page frames it: the Markdown of its title and subtitle, its Plotly figure, and the
    caption of its notes, sources and licence (the words Plotly cannot wrap are written as text)."""

    heading: str
    spec: dict[str, Any]
    footer: str


def chart_frames(app: AppTest) -> list[ChartFrame]:
    """Every chart of the last run with the words drawn around it, in page order."""
    frames = []
    for node in app._tree:
        children = [node.children[index] for index in sorted(getattr(node, "children", {}) or {})]
        kinds = [getattr(child, "type", "") for child in children]
        if "plotly_chart" not in kinds or any(isinstance(child, Block) for child in children):
            continue
        heading = next((child.value for child in children if child.type == "markdown"), "")
        footer = next((child.value for child in children if child.type == "caption"), "")
        spec = json.loads(children[kinds.index("plotly_chart")].proto.spec)
        frames.append(ChartFrame(heading, spec, footer))
    return frames


def numbers(array: Any) -> list[Any]:
    """A Plotly data array as a list: plain lists pass through, `{"dtype", "bdata"}` is decoded."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def open_chart_tool(app: AppTest, tool: str, chart: int = 0) -> AppTest:
    """Click the `chart`-th chart's `tool` button ("download" or "share") and run: the dialog it opens is
    drawn in that run only."""
    buttons = [button for button in app.button if str(button.key).startswith(f"{tool}:")]
    return buttons[chart].click().run()


def with_tables_open(app: AppTest) -> AppTest:
    """Open every expander that draws its table once opened (`opened_expander`: the data behind each
    chart, a city's events...) and run, as a reader who opens them."""
    for expander in app.expander:
        if str(expander.key).startswith(OPENED):
            app.session_state[expander.key] = True
    return app.run()


def build_dataset(root: Path, **overrides: Override) -> Path:
    """Write the fixture sources under root (overrides as `write_sources` takes them) and publish them."""
    write_sources(paths.sources_dir(root), **overrides)
    build(root)
    return root


def run_page_in_app(page: str, **query: str | list[str]) -> AppTest:
    """Run `pages/<file>.py` the way `streamlit run app.py` serves it, so its links to other pages resolve.

    `run_page` makes the page itself the app, and `st.page_link` (the no-data state links to the coverage
    page) then fails to find its target.
    """
    app = AppTest.from_file(str(paths.PROJECT_ROOT / "app.py"), default_timeout=30)
    app.switch_page(page)
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


@dataclass(frozen=True)
class SavedDownload:
    """What a download button of a run would save: its label, file name and bytes.

    `made_on_click` tells a file made when its button is clicked (the page passed a callable) from one
    made on every run; `data` makes it, as a click would.
    """

    label: str
    file_name: str
    make: Callable[[], bytes]
    made_on_click: bool

    @property
    def data(self) -> bytes:
        made = self.make()
        return made.encode("utf-8") if isinstance(made, str) else made


def record_downloads(monkeypatch: pytest.MonkeyPatch) -> Callable[[AppTest], list[SavedDownload]]:
    """Watch the media files download buttons register; return a reader of a run's downloads.

    AppTest shows a download button's label and URL (or, for a file made on click, the id of its
    callable), not its file name or bytes; the media file manager is where both arrive, so it is wrapped
    for the test.
    """
    saved: dict[str, tuple[str, bytes]] = {}
    deferred: dict[str, tuple[str, Callable[[], bytes]]] = {}
    register = MediaFileManager.add
    register_deferred = MediaFileManager.add_deferred

    def add(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        url = register(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)
        if is_for_static_download:
            saved[url] = (file_name, path_or_data)
        return url

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, *, element_id=""):
        file_id = register_deferred(
            self, data_callable, mimetype, coordinates, file_name, element_id=element_id
        )
        deferred[file_id] = (file_name, data_callable)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add", add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)

    def downloads(app: AppTest) -> list[SavedDownload]:
        found = []
        for button in app.download_button:
            if button.proto.url in saved:
                file_name, data = saved[button.proto.url]
                found.append(SavedDownload(button.label, file_name, lambda data=data: data, False))
            elif button.proto.deferred_file_id in deferred:
                file_name, make = deferred[button.proto.deferred_file_id]
                found.append(SavedDownload(button.label, file_name, make, True))
        return found

    return downloads


def markdown_texts(app: AppTest) -> list[str]:
    """Every string the last run handed to something that renders Markdown: text elements, alerts,
    tables (`st.table` renders each cell) and widget labels."""
    texts = [
        element.value
        for kind in (
            "title",
            "header",
            "subheader",
            "markdown",
            "caption",
            "info",
            "warning",
            "error",
            "success",
        )
        for element in getattr(app, kind)
    ]
    for table in app.table:
        frame = table.value
        texts.extend(str(column) for column in frame.columns)
        texts.extend(str(cell) for cell in frame.to_numpy().ravel())
    for kind in ("multiselect", "selectbox", "text_input", "segmented_control", "download_button", "button"):
        texts.extend(widget.label for widget in getattr(app, kind))
    return texts


def rendered_markdown(app: AppTest) -> list[str]:
    """`markdown_texts` plus metric tiles (label, value and tooltip render Markdown) and expander labels."""
    metrics = [part for tile in app.metric for part in (tile.proto.label, tile.proto.body, tile.proto.help)]
    return [*markdown_texts(app), *metrics, *(expander.label for expander in app.expander)]


# Markup a data value could smuggle in: a link `](`, an image `![` or a tag `<a` that no backslash made
# literal, or a bare `https://` that Markdown would autolink.
LIVE_MARKUP = re.compile(r"(?<!\\)\]\(|(?<!\\)!\[|(?<!\\)<a |https://")
# The links the pages make on purpose: a source's name, then its own web address.
_SOURCE_LINK = re.compile(r"\]\((https?://[^\s()<>]+)\)")


@cache
def source_addresses() -> frozenset[str]:
    """The web addresses of the fixture's sources and of the published sources: the only link targets a
    page may show."""
    published = csv.DictReader(paths.sources_dir().joinpath("sources.csv").open(encoding="utf-8"))
    rows = [*default_rows("sources"), *published]
    return frozenset(address for row in rows if (address := web_address(row.get("url"))))


def has_live_markup(text: str) -> bool:
    """Whether text rendered as Markdown holds markup a data value smuggled in: any link, image, tag or
    bare address, once the links to the sources' own web addresses are set aside."""
    allowed = source_addresses()
    rest = _SOURCE_LINK.sub(lambda link: "" if link.group(1) in allowed else link.group(0), text)
    return bool(LIVE_MARKUP.search(rest))
