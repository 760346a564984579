"""Server-side PNG and SVG: attribution in the image, rendered once, a clear failure without a browser."""

from __future__ import annotations

import os

import pytest

from sdcf_metrics import images
from sdcf_metrics.charts import attributed_figure


def sample_figure():
    figure = attributed_figure(
        "Registered users, Copenhagen", "Since opening", ["The Copenhagen Post"], "abc123", "2026-11-23"
    )
    figure.add_scatter(x=["2014-09-18"], y=[3090], name="Copenhagen")
    return figure


@pytest.fixture
def chromium():
    if images.browser_path() is None:
        message = "no Chromium on this machine: apt-get install -y chromium (.ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def test_svg_carries_title_source_licence_and_version_as_text(chromium):
    svg = images.render(sample_figure(), "svg").decode()
    for text in ("Registered users, Copenhagen", "Source: The Copenhagen Post", "CC BY 4.0", "abc123"):
        assert text in svg


def test_png_is_a_png_at_twice_the_size(chromium):
    png = images.render(sample_figure(), "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    assert width == images.WIDTH * images.PNG_SCALE


def test_the_same_figure_is_rendered_once(chromium, monkeypatch):
    images.render(sample_figure(), "svg")
    monkeypatch.setattr(images, "_start_server", lambda: pytest.fail("rendered twice"))
    assert images.render(sample_figure(), "svg")


def test_without_a_browser_export_says_so(monkeypatch):
    monkeypatch.setattr(images, "_server_started", False)
    monkeypatch.setattr(images, "browser_path", lambda: None)
    figure = sample_figure()
    figure.update_layout(title_text="A figure never rendered before")
    with pytest.raises(images.ImageExportUnavailable):
        images.render(figure, "png")


def test_an_image_not_to_keep_is_neither_kept_nor_taken_from_the_kept_ones(chromium):
    """A chart of one visitor's upload: its image is made for that visitor and forgotten."""
    figure = sample_figure()
    figure.update_layout(title_text="A preview of one visitor's file")
    kept = dict(images._cache)
    assert images.render(figure, "svg", keep=False).startswith(b"<svg")
    assert images._cache == kept
    images.render(figure, "svg")
    monkeypatched = images._cache[images.figure_key(figure, "svg")]
    images._cache[images.figure_key(figure, "svg")] = b"<svg>someone else's</svg>"
    assert images.render(figure, "svg", keep=False) != b"<svg>someone else's</svg>"
    images._cache[images.figure_key(figure, "svg")] = monkeypatched
