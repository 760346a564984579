"""Text from data is untrusted: these helpers keep it text wherever it is shown.

Streamlit renders Markdown (links, images) in `st.markdown`, `st.caption`, titles and widget labels,
even with HTML escaped; Plotly renders a pseudo-HTML subset. A city called `[x](javascript:...)` or
`<img src=x onerror=...>` must read as exactly that, and never become a link, an image or markup.
"""

from __future__ import annotations

import re

from .charts.base import escape_label

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$<&:])")

__all__ = ["escape_label", "escape_markdown"]


def escape_markdown(text: object) -> str:
    """Backslash-escape every Markdown control character, and break `://` so no URL autolinks."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
