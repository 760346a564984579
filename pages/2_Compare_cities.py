"""Compare cities: one figure side by side for several cities, with what is comparable and what is not."""

import streamlit as st

from sdcf_metrics import queries, views
from sdcf_metrics.charts import city_colours
from sdcf_metrics.compare import describe, marks, national
from sdcf_metrics.compare.comparison import cities_reporting, compare_cities
from sdcf_metrics.figures import describe_value
from sdcf_metrics.i18n import t
from sdcf_metrics.trends import city_choices
from sdcf_metrics.ui import state
from sdcf_metrics.ui.chart_tools import show_view
from sdcf_metrics.ui.comparison import comparability_verdict, period_choice
from sdcf_metrics.ui.frame import no_data, page_frame, page_heading, page_link, stable_slot
from sdcf_metrics.ui.navigation import COMPARE_CITIES, METHODOLOGY
from sdcf_metrics.ui.tables import opened_expander, show_table, tile_source
from sdcf_metrics.ui.widgets import TIME_AXES, normalisation_choice, radio_choice
from sdcf_metrics.untrusted import escape_markdown
from sdcf_metrics.views import DEFAULT_METRIC, PRESETS, load_denominators, preset_name
from sdcf_metrics.vocabulary import SCOPES, label

store = page_frame(COMPARE_CITIES)
page_heading(
    COMPARE_CITIES,
    t(
        "One figure side by side for several cities. Cities count different things under similar names, so "
        "every figure is marked against a reference: the same definition, or a different kind of period, "
        "scope or definition. Derived figures are computed here and labelled; nothing is ever added up."
    ),
)

cities = queries.cities(store)
city_options = city_choices(cities)
metric_rows = {row["metric_id"]: row for row in queries.compare_metrics(store)}
metric_options = describe.metric_options(list(metric_rows.values()))
if not metric_options:
    no_data(t("any city"))
    st.stop()

metric_column, per_column = st.columns([2, 3])
with metric_column:
    metric_id = state.choice(
        "metric", t("Figure"), list(metric_options), DEFAULT_METRIC, format_func=metric_options.get
    )
with per_column:
    per = normalisation_choice()
city_ids = state.choices(
    "cities",
    t("Cities (the first one with a figure gives the reference)"),
    list(city_options),
    PRESETS["Focus cities"],
    format_func=city_options.get,
)
state.presets("cities", t("Preset selections"), PRESETS, preset_name(city_ids) or None, format_func=t)

metric = metric_rows[metric_id]
st.caption(escape_markdown(metric["definition"]))
denominators = load_denominators(store, city_ids)
comparison = compare_cities(
    queries.metric_across_cities(store, metric_id=metric_id, city_ids=city_ids),
    city_ids,
    per,
    denominators,
)
names = {city["city_id"]: city["name"] for city in cities}
colours = city_colours(list(names))
reference = comparison.reference

with stable_slot():
    if not city_ids:
        st.info(t("Choose one or more cities to compare."))
    if comparison.cities_without_data:
        without = ", ".join(names[city_id] for city_id in comparison.cities_without_data)
        no_data(t("{metric} in {cities}", metric=metric["label"], cities=without))
        reporting = cities_reporting(queries.metric_coverage(store, metric_id), metric_id, city_ids)
        if reporting:
            state.preset(
                "cities",
                t(
                    "Compare cities that report it: {cities}",
                    cities=", ".join(names[city_id] for city_id in reporting),
                ),
                reporting,
                icon=":material/swap_horiz:",
            )

with stable_slot():
    if reference is not None:
        st.markdown(
            t(
                "**Reference:** {city}, {figure} ({counted_as}), {period}, {scope}. Every figure is marked "
                "against it; put another city first to change it.",
                city=escape_markdown(reference["city"]),
                figure=escape_markdown(describe_value(reference)),
                counted_as=escape_markdown(reference["counted_as"]),
                period=escape_markdown(reference["period_label"]),
                scope=escape_markdown(label(SCOPES, reference["scope"])),
            )
        )
        about_reference = [
            tile_source(reference["source_title"], reference["source_url"]),
            *(escape_markdown(line) for line in describe.evidence_lines(reference)),
        ]
        st.caption(" · ".join(about_reference))
        comparability_verdict(comparison)
        show_view(views.compare_latest(comparison, metric, per, colours, store.release))

        st.header(t("All figures over time"))
        period_column, axis_column = st.columns(2)
        with period_column:
            in_period, period_label = period_choice(comparison)
        with axis_column:
            axis = radio_choice("axis", t("Time axis"), TIME_AXES, views.DEFAULT_TIME_AXIS)
        show_view(
            views.compare_time(
                comparison,
                in_period,
                period_label,
                metric=metric,
                per=per,
                since_opening=denominators if axis == "since_opening" else None,
                colours=colours,
                release=store.release,
            )
        )

        every_figure = t("Every figure for these cities ({count})", count=len(comparison.values))
        with opened_expander(every_figure, key="compare-all") as opened:
            if opened:
                st.caption(
                    t(
                        "Each sourced figure once, marked against the reference, with the source's own "
                        "wording. No totals: people are counted again at each facility and in each period."
                    )
                )
                show_table(
                    describe.comparison_table(comparison.values, per, reference),
                    key="table:compare-all",
                    column_config={
                        t("City"): st.column_config.TextColumn(pinned=True),
                        t("Comparability"): st.column_config.TextColumn(width="large"),
                    },
                )

with opened_expander(t("How figures are compared"), key="how-compared") as opened:
    if opened:
        st.markdown(
            "\n\n".join(
                t("**{mark}**: {meaning}", mark=t(mark), meaning=t(meaning))
                for mark, meaning in marks.COMPARABILITY_MARKS.items()
            )
        )
        st.markdown("\n".join("- " + t(rule) for rule in marks.COMPARABILITY_RULES))
        page_link(METHODOLOGY)

st.header(t("Drug-induced death rates by country"))
st.info(
    t(
        "National rates are compared on their own, never with city figures. They follow the EMCDDA/EUDA "
        "definition (deaths per million people aged 15-64), but national definitions and recording practices "
        "differ, and the EMCDDA discourages direct comparison between countries."
    )
)
national_rates = queries.area_observations(store, metric_id=views.DEATH_RATE)
years = national.national_years(national_rates)
if not years:
    no_data(t("national drug-induced death rates"))
else:
    counts = dict(years)
    year = state.choice(
        "rates_year",
        t("Year"),
        list(counts),
        national.latest_year(years),
        format_func=lambda year: t(
            "{year} ({countries})", year=year, countries=national.countries_label(counts[year])
        ),
    )
    rates = national.national_figures(national_rates, year)
    highlighted = {city["country"] for city in cities if city["city_id"] in city_ids}
    show_view(views.compare_national(rates, year, highlighted, store.release))
