"""What sits beside every chart: its data as CSV/XLSX, its image as PNG/SVG, a link, an embed, a citation."""

from __future__ import annotations

import csv
import io

import pyarrow as pa
from apptest_helpers import (
    chart_frames,
    chart_specs,
    open_chart_tool,
    record_downloads,
    run_page,
    with_tables_open,
)
from openpyxl import load_workbook

from sdcf_metrics import images
from sdcf_metrics.charts import attributed_figure, chart_words
from sdcf_metrics.i18n import in_language
from sdcf_metrics.store import get_store
from sdcf_metrics.ui.downloads import chart_downloads
from sdcf_metrics.untrusted import escape_markdown

TRENDS = "pages/1_City_trends.py"


def test_chart_data_downloads_hold_exactly_the_plotted_rows_with_their_sources():
    store = get_store()
    table = pa.table(
        {
            "City": ["Copenhagen", '=HYPERLINK("http://x")'],
            "Value": [3090.0, 5.0],
            "Source": ["The Copenhagen Post", "Test source"],
            "Link or reference": ["https://cphpost.dk/x", "https://example.org"],
        }
    )
    make_csv, make_xlsx = chart_downloads(table, "Registered users, Copenhagen", store, "People registered.")
    csv_bytes, xlsx_bytes = make_csv(), make_xlsx()
    rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert [row["City"] for row in rows] == ["Copenhagen", '\'=HYPERLINK("http://x")']
    assert [row["Value"] for row in rows] == ["3090", "5"]
    workbook = load_workbook(io.BytesIO(xlsx_bytes))
    about = dict(workbook["About"].iter_rows(values_only=True))
    assert about["Sources"] == "Test source; The Copenhagen Post"
    assert about["Definition"] == "People registered."
    assert store.data_version in about["Data version"]
    assert "CC BY 4.0" in about["Licence"]
    assert workbook["data"].max_row == 3


def embeds(app) -> list[str]:
    return [code.value for code in app.get("code") if "<iframe" in code.value]


def test_every_chart_offers_data_and_image_downloads_and_sharing(monkeypatch):
    downloads = record_downloads(monkeypatch)
    app = run_page(TRENDS, city="copenhagen", metric="registered_users")
    assert not app.exception
    assert [button.label for button in app.button][:2] == ["Download", "Share"]
    assert not app.download_button and not embeds(app), "the dialogs are drawn when opened"
    open_chart_tool(app, "download")
    labels = [button.label for button in app.download_button]
    assert labels == ["Data (CSV)", "Data (Excel)", "Image (PNG)", "Image (SVG)"]
    saved = {item.label: item for item in downloads(app)}
    assert all(saved[label].made_on_click for label in ("Data (CSV)", "Data (Excel)", "Image (PNG)"))
    assert saved["Data (CSV)"].file_name.endswith(f"-{get_store().data_version}.csv")
    rows = list(csv.DictReader(io.StringIO(saved["Data (CSV)"].data.decode("utf-8-sig"))))
    assert any(row["Value"] == "3090" and row["Publisher"] == "The Copenhagen Post" for row in rows)
    shared = [element.value for element in open_chart_tool(app, "share").get("code")]
    assert any("<iframe" in text and "embed=true" in text for text in shared)
    assert any("Data version" in text for text in shared)
    assert not app.run().download_button and not embeds(app), "a dialog closes with the next run"


def test_without_a_browser_the_page_points_to_the_toolbar_camera(monkeypatch):
    monkeypatch.setattr(images, "browser_path", lambda: None)
    app = open_chart_tool(run_page(TRENDS, city="copenhagen"), "download")
    assert not app.exception
    assert [button.label for button in app.download_button] == ["Data (CSV)", "Data (Excel)"]
    assert any("camera icon" in caption.value for caption in app.caption)


def test_a_chart_names_its_sources_once_as_links_between_its_note_and_its_licence():
    """The image's plain source line and the page's links name the same sources: the page writes them
    once, linked, in the caption under the plot."""
    app = run_page(TRENDS, city="copenhagen", metric="registered_users")
    (chart,) = chart_frames(app)
    lines = chart.footer.split("  \n")
    (sources,) = [line for line in lines if line.startswith("Source")]
    assert "](https://" in sources and "The Copenhagen Post" in sources
    assert lines[-1].startswith(escape_markdown("Licence: CC BY 4.0"))
    assert not [caption for caption in app.caption if caption.value.startswith("Source")], "written once"


