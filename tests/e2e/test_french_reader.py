"""The dashboard in French, as a reader in Brussels or Paris meets it: chosen by the link or the
browser, numbers and dates as French writes them, every link and embed keeping the language, and another
language one choice away."""

from __future__ import annotations

import html
import re

from sdcf_metrics.i18n import t
from tests.e2e.a11y_support import DESKTOP, open_page
from tests.e2e.browser_support import CHART, chart_dialog, wait_until_idle


def test_a_french_reader_gets_french_words_numbers_and_links(app_url, page):
    open_page(page, app_url, "City_trends?city=copenhagen&metric=registered_users&lang=fr", viewport=DESKTOP)
    assert page.evaluate("document.documentElement.lang") == "fr"
    main = page.get_by_test_id("stMain")
    assert main.get_by_role("heading", name="Évolution par ville").count() == 1
    text = main.inner_text()
    assert "3\u202f090" in text and "Usagers inscrits" in text
    assert "depuis l'ouverture (oct. 2012) – 18 sept. 2014" in text
    ticks = page.evaluate(f"[...document.querySelectorAll('{CHART} .ytick text')].map(e => e.textContent)")
    assert any("\u202f" in tick for tick in ticks), ticks  # 3 000, not 3,000
    # Located, not read at once: a code block is drawn once its script has loaded, after the dialog opens.
    codes = chart_dialog(page, "Partager").get_by_test_id("stCode")
    link = codes.filter(has_text=re.compile(r"^http")).inner_text()
    snippet = codes.filter(has_text="<iframe").inner_text()
    embed = html.unescape(snippet.split('src="', 1)[1].split('"')[0])
    assert "lang=fr" in link and "lang=fr" in embed


def test_the_browser_language_is_the_default_and_the_selector_changes_it(browser, app_url):
    context = browser.new_context(locale="de-CH", viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(f"{app_url}/Methodology")
        wait_until_idle(page)
        assert page.get_by_role("heading", name=t("Methodology", "de")).count() == 1
        assert "lang=de" in page.url
        page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").locator("input").click()
        page.get_by_role("option", name="Español").click()
        page.wait_for_url("**lang=es**")
        wait_until_idle(page)
        assert page.get_by_role("heading", name=t("Methodology", "es")).count() == 1
        assert page.evaluate("document.documentElement.lang") == "es"
    finally:
        context.close()
