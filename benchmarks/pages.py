"""Page reruns: how long a filter change takes on each page, against the page's floor.

Each page and its floor run in AppTest; after the default view and one warm-up change, the first filter
is moved to a new option before each of 20 timed reruns (pages without a filter are simply rerun). The
floor has the same widgets, so the same change applies to it.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from sdcf_metrics.ui.warm_up import wait_for_warm_up

from . import ROOT
from .floor import floor_script
from .measure import Check, Target, Timing, format_value, time_interleaved
from .report import Section, Table
from .survey import (
    PageSurvey,
    change_filter,
    compiled_once,
    element_count,
    error_text,
    first_filter_spec,
    open_page,
)

RERUN_TARGET = Target(2.0, "×")
# Reruns timed per page and floor. With 20, two runs back to back of the same code gave ratios up to 0.27x
# apart (Methodology 1.89x and 2.16x); with 60, at most 0.1x (Data and sources 1.87x and 1.77x), the rest
# within 0.03x: a page near its target is judged on its cost, not on the draw.
RUNS = 60
WARMUP_CHANGES = 1
PROFILE_RUNS = 5
# A started server has made its views ready (`ui.warm_up`); the surveys opened the store and started it.
WARM_UP_TIMEOUT_S = 300
HOT_SPOTS = 6


class PageFailed(RuntimeError):
    """A page raised during a rerun; the report says so instead of timing it."""


@dataclass(frozen=True)
class Reruns:
    """Timed reruns of a page and its floor, whether a filter moved, and what each drew on its last run."""

    timings: list[Timing]
    changed: bool
    elements: list[int]


def time_reruns(pages: Sequence[Path], survey: PageSurvey, runs: int = RUNS) -> Reruns:
    """Filter-change reruns of `pages` (a page and its floor) in turns; and whether a filter moved.

    Taking turns puts any burst of load from elsewhere on the machine on both alike.
    """
    default = first_filter_spec(survey)
    apps = [open_page(page).run() for page in pages]
    samples: list[list[float]] = [[] for _ in pages]
    changed = False
    for step in range(1, WARMUP_CHANGES + runs + 1):
        for page, app, taken in zip(pages, apps, samples, strict=True):
            changed = change_filter(app, step, default)
            started = time.perf_counter()
            app.run()
            elapsed = (time.perf_counter() - started) * 1000
            if app.exception:
                raise PageFailed(f"{page.name} raised on filter change {step}: {error_text(app)}")
            if step > WARMUP_CHANGES:
                taken.append(elapsed)
    return Reruns([Timing(tuple(taken)) for taken in samples], changed, [element_count(app) for app in apps])


CALIBRATION_ELEMENTS = 200


def element_cost_ms(scratch: Path, runs: int = RUNS) -> float:
    """What one more element costs a rerun in AppTest, measured in this run: a page of
    `CALIBRATION_ELEMENTS` captions against an empty page, in turns, the difference per caption."""
    scratch.mkdir(parents=True, exist_ok=True)
    empty, captions = scratch / "empty.py", scratch / "captions.py"
    empty.write_text("import streamlit as st\n", encoding="utf-8")
    loop = f"for line in range({CALIBRATION_ELEMENTS}):\n    st.caption(f'line {{line}}')\n"
    captions.write_text(f"import streamlit as st\n\n{loop}", encoding="utf-8")
    apps = [AppTest.from_file(str(script)).run() for script in (empty, captions)]
    bare, full = time_interleaved([app.run for app in apps], [runs, runs])
    return max(0.0, (full.median_ms - bare.median_ms) / CALIBRATION_ELEMENTS)


def _project_function(filename: str, function: str) -> str | None:
    """`src/sdcf_metrics/trends.py:split_series` for the project's own code (pages and library), else None."""
    path = Path(filename)
    if not path.is_relative_to(ROOT) or "benchmarks" in path.parts or ".venv" in path.parts:
        return None
    if function == "<module>":
        return None  # the page script as a whole: the total, not a hot spot
    return f"{path.relative_to(ROOT)}:{function}"


@dataclass(frozen=True)
class HotSpot:
    """A project function and what one filter-change rerun spends in it (cumulative, under cProfile)."""

    function: str
    calls: float
    ms: float

    def describe(self) -> str:
        calls = f"{self.calls:.0f}" if self.calls >= 1 else f"{self.calls:.1f}"
        return f"`{self.function}` {format_value(self.ms, 'ms')} ({calls} call{'' if calls == '1' else 's'})"


def hot_spots(
    page: Path, survey: PageSurvey, runs: int = PROFILE_RUNS, top: int = HOT_SPOTS
) -> list[HotSpot]:
    """The project functions a filter-change rerun spends most time in, per rerun.

    AppTest runs each rerun in a new script thread, so the profiler is switched on from inside that
    thread (`threading.setprofile` hooks threads as they start). Profiling slows everything down, so
    read the figures as shares of a rerun, not as timings.
    """
    default = first_filter_spec(survey)
    app = open_page(page).run()
    profiler = cProfile.Profile()

    def profile_script_thread(*_: object) -> None:
        sys.setprofile(None)
        profiler.enable()

    for step in range(1, runs + 1):
        change_filter(app, step, default)
        threading.setprofile(profile_script_thread)
        try:
            app.run()
        finally:
            threading.setprofile(None)
    stats = pstats.Stats(profiler).stats
    spots, wrappers = {}, set()
    for key, (calls, _primitive, _own, cumulative, callers) in stats.items():
        name = _project_function(key[0], key[2])
        if name:
            spots[name] = HotSpot(name, calls / runs, cumulative * 1000 / runs)
            wrappers.update(thin_wrapper(stats, callers, cumulative))
    kept = [spot for name, spot in spots.items() if name not in wrappers]
    return sorted(kept, key=lambda spot: -spot.ms)[:top]


