"""A static embed in a real browser: served by a plain static file server, it draws one chart with its
title, sources, licence and data version, asks nothing of any other server, and stays within its size
budget.

Budget: a chart's page is at most 100 KB (the largest on the published data, the facilities map, is about
55 KB); beside it the browser loads only Plotly's script, about 4.8 MB, once for every chart of the copy.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from apptest_helpers import build_dataset

from sdcf_metrics import images
from sdcf_metrics.static_site import SITE_LINK, plotly_script_name, publish_static
from sdcf_metrics.store import get_store
from tests.e2e.browser_support import static_file_server

PAGE_BUDGET_BYTES = 100_000
SCRIPT_BUDGET_BYTES = 5_000_000


@pytest.fixture(scope="module")
def static_copy(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SDCF_DATA_DIR", str(build_dataset(root / "data")))
        patch.setattr(images, "browser_path", lambda: None)  # images are tested in test_static_site.py
        store = get_store()
        publish_static(root / "out", store, app_url="http://127.0.0.1:9/dashboard")
        version = store.data_version
    with static_file_server((root / "out" / SITE_LINK).resolve(), root / "static.log") as server:
        yield server.url, root / "out" / SITE_LINK, version


def test_a_static_embed_draws_its_chart_with_attribution_from_the_static_server_alone(page, static_copy):
    url, site, version = static_copy
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    listing = page.goto(f"{url}/index.html")
    assert listing.ok
    trend = page.locator("a", has_text="Visits").first.get_attribute("href")
    page.goto(f"{url}/{trend}")
    page.wait_for_selector("#chart .main-svg")
    assert page.locator(".js-plotly-plot").count() == 1
    drawn = page.inner_text("#chart")
    assert "Visits" in drawn and "Brussels" in drawn
    assert "Test source" in drawn and "CC BY 4.0" in drawn and f"Data version {version}" in drawn
    origins = {urlparse(address).netloc for address in asked}
    assert origins == {urlparse(url).netloc}
    fetched = {urlparse(address).path for address in asked} - {"/index.html"}
    assert {path.rsplit("/", 1)[-1] for path in fetched} == {"", plotly_script_name()}
    assert (site / trend / "index.html").stat().st_size <= PAGE_BUDGET_BYTES
    assert (site / plotly_script_name()).stat().st_size <= SCRIPT_BUDGET_BYTES


def test_every_static_chart_page_is_within_the_budget(static_copy):
    _, site, _ = static_copy
    pages = list(site.rglob("index.html"))
    assert len(pages) > 10
    assert max(path.stat().st_size for path in pages) <= PAGE_BUDGET_BYTES
