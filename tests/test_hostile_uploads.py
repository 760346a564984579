"""Uploads built to take the server (issue 13, point 1): each costs what an upload may cost, no more.

Every stage of reading is bounded by what it actually reads (a zip's sizes can lie), checking stops at the
problem cap, and the page and the command line read files in a child process with a memory and a time
limit, a few at a time. Memory is measured with `tracemalloc` in this process and reported by the child;
no test asserts a duration (the capacity benchmark measures those).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import tracemalloc

import pytest
from hostile_files import lying_zip_bomb, merged_cells_workbook, problem_flood_csv

from sdcf_metrics.pipeline.upload import isolated, read
from sdcf_metrics.pipeline.upload.read import MAX_PROBLEMS, MAX_ROWS, read_upload

MB = 1024**2


def peak_memory(work) -> tuple[object, int]:
    """What `work()` returns, and the most memory Python held while it ran above what it held before."""
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_zip_whose_headers_lie_is_unpacked_no_further_than_it_may_be():
    """Its sheet says 2,000 bytes and inflates to 200 MB: reading trusts what comes out, in chunks."""
    bomb = lying_zip_bomb(200 * MB)
    result, peak = peak_memory(lambda: read_upload(bomb, "figures.xlsx"))
    assert result.rows == [] and len(result.problems) == 1
    assert "cannot unpack the workbook" in result.problems[0].message
    assert peak < 20 * MB


def test_merged_cells_are_reported_up_to_the_cap_and_never_built_one_by_one():
    """500,000 merged cells: the first 200 are reported; neither the reader nor openpyxl builds the rest."""
    workbook = merged_cells_workbook(500_000)
    result, peak = peak_memory(lambda: read_upload(workbook, "figures.xlsx"))
    merged = [problem for problem in result.problems if "merged cells" in problem.message]
    assert len(result.problems) == MAX_PROBLEMS + 1 and len(merged) > MAX_PROBLEMS // 2
    assert "checking stops after 200" in result.problems[-1].message
    assert peak < 40 * MB


def test_a_file_of_problems_is_checked_only_until_the_cap(monkeypatch):
    checked_rows = []
    check = read.check_records

    def counting(records, table, name):
        checked_rows.append(len(records) - 1)
        return check(records, table, name)

    monkeypatch.setattr(read, "check_records", counting)
    result = read_upload(problem_flood_csv(), "figures.csv")
    assert len(result.problems) == MAX_PROBLEMS + 1
    assert "checking stops after 200" in result.problems[-1].message
    assert sum(checked_rows) < MAX_ROWS // 2


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("1.8 million merged cells in 110 KB", merged_cells_workbook(1_800_000, distinct=False)),
        ("a 1 MB zip that inflates to 1 GiB", lying_zip_bomb(1024 * MB)),
    ],
    ids=["merged-cells", "zip-bomb"],
)
def test_the_files_of_the_report_cost_the_child_less_than_an_upload_may(name, data):
    reading = isolated.read_measured(data, "figures.xlsx")
    assert reading.result.rows == [] and reading.result.problems, name
    assert 0 < reading.peak_bytes < 200 * MB


def test_a_parse_that_outgrows_its_memory_is_stopped_with_a_plain_problem(monkeypatch):
    monkeypatch.setattr(isolated, "MEMORY_LIMIT_BYTES", 4 * MB)
    result = isolated.read_isolated(problem_flood_csv(), "figures.csv")
    assert result.rows == []
    assert "needed more than the 4 MB of memory an upload may use" in result.problems[0].message
    assert str(result.problems[0]).startswith("figures.csv:0:-:")


def test_a_parse_that_uses_too_much_processor_time_is_stopped_with_a_plain_problem(monkeypatch):
    monkeypatch.setattr(isolated, "CPU_LIMIT_S", 0)  # the first tick of processor time is too much
    result = isolated.read_isolated(merged_cells_workbook(500_000), "figures.xlsx")
    assert result.rows == []
    assert "took more than the 0 s of processing an upload may use" in result.problems[0].message


def test_a_parse_that_takes_too_long_in_any_case_is_stopped_with_a_plain_problem(monkeypatch):
    monkeypatch.setattr(isolated, "WALL_LIMIT_S", 0.01)
    result = isolated.read_isolated(merged_cells_workbook(500_000), "figures.xlsx")
    assert "took longer than" in result.problems[0].message


def test_only_a_few_files_are_read_at_once_and_the_others_say_they_wait(monkeypatch):
    slots = threading.BoundedSemaphore(1)
    monkeypatch.setattr(isolated, "_slots", slots)
    slots.acquire()  # another visitor's file is being read
    waited = threading.Event()
    outcome = {}

    def visitor():
        outcome["result"] = isolated.read_isolated(problem_flood_csv(), "figures.csv", on_wait=waited.set)

    thread = threading.Thread(target=visitor)
    thread.start()
    assert waited.wait(30), "the waiting visitor was told"
    assert "result" not in outcome
    slots.release()
    thread.join(60)
    assert "checking stops after 200" in outcome["result"].problems[-1].message


def test_a_file_that_waits_too_long_is_asked_to_come_back(monkeypatch):
    slots = threading.BoundedSemaphore(1)
    monkeypatch.setattr(isolated, "_slots", slots)
    monkeypatch.setattr(isolated, "WAIT_LIMIT_S", 0.1)
    slots.acquire()
    result = isolated.read_isolated(problem_flood_csv(), "figures.csv")
    assert "upload it again in a moment" in result.problems[0].message


def test_validate_reads_a_file_within_the_same_limits(tmp_path):
    hostile = tmp_path / "figures.xlsx"
    hostile.write_bytes(merged_cells_workbook(1_800_000, distinct=False))
    environment = {**os.environ}
    result = subprocess.run(
        [sys.executable, "-m", "sdcf_metrics.cli", "validate", str(hostile)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{hostile}:0:-: the workbook unpacks to more than the 20 MB an upload may hold" in result.stderr
