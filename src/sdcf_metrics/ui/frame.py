"""The shared frame every page starts with: the reader's language, page config, sidebar menu, data banner
and attribution, and the page's accessibility fixes (style sheet, `lang` attribute, skip link).

Pages are Streamlit's folder-based multipage scripts; any of them can be the first request after a
server start (a shared link), so each calls `page_frame()` before anything else.

When the data cannot be opened the frame stays (the menu, the page's title) and says in plain words
what a steward runs to repair it; when the current version is damaged, or a pinned version is no longer
kept, the page shows the version it does use and says so.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ..attribution import DATA_LICENCE_NOTE, citation
from ..i18n import LANGUAGES, format_partial_date, preferred_language, t, use_language
from ..release import DataUnavailable
from ..sharing import app_root
from ..store import Store, get_store
from ..untrusted import escape_markdown
from . import server, state
from .look import page_look
from .navigation import DATA_AND_SOURCES, OVERVIEW, PAGES, Page, url_paths
from .tables import opened_expander
from .warm_up import warm_up

APP_TITLE = "SDCF evidence"
LANGUAGE_PARAM = "lang"  # ?lang=da|de|en|es|fr|nl, kept in every link, share link and embed
LANGUAGE_WIDGET = "frame:language"
# Set while a chart-only view (an embed) runs: `chart_tools.show_chart` draws the one chart asked for.
CHART_ONLY = "frame:chart-only"
COVERAGE_VIEW = {"view": "coverage"}  # opens the Data page on its cities x metrics coverage table


_VERSION = re.compile(r"^[0-9a-z]{1,40}$")
_BROWSER_LANGUAGE = "frame:browser-language"
_RUN_STORE = "frame:store"


def pinned_version() -> str | None:
    """The data version the URL pins (`?v=`, an embed's), when it is shaped like one."""
    given = st.query_params.get("v")
    return given if given and _VERSION.match(given) else None


def page_frame(page: Page) -> Store:
    """Configure the page and return the store; keep the frame and say what to run when the data cannot
    be opened, and say which version is shown when it is not the one asked for."""
    state.bound_url()  # first: it resets the parameters this run owns, the language among them
    language = state.current_choice(LANGUAGE_PARAM, list(LANGUAGES), _browser_language())
    use_language(language)
    st.set_page_config(page_title=f"{t(page.title)} · {t(APP_TITLE)}", page_icon="📊", layout="wide")
    server.keep_uploads_in_memory()
    page_look(language)
    state.keep(LANGUAGE_PARAM, language)
    st.session_state.pop(CHART_ONLY, None)
    st.session_state.pop(_RUN_STORE, None)
    try:
        store = get_store(version=pinned_version())
    except DataUnavailable as unavailable:
        if not st.query_params.get("chart"):
            _sidebar(None, language)
            st.title(t(page.title))
        st.error(_unavailable(unavailable.reason), icon=":material/error:")
        st.stop()
    st.session_state[_RUN_STORE] = store
    warm_up(store)
    chart = st.query_params.get("chart")
    if chart:
        if not page.may_draw(chart):
            _chart_not_found()
        _enter_chart_only_mode(store)
        return store
    _sidebar(store, language)
    _release_notes(store)
    return store


def frame_store() -> Store:
    """The store this run's frame opened. Opening it checks the published files (the pointer, the
    manifest, a `stat` per table), which is worth doing once per run, not again for every chart."""
    store = st.session_state.get(_RUN_STORE)
    return store if store is not None else get_store(version=pinned_version())


def _unavailable(reason: str) -> str:
    """What the reader is told when the data cannot be opened, and what a steward runs to repair it."""
    if reason == "pointer":
        return t(
            "The file that names the published data version (`data/extracts/current.json`) is damaged. "
            "Nothing is shown rather than something wrong. A steward repairs it with `sdcf-metrics build`, "
            "which rebuilds the published data from the sources."
        )
    if reason == "damaged":
        return t(
            "The published data is damaged (a file is missing or altered) and no earlier intact version is "
            "kept. Nothing is shown rather than something wrong. A steward rebuilds it from the sources with "
            "`sdcf-metrics build`."
        )
    return t(
        "No data has been published yet. Nothing is shown rather than something wrong. A steward publishes "
        "the data with `sdcf-metrics build`."
    )


def _sidebar(store: Store | None, language: str) -> None:
    """The language selector, the menu and, once the data is open, its version, licence and citation."""
    with st.sidebar:
        _language_choice(language)
        if _served_from_home_page():
            # Streamlit's own menu would call the home page "app" and cannot be translated.
            for listed in PAGES:
                page_link(listed)
            st.divider()
        about = t("Evidence on supervised drug consumption facilities in European cities.")
        if store is None:
            st.caption(about)
            return
        version = t(
            "Data version {version}, published {date}.",
            version=store.release.data_version,
            date=format_partial_date(store.release.published_on),
        )
        st.caption(f"{about}  \n{version}")
        # Drawn once opened: the frame's elements are part of every rerun of every page.
        with opened_expander(t("Licence and how to cite"), key="licence") as opened:
            if opened:
                st.caption(t(DATA_LICENCE_NOTE))
                st.code(citation(store.release.data_version, store.release.published_on), language=None)


def _release_notes(store: Store) -> None:
    """Say when the version shown is not the one asked for: the current one is damaged, or the pinned one
    is no longer kept."""
    release = store.release
    if release.damaged_version:
        st.warning(
            t(
                "Data version {damaged} is damaged, so the version before it, {shown} (published {date}), is "
                "shown. A steward repairs it with `sdcf-metrics build`.",
                damaged=escape_markdown(release.damaged_version),
                shown=release.data_version,
                date=release.published_on,
            ),
            icon=":material/warning:",
        )
    asked = st.query_params.get("v")
    if asked and asked not in (release.data_version, release.damaged_version):
        st.info(
            t(
                "Pinned to data version {pinned}, which is no longer kept; showing version {shown}, "
                "published {date}.",
                pinned=escape_markdown(asked[:40]),
                shown=release.data_version,
                date=release.published_on,
            ),
            icon=":material/history:",
        )


def _chart_not_found() -> None:
    """An embed of a chart this page does not have: say so, with a way to the dashboard, and stop."""
    st.error(t("Chart not found: this page has no chart of that name."), icon=":material/search_off:")
    st.link_button(t("Explore the full dashboard"), app_root(st.context.url or "", url_paths()) or "/")
    st.stop()


def _browser_language() -> str:
    """The first of the browser's languages the dashboard speaks (English when it speaks none of them),
    read on a session's first run: the browser sends the same ones for as long as the session lasts."""
    if _BROWSER_LANGUAGE not in st.session_state:
        accepted = st.context.headers.get("Accept-Language") or ""
        offered = [st.context.locale or "", *(part.split(";", 1)[0].strip() for part in accepted.split(","))]
        st.session_state[_BROWSER_LANGUAGE] = preferred_language([code for code in offered if code])
    return st.session_state[_BROWSER_LANGUAGE]


def _language_choice(language: str) -> None:
    """The language selector, first in the sidebar. Its label is also in English, so a reader who landed
    on a page in a language they do not read still finds it."""
    label = t("Language")
    # Set from the URL (or the last page) on every run, so a page switch never resets it; a change goes
    # to the URL at once, before the page is drawn again in the new language.
    st.session_state[LANGUAGE_WIDGET] = language
    st.selectbox(
        label if language == "en" else f"{label} · Language",
        list(LANGUAGES),
        key=LANGUAGE_WIDGET,
        format_func=LANGUAGES.get,
        on_change=lambda: state.keep(LANGUAGE_PARAM, st.session_state[LANGUAGE_WIDGET]),
    )


def _served_from_home_page() -> bool:
    """True when the app runs as `streamlit run app.py`; a page run on its own (a test) has no menu."""
    context = get_script_run_ctx()
    return context is not None and Path(context.main_script_path).name == Path(OVERVIEW.file).name


def _enter_chart_only_mode(store: Store) -> None:
    """Chart-only view for embeds: the page runs as usual, but into a placeholder that is cleared.

    The requested chart is drawn into a slot above it by `show_chart`, which then clears the rest and
    stops the run. Any chart of any page can thus be embedded, from the same code that draws the page.
    """
    slot = st.container()
    with slot:
        _release_notes(store)
    rest = st.empty()
    st.session_state[CHART_ONLY] = (slot, rest)
    rest.container().__enter__()


def stable_slot() -> DeltaGenerator:
    """A container for a part of a page that some choices leave out or lengthen (a notice, a warning).

    Streamlit's frontend keeps an element whose place on the page and content are those of the previous
    run, and draws anew every other one. Without a slot, a notice that comes and goes moves everything
    under it to a new place, so one click redraws the whole page; an empty slot takes no room.
    """
    return st.container()


def no_data(what: str) -> None:
    """Say plainly that there is no sourced figure, and point to the coverage table."""
    st.info(t("No sourced figure for {what}.", what=escape_markdown(what)))
    page_link(DATA_AND_SOURCES, label=t("See what the dataset covers"), query_params=COVERAGE_VIEW)


def page_heading(page: Page, introduction: str) -> None:
    """The page's title, as the page list names it, and the sentence under it that says what it shows."""
    st.title(t(page.title))
    st.caption(introduction)


def text_section(heading: str, *parts: str, level: int = 2) -> None:
    """A heading and the Markdown under it (the project's own text) as one element: every element is a
    message to build and lay out on every rerun, and a heading drawn by `st.markdown` is the same `<h2>`."""
    st.markdown("\n\n".join([f"{'#' * level} {heading}", *parts]))


def page_link(
    page: Page, *, label: str = "", icon: str = "", query_params: Mapping[str, str] | None = None
) -> None:
    """A link to one of the dashboard's pages, named and drawn as the page list has it unless told."""
    st.page_link(
        _streamlit_page(page), label=label or t(page.title), icon=icon or page.icon, query_params=query_params
    )


def _streamlit_page(page: Page) -> st.Page | str:
    """Streamlit's own object for one of the pages, made once per app folder and process.

    Given a file name, `st.page_link` looks the file up on the disk again for every link it draws (the
    working directory and a `stat` of each folder on the path): a tenth of a millisecond a link, and the
    home page draws twenty links on each rerun. The object carries the URL path and page id Streamlit's
    own page list gives the file (`default` serves the home page at `/`), so a link goes to the same place.
    """
    context = get_script_run_ctx()
    if context is None:
        return page.file  # outside a run (bare mode) Streamlit resolves nothing and draws nothing
    return _page_object(context.pages_manager.main_script_parent, page.file, page is OVERVIEW)


@functools.cache
def _page_object(app_folder: Path, file: str, home: bool) -> st.Page:
    return st.Page(app_folder / file, default=home)
