"""Steward ingestion: merge an upload into `data/sources/`, rebuild, publish; or roll back one version.

A publication changes two things that must agree: the source files (what the next build reads) and the
published pointer (what readers see). Both change inside one transaction:

1. Everything new is prepared aside: the merged source files in a staging directory under the data
   directory, validated and built there; then `release.publish` writes the new version directory (with its
   own copy of those sources) and renames it into `extracts/`.
2. A journal (`.publish-journal.json`, written atomically) names the target version and the staging
   directory, which holds a copy of the current source files.
3. The source files are replaced, one atomic rename each, from the new version's copy.
4. The pointer moves (`release.write_pointer`). This is the commit.
5. The journal and the staging directory are deleted.

A failure or a crash before step 4 leaves the old pointer; from step 4 on, the new one. `recover`, which
every publishing command runs first, finishes the job from the journal: before the commit it puts the old
source files back and removes the new version's directory; after it, it makes the source files match the
new version. Either way the sources and the extracts agree again, and any batch error leaves every file
under the data directory byte-identical. An exclusive lock on the data directory keeps two publishing
commands from interleaving.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from . import paths
from .build import is_stale, protected_tables, sources_fingerprint
from .disclosure import DisclosureReport, small_count_threshold
from .i18n import format_number
from .periods import period_label
from .release import (
    atomic_write_text,
    fsync,
    is_intact,
    publish,
    read_pointer,
    remove_leftovers,
    snapshot_files,
    write_pointer,
)
from .schema import SOURCE_TABLES, Table
from .upload import Conversion, locate_in_upload, read_upload_file, upload_to_sources
from .validate import Problem, ValidationFailed, load_sources

try:
    import fcntl
except ImportError:  # not POSIX: publishing works, but nothing stops two commands running at once
    fcntl = None  # type: ignore[assignment]

JOURNAL_FILE = ".publish-journal.json"
STAGING_PREFIX = ".tmp-ingest-"
_BACKUP = "sources-before"
_MERGED = "sources"

Progress = Callable[[int, int, str], None]


class IngestError(Exception):
    """Publishing could not go ahead; the message says why and what to do. Nothing was changed."""


class IngestRejected(IngestError):
    """The batch has problems; `problems` lists every one, in the upload's rows and columns."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(f"{count} problem{'' if count == 1 else 's'}; nothing was published")


class PublishBusy(IngestError):
    """Another command is publishing in the same data directory."""


@dataclass(frozen=True)
class FigureChange:
    """One figure an ingestion adds, corrects or finds already published, as the steward reads it."""

    row: int
    observation_id: str
    city: str
    metric_id: str
    period: str
    value: str
    previous: str | None = None


@dataclass(frozen=True)
class IngestReport:
    """What an ingestion did: figures added, replaced and already published, and the versions."""

    filename: str
    rows_read: int
    added: list[FigureChange]
    replaced: list[FigureChange]
    duplicates: list[FigureChange]
    new_sources: int
    notes: list[str]
    previous_version: str
    data_version: str
    disclosure: DisclosureReport | None = None

    @property
    def published(self) -> bool:
        return self.data_version != self.previous_version

    def counts_by_city_and_metric(self) -> dict[tuple[str, str], Counter[str]]:
        """For each (city, metric): how many figures were added, replaced and already published."""
        counts: dict[tuple[str, str], Counter[str]] = {}
        for kind, changes in (
            ("added", self.added),
            ("replaced", self.replaced),
            ("duplicate", self.duplicates),
        ):
            for change in changes:
                counts.setdefault((change.city, change.metric_id), Counter())[kind] += 1
        return dict(sorted(counts.items()))


@dataclass(frozen=True)
class RollbackReport:
    from_version: str
    to_version: str


# Ingestion --------------------------------------------------------------------------------------------------


