"""Needle litter: syringes found in public space before and after facilities opened, as sources counted."""

import streamlit as st

from sdcf_metrics import litter, queries, views
from sdcf_metrics.charts import city_colours
from sdcf_metrics.figures import describe_value
from sdcf_metrics.i18n import t
from sdcf_metrics.ui import state
from sdcf_metrics.ui.chart_tools import show_view
from sdcf_metrics.ui.frame import no_data, page_frame, page_heading, stable_slot
from sdcf_metrics.ui.navigation import NEEDLE_LITTER
from sdcf_metrics.ui.tables import opened_expander, show_table
from sdcf_metrics.untrusted import escape_markdown, markdown_link

store = page_frame(NEEDLE_LITTER)
page_heading(
    NEEDLE_LITTER,
    t(
        "Discarded syringes counted in streets and other public space, before and after a facility "
        "opened: each count with its period, its place and the words of its source."
    ),
)

cities = {city["city_id"]: city for city in queries.cities(store)}
litter_rows = queries.litter_observations(store, metric_ids=litter.LITTER_METRICS)
facilities = queries.facility_directory(store)
city_options = litter.city_choices(cities.values(), litter_rows)
city_id = state.choice(
    "city", t("City"), list(city_options), next(iter(city_options)), format_func=city_options.get
)
city_name = cities[city_id]["name"]
view = litter.city_litter(litter_rows, facilities, city_id, city_name)
st.warning(t(litter.ASSOCIATION_IS_NOT_CAUSATION), icon=":material/warning:")

with stable_slot():
    if not view.has_figures:
        no_data(t("needle litter in {city}", city=city_name))

    colour = city_colours(list(cities))[city_id]
    for index, series in enumerate(view.series):
        with stable_slot():
            _, not_drawn = series.openings_near(view.openings)
            show_view(views.litter_counts(index, series, city_name, view.openings, colour, store.release))
            st.caption(
                t("**What was counted.** {definition}", definition=escape_markdown(series.definition))
                + "  \n"
                + "  \n".join(
                    escape_markdown(litter.evidence_line(row))
                    + " "
                    + markdown_link(row["source_title"], row["source_url"])
                    for row in series.rows
                )
            )
            if series.notes:
                st.caption(
                    "  \n".join(t("Note: {note}", note=escape_markdown(note)) for note in series.notes)
                )
            if series.has_totals_since_opening:
                st.caption(
                    t(
                        "A count since opening is a running total: it covers the whole period shown and "
                        "keeps growing, so it cannot be set against a count for one year."
                    )
                )
            if series.rate_per:
                st.caption(
                    t(
                        "These are averages per {rate}, not totals for the period: they cannot be set "
                        "against the totals of other cities.",
                        rate=escape_markdown(series.rate_per),
                    )
                )
            if not_drawn:
                st.caption(
                    t(
                        "Openings in {city} outside this chart's years: {openings}.",
                        city=escape_markdown(city_name),
                        openings=escape_markdown(
                            "; ".join(f"{opening.facility} ({opening.opened})" for opening in not_drawn)
                        ),
                    )
                )
            elif not view.openings:
                st.caption(
                    t("No facility in {city} has a sourced opening date.", city=escape_markdown(city_name))
                )

    if view.comparisons:
        st.header(t("Before and after an opening"))
    for pair in view.comparisons:
        with st.container(border=True):
            st.markdown(
                t(
                    "**{opening}** opened {opened}. Before: {before} ({before_period}). After: {after} "
                    "({after_period}).",
                    opening=escape_markdown(pair.opening.facility),
                    opened=escape_markdown(pair.opening.opened),
                    before=escape_markdown(describe_value(pair.before)),
                    before_period=escape_markdown(pair.before["period_label"]),
                    after=escape_markdown(describe_value(pair.after)),
                    after_period=escape_markdown(pair.after["period_label"]),
                )
            )
            if pair.change is None:
                st.caption(
                    t(
                        "No change is computed from these two counts: {reason}.",
                        reason=escape_markdown(pair.not_computed_because),
                    )
                )
            else:
                st.metric(t("Change computed from the two counts above"), f"{pair.change:+.0f}%")
                st.caption(
                    t(
                        "Our arithmetic, not a figure the source reported: the two counts use the same "
                        "definition over periods of the same length."
                    )
                )

    if view.reported_changes:
        st.header(t("Changes as the sources reported them"))
        st.caption(t("Shown as reported, not recomputed; each source chose its own area and periods."))
    for row in view.reported_changes:
        with st.container(border=True):
            st.metric(
                escape_markdown(row["counted_as"]),
                t("{figure}%", figure=escape_markdown(describe_value(row))),
                help=t("In the source's words: {quote}", quote=escape_markdown(row["quote"])),
            )
            st.caption(
                t(
                    "{period} · {source} ({publisher})",
                    period=escape_markdown(row["period_label"]),
                    source=markdown_link(row["source_title"], row["source_url"]),
                    publisher=escape_markdown(row["source_publisher"]),
                )
                + ("  \n" + escape_markdown(row["notes"]) if row["notes"] else "")
            )

st.divider()
label = t("Every litter figure in the dataset ({count})", count=len(litter_rows))
with opened_expander(label, "every-litter-figure") as opened:
    if opened:
        st.caption(
            t(
                "Listed together for reference, not for comparison: each city counts a different area, "
                "over a different period, in its own way."
            )
        )
        show_table(litter.litter_table(litter_rows), key="every-litter-figure")
