"""The City trends page as a visitor meets it: pick a city and a figure, read the chart, its words and its
sources; a shared link reopens the same view; data text stays text.

The page runs on the fixture dataset (tests/fixtures.py) so every expected value is visible there; one
smoke test runs it on the published data for each focus city.
"""

from __future__ import annotations

import pytest
from apptest_helpers import (
    build_dataset,
    chart_frames,
    chart_specs,
    has_live_markup,
    numbers,
    rendered_markdown,
    run_page_in_app,
    with_tables_open,
)
from fixtures import add_row, edit_row

from sdcf_metrics.charts import FOCUS_CITIES
from sdcf_metrics.untrusted import escape_markdown

PAGE = "pages/1_City_trends.py"


@pytest.fixture
def fixture_data(tmp_path, monkeypatch):
    monkeypatch.setenv("SDCF_DATA_DIR", str(build_dataset(tmp_path)))


def use_data(tmp_path, monkeypatch, **overrides):
    monkeypatch.setenv("SDCF_DATA_DIR", str(build_dataset(tmp_path, **overrides)))


def chart_title(app) -> str:
    (frame,) = chart_frames(app)
    return frame.heading


def test_the_page_opens_on_a_focus_city_and_its_headline_figure_and_says_so_in_the_link(fixture_data):
    app = run_page_in_app(PAGE)
    assert not app.exception
    assert app.query_params["city"] == "copenhagen"
    assert app.query_params["metric"] == "registered_users"
    # Every fixture figure of Copenhagen is of one facility: the title names it, as its source does.
    title = escape_markdown("Registered users, Test site Copenhagen (fixture), Copenhagen")
    assert chart_title(app).startswith(f"**{title}**")


def test_a_shared_link_reopens_the_city_and_figure(fixture_data):
    app = run_page_in_app(PAGE, city="brussels", metric="visits")
    assert not app.exception
    assert [box.value for box in app.main.selectbox] == ["brussels", "visits"]
    (spec,) = chart_specs(app)
    assert [trace["name"] for trace in spec["data"] if trace.get("showlegend", True)] == [
        "Whole city · year",
        "Test site Brussels (fixture) · month",
    ]
    range_bar = spec["data"][0]
    assert numbers(range_bar["y"]) == [1000, 2000, None]


def test_values_a_link_cannot_mean_fall_back_to_the_defaults(fixture_data):
    app = run_page_in_app(PAGE, city="atlantis", metric="nonsense")
    assert not app.exception
    assert [box.value for box in app.main.selectbox] == ["copenhagen", "registered_users"]


def test_a_figure_the_city_does_not_report_gives_way_to_the_city_default(fixture_data):
    app = run_page_in_app(PAGE, city="barcelona", metric="visits")
    assert app.selectbox[1].value == "syringes_found_public"
    assert chart_title(app).startswith("**Syringes found in public space, Barcelona**")


def test_choosing_another_figure_redraws_the_chart_and_updates_the_link(fixture_data):
    app = run_page_in_app(PAGE, city="copenhagen")
    app.selectbox[1].select("visits").run()
    assert not app.exception
    assert app.query_params["metric"] == "visits"
    title = escape_markdown("Visits, Test site Copenhagen (fixture), Copenhagen")
    assert chart_title(app).startswith(f"**{title}**")
    assert app.metric[0].label == "Most recent figure: Visits, average per day"
    assert app.metric[0].value == escape_markdown("about 12.5")


def test_the_most_recent_figure_comes_with_what_was_counted_its_period_and_source(fixture_data):
    app = run_page_in_app(PAGE, city="brussels", metric="visits")
    (latest,) = app.metric
    assert latest.label == "Most recent figure: Visits"
    assert latest.value == "1,000–2,000"
    assert "Between 1,000 and 2,000 visits were made" in latest.proto.help
    captions = [caption.value for caption in app.caption]
    # The source is one click away (its title links to its web address) and says what kind it is.
    assert any(
        caption.startswith(
            escape_markdown("visits (fixture) · 2019")
            + "  \n"
            + "Source: [Test source B \\(fixture\\)](https://example.org/fixture-report-b) (news report)"
        )
        for caption in captions
    )


def test_the_chart_is_followed_by_its_summary_and_the_figures_behind_it(fixture_data):
    app = run_page_in_app(PAGE, city="brussels", metric="visits")
    assert app.text[0].value.startswith("Brussels: 2 sourced figures for Visits")
    table = with_tables_open(app).dataframe[0].value
    assert list(table["Figure"]) == ["more than 500", "1,000–2,000"]
    assert list(table["Source"]) == ["Test source B (fixture)", "Test source B (fixture)"]


def test_events_and_parts_of_a_total_are_listed_under_the_chart(fixture_data):
    brussels = run_page_in_app(PAGE, city="brussels", metric="visits")
    assert "Events in Brussels (1)" in [expander.label for expander in brussels.expander]
    assert list(with_tables_open(brussels).dataframe[1].value["Event"]) == ["Test policy change (fixture)"]

    copenhagen = with_tables_open(run_page_in_app(PAGE, city="copenhagen", metric="registered_users"))
    parts = copenhagen.dataframe[-1].value
    assert list(parts["Part of the total"]) == ["sex=female", "sex=male"]


