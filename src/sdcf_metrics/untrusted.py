"""Text from data is untrusted: these helpers keep it text wherever it is shown.

Streamlit renders Markdown (links, images) in `st.markdown`, `st.caption`, titles and widget labels,
even with HTML escaped; Plotly renders a pseudo-HTML subset. A city called `[x](javascript:...)` or
`<img src=x onerror=...>` must read as exactly that, and never become a link, an image or markup. The
one link made from data is a source's own web address (`web_address`, `markdown_link`): http or https
only, opened in a new tab, its words escaped.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from urllib.parse import quote, urlsplit

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
    return _escaped_markdown(str(text))


@lru_cache(maxsize=8192)
def _escaped_markdown(text: str) -> str:
    """Kept: two regular expressions cost about 17 µs a string, and a page writes the same names, periods
    and sources on every rerun (150 of them on the home page)."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _AUTOLINK_TRIGGERS.sub(lambda match: match.group(0) + _ZERO_WIDTH_SPACE, escaped)


def escape_markdown_table(frame: pd.DataFrame, links: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A copy for `st.table`, which renders Markdown in every cell and header: each one escaped.

    `links` maps a column of names to the column of their addresses: each name becomes a link to its web
    address (text when it has none) and the address column is left out.
    """
    links = links or {}
    shown = frame.drop(columns=list(links.values()))
    escaped = shown.map(escape_markdown)
    for name, address in links.items():
        escaped[name] = [
            markdown_link(text, url) for text, url in zip(frame[name], frame[address], strict=True)
        ]
    escaped.columns = [escape_markdown(column) for column in shown.columns]
    return escaped


# Links ---------------------------------------------------------------------------------------------------
# A source's address becomes a link only when it is a web address: http or https, a host, and nothing a
# browser would read as markup or whitespace. Anything else (a `javascript:` or `data:` address, a printed
# citation) stays text.
_WEB_SCHEMES = ("http", "https")
# Characters left as they are in a link target; everything else (brackets, quotes, spaces) is
# percent-encoded so the address cannot end the Markdown link early or carry markup.
_URL_SAFE = ":/?#@!$&*+,;=%~-._"


@lru_cache(maxsize=4096)  # tables repeat a few hundred addresses over thousands of rows
def web_address(text: object) -> str | None:
    """The address, percent-encoded where Markdown or HTML would read it, when the text is an http or
    https address with a host and no whitespace or control characters; None for anything else."""
    if not isinstance(text, str) or not text:
        return None
    try:
        parsed = urlsplit(text)
        host = parsed.hostname
    except ValueError:  # a malformed address, e.g. an unclosed IPv6 bracket
        return None
    if parsed.scheme.lower() not in _WEB_SCHEMES or not host:
        return None
    if any(character.isspace() or unicodedata.category(character) in ("Cc", "Cf") for character in text):
        return None
    return quote(text, safe=_URL_SAFE)


def markdown_link(label: object, address: object) -> str:
    """`[label](address)` for Streamlit Markdown, which opens it in a new tab with
    `rel="noopener noreferrer"`; the label escaped, the address percent-encoded where Markdown or HTML
    would read it. When the address is not a web address, the escaped label alone."""
    url = web_address(address)
    if url is None:
        return escape_markdown(label)
    return f"[{escape_markdown(label)}]({url})"
