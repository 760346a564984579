"""Redraw in a real browser: from choosing another option in a page's filter to its chart drawn anew.

Before the browser runs, AppTest picks the options to cycle through (`cycle`). The page's figures for
those options are the floor's: the floor page has the same widgets and, on each change, only swaps in the
page's prebuilt figures for the chosen option.

In the browser, a script in the page (`WATCH_SCRIPT`) keeps the clock: it starts at the pointer going down
on the option, and stops at the first animation frame where the first chart's drawing (its text, its marks
and their geometry) differs from before the change and Streamlit's script state is back to `notRunning`.
All timestamps are the page's `performance.now()`, so Playwright's round trips are not counted.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.browser_support import (
    APP_IDLE,
    CHART,
    WARMED_UP,
    chromium,
    streamlit_server,
    warmed_up,
)

from . import ROOT
from .browser import LOAD_TIMEOUT_MS, SERVER_ENV, VIEWPORT
from .browser_profile import MainThreadProfiler, script_times
from .cycle import RUNS, WARMUP_CHANGES, Cycle, elements_drawn_anew, option_cycle
from .floor import floor_script, write_floor_app
from .measure import Check, Target, Timing, Unit, format_value
from .pages import PageFailed, hot_spots
from .report import Section, Table
from .survey import PageSurvey, url_path

REDRAW_PAGES = ("pages/1_City_trends.py", "pages/2_Compare_cities.py")
REDRAW_TARGET = Target(1.25, "×")
PROFILED_CHANGES = 10
PROFILED_SCRIPTS = 8  # rows of the profile table per page: the scripts furthest above the floor
REDRAW_TIMEOUT_MS = 60_000

# Runs before the app's own scripts: notes when each websocket message is sent and received, and its size.
SOCKET_SCRIPT = """
(() => {
  const Socket = window.WebSocket;
  const traffic = { sent: [], received: [] };
  window.__socketTraffic = traffic;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        const data = event.data;
        traffic.received.push([performance.now(), data.byteLength ?? data.size ?? data.length ?? 0]);
      });
    }
    send(data) {
      traffic.sent.push(performance.now());
      return super.send(data);
    }
  };
})();
"""

# Installed once the page has loaded; `arm()` before each click, `finished()` to wait, `result()` to read.
WATCH_SCRIPT = """
() => {
  const isIdle = () =>
    document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning';
  const drawing = () => {
    const chart = document.querySelector('[data-testid=stMain] [data-testid=stPlotlyChart]');
    if (!chart || !chart.querySelector('.main-svg')) return null;
    const marks = chart.querySelectorAll('.main-svg path, .main-svg text');
    let geometry = 0;
    for (const mark of marks) geometry += (mark.getAttribute('d') || mark.textContent || '').length;
    return `${chart.textContent}|${marks.length}|${geometry}`;
  };
  const longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push([entry.startTime, entry.duration]);
  }).observe({ entryTypes: ['longtask'] });
  let watch = null;
  const frame = () => {
    if (watch.done !== null) return;
    if (watch.start !== null) {
      const now = performance.now();
      const drawn = drawing();
      const redrawn = drawn !== null && drawn !== watch.before;
      if (redrawn && watch.changed === null) watch.changed = now;
      if (redrawn && isIdle()) {
        watch.done = now;
        return;
      }
    }
    requestAnimationFrame(frame);
  };
  window.addEventListener('pointerdown', (event) => {
    if (watch && watch.start === null && event.target.closest('[role=option]')) {
      watch.start = performance.now();
    }
  }, true);
  window.__redraw = {
    arm() {
      watch = { before: drawing(), start: null, changed: null, done: null };
      requestAnimationFrame(frame);
    },
    finished: () => watch !== null && watch.done !== null,
    elements: () =>
      document.querySelectorAll('[data-testid=stMain] [data-testid=stElementContainer]').length,
    result() {
      const from = watch.start, to = watch.done;
      const within = (at) => at >= from && at <= to;
      const busy = longTasks
        .filter(([start, duration]) => start + duration > from && start < to)
        .reduce((sum, [start, duration]) => sum + Math.min(start + duration, to) - Math.max(start, from), 0);
      const traffic = window.__socketTraffic;
      const sent = traffic.sent.filter(within);
      const received = traffic.received.filter(([at]) => within(at));
      return {
        total: to - from,
        changed: watch.changed - from,
        busy,
        sent: sent.length ? sent[0] - from : null,
        first_reply: received.length ? received[0][0] - from : null,
        last_reply: received.length ? received[received.length - 1][0] - from : null,
        received_kb: received.reduce((sum, [, size]) => sum + size, 0) / 1024,
      };
    },
  };
}
"""


@dataclass(frozen=True)
class Redraw:
    """One change, in milliseconds from the pointer going down on the option: until the first chart was
    drawn anew, and until that and the script's end (the total); the main thread's time in long tasks
    (over 50 ms each) meanwhile; when the rerun request left and the server's first and last messages
    arrived, and how much the server sent (KB)."""

    total: float
    changed: float
    busy: float
    sent: float | None
    first_reply: float | None
    last_reply: float | None
    received_kb: float


class Tab:
    """One browser context on one app's page, with the watch script installed."""

    def __init__(self, browser: Any, url: str) -> None:
        self.context = browser.new_context(viewport=VIEWPORT)
        self.context.add_init_script(SOCKET_SCRIPT)
        self.page = self.context.new_page()
        self.page.goto(url, timeout=LOAD_TIMEOUT_MS)
        self.page.wait_for_selector(CHART, timeout=LOAD_TIMEOUT_MS)
        self.page.wait_for_selector(APP_IDLE, state="attached", timeout=LOAD_TIMEOUT_MS)
        self.page.evaluate(WATCH_SCRIPT)
        self.elements = self.page.evaluate("window.__redraw.elements()")

    def choose(self, option: str) -> Redraw:
        """Open the filter, narrow it to `option` by typing (long lists only render what is in view),
        click the option and wait until the chart is drawn anew."""
        self._click(self._open(option), option)
        return Redraw(**self.page.evaluate("window.__redraw.result()"))

    def profile(self, options: Sequence[str]) -> list[dict[str, Any]]:
        """Choose each of `options` in turn as `choose` does, the main thread's CPU profile recorded from
        the click until the chart is drawn anew: one profile a change."""
        profiler = MainThreadProfiler(self.page)
        profiles = []
        try:
            for option in options:
                choice = self._open(option)
                profiler.start()
                try:
                    self._click(choice, option)
                finally:
                    profiles.append(profiler.stop())
        finally:
            profiler.close()
        return profiles

    def _open(self, option: str) -> Any:
        box = self.page.get_by_test_id("stMain").get_by_test_id("stSelectbox").first
        box.locator("input").click()
        self.page.keyboard.type(option)
        choice = self.page.get_by_role("option", name=option, exact=True)
        choice.wait_for(timeout=LOAD_TIMEOUT_MS)
        self.page.evaluate("window.__redraw.arm()")
        return choice

    def _click(self, choice: Any, option: str) -> None:
        choice.click()
        try:
            self.page.wait_for_function("window.__redraw.finished()", timeout=REDRAW_TIMEOUT_MS)
        except PlaywrightTimeout as error:
            raise PageFailed(
                f"the chart was not drawn anew within {REDRAW_TIMEOUT_MS / 1000:.0f} s "
                f"after choosing “{option}” at {self.page.url}"
            ) from error

    def close(self) -> None:
        self.context.close()


