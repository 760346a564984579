"""The static copy (`sdcf-metrics publish-static OUT`): every chart a share link can name, as files a plain
web server serves, swapped in atomically, rewritten only where something changed; and the app's links and
embeds pointing at it when `SDCF_STATIC_BASE_URL` says where it is served.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import plotly.io
import pytest
from apptest_helpers import build_dataset, chart_frames, open_chart_tool, run_page_in_app
from fixtures import edit_row

from sdcf_metrics import images, queries, static_site
from sdcf_metrics.charts import chart_words, drawn_once
from sdcf_metrics.geography import places
from sdcf_metrics.release import read_pointer
from sdcf_metrics.sharing import STATIC_BASE_ENV, canonical_params, static_chart_path
from sdcf_metrics.static_site import MANIFEST, SITE_LINK, plotly_script_name, publish_static
from sdcf_metrics.store import get_store
from sdcf_metrics.ui.navigation import FACILITIES, PAGES
from sdcf_metrics.untrusted import escape_markdown

BASE = "https://charts.example.org/sdcf"


@pytest.fixture
def data(tmp_path, monkeypatch) -> Path:
    root = build_dataset(tmp_path / "data")
    monkeypatch.setenv("SDCF_DATA_DIR", str(root))
    return root


@pytest.fixture
def no_images(monkeypatch):
    """Skip rendering (as on a server without Chromium); one test below renders every image for real."""
    monkeypatch.setattr(images, "browser_path", lambda: None)


def manifest(out: Path) -> dict:
    return json.loads((out / SITE_LINK / MANIFEST).read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", [page for page in PAGES if page.static_views], ids=lambda page: page.title)
def test_each_page_opens_on_a_view_the_static_copy_holds_with_the_same_charts(data, page):
    app = run_page_in_app(page.file)
    assert not app.exception
    # The page writes each chart's title above it as text; the static copy is in English, as the page is.
    drawn = {frame.heading.split("  \n")[0] for frame in chart_frames(app)}
    shown = {name: value for name, value in dict(app.query_params).items() if name != "lang"}
    in_view = [
        chart
        for chart in page.static_views(get_store())
        if canonical_params(chart.params) == canonical_params(shown)
    ]
    # (The fixture has no national facility counts, so the Overview draws no chart and lists none.)
    titles = {f"**{escape_markdown(chart_words(chart.build().figure).title)}**" for chart in in_view}
    assert titles == drawn
    # A static copy's chart is one the page's own embed may be asked for.
    assert all(page.may_draw(chart.key) for chart in page.static_views(get_store()))


def test_each_countrys_facilities_map_is_in_the_static_copy_as_the_page_draws_it(data):
    """A councillor's first filter on Facilities is their own country: the static copy holds each
    country's map (and so the dashboard prepares it), under the parameters the page writes for it, with
    the markers the page draws."""
    store = get_store()
    by_country = {tuple(chart.params.get("country", ())): chart for chart in FACILITIES.static_views(store)}
    every = queries.facility_directory(store, countries=[], facility_type=None, status=None)
    on_map = {place.country for place in places(every)[0]}
    assert len(on_map) > 1 and set(by_country) == {(), *((country,) for country in on_map)}
    for country in sorted(on_map):
        chart = by_country[(country,)]
        app = run_page_in_app(FACILITIES.file, country=[country])
        shown = {name: value for name, value in dict(app.query_params).items() if name != "lang"}
        assert canonical_params(shown) == canonical_params(chart.params)
        drawn = drawn_once(chart.build().figure, words_inside=images.camera_in_browser())
        [frame] = chart_frames(app)
        assert frame.spec["data"] == json.loads(plotly.io.to_json(drawn.to_dict(), validate=False))["data"]


def test_every_chart_is_written_once_with_its_image_data_and_manifest(data, tmp_path):
    out = tmp_path / "static"
    report = publish_static(out, get_store(), app_url="https://dashboard.example.org")
    served = out / SITE_LINK
    assert served.is_symlink() and report.changed and report.images
    written = manifest(out)
    charts = written["charts"]
    assert len(charts) == report.charts == len({chart["path"] for chart in charts})
    # Every page with charts, but the Overview: the fixture has no national facility counts to draw.
    pages_with_charts = {page.url_path for page in PAGES if page.static_views}
    assert {chart["page"] for chart in charts} == pages_with_charts - {""}
    assert report.rendered_images == 2 * len(charts)
    for name, entry in written["files"].items():
        assert hashlib.sha256((served / name).read_bytes()).hexdigest() == entry["sha256"], name
    trend = next(chart for chart in charts if chart["params"] == {"city": ["brussels"], "metric": ["visits"]})
    folder = served / trend["path"]
    assert (folder / "chart.png").read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in (folder / "chart.svg").read_bytes()[:400]
    page = (folder / "index.html").read_text(encoding="utf-8")
    script = folder / page.split('<script src="', 1)[1].split('"', 1)[0]
    assert script.resolve() == (served / plotly_script_name()).resolve() and script.stat().st_size > 1_000_000
    assert "https://dashboard.example.org/City_trends?city=brussels&amp;metric=visits" in page
    assert "cdn" not in page.lower()
    rows = list(csv.DictReader(io.StringIO((folder / "data.csv").read_text(encoding="utf-8-sig"))))
    assert rows and all(row["Source"] and row["Period"] for row in rows)
    assert trend["path"] == static_chart_path(
        written["data_version"], "City_trends", "city-trend", trend["params"]
    )


def test_a_rerun_with_nothing_changed_writes_nothing_and_keeps_the_served_copy(data, tmp_path, no_images):
    out = tmp_path / "static"
    first = publish_static(out, get_store())
    served_before = (out / SITE_LINK).resolve()
    again = publish_static(out, get_store())
    assert not again.changed and again.written == () and again.rendered_images == 0
    assert again.release == first.release and (out / SITE_LINK).resolve() == served_before
    assert [child.name for child in (out / "releases").iterdir()] == [first.release]


def test_a_new_data_version_is_swapped_in_and_pinned_embeds_of_kept_versions_still_open(
    data, tmp_path, no_images
):
    out = tmp_path / "static"
    old = get_store().data_version
    publish_static(out, get_store())
    old_trend = next(chart["path"] for chart in manifest(out)["charts"] if chart["page"] == "City_trends")
    script_inode = (out / SITE_LINK / plotly_script_name()).stat().st_ino
    build_dataset(data, observations=edit_row(0, value="3100", quote="3100 registered users (fixture)."))
    new = get_store().data_version
    assert new != old
    report = publish_static(out, get_store(), kept_versions=read_pointer(data / "extracts").versions)
    assert report.changed and report.data_version == new
    served = out / SITE_LINK
    assert manifest(out)["data_version"] == new and manifest(out)["carried_over"] == [old]
    assert (served / old_trend / "index.html").is_file()
    assert any(name.startswith(f"{new}/") for name in report.written)
    assert not any(name.startswith(f"{old}/") for name in report.written)
    # Unchanged files are hard links to the previous release's, not copies.
    assert (served / plotly_script_name()).stat().st_ino == script_inode
    assert len(list((out / "releases").iterdir())) == 2


def test_with_a_static_base_url_the_share_link_and_embed_point_at_the_static_copy(data, monkeypatch):
    monkeypatch.setenv(STATIC_BASE_ENV, BASE + "/")
    page = run_page_in_app("pages/1_City_trends.py", city="brussels", metric="visits")
    app = open_chart_tool(page, "share")
    assert not app.exception
    expected = f"{BASE}/" + static_chart_path(
        get_store().data_version, "City_trends", "city-trend", {"city": "brussels", "metric": "visits"}
    )
    shared = [element.value for element in app.get("code")]
    assert expected in shared
    assert any(f'<iframe src="{expected}"' in text for text in shared)


def test_a_view_the_static_copy_does_not_hold_keeps_the_dashboard_links(data, monkeypatch):
    monkeypatch.setenv(STATIC_BASE_ENV, BASE)
    app = run_page_in_app("pages/2_Compare_cities.py", cities=["brussels", "copenhagen"], per="per_100k")
    assert not open_chart_tool(app, "share").exception
    shared = " ".join(element.value for element in app.get("code"))
    assert "embed=true" in shared and BASE not in shared


def test_without_a_static_base_url_links_stay_in_the_dashboard(data, monkeypatch):
    monkeypatch.delenv(STATIC_BASE_ENV, raising=False)
    page = run_page_in_app("pages/1_City_trends.py", city="brussels", metric="visits")
    app = open_chart_tool(page, "share")
    shared = " ".join(element.value for element in app.get("code"))
    assert "embed=true" in shared and "charts.example.org" not in shared


def test_static_pages_keep_data_text_as_text(data, tmp_path, no_images):
    hostile = "</script><script>alert(1)</script><b>"

    def rename(rows):
        return [
            {**row, "name": hostile + row["name"]} if row["city_id"] == "brussels" else row for row in rows
        ]

    build_dataset(data, cities=rename)
    out = tmp_path / "static"
    publish_static(out, get_store())
    pages = [path.read_text(encoding="utf-8") for path in (out / SITE_LINK).rglob("index.html")]
    assert any("alert(1)" in page for page in pages)
    assert not any("<script>alert(1)" in page for page in pages)
    assert static_site.plotly_script_name().startswith("plotly-")
