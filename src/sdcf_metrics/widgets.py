"""Widgets that several pages share, so the same choice looks and behaves the same everywhere."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from . import state
from .i18n import t
from .vocabulary import NORMALISATIONS, ids, label

# The Compare cities page opens on a metric all three focus cities report, for one of these selections.
DEFAULT_METRIC = "registered_users"
PRESETS: dict[str, tuple[str, ...]] = {
    "Focus cities": ("copenhagen", "amsterdam", "brussels"),
    "SOLIDIFY partners (Efus)": ("barcelona", "essen", "paris", "strasbourg", "the-hague"),
}
TIME_AXES: dict[str, str] = {
    "calendar": "Calendar date",
    "since_opening": "Years since the city's first facility opened",
}


def preset_name(city_ids: Sequence[str]) -> str:
    """The preset these cities are, in any order, or '' for a custom selection."""
    chosen = set(city_ids)
    return next((name for name, preset in PRESETS.items() if set(preset) == chosen), "")


def normalisation_choice() -> str:
    """How compared figures are shown (as reported, per 100,000 residents...), kept in the URL as `per`."""
    return state.choice(
        "per",
        t("Compare"),
        ids(NORMALISATIONS),
        "absolute",
        format_func=lambda key: label(NORMALISATIONS, key),
        widget=st.radio,
        horizontal=True,
    )
