"""Accessibility statement: what conforms to WCAG 2.1 AA, what does not and why, how to report a barrier.

The EU Web Accessibility Directive asks public bodies that publish a website for such a statement. The
text comes from `docs/accessibility.md` (the project's own text, translated beside it); the contact for
reports is the deployment's own (`SDCF_ACCESSIBILITY_CONTACT`), shown as text.
"""

import streamlit as st

from sdcf_metrics import catalogue
from sdcf_metrics.attribution import accessibility_contact
from sdcf_metrics.i18n import t
from sdcf_metrics.ui.frame import page_frame, page_heading
from sdcf_metrics.ui.navigation import ACCESSIBILITY
from sdcf_metrics.untrusted import escape_markdown

page_frame(ACCESSIBILITY)
sections = catalogue.methodology_sections(catalogue.ACCESSIBILITY_FILE)

page_heading(
    ACCESSIBILITY,
    t("How this dashboard meets the accessibility standard that public bodies in the EU must follow."),
)

for heading in ("Conformance status", "What works", "What does not yet, and why", "Colours"):
    st.header(t(heading))
    st.markdown(sections[heading])

st.header(t("Report a barrier"))
st.markdown(sections["Report a barrier"])
contact = accessibility_contact()
if contact:
    st.info(t("Write to: {contact}", contact=escape_markdown(contact)), icon=":material/mail:")
else:
    st.info(
        t(
            "This copy of the dashboard names no contact yet: ask the organisation that publishes it. "
            "Its administrators set one with SDCF_ACCESSIBILITY_CONTACT."
        ),
        icon=":material/mail:",
    )

st.header(t("How this statement was prepared"))
st.markdown(sections["How this statement was prepared"])
