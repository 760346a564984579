"""Your city: check a file of your city's figures and see them beside the published cities, without
publishing anything.

The file is read from the uploader's memory on each run and never written, cached or shared: it lives in
this browser session's widget state and is gone when the session ends. Its checked, disclosure-protected
figures are queried through a store of their own that lasts one run (`Store.with_upload`), and drawn by
the builders of City trends and Compare cities, marked "not published". Without a file, the template's
example rows are previewed, so a visitor sees what they will get; that example holds nothing of any
visitor's, so it is checked once and shared (`ui.upload_example`).
"""

from contextlib import nullcontext

import streamlit as st

from sdcf_metrics import queries, trends, your_city
from sdcf_metrics.attribution import steward_contact
from sdcf_metrics.charts import FOCUS_CITIES, built_once, city_colours, with_colour_beside
from sdcf_metrics.charts.compare import latest_chart, time_chart
from sdcf_metrics.charts.trend import city_trend_figure
from sdcf_metrics.compare import describe
from sdcf_metrics.compare.comparison import compare_cities
from sdcf_metrics.export import XLSX_MIME
from sdcf_metrics.figures import place_title
from sdcf_metrics.i18n import format_number, t
from sdcf_metrics.pipeline.template import EXAMPLE_CITY, template_csv, template_xlsx
from sdcf_metrics.ui import state
from sdcf_metrics.ui.chart_tools import show_chart
from sdcf_metrics.ui.comparison import comparability_verdict, period_choice
from sdcf_metrics.ui.frame import page_frame, page_heading, page_link, stable_slot, text_section
from sdcf_metrics.ui.navigation import METHODOLOGY, YOUR_CITY
from sdcf_metrics.ui.tables import opened_expander
from sdcf_metrics.ui.upload_example import example_table, upload_example
from sdcf_metrics.ui.widgets import metric_choice, normalisation_choice
from sdcf_metrics.untrusted import escape_markdown, escape_markdown_table
from sdcf_metrics.views import load_denominators

store = page_frame(YOUR_CITY)
release = store.release
page_heading(
    YOUR_CITY,
    t(
        "Check a file of your city's figures and see them beside Copenhagen, Amsterdam, Brussels and the "
        "other published cities. Nothing you upload is published, stored or shared: the file stays in this "
        "browser session and is gone when you close the tab."
    ),
)

text_section(t("1. Fill in the template"), your_city.format_summary())
csv_column, xlsx_column, _ = st.columns([1, 1, 2])
csv_column.download_button(
    t("Template (CSV)"),
    template_csv,  # built only when asked for
    your_city.template_file_name("csv"),
    "text/csv",
    key="template:csv",
    on_click="ignore",
    icon=":material/download:",
    width="stretch",
)
xlsx_column.download_button(
    t("Template (Excel)"),
    lambda: template_xlsx(queries.metrics(store)),  # built only when asked for
    your_city.template_file_name("xlsx"),
    XLSX_MIME,
    key="template:xlsx",
    on_click="ignore",
    icon=":material/download:",
    width="stretch",
)
st.caption(
    t(
        "The Excel template has drop-down lists and sheets explaining each column and metric. Its example "
        "rows are about {city}, a city that does not exist: write over them or delete them.",
        city=EXAMPLE_CITY,
    )
)
with opened_expander(
    t("The format in detail: columns, metrics, periods, qualifiers"), key="format", icon=":material/help:"
) as opened:
    if opened:  # its tabs are 17 elements a rerun, drawn only for a reader who opens it
        labels = your_city.FORMAT_TABS
        for tab, label in zip(st.tabs([t(label) for label in labels]), labels, strict=True):
            with tab:
                st.markdown(your_city.format_tab(label))

st.header(t("2. Check your file"))
uploaded_file = st.file_uploader(
    t("Your file: CSV or Excel (.xlsx), up to {size} MB", size=your_city.MAX_UPLOAD_MEGABYTES),
    type=list(your_city.UPLOAD_TYPES),
    max_upload_size=your_city.MAX_UPLOAD_MEGABYTES,
    key="your-city:file",
    help=t(
        "The file is checked here and kept only in this browser session's memory: it is never saved, "
        "published or shown to anyone else. Remove it, or close the tab, and it is gone."
    ),
)
if uploaded_file is None:
    st.info(
        t(
            "No file yet. Below, the template's example rows are checked and shown as yours would be: "
            "{city} is a city that does not exist.",
            city=EXAMPLE_CITY,
        ),
        icon=":material/lightbulb:",
    )
    example = upload_example(store)
    preview = example.preview
else:
    with st.status(t("Checking your file…"), expanded=False) as checking:
        preview = your_city.check_upload(
            uploaded_file.getvalue(),
            uploaded_file.name,
            store,
            on_wait=lambda: checking.update(label=t("Other files are being checked; yours is next…")),
        )
        checking.update(label=your_city.status_label(preview), state="complete" if preview.ok else "error")


