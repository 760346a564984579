"""Timings, targets and verdicts: the vocabulary every benchmark reports in.

A benchmark never asserts a time. It measures medians against a baseline taken in the same run, on the
same machine, and compares the result with a stated target; the report says "met" or "missed by X".
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
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
    def p90_ms(self) -> float:
        """The 90th percentile (inclusive: it lies between the samples, never beyond the slowest)."""
        if len(self.samples_ms) < 2:
            return self.samples_ms[0]
        return statistics.quantiles(self.samples_ms, n=10, method="inclusive")[-1]


def time_interleaved(actions: Sequence[Callable[[], Any]], runs: Sequence[int]) -> list[Timing]:
    """Time actions in turn (a, b, a, b, ...), `runs[i]` samples of action i, with a monotonic clock.

    Taking turns puts a burst of load from elsewhere on the machine on every action alike, so their
    ratio holds up better than their absolute times. There is no warm-up here: run each action once
    before (the runs that check the results do that).
    """
    samples: list[list[float]] = [[] for _ in actions]
    for turn in range(max(runs)):
        for index, action in enumerate(actions):
            if turn < runs[index]:
                started = time.perf_counter()
                action()
                samples[index].append((time.perf_counter() - started) * 1000)
    return [Timing(tuple(taken)) for taken in samples]


Unit = Literal["×", "µs", "ms", "KB", "MB", "s", "%", "errors"]


def format_value(value: float, unit: Unit) -> str:
    """A measurement as the report prints it: `1.37×`, `48 µs`, `42.0 ms`, `812 ms`, `96.4 KB`, `3.2 %`,
    `0 errors`."""
    if unit == "errors":
        return f"{value:,.0f} errors"
    if unit == "%":
        return f"{value:.1f} %"
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
        """`met`, or `missed by X` where X is how far the value lies beyond the bound; a miss too small
        for the report's precision (a ratio of 1.2504 against 1.25, printed as 1.25×) says so rather than
        printing `missed by 0.00×`."""
        if self.is_met(value):
            return "met"
        margin = abs(value - self.bound)
        shown = format_value(margin, self.unit)
        if format_value(0, self.unit) == shown:
            smallest = format_value(_precision(margin, self.unit), self.unit)
            return f"missed by less than {smallest}"
        return f"missed by {shown}"


def _precision(value: float, unit: Unit) -> float:
    """The smallest step `format_value` prints for `value` in `unit`."""
    if unit == "×" and value < 100:
        return 0.01
    if unit in ("%", "s") or (unit in ("ms", "KB", "MB") and abs(value) < 100):
        return 0.1
    return 1.0


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