def time_redraws(
    browser: Any, urls: Sequence[str], cycle: Cycle, runs: int, profiled: int = PROFILED_CHANGES
) -> tuple[list[list[Redraw]], list[int], list[dict[str, float]]]:
    """Changes on each of `urls` (a page and its floor) in turns, after one unmeasured change of each; how
    many elements each shows in its main area; and, from `profiled` further changes of each, the
    milliseconds a change its main thread spends in each script (`browser_profile`). The profiled
    changes come after the timed ones, so the profiler slows no timing."""
    tabs: list[Tab] = []
    try:
        for url in urls:
            tabs.append(Tab(browser, url))
        samples: list[list[Redraw]] = [[] for _ in tabs]
        for step in range(1, WARMUP_CHANGES + runs + 1):
            for tab, taken in zip(tabs, samples, strict=True):
                redraw = tab.choose(cycle.option(step))
                if step > WARMUP_CHANGES:
                    taken.append(redraw)
        after = WARMUP_CHANGES + runs + 1
        options = [cycle.option(step) for step in range(after, after + profiled)]
        scripts = [script_times(tab.profile(options)) for tab in tabs]
        return samples, [tab.elements for tab in tabs], scripts
    finally:
        for tab in tabs:
            tab.close()


@dataclass(frozen=True)
class RedrawResult:
    survey: PageSurvey
    cycle: Cycle
    page: list[Redraw]
    floor: list[Redraw]
    elements: list[int]
    drawn: list[float]
    scripts: list[dict[str, float]]

    def above_floor(self) -> list[tuple[str, float, float]]:
        """Each script's milliseconds a change on the page and on its floor, the furthest above the
        floor's first."""
        page, floor = self.scripts
        rows = [
            (script, page.get(script, 0.0), floor.get(script, 0.0)) for script in page.keys() | floor.keys()
        ]
        return sorted(rows, key=lambda row: (row[2] - row[1], row[0]))

    @staticmethod
    def timing(redraws: Sequence[Redraw]) -> Timing:
        return Timing(tuple(redraw.total for redraw in redraws))

    @property
    def ratios(self) -> tuple[float, float]:
        page, floor = self.timing(self.page), self.timing(self.floor)
        return page.median_ms / floor.median_ms, page.p90_ms / floor.p90_ms


