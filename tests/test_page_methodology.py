"""The Methodology page: the catalogue from the store, the project's own method text, the comparability
rules, and the citation of the data version being shown."""

from __future__ import annotations

import pytest
from apptest_helpers import build_dataset, markdown_texts, run_page_in_app
from fixtures import edit_row

from sdcf_metrics import catalogue, queries
from sdcf_metrics.attribution import citation
from sdcf_metrics.compare.marks import COMPARABILITY_MARKS, COMPARABILITY_RULES
from sdcf_metrics.i18n import t
from sdcf_metrics.privacy import policy_text, small_count_threshold
from sdcf_metrics.store import get_store
from sdcf_metrics.untrusted import escape_markdown
from sdcf_metrics.vocabulary import QUALIFIERS, in_chart_order

PAGE = "pages/6_Methodology.py"


@pytest.fixture(scope="module")
def app():
    page = run_page_in_app(PAGE)
    assert not page.exception
    return page


def table_with_column(app, column: str):
    """The table whose first column is `column`."""
    return next(table.value for table in app.table if table.value.columns[0] == column)


def test_every_metric_of_the_catalogue_is_listed_with_its_definition(app):
    metrics = queries.metric_catalogue(get_store())
    listed = table_with_column(app, "Metric")
    assert list(listed["ID"]) == [escape_markdown(metric["metric_id"]) for metric in metrics]
    assert list(listed["Metric"]) == [escape_markdown(metric["label"]) for metric in metrics]
    assert list(listed["Definition"]) == [escape_markdown(metric["definition"]) for metric in metrics]
    summed = dict(zip(listed["ID"], listed["May be summed"], strict=True))
    assert summed[escape_markdown("registered_users")] == "no"
    assert summed[escape_markdown("visits")] == "yes"


def test_every_section_of_the_method_text_is_shown(app):
    shown = [element.value for element in app.markdown]
    for heading, body in catalogue.methodology_sections().items():
        assert any(text.startswith(f"## {heading}\n\n{body}") for text in shown), heading


def test_every_kind_of_period_is_explained_with_a_real_figure(app):
    periods = table_with_column(app, "Period kind")
    assert list(periods["Period kind"]) == [escape_markdown(kind.label) for kind in in_chart_order()]
    since_opening = periods.iloc[0]
    assert since_opening["Shown as"] == escape_markdown("since opening (2012-10) to 2014-09-18")
    assert since_opening["Example from the data"] == escape_markdown(
        "Copenhagen · Registered users: 3,090 (persons)"
    )


def test_the_tables_kept_for_one_language_are_not_shown_in_another(app):
    """The escaped tables are kept per store and language: French readers after English ones get French."""
    assert not app.exception
    french = run_page_in_app(PAGE, lang="fr")
    assert not french.exception
    assert table_with_column(french, t("Metric", "fr")) is not None
    assert table_with_column(french, t("Period kind", "fr")) is not None
    assert not [table for table in french.table if table.value.columns[0] in ("Metric", "Period kind")]


def test_qualifiers_and_averages_are_explained(app):
    values = table_with_column(app, "In the downloads")
    wordings = list(values["In the downloads"])
    assert len(wordings) == len(QUALIFIERS) + 1
    assert escape_markdown("qualifier = more_than") in wordings
    assert escape_markdown("rate_per = day, week, month or year") in wordings


def test_the_comparability_rules_and_marks_come_from_the_compare_module(app):
    marks = table_with_column(app, "Mark")
    assert list(marks["Mark"]) == [escape_markdown(mark) for mark in COMPARABILITY_MARKS]
    rules = next(element.value for element in app.markdown if element.value.startswith("### The rules"))
    assert rules.splitlines()[2:] == [f"1. {rule}" for rule in COMPARABILITY_RULES]


def test_the_privacy_rule_states_the_threshold_in_force(app):
    assert app.info[0].value == policy_text(small_count_threshold())
    assert f"shown as <{small_count_threshold()}" in app.info[0].value


def test_the_licences_are_stated(app):
    text = "\n".join(element.value for element in app.markdown)
    assert "MIT licence" in text
    assert "CC BY 4.0" in text


def test_the_citation_names_the_data_version_shown(app):
    release = get_store().release
    assert app.code[0].value == citation(release.data_version, release.published_on)
    assert release.data_version in app.code[0].value


HOSTILE_LABEL = "[official](https://phish.example) <img src=x onerror=alert(1)>"
HOSTILE_DEFINITION = "![](https://tracker.example/p.png) **counted** `twice`"


def test_hostile_metric_text_is_shown_as_text(tmp_path, monkeypatch):
    build_dataset(tmp_path, metrics=edit_row(0, label=HOSTILE_LABEL, definition=HOSTILE_DEFINITION))
    monkeypatch.setenv("SDCF_DATA_DIR", str(tmp_path))
    page = run_page_in_app(PAGE)
    assert not page.exception
    texts = markdown_texts(page)
    for hostile in (HOSTILE_LABEL, HOSTILE_DEFINITION):
        assert all(hostile not in text for text in texts)
        assert escape_markdown(hostile) in texts  # the escaped cell reads as the literal text
