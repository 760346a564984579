"""The read-only, sandboxed DuckDB store over the published extracts.

One connection per published version and process, held in a module-level registry rather than a
Streamlit cache (any visitor can clear those). Every call takes its own cursor, because a DuckDB 2.0
connection refuses work from a second thread. The connection may read the version's Parquet files and
nothing else: external access is off, extensions cannot be installed or loaded, and the configuration is
locked.

Every query is held to hard limits, including where DuckDB's own do not reach:

- only one SELECT runs, over the store's views (and the table macros of `views.sql` the dashboard's own
  SQL files read), calling only functions those files call: the catalogue cannot be changed, settings
  (`current_setting('allowed_paths')`), the catalogue's SQL and files outside the views cannot be read;
- a watchdog interrupts a query at its time limit (DuckDB's `max_execution_time` is not checked in every
  operator, nor while a result is handed over);
- the result is streamed and refused beyond `RESULT_LIMIT_BYTES` (DuckDB's memory limit does not count
  a result being handed over).

The connection of a version no longer current is closed once it has been unused for `IDLE_CLOSE_S`; a
page run still holding its store reopens it if it asks again.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from . import object_store, paths
from .cache import version_replaced
from .extracts import DERIVED_TABLES, SPLIT_COLUMN, is_split
from .release import Release, release_of

QUERY_TIME_LIMIT_MS = 10_000
MEMORY_LIMIT = "2GB"
RESULT_LIMIT_BYTES = 256 * 1024**2
THREADS = 2
IDLE_CLOSE_S = 60.0
_BATCH_ROWS = 131_072
# SQL files that define the store's views rather than answer a page: not queries, and what they call is
# not thereby allowed to a query.
SETUP_SQL = ("views", *DERIVED_TABLES)


class QueryRefused(duckdb.PermissionException):
    """The SQL is not a single SELECT over the views with the functions the dashboard's SQL uses."""


class QueryTimeout(duckdb.InterruptException):
    """The query ran past its time limit and was interrupted."""


class QueryTooLarge(duckdb.OutOfMemoryException):
    """The query's result grew past the result limit and was abandoned."""


def _quote_literal(text: str) -> str:
    """A SQL string literal for a path the build wrote (never for user input, which is bound)."""
    return "'" + text.replace("'", "''") + "'"


@cache
def load_sql(name: str) -> str:
    """The text of `sql/<name>.sql`: queries live in files named for what they return."""
    return resources.files("sdcf_metrics").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


# What a query may do --------------------------------------------------------------------------------------


def _syntax_trees(texts: Sequence[str]) -> list[dict[str, Any]]:
    """DuckDB's own parse of each text (`json_serialize_sql`, which serialises SELECT statements only),
    on a connection of its own that is closed after."""
    with duckdb.connect(":memory:") as parser:
        return [
            json.loads(parser.execute("SELECT json_serialize_sql($text)", {"text": text}).fetchall()[0][0])
            for text in texts
        ]


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


@cache
def _named_query_nodes() -> tuple[dict[str, Any], ...]:
    folder = resources.files("sdcf_metrics").joinpath("sql")
    texts = [
        entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".sql") and entry.name.removesuffix(".sql") not in SETUP_SQL
    ]
    return tuple(_nodes(_syntax_trees(texts)))


@cache
def allowed_functions() -> frozenset[str]:
    """Every function and operator the dashboard's named queries call: all a query may call."""
    return frozenset(node["function_name"] for node in _named_query_nodes() if "function_name" in node)


@cache
def allowed_table_functions() -> frozenset[str]:
    """The table macros of `views.sql` the named queries read from (`chosen_dataset_rows`): the only table
    functions a query may call, so no file reader (`read_csv`, `glob`) is ever one of them."""
    named = (_table_function(node) for node in _named_query_nodes() if node.get("type") == "TABLE_FUNCTION")
    return frozenset(name for name in named if name)