def ingest(
    path: Path, root: Path | None = None, *, today: date | None = None, progress: Progress | None = None
) -> IngestReport:
    """Validate an upload-format file, merge it into the sources and publish a new version, or change nothing.

    Raises IngestRejected (every problem of the batch), or IngestError when the data directory is not in a
    state to publish into (unpublished edits, another command publishing).
    """
    root = (root or paths.data_dir()).resolve()
    today = today or date.today()
    step = _steps(progress, 5)
    with publishing(root):
        step("Reading the file")
        upload = read_upload_file(Path(path))
        if upload.problems or upload.steward_problems:
            raise IngestRejected(sorted({*upload.problems, *upload.steward_problems}))
        step("Checking it against the published data")
        previous_version = _published_version(root)
        existing = load_sources(paths.sources_dir(root), today)
        conversion = upload_to_sources(upload, existing, require_known_places=True, today=today)
        if not conversion.ok:
            raise IngestRejected(conversion.problems)
        report = _report(upload.filename, len(upload.rows), conversion, existing, previous_version)
        if not conversion.observations:
            step("Nothing new to publish")
            return report
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root))
        try:
            step("Merging it into the sources")
            locations = _write_merged_sources(paths.sources_dir(root), staging / _MERGED, conversion)
            step("Validating and building the extracts")
            threshold = small_count_threshold()
            try:
                tables, disclosure = protected_tables(load_sources(staging / _MERGED, today), threshold)
            except ValidationFailed as failure:
                raise IngestRejected(
                    _in_upload_terms(failure.problems, locations, conversion, root)
                ) from None
            version = sources_fingerprint(staging / _MERGED, threshold)
            step(f"Publishing data version {version}")
            _publish(root, staging, tables, version, disclosure, today)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return replace(report, data_version=version, disclosure=disclosure)


def _steps(progress: Progress | None, total: int) -> Callable[[str], None]:
    counter = iter(range(1, total + 1))

    def step(label: str) -> None:
        if progress is not None:
            progress(next(counter, total), total, label)

    return step


def _published_version(root: Path) -> str:
    pointer = read_pointer(paths.extracts_dir(root))
    if pointer is None:
        raise IngestError(f"nothing is published in {root} yet; run `sdcf-metrics build` first")
    if is_stale(root):
        raise IngestError(
            f"the published version {pointer.data_version} was not built from the source files in "
            f"{paths.sources_dir(root)} as they are now (edited since, or built with another "
            "SDCF_SMALL_COUNT_THRESHOLD); publish them with `sdcf-metrics build` (or undo the edits) first, "
            "so that a rollback returns exactly to what was published"
        )
    return pointer.data_version


def _report(
    filename: str,
    rows_read: int,
    conversion: Conversion,
    existing: Mapping[str, Sequence[Mapping[str, Any]]],
    previous_version: str,
) -> IngestReport:
    cities = {row["city_id"]: row["name"] for row in existing["cities"]}
    published = {row["observation_id"]: row for row in existing["observations"]}

    def change(row: int, observation: Mapping[str, Any], previous: Mapping[str, Any] | None) -> FigureChange:
        return FigureChange(
            row=row,
            observation_id=str(observation["observation_id"]),
            city=cities.get(observation["city_id"], str(observation["city_id"])),
            metric_id=str(observation["metric_id"]),
            period=period_label(
                observation["period_kind"], observation["period_start"], observation["period_end"]
            ),
            value=_figure(observation),
            previous=None if previous is None else _figure(previous),
        )

    added, replaced = [], []
    for observation in conversion.typed["observations"]:
        identifier = observation["observation_id"]
        row = conversion.origin[identifier]
        if identifier in conversion.replaced:
            replaced.append(change(row, observation, published[identifier]))
        else:
            added.append(change(row, observation, None))
    duplicates = [
        change(row, published[identifier], None) for row, identifier in conversion.duplicates.items()
    ]
    return IngestReport(
        filename=filename,
        rows_read=rows_read,
        added=added,
        replaced=replaced,
        duplicates=duplicates,
        new_sources=len(conversion.sources),
        notes=list(conversion.notes),
        previous_version=previous_version,
        data_version=previous_version,
    )


def _figure(observation: Mapping[str, Any]) -> str:
    """The value as the steward wrote it: a number, or a range low-high."""
    if observation.get("value") is None:
        return f"{format_number(observation['value_low'])}-{format_number(observation['value_high'])}"
    return format_number(observation["value"])


def _write_merged_sources(
    source_dir: Path, target: Path, conversion: Conversion
) -> dict[tuple[str, int], int]:
    """The source files with the upload merged in; returns (table, row in merged file) -> upload row.

    New rows are appended and corrected rows replaced in place; every other byte of the files is kept.
    """
    target.mkdir()
    locations: dict[tuple[str, int], int] = {}
    additions = {"observations": conversion.observations, "sources": conversion.sources}
    for table in SOURCE_TABLES:
        original = source_dir / table.file_name
        if table.name not in additions:
            if original.is_file():
                shutil.copyfile(original, target / table.file_name)
            continue
        merged, rows = _merged_csv(original.read_bytes(), table, additions[table.name], conversion)
        (target / table.file_name).write_bytes(merged)
        locations.update(((table.file_name, number), upload_row) for number, upload_row in rows.items())
    return locations


