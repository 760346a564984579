"""Steward ingestion and rollback: a whole batch is published, or nothing changes, even when it crashes.

T-08 (malformed batches leave every file under the data directory byte-identical), T-13/T-14/T-15 (a
failure or a hard crash at each step leaves exactly the old or the new version), rollback round-trips,
and the command line (`validate` on an upload file, `ingest`, `rollback`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
import textwrap

import pytest
from fixtures import TODAY, default_rows, write_sources, write_table
from test_upload import BILLION_LAUGHS, billion_laughs_workbook, csv_bytes, upload_rows, xlsx_bytes

from sdcf_metrics import extracts, paths
from sdcf_metrics import release as release_module
from sdcf_metrics.export import to_csv_bytes
from sdcf_metrics.pipeline import transaction as transaction_module
from sdcf_metrics.pipeline.build import build, is_stale
from sdcf_metrics.pipeline.ingest import IngestRejected, ingest
from sdcf_metrics.pipeline.transaction import (
    JOURNAL_FILE,
    IngestError,
    PublishBusy,
    publishing_lock,
    recover,
    rollback,
)
from sdcf_metrics.privacy import STATUS_SMALL
from sdcf_metrics.queries import observation_table
from sdcf_metrics.release import read_pointer
from sdcf_metrics.schema import UPLOAD_COLUMNS
from sdcf_metrics.store import get_store


@pytest.fixture
def data_root(tmp_path):
    """A data directory with the fixture sources, built and published."""
    root = tmp_path / "data"
    write_sources(paths.sources_dir(root))
    build(root)
    return root


def every_file(root):
    """SHA-256 of every file under the data directory, by relative path."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def upload_file(tmp_path, rows=None, name="figures.csv", data=None):
    path = tmp_path / name
    path.write_bytes(data if data is not None else csv_bytes(rows or upload_rows()))
    return path


def published_rows(root, **filters):
    rows = observation_table(get_store(paths.extracts_dir(root))).to_pylist()
    return [row for row in rows if all(row[key] == value for key, value in filters.items())]


def sources_agree_with_the_published_version(root):
    """The source files are exactly those the published version was built from."""
    version = read_pointer(paths.extracts_dir(root)).data_version
    for path in paths.sources_dir(root).glob("*.csv"):
        snapshot = paths.extracts_dir(root) / version / f"source_{path.name}"
        assert path.read_bytes() == snapshot.read_bytes(), path.name
    assert not is_stale(root)


# Publishing a batch -----------------------------------------------------------------------------------------


def test_an_upload_is_merged_into_the_sources_and_published_as_a_new_version(data_root, tmp_path):
    before = read_pointer(paths.extracts_dir(data_root)).data_version
    observations = (paths.sources_dir(data_root) / "observations.csv").read_bytes()
    report = ingest(upload_file(tmp_path), data_root, today=TODAY)
    assert report.published and report.previous_version == before
    assert [(change.row, change.city, change.metric_id) for change in report.added] == [
        (2, "Copenhagen", "visits")
    ]
    assert report.counts_by_city_and_metric() == {("Copenhagen", "visits"): {"added": 1}}
    assert report.new_sources == 1
    assert (paths.sources_dir(data_root) / "observations.csv").read_bytes().startswith(observations)
    (row,) = published_rows(data_root, source_title="Upload test report (fixture)")
    assert (row["value"], row["city"], row["period_end"]) == (1500, "Copenhagen", "2021")
    assert read_pointer(paths.extracts_dir(data_root)).versions == [report.data_version, before]
    sources_agree_with_the_published_version(data_root)
    assert not (data_root / JOURNAL_FILE).exists()
    assert not list(data_root.glob(".tmp-*"))


def test_figures_already_published_are_reported_not_doubled_and_corrections_replace(data_root, tmp_path):
    first = ingest(upload_file(tmp_path), data_root, today=TODAY)
    rows = upload_rows({}, {"period_start": "2022", "period_end": "2022", "value": "1700"})
    again = ingest(upload_file(tmp_path, rows, "again.csv"), data_root, today=TODAY)
    assert [change.row for change in again.duplicates] == [2] and len(again.added) == 1
    corrected = ingest(
        upload_file(tmp_path, upload_rows({"value": "1550"}), "fix.csv"), data_root, today=TODAY
    )
    (replaced,) = corrected.replaced
    assert (replaced.previous, replaced.value) == ("1,500", "1,550")
    assert replaced.observation_id == first.added[0].observation_id
    values = [row["value"] for row in published_rows(data_root, source_title="Upload test report (fixture)")]
    assert sorted(values) == [1550, 1700]


