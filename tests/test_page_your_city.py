"""The "Your city" page as a city's data officer meets it: the format and the template, a file checked in
memory, its problems listed by row and column, and its figures beside the published cities, marked "not
published". Nothing of an upload is published, cached, written to disk or seen by another session, and
hostile files and names meet a clear message and inert text.

Uploads go through AppTest's own `file_uploader` (Streamlit 1.67 sets a file on the widget, as a browser
would), so the page runs as it does for a visitor. Files are built in code; most tests run on the
published data, whose Copenhagen figure (3,090 registered users since opening) is the point of comparison.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from apptest_helpers import (
    build_dataset,
    chart_frames,
    chart_specs,
    has_live_markup,
    numbers,
    open_chart_tool,
    record_downloads,
    rendered_markdown,
    run_page_in_app,
    with_tables_open,
)
from streamlit.runtime.caching.cache_data_api import get_data_cache_stats_provider
from streamlit.runtime.caching.cache_resource_api import get_resource_cache_stats_provider
from streamlit.testing.v1 import AppTest

from benchmarks.survey import placed_elements
from sdcf_metrics import paths, your_city
from sdcf_metrics.compare.normalise import Denominators
from sdcf_metrics.export import FORMULA_TRIGGERS
from sdcf_metrics.pipeline.cells import Problem
from sdcf_metrics.pipeline.disclosure import DisclosureReport
from sdcf_metrics.pipeline.template import template_csv, template_xlsx
from sdcf_metrics.pipeline.upload.preview import preview_upload
from sdcf_metrics.schema import UPLOAD_COLUMNS
from sdcf_metrics.store import get_store
from sdcf_metrics.ui.upload_example import EXAMPLE_TABLES
from sdcf_metrics.untrusted import escape_label, escape_markdown

PAGE = "pages/7_Your_city.py"
NEW_CITY = "Münsterhausen (fixture)"
MARKED = f"{NEW_CITY} (not published)"

# One figure about a city the dashboard does not list; each row of a file changes what it is about.
FIGURE = {
    "city": NEW_CITY,
    "country": "Testland",
    "metric": "registered_users",
    "period_kind": "since_opening",
    "unit": "persons",
    "counted_as": "registered users (fixture)",
    "source_title": "Münsterhausen consumption room, annual report (fixture)",
    "source_publisher": "Münsterhausen health department (fixture)",
    "source_date": "2024-03",
    "source_url": "https://example.org/muensterhausen-report.pdf",
}
REGISTERED = ((2021, 1234), (2022, 1310), (2023, 1402))


def figure_rows(decimal_comma: bool = False) -> list[dict[str, str]]:
    """Registered users at three year ends and an average of visits per day, written as the file's
    locale writes numbers (`1.234` and `85,5` where the comma marks decimals)."""
    rows = [
        {
            **FIGURE,
            "period_end": f"{year}-12-31",
            "value": f"{value // 1000}.{value % 1000:03d}" if decimal_comma else str(value),
            "quote": f"{value} users had registered by the end of {year} (fixture).",
        }
        for year, value in REGISTERED
    ]
    visits = {
        "metric": "visits",
        "period_kind": "year",
        "period_start": "2023",
        "period_end": "2023",
        "value": "85,5" if decimal_comma else "85.5",
        "qualifier": "about",
        "rate_per": "day",
        "unit": "visits",
        "counted_as": "visits a day (fixture)",
        "quote": "About 85.5 visits a day in 2023 (fixture).",
    }
    return [*rows, {**FIGURE, **visits}]


def csv_file(rows: list[dict[str, str]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(UPLOAD_COLUMNS)
    writer.writerows([row.get(column, "") for column in UPLOAD_COLUMNS] for row in rows)
    return buffer.getvalue().encode(encoding)


def open_page() -> AppTest:
    app = run_page_in_app(PAGE)
    assert not app.exception
    return app


def upload(app: AppTest, name: str, data: bytes) -> AppTest:
    """Put a file on the page's uploader, as a visitor's browser does, and let the page run."""
    return app.file_uploader[0].set_value((name, data, "text/csv")).run()


def points(spec: dict) -> dict[str, list]:
    """City (the y label) -> the x values drawn for it, in the figure-per-city chart."""
    drawn: dict[str, list] = {}
    for trace in spec["data"]:
        if trace.get("y") and trace["y"][0] is not None:
            # A long name is broken into lines on the chart, so that it fits a phone.
            drawn.setdefault(trace["y"][0].replace("<br>", " "), []).extend(numbers(trace["x"]))
    return drawn


def untrusted_markdown(app: AppTest) -> list[str]:
    """What the last run rendered as Markdown, less the format description (the project's own text,
    whose code spans show `https://` on purpose)."""
    trusted = {your_city.format_tab(label) for label in your_city.FORMAT_TABS}
    return [text for text in rendered_markdown(app) if text not in trusted]


def everything_shown(app: AppTest) -> str:
    """Every text, table cell and chart a reader sees with every table opened, as one string to search."""
    app = with_tables_open(app)
    tables = [frame.value.to_csv() for frame in (*app.dataframe, *app.table)]
    texts = [element.value for element in app.text]
    return "\n".join([*rendered_markdown(app), *tables, *texts, *map(json.dumps, chart_specs(app))])


# Before any upload ------------------------------------------------------------------------------------------


def test_without_a_file_the_page_explains_the_format_offers_the_template_and_previews_its_example(
    monkeypatch,
):
    downloads = record_downloads(monkeypatch)
    app = open_page()
    uploader = app.file_uploader[0]
    assert set(uploader.proto.type) == {".csv", ".tsv", ".txt", ".xlsx"}
    assert uploader.proto.max_upload_size_mb == 5
    assert not any("| `city` | yes |" in text for text in rendered_markdown(app)), "drawn once opened"
    explained = rendered_markdown(with_tables_open(app))
    assert any("| `city` | yes |" in text for text in explained), "the columns are explained"
    labels = [button.label for button in app.download_button]
    assert labels[:2] == ["Template (CSV)", "Template (Excel)"]
    (template,) = [item for item in downloads(app) if item.label == "Template (CSV)"]
    assert template.data == template_csv() and template.file_name.endswith(".csv")

    assert app.info[0].value.startswith("No file yet")
    # Nothing was uploaded, so nothing says "your file" passed: the example rows did.
    assert app.success[0].value.startswith("The template's example rows passed every check.")
    assert "Your file" not in " ".join(rendered_markdown(app))
    trend_title = chart_frames(app)[0].heading
    assert escape_markdown("Exampleville with the template's example rows (not published)") in trend_title
    latest = chart_specs(app)[1]
    assert "Exampleville (not published)" in points(latest)
    assert "Copenhagen" in points(latest)


def test_a_chart_over_time_that_comes_and_goes_moves_nothing_under_it():
    """A kind of period with one date says so in a line instead of a chart; the elements under it keep
    their place, so the browser redraws only what changed."""
    app = open_page()
    assert any("exist for one date only" in caption.value for caption in app.caption)
    before = placed_elements(app)
    app.selectbox(key="widget:period").set_value("since_opening").run()
    assert not any("exist for one date only" in caption.value for caption in app.caption)
    assert len(chart_specs(app)) == 3
    after = placed_elements(app)
    (contact,) = [place for place, drawn in after.items() if b"To publish your figures" in drawn]
    assert after[contact] == before.get(contact)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_templates_own_rows_pass_the_check_the_page_runs(kind):
    store = get_store()
    data = template_csv() if kind == "csv" else template_xlsx(store.query("metrics").to_pylist())
    preview = preview_upload(data, f"template.{kind}", store)
    assert preview.ok, preview.problems
    assert preview.city_ids == ["exampleville"] and preview.notes == []


# A valid file -----------------------------------------------------------------------------------------------

VARIANTS = {
    "commas, UTF-8": (",", "utf-8", False, []),
    "semicolons and decimal commas, UTF-8": (";", "utf-8", True, ["cells separated by semicolons"]),
    "semicolons and decimal commas, Latin-1": (
        ";",
        "latin-1",
        True,
        ["read as Windows-1252", "cells separated by semicolons"],
    ),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_valid_file_puts_the_city_beside_copenhagen_marked_not_published(variant, monkeypatch):
    delimiter, encoding, decimal_comma, said = VARIANTS[variant]
    downloads = record_downloads(monkeypatch)
    app = upload(open_page(), "münsterhausen.csv", csv_file(figure_rows(decimal_comma), delimiter, encoding))
    assert not app.exception and not app.error
    assert "Figures in it: 4. New: 4" in app.success[0].value
    assert any(
        f"{escape_markdown(NEW_CITY)} (new to the dashboard)" in text for text in rendered_markdown(app)
    )
    notes = app.info[0].value if said else ""
    assert all(escape_markdown(words) in notes for words in said)

    trend_frame, latest_frame, _ = chart_frames(app)
    trend, latest = trend_frame.spec, latest_frame.spec
    assert trend_frame.heading.startswith(
        "**" + escape_markdown(f"Registered users, {NEW_CITY} with your file (not published)") + "**"
    )
    (yours,) = [
        trace for trace in trend["data"] if trace.get("name", "").startswith("Whole city (not published)")
    ]
    assert numbers(yours["y"]) == [1234.0, 1310.0, 1402.0]

    drawn = points(latest)
    assert drawn[MARKED] == [1402.0]
    assert drawn["Copenhagen"] == [3090.0]
    assert escape_markdown(f"{MARKED}: figures from your file") in latest_frame.footer
    behind = with_tables_open(app).dataframe[2].value
    assert list(behind["City"])[:2] == [MARKED, "Copenhagen"]
    assert list(behind["Publication"])[:2] == ["not published: your file", "published"]
    assert behind["Comparability"][0] == "reference"

    assert not [button for button in app.button if str(button.key).startswith("share:")], "nor an embed"
    assert any("No link or embed" in caption.value for caption in app.caption)
    open_chart_tool(app, "download", chart=1)  # the latest figures, the city's beside Copenhagen's
    labels = [button.label for button in app.download_button]
    assert "Image (PNG)" in labels, "rendered on request and never kept (tests/test_images.py)"
    saved = {item.file_name: item.data for item in downloads(app)}
    data_csv = next(data for name, data in saved.items() if name.startswith("registered-users-the-figure"))
    rows = list(csv.DictReader(io.StringIO(data_csv.decode("utf-8-sig"))))
    assert rows[0]["Publication"] == "not published: your file" and rows[0]["City"] == MARKED


def test_a_second_city_in_the_file_is_chosen_in_a_picker_kept_in_the_url():
    other = [{**row, "city": "Betaville (fixture)"} for row in figure_rows()]
    app = upload(open_page(), "two.csv", csv_file([*figure_rows(), *other]))
    assert not app.exception
    picker = app.selectbox(key="widget:upload_city")
    assert picker.options == ["Betaville (fixture)", NEW_CITY]
    assert "Betaville (fixture) (not published)" in points(chart_specs(app)[1])
    picker.set_value("munsterhausen-fixture").run()
    assert app.query_params["upload_city"] == "munsterhausen-fixture"
    assert MARKED in points(chart_specs(app)[1])


def test_a_correction_of_a_published_figure_is_listed_and_shown_apart_from_the_published_ones():
    store = get_store()
    published = next(
        row
        for row in store.query("city_observations", city_id="copenhagen").to_pylist()
        if row["metric_id"] == "registered_users"
    )
    source = store.query("sources").to_pylist()
    cited = next(row for row in source if row["source_id"] == published["source_id"])
    correction = {
        "city": "Copenhagen",
        "country": published["country"],
        "facility": published["facility_id"] or "",
        "metric": "registered_users",
        "period_kind": published["period_kind"],
        "period_start": published["period_start"] or "",
        "period_end": published["period_end"],
        "value": "3100",
        "qualifier": published["qualifier"],
        "unit": published["unit"],
        "counted_as": published["counted_as"],
        "source_title": cited["title"],
        "source_publisher": cited["publisher"],
        "source_url": cited["url"] or "",
        "source_document": cited["document"] or "",
        "quote": published["quote"],
    }
    app = upload(open_page(), "copenhagen.csv", csv_file([correction]))
    assert not app.exception and not app.error
    assert "corrections of published figures: 1" in app.success[0].value
    corrections = next(frame.value for frame in app.dataframe if "Published figure" in frame.value.columns)
    assert list(corrections["Published figure"]) == ["3,090"]
    assert list(corrections["Your figure (not published)"]) == ["3,100"]
    drawn = points(chart_specs(app)[1])
    assert drawn["Copenhagen (not published)"] == [3100.0]
    assert drawn["Copenhagen"] == [3090.0], "the published figure is compared as published"


def test_every_problem_of_every_row_is_reported_at_once_and_the_other_rows_are_previewed():
    """A missing quote no longer hides the same row's future date and negative count, and one bad row no
    longer hides the preview of the good ones: they are drawn, marked not published, beside the list."""
    good = figure_rows()[:2]  # rows 2 and 3
    bad = {**FIGURE, "period_end": "2031-12-31", "value": "-5", "quote": ""}  # row 4
    wrong_metric = {**figure_rows()[2], "metric": "Registered users"}  # row 5
    app = upload(open_page(), "partly.csv", csv_file([*good, bad, wrong_metric]))
    assert not app.exception
    assert app.error[0].value.startswith("Problems found: 4, in 2 of the 4 rows.")
    listed = app.table[0].value
    assert set(zip(listed["Row"], listed["Column"], strict=True)) == {
        ("4", escape_markdown("period_end")),
        ("4", "quote"),
        ("4", "value"),
        ("5", "metric"),
    }
    messages = " ".join(listed["What is wrong and how to fix it"])
    assert "is in the future" in messages and "is negative" in messages
    # The catalogue's suggestion, from the metric's label, and no hint about facility ids.
    assert escape_markdown("(did you mean 'registered_users'?)") in messages
    assert "copenhagen-skyen" not in messages

    assert [header.value for header in app.subheader][:2] == [
        "Rows with problems (2)",
        "Rows that passed every check (2)",
    ]
    passed = next(frame.value for frame in app.dataframe if "Row in your file" in frame.value.columns)
    assert list(passed["Row in your file"]) == [2, 3]
    assert list(passed["Figure"]) == ["1,234", "1,310"]
    trend = chart_specs(app)[0]
    (yours,) = [
        trace for trace in trend["data"] if trace.get("name", "").startswith("Whole city (not published)")
    ]
    assert numbers(yours["y"]) == [1234.0, 1310.0], "only the rows that passed are drawn"
    assert not app.success, "the file did not pass every check"


def test_where_to_send_a_checked_file_is_the_configured_contact(monkeypatch):
    monkeypatch.setenv("SDCF_STEWARD_CONTACT", "data-stewards@efus.example")
    app = upload(open_page(), "ok.csv", csv_file(figure_rows()))
    sent = [text for text in rendered_markdown(app) if "send the checked file" in text]
    assert sent == [
        "Nothing is published from this page. To publish your figures, send the checked file to the "
        "dashboard's data stewards: [data\\-stewards@\u200befus\\.example]"
        "(mailto:data-stewards@efus.example). They check it again and publish it with its sources."
    ]
    monkeypatch.delenv("SDCF_STEWARD_CONTACT")
    app = upload(open_page(), "ok.csv", csv_file(figure_rows()))
    assert any("names no address for them" in text for text in rendered_markdown(app))


# A file with problems ---------------------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example","click")'


def test_a_file_with_problems_lists_each_by_row_and_column_draws_nothing_and_exports_safely(monkeypatch):
    downloads = record_downloads(monkeypatch)
    liege = {
        **FIGURE,
        "city": "Liège",
        "country": "Belgium",
        "period_end": "2022-12-31",
        "value": "12",
        "quote": "12",
    }
    rows = [
        {**liege, "country": FORMULA},
        {**liege, "period_kind": "year", "period_start": "2031", "period_end": "2031"},
        {**liege, "metric": "visitz"},
    ]
    app = upload(open_page(), f"{FORMULA}.csv", csv_file(rows))
    assert not app.exception
    assert app.error[0].value.startswith("Problems found: 4.")
    assert not app.get("plotly_chart") and not app.success
    listed = app.table[0].value
    places = set(zip(listed["Row"], listed["Column"], strict=True))
    assert places == {
        ("2", "country"),
        ("3", escape_markdown("period_start")),
        ("3", escape_markdown("period_end")),
        ("4", "metric"),
    }
    messages = " ".join(listed["What is wrong and how to fix it"])
    assert escape_markdown(FORMULA) in messages and "did you mean 'visits'" in messages
    for text in untrusted_markdown(app):
        assert not has_live_markup(text), text

    (report,) = [item for item in downloads(app) if item.label == "Problem list (CSV)"]
    cells = list(csv.reader(io.StringIO(report.data.decode("utf-8-sig"))))
    assert cells[0] == ["file", "row", "column", "message"]
    assert all(not cell.lstrip(" ").startswith(FORMULA_TRIGGERS) for row in cells for cell in row)
    assert {row[0] for row in cells[1:]} == {f"'{FORMULA}.csv"}, "the file name echoed, neutralised"
    assert any(FORMULA in row[3] for row in cells[1:]), "the cell is quoted as the file has it"


HOSTILE_FILES = {
    "a Windows program renamed .csv": (b"MZ\x90\x00\x03" + bytes(400), "this is a Windows program"),
    "an empty file": (b"", "the file is empty (0 bytes)"),
    "a gzip archive renamed .csv": (b"\x1f\x8b\x08\x00" + bytes(100), "a compressed (gzip) file"),
}


@pytest.mark.parametrize("case", HOSTILE_FILES)
def test_a_file_that_is_no_spreadsheet_gets_a_clear_message_and_no_traceback(case):
    data, message = HOSTILE_FILES[case]
    app = upload(open_page(), "figures.csv", data)
    assert not app.exception
    assert app.error[0].value.startswith("Problems found: 1.")
    (listed,) = app.table[0].value["What is wrong and how to fix it"]
    assert escape_markdown(message) in listed
    assert app.table[0].value["Column"][0] == "whole file"
    assert not app.get("plotly_chart")
    assert "Traceback" not in everything_shown(app)


def test_should_reading_ever_fail_the_visitor_gets_a_problem_and_the_log_no_content(monkeypatch, caplog):
    def broken(data, *_args, **_kwargs):
        raise RuntimeError(data.decode())  # a message that quotes the file

    monkeypatch.setattr(your_city, "preview_upload", broken)
    app = upload(open_page(), "figures.csv", csv_file(figure_rows()))
    assert not app.exception
    (listed,) = app.table[0].value["What is wrong and how to fix it"]
    assert listed.startswith("the file could not be read")
    assert "failed (RuntimeError) on a file of" in caplog.text and "in broken" in caplog.text
    assert NEW_CITY not in caplog.text, "the error's message is not logged: it may quote the file"


# Nothing leaves the session ---------------------------------------------------------------------------------

_writes: list[tuple[object, object]] = []
_watching_writes = [False]


def _record_writes(event: str, args: tuple) -> None:
    """An audit hook (they cannot be removed, so it records only while a test watches)."""
    if _watching_writes[0] and event == "open":
        path, mode, flags = args
        if isinstance(path, int):
            return  # a descriptor already open, such as the pipe to the child process that reads the file
        writing = (isinstance(mode, str) and any(letter in mode for letter in "wax+")) or (
            isinstance(flags, int) and flags & 0b11
        )
        if writing:
            _writes.append((path, mode))


sys.addaudithook(_record_writes)


def test_two_sessions_uploading_at_once_never_see_each_others_figures():
    """T-22: each session's upload lives in its own widget state and its own short-lived store."""
    alpha = [{**row, "city": "Alphaville (fixture)"} for row in figure_rows()]
    beta = [{**row, "city": "Betaville (fixture)"} for row in figure_rows()]
    first, second = open_page(), open_page()
    upload(first, "alpha.csv", csv_file(alpha))
    upload(second, "beta.csv", csv_file(beta))
    first.run()  # a later run of the first session, after the second uploaded
    for app, own, other in ((first, "Alphaville", "Betaville"), (second, "Betaville", "Alphaville")):
        assert not app.exception
        shown = everything_shown(app)
        assert f"{own} (fixture) (not published)" in shown
        assert other not in shown


