"""Server-side PNG and SVG of a chart, rendered by kaleido in the system Chromium.

Rendering starts a headless browser, so it happens only when a visitor asks for an image, reuses one
browser for the whole process, and keeps the last images so the same figure is rendered once. MathJax
is switched off: kaleido would otherwise load it from a CDN, and nothing here may leave the machine.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections import OrderedDict
from typing import Literal

import plotly.graph_objects as go

ImageFormat = Literal["png", "svg"]
PNG_SCALE = 2
WIDTH, HEIGHT = 1000, 600
_CACHE_SIZE = 64


class ImageExportUnavailable(RuntimeError):
    """No browser could be started to render images; the toolbar's camera still works."""


_lock = threading.Lock()
_server_started = False
_cache: OrderedDict[str, bytes] = OrderedDict()


@functools.cache
def browser_path() -> str | None:
    """The Chromium kaleido would use, or None when this machine has none; looked up once per process
    (every chart asks, on every rerun, and the search walks the PATH)."""
    from choreographer.utils import get_browser_path

    return get_browser_path(["chromium", "chromium-browser", "google-chrome", "chrome"])


def camera_in_browser() -> bool:
    """True where the server cannot make images: the reader's browser does, with the chart's camera
    button, so the figure keeps its words inside the plot."""
    return browser_path() is None


def _start_server() -> None:
    global _server_started
    if _server_started:
        return
    if browser_path() is None:
        raise ImageExportUnavailable("No Chromium found on the server.")
    import kaleido

    kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    _server_started = True


def figure_key(figure: go.Figure, image_format: ImageFormat) -> str:
    """A content hash of the figure and format: equal figures share one rendered image."""
    payload = json.dumps(figure.to_plotly_json(), sort_keys=True, default=str).encode()
    return hashlib.sha256(payload + image_format.encode()).hexdigest()


def render(figure: go.Figure, image_format: ImageFormat, keep: bool = True) -> bytes:
    """The figure as PNG (twice the pixels, for print and retina screens) or SVG (text stays text).

    `keep=False` renders without keeping the image, nor finding it among the kept ones: for a chart of
    one visitor's upload, which no other visitor may ever be served.
    """
    key = figure_key(figure, image_format)
    with _lock:
        if keep and key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
        _start_server()
        import kaleido

        options = {"format": image_format, "width": WIDTH, "height": HEIGHT}
        if image_format == "png":
            options["scale"] = PNG_SCALE
        try:
            image = kaleido.calc_fig_sync(figure.to_plotly_json(), opts=options)
        except Exception as error:  # kaleido raises several private error types
            raise ImageExportUnavailable(
                f"The image could not be rendered ({error.__class__.__name__})."
            ) from None
        if not keep:
            return image
        _cache[key] = image
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
        return image
