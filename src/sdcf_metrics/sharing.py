"""Links that reopen a view, iframe snippets that embed one chart, and how to cite.

A view is a page plus its query string (see `state.py`), so a link is just the page URL with the
current selections. An embed pins the data version, so an embedded chart never changes meaning
silently.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode, urlsplit, urlunsplit

ParamValue = str | Sequence[str]
EMBED_HEIGHT = 620


def app_root(current_url: str, page_paths: Sequence[str]) -> str:
    """The app's base URL (scheme, host, any base path) from the URL of one of its pages."""
    parts = urlsplit(current_url)
    segments = parts.path.rstrip("/").split("/")
    if segments[-1] in page_paths:
        segments = segments[:-1]
    return urlunsplit((parts.scheme, parts.netloc, "/".join(segments), "", ""))


def view_url(root: str, page: str, params: Mapping[str, ParamValue]) -> str:
    """The URL of `page` (its URL path; "" for the home page) with `params` as the query string."""
    query = urlencode({key: value for key, value in params.items() if value not in ("", [], ())}, doseq=True)
    return f"{root.rstrip('/')}/{page}" + (f"?{query}" if query else "")


def embed_url(root: str, page: str, chart: str, data_version: str, params: Mapping[str, ParamValue]) -> str:
    """The chart-only view of one chart of `page`, data version pinned, Streamlit's chrome hidden."""
    return view_url(root, page, {**params, "chart": chart, "v": data_version, "embed": "true"})


def iframe_snippet(url: str, title: str, height: int = EMBED_HEIGHT) -> str:
    """An iframe tag for articles; the title is escaped, since chart titles can carry data values."""
    return (
        f'<iframe src="{html.escape(url, quote=True)}" title="{html.escape(title, quote=True)}" '
        f'width="100%" height="{int(height)}" style="border:0" loading="lazy"></iframe>'
    )
