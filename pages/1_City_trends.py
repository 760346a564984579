"""City trends: one city's sourced figures for one metric over time, with its events and sources."""

from datetime import date

import streamlit as st

from sdcf_metrics import queries, trends, views
from sdcf_metrics.charts import FOCUS_CITIES
from sdcf_metrics.headlines import headline, latest_figure, leading_figure
from sdcf_metrics.i18n import t
from sdcf_metrics.ui import state
from sdcf_metrics.ui.chart_tools import show_view
from sdcf_metrics.ui.frame import no_data, page_frame, page_heading
from sdcf_metrics.ui.navigation import CITY_TRENDS
from sdcf_metrics.ui.tables import opened_expander, show_table, tile_source
from sdcf_metrics.ui.widgets import metric_choice
from sdcf_metrics.untrusted import escape_markdown

store = page_frame(CITY_TRENDS)
page_heading(
    CITY_TRENDS,
    t(
        "One city's figures over time, as the sources report them: each with its period, what was "
        "counted and where it comes from."
    ),
)

cities = {city["city_id"]: city for city in queries.cities(store)}
city_options = trends.city_choices(list(cities.values()))
city_column, metric_column = st.columns(2)
with city_column:
    city_id = state.choice(
        "city", t("City"), list(city_options), FOCUS_CITIES[0], format_func=city_options.get
    )
city = cities[city_id]
observations = queries.city_observations(store, city_id=city_id)
events = queries.city_events(store, city_id=city_id)

if not observations:
    no_data(city["name"])
    if events:
        st.header(t("Events on record"))
        show_table(trends.events_table(events), key="events")
    st.stop()

with metric_column:
    metric_id = metric_choice(observations)
rows = trends.of_metric(observations, metric_id)
metric_label = rows[0]["metric"]

latest_column, reading_column = st.columns(2)
with latest_column.container(border=True):
    leading = leading_figure(rows) or latest_figure(rows)
    latest = headline(leading)
    st.metric(
        t("Most recent figure: {metric}", metric=escape_markdown(latest.metric)),
        escape_markdown(latest.figure),
        help=t("In the source's words: {quote}", quote=escape_markdown(latest.quote)),
    )
    notes = [
        escape_markdown(latest.context),
        tile_source(latest.source_title, latest.source_url, latest.source_kind),
        escape_markdown(trends.age_note(leading, date.today())),
        escape_markdown(latest.caveat),
    ]
    st.caption("  \n".join(note for note in notes if note))
    if latest.disagreement:
        st.warning(escape_markdown(latest.disagreement), icon=":material/compare_arrows:")
with reading_column:
    st.markdown(
        t(
            "**{metric}**: {definition}",
            metric=escape_markdown(metric_label),
            definition=escape_markdown(rows[0]["definition"]),
        )
    )
    if not rows[0]["additive"]:
        st.caption(
            t(
                "These figures must not be added together: the same people or facilities are counted again "
                "in each period and at each site."
            )
        )
    counted_in = trends.units(rows)
    if len(counted_in) > 1:
        st.warning(
            t(
                "These figures count different things ({units}). Read what was counted before setting one "
                "against another.",
                units=escape_markdown(", ".join(counted_in)),
            )
        )

show_view(views.city_trend(city, list(cities), rows, events, store.release))

if events:
    label = t("Events in {city} ({count})", city=escape_markdown(city["name"]), count=len(events))
    with opened_expander(label, "events") as opened:
        if opened:
            st.caption(t("Events within two years of the charted figures are marked on the chart."))
            show_table(trends.events_table(events), key="events")
services = queries.city_related_services(store, city_id=city_id)
if services:
    st.header(t("Related services in {city}", city=escape_markdown(city["name"])))
    st.caption(t("Services that are not consumption rooms: no figures, only what their sources say."))
    for service in services:
        st.markdown(trends.related_service_text(service))
parts = trends.of_metric(queries.city_breakdowns(store, city_id=city_id), metric_id)
if parts:
    label = t("Parts of a total, as the source split them ({count})", count=len(parts))
    with opened_expander(label, "parts") as opened:
        if opened:
            show_table(trends.breakdown_table(parts), key="parts")