def _table_function(node: dict[str, Any]) -> str:
    function = node.get("function", {})
    if function.get("catalog") or function.get("schema"):
        return ""  # a qualified name is never one of the store's own macros
    return str(function.get("function_name", ""))


@lru_cache(maxsize=256)  # the named queries are a few dozen texts; anything else is parsed again
def check_query(text: str) -> None:
    """Refuse (QueryRefused) anything but one SELECT over the store's views with allowed functions.

    This makes the catalogue read-only to queries and keeps settings and files out of reach, whatever a
    query's text: it is checked on DuckDB's own parse of it, not by looking for words.
    """
    (tree,) = _syntax_trees([text])
    if tree.get("error") or len(tree.get("statements", [])) != 1:
        raise QueryRefused("Permission denied: only a single SELECT statement may run on the store")
    allowed = allowed_functions()
    for node in _nodes(tree["statements"]):
        if node.get("type") == "SHOW_REF" or (
            node.get("type") == "TABLE_FUNCTION" and _table_function(node) not in allowed_table_functions()
        ):
            raise QueryRefused("Permission denied: a query may read the store's views only")
        if node.get("type") == "BASE_TABLE" and (node.get("catalog_name"), node.get("schema_name")) != (
            "",
            "",
        ):
            raise QueryRefused("Permission denied: a query may read the store's views only, by their names")
        if "function_name" in node and node["function_name"] not in allowed:
            raise QueryRefused(
                f"the function {node['function_name']!r} is not one the dashboard's queries use"
            )


# The watchdog ----------------------------------------------------------------------------------------------


class _Watchdog:
    """One thread for every store: interrupts each running query once its deadline has passed.

    The thread runs while there is a query to watch and ends as soon as there is none, so none is left
    behind at exit (a thread alive then keeps the stores' connections from being freed).
    """

    TICK_S = 0.05

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._deadlines: dict[int, tuple[float, duckdb.DuckDBPyConnection]] = {}
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()

    @contextmanager
    def watching(self, cursor: duckdb.DuckDBPyConnection, seconds: float) -> Iterator[None]:
        """Interrupt `cursor` if the block still runs after `seconds`."""
        token = id(cursor)
        with self._lock:
            self._deadlines[token] = (time.monotonic() + seconds, cursor)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sdcf-query-watchdog")
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._deadlines.pop(token, None)
                if not self._deadlines:
                    self._idle.set()

    def _run(self) -> None:
        while True:
            self._idle.wait(self.TICK_S)
            now = time.monotonic()
            with self._lock:
                self._idle.clear()
                if not self._deadlines:
                    self._thread = None
                    return
                late = [token for token, (deadline, _) in self._deadlines.items() if now > deadline]
                cursors = [self._deadlines.pop(token)[1] for token in late]
            for cursor in cursors:
                cursor.interrupt()
            del cursors


_watchdog = _Watchdog()


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
        # Said outright: DuckDB would otherwise guess partitions from any `key=value` folder on the path.
        partitions = (
            f"hive_partitioning = true, hive_types = {{'{SPLIT_COLUMN}': 'VARCHAR'}}"
            if is_split(files)
            else "hive_partitioning = false"
        )
        # `name` and the paths come from the build's manifest, never from input.
        rows = f"SELECT * FROM read_parquet([{file_list}], {partitions})"  # noqa: S608
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
    # A version's files never change, so their footers are parsed once, not on every query.
    connection.execute("SET GLOBAL parquet_metadata_cache = true")
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")
    return connection