def test_nothing_of_an_upload_reaches_a_shared_cache_or_the_disk():
    """T-22 and R-2.5: no Streamlit cache entry and no file is written while a file is previewed."""
    app = open_page()
    caches_before = (
        get_data_cache_stats_provider().get_stats(),
        get_resource_cache_stats_provider().get_stats(),
    )
    _writes.clear()
    _watching_writes[0] = True
    try:
        upload(app, "münsterhausen.csv", csv_file(figure_rows()))
    finally:
        _watching_writes[0] = False
    assert not app.exception and chart_specs(app)
    assert _writes == [], "the preview wrote files"
    caches_after = (
        get_data_cache_stats_provider().get_stats(),
        get_resource_cache_stats_provider().get_stats(),
    )
    assert caches_after == caches_before
    for path in (paths.PROJECT_ROOT / PAGE, Path(your_city.__file__)):
        source = path.read_text(encoding="utf-8")
        assert "st.cache" not in source and "open(" not in source and "write_bytes" not in source, path


def test_the_examples_tables_are_kept_like_its_charts_and_an_uploads_never():
    """The example is the same for every visitor, so the tables beside its charts are made once; a
    visitor's own figures are tabulated on each run and kept nowhere."""
    app = open_page()
    first = EXAMPLE_TABLES.stats()
    app.run()
    again = EXAMPLE_TABLES.stats()
    assert first.entries > 0
    assert (again.entries, again.misses) == (first.entries, first.misses) and again.hits > first.hits
    upload(app, "münsterhausen.csv", csv_file(figure_rows()))
    assert not app.exception and chart_specs(app)
    assert EXAMPLE_TABLES.stats().entries == first.entries


