"""The process-level cache of derived results: query results per store, query and values; figures per
builder and arguments. A rerun reuses them; a new data version, a visitor's upload and a visitor clearing
Streamlit's caches are where it must not, or must still, hold."""

from __future__ import annotations

import gc
import json
import pickle
import threading
from dataclasses import replace

import plotly.graph_objects as go
import pyarrow as pa
import pytest
import streamlit as st
from apptest_helpers import run_page_in_app
from fixtures import TRANSLATIONS, edit_row, write_sources

from sdcf_metrics import cache as cache_module
from sdcf_metrics import paths, queries, views
from sdcf_metrics.cache import DerivedOnce, ResultCache, approximate_size, content_digest, store_scope
from sdcf_metrics.charts import built_once, drawn_once, for_screen, with_words_inside
from sdcf_metrics.charts.area_bars import latest_by_area_figure
from sdcf_metrics.charts.base import FIGURES
from sdcf_metrics.i18n import in_language
from sdcf_metrics.overview import latest_facility_counts
from sdcf_metrics.pipeline.build import build
from sdcf_metrics.pipeline.transaction import rollback
from sdcf_metrics.queries import RESULTS
from sdcf_metrics.store import Store, get_store
from sdcf_metrics.ui import warm_up as warming
from sdcf_metrics.ui.navigation import COMPARE_CITIES, PAGES
from sdcf_metrics.ui.tables import LINKED_TABLES, linked_table
from sdcf_metrics.ui.upload_example import upload_example
from sdcf_metrics.ui.warm_up import wait_for_warm_up, warm_up
from sdcf_metrics.views import VIEWS


@pytest.fixture
def root(tmp_path):
    write_sources(paths.sources_dir(tmp_path))
    build(tmp_path)
    return tmp_path


@pytest.fixture
def counted(monkeypatch):
    """Count the queries this test's thread sends to DuckDB, by name (pages warm other stores up in
    threads of their own)."""
    ran: list[str] = []
    query = Store.query
    test_thread = threading.current_thread()

    def counting(self, name, **params):
        if threading.current_thread() is test_thread:
            ran.append(name)
        return query(self, name, **params)

    monkeypatch.setattr(Store, "query", counting)
    return ran


def test_the_same_query_with_the_same_values_runs_once_per_store(root, counted):
    store = get_store(paths.extracts_dir(root))
    first = queries.city_observations(store, city_id="copenhagen")
    again = queries.city_observations(store, city_id="copenhagen")
    other = queries.city_observations(store, city_id="brussels")
    assert again == first and other != first
    assert counted == ["city_observations", "city_observations"]
    queries.metric_across_cities(store, metric_id="visits", city_ids=["brussels", "copenhagen"])
    queries.metric_across_cities(store, metric_id="visits", city_ids=["brussels", "copenhagen"])
    queries.metric_across_cities(store, metric_id="visits", city_ids=["copenhagen", "brussels"])
    assert counted.count("metric_across_cities") == 2, "the cities' order is part of the question"


def test_a_caller_changing_its_list_does_not_change_the_cached_rows(root):
    store = get_store(paths.extracts_dir(root))
    rows = queries.cities(store)
    rows.clear()
    assert queries.cities(store)


def test_a_new_data_version_is_read_afresh(root, counted):
    first = get_store(paths.extracts_dir(root))
    names = {city["city_id"]: city["name"] for city in queries.cities(first)}
    write_sources(paths.sources_dir(root), cities=edit_row(0, name="Renamed city"))
    build(root)
    second = get_store(paths.extracts_dir(root))
    assert second.data_version != first.data_version
    renamed = {city["city_id"]: city["name"] for city in queries.cities(second)}
    assert "Renamed city" in renamed.values() and "Renamed city" not in names.values()
    assert counted == ["cities", "cities"]


