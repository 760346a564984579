"""Home page: Europe at a glance and headline figures for the focus cities."""

import streamlit as st

from sdcf_metrics.frame import page_frame
from sdcf_metrics.i18n import t

store = page_frame(t("Overview"))
st.title(t("Supervised drug consumption facilities in Europe"))
st.write(t("Sourced figures for councillors, city networks and journalists."))
