"""Links that reopen a view, iframe snippets that embed one chart, and how to cite.

A view is a page plus its query string (see `state.py`), so a link is just the page URL with the
current selections. An embed pins the data version, so an embedded chart never changes meaning
silently.

With `SDCF_STATIC_BASE_URL` set, a chart that `publish-static` wrote is linked and embedded from that
static copy instead: one folder per chart under its data version, named by the view's parameters, so the
app and the static writer find the same address without asking each other.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode, urlsplit, urlunsplit

ParamValue = str | Sequence[str]
EMBED_HEIGHT = 620
STATIC_BASE_ENV = "SDCF_STATIC_BASE_URL"
HOME_FOLDER = "Overview"  # the home page's folder in the static copy (its URL path is "")


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


def static_base_url() -> str:
    """Where the static copy is served (`SDCF_STATIC_BASE_URL`), or "" when charts are linked in the app."""
    return os.environ.get(STATIC_BASE_ENV, "").strip().rstrip("/")


def canonical_params(params: Mapping[str, ParamValue]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A view's parameters in one order, empty ones dropped (as `view_url` drops them); the order of a
    parameter's values is kept, since the first city of a comparison is its reference."""
    values = {key: (value,) if isinstance(value, str) else tuple(value) for key, value in params.items()}
    return tuple(sorted((key, value) for key, value in values.items() if value not in ((), ("",))))


def static_chart_path(data_version: str, page: str, chart: str, params: Mapping[str, ParamValue]) -> str:
    """The folder of one chart in the static copy: `<version>/<page>/<chart>/<12 hex digits>/`.

    The last part is a hash of the view's parameters, so any city or metric name gives a short, safe path.
    """
    canonical = json.dumps(canonical_params(params), separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:12]
    return f"{data_version}/{page or HOME_FOLDER}/{chart}/{digest}/"


def static_chart_url(
    base: str, data_version: str, page: str, chart: str, params: Mapping[str, ParamValue]
) -> str:
    """The address of one chart of the static copy served at `base`."""
    return f"{base.rstrip('/')}/{static_chart_path(data_version, page, chart, params)}"