def test_a_store_no_longer_used_takes_its_results_with_it(root):
    store = Store.open(get_store(paths.extracts_dir(root)).release)
    scope = store_scope(store)
    queries.cities(store)
    queries.coverage(store)
    assert any(key[0] == scope for key in RESULTS._entries)
    store.close()
    del store
    gc.collect()
    assert not any(key[0] == scope for key in RESULTS._entries)


def test_a_visitors_upload_is_never_cached(root, counted):
    store = get_store(paths.extracts_dir(root))
    with store.with_upload({}) as combined:
        queries.cities(combined)
        queries.cities(combined)
        assert counted == ["cities", "cities"]
        assert not any(key[0] == store_scope(combined) for key in RESULTS._entries)


def test_clearing_streamlits_caches_leaves_the_results(root, counted):
    """What the "Clear caches" menu item (and its WebSocket message) does to `st.cache_*` changes nothing."""
    store = get_store(paths.extracts_dir(root))
    queries.dataset_summary(store)
    st.cache_data.clear()
    st.cache_resource.clear()
    queries.dataset_summary(store)
    assert counted == ["dataset_summary"]


def test_the_cache_keeps_the_most_recently_used_entries_within_its_bounds():
    cache = ResultCache(max_entries=2, max_bytes=1000)
    cache.get_or_compute("a", lambda: "A")
    cache.get_or_compute("b", lambda: "B")
    cache.get_or_compute("a", lambda: "recomputed")
    cache.get_or_compute("c", lambda: "C")
    assert cache.get_or_compute("a", lambda: "recomputed") == "A"
    assert cache.get_or_compute("b", lambda: "B again") == "B again", "b was the least recently used"
    assert cache.stats().entries == 2


def test_the_cache_keeps_no_more_bytes_than_its_budget():
    cache = ResultCache(max_entries=100, max_bytes=300)
    big = "x" * 400
    assert cache.get_or_compute("big", lambda: big) is big
    assert cache.stats().entries == 0, "a result larger than the budget is returned, not kept"
    for key in range(10):
        cache.get_or_compute(key, lambda: "y" * 60)
    assert cache.stats().bytes <= 300
    assert cache.stats().entries == 300 // approximate_size("y" * 60)


def test_equal_arguments_share_one_key_however_their_parts_are_shared():
    """A page's arguments equal the warm-up's without being the same objects: a city id read from the URL
    is a string of its own, while the warm-up's is the data's, met again in the colours. One result."""
    cache = ResultCache(max_entries=4, max_bytes=10_000)
    built = []

    def build(chosen: list[str], colours: dict[str, str]) -> str:
        built.append(chosen)
        return ", ".join(colours[city] for city in chosen)

    city = "copenhagen"
    from_the_url = city[:5] + city[5:]
    assert from_the_url == city and from_the_url is not city
    warmed = cache.once(build, [city], {city: "#0072B2"})
    assert cache.once(build, [from_the_url], {city: "#0072B2"}) is warmed
    assert built == [[city]]
    assert cache.once(build, [city], {city: "#D55E00"}) != warmed, "other values, another result"


def test_threads_share_the_cache_and_every_result_answers_its_own_question(root):
    store = get_store(paths.extracts_dir(root))
    city_ids = [city["city_id"] for city in queries.cities(store)]
    expected = {
        city_id: store.query("city_observations", city_id=city_id).to_pylist() for city_id in city_ids
    }
    small = ResultCache(max_entries=3, max_bytes=10**9)
    errors: list[BaseException] = []
    wrong: list[str] = []

    def work(offset: int) -> None:
        try:
            for step in range(40):
                city_id = city_ids[(offset + step) % len(city_ids)]
                rows = queries.city_observations(store, city_id=city_id)
                if rows != expected[city_id]:
                    wrong.append(city_id)
                key = ("shared", city_id)
                if small.get_or_compute(key, lambda city_id=city_id: city_id) != city_id:
                    wrong.append(city_id)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and wrong == []
    stats = small.stats()
    assert stats.entries <= 3 and stats.bytes == sum(size for _, size in small._entries.values())


