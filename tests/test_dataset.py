"""The embedded dataset: sourced, complete where the issue requires, and in step with its extracts."""

from __future__ import annotations

import csv
import re
import shutil

import pytest

from sdcf_metrics import paths
from sdcf_metrics.pipeline.build import build
from sdcf_metrics.queries import TableFilter, area_observations, observation_table
from sdcf_metrics.release import read_pointer
from sdcf_metrics.store import get_store


@pytest.fixture(scope="module")
def store():
    return get_store(paths.extracts_dir(paths.PROJECT_ROOT / "data"))


def figures(store, city_id, metric_id, breakdown=None, scope=None, period_kind=None):
    rows = observation_table(
        store, selection=TableFilter(city_ids=(city_id,), metric_ids=(metric_id,))
    ).to_pylist()
    return {
        (row["period_start"], row["period_end"], row["value"])
        for row in rows
        if row["breakdown"] == (breakdown or "")
        and scope in (None, row["scope"])
        and period_kind in (None, row["period_kind"])
    }


def test_committed_extracts_match_a_fresh_build(tmp_path):
    """The Parquet in git is exactly what the sources build to; rebuild with `sdcf-metrics build`."""
    shutil.copytree(paths.sources_dir(paths.PROJECT_ROOT / "data"), paths.sources_dir(tmp_path))
    fresh = build(tmp_path).data_version
    committed_root = paths.extracts_dir(paths.PROJECT_ROOT / "data")
    assert read_pointer(committed_root).data_version == fresh, "extracts are stale: run `sdcf-metrics build`"
    for parquet in sorted((paths.extracts_dir(tmp_path) / fresh).glob("*.parquet")):
        assert parquet.read_bytes() == (committed_root / fresh / parquet.name).read_bytes(), parquet.name


def test_every_observation_has_a_source_and_a_quote(store):
    rows = observation_table(store).to_pylist()
    assert len(rows) > 300
    for row in rows:
        assert row["source_title"] and row["source_url"] and row["quote"].strip(), row["observation_id"]


def test_copenhagen_registered_users_with_their_split_by_sex(store):
    assert ("2012-10", "2014-09-18", 3090.0) in figures(store, "copenhagen", "registered_users")
    assert ("2012-10", "2014-09-18", 511.0) in figures(store, "copenhagen", "registered_users", "sex=female")
    assert ("2012-10", "2014-09-18", 2579.0) in figures(store, "copenhagen", "registered_users", "sex=male")


def test_copenhagen_overdose_situations_since_october_2012(store):
    selection = TableFilter(city_ids=("copenhagen",), metric_ids=("overdoses_managed",))
    rows = observation_table(store, selection=selection).to_pylist()
    match = [row for row in rows if row["value"] == 210]
    assert len(match) == 1
    assert match[0]["period_kind"] == "since_opening" and match[0]["period_start"] == "2012-10"
    assert "210 overdose situations" in match[0]["quote"]


def test_barcelona_street_syringe_series_2004_and_2020_to_2024(store):
    """City-wide annual counts; 2004 came with the issue 9 data (the districts' 2024 counts are `area`)."""
    found = figures(store, "barcelona", "syringes_found_public", scope="city", period_kind="year")
    series = {end: value for _, end, value in found}
    assert series == {
        "2004": 156000,
        "2020": 45025,
        "2021": 23606,
        "2022": 50279,
        "2023": 66494,
        "2024": 67720,
    }


def test_paris_syringes_before_and_after_the_room_opened(store):
    values = {value for _, _, value in figures(store, "paris", "syringes_found_public")}
    assert {1078, 385} <= values
    assert {-60, -44} <= {value for _, _, value in figures(store, "paris", "syringe_litter_change")}


def test_country_facility_counts_and_death_rates_are_present(store):
    counts = area_observations(store, metric_id="facilities_count")
    assert {"Germany", "Netherlands", "Spain", "Switzerland", "Denmark"} <= {row["country"] for row in counts}
    rates = area_observations(store, metric_id="drug_induced_death_rate")
    assert len({row["country"] for row in rates}) >= 28


def test_focus_cities_have_a_population_with_its_source(store):
    cities = {row["city_id"]: row for row in store.query("cities").to_pylist()}
    for city_id in ("copenhagen", "amsterdam", "brussels", "barcelona", "paris"):
        assert cities[city_id]["population"] > 0
        assert cities[city_id]["population_source"]


# Words from the compilers' working files that mean nothing to a reader: a row number, a file name, a key.
INTERNAL_REFERENCE = re.compile(
    r"facts\.csv|facts_notes|README|\bseeds/|\brows? \d+|\bseed article\b|\bkey\b|\bo\d{4}\b|\bissue \d+",
    re.IGNORECASE,
)


def test_notes_speak_to_readers_not_to_the_compilers():
    """Notes appear on the pages (Needle litter, the Data page) and in every download: they name other
    figures by what they are, never by a row of a working file."""
    internal = []
    tables = (("observations", ("notes",)), ("facilities", ("location_note",)), ("sources", ("document",)))
    for table, columns in tables:
        path = paths.sources_dir(paths.PROJECT_ROOT / "data") / f"{table}.csv"
        for number, row in enumerate(csv.DictReader(path.open(encoding="utf-8")), start=2):
            internal += [
                f"{table}.csv:{number}:{column}: {row[column]}"
                for column in columns
                if INTERNAL_REFERENCE.search(row[column] or "")
            ]
    assert internal == []
