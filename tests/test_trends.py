"""A city's figures over time: which figures share a series, a line or a panel, and how the chart draws them.

The fixture (tests/fixtures.py) gives Brussels two kinds of visits figure (a city-wide yearly range and
one facility's "more than 500" in a month), Copenhagen a daily average and a count since opening, and
Barcelona a yearly series of syringes found.
"""

from __future__ import annotations

from datetime import date

import pytest
from apptest_helpers import build_dataset, numbers
from fixtures import add_row, edit_row

from sdcf_metrics import paths
from sdcf_metrics.charts.trend import city_trend_figure
from sdcf_metrics.figures import place_title
from sdcf_metrics.store import get_store
from sdcf_metrics.trends import (
    age_note,
    breakdown_table,
    city_choices,
    default_metric,
    events_in_view,
    events_table,
    marker_key,
    metric_choices,
    of_metric,
    panels,
    plot_date,
    split_series,
    trend_summary,
    trend_table,
    units,
)


def open_store(root):
    return get_store(paths.extracts_dir(root))


@pytest.fixture
def store(tmp_path):
    return open_store(build_dataset(tmp_path))


def figures(store, city_id, metric_id):
    return of_metric(store.query("city_observations", city_id=city_id).to_pylist(), metric_id)


def draw(store, city_id, metric_id, city_name="City", events=()):
    return city_trend_figure(
        city_name=city_name,
        city_colour="#0072B2",
        metric_label=figures(store, city_id, metric_id)[0]["metric"],
        series=split_series(figures(store, city_id, metric_id)),
        events=list(events),
        data_version="v-test",
        published_on="2025-01-01",
    )


# Choosing what to show


def test_cities_are_offered_by_name_with_reference_cities_outside_europe_last():
    cities = [
        {"city_id": "vancouver", "name": "Vancouver", "country": "Canada", "in_europe": False},
        {"city_id": "zurich", "name": "Zürich", "country": "Switzerland", "in_europe": True},
        {"city_id": "amsterdam", "name": "Amsterdam", "country": "Netherlands", "in_europe": True},
    ]
    assert city_choices(cities) == {
        "amsterdam": "Amsterdam",
        "zurich": "Zürich",
        "vancouver": "Vancouver (reference outside Europe)",
    }


def test_metrics_are_offered_headline_figures_first_with_how_many_figures_each(store):
    rows = store.query("city_observations", city_id="copenhagen").to_pylist()
    assert metric_choices(rows) == {
        "registered_users": "Registered users (1 figure)",
        "visits": "Visits (1 figure)",
        "population": "Population (1 figure)",
    }


def test_a_city_opens_on_the_headline_figure_it_reports_most(store):
    assert default_metric(store.query("city_observations", city_id="brussels").to_pylist()) == "visits"
    # Barcelona reports no headline service figure: the metric with the most figures is chosen.
    assert default_metric(store.query("city_observations", city_id="barcelona").to_pylist()) == (
        "syringes_found_public"
    )


# Series, lines and panels


def test_figures_of_different_places_form_separate_series_whole_city_first(store):
    series = split_series(figures(store, "brussels", "visits"))
    assert [(item.place, item.period_kind) for item in series] == [
        ("", "year"),
        ("Test site Brussels (fixture)", "month"),
    ]
    assert [row["observation_id"] for row in series[0].ranges] == ["obs-range"]
    assert series[0].points == []


def test_figures_that_differ_only_in_unit_are_not_one_series(tmp_path):
    root = build_dataset(
        tmp_path,
        observations=add_row(
            7, observation_id="obs-syringes-kg", period_start="2020", period_end="2020", unit="bags"
        ),
    )
    rows = figures(open_store(root), "barcelona", "syringes_found_public")
    assert units(rows) == ["syringes", "bags"]
    assert sorted(item.unit for item in split_series(rows)) == ["bags", "syringes"]


