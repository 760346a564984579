"""Every chart a page can embed, built from what the page has queried: figure, plotted rows, title and the
sentence that describes it.

The pages draw these with `ui.chart_tools.show_view`, and `publish-static` writes the same ones as static
files, so a chart is assembled in one place whether a visitor's session or a static file server shows it.
The defaults a page opens on (the Compare page's metric and city presets, its normalisation and time
axis) live here too, because a static copy of a page's default view must open on the same ones.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial, wraps
from typing import ParamSpec

import plotly.graph_objects as go
import pyarrow as pa

from . import litter, overview, queries, trends
from .cache import ResultCache, approximate_size
from .charts import built_once, city_colours
from .charts.area_bars import latest_by_area_figure
from .charts.compare import latest_chart, national_chart, time_chart
from .charts.facilities_map import MAP_TITLE, facilities_map_figure, map_summary, map_table
from .charts.litter import litter_counts_figure
from .charts.trend import city_trend_figure
from .compare import describe, national
from .compare.comparison import ComparedValue, Comparison, compare_cities, first_openings
from .compare.normalise import Denominators
from .figures import place_title
from .geography import Place, places
from .i18n import t
from .periods import period_group, period_group_label
from .release import Release
from .store import Store

Row = Mapping[str, object]
P = ParamSpec("P")

# The Compare cities page opens on a metric all three focus cities report, for one of these selections.
DEFAULT_METRIC = "registered_users"
PRESETS: dict[str, tuple[str, ...]] = {
    "Focus cities": ("copenhagen", "amsterdam", "brussels"),
    "SOLIDIFY partners (Efus)": ("barcelona", "essen", "paris", "strasbourg", "the-hague"),
}
DEFAULT_NORMALISATION = "absolute"
DEFAULT_TIME_AXIS = "calendar"
DEATH_RATE = "drug_induced_death_rate"
EVERY = "all"  # the value of a filter that keeps everything (`ui.widgets.choice_or_all`)

Params = dict[str, list[str]]


@dataclass(frozen=True)
class ChartView:
    """One chart as a page draws it: `key` names it in embed links (`?chart=<key>`)."""

    key: str
    figure: go.Figure
    table: pa.Table
    title: str
    summary: str


def _view_size(view: ChartView) -> int:
    """What a kept view adds to the figure `built_once` already keeps: its rows and its words."""
    return approximate_size(view.table) + approximate_size((view.key, view.title, view.summary))


# Room for every view of the published data (about 280) in two languages.
VIEWS = ResultCache(max_entries=1024, max_bytes=32 * 1024**2, size=_view_size, per_version=True)


def kept(build: Callable[P, ChartView]) -> Callable[P, ChartView]:
    """`build`, made once per process for the same arguments and reader's language (`ResultCache.once`;
    every view takes the release, so a new data version builds afresh). A filter change on a page draws
    a view many sessions have drawn before: the same view object is returned, and what the page derives
    from it (the figure drawn for the screen, the linked data table) is made once too."""

    @wraps(build)
    def once(*args: P.args, **kwargs: P.kwargs) -> ChartView:
        return VIEWS.once(build, *args, **kwargs)

    return once


@dataclass(frozen=True)
class Embeddable:
    """A chart a share link can name: the page's URL parameters of the view it is drawn in, the chart's
    key, and how to build it (building a figure costs more than knowing which ones there are)."""

    params: Params
    key: str
    build: Callable[[], ChartView]


def preset_name(city_ids: Sequence[str]) -> str:
    """The preset these cities are, in any order, or '' for a custom selection."""
    chosen = set(city_ids)
    return next((name for name, preset in PRESETS.items() if set(preset) == chosen), "")


def load_denominators(store: Store, city_ids: Sequence[str]) -> Denominators:
    """The divisors of the chosen cities' figures: populations, the facility list and its sourced counts,
    and consumption counts."""

    def totals(metric_id: str) -> list[queries.Observation]:
        return queries.metric_across_cities(store, metric_id=metric_id, city_ids=city_ids)

    return Denominators(
        populations=totals("population"),
        facilities=queries.facilities(store),
        facility_counts=totals("facilities_count"),
        consumptions=totals("consumptions"),
    )


# Overview ----------------------------------------------------------------------------------------------


@kept
def facilities_by_country(counts: overview.AreaCounts, release: Release) -> ChartView:
    """The latest sourced count of facilities of each country (the Overview's chart)."""
    title = t("Supervised consumption facilities by country")
    figure = built_once(
        latest_by_area_figure,
        counts.countries,
        title=title,
        subtitle=t("The latest sourced count for each country; the dates differ, so this is not a ranking"),
        axis_title=t("Facilities"),
        data_version=release.data_version,
        published_on=release.published_on,
    )
    return ChartView(
        "facilities-by-country",
        figure,
        overview.area_table(counts.countries),
        title,
        overview.country_counts_summary(counts.countries),
    )


# City trends -------------------------------------------------------------------------------------------


@kept
def city_trend(
    city: Row,
    all_city_ids: Sequence[str],
    rows: Sequence[trends.Row],
    events: Sequence[Row],
    release: Release,
) -> ChartView:
    """One city's figures of one metric over time (`rows`: `trends.of_metric`), with the events near them."""
    metric_label = rows[0]["metric"]
    series = trends.split_series(rows)
    figure = built_once(
        city_trend_figure,
        city_name=city["name"],
        city_colour=city_colours(list(all_city_ids))[city["city_id"]],
        metric_label=metric_label,
        series=series,
        events=trends.events_in_view(events, rows),
        data_version=release.data_version,
        published_on=release.published_on,
    )
    return ChartView(
        "city-trend",
        figure,
        trends.trend_table(rows),
        place_title(metric_label, city["name"], rows),
        trends.trend_summary(city["name"], metric_label, rows, series),
    )


# Compare cities ----------------------------------------------------------------------------------------


@kept
def compare_latest(
    comparison: Comparison, metric: Row, per: str, colours: Mapping[str, str], release: Release
) -> ChartView:
    """Each city's figure closest to the reference."""
    return ChartView(
        "compare-latest",
        built_once(
            latest_chart,
            comparison,
            metric_label=metric["label"],
            colours=colours,
            data_version=release.data_version,
            published_on=release.published_on,
        ),
        describe.comparison_table(comparison.latest, per, comparison.reference),
        t("{metric}: the figure per city closest to the reference", metric=metric["label"]),
        describe.latest_summary(comparison, metric["label"]),
    )


@kept
def compare_time(
    comparison: Comparison,
    in_period: Sequence[ComparedValue],
    period_label: str,
    *,
    metric: Row,
    per: str,
    since_opening: Denominators | None,
    colours: Mapping[str, str],
    release: Release,
) -> ChartView:
    """The figures of one kind of period over time; on years since the first opening when `since_opening`
    gives the facilities to count from."""
    return ChartView(
        "compare-time",
        built_once(
            time_chart,
            in_period,
            per=per,
            reference=comparison.reference,
            metric_label=metric["label"],
            period_label=period_label,
            openings=first_openings(since_opening.facilities) if since_opening else None,
            colours=colours,
            data_version=release.data_version,
            published_on=release.published_on,
        ),
        describe.comparison_table(in_period, per, comparison.reference),
        t("{metric} over time: {period}", metric=metric["label"], period=period_label.lower()),
        describe.time_summary(in_period, metric["label"], period_label),
    )


@kept
def compare_national(
    rates: Sequence[Row], year: str, highlighted_countries: Collection[str], release: Release
) -> ChartView:
    """National drug-induced death rates of one year, the chosen cities' countries highlighted."""
    rate_label = rates[0]["metric"]
    return ChartView(
        "compare-national",
        built_once(
            national_chart,
            rates,
            metric_label=rate_label,
            year=year,
            highlighted_countries=highlighted_countries,
            data_version=release.data_version,
            published_on=release.published_on,
        ),
        national.national_table(rates),
        t("{metric} by country, {year}", metric=rate_label, year=year),
        national.national_summary(rates, rate_label, year),
    )


def default_period(comparison: Comparison) -> str:
    """The kind of period a chart over time opens on: the reference's, else the first there is."""
    if comparison.reference:
        return period_group(comparison.reference)
    return next(iter(describe.period_groups(comparison.values)), "")


def values_in_period(comparison: Comparison, period: str) -> list[ComparedValue]:
    """The compared figures of one kind of period (`periods.period_group`): one kind per chart over time."""
    return [value for value in comparison.values if period_group(value.row) == period]


# Needle litter -----------------------------------------------------------------------------------------


@kept
def litter_counts(
    index: int,
    series: litter.CountSeries,
    city_name: str,
    city_openings: Sequence[litter.Opening],
    colour: str,
    release: Release,
) -> ChartView:
    """One series of a city's litter counts, with the openings near enough to draw."""
    drawn, _ = series.openings_near(city_openings)
    return ChartView(
        f"litter-{index}",
        built_once(
            litter_counts_figure, series, city_name, drawn, colour, release.data_version, release.published_on
        ),
        litter.litter_table(series.rows, drawn),
        litter.series_title(series, city_name),
        litter.series_summary(series, city_name, drawn),
    )


# Facilities --------------------------------------------------------------------------------------------


@kept
def facilities_map(on_map: Sequence[Place], off_map: Sequence[Place], release: Release) -> ChartView:
    """The facilities on a map of Europe, one marker per city centre."""
    return ChartView(
        "facilities-map",
        built_once(facilities_map_figure, on_map, off_map, release.data_version, release.published_on),
        map_table(on_map),
        t(MAP_TITLE),
        map_summary(on_map),
    )


# What a share link can name --------------------------------------------------------------------------
# One generator per page with charts: every view of it that a share link names by a city, a metric or a
# preset, with the parameters the page writes to its URL for that view, and the charts drawn in it. The
# page list (`ui.navigation`) says which page each belongs to; `publish-static` writes them all.


def overview_charts(store: Store) -> Iterator[Embeddable]:
    counts = overview.latest_facility_counts(
        queries.area_observations(store, metric_id=overview.FACILITY_COUNT_METRIC)
    )
    if counts.countries:
        yield Embeddable({}, "facilities-by-country", partial(facilities_by_country, counts, store.release))


def city_trend_charts(store: Store) -> Iterator[Embeddable]:
    """Each city with figures, and each metric it reports."""
    cities = {city["city_id"]: city for city in queries.cities(store)}
    for city_id in trends.city_choices(list(cities.values())):
        observations = queries.city_observations(store, city_id=city_id)
        if not observations:
            continue
        events = queries.city_events(store, city_id=city_id)
        for metric_id in trends.metric_choices(observations):
            rows = trends.of_metric(observations, metric_id)
            build = partial(city_trend, cities[city_id], list(cities), rows, events, store.release)
            yield Embeddable({"city": [city_id], "metric": [metric_id]}, "city-trend", build)


def compare_charts(store: Store) -> Iterator[Embeddable]:
    """Each metric for each preset, on the page's default normalisation, axis and year, and on each kind
    of period the chart over time can show: the page keeps the kind a reader chose when they change the
    figure, so each kind is a view readers reach (and share), not only the reference's."""
    cities = queries.cities(store)
    known = {city["city_id"] for city in cities}
    colours = city_colours([city["city_id"] for city in cities])
    metric_rows = {row["metric_id"]: row for row in queries.compare_metrics(store)}
    national_rates = queries.area_observations(store, metric_id=DEATH_RATE)
    years = national.national_years(national_rates)
    year = national.latest_year(years) if years else ""
    for metric_id in describe.metric_options(list(metric_rows.values())):
        for preset in PRESETS.values():
            city_ids = [city_id for city_id in preset if city_id in known]  # as the page's picker keeps them
            comparison = compare_cities(
                queries.metric_across_cities(store, metric_id=metric_id, city_ids=city_ids),
                city_ids,
                DEFAULT_NORMALISATION,
                load_denominators(store, city_ids),
            )
            params: Params = {"metric": [metric_id], "per": [DEFAULT_NORMALISATION], "cities": city_ids}
            national_chart: list[tuple[str, Callable[[], ChartView]]] = []
            if year:
                params["rates_year"] = [year]
                highlighted = {city["country"] for city in cities if city["city_id"] in city_ids}
                rates = national.national_figures(national_rates, year)
                national_chart.append(
                    ("compare-national", partial(compare_national, rates, year, highlighted, store.release))
                )
            if comparison.reference is None:
                yield from (Embeddable(params, key, build) for key, build in national_chart)
                continue
            metric = metric_rows[metric_id]
            latest = partial(
                compare_latest, comparison, metric, DEFAULT_NORMALISATION, colours, store.release
            )
            default = default_period(comparison)
            periods = [
                default,
                *(period for period in describe.period_groups(comparison.values) if period != default),
            ]
            for period in periods:
                over_time = partial(
                    compare_time,
                    comparison,
                    values_in_period(comparison, period),
                    period_group_label(period),
                    metric=metric,
                    per=DEFAULT_NORMALISATION,
                    since_opening=None,
                    colours=colours,
                    release=store.release,
                )
                in_view = params | {"period": [period], "axis": [DEFAULT_TIME_AXIS]}
                charts = [("compare-latest", latest), ("compare-time", over_time), *national_chart]
                yield from (Embeddable(in_view, key, build) for key, build in charts)


def litter_charts(store: Store) -> Iterator[Embeddable]:
    """Each city's litter counts, one chart per series."""
    cities = {city["city_id"]: city for city in queries.cities(store)}
    colours = city_colours(list(cities))
    litter_rows = queries.litter_observations(store, metric_ids=litter.LITTER_METRICS)
    facilities = queries.facility_directory(store)
    for city_id in litter.city_choices(cities.values(), litter_rows):
        name = cities[city_id]["name"]
        view = litter.city_litter(litter_rows, facilities, city_id, name)
        for index, series in enumerate(view.series):
            build = partial(
                litter_counts, index, series, name, view.openings, colours[city_id], store.release
            )
            yield Embeddable({"city": [city_id]}, f"litter-{index}", build)


def facilities_charts(store: Store) -> Iterator[Embeddable]:
    """The map of every facility (the page's unfiltered view), then the map of each country's alone (a
    councillor's first filter)."""
    everything = queries.facility_directory(store, countries=[], facility_type=None, status=None)
    every_type = {"type": [EVERY], "status": [EVERY]}
    for countries in [[], *([country] for country in sorted({row["country"] for row in everything}))]:
        shown = queries.facility_directory(store, countries=countries, facility_type=None, status=None)
        on_map, off_map = places(shown)
        if on_map:
            build = partial(facilities_map, on_map, off_map, store.release)
            yield Embeddable(
                {"country": countries, **every_type} if countries else every_type, "facilities-map", build
            )
