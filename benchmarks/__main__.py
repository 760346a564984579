"""`python -m benchmarks [--only queries,pages,...] [--output PATH]` (what `make bench` runs):
measure, then write the report (docs/benchmarks.md by default)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import BENCHMARKS, DEFAULT_REPORT, parse_only


def _benchmark_names(text: str) -> tuple[str, ...]:
    try:
        return parse_only(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Run the performance benchmarks and write their report."
    )
    command.add_argument(
        "--only",
        type=_benchmark_names,
        default=BENCHMARKS,
        help=f"comma-separated subset of {','.join(BENCHMARKS)} (default: all)",
    )
    command.add_argument("--output", default=str(DEFAULT_REPORT), help="where to write the report")
    return command


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from . import suite  # here, not at the top: it imports AppTest and Playwright

    options = suite.Options(only=args.only, output=Path(args.output))
    print(f"Wrote {suite.run(options)}.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
