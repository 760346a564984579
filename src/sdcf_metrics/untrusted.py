"""Text from data is untrusted: these helpers keep it text wherever it is shown.

Streamlit renders Markdown (links, images) in `st.markdown`, `st.caption`, titles and widget labels,
even with HTML escaped; Plotly renders a pseudo-HTML subset. A city called `[x](javascript:...)` or
`<img src=x onerror=...>` must read as exactly that, and never become a link, an image or markup.
"""

from __future__ import annotations

import html
import re

import pandas as pd

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$<&:])")
# Streamlit's Markdown turns bare `https://`, `www.` and `name@host` into links even when the colon or dot
# is backslash-escaped (checked in a browser on 1.67); a zero-width space after the escaped colon, after
# `www` and after `@` breaks the match and stays invisible.
_AUTOLINK_TRIGGERS = re.compile(r"(\\:|@|(?i:www)(?=\\\.))")
_ZERO_WIDTH_SPACE = "\u200b"


def escape_label(text: object) -> str:
    """Make a data value inert in Plotly's pseudo-HTML (no links, no styles, no tags)."""
    return html.escape(str(text), quote=False)


def escape_markdown(text: object) -> str:
    """Backslash-escape every Markdown control character, and break `://`, `www.` and `@` so no URL or
    address becomes a link."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
    return _AUTOLINK_TRIGGERS.sub(lambda match: match.group(0) + _ZERO_WIDTH_SPACE, escaped)


def escape_markdown_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy for `st.table`, which renders Markdown in every cell and header: each one escaped."""
    escaped = frame.map(escape_markdown)
    escaped.columns = [escape_markdown(column) for column in frame.columns]
    return escaped