def _median_text(redraws: Sequence[Redraw], part: str, unit: Unit = "ms") -> str:
    """The median of one part of the changes, formatted; "not seen" when no change had it."""
    values = [getattr(redraw, part) for redraw in redraws if getattr(redraw, part) is not None]
    return format_value(statistics.median(values), unit) if values else "not seen"


def _verdict(ratios: tuple[float, float]) -> str:
    verdicts = [REDRAW_TARGET.verdict(ratio) for ratio in ratios]
    if verdicts == ["met", "met"]:
        return "met"
    return "; ".join(f"{name} {verdict}" for name, verdict in zip(("median", "p90"), verdicts, strict=True))


METHOD = (
    "Chromium (headless, Playwright), one browser context on the page and one on its floor, each loaded "
    "once. Then {warmup} unmeasured and {runs} measured changes of the page's filter (its first selectbox in "
    "the main area), page and floor taking turns change by change. Each change opens the selectbox, types "
    "the option to narrow the list, and clicks it; a script in the page times from the pointer going down "
    "on the option to the first animation frame in which the first chart's drawing (text, marks and their "
    "geometry) differs from before and Streamlit's script state is `notRunning` again, with the page's own "
    "clock (`performance.now()`), so Playwright's round trips do not count. The options are cycled from the "
    "default on, keeping only those (read with AppTest first) that draw as many charts as the default view "
    "and a first chart unlike any other's. Where a page has more such options than changes, every change "
    "is the first time the server draws that option (its caches miss, as for an option nobody has chosen "
    "yet); where it has fewer, the options come round again, and from the second round on its caches "
    "answer. The floor is a generated page with the same widgets that, on each change, only swaps in the "
    "page's own figures for the chosen option, prebuilt and cached. Median "
    "and 90th percentile (inclusive) of the measured changes; the targets are on the ratios to the "
    "floor's. Server and browser share the machine's cores. After the timed changes, {profiled} more of "
    "each are made under Chromium's sampling CPU profiler (DevTools protocol), from the click until the "
    "chart is drawn anew, to say where the main thread's time goes."
)
PROFILE_CAPTION = (
    "Where the browser's main thread spends a change: milliseconds a profiled change (the profiler slows "
    "the page a little, so read these as shares), added up per script of Streamlit's frontend, a call into "
    "the browser (such as `getBoundingClientRect`) charged to the script that made it; `(program)` is the "
    "browser's own work outside scripts (style, layout, paint). Per page, the {rows} scripts furthest above "
    "the floor's, then the whole."
)
TRIED = "What has been tried against a miss here, what it measured, and why: `docs/performance.md`."
PARTS_CAPTION = (
    "Where the time goes: medians over the measured changes, in ms from the pointer going down on the "
    "option: until the rerun request left on the websocket, until the server's first and last message of "
    "the rerun arrived (the last one says the script finished), until the first chart was drawn anew, and "
    "until that and the script's end (done). Received is what the server sent for a change; long tasks is "
    "the main thread's time in tasks over 50 ms (scripting, layout and drawing) during a change; elements "
    "counts the main area's element containers. Drawn anew is the median number of the main area's "
    "elements and blocks a change draws anew, read with AppTest over the same changes: Streamlit's frontend "
    "keeps an element whose place and message are those of the run before, and draws every other one "
    "again, so an element that comes and goes also redraws everything under it."
)
PARTS_COLUMNS = (
    "Page", "App", "Options cycled", "Elements", "Drawn anew", "Request sent", "First reply", "Last reply",
    "Chart drawn anew", "Done", "Received", "Long tasks",
)  # fmt: skip


