"""The Data & sources page: every figure with its source and quote, searchable, linkable and downloadable.

Most tests run the page on the published dataset, the one visitors see; expected values are read from
the store, not written down, except the Copenhagen figure every reader of the brief knows (3,090
registered users in September 2014, Copenhagen Post).
"""

from __future__ import annotations

import csv
import io

import pytest
from apptest_helpers import build_dataset, markdown_texts, record_downloads, run_page
from fixtures import edit_row

from sdcf_metrics.datatable import NO_FIGURE
from sdcf_metrics.i18n import in_language
from sdcf_metrics.queries import TableFilter, observation_table
from sdcf_metrics.store import get_store
from sdcf_metrics.ui.frame import COVERAGE_VIEW

PAGE = "pages/5_Data_and_sources.py"


@pytest.fixture(scope="module")
def store():
    return get_store()


def figures_table(app):
    return app.dataframe[0].value.set_index("ID")


def filter_named(app, label: str):
    return next(widget for widget in app.multiselect if widget.label == label)


def showing_line(app) -> str:
    return next(caption.value for caption in app.caption if caption.value.startswith("Showing"))


def test_the_default_view_lists_every_figure_with_its_source_and_quote(store):
    app = run_page(PAGE)
    assert not app.exception
    total = store.sql("SELECT count(*) AS n FROM observations").column("n")[0].as_py()
    table = figures_table(app)
    assert len(table) == total
    assert showing_line(app) == f"Showing {total:,} of {total:,} figures."
    copenhagen = table.loc["o0001"]
    assert (copenhagen["City"], copenhagen["Metric"], copenhagen["Value"]) == (
        "Copenhagen",
        "Registered users",
        "3,090",
    )
    assert copenhagen["Period"] == "since opening (2012-10) to 2014-09-18"
    assert copenhagen["Source"] == "Successful drug injection rooms to be open at night"
    assert copenhagen["Publisher"] == "The Copenhagen Post"
    assert copenhagen["URL or citation"].startswith("https://")
    assert "have 3,090 registered users" in copenhagen["Quote"]


def test_a_search_narrows_the_table_and_goes_into_the_url(store):
    app = run_page(PAGE)
    app.text_input[0].input("Barcelona").run()
    assert not app.exception
    assert app.query_params["q"] == "Barcelona"
    expected = observation_table(store, selection=TableFilter(search="Barcelona"))
    table = figures_table(app)
    assert list(table.index) == expected.column("observation_id").to_pylist()
    assert 0 < len(table) < store.sql("SELECT count(*) AS n FROM observations").column("n")[0].as_py()
    assert "Barcelona" in set(table["City"])
    assert showing_line(app).startswith(f"Showing {len(table)} of ")
    reopened = run_page(PAGE, **app.query_params)
    assert list(figures_table(reopened).index) == list(table.index)


def test_a_link_restores_the_search_and_filters(store):
    app = run_page(PAGE, q="registered", city=["copenhagen", "paris"], metric="registered_users")
    assert not app.exception
    assert app.text_input[0].value == "registered"
    assert filter_named(app, "City").value == ["copenhagen", "paris"]
    assert filter_named(app, "Metric").value == ["registered_users"]
    narrowed = TableFilter(
        search="registered", city_ids=("copenhagen", "paris"), metric_ids=("registered_users",)
    )
    expected = observation_table(store, selection=narrowed).column("observation_id").to_pylist()
    assert list(figures_table(app).index) == expected
    assert set(figures_table(app)["City"]) == {"Copenhagen", "Paris"}


def test_a_filter_chosen_on_the_page_goes_into_the_url():
    app = run_page(PAGE)
    filter_named(app, "Kind of period").select("day").run()
    assert app.query_params["period_kind"] == "day"
    assert set(figures_table(app)["Period kind"]) == {"single day"}


def test_a_search_with_no_match_says_so_instead_of_an_empty_table():
    app = run_page(PAGE, q="x' OR 1=1 --")
    assert not app.exception
    assert not app.dataframe
    assert showing_line(app).startswith("Showing 0 of ")
    assert "No figure matches" in app.info[0].value


def test_the_full_dataset_downloads_carry_the_data_version(store, monkeypatch):
    downloads = record_downloads(monkeypatch)
    app = run_page(PAGE)
    version = store.release.data_version
    files = downloads(app)
    assert all(file.made_on_click for file in files), "the files are made when asked for, not on each run"
    assert [(file.label, file.file_name) for file in files] == [
        ("CSV", f"sdcf-metrics-{version}.csv"),
        ("Excel", f"sdcf-metrics-{version}.xlsx"),
        ("Parquet", f"sdcf-metrics-{version}.parquet"),
    ]
    rows = list(csv.DictReader(io.StringIO(files[0].data.decode("utf-8-sig"))))
    assert len(rows) == len(figures_table(app))


def test_a_narrowed_view_offers_exactly_its_rows_for_download(store, monkeypatch):
    downloads = record_downloads(monkeypatch)
    app = run_page(PAGE, city="copenhagen", metric="overdoses_managed")
    version = store.release.data_version
    shown = list(figures_table(app).index)
    selection = downloads(app)[3:]
    assert [file.file_name for file in selection] == [
        f"sdcf-metrics-{version}-selection-{len(shown)}-figures.{extension}"
        for extension in ("csv", "xlsx", "parquet")
    ]
    rows = list(csv.DictReader(io.StringIO(selection[0].data.decode("utf-8-sig"))))
    assert [row["observation_id"] for row in rows] == shown


def test_the_no_data_link_of_other_pages_opens_the_coverage_view(store):
    app = run_page(PAGE, **COVERAGE_VIEW)
    assert not app.exception
    assert app.segmented_control[0].value == "coverage"
    assert "Metrics with a figure" in app.dataframe[0].value.columns


