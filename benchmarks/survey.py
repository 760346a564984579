"""What each page shows on its default view, read with AppTest: its widgets and its charts.

The page benchmarks discover the pages at run time (`app.py` and `pages/*.py`), so a page added
tomorrow is measured without touching this package. The survey also knows how to "change a filter"
on any page: pick another option in the first selectbox, multiselect, radio or segmented control.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.runtime.state.common import TESTING_KEY
from streamlit.testing.v1 import AppTest, app_test, local_script_runner
from streamlit.testing.v1.element_tree import Block, Widget

from sdcf_metrics.ui.frame import LANGUAGE_WIDGET

from . import ROOT

APPTEST_TIMEOUT_S = 120
CHOICE_WIDGETS = ("selectbox", "multiselect", "radio", "button_group")
REPRODUCED_WIDGETS = (*CHOICE_WIDGETS, "text_input", "checkbox", "toggle")


def discover_pages(root: Path | None = None) -> list[Path]:
    """The home page, then every page in `pages/`, in the order Streamlit lists them."""
    root = root or ROOT
    return [root / "app.py", *sorted((root / "pages").glob("*.py"))]


def url_path(page: Path) -> str:
    """The URL path Streamlit serves a folder-based page at: `pages/1_City_trends.py` -> `/City_trends`."""
    if page.parent.name != "pages":
        return "/"
    return "/" + re.sub(r"^\d+_", "", page.stem)


def page_label(page: Path) -> str:
    return "app.py (Overview)" if page.parent.name != "pages" else f"pages/{page.name}"


@dataclass(frozen=True)
class WidgetSpec:
    """One widget as the visitor sees it: its kind, label, options (as displayed) and selection."""

    kind: str
    label: str
    options: tuple[str, ...] = ()
    selected: tuple[int, ...] = ()
    multiple: bool = False
    pills: bool = False
    text: str = ""
    checked: bool = False
    # The page's own key, to tell its filters from the sidebar's language selector; not what a visitor sees.
    key: str = field(default="", compare=False)


@dataclass(frozen=True)
class ChartSpec:
    """One Plotly chart exactly as sent to the browser: the figure JSON and the toolbar config."""

    spec: str
    config: str

    @property
    def payload_bytes(self) -> int:
        return len(self.spec.encode("utf-8"))

    @property
    def trace_count(self) -> int:
        return len(json.loads(self.spec).get("data", []))


@dataclass
class PageSurvey:
    """A page's default view: widgets, charts, and the exception if the page failed to run."""

    path: Path
    widgets: list[WidgetSpec] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)
    skipped_widgets: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def label(self) -> str:
        return page_label(self.path)

    def to_json(self) -> dict[str, Any]:
        return {
            "widgets": [asdict(widget) for widget in self.widgets],
            "charts": [asdict(chart) for chart in self.charts],
        }


def open_page(page: Path) -> AppTest:
    """An AppTest of `page` entered through its app's `app.py`, as the server runs it.

    Opening a page file directly would make it the entrypoint, and its `st.page_link`s to other pages
    would then fail; switching from the entrypoint keeps every link resolvable.
    """
    entrypoint = page.parent.parent / "app.py" if page.parent.name == "pages" else page
    app = AppTest.from_file(str(entrypoint), default_timeout=APPTEST_TIMEOUT_S)
    if page != entrypoint:
        app.switch_page(str(page.relative_to(entrypoint.parent)))
    return app


@contextmanager
def compiled_once() -> Iterator[None]:
    """AppTest runs inside the block reuse each script's bytecode, as a server does.

    A server compiles a page script once and keeps its bytecode for every later run of every session
    (the runtime's one `ScriptCache`); AppTest makes a new cache for each run, so every rerun would also
    pay for compiling the page, twice for the home page, in proportion to the script's length. No
    reader waits for that, and the two-line floor scripts hardly pay it, so it would be counted against
    the page alone.
    """
    shared = ScriptCache()
    # The runner compiles the entry script, and the pages manager (its own cache) a page of `pages/`.
    owners = (local_script_runner, app_test)
    originals = [owner.ScriptCache for owner in owners]
    for owner in owners:
        owner.ScriptCache = lambda: shared
    try:
        yield
    finally:
        for owner, original in zip(owners, originals, strict=True):
            owner.ScriptCache = original


def placed_elements(app: AppTest) -> dict[tuple[int, ...], bytes]:
    """Each element of the main area by its place (its index in each enclosing block), as the message that
    drew it: Streamlit's frontend keeps an element whose place and message are those of the previous run,
    and draws every other one anew."""
    placed: dict[tuple[int, ...], bytes] = {}

    def visit(node: Any, place: tuple[int, ...]) -> None:
        for index, child in (getattr(node, "children", None) or {}).items():
            placed[(*place, index)] = child.proto.SerializeToString()
            if isinstance(child, Block):
                visit(child, (*place, index))

    visit(app.main, ())
    return placed


