"""The latest figure: which stored figure answers "what is the most recent number?", and how it reads."""

from __future__ import annotations

import pytest
from apptest_helpers import build_dataset
from fixtures import add_row

from sdcf_metrics import paths
from sdcf_metrics.headlines import HEADLINE_METRICS, headline, headline_figures, latest_by, latest_figure
from sdcf_metrics.store import get_store


def city_rows(root, city_id):
    return get_store(paths.extracts_dir(root)).query("city_observations", city_id=city_id).to_pylist()


@pytest.fixture
def fixture_root(tmp_path):
    return build_dataset(tmp_path)


def test_the_latest_figure_is_the_one_whose_period_ends_last(fixture_root):
    syringes = [
        row for row in city_rows(fixture_root, "barcelona") if row["metric_id"] == "syringes_found_public"
    ]
    assert latest_figure(syringes)["observation_id"] == "obs-syringes-2019"


def test_no_figures_means_no_latest_figure():
    assert latest_figure([]) is None


def test_on_the_same_end_date_the_whole_city_speaks_before_one_facility(tmp_path):
    # A facility figure for the same year as the city-wide range (obs-range, Brussels visits 2019).
    root = build_dataset(
        tmp_path,
        observations=add_row(
            2, observation_id="obs-facility-2019", period_kind="year", period_start="2019", period_end="2019"
        ),
    )
    visits = [row for row in city_rows(root, "brussels") if row["metric_id"] == "visits"]
    assert latest_figure(visits)["observation_id"] == "obs-range"


def test_on_the_same_end_date_a_total_speaks_before_an_average(tmp_path):
    root = build_dataset(
        tmp_path,
        observations=add_row(
            5, observation_id="obs-visits-total", value="4000", qualifier="exact", rate_per=""
        ),
    )
    visits = [row for row in city_rows(root, "copenhagen") if row["metric_id"] == "visits"]
    assert latest_figure(visits)["observation_id"] == "obs-visits-total"


def test_latest_by_groups_and_keeps_the_order_of_first_appearance(fixture_root):
    rows = city_rows(fixture_root, "barcelona")
    latest = latest_by(rows, "metric_id")
    assert list(latest) == ["syringe_litter_change", "syringes_found_public"]
    assert latest["syringes_found_public"]["value"] == 1000


def test_headline_figures_follow_the_headline_order_and_leave_out_context_metrics(fixture_root):
    figures = headline_figures(city_rows(fixture_root, "copenhagen"))
    assert [row["metric_id"] for row in figures] == ["registered_users", "visits"]
    assert HEADLINE_METRICS.index("registered_users") < HEADLINE_METRICS.index("visits")


def test_a_headline_reads_in_the_source_terms_with_place_period_and_source(fixture_root):
    visits = next(row for row in city_rows(fixture_root, "copenhagen") if row["metric_id"] == "visits")
    shown = headline(visits)
    assert shown.metric == "Visits, average per day"
    assert shown.figure == "about 12.5"
    assert shown.context == "visits a day (fixture) · Test site Copenhagen (fixture) · 2020"
    assert (shown.source_title, shown.source_url, shown.source_kind) == (
        "Test source A (fixture)",
        "https://example.org/fixture-report-a.pdf",
        "service or annual report",
    )
    assert shown.quote == "About 12.5 visits a day (fixture)."


def test_a_city_wide_headline_names_no_facility(fixture_root):
    brussels_range = next(row for row in city_rows(fixture_root, "brussels") if row["qualifier"] == "range")
    assert headline(brussels_range).context == "visits (fixture) · 2019"
    assert headline(brussels_range).figure == "1,000–2,000"