def test_only_comparable_periods_are_joined_by_a_line(store):
    yearly = split_series(figures(store, "barcelona", "syringes_found_public"))
    assert [item.joined for item in yearly] == [True]
    change_over_a_span = split_series(figures(store, "barcelona", "syringe_litter_change"))
    assert [item.joined for item in change_over_a_span] == [False]


def test_averages_per_day_get_their_own_panel_after_the_totals(store):
    rows = of_metric(store.query("city_observations", city_id="copenhagen").to_pylist(), "visits")
    rows += figures(store, "brussels", "visits")
    assert panels(split_series(rows)) == ["", "day"]


def test_a_year_sits_at_its_middle_and_a_count_since_opening_at_its_last_day(store):
    syringes_2017 = figures(store, "barcelona", "syringes_found_public")[0]
    assert plot_date(syringes_2017) == date(2017, 7, 2)
    since_opening = figures(store, "copenhagen", "registered_users")[0]
    assert plot_date(since_opening) == date(2020, 12, 31)


def test_a_stock_dated_only_by_its_year_sits_in_the_middle_of_that_year(tmp_path):
    # Row 6 is Copenhagen's population on 2020-01-01; here the source gives only the year.
    root = build_dataset(tmp_path, observations=edit_row(6, period_start="2020", period_end="2020"))
    (population,) = figures(open_store(root), "copenhagen", "population")
    assert plot_date(population) == date(2020, 7, 1)


def test_events_far_from_the_figures_are_left_off_the_chart():
    rows = [{"period_start_date": date(2019, 1, 1), "period_end_date": date(2020, 12, 31)}]
    events = [
        {"event_id": "too-early", "event_date": date(2016, 12, 31)},
        {"event_id": "two-years-before", "event_date": date(2017, 1, 1)},
        {"event_id": "after", "event_date": date(2022, 12, 1)},
        {"event_id": "too-late", "event_date": date(2023, 1, 1)},
    ]
    assert [event["event_id"] for event in events_in_view(events, rows)] == ["two-years-before", "after"]


# What accompanies the chart


def test_the_key_names_only_the_symbols_the_chart_draws(store):
    assert marker_key(figures(store, "brussels", "visits"), has_events=False) == (
        "▲ more than, at least   ┃ range   ▬ period covered"
    )
    assert marker_key(figures(store, "barcelona", "syringes_found_public"), has_events=True) == (
        "● exact   ▬ period covered   ┊ event"
    )


def test_the_table_behind_the_chart_keeps_the_source_words_and_exact_values(store):
    table = trend_table(figures(store, "brussels", "visits")).to_pylist()
    assert [row["Figure"] for row in table] == ["more than 500", "1,000–2,000"]
    assert table[1]["Low end"] == 1000 and table[1]["High end"] == 2000 and table[1]["Value"] is None
    assert table[1]["Where"] == "Brussels (whole city)"
    assert table[1]["Quote"] == "Between 1,000 and 2,000 visits were made (fixture)."
    assert table[1]["Link or reference"] == "https://example.org/fixture-report-b"
    assert table[1]["Kind of period"] == "year"


def test_parts_of_a_total_are_listed_with_the_part_first(store):
    parts = of_metric(store.query("city_breakdowns", city_id="copenhagen").to_pylist(), "registered_users")
    table = breakdown_table(parts)
    assert table.column_names[0] == "Part of the total"
    assert table.column(0).to_pylist() == ["sex=female", "sex=male"]


def test_the_summary_says_how_many_figures_over_which_periods_and_the_latest(store):
    rows = figures(store, "brussels", "visits")
    assert trend_summary("Brussels", "Visits", rows, split_series(rows)) == (
        "Brussels: 2 sourced figures for Visits, for periods ending between 2019-05 and 2019. "
        "They form 2 separate series that differ in place, kind of period, rate or unit. "
        "Most recent: 1,000–2,000 (visits (fixture)), 2019, from Test source B (fixture)."
    )


