"""What every page carries for its readers beyond Streamlit's own: the style sheet that fixes contrast,
the focus ring and small screens (`assets/frame.css`), and a small script that sets the page's `lang`
attribute to the reader's language, says "skip to main content" in it, and lets the keyboard reach a
table that scrolls sideways on a small screen (WCAG 2.1.1: its scrolling box becomes a named, focusable
group).

Streamlit's page is in English (`<html lang="en">`) whatever it shows; screen readers pick a voice from
that attribute, so it is set on every run. The script holds no data: only a language code from the
dashboard's own list and messages from its own catalogue, written as script strings that cannot close the
script element (`script_string`).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import streamlit as st

from ..i18n import LANGUAGES, t

_SCRIPT = """<script>(() => {{
document.documentElement.lang = {language};
const skip = document.querySelector('[data-testid="stSkipToContent"]');
if (skip) {{ skip.textContent = {skip}; }}
window.sdcfTableLabel = {table};
const reachable = () => document.querySelectorAll('[data-testid="stTable"] > div').forEach((table) => {{
  table.tabIndex = 0;
  table.setAttribute("role", "group");
  table.setAttribute("aria-label", window.sdcfTableLabel);
}});
reachable();
if (!window.sdcfTables) {{
  window.sdcfTables = new MutationObserver(reachable);
  window.sdcfTables.observe(document.body, {{ childList: true, subtree: true }});
}}
}})();</script>"""


@cache
def _style() -> str:
    return resources.files("sdcf_metrics").joinpath("assets", "frame.css").read_text(encoding="utf-8")


def script_string(text: str) -> str:
    """`text` as a JavaScript string literal that is safe inside an HTML `<script>` element: JSON, with
    `<`, `>` and `&` escaped so no text can close the element or open a comment."""
    return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_look(language: str) -> None:
    """Apply the style sheet and set the page's language; drawn in a container that takes no room."""
    if language not in LANGUAGES:
        raise ValueError(f"not a language of the dashboard: {language!r}")
    script = _SCRIPT.format(
        language=script_string(language),
        skip=script_string(t("Skip to main content")),
        table=script_string(t("Table (scrolls sideways on a small screen)")),
    )
    with st.container(key="page-look"):
        st.html(f"<style>{_style()}</style>{script}", unsafe_allow_javascript=True)
