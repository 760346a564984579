"""Facilities: every supervised consumption facility in the dataset on a map of Europe and in a table."""

import streamlit as st

from sdcf_metrics import queries, views
from sdcf_metrics.charts.facilities_map import facilities_table
from sdcf_metrics.geography import places
from sdcf_metrics.i18n import format_number, t
from sdcf_metrics.ui import state
from sdcf_metrics.ui.chart_tools import show_view
from sdcf_metrics.ui.frame import no_data, page_frame, page_heading
from sdcf_metrics.ui.navigation import FACILITIES
from sdcf_metrics.ui.tables import show_table
from sdcf_metrics.ui.widgets import choice_or_all
from sdcf_metrics.untrusted import escape_markdown
from sdcf_metrics.vocabulary import FACILITY_STATUSES, FACILITY_TYPES

TABLE_HEIGHT, TABLE_ROW_HEIGHT = 560, 35

store = page_frame(FACILITIES)
page_heading(
    FACILITIES,
    t(
        "Every facility in the dataset, with its opening date as precise as its source. The list holds the "
        "facilities that have a sourced figure, opening date or event here; it is not a census of every room."
    ),
)

everything = queries.facility_directory(store)
country_column, type_column, status_column = st.columns([2, 1, 1])
with country_column:
    countries = state.choices(
        "country",
        t("Countries (all when empty)"),
        sorted({facility["country"] for facility in everything}),
        default=[],
    )
with type_column:
    facility_type = choice_or_all("type", t("Type"), FACILITY_TYPES, t("All types"))
with status_column:
    status = choice_or_all("status", t("Status"), FACILITY_STATUSES, t("All"))

shown = queries.facility_directory(store, countries=countries, facility_type=facility_type, status=status)
if not shown:
    no_data(t("facilities matching these filters"))
    st.stop()

on_map, off_map = places(shown)
drawn = sum(len(place.facilities) for place in on_map)
st.caption(
    t(
        "The table lists {shown} of the {total} facilities in this dataset (the filters choose which), "
        "open or closed. The map draws the {drawn} of them in Europe; the others are in the table only. "
        "**Approximate locations**: every facility is drawn at the centre of its city, not at its "
        "address, and a number on a marker counts the facilities listed for that city, open or closed. "
        "A city's own count of the rooms open on a date (on the Overview) can differ.",
        shown=format_number(len(shown)),
        total=format_number(len(everything)),
        drawn=format_number(drawn),
    )
)
map_column, table_column = st.columns([3, 2])
with map_column:
    if on_map:
        show_view(views.facilities_map(on_map, off_map, store.release))
    else:
        st.info(t("None of the facilities shown is in Europe, so the map is empty; they are in the table."))
    if off_map:
        st.caption(
            t(
                "Not on the map, which shows Europe only; listed in the table: {cities}.",
                cities=escape_markdown(", ".join(f"{place.city} ({place.country})" for place in off_map)),
            )
        )
with table_column:
    show_table(
        facilities_table(shown),
        key="facilities-table",
        height=min(TABLE_HEIGHT, TABLE_ROW_HEIGHT * (len(shown) + 1) + 3),
        column_config={t("Name"): st.column_config.TextColumn(width="medium", pinned=True)},
    )
    st.caption(
        t(
            "Type is only given where a source says how drugs are taken there. Closed: the date the source "
            "gives for the closure; a suspension without a later closure is not recorded as one."
        )
    )