def test_the_summary_of_a_single_figure(store):
    rows = figures(store, "copenhagen", "registered_users")
    assert trend_summary("Copenhagen", "Registered users", rows, split_series(rows)) == (
        "Copenhagen: one sourced figure for Registered users. Most recent: 1,234 (registered users "
        "(fixture)), since opening to 2020-12-31, from Test source A (fixture)."
    )


# The chart


def traces_named(figure, name):
    return [trace for trace in figure.data if trace.legendgroup == name]


def test_a_range_is_a_vertical_bar_from_its_low_to_its_high_end(store):
    figure = draw(store, "brussels", "visits")
    whole_city = traces_named(figure, "Whole city · year")
    assert len(whole_city) == 1
    assert numbers(whole_city[0].y) == [1000, 2000, None]
    assert whole_city[0].x[0] == whole_city[0].x[1]
    assert whole_city[0].showlegend


def test_each_point_is_drawn_with_the_symbol_of_its_qualifier(store):
    _period_bar, points = traces_named(
        draw(store, "brussels", "visits"), "Test site Brussels (fixture) · month"
    )
    assert points.marker.symbol == ("triangle-up",)


def test_a_yearly_series_is_joined_and_shows_the_year_each_figure_covers(store):
    traces = traces_named(draw(store, "barcelona", "syringes_found_public"), "Whole city · year")
    period_bars, points = traces
    assert period_bars.hoverinfo == "skip" and not period_bars.showlegend
    assert list(period_bars.x[:3]) == [date(2017, 1, 1), date(2017, 12, 31), None]
    assert points.mode == "lines+markers"
    assert numbers(points.y) == [3000, 2000, 1000]


def test_totals_and_averages_per_day_are_drawn_in_two_panels(tmp_path):
    # Row 5 is Copenhagen's "about 12.5 visits a day" in 2020; add the same facility's total for 2019.
    root = build_dataset(
        tmp_path,
        observations=add_row(
            5,
            observation_id="obs-visits-2019",
            period_start="2019",
            period_end="2019",
            value="4000",
            qualifier="exact",
            rate_per="",
        ),
    )
    figure = draw(open_store(root), "copenhagen", "visits")
    assert figure.layout.yaxis.title.text == "Figure as reported"
    assert figure.layout.yaxis2.title.text == "Average per day"
    points = [trace for trace in figure.data if trace.showlegend is not False]
    assert [(trace.yaxis, numbers(trace.y)) for trace in points] == [("y", [4000]), ("y2", [12.5])]


def test_the_first_series_has_the_city_colour_and_the_others_differ(store):
    figure = draw(store, "brussels", "visits")
    colours = [trace.line.color for trace in figure.data if trace.showlegend is not False]
    assert colours[0] == "#0072B2"
    assert len(set(colours)) == len(colours)


def test_the_chart_carries_title_sources_key_and_events(store):
    events = store.query("city_events", city_id="brussels").to_pylist()
    figure = draw(store, "brussels", "visits", city_name="Brussels", events=events)
    assert figure.layout.title.text.startswith("<b>Visits, Brussels</b>")
    footer = figure.layout.annotations[0].text
    assert "Test source B (fixture)" in footer and "┃ range" in footer and "┊ event" in footer
    assert [shape.x0 for shape in figure.layout.shapes] == [date(2017, 6, 15)]
    assert figure.layout.annotations[1].text == "Test policy change (fixture)"


