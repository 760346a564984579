"""View state <-> URL query string, so every view is a link that reopens it.

Each selection is read from the URL first, then from what this visitor chose on another page (Streamlit
clears the query string on a page switch), then from the default; values not among the options are
ignored, so a tampered link can only select what a widget could. After the widget, the choice is written
back to the URL and remembered for the next page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import streamlit as st

T = TypeVar("T")
_REMEMBERED = "view:"
_WIDGET = "widget:"
_LABELS = "labels:"


def _from_url(key: str, multiple: bool) -> list[str] | None:
    if key not in st.query_params:
        return None
    return st.query_params.get_all(key) if multiple else [st.query_params[key]]


def _initial(key: str, options: Sequence[str], default: Any, multiple: bool) -> Any:
    from_url = _from_url(key, multiple)
    if from_url is not None:
        valid = [value for value in from_url if value in options]
        if multiple and valid:
            return list(dict.fromkeys(valid))
        if not multiple and valid:
            return valid[0]
    remembered = _as_remembered(st.session_state.get(_REMEMBERED + key), multiple)
    if remembered is not None:
        return remembered
    return default


def _as_remembered(value: Any, multiple: bool) -> Any:
    """A choice remembered from another page, in this widget's shape: one page may pick one city, the
    next several under the same key; an empty selection carries nothing over."""
    if multiple and isinstance(value, str):
        return [value]
    if not multiple and isinstance(value, list):
        return value[0] if value else None
    return value


def _sync_widget(key: str, initial: Any) -> str:
    """Put the URL's value into the widget when the URL changed since the widget last ran."""
    widget_key = _WIDGET + key
    if widget_key not in st.session_state or st.session_state.get(_REMEMBERED + key) != initial:
        st.session_state[widget_key] = initial
    return widget_key


def _redraw_when_labels_change(widget_key: str, labels: list[str]) -> None:
    """Set the widget's value again when its option labels changed, so the browser redraws the choice.

    Streamlit's frontend keeps showing a keyed selectbox's old label when only the labels of its options
    change, such as `Visits (1 figure)` becoming `Visits (3 figures)` (streamlit#13788); a value set from
    Python is sent to the browser with its current label.
    """
    labels_key = _LABELS + widget_key
    if st.session_state.get(labels_key) != labels and widget_key in st.session_state:
        st.session_state[widget_key] = st.session_state[widget_key]
    st.session_state[labels_key] = labels


def _publish(key: str, value: Any) -> None:
    st.session_state[_REMEMBERED + key] = value
    if isinstance(value, list):
        st.query_params[key] = value
    else:
        st.query_params[key] = str(value)


def choice(
    key: str,
    label: str,
    options: Sequence[str],
    default: str,
    *,
    format_func: Callable[[str], str] = str,
    widget: Callable[..., Any] | None = None,
    **widget_args: Any,
) -> str:
    """A single choice (selectbox by default, or a radio/segmented control) kept in the URL."""
    initial = _initial(key, options, default, multiple=False)
    if initial not in options:
        initial = options[0]
    widget_key = _sync_widget(key, initial)
    _redraw_when_labels_change(widget_key, [format_func(option) for option in options])
    (widget or st.selectbox)(label, options, key=widget_key, format_func=format_func, **widget_args)
    value = st.session_state[widget_key]
    _publish(key, value)
    return value


def choices(
    key: str,
    label: str,
    options: Sequence[str],
    default: Sequence[str],
    *,
    format_func: Callable[[str], str] = str,
    **widget_args: Any,
) -> list[str]:
    """Several choices (multiselect) kept in the URL as a repeated parameter (`?city=a&city=b`)."""
    initial = [value for value in _initial(key, options, list(default), multiple=True) if value in options]
    widget_key = _sync_widget(key, initial)
    st.multiselect(label, options, key=widget_key, format_func=format_func, **widget_args)
    value = list(st.session_state[widget_key])
    _publish(key, value)
    return value


def text(key: str, label: str, default: str = "", **widget_args: Any) -> str:
    """Free text (a search box) kept in the URL; the value is only ever used as a bound parameter."""
    from_url = st.query_params.get(key)
    initial = from_url if from_url is not None else st.session_state.get(_REMEMBERED + key, default)
    widget_key = _sync_widget(key, initial)
    st.text_input(label, key=widget_key, **widget_args)
    value = st.session_state[widget_key]
    _publish(key, value)
    return value


def preset(key: str, label: str, values: Sequence[str], **button_args: Any) -> bool:
    """A button that sets a multiple choice to fixed values (a preset) by writing them to the URL, as a
    shared link would; the `choices` widget for `key` picks them up on the rerun that follows."""

    def apply() -> None:
        st.query_params[key] = list(values)

    return st.button(label, on_click=apply, key=f"preset:{key}:{label}", **button_args)
