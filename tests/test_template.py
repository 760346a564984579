"""The upload template: its example rows pass every check, and can never pass for real figures."""

from __future__ import annotations

import io
import subprocess
import sys

import openpyxl
import pytest

from sdcf_metrics import paths
from sdcf_metrics.pipeline.template import EXAMPLE_CITY, template_csv, template_rows, template_xlsx
from sdcf_metrics.pipeline.upload.convert import upload_to_sources
from sdcf_metrics.pipeline.upload.read import read_upload
from sdcf_metrics.pipeline.validate import load_sources
from sdcf_metrics.schema import UPLOAD, UPLOAD_COLUMNS

DATA = paths.PROJECT_ROOT / "data"


@pytest.fixture(scope="module")
def catalogue():
    """The dataset's own tables: the template is checked against the real metric catalogue."""
    return load_sources(paths.sources_dir(DATA))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_example_rows_pass_every_check_of_a_preview(catalogue, kind):
    data = template_csv() if kind == "csv" else template_xlsx(catalogue["metrics"])
    result = read_upload(data, f"template.{kind}")
    assert result.ok, result.problems
    assert result.notes == []
    conversion = upload_to_sources(result, catalogue)
    assert conversion.ok, conversion.problems
    assert len(conversion.typed["observations"]) == len(template_rows())


def test_a_steward_cannot_publish_the_examples(catalogue):
    conversion = upload_to_sources(
        read_upload(template_csv(), "template.csv"), catalogue, require_known_places=True
    )
    assert {problem.column for problem in conversion.problems} == {"city"}
    assert EXAMPLE_CITY not in {city["name"] for city in catalogue["cities"]}


def test_every_example_is_labelled_as_one():
    for row in template_rows():
        assert row["city"] == EXAMPLE_CITY
        assert row["source_title"].startswith("Example:") and row["quote"].startswith("Example:")
        assert row["notes"].startswith("Example row")
        assert row["source_url"] == "" or row["source_url"].startswith("https://example.org/")


def test_the_examples_show_each_way_a_figure_is_written():
    rows = template_rows()
    assert {row["qualifier"] for row in rows} >= {"exact", "about", "more_than", "range"}
    assert {row["period_kind"] for row in rows} >= {"year", "month", "since_opening"}
    assert any(row["breakdown"] for row in rows) and any(row["rate_per"] for row in rows)
    assert any(row["facility"] for row in rows) and any(row["source_document"] for row in rows)


def test_the_workbook_explains_its_columns_and_lists_the_metrics(catalogue):
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx(catalogue["metrics"])))
    assert workbook.sheetnames == ["figures", "columns", "metrics"]
    figures = workbook["figures"]
    assert [cell.value for cell in figures[1]] == list(UPLOAD_COLUMNS)
    assert figures.freeze_panes == "A2"
    lists = {
        str(validation.sqref): validation.formula1 for validation in figures.data_validations.dataValidation
    }
    assert lists["F2:F5001"] == '"day,month,year,span,since_opening,snapshot"'
    assert lists["D2:D5001"] == f"metrics!$A$2:$A${len(catalogue['metrics']) + 1}"
    documented = {row[0].value: row[2].value for row in workbook["columns"].iter_rows(min_row=2)}
    assert set(documented) == set(UPLOAD_COLUMNS) and all(documented.values())
    listed = {row[0].value for row in workbook["metrics"].iter_rows(min_row=2)}
    assert listed == {metric["metric_id"] for metric in catalogue["metrics"]}
    assert all(cell.data_type != "f" for sheet in workbook for row in sheet.iter_rows() for cell in row), (
        "the template holds no formula"
    )


def test_date_and_text_columns_are_formatted_as_text_so_excel_keeps_2024_05():
    figures = openpyxl.load_workbook(io.BytesIO(template_xlsx()))["figures"]
    for position, column in enumerate(UPLOAD.columns, start=1):
        letter = openpyxl.utils.get_column_letter(position)
        expected = "General" if column.type == "number" else "@"
        assert figures.column_dimensions[letter].number_format == expected, column.name


def run_template(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "sdcf_metrics.cli", "template", *args],
        capture_output=True,
        cwd=cwd,
        env={"SDCF_DATA_DIR": str(DATA), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_the_command_writes_csv_or_excel_by_the_file_name(tmp_path):
    assert run_template("--output", "t.csv", cwd=tmp_path).returncode == 0
    assert (tmp_path / "t.csv").read_bytes() == template_csv()
    assert run_template("--output", "t.xlsx", cwd=tmp_path).returncode == 0
    assert (tmp_path / "t.xlsx").read_bytes()[:4] == b"PK\x03\x04"
    to_stdout = run_template("--output", "-", cwd=tmp_path)
    assert to_stdout.stdout == template_csv()


def test_the_command_refuses_other_file_types(tmp_path):
    result = run_template("--output", "t.ods", cwd=tmp_path)
    assert result.returncode == 1 and b"ending in .csv or .xlsx" in result.stderr
    assert not (tmp_path / "t.ods").exists()


def test_the_format_documentation_covers_every_column_choice_and_metric(catalogue):
    text = (paths.PROJECT_ROOT / "src/sdcf_metrics/docs/data-format.md").read_text(encoding="utf-8")
    for column in UPLOAD.columns:
        assert f"| `{column.name}` |" in text, column.name
        for choice in column.choices:
            assert f"`{choice}`" in text, (column.name, choice)
    for metric in catalogue["metrics"]:
        assert (
            f"| `{metric['metric_id']}` | {metric['label']} | {metric['unit']} | {metric['kind']} |" in text
        )