def test_a_batch_of_nothing_new_publishes_nothing(data_root, tmp_path):
    ingest(upload_file(tmp_path), data_root, today=TODAY)
    before = every_file(data_root)
    report = ingest(upload_file(tmp_path), data_root, today=TODAY)
    assert not report.published and len(report.duplicates) == 1
    assert every_file(data_root) == before


def test_the_published_data_protects_small_counts_from_an_upload(data_root, tmp_path):
    split = [
        {"metric": "registered_users", "unit": "persons", "value": "34", "quote": "34 users: 5 women."},
        {"metric": "registered_users", "unit": "persons", "value": "5", "breakdown": "sex=female",
         "quote": "34 users: 5 women."},
        {"metric": "registered_users", "unit": "persons", "value": "29", "breakdown": "sex=male",
         "quote": "34 users: 5 women."},
    ]  # fmt: skip
    report = ingest(upload_file(tmp_path, upload_rows(*split)), data_root, today=TODAY)
    assert report.disclosure.suppressed_small == 1 and report.disclosure.suppressed_secondary == 1
    (women,) = published_rows(data_root, breakdown="sex=female", source_title="Upload test report (fixture)")
    assert women["status"] == STATUS_SMALL and women["value"] is None
    assert "5 women" not in women["quote"]


def test_semicolon_decimal_comma_and_latin1_files_are_published_with_the_right_numbers(data_root, tmp_path):
    rows = upload_rows(
        {"value": "1.234", "source_publisher": "Ville de Liège (fixture)"},
        {"metric": "syringes_collected_kg", "value": "12,5", "unit": "kilograms",
         "source_publisher": "Ville de Liège (fixture)"},
    )  # fmt: skip
    data = csv_bytes(rows, delimiter=";", encoding="latin-1")
    report = ingest(upload_file(tmp_path, data=data), data_root, today=TODAY)
    assert any("Windows-1252" in note for note in report.notes)
    published = published_rows(data_root, source_publisher="Ville de Liège (fixture)")
    assert sorted((row["metric"], row["value"]) for row in published) == [
        ("syringes_collected_kg", 12.5),
        ("visits", 1234),
    ]


def test_formula_text_in_an_ingested_quote_is_exported_neutralised(data_root, tmp_path):
    ingest(upload_file(tmp_path, upload_rows({"quote": "=cmd|' /C calc'!A0"})), data_root, today=TODAY)
    table = observation_table(get_store(paths.extracts_dir(data_root)))
    exported = to_csv_bytes(table).decode("utf-8-sig")
    for record in csv.reader(io.StringIO(exported, newline="")):
        assert not any(cell.startswith("=") for cell in record), record


# T-08: a malformed batch changes nothing --------------------------------------------------------------------


def with_cell(cell, value):
    def change(workbook):
        workbook["figures"][cell] = value

    return change


def hide_a_sheet(workbook):
    workbook.create_sheet("hidden figures").sheet_state = "hidden"


def merge_cells(workbook):
    workbook["figures"].merge_cells("A2:A3")


SECOND_YEAR = {"period_start": "2020", "period_end": "2020"}
MALFORMED_BATCHES = {
    "ragged row": (csv_bytes(upload_rows()) + b"Copenhagen,Denmark\r\n", "csv", (3, "-")),
    "duplicate header": (csv_bytes(upload_rows(), header=[*UPLOAD_COLUMNS[:-1], "city"]), "csv", (1, "city")),
    "missing header": (csv_bytes(upload_rows(), columns=[c for c in UPLOAD_COLUMNS if c != "metric"]), "csv",
                       (1, "metric")),
    "wrong type": (csv_bytes(upload_rows({}, {**SECOND_YEAR, "value": "lots"})), "csv", (3, "value")),
    "negative count": (csv_bytes(upload_rows({}, {**SECOND_YEAR, "value": "-3"})), "csv", (3, "value")),
    "decimal count": (csv_bytes(upload_rows({}, {**SECOND_YEAR, "value": "3.5"})), "csv", (3, "value")),
    "future date": (csv_bytes(upload_rows({"period_start": "2031", "period_end": "2031"})), "csv",
                    (2, "period_start")),
    "duplicate key": (csv_bytes(upload_rows({}, {"value": "1501"})), "csv", (3, "-")),
    "unknown metric": (csv_bytes(upload_rows({"metric": "vists"})), "csv", (2, "metric")),
    "unknown city": (csv_bytes(upload_rows({"city": "Atlantis"})), "csv", (2, "city")),
    "unknown facility": (csv_bytes(upload_rows({"facility": "copenhagen-nowhere"})), "csv", (2, "facility")),
    "formula text": (csv_bytes(upload_rows({"city": '=HYPERLINK("http://x","y")'})), "csv", (2, "city")),
    "formula cell": (xlsx_bytes(upload_rows(), with_cell("I2", "=1500*1")), "xlsx", (2, "value")),
    "hidden sheet": (xlsx_bytes(upload_rows(), hide_a_sheet), "xlsx", (0, "-")),
    "merged cells": (xlsx_bytes(upload_rows({}, SECOND_YEAR), merge_cells), "xlsx", (2, "-")),
    "billion laughs": (billion_laughs_workbook(), "xlsx", (0, "-")),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(MALFORMED_BATCHES))
