"""What the accessibility and phone tests look at in a page: axe-core's findings, the keyboard's stops, and
whether every word of every chart lies inside the screen."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

from tests.e2e.browser_support import wait_until_idle

DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}
# WCAG 2.0 and 2.1, levels A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

_axe = Axe()


def open_page(
    page: Any, app_url: str, url_path: str, viewport: dict[str, int] = PHONE, language: str = ""
) -> None:
    """Open a page at a viewport size, in a language, and wait for every chart to be drawn."""
    page.set_viewport_size(viewport)
    page.goto(f"{app_url}/{url_path}" + (f"?lang={language}" if language else ""))
    wait_until_idle(page)
    # A rerun leaves the previous run's elements faded ("stale") until it ends: measure only what stays.
    page.wait_for_function("!document.querySelector('[data-stale=true]')")
    wait_until_idle(page)
    charts = page.locator("[data-testid=stPlotlyChart]")
    for index in range(charts.count()):
        charts.nth(index).locator(".main-svg").first.wait_for()
    page.wait_for_timeout(500)  # elements fade in; measure them once they are fully drawn


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it stands: rule id, impact, help text and where."""
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]],
        }
        for violation in results.response["violations"]
    ]


def focusable_in_main(page: Any) -> list[str]:
    """The name of every stop the Tab key makes in the page's main part, in order."""
    return page.evaluate(
        """[...document.querySelectorAll(
             '[data-testid=stMain] :is(a[href], button, input, select, textarea, summary, [tabindex])')]
           .filter(e => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length > 0)
           .map(e => (e.getAttribute('aria-label') || e.textContent || e.tagName).trim().slice(0, 40))"""
    )


def chart_text_outside(page: Any) -> list[str]:
    """The texts of charts (inside the plot and around it) that do not lie wholly inside the screen."""
    return page.evaluate(
        """(() => {
          const width = document.documentElement.clientWidth;
          const frames = [...document.querySelectorAll('[class*="st-key-chart-frame"]')];
          const texts = frames.flatMap(frame => [
            ...frame.querySelectorAll('.main-svg text, [data-testid=stMarkdownContainer] p')]);
          return texts
            .map(e => [e.textContent.trim(), e.getBoundingClientRect()])
            .filter(([text, box]) => text && box.width > 0 && (box.left < -1 || box.right > width + 1))
            .map(([text, box]) => `${text.slice(0, 50)} (${Math.round(box.left)}..${Math.round(box.right)})`);
        })()"""
    )


def sideways_overflow(page: Any) -> int:
    """How many pixels the page is wider than the screen (0: nothing scrolls sideways)."""
    return page.evaluate(
        """Math.max(...['html', '[data-testid=stMain]', '[data-testid=stMainBlockContainer]']
             .map(s => document.querySelector(s)).filter(Boolean)
             .map(e => e.scrollWidth - e.clientWidth))"""
    )


def full_page_screenshot(page: Any, path: str) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its own container, so the viewport is
    made as tall as the content first."""
    width = page.viewport_size["width"]
    height = page.evaluate(
        "Math.max(...[...document.querySelectorAll('[data-testid=stMain], [data-testid=stMain] *')]"
        ".map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": width, "height": min(max(height, 600), 12000)})
    page.wait_for_timeout(300)
    page.screenshot(path=path)
