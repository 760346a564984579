"""Sources one click away, and nothing else a link: only a source's http or https address becomes one.

A reader who sees a figure can open its source in a new tab (Streamlit opens Markdown links and link
columns with `rel="noopener noreferrer"`); a `javascript:` or `data:` address, a printed citation or a
data value that looks like a link stays text. The browser test (`tests/e2e/test_reader.py`) clicks one.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from sdcf_metrics.datatable import CitedSource, chart_sources, with_links
from sdcf_metrics.ui.tables import source_links
from sdcf_metrics.untrusted import escape_markdown, escape_markdown_table, markdown_link, web_address

REPORT = "https://example.org/report.pdf"


@pytest.mark.parametrize(
    "address",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "//example.org/no-scheme",
        "http:///no-host",
        "https://example.org/a b",
        "https://example.org/\u202eevil",
        "http://[::1",
        "Printed test document C, p. 12",
        "",
        None,
    ],
)
def test_anything_but_an_http_or_https_address_is_no_link(address):
    assert web_address(address) is None
    assert markdown_link("Annual report", address) == escape_markdown("Annual report")


def test_a_web_address_becomes_a_link_with_its_words_escaped():
    assert web_address(REPORT) == REPORT
    assert markdown_link("Report [2024]", REPORT) == f"[{escape_markdown('Report [2024]')}]({REPORT})"


def test_characters_that_would_end_the_link_or_carry_markup_are_percent_encoded():
    address = 'https://fr.wikipedia.org/wiki/Salle_(x)?q="a"<b>'
    assert web_address(address) == "https://fr.wikipedia.org/wiki/Salle_%28x%29?q=%22a%22%3Cb%3E"
    assert markdown_link("x", address).endswith(
        "(https://fr.wikipedia.org/wiki/Salle_%28x%29?q=%22a%22%3Cb%3E)"
    )


def test_a_table_for_markdown_links_its_source_column_and_drops_the_addresses():
    frame = pd.DataFrame(
        {"Example": ["[x](javascript:alert(1))", "y"], "Source": ["A", "B"], "Link": [REPORT, "p. 12"]}
    )
    shown = escape_markdown_table(frame, {"Source": "Link"})
    assert list(shown.columns) == ["Example", "Source"]
    assert list(shown["Source"]) == [f"[A]({REPORT})", "B"]
    assert shown["Example"][0] == escape_markdown("[x](javascript:alert(1))")


def test_a_displayed_table_keeps_web_addresses_in_the_link_column_and_the_rest_as_text():
    frame = pd.DataFrame(
        {
            "Source": ["A", "B", "C"],
            "Link or reference": [REPORT, "Printed document, p. 12", "javascript:alert(1)"],
        }
    )
    shown, linked = with_links(frame)
    assert linked == ["Link or reference"]
    assert [None if pd.isna(cell) else cell for cell in shown["Link or reference"]] == [REPORT, None, None]
    assert list(shown["Reference (not a web address)"]) == [
        "",
        "Printed document, p. 12",
        "javascript:alert(1)",
    ]


def test_a_table_of_web_addresses_only_gets_no_extra_column():
    shown, _ = with_links(pd.DataFrame({"URL or citation": [REPORT, None]}))
    assert list(shown.columns) == ["URL or citation"]


def test_a_chart_names_each_source_once_with_its_publisher_and_address():
    table = pa.table(
        {
            "Source": ["Report", "Report", "Article"],
            "Publisher": ["City", "City", "Paper"],
            "Link or reference": [REPORT, REPORT, "Printed, p. 3"],
        }
    )
    assert chart_sources(table) == [
        CitedSource("City, “Report”", REPORT),
        CitedSource("Paper, “Article”", None),
    ]
    assert source_links(chart_sources(table)) == (f"Sources: [City, “Report”]({REPORT}) · Paper, “Article”")
    assert source_links(chart_sources(table), linked=False) == "Sources: City, “Report” · Paper, “Article”"


def test_a_long_list_of_sources_names_the_first_and_counts_the_rest():
    sources = [CitedSource(f"Publisher {index}, “Title”", None) for index in range(9)]
    line = source_links(sources, shown=6)
    assert line.count("Publisher") == 6
    assert line.endswith("and 3 more in the data behind this chart")


def test_a_table_without_sources_gives_no_source_line():
    assert chart_sources(pa.table({"City": ["Paris"]})) == []
    assert source_links([]) == ""