def facilities_chart(root, data_version: str):
    """The Overview's chart of facilities per country, through `built_once`."""
    store = get_store(paths.extracts_dir(root))
    counts = latest_facility_counts(queries.area_observations(store, metric_id="facilities_count"))
    return built_once(
        latest_by_area_figure,
        counts.countries,
        title="Facilities",
        subtitle="",
        axis_title="Facilities",
        data_version=data_version,
        published_on="2026-01-01",
    )


def test_a_figure_is_built_once_for_the_same_data_and_version(root):
    first = facilities_chart(root, "v1")
    again = facilities_chart(root, "v1")
    newer = facilities_chart(root, "v2")
    assert again is first
    assert newer is not first and "v2" in newer.layout.annotations[0].text
    assert FIGURES.stats().entries >= 2


def test_a_pages_view_is_built_once_per_data_and_language_and_afresh_for_a_new_version(root):
    """A filter change shows a view many sessions have seen: the same figure, rows and words."""
    store = get_store(paths.extracts_dir(root))
    counts = latest_facility_counts(queries.area_observations(store, metric_id="facilities_count"))
    first = views.facilities_by_country(counts, store.release)
    assert views.facilities_by_country(counts, store.release) is first
    with in_language("fr"):
        french = views.facilities_by_country(counts, store.release)
    assert french is not first and french.title != first.title
    newer = replace(store.release, data_version="v2")
    assert views.facilities_by_country(counts, newer) is not first


def test_a_shared_figure_is_drawn_once_for_the_screen_and_once_with_its_words_inside(root):
    """Every rerun of every session draws the same shared figure: the copy made to draw it is made once."""
    figure = facilities_chart(root, "v1")
    screen = drawn_once(figure, words_inside=False)
    inside = drawn_once(figure, words_inside=True)
    assert drawn_once(figure, words_inside=False) is screen
    assert drawn_once(figure, words_inside=True) is inside
    assert screen.to_dict() == for_screen(figure).to_dict()
    assert inside.to_dict() == with_words_inside(figure).to_dict()


def test_a_figure_drawn_with_its_words_inside_is_the_figure_as_built_less_the_unescaped_copy_of_them(root):
    """Drawing copies a figure from its dict and hands it the shared template as it is, not rebuilt (Plotly
    rebuilding the template was most of the time of a copy): nothing else of the figure changes."""
    figure = facilities_chart(root, "v1")
    expected = figure.to_dict()
    assert expected["layout"].pop("meta")["words"]
    drawn = with_words_inside(figure).to_dict()
    assert drawn == expected
    assert drawn["layout"]["template"] == figure.layout.template.to_plotly_json()


def test_a_drawn_figure_makes_its_dict_once_and_hands_out_a_fresh_top_level(root):
    """Streamlit asks for the dict of a drawn figure on every rerun: it is the same dict each time, equal
    to Plotly's own, and what a caller adds to its top level (as Plotly's pickling does) stays out of it."""
    drawn = drawn_once(facilities_chart(root, "v1"), words_inside=False)
    first, second = drawn.to_dict(), drawn.to_dict()
    assert first["data"] is second["data"] and first["layout"] is second["layout"]
    assert first == go.Figure.to_dict(drawn)  # what Plotly itself makes of the figure
    first["added"] = None
    pickle.dumps(drawn)
    assert set(drawn.to_dict()) == {"data", "layout"}


def test_what_is_derived_from_an_object_goes_with_it():
    """A chart of a visitor's upload lives for one run: what was drawn from it is not kept after it."""

    class Source:
        pass

    derived = DerivedOnce()
    made: list[str] = []
    source = Source()
    assert derived.get(source, "drawn", lambda: made.append("drawn") or "result") == "result"
    assert derived.get(source, "drawn", lambda: made.append("again") or "other") == "result"
    assert derived.get(source, "other", lambda: "second") == "second"
    assert made == ["drawn"] and len(derived) == 2
    del source
    gc.collect()
    assert len(derived) == 0


