"""Every page on a phone, in every language: 390 CSS pixels wide, nothing scrolls sideways, every chart's
words (title, subtitle, legend, axes, caveats, sources and licence) lie inside the screen, and axe finds no
serious violation. A screenshot of each page in each language is kept in `artifacts/e2e/phone/`.
"""

from __future__ import annotations

import pytest

from sdcf_metrics.i18n import LANGUAGES
from sdcf_metrics.ui.navigation import url_paths
from tests.e2e.a11y_support import (
    PHONE,
    axe_violations,
    chart_text_outside,
    full_page_screenshot,
    open_page,
    sideways_overflow,
)
from tests.e2e.conftest import ARTIFACTS

# axe on a phone in two languages (English and the longest words, German); the wide screen is covered by
# test_accessibility.py. Every language gets the layout checks and a screenshot.
AXE_LANGUAGES = ("en", "de")


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("url_path", url_paths(), ids=lambda path: path or "Overview")
def test_every_page_fits_a_phone_with_its_charts_words_on_screen(app_url, page, url_path, language):
    open_page(page, app_url, url_path, viewport=PHONE, language=language)
    assert sideways_overflow(page) == 0
    assert chart_text_outside(page) == []
    if language in AXE_LANGUAGES:
        serious = [v["id"] for v in axe_violations(page) if v["impact"] in ("critical", "serious")]
        assert serious == []
    shots = ARTIFACTS / "phone" / language
    shots.mkdir(parents=True, exist_ok=True)
    full_page_screenshot(page, str(shots / f"{url_path or 'Overview'}.png"))


def test_headline_tiles_stack_on_a_phone(app_url, page):
    open_page(page, app_url, "", viewport=PHONE)
    boxes = page.evaluate(
        "[...document.querySelectorAll('[data-testid=stMetric]')].map(e => e.getBoundingClientRect())"
        ".map(b => [Math.round(b.left), Math.round(b.width)])"
    )
    assert len(boxes) >= 4
    lefts = {left for left, _ in boxes}
    assert max(lefts) - min(lefts) <= 20, "each tile starts at the left edge, one below the other"
    assert min(width for _, width in boxes) >= PHONE["width"] * 0.75
