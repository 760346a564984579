"""The page list: each page is served where the list says, and named in words translators can reach."""

from __future__ import annotations

import json
import re

from sdcf_metrics import paths
from sdcf_metrics.ui.navigation import OVERVIEW, PAGES, page_at, url_paths

CATALOGUE = json.loads((paths.PROJECT_ROOT / "src/sdcf_metrics/locales/en.json").read_text("utf-8"))


def test_each_url_path_is_the_one_streamlit_serves_the_file_at():
    """Folder-based pages: `pages/3_Needle_litter.py` is served at `/Needle_litter`, the home page at `/`."""
    for page in PAGES:
        if page is OVERVIEW:
            assert (page.file, page.url_path) == ("app.py", "")
        else:
            assert page.url_path == re.sub(r"^\d+_", "", page.file.removeprefix("pages/").removesuffix(".py"))


def test_every_page_has_its_own_title_icon_and_path():
    for field in ("file", "title", "icon", "url_path"):
        values = [getattr(page, field) for page in PAGES]
        assert len(set(values)) == len(values), field
    assert all(page.icon.startswith(":material/") and page.description for page in PAGES)


def test_titles_and_descriptions_are_in_the_english_catalogue():
    words = [word for page in PAGES for word in (page.title, page.description)]
    assert [word for word in words if word not in CATALOGUE] == []


def test_a_url_path_finds_its_page():
    assert url_paths()[0] == ""
    assert page_at("Compare_cities").title == "Compare cities"
    assert page_at("Nowhere") is None
