"""`sdcf-metrics`: the command line is a public contract; other tools and tests rely on it.

sdcf-metrics validate PATH...    check source files; problems on stderr as PATH:ROW:COLUMN: message
sdcf-metrics build [--if-stale]  validate the sources and publish the Parquet extracts atomically
sdcf-metrics export --format csv|xlsx|parquet --output PATH|-
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import paths
from .attribution import DATA_LICENCE_NOTE, citation
from .build import build, is_stale
from .export import to_csv_bytes, to_parquet_bytes, to_xlsx_bytes
from .store import DataUnavailable, get_store
from .validate import ValidationFailed, validate_paths

EXIT_OK, EXIT_INVALID, EXIT_UNAVAILABLE = 0, 1, 2


def _print_problems(problems: Sequence[object]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(problems)} problem(s) found.", file=sys.stderr)


def command_validate(args: argparse.Namespace) -> int:
    problems = validate_paths([Path(path) for path in args.paths])
    if problems:
        _print_problems(problems)
        return EXIT_INVALID
    print(f"OK: {', '.join(args.paths)} valid.", file=sys.stderr)
    return EXIT_OK


def command_build(args: argparse.Namespace) -> int:
    if args.if_stale and not is_stale():
        print("Extracts are up to date.", file=sys.stderr)
        return EXIT_OK
    try:
        publication = build()
    except ValidationFailed as failure:
        _print_problems(failure.problems)
        print("Nothing was published.", file=sys.stderr)
        return EXIT_INVALID
    state = "published" if publication.changed else "already current"
    counts = ", ".join(f"{name} {rows}" for name, rows in sorted(publication.rows.items()))
    print(f"Data version {publication.data_version} {state} ({counts}).", file=sys.stderr)
    return EXIT_OK


def command_export(args: argparse.Namespace) -> int:
    try:
        store = get_store()
    except DataUnavailable as error:
        print(error, file=sys.stderr)
        return EXIT_UNAVAILABLE
    table = store.query("flat_dataset", city_ids=None, metric_ids=None)
    release = store.release
    if args.format == "csv":
        payload = to_csv_bytes(table)
    elif args.format == "xlsx":
        about = [
            ("Dataset", "sdcf-metrics: sourced evidence on supervised drug consumption facilities"),
            ("Data version", release.data_version),
            ("Published", release.published_on),
            ("Licence", DATA_LICENCE_NOTE),
            ("How to cite", citation(release.data_version, release.published_on)),
            ("Rows", str(table.num_rows)),
        ]
        payload = to_xlsx_bytes(table, about)
    else:
        payload = to_parquet_bytes(table)
    if args.output == "-":
        if args.format != "csv":
            print("Only csv can be written to standard output; give a file path.", file=sys.stderr)
            return EXIT_INVALID
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
    else:
        Path(args.output).write_bytes(payload)
        print(f"Wrote {table.num_rows} rows to {args.output}.", file=sys.stderr)
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="sdcf-metrics",
        description="Sourced evidence on supervised drug consumption facilities. "
        f"Data directory: {paths.data_dir()} (set SDCF_DATA_DIR to use another).",
    )
    commands = top.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check source files without publishing anything")
    validate.add_argument("paths", nargs="+", help="a sources directory or individual table CSVs")
    validate.set_defaults(run=command_validate)

    build_command = commands.add_parser("build", help="validate the sources and publish the extracts")
    build_command.add_argument("--if-stale", action="store_true", help="do nothing when already current")
    build_command.set_defaults(run=command_build)

    export = commands.add_parser("export", help="write the whole dataset as one flat table")
    export.add_argument("--format", choices=("csv", "xlsx", "parquet"), required=True)
    export.add_argument("--output", required=True, help="file path, or - for standard output (csv only)")
    export.set_defaults(run=command_export)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
