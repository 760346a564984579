"""The command line is a public contract: exit codes, message format and output."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest
from fixtures import default_rows, write_sources, write_table

from sdcf_metrics import paths


def run_cli(*args, data_root):
    return subprocess.run(
        [sys.executable, "-m", "sdcf_metrics.cli", *args],
        capture_output=True,
        env={"SDCF_DATA_DIR": str(data_root), "PATH": "/usr/bin:/bin"},
        check=False,
    )


@pytest.fixture
def data_root(tmp_path):
    write_sources(paths.sources_dir(tmp_path))
    return tmp_path


def test_validate_accepts_valid_sources(data_root):
    result = run_cli("validate", str(paths.sources_dir(data_root)), data_root=data_root)
    assert result.returncode == 0, result.stderr.decode()


def test_validate_reports_path_row_column_and_exits_1(data_root):
    rows = default_rows("observations")
    rows[1]["period_end"] = "2999"
    write_table(paths.sources_dir(data_root), "observations", rows)
    result = run_cli("validate", str(paths.sources_dir(data_root)), data_root=data_root)
    assert result.returncode == 1
    first = result.stderr.decode().splitlines()[0]
    assert first.startswith(f"{paths.sources_dir(data_root) / 'observations.csv'}:3:period_end: ")


def test_build_then_export_prints_every_figure_with_source_and_quote(data_root):
    assert run_cli("build", data_root=data_root).returncode == 0
    result = run_cli("export", "--format", "csv", "--output", "-", data_root=data_root)
    assert result.returncode == 0, result.stderr.decode()
    rows = list(csv.DictReader(io.StringIO(result.stdout.decode("utf-8-sig"))))
    assert len(rows) == len(default_rows("observations"))
    for column in (
        "city",
        "country",
        "facility",
        "metric",
        "period_start",
        "period_end",
        "value",
        "unit",
        "source_title",
        "source_url",
        "quote",
    ):
        assert column in rows[0]
    assert all(row["source_title"] and row["quote"] for row in rows)


def test_build_if_stale_does_nothing_when_current(data_root):
    run_cli("build", data_root=data_root)
    result = run_cli("build", "--if-stale", data_root=data_root)
    assert result.returncode == 0
    assert "up to date" in result.stderr.decode()


def test_export_without_data_says_how_to_fix(tmp_path):
    result = run_cli("export", "--format", "csv", "--output", "-", data_root=tmp_path)
    assert result.returncode == 2
    assert "sdcf-metrics build" in result.stderr.decode()


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_export_writes_binary_formats_to_files(data_root, tmp_path, fmt):
    run_cli("build", data_root=data_root)
    target = tmp_path / f"out.{fmt}"
    assert run_cli("export", "--format", fmt, "--output", str(target), data_root=data_root).returncode == 0
    assert target.stat().st_size > 0
