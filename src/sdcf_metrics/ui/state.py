"""View state <-> URL query string, so every view is a link that reopens it.

Each selection is read from the URL first, then from what this visitor chose on another page (Streamlit
clears the query string on a page switch), then from the default; values not among the options are
ignored, so a tampered link can only select what a widget could. After the widget, the choice is written
back to the URL and remembered for the next page.

A widget this session has not drawn yet gets that value as its default, never by setting its state: a
tab whose session is new to the server (after a restart, an expired session, another replica) sends the
visitor's latest choice with the URL of the choice before, and the choice must win over the old URL.

The URL is the visitor's to write, so it is bounded before anything reads it (`bound_url`): a few
parameters with short names, a few values each, each value short. A link shared from a view holds only
the parameters the view's widgets own (`view_params`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

T = TypeVar("T")
_REMEMBERED = "view:"
_WIDGET = "widget:"
_LABELS = "labels:"
_OWNED = "url:owned"
_DRAWN_ON = "drawn on:"

MAX_URL_PARAMETERS = 16
MAX_URL_VALUES = 100  # per parameter: more than any list of choices holds
MAX_URL_TEXT = 200  # characters per value
_PARAMETER_NAME = re.compile(r"^[a-z][a-z_]{0,31}$")


def bound_url() -> None:
    """Cut the URL to its limits: unknown-looking names dropped, values cut to their count and length.

    Runs first on every page (`frame.page_frame`), so no widget, query or link sees more.
    """
    given = {key: st.query_params.get_all(key) for key in st.query_params}
    bounded: dict[str, list[str]] = {}
    for key, values in given.items():
        if len(bounded) < MAX_URL_PARAMETERS and _PARAMETER_NAME.match(key):
            bounded[key] = [value[:MAX_URL_TEXT] for value in values[:MAX_URL_VALUES]]
    if bounded != given:
        st.query_params.from_dict(bounded)
    st.session_state[_OWNED] = []


def view_params() -> dict[str, list[str]]:
    """The URL parameters this run's widgets own, as they stand: what a link to this view carries."""
    owned = st.session_state.get(_OWNED, [])
    return {key: st.query_params.get_all(key) for key in owned if key in st.query_params}


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


def _page() -> str:
    context = get_script_run_ctx()
    return context.page_script_hash if context is not None else ""


def _sync_widget(key: str, initial: Any) -> tuple[str, bool]:
    """Put the URL's value into the widget when the URL changed since the widget last ran.

    Returns the widget's key, and True when the widget is new to this session or to this page: then
    `initial` is to be its default, which a value the browser sends for it overrides (see the module's
    docstring). Two pages may share a key (the cities of the home page and of Compare cities) with
    widgets Streamlit tells apart; the value the other page's widget left under the key is dropped, else
    this page's widget would start empty instead of from the choice remembered for the key. (A value the
    browser sends to a session new to the server is kept: no page has drawn the widget in it yet.)
    """
    widget_key = _WIDGET + key
    drawn_on, page = _DRAWN_ON + key, _page()
    if st.session_state.get(drawn_on, page) != page:
        st.session_state.pop(widget_key, None)
    st.session_state[drawn_on] = page
    if widget_key not in st.session_state:
        return widget_key, True
    if st.session_state.get(_REMEMBERED + key) != initial:
        st.session_state[widget_key] = initial
    return widget_key, False


def _default(widget: Callable[..., Any], options: Sequence[str], initial: Any) -> dict[str, Any]:
    """The keyword that gives `widget` the default `initial`: an index for a selectbox or a radio."""
    if widget in (st.selectbox, st.radio):
        return {"index": list(options).index(initial)}
    return {"default": initial}


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
    st.session_state.setdefault(_OWNED, []).append(key)
    values = [str(item) for item in value] if isinstance(value, list) else [str(value)]
    # Setting a parameter sends the whole URL to the browser again: only when it changed.
    if st.query_params.get_all(key) != values:
        st.query_params[key] = values if isinstance(value, list) else values[0]


def current_choice(key: str, options: Sequence[str], default: str) -> str:
    """A choice that the whole page depends on (the reader's language), before anything is drawn: from
    the URL, else as this visitor left it on another page, else `default`. Its widget sets it with
    `keep` when changed, so the value never waits for the widget."""
    initial = _initial(key, options, default, multiple=False)
    return initial if initial in options else options[0]


def keep(key: str, value: str) -> None:
    """Keep a choice in the URL and for the next page (a widget's change, or a chart-only view)."""
    _publish(key, value)


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
    widget = widget or st.selectbox
    widget_key, new = _sync_widget(key, initial)
    _redraw_when_labels_change(widget_key, [format_func(option) for option in options])
    default = _default(widget, options, initial) if new else {}
    widget(label, options, key=widget_key, format_func=format_func, **default, **widget_args)
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
    widget_key, new = _sync_widget(key, initial)
    default = {"default": initial} if new else {}
    st.multiselect(label, options, key=widget_key, format_func=format_func, **default, **widget_args)
    value = list(st.session_state[widget_key])
    _publish(key, value)
    return value


def text(key: str, label: str, default: str = "", **widget_args: Any) -> str:
    """Free text (a search box) kept in the URL; the value is only ever used as a bound parameter."""
    from_url = st.query_params.get(key)
    initial = from_url if from_url is not None else st.session_state.get(_REMEMBERED + key, default)
    initial = initial[: widget_args.get("max_chars") or MAX_URL_TEXT]
    widget_key, new = _sync_widget(key, initial)
    st.text_input(label, key=widget_key, **({"value": initial} if new else {}), **widget_args)
    value = st.session_state[widget_key]
    _publish(key, value)
    return value


def preset(key: str, label: str, values: Sequence[str], **button_args: Any) -> bool:
    """A button that sets a multiple choice to fixed values (a preset) by writing them to the URL, as a
    shared link would; the `choices` widget for `key` picks them up on the rerun that follows."""

    def apply() -> None:
        st.query_params[key] = list(values)

    return st.button(label, on_click=apply, key=f"preset:{key}:{label}", **button_args)


def presets(
    key: str,
    label: str,
    named: Mapping[str, Sequence[str]],
    current: str | None,
    *,
    format_func: Callable[[str], str] = str,
) -> None:
    """One row of named selections for a multiple choice (its `choices` widget drawn above it), showing
    `current`, the one chosen now if any: choosing one writes its values to the URL, as a shared link
    would, and the widget picks them up on the rerun that follows."""
    widget_key = f"presets:{key}"

    def apply() -> None:
        chosen = st.session_state[widget_key]
        if chosen is not None:
            st.query_params[key] = list(named[chosen])

    st.session_state[widget_key] = current
    st.pills(label, list(named), key=widget_key, format_func=format_func, on_change=apply)