def test_a_small_count_in_a_breakdown_is_never_shown(tmp_path, monkeypatch):
    # Row 3 is Copenhagen's women registered in 2020; 3 is below the disclosure threshold.
    use_data(
        tmp_path, monkeypatch, observations=edit_row(3, value="3", quote="3 women registered (fixture).")
    )
    app = with_tables_open(run_page_in_app(PAGE, city="copenhagen", metric="registered_users"))
    parts = app.dataframe[-1].value
    assert list(parts["Figure"]) == ["<10", "222"]
    assert parts["Value"].isna().tolist() == [True, False]
    assert not any("3 women" in quote for quote in parts["Quote"])


def test_figures_that_must_not_be_added_up_say_so(fixture_data):
    registered = run_page_in_app(PAGE, city="copenhagen", metric="registered_users")
    visits = run_page_in_app(PAGE, city="copenhagen", metric="visits")
    warning = "must not be added together"
    assert any(warning in caption.value for caption in registered.caption)
    assert not any(warning in caption.value for caption in visits.caption)


def test_figures_counted_in_different_units_carry_a_warning(tmp_path, monkeypatch):
    # Row 7 is Barcelona's 2017 syringes; a 2020 count in another unit joins it.
    use_data(
        tmp_path,
        monkeypatch,
        observations=add_row(
            7, observation_id="obs-bags", period_start="2020", period_end="2020", unit="bags"
        ),
    )
    app = run_page_in_app(PAGE, city="barcelona", metric="syringes_found_public")
    (warning,) = app.warning
    assert "count different things (syringes, bags)" in warning.value


def test_a_city_without_figures_says_so_and_still_lists_its_events(tmp_path, monkeypatch):
    odense = {
        "city_id": "odense", "name": "Odense", "country": "Denmark", "country_code": "DK",
        "latitude": "55.40", "longitude": "10.39", "in_europe": "true",
    }  # fmt: skip
    opening = {
        "event_id": "odense-opening", "city_id": "odense", "date": "2013-02-26", "kind": "opening",
        "label": "Odense room opens (fixture)", "source_id": "test-report-a", "quote": "It opened (fixture).",
    }  # fmt: skip
    use_data(tmp_path, monkeypatch, cities=lambda rows: [*rows, odense], events=lambda rows: [*rows, opening])
    app = run_page_in_app(PAGE, city="odense")
    assert not app.exception
    assert app.info[0].value == "No sourced figure for Odense."
    assert not app.get("plotly_chart")
    assert list(app.dataframe[0].value["Event"]) == ["Odense room opens (fixture)"]
    assert len(app.main.selectbox) == 1


def test_data_text_stays_text_on_the_page_and_in_the_chart(tmp_path, monkeypatch):
    link = "[official figures](https://phish.example)"
    image = "![](https://tracker.example/pixel.png)"
    html = '<a href="https://phish.example">x</a>'

    def hostile(rows, **values):
        return [{**row, **values} for row in rows]

    use_data(
        tmp_path,
        monkeypatch,
        cities=lambda rows: hostile(rows, name=link),
        facilities=lambda rows: hostile(rows, name=html),
        metrics=lambda rows: hostile(rows, label=image, definition=link),
        sources=lambda rows: hostile(rows, title=image),
        observations=lambda rows: hostile(rows, counted_as=html, quote=link, unit=image),
        events=lambda rows: hostile(rows, label=html),
    )
    app = run_page_in_app(PAGE, city="brussels", metric="visits")
    assert not app.exception
    for text in rendered_markdown(app):
        assert not has_live_markup(text), text
    spec = str(chart_specs(app))
    assert "<a " not in spec and "[official figures](https" in spec and "&lt;a href" in spec


@pytest.mark.parametrize("city_id", FOCUS_CITIES)
def test_each_focus_city_draws_on_the_published_data(city_id):
    app = run_page_in_app(PAGE, city=city_id)
    assert not app.exception
    assert len(app.get("plotly_chart")) == 1
    assert app.query_params["metric"]


def test_a_city_s_related_services_are_listed_with_their_source_and_no_figure():
    """Copenhagen's page names the Danish Drug Users Union's StreetPatrol: not a room, no figure."""
    app = run_page_in_app(PAGE, city="copenhagen")
    assert not app.exception
    assert "Related services in Copenhagen" in [header.value for header in app.header]
    (service,) = [text.value for text in app.markdown if "StreetPatrol" in text.value]
    assert escape_markdown("BrugerForeningen (Danish Drug Users Union)") in service
    assert "seed article" in service and "Source" in service


def test_a_most_recent_figure_older_than_three_years_says_how_old_it_is():
    app = run_page_in_app(PAGE, city="copenhagen", metric="overdoses_managed")
    captions = "\n".join(caption.value for caption in app.caption)
    assert escape_markdown("From 2017: ") in captions and escape_markdown(" years old.") in captions