def run(
    surveys: Sequence[PageSurvey],
    scratch: Path,
    log: Callable[[str], None] = print,
    project_root: Path | None = None,
    pages: Sequence[str] = REDRAW_PAGES,
    runs: int = RUNS,
    browser: Any | None = None,
    profiled: int = PROFILED_CHANGES,
) -> Section:
    """Time `runs` filter changes in the browser on each of `pages` (relative paths) against its floor, in
    `browser` if given (a test session's), else in a Chromium launched for the run; then profile
    `profiled` more changes of each."""
    project_root = project_root or ROOT
    section = Section(
        "Browser: filter change to chart redrawn",
        METHOD.format(warmup=WARMUP_CHANGES, runs=runs, profiled=profiled),
    )
    chosen = [survey for survey in surveys if str(survey.path.relative_to(project_root)) in pages]
    cycles = _cycles(chosen, section, log)
    floor_root = scratch / "redraw-floor-app"
    write_floor_app(surveys, floor_root, project_root, {path: cycle.swap() for path, cycle in cycles.items()})
    results = []
    with (
        streamlit_server(project_root, scratch / "redraw-app-server.log") as app,
        streamlit_server(floor_root, scratch / "redraw-floor-server.log", SERVER_ENV) as floor,
        chromium() if browser is None else nullcontext(browser) as browser,
    ):
        section.method += f" Chromium {browser.version}. {WARMED_UP}"
        if not warmed_up(app, browser):
            section.findings.append(
                "The server had not settled after its warm-up when timing began; the figures include it."
            )
        for survey in chosen:
            cycle = cycles.get(survey.path)
            if cycle is None:
                continue
            log(f"redraw: {survey.label}")
            path = url_path(survey.path)
            try:
                (page, floor_redraws), elements, scripts = time_redraws(
                    browser, [app.url + path, floor.url + path], cycle, runs, profiled
                )
            except PageFailed as failure:
                section.findings.append(f"{survey.label} was not measured: {failure}")
                continue
            scripts_run = (survey.path, floor_script(survey.path, floor_root, project_root))
            drawn = [elements_drawn_anew(script, cycle, runs) for script in scripts_run]
            results.append(RedrawResult(survey, cycle, page, floor_redraws, elements, drawn, scripts))
    _report(section, results)
    for result in results:
        if not all(REDRAW_TARGET.is_met(ratio) for ratio in result.ratios):
            log(f"redraw: profiling {result.survey.label}")
            spots = hot_spots(result.survey.path, result.survey)
            if spots:
                section.findings.append(
                    f"{result.survey.label}, on the server: under cProfile, a filter-change rerun spends, "
                    f"cumulatively, {'; '.join(spot.describe() for spot in spots)}."
                )
    return section


def _cycles(surveys: Sequence[PageSurvey], section: Section, log: Callable[[str], None]) -> dict[Path, Cycle]:
    """The option cycle of each page that has one; a finding for each that has not."""
    cycles = {}
    for survey in surveys:
        if survey.error:
            section.findings.append(f"{survey.label} was not measured: it raised {survey.error}")
            continue
        log(f"redraw: choosing the options of {survey.label}")
        try:
            cycle = option_cycle(survey)
        except PageFailed as failure:
            section.findings.append(f"{survey.label} was not measured: {failure}")
            continue
        if cycle is None:
            section.findings.append(
                f"{survey.label} was not measured: its first filter is no selectbox with two options that "
                "draw different charts."
            )
            continue
        cycles[survey.path] = cycle
    return cycles