def test_tables_made_anew_with_the_same_rows_share_one_key():
    """A page builds its data table again on every rerun; what is derived from it is keyed by content."""
    rows = {"city": ["Paris", "Liège"], "value": [28, None]}
    assert content_digest(pa.table(rows)) == content_digest(pa.table(rows))
    assert content_digest(pa.table(rows)) != content_digest(pa.table({**rows, "value": [29, None]}))
    assert content_digest(pa.table(rows)) != content_digest(
        pa.table({"town": rows["city"], "value": [28, None]})
    )


def test_a_kept_table_is_digested_once(monkeypatch):
    """A query's result comes back as the same object on every rerun: its digest is not made again. (That
    what is derived goes with its object is `DerivedOnce`'s own test.)"""
    digested: list[pa.Table] = []
    stream_digest = cache_module._stream_digest
    monkeypatch.setattr(
        cache_module, "_stream_digest", lambda table: digested.append(table) or stream_digest(table)
    )
    rows = {"city": ["Paris"], "value": [28]}
    kept, made_anew = pa.table(rows), pa.table(rows)
    assert content_digest(kept) == content_digest(kept) == content_digest(made_anew)
    # Counted by identity: a warm-up thread left by another test may digest its own tables meanwhile.
    assert [table is kept for table in digested if table is kept or table is made_anew] == [True, False]


def test_a_figure_is_built_again_for_a_reader_of_another_language(root):
    """Figures carry words: one built for a French reader is never served to an English one."""
    english = facilities_chart(root, "v1")
    with in_language("fr"):
        french = facilities_chart(root, "v1")
        assert facilities_chart(root, "v1") is french
    assert french is not english
    assert french.layout.separators != english.layout.separators  # 3 090,5 against 3,090.5


def test_rows_put_in_the_readers_language_leave_the_shared_rows_as_the_data_has_them(tmp_path, counted):
    write_sources(paths.sources_dir(tmp_path), translations=TRANSLATIONS)
    build(tmp_path)
    store = get_store(paths.extracts_dir(tmp_path))
    with in_language("fr"):
        french = queries.city_observations(store, city_id="copenhagen")
    english = queries.city_observations(store, city_id="copenhagen")
    assert counted.count("city_observations") == 1, "one query serves both languages"
    users = [row["metric"] for row in english if row["metric_id"] == "registered_users"]
    assert users and set(users) == {"Registered users"}
    assert {row["metric"] for row in french if row["metric_id"] == "registered_users"} == {
        "Usagers inscrits (fixture)"
    }


def test_the_upload_example_is_checked_once_per_store_and_shared(root, counted):
    """The template's example holds nothing of a visitor's: one check and one store serve every visitor."""
    store = get_store(paths.extracts_dir(root))
    first = upload_example(store)
    asked = len(counted)
    again = upload_example(store)
    assert again is first and len(counted) == asked
    assert first.store is not None and not first.store.private
    queries.cities(first.store)
    queries.cities(first.store)
    assert counted[asked:] == ["cities"]


def test_every_citys_queries_and_every_view_are_warmed_up_once_per_store(root, counted):
    store = get_store(paths.extracts_dir(root))
    warm_up(store)
    warm_up(store)
    assert wait_for_warm_up(timeout_s=120)
    asked = len(counted)
    built, linked = VIEWS.stats().misses, LINKED_TABLES.stats().misses
    for page in PAGES:
        for embeddable in page.static_views(store) if page.static_views else ():
            view = embeddable.build()
            assert drawn_once(view.figure, words_inside=True) is drawn_once(view.figure, words_inside=True)
            linked_table(view.table)
    assert VIEWS.stats().misses == built
    assert LINKED_TABLES.stats().misses == linked
    for city in queries.cities(store):
        queries.city_observations(store, city_id=city["city_id"])
        queries.city_breakdowns(store, city_id=city["city_id"])
        queries.city_events(store, city_id=city["city_id"])
        queries.city_related_services(store, city_id=city["city_id"])
    assert counted[asked:] == []


