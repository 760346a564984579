"""`sdcf-metrics`: the command line is a public contract; other tools and tests rely on it.

sdcf-metrics validate PATH...    check source files or upload-format files; problems on stderr as
                                 PATH:ROW:COLUMN: message
sdcf-metrics build [--if-stale]  validate the sources and publish the Parquet extracts atomically
sdcf-metrics export --format csv|xlsx|parquet --output PATH|-   the Data page's full download
sdcf-metrics ingest FILE         merge an upload-format CSV or Excel file into the sources and publish it
sdcf-metrics rollback            publish the previous version again, with the source files it was built from
sdcf-metrics template --output PATH|-   write the upload template (.csv or .xlsx)
sdcf-metrics audit [--report PATH]  check every figure against its quote; findings on stderr as
                                 PATH:ROW:COLUMN: message [rule]; --report writes the summary
sdcf-metrics publish-static OUT [--app-url URL]   every embeddable chart as static files, served from OUT/site
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from . import paths, queries
from .attribution import STEWARD_CONTACT_ENV, steward_contact
from .datatable import FORMATS, dataset_file
from .pipeline.audit import audit, report
from .pipeline.build import build, is_stale, sources_fingerprint
from .pipeline.ingest import IngestRejected, IngestReport, ingest
from .pipeline.template import write_template
from .pipeline.transaction import IngestError, publishing, rollback
from .pipeline.upload.convert import UploadCheck, check_upload_file
from .pipeline.validate import ValidationFailed, load_sources, validate_paths
from .privacy import ThresholdError
from .release import DataGroupError, DataUnavailable, PointerDamaged, read_pointer
from .schema import SOURCE_TABLES
from .static_site import SITE_LINK, publish_static
from .store import get_store

EXIT_OK, EXIT_INVALID, EXIT_UNAVAILABLE = 0, 1, 2


def _print_problems(problems: Sequence[object]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(problems)} problem(s) found.", file=sys.stderr)


def command_validate(args: argparse.Namespace) -> int:
    given = [Path(path) for path in args.paths]
    uploads = [path for path in given if _is_upload_file(path)]
    problems = validate_paths([path for path in given if path not in uploads])
    summaries = []
    for path in uploads:
        try:
            reference = load_sources(paths.sources_dir())
        except ValidationFailed as failure:
            print(f"Cannot check {path}: {failure} (run `sdcf-metrics validate` on it).", file=sys.stderr)
            return EXIT_UNAVAILABLE
        checked = check_upload_file(path, reference)
        problems = sorted({*problems, *checked.problems})
        for note in checked.notes:
            print(f"{path}: {note}", file=sys.stderr)
        summaries.append(_rows_summary(path, checked))
    if problems:
        _print_problems(problems)
    else:
        print(f"OK: {', '.join(args.paths)} valid.", file=sys.stderr)
    for summary in summaries:
        print(summary, file=sys.stderr)
    if uploads:
        print(_where_to_send(), file=sys.stderr)
    return EXIT_INVALID if problems else EXIT_OK


def _rows_summary(path: Path, checked: UploadCheck) -> str:
    """`figures.csv: 4 rows read: 2 passed every check; 2 have problems (rows 3, 5).`"""
    read, rejected = len(checked.row_numbers), checked.rejected_rows
    summary = f"{path}: {read} row(s) read: {read - len(rejected)} passed every check"
    if rejected:
        summary += f"; {len(rejected)} have problems (row(s) {', '.join(map(str, rejected))})"
    return summary + "."


def _where_to_send() -> str:
    """Where a city sends a checked file, as `SDCF_STEWARD_CONTACT` says."""
    contact = steward_contact()
    if contact:
        return f"To publish a checked file, send it to the dashboard's data stewards: {contact}"
    return (
        f"To publish a checked file, send it to the dashboard's data stewards ({STEWARD_CONTACT_ENV} is not "
        "set here: ask whoever runs the dashboard for their address)."
    )


def _is_upload_file(path: Path) -> bool:
    """A file not named after a source table is read as an upload (see sdcf_metrics/docs/data-format.md)."""
    return path.is_file() and path.name not in {table.file_name for table in SOURCE_TABLES}


def command_build(args: argparse.Namespace) -> int:
    try:
        with publishing() as recovered:
            if recovered:
                print(f"An interrupted ingest or rollback was {recovered} first.", file=sys.stderr)
            return _build(args)
    except (IngestError, ThresholdError, DataGroupError) as error:
        print(error, file=sys.stderr)
        return EXIT_UNAVAILABLE


def _build(args: argparse.Namespace) -> int:
    try:
        read_pointer(paths.extracts_dir())
    except PointerDamaged as damaged:
        print(f"{damaged}: rebuilding it; the versions it listed are no longer kept.", file=sys.stderr)
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
    table = queries.observation_table(store)
    payload = dataset_file(table, store.release.data_version, store.release.published_on, args.format).data
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


def command_audit(args: argparse.Namespace) -> int:
    root = paths.data_dir()
    result = audit(root)
    for finding in result.open:
        print(finding, file=sys.stderr)
    if args.report:
        Path(args.report).write_text(report(result, sources_fingerprint(paths.sources_dir(root))), "utf-8")
    counts = ", ".join(
        f"{rule} {found}/{accepted}/{still_open}"
        for rule, (found, accepted, still_open) in result.counts().items()
    )
    print(
        f"Audited {result.observations} observations: {len(result.findings)} finding(s), "
        f"{len(result.accepted)} accepted, {len(result.open)} open (by rule, found/accepted/open: {counts}).",
        file=sys.stderr,
    )
    return EXIT_INVALID if result.open else EXIT_OK


def command_ingest(args: argparse.Namespace) -> int:
    bar = ProgressBar(sys.stderr)
    try:
        report = ingest(Path(args.file), progress=bar)
    except IngestRejected as rejection:
        bar.close()
        _print_problems(rejection.problems)
        print("The whole batch was rejected; nothing was published.", file=sys.stderr)
        return EXIT_INVALID
    except (IngestError, ThresholdError, DataGroupError) as error:
        bar.close()
        print(error, file=sys.stderr)
        return EXIT_UNAVAILABLE
    except OSError as error:
        bar.close()
        print(f"Cannot read {args.file}: {error.strerror or error}.", file=sys.stderr)
        return EXIT_UNAVAILABLE
    bar.close()
    _print_ingest_report(report)
    return EXIT_OK


def _print_ingest_report(report: IngestReport) -> None:
    print(f"{report.filename}: {report.rows_read} row(s) read.")
    for note in report.notes:
        print(f"  note: {note}")
    if not report.published:
        print(
            f"Nothing new: every figure is already published (data version {report.data_version} unchanged)."
        )
    else:
        print(f"Published data version {report.data_version} (previous: {report.previous_version}).")
        print(
            f"{len(report.added)} figure(s) added, {len(report.replaced)} replaced, "
            f"{len(report.duplicates)} already published (not added again); "
            f"{report.new_sources} new source(s)."
        )
    for (city, metric), counts in report.counts_by_city_and_metric().items():
        parts = [f"{counts[kind]} {label}" for kind, label in _CHANGE_LABELS if counts[kind]]
        print(f"  {city} / {metric}: {', '.join(parts)}")
    for heading, changes in (("Replaced:", report.replaced), ("Already published:", report.duplicates)):
        if changes:
            print(heading)
        for change in changes:
            was = f"{change.previous} -> " if change.previous is not None else ""
            figure = f"{change.city}, {change.metric_id}, {change.period}: {was}{change.value}"
            print(f"  row {change.row}: {figure} (observation {change.observation_id})")
    if report.published and report.disclosure:
        done, threshold = report.disclosure, report.disclosure.threshold
        print(
            f"Disclosure control in the published data (threshold {threshold}): {done.suppressed_small} "
            f"small count(s) shown as <{threshold}, {done.suppressed_secondary} part(s) withheld to protect "
            f"them, {done.withheld_rows} breakdown row(s) not published."
        )
    if report.published:
        print("To undo: sdcf-metrics rollback")


_CHANGE_LABELS = (("added", "added"), ("replaced", "replaced"), ("duplicate", "already published"))


def command_rollback(args: argparse.Namespace) -> int:
    try:
        result = rollback()
    except (IngestError, DataGroupError) as error:
        print(error, file=sys.stderr)
        return EXIT_UNAVAILABLE
    print(
        f"Rolled back from data version {result.from_version} to {result.to_version}; "
        f"{paths.sources_dir()} holds the source files {result.to_version} was built from.",
        file=sys.stderr,
    )
    return EXIT_OK


def command_template(args: argparse.Namespace) -> int:
    try:
        metrics = queries.metrics(get_store())
    except DataUnavailable as error:
        metrics = []
        print(
            f"{error} Meanwhile the template lists no metric ids (see sdcf_metrics/docs/data-format.md).",
            file=sys.stderr,
        )
    try:
        written = write_template(args.output, metrics, sys.stdout.buffer)
    except ValueError as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID
    except OSError as error:
        print(f"Cannot write {args.output}: {error.strerror or error}.", file=sys.stderr)
        return EXIT_UNAVAILABLE
    if args.output != "-":
        print(f"Wrote the upload template to {written}.", file=sys.stderr)
    return EXIT_OK


def command_publish_static(args: argparse.Namespace) -> int:
    try:
        store = get_store()
        pointer = read_pointer(paths.extracts_dir())
    except DataUnavailable as error:
        print(error, file=sys.stderr)
        return EXIT_UNAVAILABLE
    out = Path(args.out)
    kept = pointer.versions if pointer else []
    report = publish_static(out, store, app_url=args.app_url, kept_versions=kept)
    if not report.images:
        print("No Chromium here: the charts were written without PNG and SVG images.", file=sys.stderr)
    state = f"now served from {out / SITE_LINK}" if report.changed else "unchanged"
    print(
        f"Static copy of data version {report.data_version}: {report.charts} charts, {len(report.written)} "
        f"file(s) written, {report.kept} unchanged, {report.rendered_images} image(s) rendered; release "
        f"{report.release} {state}.",
        file=sys.stderr,
    )
    return EXIT_OK


class ProgressBar:
    """A progress bar for long work, on one line of a terminal, else one line per step.

    Call it with (step, steps, label), e.g. `[########------------] 2/5 Checking it`.
    """

    def __init__(self, stream: TextIO | None = None, width: int = 20) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.interactive = self.stream.isatty()
        self.open_line = False

    def __call__(self, step: int, steps: int, label: str) -> None:
        filled = round(self.width * step / steps)
        line = f"[{'#' * filled}{'-' * (self.width - filled)}] {step}/{steps} {label}"
        if self.interactive:
            self.stream.write(f"\r\x1b[2K{line}")
            self.open_line = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line, so that what follows starts on a line of its own."""
        if self.open_line:
            self.stream.write("\n")
            self.stream.flush()
            self.open_line = False


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
    export.add_argument("--format", choices=FORMATS, required=True)
    export.add_argument("--output", required=True, help="file path, or - for standard output (csv only)")
    export.set_defaults(run=command_export)

    ingest_command = commands.add_parser(
        "ingest", help="merge an upload-format CSV or Excel file into the sources and publish a new version"
    )
    ingest_command.add_argument(
        "file", help="a file in the upload format (see sdcf_metrics/docs/data-format.md)"
    )
    ingest_command.set_defaults(run=command_ingest)

    rollback_command = commands.add_parser(
        "rollback", help="publish the previous version again, with the source files it was built from"
    )
    rollback_command.set_defaults(run=command_rollback)

    audit_command = commands.add_parser(
        "audit", help="check every figure against its quote, with the accepted exceptions"
    )
    audit_command.add_argument("--report", help="write the summary by rule here, e.g. docs/data-audit.md")
    audit_command.set_defaults(run=command_audit)

    template = commands.add_parser("template", help="write the upload template, with example rows")
    template.add_argument(
        "--output", required=True, help="a .csv or .xlsx file path, or - for CSV on standard output"
    )
    template.set_defaults(run=command_template)

    static = commands.add_parser(
        "publish-static", help="write every embeddable chart as static files a plain web server can serve"
    )
    static.add_argument("out", help="a directory; serve OUT/site (a link swapped atomically on each run)")
    static.add_argument(
        "--app-url", default="", help="the dashboard's address, for each chart's 'Explore' link"
    )
    static.set_defaults(run=command_publish_static)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
