"""Publishing as one transaction: the source files and the published pointer change together, or neither.

A publication changes two things that must agree: the source files (what the next build reads) and the
published pointer (what readers see). Both change inside one transaction:

1. Everything new is prepared aside (by `ingest`, or a rollback's target version); `release.publish`
   writes the new version directory (with its own copy of those sources) and renames it into `extracts/`.
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

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .. import object_store, paths
from ..release import (
    PointerDamaged,
    atomic_write_text,
    fsync,
    is_intact,
    publish,
    read_pointer,
    remove_leftovers,
    snapshot_files,
    write_pointer,
)
from ..schema import SOURCE_TABLES
from .disclosure import DisclosureReport

try:
    import fcntl
except ImportError:  # not POSIX: publishing works, but nothing stops two commands running at once
    fcntl = None  # type: ignore[assignment]

JOURNAL_FILE = ".publish-journal.json"
STAGING_PREFIX = ".tmp-ingest-"
_BACKUP = "sources-before"


class IngestError(Exception):
    """Publishing could not go ahead; the message says why and what to do. Nothing was changed."""


class PublishBusy(IngestError):
    """Another command is publishing in the same data directory."""


@dataclass(frozen=True)
class RollbackReport:
    from_version: str
    to_version: str


# The transaction --------------------------------------------------------------------------------------------


@contextmanager
def publishing(root: Path | None = None) -> Iterator[str | None]:
    """Hold the data directory's lock, having first finished any interrupted ingest or rollback.

    Yields what recovery did (`completed`, `undone` or None). Every command that publishes runs inside it.
    With `SDCF_DATA_URL`, the extracts are first brought level with the bucket, and what was published
    is pushed to it when the work succeeds (`object_store`: versions first, the pointer last).
    """
    root = (root or paths.data_dir()).resolve()
    bucket = object_store.configured()
    with publishing_lock(root):
        if bucket is not None:
            object_store.pull(bucket, paths.extracts_dir(root))
        yield _recover(root) if root.is_dir() else None
        if bucket is not None:
            object_store.push(bucket, paths.extracts_dir(root))


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
        try:
            pointer = read_pointer(extracts)
        except PointerDamaged:
            pointer = None  # undone below: the build that repairs the pointer rebuilds from the old sources
        kept = pointer.on_disk if pointer else set()
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
    """Staging directories, temporary files and versions no pointer refers to: all from crashed runs.

    With a damaged pointer no version directory is touched: which ones readers use cannot be known.
    """
    for staging in root.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(staging, ignore_errors=True)
    for temporary in paths.sources_dir(root).glob(".tmp-*"):
        temporary.unlink()
    extracts = paths.extracts_dir(root)
    if extracts.is_dir():
        remove_leftovers(extracts)
        try:
            pointer = read_pointer(extracts)
        except PointerDamaged:
            return
        if pointer is not None:
            for child in extracts.iterdir():
                if child.is_dir() and child.name not in pointer.on_disk:
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


def publish_with_sources(
    root: Path,
    staging: Path,
    merged: Path,
    tables: Mapping[str, Any],
    version: str,
    disclosure: DisclosureReport,
    today: date,
) -> None:
    """Publish `tables` as `version` with `merged` as the new source files, as one transaction.

    `staging` (under the data directory) receives a copy of the current source files first, so that a
    failure or a crash at any step can put them back.
    """
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
            sources=merged,
            disclosure=disclosure.as_dict(),
        ),
    )


# Rollback ---------------------------------------------------------------------------------------------------


def rollback(root: Path | None = None, *, today: date | None = None) -> RollbackReport:
    """Publish the previous version again, with the source files it was built from.

    The rolled-back version leaves the history, so a second rollback goes one version further back.
    """
    root = (root or paths.data_dir()).resolve()
    today = today or date.today()
    with publishing(root):
        extracts = paths.extracts_dir(root)
        try:
            pointer = read_pointer(extracts)
        except PointerDamaged as damaged:
            raise IngestError(f"{damaged}; nothing was rolled back") from None
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
