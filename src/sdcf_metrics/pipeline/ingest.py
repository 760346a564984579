"""Steward ingestion: merge an upload into `data/sources/`, rebuild and publish it, or change nothing.

The upload is read and converted (`upload`), merged into a staged copy of the source files, validated and
built there, and published with those sources as one transaction (`transaction`), so a batch is published
whole or not at all. Problems found in the merged files are pointed back at the upload's own rows.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from .. import paths
from ..i18n import format_number
from ..periods import period_label
from ..privacy import small_count_threshold
from ..release import PointerDamaged, read_pointer
from ..schema import SOURCE_TABLES, Table
from .build import is_stale, protected_tables, sources_fingerprint
from .cells import Problem
from .disclosure import DisclosureReport
from .transaction import STAGING_PREFIX, IngestError, publish_with_sources, publishing
from .upload.convert import Conversion, locate_in_upload, upload_to_sources
from .upload.isolated import read_upload_file
from .validate import ValidationFailed, load_sources

_MERGED = "sources"

Progress = Callable[[int, int, str], None]


class IngestRejected(IngestError):
    """The batch has problems; `problems` lists every one, in the upload's rows and columns."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(f"{count} problem{'' if count == 1 else 's'}; nothing was published")


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
        previous_version = _published_version(root)
        step("Reading the file")
        upload = read_upload_file(Path(path))
        if upload.problems or upload.steward_problems:
            raise IngestRejected(sorted({*upload.problems, *upload.steward_problems}))
        step("Checking it against the published data")
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
            publish_with_sources(root, staging, staging / _MERGED, tables, version, disclosure, today)
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
    try:
        pointer = read_pointer(paths.extracts_dir(root))
    except PointerDamaged as damaged:
        raise IngestError(f"{damaged}; then ingest the file again") from None
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
