"""Methodology: what each metric means, how periods and values read, how cities are compared, and the
traps, privacy rule, licence and citation.

The prose comes from `docs/methodology.md` (the project's own text, rendered as Markdown). Everything
that comes from the data (metric labels and definitions, example figures) is in tables whose every cell
is escaped, because `st.table` renders Markdown.
"""

import streamlit as st

from sdcf_metrics import catalogue, queries
from sdcf_metrics.attribution import citation
from sdcf_metrics.compare.marks import COMPARABILITY_MARKS, COMPARABILITY_RULES
from sdcf_metrics.i18n import format_number, t
from sdcf_metrics.privacy import policy_text
from sdcf_metrics.ui.frame import page_frame, page_heading, page_link, text_section
from sdcf_metrics.ui.navigation import DATA_AND_SOURCES, METHODOLOGY
from sdcf_metrics.ui.tables import show_text_table

store = page_frame(METHODOLOGY)
release = store.release
sections = catalogue.methodology_sections()

page_heading(
    METHODOLOGY,
    t(
        "What the figures are, what each metric means, how periods and values are written, what differs "
        "between cities, and how to reuse and cite the data."
    ),
)

text_section(t("What the figures are"), sections["What the figures are"])

st.header(t("Metric catalogue"))
metrics = queries.metric_catalogue(store)
st.caption(
    t(
        "The {count} metrics a figure may use. “May be summed: no” means that adding figures would count "
        "the same people or rooms more than once; the dashboard never adds them. Figures: how many the "
        "dataset holds.",
        count=format_number(len(metrics)),
    )
)
show_text_table(catalogue.catalogue_frame, metrics, of_store=store)

text_section(t("Periods and values"), sections["Periods and values"], f"### {t('Kinds of period')}")
examples = queries.reading_examples(store)
show_text_table(catalogue.period_examples, examples, links=catalogue.source_links(), of_store=store)
st.subheader(t("How a source qualifies a figure"))
show_text_table(catalogue.value_examples, examples, links=catalogue.source_links(), of_store=store)

text_section(t("Definitional traps"), sections["Definitional traps"])

text_section(t("Comparing cities"), sections["Comparing cities"], f"### {t('Comparability marks')}")
show_text_table(catalogue.marks_frame, COMPARABILITY_MARKS)
text_section(t("The rules"), "\n".join(f"1. {t(rule)}" for rule in COMPARABILITY_RULES), level=3)

text_section(t("Privacy"), sections["Privacy"])
st.info(policy_text(), icon=":material/shield_person:")

text_section(t("Licence and how to cite"), sections["Licence and how to cite"])
st.code(citation(release.data_version, release.published_on), language=None, wrap_lines=True)
page_link(DATA_AND_SOURCES, label=t("Every figure with its source and quote, and the downloads"))
