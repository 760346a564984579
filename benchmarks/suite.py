"""`python -m benchmarks`: run the selected benchmarks and write the Markdown report."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from streamlit import logger as streamlit_logger

from . import (
    BENCHMARKS,
    DEFAULT_REPORT,
    browser,
    capacity,
    embeds,
    memory,
    pages,
    parse_only,
    payload,
    queries,
    redraw,
)
from .floor import write_floor_app
from .report import Machine, Section, render
from .survey import discover_pages, survey_pages

PAGE_BENCHMARKS = ("pages", "browser", "redraw", "memory", "payload")
DEFAULT_SEED = 20_261_123


@dataclass(frozen=True)
class Options:
    """What to run and where to write the report."""

    only: Sequence[str] = BENCHMARKS
    output: Path = DEFAULT_REPORT
    seed: int = DEFAULT_SEED
    sizes: Sequence[int] = queries.DEFAULT_SIZES

    @property
    def command(self) -> str:
        """The command line that reproduces this run, for the report's header."""
        parts = ["python -m benchmarks"]
        if tuple(self.only) != BENCHMARKS:
            parts.append("--only " + ",".join(self.only))
        return " ".join(parts)


def _log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def run(options: Options, log: Callable[[str], None] = _log) -> Path:
    """Run the benchmarks in `options.only`, write the report to `options.output`, return its path."""
    parse_only(",".join(options.only))
    streamlit_logger.set_log_level("error")
    machine = Machine.describe()
    sections: list[Section] = []
    scratch = Path(tempfile.mkdtemp(prefix="sdcf-bench-"))
    try:
        if "queries" in options.only:
            layout_size = queries.SPEEDUP_SIZE if queries.SPEEDUP_SIZE in options.sizes else None
            benchmark = queries.QueryBenchmark(options.sizes, layout_size, options.seed)
            sections.append(_timed(lambda: queries.run(benchmark, log)))
        if any(name in options.only for name in PAGE_BENCHMARKS):
            sections.extend(_page_sections(options, scratch, log))
        if "capacity" in options.only:
            sections.append(_timed(lambda: capacity.run(scratch, log)))
        if "embeds" in options.only:
            sections.append(_timed(lambda: embeds.run(scratch, log)))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    text = render(
        machine,
        sections,
        command=options.command,
        finished=datetime.now().astimezone(),
        load_after=os.getloadavg(),
    )
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(text, encoding="utf-8")
    return options.output


def _page_sections(options: Options, scratch: Path, log: Callable[[str], None]) -> list[Section]:
    log("surveying the pages")
    surveys = survey_pages(discover_pages())
    floor_root = scratch / "floor-app"
    write_floor_app(surveys, floor_root)
    sections = []
    if "pages" in options.only:
        sections.append(_timed(lambda: pages.run(surveys, floor_root, log)))
    if "browser" in options.only:
        sections.append(_timed(lambda: browser.run(surveys, floor_root, scratch, log)))
    if "redraw" in options.only:
        sections.append(_timed(lambda: redraw.run(surveys, scratch, log)))
    if "memory" in options.only:
        sections.append(_timed(lambda: memory.run(surveys, scratch, log)))
    if "payload" in options.only:
        sections.append(payload.run(surveys))
    return sections


def _timed(benchmark: Callable[[], Section]) -> Section:
    """Run one benchmark and note in its section how long it took, so the run's budget can be kept."""
    started = time.perf_counter()
    section = benchmark()
    section.seconds = time.perf_counter() - started
    return section
