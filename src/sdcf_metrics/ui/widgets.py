"""Widgets that several pages share, so the same choice looks and behaves the same everywhere."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import streamlit as st

from .. import trends
from ..i18n import format_number, t
from ..views import DEFAULT_NORMALISATION, EVERY
from ..vocabulary import NORMALISATIONS, Choice, ids, label
from . import state

TIME_AXES: tuple[Choice, ...] = (
    Choice("calendar", "Calendar date"),
    Choice("since_opening", "Years since first opening"),
)


def radio_choice(key: str, title: str, choices: Sequence[Choice], default: str) -> str:
    """One of a short list of the vocabulary as a row of radio buttons, kept in the URL as `key`."""
    return state.choice(
        key,
        title,
        ids(choices),
        default,
        format_func=lambda choice_id: label(choices, choice_id),
        widget=st.radio,
        horizontal=True,
    )


def normalisation_choice() -> str:
    """How compared figures are shown (as reported, per 100,000 residents...), kept in the URL as `per`."""
    return radio_choice("per", t("Compare"), NORMALISATIONS, DEFAULT_NORMALISATION)


def metric_choice(rows: Sequence[trends.Row]) -> str:
    """Which of a city's metrics is shown, kept in the URL as `metric`: the headline service figures first,
    each labelled with how many figures it has, opening on the one reported most often."""
    options = trends.metric_choices(rows)
    return state.choice(
        "metric", t("Figure"), list(options), trends.default_metric(rows), format_func=options.get
    )


def choice_or_all(key: str, title: str, choices: Sequence[Choice], everything: str) -> str | None:
    """A filter on one list of the vocabulary, kept in the URL as `key`: one of its values, or None for
    all of them (the option labelled `everything`)."""
    chosen = state.choice(
        key,
        title,
        [EVERY, *ids(choices)],
        EVERY,
        format_func=lambda value: everything if value == EVERY else label(choices, value),
    )
    return None if chosen == EVERY else chosen


def page_number(key: str, pages: int, showing: Hashable) -> int:
    """Which page of a long table to show, from 1; none to choose when it has one. A new `showing` (what
    the table holds: its filter, its data version) opens on the first page again."""
    if pages <= 1:
        return 1
    if st.session_state.get(f"{key}:showing") != showing:
        st.session_state[f"{key}:showing"] = showing
        st.session_state[key] = 1
    chosen = st.number_input(
        t("Page (of {pages})", pages=format_number(pages)), min_value=1, max_value=pages, step=1, key=key
    )
    return int(chosen)