def made_now(builder, /, *args, **kwargs):
    """Made on this run and kept nowhere: a visitor's own charts and tables."""
    return builder(*args, **kwargs)


# The example holds nothing of a visitor's: its charts and tables are kept and shared like the published
# ones. A visitor's own figures are built on each run and kept nowhere.
build, tabulate = (built_once, example_table) if uploaded_file is None else (made_now, made_now)


def list_problems() -> None:
    """Every problem of every row, with where it is and how to fix it, and the list to download."""
    st.table(escape_markdown_table(your_city.problems_frame(preview.problems).to_pandas()), hide_index=True)
    st.download_button(
        t("Problem list (CSV)"),
        your_city.problems_csv(preview.problems),
        your_city.PROBLEMS_FILE,
        "text/csv",
        key="your-city:problems",
        on_click="ignore",
        icon=":material/download:",
    )


if preview.notes:
    st.info(t("How the file was read:") + "\n" + your_city.notes_markdown(preview.notes))
if not preview.ok:
    st.error(your_city.problems_summary(preview), icon=":material/error:")
if not preview.has_preview:
    list_problems()
    st.markdown(your_city.where_to_send(steward_contact()))
    st.stop()

published_cities = queries.cities(store)
published_ids = [city["city_id"] for city in published_cities]
uploaded = your_city.uploaded_ids(preview)

