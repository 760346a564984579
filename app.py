"""Home page: how much evidence there is, the latest figures of the reader's cities (the focus cities
until the reader chooses), and Europe at a glance."""

import streamlit as st

from sdcf_metrics import overview, queries, views
from sdcf_metrics.charts import FOCUS_CITIES
from sdcf_metrics.i18n import format_number, t
from sdcf_metrics.trends import city_choices
from sdcf_metrics.ui import state
from sdcf_metrics.ui.chart_tools import show_view
from sdcf_metrics.ui.frame import no_data, page_frame, page_link, text_section
from sdcf_metrics.ui.navigation import CITY_TRENDS, OVERVIEW, PAGES
from sdcf_metrics.ui.tables import opened_expander, show_table, tile_source
from sdcf_metrics.untrusted import escape_markdown, markdown_link

TILES_PER_ROW = 2

store = page_frame(OVERVIEW)
st.title(t("Supervised drug consumption facilities in Europe"))
st.write(
    t(
        "Sourced figures for councillors, city networks and journalists. Every number comes with its "
        "period, the source's own words and a link to the source; nothing is estimated."
    )
)

summary = queries.dataset_summary(store)
cities_tile, facilities_tile, figures_tile, years_tile = st.columns(4)
cities_tile.metric(
    t("European cities"),
    format_number(summary["european_cities"]),
    help=overview.coverage_note(summary),
)
facilities_tile.metric(
    t("Facilities on record"),
    format_number(summary["facilities"]),
    help=t("Facilities with a sourced figure, opening date or event here; not a census of every room."),
)
figures_tile.metric(
    t("Sourced figures"),
    format_number(summary["observations"]),
    help=t(
        "Each with its period, its source and the quote in which it appears; {sources} sources in all.",
        sources=format_number(summary["sources"]),
    ),
)
years_tile.metric(
    t("Years covered"),
    overview.years_covered(summary),
    help=t("The years in which the reported periods end."),
)

st.header(t("Latest figures by city"))
st.caption(
    t(
        "The most recent figure of each kind, in the source's own terms. The figures cover different "
        "periods and places: read the line under each one before setting it against another."
    )
)
cities = queries.cities(store)
city_options = city_choices(cities)
chosen = state.choices("cities", t("Cities"), list(city_options), FOCUS_CITIES, format_func=city_options.get)
if not chosen:
    st.info(t("Choose one or more cities to see their latest figures."))
focus = {city_id: queries.city_observations(store, city_id=city_id) for city_id in chosen}
for city in overview.city_headlines(cities, focus):
    with st.container(border=True):
        name_column, link_column = st.columns([3, 1], vertical_alignment="center")
        name_column.subheader(escape_markdown(city.name))
        population_source = markdown_link(city.population_source, city.population_source_url)
        name_column.caption(
            escape_markdown(city.subtitle)
            + (" · " + t("Source: {title}", title=population_source) if city.population_source else "")
        )
        with link_column:
            page_link(
                CITY_TRENDS,
                label=t("{city} over time", city=escape_markdown(city.name)),
                query_params={"city": city.city_id},
            )
        if not city.figures:
            st.caption(t("No headline figure is sourced for this city yet."))
        for start in range(0, len(city.figures), TILES_PER_ROW):
            for column, figure in zip(
                st.columns(TILES_PER_ROW), city.figures[start : start + TILES_PER_ROW], strict=False
            ):
                column.metric(
                    escape_markdown(figure.metric),
                    escape_markdown(figure.figure),
                    help=escape_markdown(overview.tile_help(figure)),
                )
                lines = (
                    escape_markdown(figure.context),
                    tile_source(figure.source_title, figure.source_url, figure.source_kind),
                    escape_markdown(figure.caveat),
                    escape_markdown(figure.disagreement),
                )
                column.caption("  \n".join(line for line in lines if line))

area_counts = queries.area_observations(store, metric_id=overview.FACILITY_COUNT_METRIC)
counts = overview.latest_facility_counts(area_counts)
registry = overview.registry_coverage(queries.facility_directory(store), area_counts)
text_section(t("Europe at a glance"), escape_markdown(overview.registry_note(registry)))
if counts.countries:
    show_view(views.facilities_by_country(counts, store.release))
else:
    no_data(t("the number of facilities per country"))
uncounted = overview.countries_without_count(cities, counts.countries)
if uncounted:
    st.caption(
        t(
            "Not drawn, for want of a sourced national count: {countries}. Their cities' facilities are "
            "on the Facilities page; a count of the facilities this dataset lists would not be a national "
            "total.",
            countries=escape_markdown(", ".join(uncounted)),
        )
    )
if counts.wider_areas:
    label = t(
        "Europe and the world: the latest count of each wider area ({count})", count=len(counts.wider_areas)
    )
    with opened_expander(label, key="wider-areas") as opened:
        if opened:
            st.caption(t("The latest count for each wider area, as each source defines it."))
            show_table(overview.area_table(counts.wider_areas), key="wider-areas")

text_section(
    t("Before you compare"),
    t(
        "- **Since opening, per year, on one day, per day on average**: these are different figures. A count "
        "since opening keeps growing; a daily average is not a total.\n"
        "- **Definitions differ between cities.** An overdose managed in one city may be a call to the "
        "emergency services in another; read what was counted.\n"
        "- **Counts of people cannot be added up.** The same person may use several rooms or come back "
        "every year.\n"
        "- **Aggregates only.** Every figure is a total published by its source; nothing here describes "
        "a person."
    ),
)

st.header(t("Explore"))
for page in PAGES:
    if page is not OVERVIEW:
        described = t("**{page}**: {description}", page=t(page.title), description=t(page.description))
        page_link(page, label=described)
