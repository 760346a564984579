"""Performance benchmarks: `python -m benchmarks` (`make bench`) measures and writes `docs/benchmarks.md`.

Development tooling, outside the runtime package: it is neither installed nor shipped. Targets are checked
here, against baselines measured in the same run, never in timed unit tests. This module stays free of
heavy imports so the command line can list and check the benchmark names cheaply.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ("queries", "pages", "browser", "redraw", "memory", "payload", "capacity", "embeds")
DEFAULT_REPORT = ROOT / "docs" / "benchmarks.md"


def parse_only(text: str) -> tuple[str, ...]:
    """`queries,pages` -> ("queries", "pages"); ValueError naming the choices for anything else."""
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown or not names:
        raise ValueError(
            f"unknown benchmark {', '.join(repr(name) for name in unknown) or '(none given)'}; "
            f"choose from {', '.join(BENCHMARKS)}"
        )
    return names
