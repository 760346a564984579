"""The benchmark machinery, on tiny sizes: what it generates, what it compares, what it reports.

No test here times anything: performance targets are checked by `python -m benchmarks` against baselines
measured in the same run, and written to docs/benchmarks.md.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from benchmarks import BENCHMARKS, parse_only
from benchmarks.__main__ import main
from benchmarks.browser_profile import script_name, script_times
from benchmarks.cycle import elements_drawn_anew, option_cycle
from benchmarks.floor import floor_script, write_floor_app
from benchmarks.measure import Check, Target, Timing, time_interleaved
from benchmarks.pages import run as run_pages
from benchmarks.pages import thin_wrapper
from benchmarks.queries import (
    QUERIES,
    BaselineMismatch,
    Choices,
    QueryBenchmark,
    check_same_rows,
    measure_release,
    open_store,
)
from benchmarks.queries import run as run_queries
from benchmarks.report import Machine, Section, Table, render
from benchmarks.survey import (
    change_filter,
    compiled_once,
    discover_pages,
    element_count,
    first_filter_spec,
    open_page,
    survey_page,
    url_path,
    variant,
)
from benchmarks.synthetic import ARRANGEMENTS, SYNTHETIC, Layout, Shape, write_release
from sdcf_metrics import paths
from sdcf_metrics.pipeline.build import arrow_schema
from sdcf_metrics.schema import TABLES_BY_NAME

TINY = Shape(facilities=5, metrics=3, months=14)


def read_release(release) -> dict[str, object]:
    return {name: pq.read_table(files).to_pylist() for name, files in release.files.items()}


# --- the synthetic network ---------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_release_and_another_seed_other_figures(tmp_path):
    first = read_release(write_release(tmp_path / "a", TINY, seed=7))
    again = read_release(write_release(tmp_path / "b", TINY, seed=7))
    other = read_release(write_release(tmp_path / "c", TINY, seed=8))
    assert first == again
    assert [row["value"] for row in first["observations"]] != [row["value"] for row in other["observations"]]


@pytest.mark.parametrize("arrangement", list(ARRANGEMENTS))
def test_every_layout_writes_the_production_schema(tmp_path, arrangement):
    release = write_release(tmp_path, TINY, seed=1, layout=Layout(arrangement, row_group_rows=256))
    for name, files in release.files.items():
        expected = arrow_schema(TABLES_BY_NAME[name])
        for path in files:
            assert pq.read_schema(path).equals(expected), (
                f"{path.name} differs from build.arrow_schema({name})"
            )
    assert sum(pq.read_metadata(path).num_rows for path in release.files["observations"]) == TINY.rows


def test_the_synthetic_release_carries_the_extract_the_build_derives(tmp_path):
    """The dashboard reads `observation_details`, so the benchmark measures it as the build writes it."""
    release = write_release(tmp_path, TINY, seed=1)
    (derived,) = release.derived["observation_details"]
    rows = pq.read_table(derived).to_pylist()
    assert len(rows) == TINY.rows
    cities = [row["city_id"] for row in rows]
    assert cities == sorted(cities), "ordered by city"
    breakdowns = [row["breakdown"] is not None for row in rows if row["city_id"] == cities[0]]
    assert breakdowns == sorted(breakdowns), "a city's totals first"
    assert all(row["metric"] and row["source_title"] and row["city"] for row in rows)


def test_every_text_column_says_it_is_synthetic(tmp_path):
    tables = read_release(write_release(tmp_path, TINY, seed=1))
    assert all(re.fullmatch("X[A-Z]", city["country_code"]) for city in tables["cities"]), (
        "ISO private-use codes"
    )
    for name, rows in tables.items():
        texts = [column for column in TABLES_BY_NAME[name].columns if column.type == "text"]
        for column in (text.name for text in texts if text.name != "country_code"):
            values = {row[column] for row in rows} - {None}
            assert values or not TABLES_BY_NAME[name].column(column).required, f"{name}.{column} is empty"
            assert all(SYNTHETIC in value for value in values), f"{name}.{column}: {sorted(values)[:3]}"


def test_breakdowns_are_parts_of_their_total(tmp_path):
    rows = read_release(write_release(tmp_path, Shape(facilities=1, metrics=1, months=1), seed=3))[
        "observations"
    ]
    total = next(row["value"] for row in rows if row["breakdown"] is None)
    by_sex = sum(row["value"] for row in rows if (row["breakdown"] or "").startswith("sex="))
    assert by_sex == pytest.approx(total, abs=1)


def test_a_bigger_network_is_asked_about_the_same_cities(tmp_path):
    small = write_release(tmp_path / "small", Shape(facilities=30, metrics=2, months=2), seed=4)
    large = write_release(tmp_path / "large", Shape(facilities=90, metrics=2, months=2), seed=4)
    assert Choices.for_release(small) == Choices.for_release(large)
    assert len(Choices.for_release(large).compared_city_ids) == 5


def test_the_generator_refuses_to_write_under_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("SDCF_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(ValueError, match="must not be written under the data directory"):
        write_release(tmp_path / "data" / "extracts" / "bench", TINY, seed=1)
    assert not (tmp_path / "data").exists()


def _snapshot(directory: Path) -> dict[str, float]:
    return {str(path): path.stat().st_mtime for path in directory.rglob("*")}


def test_the_query_benchmark_leaves_data_and_its_scratch_untouched(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    before = _snapshot(paths.data_dir())
    section = run_queries(QueryBenchmark(sizes=[TINY.rows], layout_size=None, seed=1), log=lambda _: None)
    assert _snapshot(paths.data_dir()) == before
    assert list(tmp_path.iterdir()) == []
    assert "Query engine at network scale" in section.markdown()
    assert section.findings[-1].startswith("The 100M-row targets")
    assert "not measured" in section.findings[-1]


def tiny_run_with_checks_at(size_constant: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Section:
    """The query benchmark on the tiny release, with the size its checks are made at (`LARGE_SIZE`,
    `SPEEDUP_SIZE`) set to the tiny one; the subjects' row counts read "N"."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    monkeypatch.setattr(f"benchmarks.queries.{size_constant}", TINY.rows)
    return run_queries(QueryBenchmark(sizes=[TINY.rows], layout_size=None, seed=1), log=lambda _: None)


