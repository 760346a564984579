"""The extracts layout: the pointer keeps every kept version with the day it was published.

An embed pins a data version; once a newer one is published, the pinned version is read from the history,
and its footer and citation must still name its own publication date ("Data version X (2025-03-01)"),
never "Data version X ()" or "n.d.".
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from apptest_helpers import build_dataset, chart_frames, run_page, with_tables_open
from fixtures import default_rows, write_sources, write_table

from sdcf_metrics import paths
from sdcf_metrics.attribution import citation
from sdcf_metrics.pipeline.build import build
from sdcf_metrics.release import POINTER_FILE, Pointer, Published, Retired, read_pointer
from sdcf_metrics.store import get_store
from sdcf_metrics.untrusted import escape_markdown

FIRST_DAY, SECOND_DAY = date(2025, 3, 1), date(2025, 6, 1)


def publish_two_versions(root):
    """Two versions of the fixture data, published on two different days; returns both versions."""
    write_sources(paths.sources_dir(root))
    first = build(root, published_on=FIRST_DAY).data_version
    rows = default_rows("observations")
    rows[0]["notes"] = "a correction"
    write_table(paths.sources_dir(root), "observations", rows)
    second = build(root, published_on=SECOND_DAY).data_version
    return first, second


def test_the_history_records_each_version_with_its_publication_date(tmp_path):
    first, second = publish_two_versions(tmp_path)
    pointer = read_pointer(paths.extracts_dir(tmp_path))
    assert pointer.history == (Published(second, "2025-06-01"), Published(first, "2025-03-01"))
    assert (pointer.data_version, pointer.published_on) == (second, "2025-06-01")


def test_a_pinned_earlier_version_keeps_its_own_date(tmp_path):
    first, _ = publish_two_versions(tmp_path)
    pinned = get_store(paths.extracts_dir(tmp_path), version=first).release
    assert (pinned.data_version, pinned.published_on) == (first, "2025-03-01")
    assert "n.d." not in citation(pinned.data_version, pinned.published_on)


def test_an_embed_of_an_earlier_version_names_its_date_in_the_footer_and_the_citation(tmp_path, monkeypatch):
    monkeypatch.setenv("SDCF_DATA_DIR", str(tmp_path))
    first, _ = publish_two_versions(tmp_path)
    embed = run_page("pages/1_City_trends.py", city="copenhagen", v=first, chart="city-trend", embed="true")
    footer = chart_frames(embed)[0].footer
    assert escape_markdown(f"Data version {first} (2025-03-01)") in footer
    pinned_page = with_tables_open(run_page("pages/1_City_trends.py", city="copenhagen", v=first))
    cited = [code.value for code in pinned_page.get("code") if "How to cite" not in code.value]
    assert any(f"Data version {first}, published 2025-03-01" in text for text in cited)
    assert not any("n.d." in text for text in cited)


def test_the_sidebar_cites_the_version_shown_once_a_reader_opens_its_licence_note(tmp_path, monkeypatch):
    monkeypatch.setenv("SDCF_DATA_DIR", str(tmp_path))
    _, second = publish_two_versions(tmp_path)
    page = run_page("pages/6_Methodology.py")
    about = [caption.value for caption in page.sidebar.caption]
    assert about == [
        "Evidence on supervised drug consumption facilities in European cities.  \n"
        f"Data version {second}, published 2025-06-01."
    ]
    assert not page.sidebar.code, "the citation is drawn once its expander is opened"
    opened = with_tables_open(page)
    assert [code.value for code in opened.sidebar.code] == [citation(second, "2025-06-01")]


def test_a_pointer_written_before_dates_were_kept_still_reads(tmp_path):
    extracts = paths.extracts_dir(build_dataset(tmp_path))
    current = read_pointer(extracts).data_version
    legacy = {"data_version": current, "published_on": "2024-12-01", "history": [current, "0123456789ab"]}
    (extracts / POINTER_FILE).write_text(json.dumps(legacy))
    pointer = read_pointer(extracts)
    assert pointer.history == (Published(current, "2024-12-01"), Published("0123456789ab", ""))
    assert Pointer.from_json(pointer.as_json()) == pointer


def test_a_rollback_makes_the_previous_version_current_again():
    """The version rolled back from, and a version cut from the history, are retired, not forgotten:
    readers that opened them may still be reading."""
    moment = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
    pointer = Pointer((Published("b", "2025-06-01"), Published("a", "2025-03-01")))
    rolled = pointer.rolled_back(date(2025, 7, 1), now=moment)
    assert rolled.history == (Published("a", "2025-07-01"),)
    assert rolled.retired == (Retired("b", "2025-07-01T12:00:00+00:00"),)
    newer = pointer.with_current("c", date(2025, 7, 1), keep=2, now=moment)
    assert newer.versions == ["c", "b"]
    assert newer.on_disk == {"a", "b", "c"}
