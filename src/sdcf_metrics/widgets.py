"""Widgets that several pages share, so the same choice looks and behaves the same everywhere."""

from __future__ import annotations

import streamlit as st

from . import compare, state
from .i18n import t


def normalisation_choice() -> str:
    """How compared figures are shown (as reported, per 100,000 residents...), kept in the URL as `per`."""
    return state.choice(
        "per",
        t("Compare"),
        list(compare.NORMALISATIONS),
        "absolute",
        format_func=lambda key: t(compare.NORMALISATIONS[key]),
        widget=st.radio,
        horizontal=True,
    )
