"""The redraw benchmark end to end on a tiny app: it cycles through the filter's options in a real
browser, on the page and on its floor, and reports both with their parts and where the browser's time
goes. Nothing here is timed: the figures only have to exist."""

from __future__ import annotations

from benchmarks.redraw import PROFILED_SCRIPTS
from benchmarks.redraw import run as run_redraw
from benchmarks.survey import discover_pages, survey_page

TINY_FILTERED_HOME = """
import plotly.graph_objects as go
import streamlit as st

cities = ["Aarhus", "Bergen", "Cork"]
city = st.selectbox("City", cities, index=1)
st.plotly_chart(go.Figure(go.Bar(x=cities, y=[len(city), 2, 3]), layout_title_text=city), theme=None)
"""


def test_the_redraw_benchmark_times_filter_changes_on_the_page_and_its_floor(browser, tmp_path):
    app_root = tmp_path / "app"
    app_root.mkdir()
    (app_root / "app.py").write_text(TINY_FILTERED_HOME, encoding="utf-8")
    surveys = [survey_page(page) for page in discover_pages(app_root)]

    section = run_redraw(
        surveys,
        tmp_path,
        log=lambda _: None,
        project_root=app_root,
        pages=("app.py",),
        runs=2,
        browser=browser,
        profiled=2,
    )

    assert [check.subject for check in section.checks] == [
        "app.py (Overview): median redraw vs floor",
        "app.py (Overview): p90 redraw vs floor",
    ]
    assert all(check.value > 0 for check in section.checks)
    parts = section.tables[1][1]
    assert [row[:3] for row in parts.rows] == [
        ["app.py (Overview)", "page", "3"],
        ["app.py (Overview)", "floor", "3"],
    ], "every option draws a chart of its own, so all three are cycled"
    assert [row[4] for row in parts.rows] == ["1", "1"], "each change draws its chart anew, and nothing else"
    *scripts, whole = section.tables[2][1].rows
    assert whole[1] == "all scripts and the browser"
    assert all(float(cell.split()[0]) > 0 for cell in whole[2:4]), "the main thread worked on page and floor"
    assert 0 < len(scripts) <= PROFILED_SCRIPTS
    above = [float(row[4].replace("−", "-").split()[0]) for row in scripts]
    assert above == sorted(above, reverse=True), "the scripts furthest above the floor's come first"
    assert not any("not measured" in finding for finding in section.findings)
