"""The options a redraw run cycles through, and what each change draws anew, both read with AppTest.

From the default on, the options of the page's filter (its first selectbox in the main area) that draw as
many charts as the default view and a first chart unlike any other option's, so every change really
changes the chart. Streamlit's frontend keeps an element whose place and message are those of the run
before and draws every other one anew; replaying the browser's changes in AppTest counts those.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from .floor import FigureSwap
from .pages import PageFailed
from .survey import (
    ChartSpec,
    PageSurvey,
    drawn_anew,
    error_text,
    first_filter,
    first_filter_spec,
    open_page,
    placed_elements,
    set_by_label,
)

RUNS = 20
WARMUP_CHANGES = 1


@dataclass(frozen=True)
class Cycle:
    """The options a redraw run chooses in turn (the default first), and the page's charts for each."""

    widget: int
    charts: dict[str, list[ChartSpec]]

    @property
    def options(self) -> list[str]:
        return list(self.charts)

    def option(self, step: int) -> str:
        return self.options[step % len(self.charts)]

    def swap(self) -> FigureSwap:
        return FigureSwap(self.widget, self.charts)


def option_cycle(survey: PageSurvey, limit: int = WARMUP_CHANGES + RUNS + 1) -> Cycle | None:
    """Up to `limit` options of the page's filter, from its default on, that each draw the default view's
    number of charts and a first chart of their own; None when the filter is no selectbox or fewer than
    two options qualify."""
    spec = first_filter_spec(survey)
    if spec is None or spec.kind != "selectbox" or not survey.charts:
        return None
    start = spec.selected[0] if spec.selected else 0
    app = open_page(survey.path).run()
    charts: dict[str, list[ChartSpec]] = {}
    first_specs = set()
    for shift in range(len(spec.options)):
        if len(charts) >= limit:
            break
        option = spec.options[(start + shift) % len(spec.options)]
        set_by_label(first_filter(app), option)
        app.run()
        if app.exception:
            raise PageFailed(f"{survey.label} raised with “{option}” chosen: {error_text(app)}")
        drawn = [ChartSpec(chart.proto.spec, chart.proto.config) for chart in app.get("plotly_chart")]
        if len(drawn) == len(survey.charts) and drawn[0].spec not in first_specs:
            first_specs.add(drawn[0].spec)
            charts[option] = drawn
    return Cycle(survey.widgets.index(spec), charts) if len(charts) > 1 else None


def elements_drawn_anew(script: Path, cycle: Cycle, runs: int) -> float:
    """The median number of elements the browser draws anew at a measured change of `cycle` on `script`
    (a page or its floor), read with AppTest as the browser gets them: the same changes in the same order,
    counting the elements whose place or message differs from the run before."""
    app = open_page(script).run()
    before = placed_elements(app)
    counts = []
    for step in range(1, WARMUP_CHANGES + runs + 1):
        set_by_label(first_filter(app), cycle.option(step))
        after = placed_elements(app.run())
        if step > WARMUP_CHANGES:
            counts.append(drawn_anew(before, after))
        before = after
    return statistics.median(counts)