def check_subjects(section: Section) -> list[str]:
    return [re.sub(r" at [\d,]+ rows", " at N rows", check.subject) for check in section.checks]


def test_at_network_scale_the_targets_are_on_a_city_trend_and_the_data_table(tmp_path, monkeypatch):
    section = tiny_run_with_checks_at("LARGE_SIZE", tmp_path, monkeypatch)
    assert check_subjects(section) == [
        "City trend (one city, all metrics) at N rows: DuckDB median",
        "Data table, first page of 1,000 rows and the count of all (same filter) at N rows: DuckDB median",
    ]
    assert all(check.target.describe() == "≤ 100 ms" and check.value > 0 for check in section.checks)
    assert "both are timed together" in section.findings[-1]


def test_at_ten_million_rows_pandas_is_compared_on_the_three_views_the_issue_names(tmp_path, monkeypatch):
    section = tiny_run_with_checks_at("SPEEDUP_SIZE", tmp_path, monkeypatch)
    assert check_subjects(section) == [
        "City trend (one city, all metrics) at N rows: speed-up over pandas",
        "Comparison (one metric, five cities) at N rows: speed-up over pandas",
        "Data table, whole selection (three cities, two metrics, monthly) at N rows: speed-up over pandas",
    ]


# --- the engines agree -------------------------------------------------------------------------------


@pytest.fixture
def tiny_release(tmp_path):
    return write_release(tmp_path, TINY, seed=5)


@pytest.mark.parametrize("query", QUERIES, ids=lambda query: query.label)
def test_duckdb_through_the_store_and_pandas_return_the_same_rows(tiny_release, query):
    store = open_store(tiny_release)
    choices = Choices.for_release(tiny_release)
    try:
        rows = check_same_rows(
            query, query.through_store(store, choices), query.with_pandas(tiny_release, choices)
        )
    finally:
        store.close()
    assert rows > 0


def test_a_baseline_that_disagrees_stops_the_run(tiny_release):
    store = open_store(tiny_release)
    choices = Choices.for_release(tiny_release)
    query = QUERIES[0]
    try:
        table = query.through_store(store, choices)
    finally:
        store.close()
    reversed_frame = query.with_pandas(tiny_release, choices).iloc[::-1]
    with pytest.raises(BaselineMismatch, match="another order"):
        check_same_rows(query, table, reversed_frame)


