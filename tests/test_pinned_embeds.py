"""Embeds that outlive what they pinned (issue 13, point 6): a pinned version no longer kept, and a chart
that does not exist, each said in plain words instead of a silent change or a page without charts."""

from __future__ import annotations

import ast
import re

from apptest_helpers import build_dataset, chart_specs, run_page
from fixtures import default_rows, write_table

from sdcf_metrics import paths
from sdcf_metrics.pipeline.build import build
from sdcf_metrics.pipeline.transaction import rollback
from sdcf_metrics.ui.navigation import PAGES

TRENDS = "pages/1_City_trends.py"


def two_versions_the_second_rolled_back(root) -> tuple[str, str]:
    first = build(build_dataset(root)).data_version
    rows = default_rows("observations")
    rows[0]["notes"] = "a correction"
    write_table(paths.sources_dir(root), "observations", rows)
    second = build(root).data_version
    rollback(root)
    return first, second


def infos(app) -> str:
    return " ".join(element.value for element in app.info)


def test_an_embed_pinned_to_a_version_no_longer_kept_says_so_and_which_it_shows(tmp_path, monkeypatch):
    monkeypatch.setenv("SDCF_DATA_DIR", str(tmp_path))
    first, second = two_versions_the_second_rolled_back(tmp_path)
    app = run_page(TRENDS, city="copenhagen", chart="city-trend", v=second, embed="true")
    assert not app.exception
    assert len(chart_specs(app)) == 1
    assert f"Pinned to data version {second}, which is no longer kept; showing version {first}" in infos(app)


def test_a_link_pinned_to_a_version_no_longer_kept_says_so_on_the_full_page(tmp_path, monkeypatch):
    monkeypatch.setenv("SDCF_DATA_DIR", str(tmp_path))
    first, second = two_versions_the_second_rolled_back(tmp_path)
    app = run_page(TRENDS, city="copenhagen", v=second)
    assert not app.exception
    assert f"showing version {first}" in infos(app)


def test_an_embed_pinned_to_the_current_version_says_nothing_of_the_kind(tmp_path, monkeypatch):
    monkeypatch.setenv("SDCF_DATA_DIR", str(tmp_path))
    first, _ = two_versions_the_second_rolled_back(tmp_path)
    app = run_page(TRENDS, city="copenhagen", chart="city-trend", v=first, embed="true")
    assert "no longer kept" not in infos(app)


def test_an_embed_of_a_chart_that_does_not_exist_says_chart_not_found():
    app = run_page(TRENDS, city="copenhagen", chart="no-such-chart", embed="true")
    assert not app.exception
    assert "Chart not found" in app.error[0].value
    assert chart_specs(app) == [] and not app.title and not app.selectbox
    assert [button.label for button in app.get("link_button")] == ["Explore the full dashboard"]


def chart_keys(source: str) -> list[tuple[str, bool]]:
    """The key of every `show_chart(...)` call in a page's source (an f-string as a `*` pattern), and
    whether the chart is private (an upload's, never embedded)."""
    keys = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "show_chart":
            arguments = {keyword.arg: keyword.value for keyword in node.keywords}
            key = arguments["key"]
            text = (
                key.value
                if isinstance(key, ast.Constant)
                else re.sub(r"\{.*?\}", "*", ast.unparse(key)[2:-1])
            )
            private = isinstance(arguments.get("private"), ast.Constant) and arguments["private"].value
            keys.append((text, bool(private)))
    return keys


def test_the_page_list_names_every_chart_an_embed_may_ask_for():
    for page in PAGES:
        for key, private in chart_keys((paths.PROJECT_ROOT / page.file).read_text(encoding="utf-8")):
            assert page.may_draw(key.replace("*", "0")) is not private, (page.file, key)