def test_a_figure_source_line_that_says_more_than_its_data_stays_beside_the_links():
    """The map's source line also credits its outlines, which no row of its data names."""
    app = run_page("pages/4_Facilities.py")
    (chart,) = chart_frames(app)
    assert "Natural Earth" in chart.footer and "](https://" in chart.footer


def test_chart_only_embed_shows_one_chart_and_its_attribution():
    version = get_store().data_version
    app = run_page(TRENDS, city="brussels", metric="visits", chart="city-trend", v=version)
    assert not app.exception
    (chart,) = chart_frames(app)
    assert "Brussels" in chart.heading
    assert escape_markdown("CC BY 4.0") in chart.footer and version in chart.footer
    assert not app.title and not app.selectbox
    assert [button.label for button in app.get("link_button")] == ["Explore the full dashboard"]


def test_an_unknown_pinned_version_falls_back_to_the_current_data():
    app = run_page(TRENDS, city="brussels", chart="city-trend", v="000000000000")
    assert not app.exception
    assert len(chart_specs(app)) == 1


def test_a_chart_exported_in_french_has_french_headers_and_attribution(monkeypatch):
    """The data files of a French page: French column names, a French About sheet, the French licence
    note and citation; the source's own words stay as the source wrote them."""
    downloads = record_downloads(monkeypatch)
    page = run_page(TRENDS, city="copenhagen", metric="registered_users", lang="fr")
    app = open_chart_tool(page, "download")
    assert not app.exception
    saved = {item.label: item for item in downloads(app)}
    rows = list(csv.DictReader(io.StringIO(saved["Données (CSV)"].data.decode("utf-8-sig"))))
    assert {"Période", "Chiffre", "Valeur", "Éditeur", "Citation"} <= set(rows[0])
    copenhagen = next(row for row in rows if row["Valeur"] == "3090")
    assert copenhagen["Éditeur"] == "The Copenhagen Post"
    assert copenhagen["Période"].startswith("depuis l'ouverture")
    workbook = load_workbook(io.BytesIO(saved["Données (Excel)"].data))
    about = dict(workbook["About"].iter_rows(values_only=True))
    assert about["Graphique"].startswith("Usagers inscrits, Copenhagen")
    assert about["Licence"].startswith("Compilation sous licence CC BY 4.0")
    assert about["Comment citer"].startswith("Contributeurs de sdcf-metrics")
    assert "Version des données" in about


def test_an_image_made_in_french_carries_french_attribution():
    with in_language("fr"):
        title, subtitle = "Usagers inscrits, Copenhague", "Depuis l'ouverture"
        figure = attributed_figure(title, subtitle, ["The Copenhagen Post"], "abc123", "2026-11-23")
    footer = chart_words(figure).footer[-1]
    assert footer.startswith("Licence\u00a0: CC BY 4.0 · Version des données abc123 (23 nov. 2026)")
    assert chart_words(figure).footer[0] == "Source\u00a0: The Copenhagen Post"
    svg = images.render(figure, "svg").decode()  # the server's Chromium, as in CI (`.ci/run` installs it)
    assert "Version des données abc123" in svg and "Usagers inscrits, Copenhague" in svg


def test_a_page_checks_the_published_files_once_per_run_however_many_charts_it_draws(monkeypatch):
    """Opening the store reads the pointer and the manifest and checks every table file: the frame does it
    once, and each chart of the run uses the store it opened."""
    from sdcf_metrics import store as store_module

    opened = []
    real_release_of = store_module.release_of

    def counted(*args, **kwargs):
        opened.append(args)
        return real_release_of(*args, **kwargs)

    app = run_page("pages/2_Compare_cities.py")
    monkeypatch.setattr(store_module, "release_of", counted)
    app.run()
    assert len(chart_frames(app)) > 1
    assert len(opened) == 1


def test_the_data_behind_a_chart_is_drawn_once_a_reader_opens_it_and_while_it_stays_open():
    app = run_page(TRENDS, city="copenhagen", metric="registered_users")
    assert "Data behind this chart (1 rows)" in [expander.label for expander in app.expander]
    assert not app.dataframe
    opened = with_tables_open(app).dataframe  # the chart's rows, and the page's events and parts
    assert list(opened[0].value["Value"]) == [3090]
    assert len(app.run().dataframe) == len(opened), "still open on the next run"