def test_every_layout_answers_the_dashboard_queries_alike_in_both_engines(tmp_path):
    answers = set()
    for arrangement in ARRANGEMENTS:
        layout = Layout(arrangement, row_group_rows=256)
        release = write_release(tmp_path / arrangement, TINY, seed=2, layout=layout)
        results = measure_release(release, with_pandas=True, duckdb_runs=1, pandas_runs=1)
        answers.add(tuple(result.rows for result in results))
    assert len(answers) == 1


# --- pages, floors and filters -----------------------------------------------------------------------

TINY_HOME = """
import plotly.graph_objects as go
import streamlit as st

names = {"aar": "Aarhus", "ber": "Bergen", "cor": "Cork"}
city = st.selectbox("City", list(names), index=1, format_func=names.get)
st.checkbox("Show ranges", value=True)
st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[4, 5, len(city)], name=city)), theme=None)
"""

TINY_PAGE = """
import plotly.graph_objects as go
import streamlit as st

st.write("No filter here, two charts.")
st.multiselect("Metrics", ["visits", "users", "litter"], default=["visits", "users"])
for number in range(2):
    st.plotly_chart(go.Figure(go.Bar(x=["a", "b"], y=[number, 2])), key=f"bar-{number}")
"""


@pytest.fixture
def tiny_app(tmp_path) -> Path:
    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").write_text(TINY_HOME, encoding="utf-8")
    (tmp_path / "pages" / "1_Two_charts.py").write_text(TINY_PAGE, encoding="utf-8")
    return tmp_path


def test_pages_are_found_in_streamlit_order_with_their_urls(tiny_app):
    pages = discover_pages(tiny_app)
    assert pages == [tiny_app / "app.py", tiny_app / "pages" / "1_Two_charts.py"]
    assert [url_path(page) for page in pages] == ["/", "/Two_charts"]
    assert url_path(paths.PROJECT_ROOT / "pages" / "1_City_trends.py") == "/City_trends"


def test_the_floor_page_has_the_same_widgets_and_figures_of_the_same_size(tiny_app, tmp_path):
    surveys = [survey_page(page) for page in discover_pages(tiny_app)]
    floor_root = tmp_path / "floor"
    write_floor_app(surveys, floor_root, project_root=tiny_app)
    for survey in surveys:
        floor = survey_page(floor_script(survey.path, floor_root, tiny_app))
        assert not floor.error
        assert floor.widgets == survey.widgets
        assert [chart.payload_bytes for chart in floor.charts] == [
            chart.payload_bytes for chart in survey.charts
        ]
    assert [len(survey.charts) for survey in surveys] == [1, 2]
    assert json.loads((floor_root / "floor.json").read_text(encoding="utf-8")).keys() == {
        "app.py",
        "pages/1_Two_charts.py",
    }


def test_the_rerun_benchmark_times_every_page_against_its_floor(tiny_app, tmp_path):
    surveys = [survey_page(page) for page in discover_pages(tiny_app)]
    write_floor_app(surveys, tmp_path / "floor", project_root=tiny_app)
    section = run_pages(surveys, tmp_path / "floor", log=lambda _: None, project_root=tiny_app)
    assert [check.subject for check in section.checks] == [
        "app.py (Overview): rerun vs floor",
        "pages/1_Two_charts.py: rerun vs floor",
    ]
    table = section.tables[0][1]
    assert [row[1] for row in table.rows] == ["selectbox “City”", "multiselect “Metrics”"]
    # The tiny pages draw exactly what their floors draw: widgets and figures, plus the text line.
    assert [row[3] for row in table.rows] == ["3 / 3", "4 / 3"]
    assert all(check.value > 0 for check in section.checks)
    assert section.findings[0].startswith("One more element (a caption) costs a rerun")