def _report(section: Section, results: Sequence[RedrawResult]) -> None:
    """The result table, the checks, where the time goes, and a finding for each page off its target."""
    table = Table(
        (
            "Page",
            "Median",
            "p90",
            "Floor median",
            "Floor p90",
            "Ratio median",
            "Ratio p90",
            "Target",
            "Verdict",
        )
    )
    parts = Table(PARTS_COLUMNS)
    for result in results:
        page, floor = result.timing(result.page), result.timing(result.floor)
        ratio_median, ratio_p90 = result.ratios
        label = result.survey.label
        table.add(
            label,
            format_value(page.median_ms, "ms"),
            format_value(page.p90_ms, "ms"),
            format_value(floor.median_ms, "ms"),
            format_value(floor.p90_ms, "ms"),
            format_value(ratio_median, "×"),
            format_value(ratio_p90, "×"),
            REDRAW_TARGET.describe(),
            _verdict(result.ratios),
        )
        section.checks.append(
            Check("Redraw", f"{label}: median redraw vs floor", ratio_median, REDRAW_TARGET)
        )
        section.checks.append(Check("Redraw", f"{label}: p90 redraw vs floor", ratio_p90, REDRAW_TARGET))
        apps = zip(("page", "floor"), (result.page, result.floor), result.elements, result.drawn, strict=True)
        for app, redraws, elements, drawn in apps:
            parts.add(
                label,
                app,
                str(len(result.cycle.charts)),
                str(elements),
                f"{drawn:g}",
                *(_median_text(redraws, part) for part in ("sent", "first_reply", "last_reply", "changed")),
                _median_text(redraws, "total"),
                _median_text(redraws, "received_kb", "KB"),
                _median_text(redraws, "busy"),
            )
        if not all(REDRAW_TARGET.is_met(ratio) for ratio in result.ratios):
            section.findings.append(_where_the_time_goes(result))
    if any(not all(REDRAW_TARGET.is_met(ratio) for ratio in result.ratios) for result in results):
        section.findings.append(TRIED)
    section.tables.append(("", table))
    section.tables.append((PARTS_CAPTION, parts))
    section.tables.append((PROFILE_CAPTION.format(rows=PROFILED_SCRIPTS), _profile_table(results)))


def _profile_table(results: Sequence[RedrawResult]) -> Table:
    table = Table(("Page", "Script", "Page (ms a change)", "Floor (ms a change)", "Above the floor"))
    for result in results:
        label = result.survey.label
        for script, page, floor in result.above_floor()[:PROFILED_SCRIPTS]:
            table.add(
                label,
                f"`{script}`",
                format_value(page, "ms"),
                format_value(floor, "ms"),
                _signed(page - floor),
            )
        page_total, floor_total = (sum(scripts.values()) for scripts in result.scripts)
        table.add(
            label,
            "all scripts and the browser",
            format_value(page_total, "ms"),
            format_value(floor_total, "ms"),
            _signed(page_total - floor_total),
        )
    return table


def _signed(milliseconds: float) -> str:
    return ("+" if milliseconds >= 0 else "−") + format_value(abs(milliseconds), "ms")


def _where_the_time_goes(result: RedrawResult) -> str:
    """A page off its target: its median change, part by part, beside its floor's."""

    def both(part: str, unit: Unit = "ms") -> str:
        return f"{_median_text(result.page, part, unit)} (floor {_median_text(result.floor, part, unit)})"

    server_page = _server_span(result.page)
    server_floor = _server_span(result.floor)
    return (
        f"{result.survey.label} ({format_value(result.ratios[0], '×')} its floor at the median): the rerun "
        f"request leaves {both('sent')} after the click; the server answers between {both('first_reply')} "
        f"and {both('last_reply')}, a span of {server_page} (floor {server_floor}), sending "
        f"{both('received_kb', 'KB')}; the first chart is drawn anew at {both('changed')}; the main thread "
        f"spends {both('busy')} in long tasks; the main area has {result.elements[0]} elements "
        f"(floor {result.elements[1]}), and a change draws {result.drawn[0]:g} of its elements and blocks "
        f"anew (floor {result.drawn[1]:g}). {_profile_finding(result)}"
    )


def _profile_finding(result: RedrawResult) -> str:
    """What the main thread does beyond the floor's, from the profiled changes."""
    page_total, floor_total = (sum(scripts.values()) for scripts in result.scripts)
    beyond = [
        f"`{script}` {_signed(page - floor)}"
        for script, page, floor in result.above_floor()[:3]
        if page > floor
    ]
    where = ", ".join(beyond) or "no script"
    return (
        f"Profiled, its main thread works {format_value(page_total, 'ms')} a change (floor "
        f"{format_value(floor_total, 'ms')}); most of the difference is in {where}."
    )


def _server_span(redraws: Sequence[Redraw]) -> str:
    """Median time from the server's first to its last message of a rerun: the script's run, as streamed."""
    spans = [
        redraw.last_reply - redraw.first_reply
        for redraw in redraws
        if redraw.first_reply is not None and redraw.last_reply is not None
    ]
    return format_value(statistics.median(spans), "ms") if spans else "not seen"