def release_views(
    files: Mapping[str, Sequence[Path]], *, derived: bool = True
) -> tuple[dict[str, list[Path]], str]:
    """The views of a store over a release's files, and the SQL that completes them (`views.sql`).

    The tables the build derived (`DERIVED_TABLES`) are read from their files when the release has them and
    `derived` is True; otherwise (a store holding an upload, or a version written before they existed)
    they are views computed from the base tables by the same SQL the build ran.
    """
    views = {name: list(paths) for name, paths in files.items() if derived or name not in DERIVED_TABLES}
    # The names are the library's own table names, the SQL its own files.
    computed = "".join(
        f"CREATE VIEW {name} AS {load_sql(name)};\n" for name in DERIVED_TABLES if name not in views
    )
    return views, computed + load_sql("views")


class Store:
    """Named, parameterised queries over one release; safe to share between Streamlit threads.

    `reopen` makes a closed store open its connection again (the registry closes stores of versions
    no longer current); a store without it stays closed.
    """

    # True for a store holding a visitor's upload (`with_upload`): its results are never cached.
    private = False

    def __init__(
        self,
        release: Release,
        connection: duckdb.DuckDBPyConnection,
        *,
        time_limit_ms: int = QUERY_TIME_LIMIT_MS,
        result_limit_bytes: int = RESULT_LIMIT_BYTES,
        reopen: Callable[[], duckdb.DuckDBPyConnection] | None = None,
    ) -> None:
        self.release = release
        self.time_limit_ms = time_limit_ms
        self.result_limit_bytes = result_limit_bytes
        self._connection: duckdb.DuckDBPyConnection | None = connection
        self._reopen = reopen
        self._guard = threading.Lock()
        self._running = 0
        self.last_used = time.monotonic()

    @classmethod
    def open(
        cls,
        release: Release,
        time_limit_ms: int = QUERY_TIME_LIMIT_MS,
        result_limit_bytes: int = RESULT_LIMIT_BYTES,
    ) -> Store:
        views, setup = release_views(release.files)

        def connect() -> duckdb.DuckDBPyConnection:
            return open_sandboxed(views, setup, time_limit_ms)

        return cls(
            release,
            connect(),
            time_limit_ms=time_limit_ms,
            result_limit_bytes=result_limit_bytes,
            reopen=connect,
        )

    @property
    def data_version(self) -> str:
        return self.release.data_version

    @property
    def is_open(self) -> bool:
        return self._connection is not None

    def query(self, name: str, **params: Any) -> pa.Table:
        """Run `sql/<name>.sql` with `$param` values bound, on a fresh cursor, as an Arrow table."""
        return self.sql(load_sql(name), **params)

    def sql(self, text: str, **params: Any) -> pa.Table:
        """Run one SELECT with bound parameters, within the store's limits, as an Arrow table.

        QueryRefused for anything but a SELECT over the views (see `check_query`), QueryTimeout past the
        time limit, QueryTooLarge past the result limit.
        """
        check_query(text)
        return self._run(text, params)

    def explain(self, text: str, **params: Any) -> pa.Table:
        """DuckDB's profile of one allowed query (`EXPLAIN (ANALYZE, FORMAT json)`), for the benchmarks."""
        check_query(text)
        return self._run("EXPLAIN (ANALYZE, FORMAT json) " + text, params)

    def _run(self, text: str, params: Mapping[str, Any]) -> pa.Table:
        limit_s = self.time_limit_ms / 1000
        with self._in_use() as connection:
            cursor = connection.cursor()
            try:
                with _watchdog.watching(cursor, limit_s):
                    return self._collect(cursor.sql(text, params=dict(params) or None), limit_s)
            except duckdb.InterruptException:
                raise QueryTimeout(
                    f"the query ran past its maximum execution time of {limit_s:g} s"
                ) from None
            finally:
                cursor.close()

    def _collect(self, relation: duckdb.DuckDBPyRelation, limit_s: float) -> pa.Table:
        """The result, batch by batch, refused past the result limit or the deadline."""
        deadline = time.monotonic() + limit_s
        reader = relation.to_arrow_reader(_BATCH_ROWS)
        batches, size = [], 0
        for batch in reader:
            size += batch.nbytes
            if size > self.result_limit_bytes:
                raise QueryTooLarge(
                    f"the query's result passed the limit of {self.result_limit_bytes / 1024**2:,.0f} MB"
                )
            if time.monotonic() > deadline:
                raise QueryTimeout(f"the query ran past its maximum execution time of {limit_s:g} s")
            batches.append(batch)
        return pa.Table.from_batches(batches, schema=reader.schema)

    @contextmanager
    def _in_use(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._guard:
            if self._connection is None:
                if self._reopen is None:
                    raise duckdb.ConnectionException("the store is closed")
                self._connection = self._reopen()
            self._running += 1
            connection = self._connection
        try:
            yield connection
        finally:
            with self._guard:
                self._running -= 1
                self.last_used = time.monotonic()

    def close_if_idle(self, idle_s: float) -> bool:
        """Close the connection if no query runs and none ran for `idle_s`; True when it is closed."""
        with self._guard:
            if self._connection is not None and not self._running:
                if time.monotonic() - self.last_used >= idle_s:
                    self._connection.close()
                    self._connection = None
            return self._connection is None

    def with_upload(
        self, tables: Mapping[str, pa.Table], replaced_observation_ids: Sequence[str] = ()
    ) -> Store:
        """A separate, short-lived store: this release plus one visitor's upload, for a session-only preview.

        `tables` (e.g. `upload.UploadPreview.tables`, already validated and disclosure-protected) are copied
        into a new in-memory connection with the same sandbox, so the named queries see published and
        uploaded rows together while no other session ever can. The derived tables are computed from the
        combined base tables there, by the SQL the build runs, so they hold the uploaded rows too. Use it in
        a `with` block so it is closed.
        """
        views, setup = release_views(self.release.files, derived=False)
        connection = open_sandboxed(views, setup, self.time_limit_ms, tables, replaced_observation_ids)
        combined = Store(
            self.release,
            connection,
            time_limit_ms=self.time_limit_ms,
            result_limit_bytes=self.result_limit_bytes,
        )
        combined.private = True
        return combined

    def close(self) -> None:
        with self._guard:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            self._reopen = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


_lock = threading.Lock()
# One store per version directory (and per damaged version it stands in for); the current version of
# each extracts directory is never closed.
_stores: dict[tuple[Path, str | None], Store] = {}
_current: dict[Path, tuple[Path, str | None]] = {}


def is_current(store: Store) -> bool:
    """True while the store serves the current release of its extracts, as last opened: not a version
    an embed pins, not one a newer publication has replaced."""
    with _lock:
        return (store.release.directory, store.release.damaged_version) in _current.values()


@lru_cache(maxsize=16)
def _resolved(extracts: Path) -> Path:
    """The extracts folder as an absolute path without links, found once: pages open the store on every
    run, and resolving walks the path a `stat` per component."""
    return extracts.resolve()


def get_store(extracts: Path | None = None, version: str | None = None) -> Store:
    """The process-wide store for the current release (or a pinned earlier one); a new one when a new
    version is published, which drops the replaced version's views and figures (`cache.version_replaced`;
    its query rows stay with its store), and the stores of versions no longer current closed once unused. With
    `SDCF_DATA_URL`, `extracts` mirrors the bucket (`object_store`)."""
    extracts = _resolved((extracts or paths.extracts_dir()).absolute())
    bucket = object_store.configured()
    if bucket is not None:
        object_store.keep_mirrored(bucket, extracts)
    release = release_of(extracts, version)
    key = (release.directory, release.damaged_version)
    with _lock:
        if not version:
            if _current.setdefault(extracts, key) != key:
                _current[extracts] = key
                version_replaced()
        store = _stores.get(key)
        if store is None:
            _stores[key] = store = Store.open(release)
        for other, idle in list(_stores.items()):
            if other != key and other not in _current.values() and idle.close_if_idle(IDLE_CLOSE_S):
                del _stores[other]
    return store