def strings_in(value: object) -> list[str]:
    """Every string inside a chart spec: labels, hover texts, titles, annotations."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings_in(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return []


HOSTILE_NAMES = (
    "<img src=x onerror=alert(1)>",
    "[official figures](https://phish.example)",
    "![](https://tracker.example/pixel.png)",
    '<a href="https://phish.example">x</a>',
    '<span style="font-size:300px">big</span>',
)


def test_hostile_city_names_in_an_upload_stay_text_everywhere():
    data = csv_file([{**figure_rows()[0], "city": name} for name in HOSTILE_NAMES])
    city_ids = preview_upload(data, "hostile.csv", get_store()).city_ids
    app = upload(open_page(), "hostile.csv", data)
    assert not app.exception and len(city_ids) == len(HOSTILE_NAMES)
    for city_id in city_ids:
        with_tables_open(app.selectbox(key="widget:upload_city").set_value(city_id).run())
        assert not app.exception
        for text in untrusted_markdown(app):
            assert not has_live_markup(text), text
        labels = [text for spec in chart_specs(app) for text in strings_in(spec)]
        for name in HOSTILE_NAMES:
            assert not [label for label in labels if name in label and "<" in name], name
        shown = next(
            name for name in HOSTILE_NAMES if escape_label(f"{name} (not published)") in " ".join(labels)
        )
        assert any(escape_markdown(shown) in text for text in untrusted_markdown(app))


# Disclosure control ----------------------------------------------------------------------------------------


def published_split(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The fixture's observations and a published 2021 total of 120 users split 5 women, 115 men."""
    split = {
        "scope": "facility",
        "country": "Denmark",
        "city_id": "copenhagen",
        "facility_id": "copenhagen-test-site",
        "metric_id": "registered_users",
        "period_kind": "year",
        "period_start": "2021",
        "period_end": "2021",
        "unit": "persons",
        "qualifier": "exact",
        "source_id": "test-report-a",
        "counted_as": "registered users (fixture)",
        "quote": "120 users in 2021: 5 women and 115 men (fixture).",
    }
    return [
        *rows,
        {**split, "observation_id": "obs-2021-total", "value": "120"},
        {**split, "observation_id": "obs-2021-female", "breakdown": "sex=female", "value": "5"},
        {**split, "observation_id": "obs-2021-male", "breakdown": "sex=male", "value": "115"},
    ]


