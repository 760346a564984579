"""Links reopen a view; embeds pin the data version; snippets keep data values inert."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sdcf_metrics.sharing import app_root, embed_url, iframe_snippet, view_url

PAGES = ["City_trends", "Compare_cities", "Chart"]


def test_app_root_strips_the_page_but_keeps_a_base_path():
    assert app_root("http://127.0.0.1:8501/City_trends?city=x", PAGES) == "http://127.0.0.1:8501"
    assert app_root("http://127.0.0.1:8501/", PAGES) == "http://127.0.0.1:8501"
    assert app_root("https://example.org/dash/Compare_cities", PAGES) == "https://example.org/dash"
    assert app_root("https://example.org/dash/", PAGES) == "https://example.org/dash"


def test_view_url_keeps_repeated_parameters_and_drops_empty_ones():
    url = view_url(
        "http://h", "Compare_cities", {"cities": ["copenhagen", "brussels"], "metric": "visits", "q": ""}
    )
    parts = urlsplit(url)
    assert parts.path == "/Compare_cities"
    assert parse_qs(parts.query) == {"cities": ["copenhagen", "brussels"], "metric": ["visits"]}


def test_home_page_url_has_no_page_segment():
    assert view_url("http://h", "", {}) == "http://h/"


def test_embed_pins_the_chart_and_data_version_in_chromeless_mode():
    url = embed_url("http://h", "City_trends", "city-trend", "abc123", {"city": ["paris"]})
    parts = urlsplit(url)
    assert parts.path == "/City_trends"
    expected = {"city": ["paris"], "chart": ["city-trend"], "v": ["abc123"], "embed": ["true"]}
    assert parse_qs(parts.query) == expected


def test_iframe_snippet_escapes_title_and_url():
    snippet = iframe_snippet('http://h/Chart?a=1&b="x"', '<img src=x onerror=alert(1)> "quoted"')
    assert "<img" not in snippet
    assert "&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot;" in snippet
    assert 'src="http://h/Chart?a=1&amp;b=&quot;x&quot;"' in snippet