def _merged_csv(
    data: bytes, table: Table, new_rows: Sequence[Mapping[str, str]], conversion: Conversion
) -> tuple[bytes, dict[int, int]]:
    """One source file with rows appended or replaced (by key), in the file's own column order and line
    endings; returns the bytes and, for each merged row's spreadsheet number, the upload row it came from."""
    bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
    text = data.decode("utf-8-sig")
    newline = "\r\n" if "\r\n" in text else "\n"
    records = list(csv.reader(io.StringIO(text, newline="")))
    header = records[0]
    (key,) = table.key
    position = {record[header.index(key)]: number for number, record in enumerate(records[1:], start=2)}
    replacing = {row[key]: row for row in new_rows if row[key] in position}
    appended = [row for row in new_rows if row[key] not in position]
    origins: dict[int, int] = {}
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=newline)
    if replacing:
        for identifier, row in replacing.items():
            records[position[identifier] - 1] = [row.get(column, "") for column in header]
            origins[position[identifier]] = conversion.origin[identifier]
        writer.writerows(records)
        merged = bom + buffer.getvalue()
    else:
        merged = text if text.endswith(("\n", "\r")) or not text else text + newline
        merged = bom + merged
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=newline)
    for number, row in enumerate(appended, start=len(records) + 1):
        writer.writerow([row.get(column, "") for column in header])
        origins[number] = conversion.origin[row[key]]
    return (merged + buffer.getvalue()).encode("utf-8"), origins


def _in_upload_terms(
    problems: Sequence[Problem], locations: Mapping[tuple[str, int], int], conversion: Conversion, root: Path
) -> list[Problem]:
    """Problems found in the merged files, pointed back at the upload row (or the real source file)."""
    by_file = {table.file_name: table.name for table in SOURCE_TABLES}
    located = []
    for problem in problems:
        file_name = Path(problem.path).name
        upload_row = locations.get((file_name, problem.row))
        if upload_row is not None and by_file.get(file_name) in ("observations", "sources"):
            located.append(locate_in_upload(problem, by_file[file_name], upload_row, conversion.filename))
        else:
            real = paths.sources_dir(root) / file_name if file_name in by_file else Path(problem.path)
            located.append(Problem(str(real), problem.row, problem.column, problem.message))
    return sorted(set(located))


# The transaction --------------------------------------------------------------------------------------------


@contextmanager
def publishing(root: Path | None = None) -> Iterator[str | None]:
    """Hold the data directory's lock, having first finished any interrupted ingest or rollback.

    Yields what recovery did (`completed`, `undone` or None). Every command that publishes runs inside it.
    """
    root = (root or paths.data_dir()).resolve()
    with publishing_lock(root):
        yield _recover(root) if root.is_dir() else None


