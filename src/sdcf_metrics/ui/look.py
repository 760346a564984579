"""What every page carries for its readers beyond Streamlit's own: the style sheet that fixes contrast,
the focus ring and small screens (`assets/frame.css`), and a small script that sets the page's `lang`
attribute to the reader's language, says "skip to main content" in it, and lets the keyboard reach a
table that scrolls sideways on a small screen (WCAG 2.1.1: its scrolling box becomes a named, focusable
group).

Streamlit's page is in English (`<html lang="en">`) whatever it shows; screen readers pick a voice from
that attribute, so it is set on every run. The script holds no data: only a language code from the
dashboard's own list and a message from its own catalogue, both JSON-encoded.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import streamlit as st

from ..i18n import t

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


def page_look(language: str) -> None:
    """Apply the style sheet and set the page's language; drawn in a container that takes no room."""
    script = _SCRIPT.format(
        language=json.dumps(language),
        skip=json.dumps(t("Skip to main content")),
        table=json.dumps(t("Table (scrolls sideways on a small screen)")),
    )
    with st.container(key="page-look"):
        st.html(f"<style>{_style()}</style>{script}", unsafe_allow_javascript=True)
