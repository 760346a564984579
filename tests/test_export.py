"""Exports: formula-safe CSV and XLSX, typed Parquet, and the same rows in each."""

from __future__ import annotations

import csv
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from sdcf_metrics.export import neutralise, to_csv_bytes, to_parquet_bytes, to_xlsx_bytes

# T-05: text a spreadsheet would execute, and text that only looks like it.
FORMULA_CORPUS = ['=HYPERLINK("http://x","y")', "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "  =1", "\n=1"]


def hostile_table() -> pa.Table:
    return pa.table(
        {
            "city": FORMULA_CORPUS,
            "value": [-5.0, 1.0, 2.5, 3090.0, 0.0, 7.0, 8.0, 9.0],
            "note": ['a",=1', "x;=1", "plain", "Liège", "", None, "ok", "-"],
        }
    )


@pytest.mark.parametrize("text", FORMULA_CORPUS)
def test_formula_triggers_are_prefixed(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Copenhagen", "3,090 registered users", "", "Saint-Josse", "a=b"])
def test_ordinary_text_is_unchanged(text):
    assert neutralise(text) == text


def test_csv_cells_are_inert_and_numbers_stay_numbers():
    payload = to_csv_bytes(hostile_table())
    assert payload.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(payload.decode("utf-8-sig"), newline="")))
    assert [row["city"] for row in rows] == ["'" + text for text in FORMULA_CORPUS]
    assert rows[0]["value"] == "-5"
    assert rows[2]["value"] == "2.5"
    assert rows[0]["note"] == 'a",=1'  # quoted by RFC 4180: the comma cannot start a new cell
    assert rows[5]["note"] == ""


def test_xlsx_writes_text_as_strings_never_formulas():
    workbook = load_workbook(io.BytesIO(to_xlsx_bytes(hostile_table(), about=[("Licence", "=cmd")])))
    sheet = workbook["data"]
    cells = list(sheet.iter_rows(min_row=2, values_only=False))
    for row in cells:
        assert row[0].data_type == "s"
        assert str(row[0].value).startswith("'")
        assert row[1].data_type == "n"
    assert workbook["About"]["B1"].value == "'=cmd"


def test_parquet_round_trips_exactly():
    table = hostile_table()
    assert pq.read_table(io.BytesIO(to_parquet_bytes(table))).equals(table)