def test_elements_are_counted_inside_every_container(tmp_path):
    script = tmp_path / "nested.py"
    script.write_text(
        "import streamlit as st\n\nst.title('T')\nleft, right = st.columns(2)\nleft.caption('a')\n"
        "with right.expander('more'):\n    st.caption('b')\n    st.caption('c')\n"
        "st.sidebar.caption('menu')\n",
        encoding="utf-8",
    )
    assert element_count(AppTest.from_file(str(script)).run()) == 5


@pytest.mark.parametrize("script", ["app.py", "pages/1_Page.py"])
def test_reruns_reuse_the_compiled_script_as_a_server_does(tmp_path, script):
    """A server compiles a script once (its file watcher is off); AppTest alone compiles it on every run,
    the entry script in its runner and a page of `pages/` in its pages manager."""
    (tmp_path / "pages").mkdir()
    for name in ("app.py", "pages/1_Page.py"):
        (tmp_path / name).write_text("import streamlit as st\n\nst.caption('first')\n", encoding="utf-8")
    with compiled_once():
        app = open_page(tmp_path / script).run()
        (tmp_path / script).write_text("import streamlit as st\n\nst.caption('edited')\n", encoding="utf-8")
        assert app.run().caption[0].value == "first"
    assert app.run().caption[0].value == "edited"


NOTICE_PAGE = """
import plotly.graph_objects as go
import streamlit as st

city = st.selectbox("City", ["Aarhus", "Bergen", "Cork"], index=1)
if city == "Cork":
    st.info("Cork counts one street only.")
st.plotly_chart(go.Figure(go.Bar(x=["a"], y=[len(city)], name=city)), theme=None)
st.caption("Source: each city's own counts.")
"""


def test_a_change_draws_anew_what_changed_and_all_that_a_notice_moved(tmp_path):
    """From Cork to Aarhus the notice goes, so the caption under the chart moves up a place and is drawn
    anew with the chart; from Aarhus to Bergen only the chart is."""
    (tmp_path / "app.py").write_text(NOTICE_PAGE, encoding="utf-8")
    home = survey_page(tmp_path / "app.py")
    cycle = option_cycle(home)
    assert cycle.options == ["Bergen", "Cork", "Aarhus"]
    # After the unmeasured change to Cork: Cork -> Aarhus draws 2 anew, Aarhus -> Bergen 1.
    assert elements_drawn_anew(home.path, cycle, runs=1) == 2
    assert elements_drawn_anew(home.path, cycle, runs=2) == 1.5


def test_the_redraw_floor_swaps_in_the_pages_own_figures_for_the_chosen_option(tiny_app, tmp_path):
    surveys = [survey_page(page) for page in discover_pages(tiny_app)]
    home = surveys[0]
    cycle = option_cycle(home)
    assert cycle.options == ["Bergen", "Cork", "Aarhus"], "from the default on, each with a chart of its own"
    write_floor_app(surveys, tmp_path / "floor", tiny_app, {home.path: cycle.swap()})
    floor = open_page(floor_script(home.path, tmp_path / "floor", tiny_app)).run()
    floor.selectbox[0].select("Cork").run()
    assert [chart.proto.spec for chart in floor.get("plotly_chart")] == [
        chart.spec for chart in cycle.charts["Cork"]
    ]
    assert cycle.charts["Cork"][0].spec != cycle.charts["Bergen"][0].spec


def test_changing_a_filter_picks_another_option_of_the_first_choice_widget(tiny_app):
    page = tiny_app / "app.py"
    default = first_filter_spec(survey_page(page))
    app = open_page(page).run()
    seen = []
    for step in range(1, 4):
        assert change_filter(app, step, default)
        app.run()
        seen.append(app.selectbox[0].value)
    assert seen == ["cor", "aar", "ber"]


def test_a_multiple_choice_keeps_its_size_and_consecutive_variants_differ():
    options = ["a", "b", "c", "d"]
    variants = [variant(options, [0, 1], True, step) for step in range(1, 6)]
    assert all(len(chosen) == 2 for chosen in variants)
    assert all(earlier != later for earlier, later in itertools.pairwise(variants))
    assert variant(options, [0, 1, 2, 3], True, 1) == ["a", "c", "d"]
    assert variant(options, [], True, 2) == ["c"]