def thin_wrapper(stats: dict[Any, Any], callers: dict[Any, Any], cumulative: float) -> set[str]:
    """The sole project caller of a function when it spends almost nothing besides calling it.

    `store.query` only wraps `store.sql`; listing both would say the same thing twice, so the inner
    function, where the time is spent, stands for the pair.
    """
    if len(callers) != 1:
        return set()
    caller = next(iter(callers))
    name = _project_function(caller[0], caller[2])
    return {name} if name and stats[caller][3] <= cumulative * 1.02 else set()


@dataclass(frozen=True)
class PageResult:
    survey: PageSurvey
    page: Timing
    floor: Timing
    filter_changed: bool
    page_elements: int
    floor_elements: int

    @property
    def ratio(self) -> float:
        return self.page.median_ms / self.floor.median_ms


def run(
    surveys: Sequence[PageSurvey],
    floor_root: Path,
    log: Callable[[str], None] = print,
    project_root: Path | None = None,
) -> Section:
    """Time every page that runs against its floor; profile those that miss the target."""
    with compiled_once():
        return _run(surveys, floor_root, log, project_root)


def _run(
    surveys: Sequence[PageSurvey],
    floor_root: Path,
    log: Callable[[str], None],
    project_root: Path | None,
) -> Section:
    section = Section(
        "Page reruns",
        f"Median of {RUNS} filter-change reruns in Streamlit's AppTest, after the default view and "
        f"{WARMUP_CHANGES} warm-up change, on the real data. The change picks another option in the page's "
        "first selectbox, multiselect, radio or segmented control (pages without one are rerun as they "
        "are). The floor is a generated page with the same widgets and the same number of figures of the "
        "same size, built once and cached, so each of its reruns only places widgets and sends figures. "
        "Page and floor take turns, rerun by rerun. AppTest's own overhead is in both; like a server, and "
        "unlike a bare AppTest, each run reuses the scripts' compiled bytecode. Timing starts once "
        "the dashboard's warm-up (`ui.warm_up`: every city's queries and every view a share link can name, "
        "made when a data version is first opened) has finished, as on a server that has started.",
    )
    if not wait_for_warm_up(WARM_UP_TIMEOUT_S):
        section.findings.append(f"The warm-up was still running after {WARM_UP_TIMEOUT_S} s; timed anyway.")
    table = Table(
        (
            "Page",
            "Filter changed",
            "Charts",
            "Elements (page / floor)",
            "Page median",
            "Floor median",
            "Ratio",
            "Target",
            "Verdict",
        )
    )
    per_element_ms = element_cost_ms(floor_root / "calibration")
    section.findings.append(
        f"One more element (a caption) costs a rerun {format_value(per_element_ms * 1000, 'µs')} in AppTest, "
        f"measured in this run ({CALIBRATION_ELEMENTS} captions against an empty page). The floor has "
        "the page's widgets and figures but none of its text, tables, links and buttons, so a page's "
        "extra elements are a cost the floor does not pay: each page's finding below says how much of "
        "its time over the floor they account for."
    )
    for survey in surveys:
        if survey.error:
            section.findings.append(f"{survey.label} was not measured: it raised {survey.error}")
            continue
        log(f"pages: {survey.label}")
        if survey.skipped_widgets:
            kinds = ", ".join(sorted(set(survey.skipped_widgets)))
            section.findings.append(f"The floor of {survey.label} leaves out its widgets of kind {kinds}.")
        try:
            reruns = time_reruns([survey.path, floor_script(survey.path, floor_root, project_root)], survey)
        except PageFailed as failure:
            section.findings.append(f"{survey.label} was not measured: {failure}")
            continue
        (page_timing, floor_timing), changed = reruns.timings, reruns.changed
        result = PageResult(survey, page_timing, floor_timing, changed, *reruns.elements)
        filter_spec = first_filter_spec(survey)
        table.add(
            survey.label,
            f"{filter_spec.kind} “{filter_spec.label}”" if changed and filter_spec else "none (rerun)",
            str(len(survey.charts)),
            f"{result.page_elements} / {result.floor_elements}",
            format_value(page_timing.median_ms, "ms"),
            format_value(floor_timing.median_ms, "ms"),
            format_value(result.ratio, "×"),
            RERUN_TARGET.describe(),
            RERUN_TARGET.verdict(result.ratio),
        )
        section.checks.append(
            Check("Page reruns", f"{survey.label}: rerun vs floor", result.ratio, RERUN_TARGET)
        )
        if not RERUN_TARGET.is_met(result.ratio):
            log(f"pages: profiling {survey.label}")
            section.findings.append(_hot_spot_finding(result, hot_spots(survey.path, survey), per_element_ms))
    section.tables.append(("", table))
    return section


def _hot_spot_finding(result: PageResult, spots: list[HotSpot], per_element_ms: float) -> str:
    listed = "; ".join(spot.describe() for spot in spots)
    over_floor = result.page.median_ms - result.floor.median_ms
    extra = max(0, result.page_elements - result.floor_elements)
    elements_ms = min(over_floor, extra * per_element_ms)
    each = format_value(per_element_ms * 1000, "µs")
    return (
        f"{result.survey.label} ({format_value(result.ratio, '×')} its floor, "
        f"{format_value(over_floor, 'ms')} over it): its {extra} elements more than the floor account for "
        f"about {format_value(elements_ms, 'ms')} of that ({each} each). Under "
        f"cProfile, a filter-change rerun spends, cumulatively, {listed}."
    )
