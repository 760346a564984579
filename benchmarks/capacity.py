"""Capacity: what one server process serves to many visitors at once, and what hostile uploads cost.

Visitors are `tests/e2e/stream_client` sessions: Streamlit's own WebSocket messages, no browser, so fifty
of them fit on two cores beside the server. Each opens City trends or Compare cities and changes a filter
(a city, a metric) after a think time of 0.5 to 1.5 s, again and again; a rerun is timed from the change
to the end of the script. While they do, a steward publishes a new version and rolls it back, and one
client asks the server to clear every cache twice a second. A fresh server runs on a copy of the data,
with the project's `.streamlit/config.toml` (no full garbage collection after each run: docs/deployment.md).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sdcf_metrics import paths
from sdcf_metrics.pipeline.build import build
from sdcf_metrics.pipeline.transaction import rollback
from sdcf_metrics.pipeline.upload.isolated import read_measured
from tests.e2e.browser_support import Server, streamlit_server
from tests.e2e.stream_client import (
    LoadResult,
    clear_cache_flood,
    edited_observations,
    run_async,
    run_load,
)
from tests.hostile_files import lying_zip_bomb, merged_cells_workbook, problem_flood_csv

from . import ROOT
from .measure import Check, Target, format_value
from .report import Section, Table

LEVELS = (10, 20, 50)
LEVEL_SECONDS = 40.0
CLEARS_PER_SECOND = 2.0
# Streamlit keeps a closed tab's session for `server.disconnectedSessionTTL` (120 s): memory is read after.
SETTLE_S = 150.0
P95_TARGET = Target(2.0, "s")
ERRORS_TARGET = Target(0, "errors")
MEMORY_TARGET = Target(10.0, "%")
UPLOAD_TIME_TARGET = Target(10.0, "s")
UPLOAD_MEMORY_TARGET = Target(200.0, "MB")
SLOWDOWN_TARGET = Target(1.5, "×")
HOSTILE_SESSIONS = 10
HOSTILE_SECONDS = 20.0
MIB = 1024**2


@dataclass(frozen=True)
class Level:
    sessions: int
    load: LoadResult
    published: bool
    rolled_back: bool
    clears: int


def _steward(root: Path, seconds: float, done: dict[str, bool]) -> None:
    """Publish a new version a third of the way in, roll it back at two thirds, as a steward would."""
    observations = paths.sources_dir(root) / "observations.csv"
    original, edited = observations.read_bytes(), edited_observations(observations)
    time.sleep(seconds / 3)
    observations.write_bytes(edited)
    done["published"] = build(root).changed
    time.sleep(seconds / 3)
    rollback(root)
    done["rolled_back"] = observations.read_bytes() == original


def _level(server: Server, root: Path, sessions: int, seed: int) -> Level:
    done: dict[str, bool] = {}
    clears: list[int] = []

    async def during(stop: asyncio.Event) -> None:
        steward = threading.Thread(target=_steward, args=(root, LEVEL_SECONDS, done))
        steward.start()
        flood_stop = asyncio.Event()
        flood = asyncio.create_task(clear_cache_flood(server.url, flood_stop, CLEARS_PER_SECOND))
        await asyncio.sleep(LEVEL_SECONDS)
        flood_stop.set()
        clears.append(await flood)
        await asyncio.to_thread(steward.join)

    load = run_async(lambda: run_load(server.url, sessions, LEVEL_SECONDS, during=during, seed=seed))
    return Level(sessions, load, done.get("published", False), done.get("rolled_back", False), clears[0])


def _settled_rss(server: Server) -> float:
    """Resident memory once closed sessions have expired, read after one more visitor's page run (which
    also lets the store close the connections of versions no longer current)."""
    time.sleep(SETTLE_S)
    run_async(lambda: run_load(server.url, 1, 3, seed=2))
    return server.rss_mb()


def run(scratch: Path, log: Callable[[str], None] = print) -> Section:
    """Load levels, memory before and after, what hostile uploads cost and how visitors fare meanwhile."""
    root = scratch / "capacity-data"
    shutil.copytree(paths.sources_dir(), paths.sources_dir(root))
    shutil.copytree(paths.extracts_dir(), paths.extracts_dir(root))
    environment = {**os.environ, "SDCF_DATA_DIR": str(root)}
    with streamlit_server(ROOT, scratch / "capacity-server.log", environment) as server:
        log("capacity: warming up with one session")
        run_async(lambda: run_load(server.url, 1, 10, seed=1))
        before = _settled_rss(server)
        levels = []
        for sessions in LEVELS:
            log(f"capacity: {sessions} sessions for {LEVEL_SECONDS:.0f} s")
            levels.append(_level(server, root, sessions, seed=sessions))
        after = _settled_rss(server)
        log("capacity: visitors while a hostile upload is read")
        quiet, hostile = _during_hostile_reads(server)
    uploads = _upload_costs(log)
    return _section(levels, before, after, quiet, hostile, uploads)


def _during_hostile_reads(server: Server) -> tuple[LoadResult, LoadResult]:
    """10 sessions alone, then beside a hostile workbook read again and again as the page reads it (in its
    niced child process), then alone again: the two quiet runs together against the one beside."""
    hostile_file = merged_cells_workbook(500_000)
    quiet = LoadResult()
    stop = threading.Event()

    def read_again_and_again() -> None:
        while not stop.is_set():
            read_measured(hostile_file, "figures.xlsx")

    for phase in ("alone", "beside", "alone"):
        if phase == "beside":
            reader = threading.Thread(target=read_again_and_again)
            reader.start()
        result = run_async(lambda: run_load(server.url, HOSTILE_SESSIONS, HOSTILE_SECONDS, seed=99))
        if phase == "beside":
            stop.set()
            reader.join()
            hostile = result
        else:
            quiet.seconds.extend(result.seconds)
            quiet.failures.extend(result.failures)
            quiet.elapsed += result.elapsed
    return quiet, hostile


@dataclass(frozen=True)
class UploadCost:
    name: str
    size: int
    seconds: float
    peak_mb: float
    outcome: str


def _upload_costs(log: Callable[[str], None]) -> list[UploadCost]:
    files = {
        "1.8 million merged cells (the same range)": merged_cells_workbook(1_800_000, distinct=False),
        "500,000 merged cells (each a different range)": merged_cells_workbook(500_000),
        "a zip whose sheet says 2,000 bytes and inflates to 1 GiB": lying_zip_bomb(1024 * MIB),
        "a CSV whose every cell is wrong": problem_flood_csv(),
    }
    costs = []
    for name, data in files.items():
        log(f"capacity: reading {name}")
        reading = read_measured(data, "upload.xlsx" if data[:2] == b"PK" else "upload.csv")
        first = reading.result.problems[0].message if reading.result.problems else "read"
        costs.append(UploadCost(name, len(data), reading.seconds, reading.peak_bytes / MIB, first))
    return costs


def _section(
    levels: list[Level],
    before: float,
    after: float,
    quiet: LoadResult,
    hostile: LoadResult,
    uploads: list[UploadCost],
) -> Section:
    section = Section(
        "Capacity",
        __doc__.split("\n\n", 1)[1].replace("\n", " ").strip()
        + f" Each level runs {LEVEL_SECONDS:.0f} s; server memory (VmRSS) is read after a warm-up session "
        f"and again {SETTLE_S:.0f} s after the last level (Streamlit keeps a closed tab's session for 120 "
        f"s), after one more page run. Then {HOSTILE_SESSIONS} sessions run {HOSTILE_SECONDS:.0f} s alone, "
        f"{HOSTILE_SECONDS:.0f} s beside a workbook of 500,000 merged cells read again and again as the page "
        f"reads it (in its child process), and {HOSTILE_SECONDS:.0f} s alone again; last, each hostile file "
        "is read as the page reads it, and the child process reports its peak memory.",
    )
    _add_levels(section, levels)
    _add_memory(section, before, after)
    _add_hostile(section, quiet, hostile, uploads)
    return section


def _add_levels(section: Section, levels: list[Level]) -> None:
    table = Table(("Sessions", "Filter changes", "Reruns/s", "Median", "p95", "Errors", "During the run"))
    for level in levels:
        events = [
            "publish" if level.published else "publish FAILED",
            "rollback" if level.rolled_back else "rollback FAILED",
            f"{level.clears} cache clears",
        ]
        table.add(
            level.sessions,
            len(level.load.seconds),
            f"{level.load.reruns_per_second:.2f}",
            format_value(level.load.median, "s"),
            format_value(level.load.p95, "s"),
            len(level.load.failures),
            ", ".join(events),
        )
        errors = len(level.load.failures)
        section.checks.append(
            Check("Capacity", f"Errors at {level.sessions} sessions", errors, ERRORS_TARGET)
        )
        section.findings.extend(
            f"{level.sessions} sessions: {failure}" for failure in level.load.failures[:5]
        )
    section.tables.append(
        ("Filter changes under load, a publish, a rollback and a cache-clear flood:", table)
    )
    largest = levels[-1]
    section.checks.append(
        Check("Capacity", f"p95 filter change at {largest.sessions} sessions", largest.load.p95, P95_TARGET)
    )


def _add_memory(section: Section, before: float, after: float) -> None:
    growth = (after - before) / before * 100
    memory = Table(("Reading", "Server RSS"))
    memory.add("After the warm-up", format_value(before, "MB"))
    memory.add(f"{SETTLE_S:.0f} s after the last level", format_value(after, "MB"))
    memory.add("Growth", f"{growth:+.1f} %")
    section.tables.append(("", memory))
    section.checks.append(
        Check("Capacity", "Server memory after the load, above its start", growth, MEMORY_TARGET)
    )


def _add_hostile(section: Section, quiet: LoadResult, hostile: LoadResult, uploads: list[UploadCost]) -> None:
    beside = Table(("Visitors", "Filter changes", "Median", "p95", "Errors"))
    for label, result in (("alone", quiet), ("beside a hostile upload", hostile)):
        median, p95 = format_value(result.median, "s"), format_value(result.p95, "s")
        beside.add(label, len(result.seconds), median, p95, len(result.failures))
    caption = f"{HOSTILE_SESSIONS} sessions, alone and beside a hostile upload being read:"
    section.tables.append((caption, beside))
    slowdown = hostile.median / quiet.median
    section.checks.append(
        Check("Capacity", "Median filter change beside a hostile upload, vs alone", slowdown, SLOWDOWN_TARGET)
    )
    costs = Table(("Hostile upload", "Size", "Time", "Peak memory of the reader", "Outcome"))
    for cost in uploads:
        size, seconds = format_value(cost.size / 1024, "KB"), format_value(cost.seconds, "s")
        costs.add(cost.name, size, seconds, format_value(cost.peak_mb, "MB"), cost.outcome[:90])
        section.checks.append(
            Check("Capacity", f"Upload of {cost.name}: time", cost.seconds, UPLOAD_TIME_TARGET)
        )
        section.checks.append(
            Check("Capacity", f"Upload of {cost.name}: memory", cost.peak_mb, UPLOAD_MEMORY_TARGET)
        )
    section.tables.append(("What each hostile file costs to read (as the page reads it):", costs))
