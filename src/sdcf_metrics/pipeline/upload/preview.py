"""Previewing an upload: read, convert and protect one file against the published data, for a session.

The result's Arrow tables go to `store.with_upload(...)`, a store of their own that lasts one script run:
the only place an upload is ever queried. Nothing here writes or caches anything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa

from ... import queries
from ...schema import CITIES, FACILITIES, OBSERVATIONS, SOURCES
from ...store import Store
from ..build import to_arrow
from ..cells import Problem
from ..disclosure import DisclosureReport, protect
from .convert import find_place, passing_rows, rows_with_problems, upload_to_sources
from .isolated import read_isolated
from .read import UploadResult


@dataclass(frozen=True)
class UploadPreview:
    """Everything the "Your city" page needs from one upload, checked in one pass.

    `problems` lists every problem of every row. `tables` preview the rows that have none (all of them
    when `ok`): validated, disclosure-protected Arrow tables (observations, sources, and stand-in cities and
    facilities) to pass with `replaced_observation_ids` to `store.with_upload`; empty when no row can be
    previewed. `row_numbers` are the spreadsheet rows read, and `row_of` gives the row each previewed
    figure comes from.
    """

    filename: str
    problems: list[Problem]
    notes: list[str]
    tables: dict[str, pa.Table] = field(default_factory=dict)
    replaced_observation_ids: list[str] = field(default_factory=list)
    duplicate_rows: dict[int, str] = field(default_factory=dict)
    disclosure: DisclosureReport | None = None
    city_ids: list[str] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    row_of: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def has_preview(self) -> bool:
        """Whether any row passed every check and can be shown beside the published cities."""
        return bool(self.tables)

    @property
    def rejected_rows(self) -> list[int]:
        return rows_with_problems(self.problems)


def preview_upload(
    data: bytes,
    filename: str,
    store: Store,
    today: date | None = None,
    on_wait: Callable[[], None] | None = None,
) -> UploadPreview:
    """Read, check and protect one upload against the published data, for a session-only preview.

    Every row is checked in one pass, so a missing quote never hides a future date in the same row. The
    rows that pass are previewed while the others are listed with their problems.

    Usage on a page: `preview = preview_upload(file.getvalue(), file.name, store)`, show `preview.problems`
    and `preview.notes`, then, if `preview.has_preview`, `with store.with_upload(preview.tables,
    preview.replaced_observation_ids) as combined:` run the usual named queries on `combined`. The file is
    read in a child process within memory and time limits (`isolated`); `on_wait` is called if it must
    first wait for other files.
    """
    upload = read_isolated(data, filename, on_wait=on_wait)
    if not upload.rows and upload.problems:
        return UploadPreview(upload.filename, upload.problems, upload.notes)
    existing = published_tables(store, upload)
    conversion = upload_to_sources(upload, existing, today=today)
    problems, notes = conversion.problems, conversion.notes
    if problems:
        passing = passing_rows(upload, problems)
        if passing is not None:
            conversion = upload_to_sources(passing, existing, today=today)
        if passing is None or not conversion.ok:
            # Nothing that did not pass every check is ever shown.
            return UploadPreview(upload.filename, problems, notes, row_numbers=upload.row_numbers)
    protected = protect(conversion.typed["observations"], existing["metrics"])
    tables = {
        "observations": to_arrow(OBSERVATIONS, protected.observations),
        "sources": to_arrow(SOURCES, conversion.typed["sources"]),
        "cities": to_arrow(CITIES, conversion.cities),
        "facilities": to_arrow(FACILITIES, conversion.facilities),
    }
    city_ids = sorted({str(row["city_id"]) for row in conversion.typed["observations"] if row["city_id"]})
    return UploadPreview(
        upload.filename,
        problems,
        notes,
        tables,
        sorted(conversion.replaced),
        dict(conversion.duplicates),
        protected.report,
        city_ids,
        upload.row_numbers,
        {row["observation_id"]: conversion.origin[row["observation_id"]] for row in protected.observations},
    )


def published_tables(store: Store, upload: UploadResult) -> dict[str, Sequence[Mapping[str, Any]]]:
    """The published rows an upload is checked against: the catalogue, places and sources, and the
    observations of the cities it names, to spot corrections and repeats."""
    tables: dict[str, Sequence[Mapping[str, Any]]] = {
        "metrics": queries.metrics(store),
        "cities": queries.cities(store),
        "facilities": queries.facilities(store),
        "sources": queries.sources(store),
    }
    named = {row["city"] for row in upload.rows if row["city"]}
    found = (find_place(tables["cities"], "city_id", text) for text in named)
    city_ids = sorted({str(city["city_id"]) for city in found if city is not None})
    tables["observations"] = (
        queries.upload_reference_observations(store, city_ids=city_ids) if city_ids else []
    )
    return tables


def problems_table(problems: Sequence[Problem]) -> pa.Table:
    """Problems as a table (file, row, column, message): for `st.dataframe`, and for a download through
    `export.to_csv_bytes`, which neutralises any text a spreadsheet would run."""
    return pa.table(
        {
            "file": [problem.path for problem in problems],
            "row": pa.array([problem.row for problem in problems], pa.int64()),
            "column": [problem.column for problem in problems],
            "message": [problem.message for problem in problems],
        }
    )