def drawn_anew(before: dict[tuple[int, ...], bytes], after: dict[tuple[int, ...], bytes]) -> int:
    """How many elements of `after` the browser draws anew over `before` (two `placed_elements`)."""
    return sum(1 for place, drawn in after.items() if before.get(place) != drawn)


def _nodes(app: AppTest) -> Iterator[Any]:
    """Every element of the last run in page order: the main area, then the sidebar."""
    return itertools.chain(iter(app.main), iter(app.sidebar))


def element_count(app: AppTest) -> int:
    """How many elements the last run drew, in the main area and the sidebar, counted inside every
    container, column, expander and popover: each is a message Streamlit builds and the browser lays out."""

    def leaves(node: Any) -> Iterator[Any]:
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                yield from leaves(child)
        else:
            yield node

    return sum(1 for root in (app.main, app.sidebar) for _ in leaves(root))


def _widget_spec(node: Any) -> WidgetSpec | None:
    spec = _spec_without_key(node)
    return None if spec is None else replace(spec, key=node.key or "")


def _spec_without_key(node: Any) -> WidgetSpec | None:
    kind = node.type
    if kind in ("selectbox", "radio"):
        return WidgetSpec(
            kind, node.label, tuple(node.options), (() if node.index is None else (node.index,))
        )
    if kind == "multiselect":
        return WidgetSpec(kind, node.label, tuple(node.options), tuple(node.indices), multiple=True)
    if kind == "button_group":
        return WidgetSpec(
            kind,
            node.proto.label,
            tuple(node.options),
            tuple(node.indices),
            multiple=not node._is_single_select,
            pills=node.proto.style == node.proto.Style.PILLS,
        )
    if kind == "text_input":
        return WidgetSpec(kind, node.label, text=node.value or "")
    if kind in ("checkbox", "toggle"):
        return WidgetSpec(kind, node.label, checked=bool(node.value))
    return None


def error_text(app: AppTest) -> str:
    return "; ".join(exception.message for exception in app.exception)


def survey_page(page: Path) -> PageSurvey:
    """Run the page once on its default view and record its widgets and charts."""
    survey = PageSurvey(page)
    app = open_page(page).run()
    if app.exception:
        survey.error = error_text(app)
        return survey
    for node in _nodes(app):
        if node.type in REPRODUCED_WIDGETS:
            spec = _widget_spec(node)
            if spec:
                survey.widgets.append(spec)
        elif isinstance(node, Widget) and node.type not in ("button", "download_button"):
            survey.skipped_widgets.append(node.type)
    survey.charts = [ChartSpec(chart.proto.spec, chart.proto.config) for chart in app.get("plotly_chart")]
    return survey


def survey_pages(pages: Sequence[Path]) -> list[PageSurvey]:
    return [survey_page(page) for page in pages]


def first_filter(app: AppTest) -> Any | None:
    """The first selectbox, multiselect, radio or segmented control with more than one option, but the
    sidebar's language selector: a reader filters a page far more often than they change language."""
    for node in _nodes(app):
        if node.type in CHOICE_WIDGETS and len(node.options) > 1 and node.key != LANGUAGE_WIDGET:
            return node
    return None


def variant(options: Sequence[str], default: Sequence[int], multiple: bool, step: int) -> Any:
    """The `step`-th other selection of a widget, by displayed option; consecutive steps always differ.

    A single choice moves `step` places on from its default. A multiple choice keeps its size and slides
    its window along the options (or, when everything is selected, leaves one option out in turn).
    """
    count = len(options)
    start = default[0] if default else 0
    if not multiple:
        return options[(start + step) % count]
    size = len(default)
    if size == 0:
        return [options[step % count]]
    if size >= count:
        left_out = step % count
        return [option for index, option in enumerate(options) if index != left_out]
    return [options[(start + step + offset) % count] for offset in range(size)]


def set_by_label(widget: Any, value: str | list[str]) -> None:
    """Set a choice widget by its displayed label(s), which is what the browser sends.

    AppTest formats whatever value it is given with the page's `format_func`, and a page's
    `format_func=names.get` turns a label into None. So until the next run (which registers the page's
    function again), the widget formats its own labels as themselves.
    """
    labels = set(widget.options)
    formatters = widget.root.session_state[TESTING_KEY]
    page_format = formatters[widget.id]
    formatters[widget.id] = lambda item: (
        item if isinstance(item, str) and item in labels else page_format(item)
    )
    widget.set_value(value)


def change_filter(app: AppTest, step: int, default: WidgetSpec | None) -> bool:
    """Set the first filter to its `step`-th variant; False when the page has no filter to change."""
    widget = first_filter(app)
    if widget is None or default is None:
        return False
    set_by_label(widget, variant(widget.options, default.selected, default.multiple, step))
    return True


def first_filter_spec(survey: PageSurvey) -> WidgetSpec | None:
    """The surveyed default of the widget `first_filter` will find."""
    for widget in survey.widgets:
        if widget.kind in CHOICE_WIDGETS and len(widget.options) > 1 and widget.key != LANGUAGE_WIDGET:
            return widget
    return None