def test_an_upload_differing_from_a_published_split_in_one_small_cell_reveals_no_small_count(
    tmp_path, monkeypatch
):
    """T-03 and R-1.7: the preview shows protected values only, and no "total minus the rest" figure."""
    monkeypatch.setenv("SDCF_DATA_DIR", str(build_dataset(tmp_path, observations=published_split)))
    same = {
        "city": "Copenhagen",
        "country": "Denmark",
        "facility": "copenhagen-test-site",
        "metric": "registered_users",
        "period_kind": "year",
        "period_start": "2021",
        "period_end": "2021",
        "unit": "persons",
        "counted_as": "registered users (fixture)",
        "source_title": "Test source A (fixture)",
        "source_publisher": "Test publisher (fixture)",
        "source_date": "2021-03",
        "source_url": "https://example.org/fixture-report-a.pdf",
        "quote": "120 users in 2021: 6 women and 114 men (fixture).",
    }
    rows = [
        {**same, "value": "120"},
        {**same, "breakdown": "sex=female", "value": "6"},
        {**same, "breakdown": "sex=male", "value": "114"},
    ]
    app = with_tables_open(upload(open_page(), "copenhagen.csv", csv_file(rows)))
    assert not app.exception and not app.error
    assert any("shown as <10: 1" in text for text in rendered_markdown(app))
    parts = app.dataframe[-1].value
    assert set(parts["Figure"]) == {"<10", "withheld"}
    assert set(parts["Publication"]) == {"not published: your file"}

    small = {5.0, 6.0, 114.0, 115.0}
    drawn = {
        value
        for spec in chart_specs(app)
        for trace in spec["data"]
        for axis in ("x", "y")
        for value in numbers(trace.get(axis) or [])
        if isinstance(value, int | float)
    }
    tabled = {
        value
        for frame in app.dataframe
        for column in ("Value", "Low end", "High end")
        if column in frame.value.columns
        for value in frame.value[column].dropna()
    }
    assert not (drawn | tabled) & small
    shown = everything_shown(app)
    assert "6 women" not in shown and "5 women" not in shown


