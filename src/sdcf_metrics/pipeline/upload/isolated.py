"""Reading an upload where it cannot take the server: in a child process, bounded in memory and time, a
few at a time.

`read.read_upload` bounds every stage by what it actually reads, but the libraries under it (openpyxl,
expat, the csv module) build objects it does not see, and a file crafted for one of them could still take
gigabytes or minutes. So the page and the command line read uploads here:

- the reading runs in a child process of its own, a fresh interpreter that imports only the reader (a
  fork of the dashboard would copy its memory and its threads, and `multiprocessing` would run the page
  script that Streamlit sets as `__main__` again in the child);
- the child may grow its address space by `MEMORY_LIMIT_BYTES` at most and use `CPU_LIMIT_S` of processor
  time (`setrlimit`: what it costs the server, however busy the machine is), runs at a lower priority than
  the pages (`nice`), and is killed after `WALL_LIMIT_S` in any case (a child stuck without using the
  processor);
- at most `MAX_PARALLEL` files are read at once in a server process; the others wait, up to
  `WAIT_LIMIT_S`, and the page says they are waiting.

A file that breaks a limit gets one plain problem, like any other unreadable file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from pathlib import Path

from ..cells import Problem
from .read import MAX_UPLOAD_BYTES, UploadResult, display_name, read_upload, refused, too_large

MEMORY_LIMIT_BYTES = 150 * 1024**2
CPU_LIMIT_S = 8
WALL_LIMIT_S = 60.0
MAX_PARALLEL = 2
WAIT_LIMIT_S = 60.0
NICENESS = 10

_slots = threading.BoundedSemaphore(MAX_PARALLEL)


@dataclass(frozen=True)
class Reading:
    """An upload as read in a child process, with what reading it cost: seconds in all, and the child's
    peak resident memory, interpreter included (0 when the child could not say)."""

    result: UploadResult
    seconds: float
    peak_bytes: int


def read_isolated(data: bytes, filename: str, *, on_wait: Callable[[], None] | None = None) -> UploadResult:
    """`read.read_upload` in a child process, within the limits above; `on_wait` is called once if the file
    has to wait for others to be read first."""
    return read_measured(data, filename, on_wait=on_wait).result


def read_upload_file(path: Path) -> UploadResult:
    """`read_isolated` for a file on disk, refusing an oversized file before reading it into memory."""
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        return refused(display_name(str(path)), too_large(size))
    return read_isolated(path.read_bytes(), str(path))


def read_measured(data: bytes, filename: str, *, on_wait: Callable[[], None] | None = None) -> Reading:
    """`read_isolated`, with what the reading cost (the capacity benchmark reports it)."""
    started = time.perf_counter()
    if not data or len(data) > MAX_UPLOAD_BYTES:
        return Reading(read_upload(data, filename), time.perf_counter() - started, 0)  # nothing to parse
    with _slot(on_wait) as granted:
        if not granted:
            message = (
                "the server is checking many files at the moment and yours waited more than "
                f"{WAIT_LIMIT_S:.0f} s; upload it again in a moment"
            )
            return Reading(refused(display_name(filename), message), time.perf_counter() - started, 0)
        result, peak = _in_child(data, filename)
    return Reading(result, time.perf_counter() - started, peak)


@contextmanager
def _slot(on_wait: Callable[[], None] | None) -> Iterator[bool]:
    granted = _slots.acquire(blocking=False)
    if not granted:
        if on_wait is not None:
            on_wait()
        granted = _slots.acquire(timeout=WAIT_LIMIT_S)
    try:
        yield granted
    finally:
        if granted:
            _slots.release()


def _in_child(data: bytes, filename: str) -> tuple[UploadResult, int]:
    """Read in a fresh interpreter (`python -m` this module): the file name as a JSON line, then the bytes,
    in on its standard input; the result back as JSON, which a hostile file cannot turn into code."""
    command = [sys.executable, "-m", __name__, str(MEMORY_LIMIT_BYTES), str(CPU_LIMIT_S)]
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    request = json.dumps(filename).encode() + b"\n" + data
    try:
        output, _ = child.communicate(request, timeout=WALL_LIMIT_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return _refusal(
            filename, f"reading it took longer than the {WALL_LIMIT_S:.0f} s an upload may take"
        ), 0
    if child.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return _refusal(
            filename, f"reading it took more than the {CPU_LIMIT_S} s of processing an upload may use"
        ), 0
    if child.returncode != 0 or not output:
        limit = MEMORY_LIMIT_BYTES / 1024**2
        return _refusal(
            filename, f"reading it needed more than the {limit:.0f} MB of memory an upload may use"
        ), 0
    answer = json.loads(output)
    problems = {
        key: [Problem(*problem) for problem in answer[key]] for key in ("problems", "steward_problems")
    }
    result = UploadResult(
        answer["filename"], answer["rows"], answer["row_numbers"], notes=answer["notes"], **problems
    )
    return result, answer["peak"]


def _refusal(filename: str, what_happened: str) -> UploadResult:
    return refused(
        display_name(filename),
        f"{what_happened}, so it may be damaged or built to harm the server; open it and save it again as "
        "CSV UTF-8 or as an Excel workbook (.xlsx), or copy its rows into the template",
    )


def _child_main() -> None:
    """The child: lower its priority, cap its address space and processor time, read, send the result and
    its peak memory.

    A file that breaks the memory limit ends the child with an error and no output, which the parent
    reports as such.
    """
    import resource  # POSIX only, like the limits it sets

    os.nice(NICENESS)
    seconds = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))  # SIGXCPU, then SIGKILL
    filename = json.loads(sys.stdin.buffer.readline())
    data = sys.stdin.buffer.read()
    size = _status_kilobytes("VmSize")
    if size:  # without /proc the child's own size is unknown, and so is a safe limit
        limit = size * 1024 + int(sys.argv[1])
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    result = read_upload(data, filename)
    answer = {
        "filename": result.filename,
        "rows": result.rows,
        "row_numbers": result.row_numbers,
        "problems": [astuple(problem) for problem in result.problems],
        "notes": result.notes,
        "steward_problems": [astuple(problem) for problem in result.steward_problems],
        "peak": _status_kilobytes("VmHWM") * 1024,
    }
    sys.stdout.buffer.write(json.dumps(answer).encode())


def _status_kilobytes(field: str) -> int:
    """A `/proc/self/status` figure in kB (`VmRSS`, `VmSize`, `VmHWM`); 0 where there is no /proc."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    _child_main()
