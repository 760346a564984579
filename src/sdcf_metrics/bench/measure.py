"""Timings, targets and verdicts: the vocabulary every benchmark reports in.

A benchmark never asserts a time. It measures medians against a baseline taken in the same run, on the
same machine, and compares the result with a stated target; the report says "met" or "missed by X".
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Timing:
    """Wall-clock samples of one action, in milliseconds."""

    samples_ms: tuple[float, ...]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def min_ms(self) -> float:
        return min(self.samples_ms)

    @property
    def max_ms(self) -> float:
        return max(self.samples_ms)


def time_runs(action: Callable[[], Any], runs: int, warmups: int = 1) -> Timing:
    """Run `action` `warmups` times unmeasured, then `runs` times measured with a monotonic clock."""
    for _ in range(warmups):
        action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return Timing(tuple(samples))


Unit = Literal["×", "ms", "KB", "MB", "s"]


def format_value(value: float, unit: Unit) -> str:
    """A measurement as the report prints it: `1.37×`, `42.0 ms`, `812 ms`, `96.4 KB`."""
    if unit == "×":
        return f"{value:.2f}×" if value < 100 else f"{value:,.0f}×"
    if unit in ("ms", "KB", "MB") and abs(value) < 100:
        return f"{value:.1f} {unit}"
    if unit == "s":
        return f"{value:.1f} s"
    return f"{value:,.0f} {unit}"


@dataclass(frozen=True)
class Target:
    """A bound on one measured value: `value <= bound` (at most) or `value >= bound` (at least)."""

    bound: float
    unit: Unit
    at_most: bool = True

    def describe(self) -> str:
        return f"{'≤' if self.at_most else '≥'} {format_value(self.bound, self.unit)}"

    def is_met(self, value: float) -> bool:
        return value <= self.bound if self.at_most else value >= self.bound

    def verdict(self, value: float) -> str:
        """`met`, or `missed by X` where X is how far the value lies beyond the bound."""
        if self.is_met(value):
            return "met"
        return f"missed by {format_value(abs(value - self.bound), self.unit)}"


@dataclass(frozen=True)
class Check:
    """One measured value against its target, for the report's summary of targets."""

    benchmark: str
    subject: str
    value: float
    target: Target

    @property
    def measured(self) -> str:
        return format_value(self.value, self.target.unit)

    @property
    def verdict(self) -> str:
        return self.target.verdict(self.value)

    @property
    def is_met(self) -> bool:
        return self.target.is_met(self.value)
