"""Data & sources: every figure with its source and quote, what the dataset covers, and the downloads."""

import streamlit as st

from sdcf_metrics import datatable, queries
from sdcf_metrics.attribution import DATA_LICENCE_NOTE
from sdcf_metrics.i18n import format_number, t
from sdcf_metrics.queries import SEARCH_MAX_LENGTH, TableFilter
from sdcf_metrics.ui import state
from sdcf_metrics.ui.downloads import dataset_download_buttons
from sdcf_metrics.ui.frame import page_frame, page_heading
from sdcf_metrics.ui.navigation import DATA_AND_SOURCES
from sdcf_metrics.ui.tables import show_table
from sdcf_metrics.ui.widgets import page_number
from sdcf_metrics.untrusted import escape_markdown
from sdcf_metrics.vocabulary import PERIOD_KINDS, SCOPES, ids, label

store = page_frame(DATA_AND_SOURCES)
release = store.release

page_heading(
    DATA_AND_SOURCES,
    t(
        "Every figure in the dashboard, with its period, what was counted, its source and the words in "
        "which the source gives it. Search it, check what the dataset covers, and download it."
    ),
)

figures_in_dataset = queries.observation_count(store)
sources = queries.source_table(store)
with st.container(border=True):
    st.markdown(
        t(
            "**The full dataset**: {figures} figures from {sources} sources, data version {version}, "
            "published {date}.",
            figures=format_number(figures_in_dataset),
            sources=format_number(len(sources)),
            version=escape_markdown(release.data_version),
            date=escape_markdown(release.published_on),
        )
    )
    dataset_download_buttons(
        store, lambda: queries.observation_table(store), figures_in_dataset, key="download-all"
    )
    st.caption(
        t(
            "{licence} The Excel file has an About sheet with the citation and the meaning of every column.",
            licence=t(DATA_LICENCE_NOTE),
        )
    )

views = {"figures": t("Figures"), "coverage": t("Coverage"), "sources": t("Sources")}
view = state.choice(
    "view",
    t("Show"),
    list(views),
    "figures",
    format_func=views.get,
    widget=st.segmented_control,
    required=True,
    label_visibility="collapsed",
)

if view == "figures":
    search = state.text(
        "q",
        t("Search"),
        placeholder=t("A city, facility, metric, source, or words from a quote"),
        max_chars=SEARCH_MAX_LENGTH,
        icon=":material/search:",
    )
    cities = {city["city_id"]: city["name"] for city in queries.cities(store)}
    catalogued = queries.metric_catalogue(store)
    metrics = {metric["metric_id"]: metric["label"] for metric in catalogued}
    city_column, country_column, metric_column = st.columns(3)
    with city_column:
        city_ids = state.choices("city", t("City"), list(cities), [], format_func=cities.get)
    with country_column:
        countries = state.choices("country", t("Country or area"), queries.dataset_countries(store), [])
    with metric_column:
        metric_ids = state.choices("metric", t("Metric"), list(metrics), [], format_func=metrics.get)
    period_column, scope_column = st.columns(2)
    with period_column:
        period_kinds = state.choices(
            "period_kind",
            t("Kind of period"),
            ids(PERIOD_KINDS),
            [],
            format_func=lambda kind: label(PERIOD_KINDS, kind),
        )
    with scope_column:
        scopes = state.choices(
            "scope", t("Scope"), ids(SCOPES), [], format_func=lambda scope: label(SCOPES, scope)
        )

    table_filter = TableFilter(
        search, tuple(city_ids), tuple(countries), tuple(metric_ids), tuple(period_kinds), tuple(scopes)
    )
    matching = queries.observation_count(store, selection=table_filter)
    pages = queries.page_count(matching)
    page = page_number("figures-page", pages, (release.data_version, table_filter))
    rows = queries.observation_table(store, selection=table_filter, page=page)
    if pages == 1:
        shown = t(
            "Showing {shown} of {total} figures.",
            shown=format_number(matching),
            total=format_number(figures_in_dataset),
        )
    else:
        first = queries.first_row_of(page)
        shown = t(
            "Showing figures {first} to {last} of the {matching} that match, of {total} in the dataset.",
            first=format_number(first),
            last=format_number(first + rows.num_rows - 1),
            matching=format_number(matching),
            total=format_number(figures_in_dataset),
        )
    st.caption(shown)
    if matching == 0:
        st.info(
            t(
                "No figure matches this search and these filters. Remove a filter, or open Coverage to "
                "see which cities have figures for which metrics."
            )
        )
    else:
        show_table(
            datatable.display_frame(rows, {metric["metric_id"]: metric["kind"] for metric in catalogued}),
            height=datatable.table_height(rows.num_rows),
            key="figures-table",
            column_config={
                t("City"): st.column_config.TextColumn(pinned=True),
                **{
                    t(name): st.column_config.TextColumn(width=width)
                    for name, width in datatable.DISPLAY_WIDTHS.items()
                },
            },
        )
        if not table_filter.is_everything:
            st.markdown(
                t("**Download this figure**")
                if matching == 1
                else t("**Download these {count} figures**", count=format_number(matching))
            )
            dataset_download_buttons(
                store,
                lambda: queries.observation_table(store, selection=table_filter),
                matching,
                key="download-selection",
                selection=table_filter.describe(),
            )

elif view == "coverage":
    st.markdown(
        t(
            "How many figures each city has for each metric, counting the city's facilities too. A dash "
            "means the dataset holds no sourced figure: none was found in the sources checked, which is "
            "not the same as zero."
        )
    )
    coverage = datatable.coverage_frame(queries.coverage(store))
    show_table(
        coverage,
        height=datatable.table_height(len(coverage), tallest=1100),
        key="coverage-table",
        placeholder=datatable.NO_FIGURE,
        column_config={t("City"): st.column_config.TextColumn(pinned=True, width=170)},
    )
    st.caption(
        t(
            "Figures about countries, regions and several countries are not in this table: choose Figures "
            "and filter by country or area to see them."
        )
    )

else:
    st.caption(
        t(
            "{count} sources. The licence note says on what terms each is quoted; the figures remain "
            "their publishers'.",
            count=format_number(len(sources)),
        )
    )
    show_table(
        datatable.sources_frame(sources),
        height=datatable.table_height(len(sources)),
        key="sources-table",
        column_config={
            t("Title"): st.column_config.TextColumn(width=380),
            t("Publisher"): st.column_config.TextColumn(width=200),
        },
    )
