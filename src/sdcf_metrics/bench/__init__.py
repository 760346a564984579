"""Performance benchmarks: `sdcf-metrics bench` (`make bench`) measures and writes `docs/benchmarks.md`.

Targets are checked here, against baselines measured in the same run, never in timed unit tests. This
module stays free of heavy imports so the command line can list and check the benchmark names cheaply.
"""

from __future__ import annotations

from .. import paths

BENCHMARKS = ("queries", "pages", "browser", "memory", "payload")
DEFAULT_REPORT = paths.PROJECT_ROOT / "docs" / "benchmarks.md"


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
