"""The read-only, sandboxed DuckDB store over the published extracts.

One connection per process, held in a module-level singleton rather than a Streamlit cache (any
visitor can clear those). Every call takes its own cursor, because a DuckDB 2.0 connection refuses work
from a second thread. The connection may read the current version's Parquet files and nothing else:
external access is off, extensions cannot be installed or loaded, and the configuration is locked.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from . import paths
from .release import Release, release_of

QUERY_TIME_LIMIT_MS = 10_000
MEMORY_LIMIT = "2GB"
THREADS = 2


def _quote_literal(text: str) -> str:
    """A SQL string literal for a path the build wrote (never for user input, which is bound)."""
    return "'" + text.replace("'", "''") + "'"


@cache
def load_sql(name: str) -> str:
    """The text of `sql/<name>.sql`: queries live in files named for what they return."""
    return resources.files("sdcf_metrics").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def open_sandboxed(
    views: dict[str, list[Path]],
    setup_sql: str = "",
    time_limit_ms: int = QUERY_TIME_LIMIT_MS,
    uploads: Mapping[str, pa.Table] | None = None,
    replaced_observation_ids: Sequence[str] = (),
) -> duckdb.DuckDBPyConnection:
    """An in-memory connection exposing each Parquet file list as a view and nothing else.

    `setup_sql` (the library's own derived views) runs before the configuration is locked. `uploads` adds
    rows of a visitor's upload to the views of the same name (copied into this connection's memory, so
    nothing of them outlives it); `replaced_observation_ids` are published observations an upload corrects,
    left out of the `observations` view.

    The order matters (verified on DuckDB 2.0): limits and extension switches first, then the exact
    paths allowed, then external access off, then the configuration locked.
    """
    connection = duckdb.connect(
        ":memory:",
        config={
            "threads": THREADS,
            "memory_limit": MEMORY_LIMIT,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
            # No spilling to disk: a runaway query fails on memory instead of filling the disk.
            "temp_directory": "",
        },
    )
    allowed: list[str] = []
    uploads = dict(uploads or {})
    unknown = set(uploads) - set(views)
    if unknown:
        raise ValueError(f"uploads name tables the release does not have: {', '.join(sorted(unknown))}")
    if uploads:
        uploads["replaced_observations"] = pa.table(
            {"observation_id": pa.array(replaced_observation_ids, pa.string())}
        )
    for name, table in uploads.items():
        connection.register("upload_arrow", table)
        # `name` is one of the release's table names (checked above), never input.
        connection.execute(f'CREATE TABLE "upload_{name}" AS SELECT * FROM upload_arrow')  # noqa: S608
        connection.unregister("upload_arrow")
    for name, files in views.items():
        file_list = ", ".join(_quote_literal(str(path)) for path in files)
        # `name` and the paths come from the build's manifest, never from input.
        rows = f"SELECT * FROM read_parquet([{file_list}])"  # noqa: S608
        if name == "observations" and uploads:
            rows += " WHERE observation_id NOT IN (SELECT observation_id FROM upload_replaced_observations)"
        if name in uploads:
            rows += f' UNION ALL BY NAME SELECT * FROM "upload_{name}"'  # noqa: S608
        connection.execute(f'CREATE VIEW "{name}" AS {rows}')
        allowed.extend(str(path) for path in files)
    if setup_sql:
        connection.execute(setup_sql)
    connection.execute("SET allowed_paths = $paths", {"paths": allowed})
    # GLOBAL, because each cursor starts a new session with the global defaults.
    connection.execute("SET GLOBAL max_temp_directory_size = '0GB'")
    connection.execute(f"SET GLOBAL max_execution_time = {int(time_limit_ms)}")
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")
    return connection


class Store:
    """Named, parameterised queries over one release; safe to share between Streamlit threads."""

    def __init__(self, release: Release, connection: duckdb.DuckDBPyConnection) -> None:
        self.release = release
        self._connection = connection

    @classmethod
    def open(cls, release: Release, time_limit_ms: int = QUERY_TIME_LIMIT_MS) -> Store:
        views = {name: [path] for name, path in release.files.items()}
        return cls(release, open_sandboxed(views, load_sql("views"), time_limit_ms))

    @property
    def data_version(self) -> str:
        return self.release.data_version

    def query(self, name: str, **params: Any) -> pa.Table:
        """Run `sql/<name>.sql` with `$param` values bound, on a fresh cursor, as an Arrow table."""
        return self.sql(load_sql(name), **params)

    def sql(self, text: str, **params: Any) -> pa.Table:
        """Run SQL text with bound parameters; for the library's own queries and the sandbox tests."""
        cursor = self._connection.cursor()
        try:
            return cursor.sql(text, params=params or None).to_arrow_table()
        finally:
            cursor.close()

    def with_upload(
        self, tables: Mapping[str, pa.Table], replaced_observation_ids: Sequence[str] = ()
    ) -> Store:
        """A separate, short-lived store: this release plus one visitor's upload, for a session-only preview.

        `tables` (e.g. `upload.UploadPreview.tables`, already validated and disclosure-protected) are copied
        into a new in-memory connection with the same sandbox, so the named queries see published and
        uploaded rows together while no other session ever can. Use it in a `with` block so it is closed.
        """
        views = {name: [path] for name, path in self.release.files.items()}
        connection = open_sandboxed(
            views, load_sql("views"), QUERY_TIME_LIMIT_MS, tables, replaced_observation_ids
        )
        return Store(self.release, connection)

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


_lock = threading.Lock()
_stores: dict[Path, Store] = {}


def get_store(extracts: Path | None = None, version: str | None = None) -> Store:
    """The process-wide store for the current release (or a pinned earlier one); reopened when a new
    version is published."""
    extracts = (extracts or paths.extracts_dir()).resolve()
    release = release_of(extracts, version)
    with _lock:
        store = _stores.get(release.directory)
        if store is None or store.data_version != release.data_version:
            _stores[release.directory] = store = Store.open(release)
    return store