@contextmanager
def publishing_lock(root: Path | None = None) -> Iterator[None]:
    """Hold the data directory's exclusive lock, or raise PublishBusy at once (no lock when it is absent)."""
    root = (root or paths.data_dir()).resolve()
    if not root.is_dir() or fcntl is None:
        yield
        return
    descriptor = os.open(root, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishBusy(
                f"another ingest, rollback or build is publishing in {root}; try again when it has finished"
            ) from None
        yield
    finally:
        os.close(descriptor)


def _publish(
    root: Path,
    staging: Path,
    tables: Mapping[str, Any],
    version: str,
    disclosure: DisclosureReport,
    today: date,
) -> None:
    extracts = paths.extracts_dir(root)
    _copy_sources(paths.sources_dir(root), staging / _BACKUP)
    created = not (extracts / version).exists()

    def switch_sources() -> None:
        _write_journal(root, {"to": version, "staging": staging.name, "created_version": created})
        _mirror_sources(snapshot_files(extracts / version), paths.sources_dir(root))

    _in_transaction(
        root,
        lambda: publish(
            tables,
            version,
            extracts,
            published_on=today,
            before_pointer=switch_sources,
            sources=staging / _MERGED,
            disclosure=disclosure.as_dict(),
        ),
    )


def _in_transaction(root: Path, work: Callable[[], object]) -> None:
    """Run `work`; on any failure put everything back (or forward, past the commit) before raising."""
    try:
        work()
    except BaseException as error:
        outcome = _recover(root)
        if isinstance(error, Exception):
            state = "the new version is published" if outcome == "completed" else "nothing was changed"
            raise IngestError(f"publishing failed ({error}); {state}") from error
        raise
    _recover(root)


def recover(root: Path | None = None) -> str | None:
    """Finish an interrupted ingest or rollback; `completed`, `undone`, or None when there was none."""
    with publishing(root) as outcome:
        return outcome


def _recover(root: Path) -> str | None:
    journal_path = root / JOURNAL_FILE
    outcome = None
    if journal_path.exists():
        try:
            journal = json.loads(journal_path.read_text(encoding="utf-8"))
            target, staging = journal["to"], root / journal["staging"]
        except (ValueError, KeyError) as error:
            raise IngestError(f"{journal_path} is damaged ({error}); inspect it by hand") from None
        extracts = paths.extracts_dir(root)
        pointer = read_pointer(extracts)
        kept = pointer.versions if pointer else []
        if pointer is not None and pointer.data_version == target:
            _mirror_sources(snapshot_files(extracts / target), paths.sources_dir(root))
            outcome = "completed"
        else:
            backup = staging / _BACKUP
            _mirror_sources({path.name: path for path in backup.iterdir()}, paths.sources_dir(root))
            if journal.get("created_version") and target not in kept:
                shutil.rmtree(extracts / target, ignore_errors=True)
            outcome = "undone"
        journal_path.unlink()
        fsync(root)
    _remove_leftovers(root)
    return outcome


def _remove_leftovers(root: Path) -> None:
    """Staging directories, temporary files and versions no pointer refers to: all from crashed runs."""
    for staging in root.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(staging, ignore_errors=True)
    for temporary in paths.sources_dir(root).glob(".tmp-*"):
        temporary.unlink()
    extracts = paths.extracts_dir(root)
    if extracts.is_dir():
        remove_leftovers(extracts)
        pointer = read_pointer(extracts)
        if pointer is not None:
            for child in extracts.iterdir():
                if child.is_dir() and child.name not in pointer.versions:
                    shutil.rmtree(child)


def _write_journal(root: Path, journal: Mapping[str, Any]) -> None:
    atomic_write_text(root / JOURNAL_FILE, json.dumps(journal))


def _copy_sources(source_dir: Path, target: Path) -> None:
    target.mkdir()
    for table in SOURCE_TABLES:
        if (source_dir / table.file_name).is_file():
            shutil.copyfile(source_dir / table.file_name, target / table.file_name)
            fsync(target / table.file_name)
    fsync(target)


def _mirror_sources(files: Mapping[str, Path], source_dir: Path) -> None:
    """Make the source table files exactly `files` (by name), one atomic replacement each; idempotent."""
    for table in SOURCE_TABLES:
        target = source_dir / table.file_name
        wanted = files.get(table.file_name)
        if wanted is None:
            target.unlink(missing_ok=True)
            continue
        content = wanted.read_bytes()
        if target.is_file() and target.read_bytes() == content:
            continue
        temporary = source_dir / f".tmp-{table.file_name}"
        temporary.write_bytes(content)
        fsync(temporary)
        os.replace(temporary, target)
    fsync(source_dir)


# Rollback ---------------------------------------------------------------------------------------------------


def rollback(root: Path | None = None, *, today: date | None = None) -> RollbackReport:
    """Publish the previous version again, with the source files it was built from.

    The rolled-back version leaves the history, so a second rollback goes one version further back.
    """
    root = (root or paths.data_dir()).resolve()
    today = today or date.today()
    with publishing(root):
        extracts = paths.extracts_dir(root)
        pointer = read_pointer(extracts)
        history = pointer.versions if pointer else []
        if pointer is None or len(history) < 2:
            raise IngestError("no earlier version is kept, so there is nothing to roll back to")
        current, previous = history[0], history[1]
        if not is_intact(extracts / previous):
            raise IngestError(f"the previous version {previous} is damaged or missing; nothing was changed")
        snapshot = snapshot_files(extracts / previous)
        if not snapshot:
            raise IngestError(
                f"the previous version {previous} was published without a copy of its source files, so they "
                "cannot be restored; restore data/sources from version control and run `sdcf-metrics build`"
            )
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root))
        try:
            _copy_sources(paths.sources_dir(root), staging / _BACKUP)

            def switch() -> None:
                _write_journal(root, {"to": previous, "staging": staging.name, "created_version": False})
                _mirror_sources(snapshot, paths.sources_dir(root))
                write_pointer(extracts, pointer.rolled_back(today))

            _in_transaction(root, switch)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return RollbackReport(from_version=current, to_version=previous)


# Progress ---------------------------------------------------------------------------------------------------


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