def test_a_malformed_batch_is_rejected_whole_and_changes_nothing(data_root, tmp_path, case):
    data, suffix, place = MALFORMED_BATCHES[case]
    path = upload_file(tmp_path, data=data, name=f"batch.{suffix}")
    before = every_file(data_root)
    with pytest.raises(IngestRejected) as rejected:
        ingest(path, data_root, today=TODAY)
    assert place in {(problem.row, problem.column) for problem in rejected.value.problems}
    assert all(problem.path == str(path) for problem in rejected.value.problems)
    assert every_file(data_root) == before


def test_the_billion_laughs_payload_is_a_real_entity_bomb():
    assert BILLION_LAUGHS.count(b"<!ENTITY") == 4


def test_sources_with_unpublished_edits_are_not_ingested_into(data_root, tmp_path):
    rows = default_rows("observations")
    rows[0]["notes"] = "an edit nobody has published"
    write_table(paths.sources_dir(data_root), "observations", rows)
    before = every_file(data_root)
    with pytest.raises(IngestError, match="publish them with `sdcf-metrics build`"):
        ingest(upload_file(tmp_path), data_root, today=TODAY)
    assert every_file(data_root) == before


def test_a_second_steward_waits_for_the_first(data_root, tmp_path):
    with publishing_lock(data_root), pytest.raises(PublishBusy, match="another ingest, rollback or build"):
        ingest(upload_file(tmp_path), data_root, today=TODAY)


# T-14/T-15: failures and crashes at each step ---------------------------------------------------------------


def fail(*args, **kwargs):
    raise OSError(28, "No space left on device (injected)")


class FailingParquet:
    """`extracts.write_parquet` whose second write fails: a failure in the middle of writing the version."""

    def __init__(self, real):
        self.real, self.writes = real, 0

    def __call__(self, *args, **kwargs):
        self.writes += 1
        if self.writes == 2:
            fail()
        return self.real(*args, **kwargs)


@pytest.mark.parametrize(
    "step", ["during the write", "before the rename", "after the rename, before the pointer"]
)
def test_a_failure_before_the_pointer_moves_leaves_every_file_as_it_was(
    data_root, tmp_path, monkeypatch, step
):
    before = every_file(data_root)
    if step == "during the write":
        monkeypatch.setattr(extracts, "write_parquet", FailingParquet(extracts.write_parquet))
    elif step == "before the rename":
        monkeypatch.setattr(release_module.os, "rename", fail)
    else:
        monkeypatch.setattr(release_module, "write_pointer", fail)
    with pytest.raises(IngestError, match=r"No space left on device.*nothing was changed"):
        ingest(upload_file(tmp_path), data_root, today=TODAY)
    assert every_file(data_root) == before


def test_a_failure_after_the_pointer_moved_completes_the_new_version(data_root, tmp_path, monkeypatch):
    old = read_pointer(paths.extracts_dir(data_root)).data_version
    monkeypatch.setattr(release_module, "prune", fail)
    with pytest.raises(IngestError, match="the new version is published"):
        ingest(upload_file(tmp_path), data_root, today=TODAY)
    assert read_pointer(paths.extracts_dir(data_root)).data_version != old
    sources_agree_with_the_published_version(data_root)
    assert not (data_root / JOURNAL_FILE).exists()