def test_data_text_reaches_the_chart_escaped(tmp_path):
    link = '<a href="https://x.example">x</a>'
    root = build_dataset(
        tmp_path,
        facilities=lambda rows: [
            {**row, "name": link} if row["city_id"] == "brussels" else row for row in rows
        ],
        observations=lambda rows: [
            {**row, "counted_as": "<b style='font-size:99px'>big</b>"} for row in rows
        ],
        events=lambda rows: [{**row, "label": link} for row in rows],
    )
    store = open_store(root)
    events = store.query("city_events", city_id="brussels").to_pylist()
    figure = draw(store, "brussels", "visits", city_name="<i>Brussels</i>", events=events)
    escaped_link = '&lt;a href="https://x.example"&gt;x&lt;/a&gt;'
    assert escaped_link + " · month" in [trace.name for trace in figure.data]
    hover = next(trace.hovertext[0] for trace in figure.data if trace.name == escaped_link + " · month")
    assert hover.startswith(
        "more than 500<br>&lt;b style='font-size:99px'&gt;big&lt;/b&gt;<br>" + escaped_link
    )
    assert figure.layout.title.text.startswith("<b>Visits, &lt;i&gt;Brussels&lt;/i&gt;</b>")
    assert figure.layout.annotations[1].text == escaped_link


def test_a_long_event_label_is_wrapped_whole_on_the_chart_and_kept_whole_in_the_table(tmp_path):
    label = "Municipality announces a second supervised consumption room near the station"
    root = build_dataset(tmp_path, events=lambda rows: [{**row, "label": label} for row in rows])
    store = open_store(root)
    events = store.query("city_events", city_id="brussels").to_pylist()
    figure = draw(store, "brussels", "visits", events=events)
    # Upright beside its line, in lines short enough to fit: nothing is cut off.
    assert figure.layout.annotations[1].text == (
        "Municipality announces a second<br>supervised consumption room near<br>the station"
    )
    assert events_table(events).column("Event").to_pylist() == [label]


def test_a_yearly_line_breaks_where_a_year_is_missing(tmp_path):
    # Row 9 is Barcelona's 2019 syringes; a 2021 count leaves 2020 unreported.
    root = build_dataset(
        tmp_path,
        observations=add_row(9, observation_id="obs-syringes-2021", period_start="2021", period_end="2021"),
    )
    (series,) = split_series(figures(open_store(root), "barcelona", "syringes_found_public"))
    drawn = [row["observation_id"] if row else None for row in series.points_with_gaps()]
    assert drawn == ["obs-syringes-2017", "obs-syringes-2018", "obs-syringes-2019", None, "obs-syringes-2021"]


def test_stocks_at_dates_years_apart_are_not_joined(tmp_path):
    # Row 6 is Copenhagen's population on 2020-01-01; a second one follows in 2024.
    root = build_dataset(
        tmp_path,
        observations=add_row(
            6,
            observation_id="obs-population-2024",
            period_start="2024-01-01",
            period_end="2024-01-01",
            value="110000",
        ),
    )
    (series,) = split_series(figures(open_store(root), "copenhagen", "population"))
    assert not series.joined
    assert series.points_with_gaps()[1] is None


def test_a_chart_title_names_the_one_place_its_figures_are_of_and_only_then():
    """`Visits, Brussels` would read as a city-wide count when every figure is one room's."""
    room = {"facility": "GATE (Transit asbl), rue de Woeringen", "place": None}
    city = {"facility": None, "place": None}
    assert place_title("Visits", "Brussels", [room, room]) == (
        "Visits, GATE (Transit asbl), rue de Woeringen, Brussels"
    )
    assert place_title("Visits", "Brussels", [city]) == "Visits, Brussels"
    assert place_title("Visits", "Brussels", [room, city]) == "Visits, Brussels"
    street = {"facility": None, "place": "rue de Maubeuge"}  # scope `area`: a street, not a room
    assert place_title("Syringes", "Paris", [street]) == "Syringes, rue de Maubeuge, Paris"


def test_a_figure_shown_as_most_recent_says_how_old_it_is_after_three_years():
    figure = {"period_end": "2017-06-13", "period_end_date": date(2017, 6, 13)}
    assert age_note(figure, date(2026, 12, 2)) == "From 2017: 9 years old."
    assert age_note(figure, date(2020, 6, 13)) == ""