def test_the_coverage_view_counts_figures_per_city_and_metric(store):
    app = run_page(PAGE, view="coverage")
    assert not app.exception
    coverage = app.dataframe[0].value.set_index("City")
    assert len(coverage) == store.query("cities").num_rows
    copenhagen = observation_table(store, selection=TableFilter(city_ids=("copenhagen",)))
    assert coverage.loc["Copenhagen", "All figures"] == copenhagen.num_rows
    assert coverage.loc["The Hague", "All figures"] == 0  # a city with facilities but no figure
    # A metric with no figure is an empty cell, drawn as a dash: none was found, which is not zero.
    assert coverage.loc["The Hague"].iloc[3:].isna().all()
    assert app.dataframe[0].proto.placeholder == NO_FIGURE


def test_the_sources_view_lists_every_source(store):
    app = run_page(PAGE, view="sources")
    assert not app.exception
    sources = app.dataframe[0].value
    assert len(sources) == store.query("sources").num_rows
    assert (
        sources["Figures"].sum() == store.sql("SELECT count(*) AS n FROM observations").column("n")[0].as_py()
    )


HOSTILE = {
    "city": "[official figures](https://phish.example)",
    "source": "![](https://tracker.example/p.png)",
    "quote": "<img src=x onerror=alert(1)> **bold** `code`",
}


def test_hostile_names_stay_inert_text(tmp_path, monkeypatch):
    build_dataset(
        tmp_path,
        cities=edit_row(0, name=HOSTILE["city"]),
        sources=edit_row(0, title=HOSTILE["source"]),
        observations=edit_row(0, quote=HOSTILE["quote"]),
    )
    monkeypatch.setenv("SDCF_DATA_DIR", str(tmp_path))
    for query in ({}, {"q": HOSTILE["city"]}, {"view": "coverage"}, {"view": "sources"}):
        app = run_page(PAGE, **query)
        assert not app.exception, query
        for text in markdown_texts(app):
            for hostile in HOSTILE.values():
                assert hostile not in text, (query, text)
            assert "https://" not in text, (query, text)
    table = figures_table(run_page(PAGE))
    assert table.loc["obs-since-opening", "City"] == HOSTILE["city"]
    assert table.loc["obs-since-opening", "Source"] == HOSTILE["source"]
    assert table.loc["obs-since-opening", "Quote"] == HOSTILE["quote"]


# --- a selection longer than a page ------------------------------------------------------------------------
# The published dataset fits on one page; these tests make a page hold 100 rows, so it takes eight.


@pytest.fixture
def pages_of_100(monkeypatch):
    monkeypatch.setattr("sdcf_metrics.queries.dataset.PAGE_ROWS", 100)


def page_input(app):
    return next(widget for widget in app.number_input if widget.label.startswith("Page"))


def test_the_published_dataset_fits_on_one_page_with_no_page_to_choose():
    app = run_page(PAGE)
    assert not [widget for widget in app.number_input if widget.label.startswith("Page")]


def test_a_long_selection_is_shown_a_page_at_a_time(store, pages_of_100):
    everything = observation_table(store).column("observation_id").to_pylist()
    app = run_page(PAGE)
    assert not app.exception
    assert page_input(app).label == "Page (of 8)"
    assert list(figures_table(app).index) == everything[:100]
    assert showing_line(app) == (
        f"Showing figures 1 to 100 of the {len(everything)} that match, of {len(everything)} in the dataset."
    )
    page_input(app).set_value(8).run()
    assert list(figures_table(app).index) == everything[700:]
    assert showing_line(app).startswith(f"Showing figures 701 to {len(everything)} of the ")


def test_a_new_filter_opens_on_its_first_page(store, pages_of_100):
    app = run_page(PAGE)
    page_input(app).set_value(3).run()
    filter_named(app, "Scope").select("city").run()
    city_wide = observation_table(store, selection=TableFilter(scopes=("city",))).column("observation_id")
    assert page_input(app).value == 1
    assert list(figures_table(app).index) == city_wide.to_pylist()[:100]


def test_a_paged_selection_downloads_all_its_rows_not_the_page(store, monkeypatch, pages_of_100):
    downloads = record_downloads(monkeypatch)
    app = run_page(PAGE, scope="city")
    page_input(app).set_value(2).run()
    expected = observation_table(store, selection=TableFilter(scopes=("city",))).column("observation_id")
    selection = downloads(app)[3:]
    assert selection[0].file_name.endswith(f"-selection-{len(expected)}-figures.csv")
    rows = list(csv.DictReader(io.StringIO(selection[0].data.decode("utf-8-sig"))))
    assert [row["observation_id"] for row in rows] == expected.to_pylist()
    assert len(rows) > 100


def test_a_file_made_on_click_is_in_the_readers_language(store, monkeypatch):
    """Streamlit makes a clicked file in a thread of its own: the reader's language goes with the button."""
    downloads = record_downloads(monkeypatch)
    app = run_page(PAGE, city="copenhagen", lang="fr")
    with in_language("fr"):
        french = observation_table(store, selection=TableFilter(city_ids=("copenhagen",)))
    files = downloads(app)
    rows = list(csv.DictReader(io.StringIO(files[3].data.decode("utf-8-sig"))))
    assert [row["metric_label"] for row in rows] == french.column("metric_label").to_pylist()
    assert set(french.column("metric_label").to_pylist()) - set(
        observation_table(store, selection=TableFilter(city_ids=("copenhagen",)))
        .column("metric_label")
        .to_pylist()
    ), "the French names differ from the English ones, so the check can tell them apart"