CRASH = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from sdcf_metrics import release
    from sdcf_metrics.pipeline import ingest
    setattr(release, sys.argv[3], lambda *args, **kwargs: os._exit(9))
    ingest.ingest(Path(sys.argv[2]), Path(sys.argv[1]))
    """
)


@pytest.mark.parametrize(("crash_in", "outcome"), [("write_pointer", "undone"), ("prune", "completed")])
def test_a_hard_crash_is_finished_by_the_next_command(data_root, tmp_path, crash_in, outcome):
    """T-14: the process dies (os._exit: no cleanup runs) just before or just after the commit."""
    before = every_file(data_root)
    old = read_pointer(paths.extracts_dir(data_root)).data_version
    path = upload_file(tmp_path)
    result = subprocess.run([sys.executable, "-c", CRASH, str(data_root), str(path), crash_in], check=False)
    assert result.returncode == 9
    assert (data_root / JOURNAL_FILE).exists(), "the crash left the transaction half done"
    current = read_pointer(paths.extracts_dir(data_root)).data_version
    assert (current == old) == (outcome == "undone"), "readers always see one whole version"
    assert recover(data_root) == outcome
    if outcome == "undone":
        assert every_file(data_root) == before
    else:
        sources_agree_with_the_published_version(data_root)
        assert len(published_rows(data_root, source_title="Upload test report (fixture)")) == 1
    assert recover(data_root) is None


def test_a_build_finishes_an_interrupted_ingest_before_it_builds(data_root, tmp_path):
    before = every_file(data_root)
    path = upload_file(tmp_path)
    subprocess.run([sys.executable, "-c", CRASH, str(data_root), str(path), "write_pointer"], check=False)
    result = run_cli("build", "--if-stale", data_root=data_root)
    assert result.returncode == 0, result.stderr
    assert "An interrupted ingest or rollback was undone first." in result.stderr
    assert every_file(data_root) == before


# Rollback ---------------------------------------------------------------------------------------------------


def test_rollback_returns_to_the_previous_version_and_its_sources_byte_for_byte(data_root, tmp_path):
    """Everything is as before the ingest, except that the version rolled back from is retired: kept on
    disk for a while, for pages still reading it, and listed as such in the pointer."""
    before = every_file(data_root)
    history = read_pointer(paths.extracts_dir(data_root)).history
    report = ingest(upload_file(tmp_path), data_root)
    result = rollback(data_root)
    assert (result.from_version, result.to_version) == (report.data_version, report.previous_version)
    assert_as_before_but_retired(data_root, before, report.data_version)
    assert read_pointer(paths.extracts_dir(data_root)).history == history
    assert not is_stale(data_root)


def assert_as_before_but_retired(root, before, retired_version):
    """Every file as `before`, except the version `retired_version`, retired (still on disk and listed as
    retired in the pointer, which differs by that alone)."""
    retired = f"extracts/{retired_version}/"
    after = {path: digest for path, digest in every_file(root).items() if not path.startswith(retired)}
    assert after.keys() == before.keys()
    assert {path for path in after if after[path] != before[path]} == {"extracts/current.json"}
    pointer = read_pointer(paths.extracts_dir(root))
    assert [entry.data_version for entry in pointer.retired] == [retired_version]


def test_rollback_and_ingest_round_trip(data_root, tmp_path):
    first = ingest(upload_file(tmp_path), data_root)
    rollback(data_root)
    again = ingest(upload_file(tmp_path), data_root)
    assert again.data_version == first.data_version, "the same sources publish the same version"
    sources_agree_with_the_published_version(data_root)


def test_two_rollbacks_go_two_versions_back_then_stop(data_root, tmp_path):
    original = read_pointer(paths.extracts_dir(data_root)).data_version
    ingest(upload_file(tmp_path), data_root)
    ingest(upload_file(tmp_path, upload_rows({"value": "1600"}), "fix.csv"), data_root)
    rollback(data_root)
    assert rollback(data_root).to_version == original
    with pytest.raises(IngestError, match="nothing to roll back to"):
        rollback(data_root)


def test_rollback_refuses_a_version_kept_without_its_sources(data_root, tmp_path):
    version_dir = paths.extracts_dir(data_root) / read_pointer(paths.extracts_dir(data_root)).data_version
    ingest(upload_file(tmp_path), data_root)
    manifest = version_dir / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"sources"', '"sources_not_kept"'))
    before = every_file(data_root)
    with pytest.raises(IngestError, match="without a copy of its source files"):
        rollback(data_root)
    assert every_file(data_root) == before


def test_a_failed_rollback_changes_nothing(data_root, tmp_path, monkeypatch):
    ingest(upload_file(tmp_path), data_root)
    before = every_file(data_root)
    monkeypatch.setattr(transaction_module, "write_pointer", fail)
    with pytest.raises(IngestError, match="nothing was changed"):
        rollback(data_root)
    assert every_file(data_root) == before


# The command line -------------------------------------------------------------------------------------------


def run_cli(*args, data_root, **environment):
    result = subprocess.run(
        [sys.executable, "-m", "sdcf_metrics.cli", *args],
        capture_output=True,
        env={"SDCF_DATA_DIR": str(data_root), "PATH": "/usr/bin:/bin", **environment},
        check=False,
        text=True,
    )
    return result


def test_validate_checks_an_upload_file_like_the_page_does(data_root, tmp_path):
    path = upload_file(tmp_path, upload_rows({}, {"metric": "vists"}))
    result = run_cli("validate", str(path), data_root=data_root)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith(f"{path}:3:metric: unknown metric 'vists'")
    assert run_cli("validate", str(upload_file(tmp_path)), data_root=data_root).returncode == 0


def test_validate_reports_every_row_in_one_pass_and_says_where_to_send_the_file(data_root, tmp_path):
    """As the page does: row 3's missing quote does not hide its future date; the other rows are
    counted as passed; the configured steward contact is named."""
    rows = upload_rows({}, {"period_start": "2031", "period_end": "2031", "quote": ""}, {"metric": "visitz"})
    path = upload_file(tmp_path, rows)
    result = run_cli("validate", str(path), data_root=data_root, SDCF_STEWARD_CONTACT="data@efus.example")
    assert result.returncode == 1
    places = [line.split(": ", 1)[0] for line in result.stderr.splitlines() if line.startswith(f"{path}:")]
    assert {f"{path}:3:period_end", f"{path}:3:quote", f"{path}:4:metric"} <= set(places)
    assert f"{path}: 3 row(s) read: 1 passed every check; 2 have problems (row(s) 3, 4)." in result.stderr
    assert result.stderr.rstrip().endswith("send it to the dashboard's data stewards: data@efus.example")


def test_validate_says_how_an_upload_file_was_read(data_root, tmp_path):
    rows = upload_rows({"source_publisher": "Københavns Kommune (fixture)"})
    path = upload_file(tmp_path, data=csv_bytes(rows, delimiter=";", encoding="cp1252"))
    result = run_cli("validate", str(path), data_root=data_root)
    assert result.returncode == 0, result.stderr
    assert f"{path}: read as Windows-1252" in result.stderr


def test_ingest_prints_what_changed_and_rollback_undoes_it(data_root, tmp_path):
    before = every_file(data_root)
    result = run_cli("ingest", str(upload_file(tmp_path)), data_root=data_root)
    assert result.returncode == 0, result.stderr
    assert "1 figure(s) added, 0 replaced, 0 already published" in result.stdout
    assert "  Copenhagen / visits: 1 added" in result.stdout
    assert "To undo: sdcf-metrics rollback" in result.stdout
    assert "5/5 Publishing data version" in result.stderr, "progress is shown on stderr"
    rolled_back = run_cli("rollback", data_root=data_root)
    assert rolled_back.returncode == 0 and "Rolled back from data version" in rolled_back.stderr
    published = result.stdout.split("Published data version ", 1)[1].split(" ", 1)[0]
    assert_as_before_but_retired(data_root, before, published)


def test_ingest_rejects_a_bad_batch_with_every_problem_and_exit_1(data_root, tmp_path):
    path = upload_file(tmp_path, upload_rows({"metric": "vists"}, {"city": "Atlantis", **SECOND_YEAR}))
    result = run_cli("ingest", str(path), data_root=data_root)
    assert result.returncode == 1
    assert f"{path}:2:metric: " in result.stderr and f"{path}:3:city: " in result.stderr
    assert "The whole batch was rejected; nothing was published." in result.stderr


def test_ingest_of_a_missing_file_and_rollback_without_history_exit_2(data_root, tmp_path):
    missing = run_cli("ingest", str(tmp_path / "nope.csv"), data_root=data_root)
    assert missing.returncode == 2 and "Cannot read" in missing.stderr
    assert run_cli("rollback", data_root=data_root).returncode == 2


def test_the_build_refuses_an_unusable_threshold_clearly(data_root):
    result = subprocess.run(
        [sys.executable, "-m", "sdcf_metrics.cli", "build"],
        capture_output=True,
        text=True,
        env={**os.environ, "SDCF_DATA_DIR": str(data_root), "SDCF_SMALL_COUNT_THRESHOLD": "two"},
        check=False,
    )
    assert result.returncode == 2 and "SDCF_SMALL_COUNT_THRESHOLD='two'" in result.stderr