def test_a_function_that_only_wraps_another_is_not_listed_twice():
    store_file = str(paths.PROJECT_ROOT / "src" / "sdcf_metrics" / "store.py")
    query, sql = (store_file, 1, "query"), (store_file, 2, "sql")
    page = (str(paths.PROJECT_ROOT / "pages" / "1_City_trends.py"), 1, "<module>")
    stats = {query: (4, 4, 0.001, 0.100, {page: ()}), sql: (4, 4, 0.090, 0.099, {query: ()})}
    assert thin_wrapper(stats, stats[sql][4], cumulative=0.099) == {"src/sdcf_metrics/store.py:query"}
    assert thin_wrapper(stats, stats[query][4], cumulative=0.100) == set(), "a page script is not a wrapper"
    stats[query] = (4, 4, 0.050, 0.150, {page: ()})
    assert thin_wrapper(stats, stats[sql][4], cumulative=0.099) == set(), "query has time of its own"


def _profile(*frames: tuple[str, str, int | None], samples: list[int], deltas: list[int]) -> dict:
    """A Chromium CPU profile: call-tree nodes (function, script address, parent's id), numbered from 1."""
    nodes = [{"id": 1, "callFrame": {"functionName": "(root)", "url": ""}, "children": []}]
    for number, (function, url, parent) in enumerate(frames, start=2):
        nodes.append({"id": number, "callFrame": {"functionName": function, "url": url}, "children": []})
        nodes[(parent or 1) - 1]["children"].append(number)
    return {"nodes": nodes, "samples": samples, "timeDeltas": deltas}


def test_a_browser_profile_charges_each_sample_to_the_script_it_ran_in_or_was_called_from():
    plotly = "http://127.0.0.1:8501/static/js/PlotlyChart.D9Z0_fxz.js"
    markdown = "http://127.0.0.1:8501/static/js/StreamlitMarkdown.oOG-xoxw.js"
    change = _profile(
        ("(idle)", "", None),  # 2
        ("(program)", "", None),  # 3
        ("draw", plotly, None),  # 4
        ("getBoundingClientRect", "", 4),  # 5: the browser, called by Plotly
        ("render", markdown, None),  # 6
        # Each sample lasts until the next one (microseconds); the last one's length is not known.
        samples=[2, 4, 5, 6, 3, 2, 4],
        deltas=[0, 1000, 3000, 2000, 500, 1500, 9000],
    )
    other_change = _profile(("draw", plotly, None), samples=[2, 2], deltas=[0, 4000])

    times = script_times([change, other_change])

    assert times == {"PlotlyChart": 4.5, "(program)": 0.75, "StreamlitMarkdown": 0.25}, "ms a change"
    assert list(times) == ["PlotlyChart", "(program)", "StreamlitMarkdown"], "largest first"
    assert script_times([]) == {}
    assert script_name(plotly) == "PlotlyChart"
    assert script_name("http://host/static/js/emotion-styled.browser.esm.DdOkyKg_.js?v=1") == (
        "emotion-styled.browser.esm"
    )


# --- the report --------------------------------------------------------------------------------------


def test_timed_actions_take_turns_each_for_its_own_number_of_runs():
    calls = []
    engine, baseline = time_interleaved([lambda: calls.append("a"), lambda: calls.append("b")], [3, 2])
    assert calls == ["a", "b", "a", "b", "a"]
    assert (len(engine.samples_ms), len(baseline.samples_ms)) == (3, 2)
    assert engine.median_ms >= 0


def test_the_90th_percentile_lies_between_the_samples():
    assert Timing(tuple(float(value) for value in range(1, 11))).p90_ms == pytest.approx(9.1)
    assert Timing((40.0,)).p90_ms == 40.0


def test_targets_say_met_or_by_how_much_they_were_missed():
    assert Target(2.0, "×").verdict(1.4) == "met"
    assert Target(2.0, "×").verdict(2.6) == "missed by 0.60×"
    assert Target(10, "×", at_most=False).verdict(6.5) == "missed by 3.50×"
    assert Target(100, "ms").verdict(130) == "missed by 30.0 ms"
    assert Target(1.25, "×").verdict(1.2504) == "missed by less than 0.01×", "not 'missed by 0.00×'"
    assert Target(2.0, "s").verdict(2.04) == "missed by less than 0.1 s"
    assert Target(150, "KB").describe() == "≤ 150 KB"
    assert Target(10, "×", at_most=False).describe() == "≥ 10.00×"


