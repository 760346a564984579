"""The benchmark report as Markdown: the machine, a summary of every target, then one section each.

The report is written by `python -m benchmarks` itself, so `docs/benchmarks.md` is always the output of a
real run and says on which machine, with which versions and on which day it was measured.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path

from .measure import Check

VERSIONED_PACKAGES = ("duckdb", "pandas", "pyarrow", "streamlit", "plotly", "playwright")


@dataclass
class Table:
    """A Markdown table: a header row and rows of already formatted cells."""

    columns: Sequence[str]
    rows: list[Sequence[str]] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns: {cells}")
        self.rows.append([str(cell) for cell in cells])

    def markdown(self) -> str:
        def line(cells: Sequence[str]) -> str:
            return "| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |"

        return "\n".join([line(self.columns), line(["---"] * len(self.columns)), *map(line, self.rows)])


@dataclass
class Section:
    """One benchmark's part of the report: how it was measured, its tables, checks and findings."""

    title: str
    method: str
    tables: list[tuple[str, Table]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    seconds: float | None = None

    def markdown(self) -> str:
        took = f" This benchmark took {self.seconds:.0f} s." if self.seconds is not None else ""
        parts = [f"## {self.title}", self.method + took]
        for caption, table in self.tables:
            if caption:
                parts.append(caption)
            parts.append(table.markdown())
        if self.findings:
            parts.append("Findings:\n\n" + "\n".join(f"- {finding}" for finding in self.findings))
        return "\n\n".join(parts)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


@dataclass(frozen=True)
class Machine:
    """Where and when the benchmarks ran, and how busy the machine was."""

    cpu: str
    cores: int
    memory: str
    system: str
    python: str
    packages: dict[str, str]
    started: datetime
    load_before: tuple[float, float, float]

    @classmethod
    def describe(cls, started: datetime | None = None) -> Machine:
        return cls(
            cpu=_cpu_model(),
            cores=os.cpu_count() or 1,
            memory=_memory_gib(),
            system=f"{platform.system()} {platform.release()}",
            python=platform.python_version(),
            packages={package: _version(package) for package in VERSIONED_PACKAGES},
            started=started or datetime.now().astimezone(),
            load_before=os.getloadavg(),
        )

    def table(self, finished: datetime, load_after: tuple[float, float, float]) -> Table:
        table = Table(("", ""))
        table.add("CPU", f"{self.cpu}, {self.cores} cores")
        table.add("Memory", self.memory)
        table.add("System", self.system)
        table.add("Python", self.python)
        for package, version in self.packages.items():
            table.add(package, version)
        table.add(
            "Run", f"{self.started:%Y-%m-%d %H:%M %Z}, {(finished - self.started).total_seconds():.0f} s"
        )
        table.add(
            "Load average (1 min) before / after",
            f"{self.load_before[0]:.2f} / {load_after[0]:.2f}",
        )
        return table


INTRODUCTION = (
    "Performance targets live here, not in timed unit tests: machines are noisy, so every figure is a "
    "median, and every target compares with a baseline measured in the same run on the same machine. "
    "This file is written by `make bench` (`python -m benchmarks`); regenerate it rather than editing it."
)


def render(
    machine: Machine,
    sections: Sequence[Section],
    *,
    command: str,
    finished: datetime,
    load_after: tuple[float, float, float],
) -> str:
    """The whole report as Markdown text."""
    summary = Table(("Benchmark", "Measured", "Value", "Target", "Verdict"))
    checks = [check for section in sections for check in section.checks]
    for check in checks:
        summary.add(check.benchmark, check.subject, check.measured, check.target.describe(), check.verdict)
    met = sum(check.is_met for check in checks)
    parts = [
        "# Benchmarks",
        INTRODUCTION,
        f"Command: `{command}`",
        "## Machine",
        machine.table(finished, load_after).markdown(),
        "## Targets",
        f"{met} of {len(checks)} targets met.",
        summary.markdown(),
        *(section.markdown() for section in sections),
    ]
    return "\n\n".join(parts) + "\n"