# The page's library -----------------------------------------------------------------------------------------


def figure_row(observation_id: str, city_id: str = "copenhagen", **values: object) -> dict[str, object]:
    return {
        "observation_id": observation_id,
        "city_id": city_id,
        "city": city_id.title(),
        "facility": None,
        "period_kind": "year",
        "rate_per": None,
        "unit": "persons",
        "period_end_date": None,
        **values,
    }


def test_uploaded_figures_form_series_of_their_own_named_not_published():
    from datetime import date

    rows = [
        figure_row("published-2021", period_end_date=date(2021, 12, 31)),
        figure_row("upload-2022", period_end_date=date(2022, 12, 31)),
    ]
    series = your_city.trend_series(your_city.mark_uploaded(rows, frozenset({"upload-2022"})))
    assert [(item.place, [row["observation_id"] for row in item.rows]) for item in series] == [
        ("Whole city (not published)", ["upload-2022"]),
        ("", ["published-2021"]),
    ]
    assert series[0].rows[0]["city"] == "Copenhagen (not published)"


def test_a_published_city_never_divides_by_an_uploaded_figure():
    published = Denominators(populations=[figure_row("brussels-population", "brussels")])
    combined = Denominators(
        populations=[
            figure_row("upload-population", "liege"),
            figure_row("liege-population", "liege"),
            figure_row("brussels-population", "brussels"),
        ],
        facilities=[{"facility_id": "liege-room", "city_id": "liege", "name": "Room"}],
    )
    merged = your_city.preview_denominators(published, combined, "liege", frozenset({"upload-population"}))
    assert [(row["city_id"], row["city"]) for row in merged.populations] == [
        ("brussels", "Brussels"),
        ("upload:liege", "Liege (not published)"),
        ("upload:liege", "Liege"),
    ]
    assert [row["city_id"] for row in merged.facilities] == ["upload:liege"]


def test_the_small_count_report_names_only_what_happened():
    report = DisclosureReport(threshold=10, suppressed_small=2, withheld_quotes=1)
    assert your_city.disclosure_lines(report) == [
        "counts of 1 to 9 in a breakdown, shown as <10: 2",
        "quotes withheld, because they state a hidden figure: 1",
    ]
    assert "no figure in your file needed protecting" in your_city.disclosure_markdown(
        DisclosureReport(threshold=10)
    )


def test_a_problem_about_the_whole_file_has_no_row_and_says_so():
    problems = [Problem("f.csv", 0, "-", "the file is empty"), Problem("f.csv", 3, "-", "same figure twice")]
    table = your_city.problems_frame(problems).to_pylist()
    assert [(row["Row"], row["Column"]) for row in table] == [("", "whole file"), ("3", "whole row")]