def test_a_share_link_opened_after_the_warm_up_waits_for_no_view(root, monkeypatch):
    """Every view a share link can name on Compare cities, drawn by the page itself from its URL, is one
    the warm-up made: its arguments come from the URL and the widgets, not from the warm-up's objects."""
    monkeypatch.setenv("SDCF_DATA_DIR", str(root))
    store = get_store(paths.extracts_dir(root))
    warm_up(store)
    assert wait_for_warm_up(timeout_s=120)
    links = {json.dumps(shared.params, sort_keys=True) for shared in COMPARE_CITIES.static_views(store)}
    assert len(links) > 1
    built = VIEWS.stats().misses
    for link in sorted(links):
        app = run_page_in_app(COMPARE_CITIES.file, **json.loads(link))
        assert not app.exception and app.get("plotly_chart")
        assert VIEWS.stats().misses == built, f"the page built a view for {link}"


def test_a_publication_drops_the_replaced_versions_views_and_a_rollback_warms_them_again(root):
    """The new version's views take the old one's place in memory, not a place beside them; the version a
    rollback makes current again is made ready again. What a warm-up made ready is kept out of the garbage
    collector's sight until a publication replaces it. Query results stay: they are small, scoped to their
    store, and let a rollback rebuild its views without querying again while visitors wait."""
    extracts = paths.extracts_dir(root)
    first = get_store(extracts)
    VIEWS.clear()  # only this data's views, from here on
    warm_up(first)
    assert wait_for_warm_up(timeout_s=120)
    warmed = VIEWS.stats().entries
    assert warmed and FIGURES.stats().entries and RESULTS.stats().entries
    assert gc.get_freeze_count() > 0  # what is ready is out of the collector's way (`gc.freeze`)

    write_sources(paths.sources_dir(root), observations=edit_row(0, notes="a correction"))
    build(root)
    kept_rows = RESULTS.stats().entries
    second = get_store(extracts)
    assert second.data_version != first.data_version
    assert VIEWS.stats().entries == FIGURES.stats().entries == 0
    assert RESULTS.stats().entries >= kept_rows > 0
    assert gc.get_freeze_count() == 0  # handed back to the collector, which freed the replaced views
    warm_up(second)
    assert wait_for_warm_up(timeout_s=120)
    assert VIEWS.stats().entries == warmed

    rollback(root)
    again = get_store(extracts)
    assert again.data_version == first.data_version and VIEWS.stats().entries == 0
    warm_up(again)
    assert wait_for_warm_up(timeout_s=120)
    assert VIEWS.stats().entries == warmed


def test_only_the_current_version_is_warmed_up_and_a_replaced_ones_warm_up_stops(root, monkeypatch):
    """A publish starts the warm-up of the new version when a page opens it; the warm-up of the version it
    replaced stops after the view it is making, and a version an embed pins is never warmed up."""
    extracts = paths.extracts_dir(root)
    first = get_store(extracts)
    prepared = []
    prepare = warming._prepare

    def publish_after_the_first_view(view):
        prepared.append(view.key)
        if len(prepared) == 1:
            write_sources(paths.sources_dir(root), observations=edit_row(0, notes="a correction"))
            build(root)
            assert get_store(extracts).data_version != first.data_version
        prepare(view)

    monkeypatch.setattr(warming, "_prepare", publish_after_the_first_view)
    warm_up(first)
    assert wait_for_warm_up(timeout_s=120)
    assert len(prepared) == 1
    warm_up(get_store(extracts, version=first.data_version))
    assert wait_for_warm_up(timeout_s=120)
    assert len(prepared) == 1, "the pinned version is not warmed up"