with (
    nullcontext(example.store)
    if uploaded_file is None and example.store is not None
    else store.with_upload(preview.tables, preview.replaced_observation_ids)
) as combined:
    names = {city["city_id"]: city["name"] for city in queries.cities(combined)}
    cities = your_city.uploaded_cities(preview, names, published_ids)
    passed = tabulate(
        your_city.passed_table,
        queries.observations_by_id(combined, observation_ids=list(preview.row_of)),
        preview.row_of,
    )
    if preview.ok:
        st.success(
            your_city.counts_text(your_city.figure_counts(preview), example=uploaded_file is None),
            icon=":material/check_circle:",
        )
        label = t("The rows as the preview shows them ({count})", count=format_number(len(passed)))
        with opened_expander(label, key="your-city:passed") as opened:
            if opened:
                st.dataframe(passed.to_pandas(), hide_index=True, width="stretch", key="your-city:passed")
    else:
        rejected_column, passed_column = st.columns(2)
        with rejected_column:
            st.subheader(t("Rows with problems ({count})", count=format_number(len(preview.rejected_rows))))
            list_problems()
        with passed_column:
            st.subheader(t("Rows that passed every check ({count})", count=format_number(len(passed))))
            st.dataframe(passed.to_pandas(), hide_index=True, width="stretch", key="your-city:passed")
            st.caption(
                t("As the preview shows them, after the small-count rule; only these rows are drawn below.")
            )
    found = your_city.cities_markdown(cities) if cities else ""
    protected = your_city.disclosure_markdown(preview.disclosure)
    st.markdown("\n\n".join(part for part in (found, protected) if part))
    page_link(METHODOLOGY, label=t("The small-count rule in full"), icon=":material/shield_person:")
    if preview.duplicate_rows:
        repeated = queries.observations_by_id(store, observation_ids=list(preview.duplicate_rows.values()))
        with st.expander(
            t(
                "Rows that repeat a published figure ({count})",
                count=format_number(len(preview.duplicate_rows)),
            )
        ):
            st.dataframe(
                your_city.repeats_table(preview.duplicate_rows, repeated).to_pandas(),
                hide_index=True,
                width="stretch",
            )
    if preview.replaced_observation_ids:
        ids = list(preview.replaced_observation_ids)
        with st.expander(
            t("Published figures your file corrects ({count})", count=format_number(len(ids))), expanded=True
        ):
            st.dataframe(
                your_city.corrections_table(
                    queries.observations_by_id(store, observation_ids=ids),
                    queries.observations_by_id(combined, observation_ids=ids),
                ).to_pandas(),
                hide_index=True,
                width="stretch",
            )
    if not cities:
        st.info(t("Every figure in your file is already published: there is nothing new to show."))
        st.markdown(your_city.where_to_send(steward_contact()))
        st.stop()

    st.header(t("3. Your figures beside the published cities"))
    st.caption(
        t(
            "Marked “not published” wherever they appear. They are shown beside the published figures, never "
            "added to them or subtracted from them."
        )
    )
    choice_columns = st.columns(2)
    city_id = cities[0].city_id
    if len(cities) > 1:
        with choice_columns[0]:
            city_id = state.choice(
                "upload_city",
                t("City in your file"),
                [city.city_id for city in cities],
                city_id,
                format_func=names.get,
            )
    city_name = names[city_id]
    city_rows = your_city.mark_uploaded(queries.city_observations(combined, city_id=city_id), uploaded)
    your_totals = your_city.yours(city_rows)
    if not your_totals:
        st.info(
            t(
                "Your file has no total for {city}, only parts of totals; they are listed below.",
                city=escape_markdown(city_name),
            )
        )
    else:
        with choice_columns[1 if len(cities) > 1 else 0]:
            metric_id = metric_choice(your_totals)
        rows = trends.of_metric(city_rows, metric_id)
        metric_label = rows[0]["metric"]
        definition = rows[0]["definition"]
        city_options = trends.city_choices(published_cities)
        compare_column, per_column = st.columns([3, 2])
        with compare_column:
            compared_ids = state.choices(
                "compare_with",
                t("Published cities beside yours"),
                list(city_options),
                FOCUS_CITIES,
                format_func=city_options.get,
            )
        with per_column:
            per = normalisation_choice()
        preview_id = your_city.preview_city_id(city_id)
        colours = with_colour_beside(city_colours(published_ids), compared_ids, preview_id)

        st.subheader(t("{city} over time", city=escape_markdown(city_name)))
        series = your_city.trend_series(rows)
        trend_name = your_city.trend_title_name(city_name, example=uploaded_file is None)
        show_chart(
            build(
                city_trend_figure,
                city_name=trend_name,
                city_colour=colours[preview_id],
                metric_label=metric_label,
                series=series,
                events=trends.events_in_view(queries.city_events(combined, city_id=city_id), rows),
                data_version=release.data_version,
                published_on=release.published_on,
            ),
            tabulate(your_city.trend_rows_table, rows),
            place_title(metric_label, trend_name, rows),
            key="your-city-trend",
            summary=trends.trend_summary(trend_name, metric_label, rows, series),
            definition=definition,
            private=True,
        )

        st.subheader(t("{city} beside the published cities", city=escape_markdown(city_name)))
        comparison = compare_cities(
            your_city.comparison_rows(
                queries.metric_across_cities(store, metric_id=metric_id, city_ids=compared_ids),
                queries.metric_across_cities(combined, metric_id=metric_id, city_ids=[city_id]),
                uploaded,
            ),
            [preview_id, *compared_ids],
            per,
            your_city.preview_denominators(
                load_denominators(store, compared_ids),
                load_denominators(combined, [city_id]),
                city_id,
                uploaded,
            ),
        )
        reference = comparison.reference
        note = your_city.chart_note(city_name, example=uploaded_file is None)
        comparability_verdict(comparison, linked=False)
        with stable_slot():
            if comparison.cities_without_data:
                st.caption(
                    t(
                        "No published figure for {metric} in {cities}.",
                        metric=escape_markdown(metric_label),
                        cities=escape_markdown(", ".join(names[c] for c in comparison.cities_without_data)),
                    )
                )
        show_chart(
            build(
                latest_chart,
                comparison,
                metric_label=metric_label,
                colours=colours,
                data_version=release.data_version,
                published_on=release.published_on,
                note=note,
            ),
            tabulate(your_city.comparison_rows_table, comparison.latest, per, reference),
            t("{metric}: the figure per city closest to the reference", metric=metric_label),
            key="your-city-compare",
            summary=describe.latest_summary(comparison, metric_label),
            definition=definition,
            private=True,
        )
        in_period, period_label = period_choice(comparison)
        with stable_slot():
            if not your_city.spans_several_dates(in_period):
                st.caption(
                    t(
                        "Figures of this kind of period exist for one date only, so there is nothing to draw "
                        "over time. Choose another kind of period."
                    )
                )
            else:
                show_chart(
                    build(
                        time_chart,
                        in_period,
                        per=per,
                        reference=reference,
                        metric_label=metric_label,
                        period_label=period_label,
                        openings=None,
                        colours=colours,
                        data_version=release.data_version,
                        published_on=release.published_on,
                        note=note,
                    ),
                    tabulate(your_city.comparison_rows_table, in_period, per, reference),
                    t("{metric} over time: {period}", metric=metric_label, period=period_label.lower()),
                    key="your-city-compare-time",
                    summary=describe.time_summary(in_period, metric_label, period_label),
                    definition=definition,
                    private=True,
                )

    parts = your_city.yours(
        your_city.mark_uploaded(queries.city_breakdowns(combined, city_id=city_id), uploaded)
    )
    if parts:
        label = t("Parts of a total in your file, after the small-count rule ({count})", count=len(parts))
        with opened_expander(label, key="your-city:parts", expanded=not your_totals) as opened:
            if opened:
                st.dataframe(your_city.parts_table(parts).to_pandas(), hide_index=True, width="stretch")

st.markdown(your_city.where_to_send(steward_contact()))