def test_the_report_describes_the_machine_and_every_target():
    section = Section("Page reruns", "How it was measured.")
    table = Table(("Page", "Ratio"))
    table.add("pages/1_City_trends.py", "2.60×")
    section.tables.append(("", table))
    section.checks += [
        Check("Page reruns", "City trends: rerun vs floor", 2.6, Target(2.0, "×")),
        Check("Payload", "City trends, chart 1: spec size", 12.5, Target(150, "KB")),
    ]
    section.findings.append("City trends spends its time in `trends.py:split_series`.")
    started = datetime(2026, 11, 23, 10, 0).astimezone()
    text = render(
        Machine.describe(started),
        [section],
        command="python -m benchmarks --only pages",
        finished=started,
        load_after=(0.5, 0.5, 0.5),
    )
    assert text.startswith("# Benchmarks\n")
    for expected in ("| CPU |", "| Python |", "| duckdb |", "| pandas |", "| streamlit |", "2026-11-23"):
        assert expected in text
    assert "1 of 2 targets met." in text
    assert "| Page reruns | City trends: rerun vs floor | 2.60× | ≤ 2.00× | missed by 0.60× |" in text
    assert "| Payload | City trends, chart 1: spec size | 12.5 KB | ≤ 150 KB | met |" in text
    assert "`python -m benchmarks --only pages`" in text
    assert "- City trends spends its time in `trends.py:split_series`." in text


def test_a_table_refuses_a_row_of_the_wrong_width():
    with pytest.raises(ValueError, match="3 cells for 2 columns"):
        Table(("a", "b")).add(1, 2, 3)


# --- the command -------------------------------------------------------------------------------------


def test_only_accepts_known_benchmark_names():
    assert parse_only("pages, payload") == ("pages", "payload")
    assert set(BENCHMARKS) == {
        "queries",
        "pages",
        "browser",
        "redraw",
        "memory",
        "payload",
        "capacity",
        "embeds",
    }
    with pytest.raises(ValueError, match="unknown benchmark 'speed'; choose from queries"):
        parse_only("pages,speed")


def test_the_command_rejects_an_unknown_benchmark_with_the_choices(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--only", "speed"])
    assert exit_info.value.code == 2
    assert "choose from queries, pages, browser, redraw, memory, payload, capacity" in capsys.readouterr().err


def test_the_command_writes_the_report_where_asked(tmp_path):
    output = tmp_path / "report" / "benchmarks.md"
    assert main(["--only", "payload", "--output", str(output)]) == 0
    text = output.read_text(encoding="utf-8")
    assert "`python -m benchmarks --only payload`" in text
    assert "## Chart payload" in text


def test_the_capacity_report_states_every_target_of_the_load_and_the_uploads():
    from benchmarks.capacity import LEVELS, Level, UploadCost, _section
    from tests.e2e.stream_client import LoadResult

    def load(seconds: list[float], failures: list[str] = ()) -> LoadResult:
        return LoadResult(seconds=seconds, failures=list(failures), elapsed=10.0)

    levels = [Level(sessions, load([0.2, 0.4, 3.0]), True, True, 20) for sessions in LEVELS]
    levels[-1] = Level(50, load([1.0, 5.0], ["Compare_cities: ['boom']"]), True, False, 20)
    uploads = [UploadCost("a bomb", 1_000_000, 0.5, 30.0, "cannot unpack the workbook")]
    section = _section(levels, 300.0, 320.0, load([0.2, 0.2]), load([0.3, 0.3]), uploads)
    verdicts = {check.subject: check.verdict for check in section.checks}
    assert verdicts["Errors at 10 sessions"] == "met"
    assert verdicts["Errors at 50 sessions"] == "missed by 1 errors"
    assert verdicts["p95 filter change at 50 sessions"].startswith("missed by")
    assert verdicts["Server memory after the load, above its start"] == "met"
    assert verdicts["Median filter change beside a hostile upload, vs alone"] == "met"
    assert verdicts["Upload of a bomb: memory"] == "met"
    text = section.markdown()
    assert "rollback FAILED" in text and "50 sessions: Compare_cities: ['boom']" in text
