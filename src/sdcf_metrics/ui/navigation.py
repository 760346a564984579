"""The one list of the dashboard's pages: file, title, icon, URL path and what a reader finds there.

The home page's "Explore" tiles, the sidebar menu, every link between pages, the share links and the
browser tests all read it, so a page is added (or renamed, or given another icon) here and nowhere else;
a test checks that every file in `pages/` is listed and that each URL path is the one Streamlit serves.

The app keeps Streamlit's folder-based pages (`pages/`), not `st.navigation`: with a `pages/` folder,
`st.navigation` gives the first visitor who opens a shared link after a start the legacy menu and runs
the page without its frame. Streamlit serves `pages/3_Needle_litter.py` at `/Needle_litter`.

Titles and descriptions are English messages, translated where they are shown. `static_views` names the
`views` generator of the charts a share link can name on the page, which `publish-static` writes as static
files. Nothing here imports Streamlit, so the tests, the benchmarks and the command line can read the list
without starting an app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase

from .. import views
from ..store import Store


@dataclass(frozen=True)
class Page:
    """One page: the script Streamlit runs, how menus and links name it, and where it is served.

    `charts` are the keys of the charts an embed may ask the page for (`?chart=`), as patterns
    (`litter-*`); a test checks them against the page's `show_chart` calls. `static_views` lists the views
    of those charts that `publish-static` writes (each page's default view and every view a share link
    can name).
    """

    file: str
    title: str
    icon: str
    url_path: str
    description: str
    charts: tuple[str, ...] = ()
    static_views: Callable[[Store], Iterator[views.Embeddable]] | None = None

    def may_draw(self, chart: str) -> bool:
        """Whether an embed of `chart` can be drawn by this page."""
        return any(fnmatchcase(chart, pattern) for pattern in self.charts)


OVERVIEW = Page(
    "app.py",
    "Overview",
    ":material/home:",
    "",
    "Europe at a glance, and the focus cities' latest figures.",
    ("facilities-by-country",),
    static_views=views.overview_charts,
)
CITY_TRENDS = Page(
    "pages/1_City_trends.py",
    "City trends",
    ":material/timeline:",
    "City_trends",
    "One city's figures over time, with its events.",
    ("city-trend",),
    static_views=views.city_trend_charts,
)
COMPARE_CITIES = Page(
    "pages/2_Compare_cities.py",
    "Compare cities",
    ":material/compare_arrows:",
    "Compare_cities",
    "The same figure across cities, with what makes them comparable or not.",
    ("compare-latest", "compare-time", "compare-national"),
    static_views=views.compare_charts,
)
NEEDLE_LITTER = Page(
    "pages/3_Needle_litter.py",
    "Needle litter",
    ":material/cleaning_services:",
    "Needle_litter",
    "Syringes found in public space, before and after rooms opened.",
    ("litter-*",),
    static_views=views.litter_charts,
)
FACILITIES = Page(
    "pages/4_Facilities.py",
    "Facilities",
    ":material/location_on:",
    "Facilities",
    "Where the rooms are and when they opened.",
    ("facilities-map",),
    static_views=views.facilities_charts,
)
DATA_AND_SOURCES = Page(
    "pages/5_Data_and_sources.py",
    "Data and sources",
    ":material/table_view:",
    "Data_and_sources",
    "Every figure with its source and quote, and the downloads.",
)
METHODOLOGY = Page(
    "pages/6_Methodology.py",
    "Methodology",
    ":material/menu_book:",
    "Methodology",
    "What each figure means, and why some cannot be compared.",
)
YOUR_CITY = Page(
    "pages/7_Your_city.py",
    "Your city",
    ":material/upload_file:",
    "Your_city",
    "Check a file of your city's figures and see them beside the published cities.",
)

ACCESSIBILITY = Page(
    "pages/8_Accessibility.py",
    "Accessibility",
    ":material/accessibility_new:",
    "Accessibility",
    "How the dashboard meets WCAG 2.1 AA, what does not yet, and how to report a barrier.",
)

# In menu order: the home page first.
PAGES: tuple[Page, ...] = (
    OVERVIEW,
    CITY_TRENDS,
    COMPARE_CITIES,
    NEEDLE_LITTER,
    FACILITIES,
    DATA_AND_SOURCES,
    METHODOLOGY,
    YOUR_CITY,
    ACCESSIBILITY,
)


def url_paths() -> list[str]:
    """The URL path of every page ("" for the home page), in menu order."""
    return [page.url_path for page in PAGES]


def page_at(url_path: str) -> Page | None:
    """The page served at `url_path`, or None."""
    return next((page for page in PAGES if page.url_path == url_path), None)
