"""The words of the domain are defined once: every choice the schema allows has an entry in `vocabulary`,
with the label, order and meaning the pages show, and every such word is ready for translation."""

from __future__ import annotations

import dataclasses
import json

import pytest

from sdcf_metrics import paths
from sdcf_metrics.periods import PERIOD_GROUPS, period_group_label
from sdcf_metrics.schema import SOURCE_TABLES, UPLOAD
from sdcf_metrics.vocabulary import (
    LISTS,
    MARKERS,
    PERIOD_KINDS,
    QUALIFIERS,
    SCOPES,
    Choice,
    entry,
    ids,
    in_chart_order,
    label,
)

CATALOGUE = json.loads((paths.PROJECT_ROOT / "src/sdcf_metrics/locales/en.json").read_text("utf-8"))
# Fields that are machine words, not words a reader sees.
NOT_SHOWN = {"id", "written_as", "dash", "needs", "kind", "protected", "symbol", "horizontal", "glyph"}
CHOICE_COLUMNS = [
    (table.name, column)
    for table in (*SOURCE_TABLES, UPLOAD)
    for column in table.columns
    if column.type == "choice"
]


@pytest.mark.parametrize(("table", "column"), CHOICE_COLUMNS, ids=lambda item: getattr(item, "name", item))
def test_every_choice_of_the_schema_is_a_list_of_the_vocabulary(table, column):
    assert column.choices in {ids(choices) for choices in LISTS.values()}, (
        f"{table}.{column.name}: add its values to vocabulary.py and take the column's choices from there"
    )


def test_every_list_has_distinct_ids():
    for name, choices in LISTS.items():
        assert len(set(ids(choices))) == len(choices), name


def words(item: object) -> list[str]:
    """Every reader-facing string of an entry (or a marker)."""
    return [
        value
        for field in dataclasses.fields(item)
        if field.name not in NOT_SHOWN and isinstance(value := getattr(item, field.name), str) and value
    ]


def test_every_word_a_reader_sees_is_in_the_english_catalogue():
    shown = [word for choices in LISTS.values() for item in choices for word in words(item)]
    shown += [word for marker in MARKERS for word in words(marker)]
    missing = sorted({word for word in shown if word not in CATALOGUE})
    assert missing == [], "add these to locales/en.json"


def test_every_period_kind_shown_in_a_picker_or_chart_has_a_label_and_a_group():
    for kind in PERIOD_KINDS:
        assert kind.label and kind.group and kind.meaning, kind.id
    assert [group for group in PERIOD_GROUPS if period_group_label(group)] == list(PERIOD_GROUPS)


def test_running_totals_come_first_and_orders_are_distinct():
    assert in_chart_order()[0].id == "since_opening"
    assert len({kind.order for kind in PERIOD_KINDS}) == len(PERIOD_KINDS)


def test_a_qualifier_is_drawn_and_explained():
    for qualifier in QUALIFIERS:
        assert qualifier.marker in MARKERS and qualifier.meaning, qualifier.id
    assert entry(QUALIFIERS, "range").kind == "range"


def test_scopes_rank_by_breadth_and_name_the_columns_they_need():
    assert [scope.id for scope in sorted(SCOPES, key=lambda scope: scope.breadth)] == list(ids(SCOPES))
    assert entry(SCOPES, "facility").needs == ("city_id", "facility_id")


def test_a_label_is_looked_up_and_an_unknown_id_names_the_allowed_ones():
    assert label(SCOPES, "city") == "whole city"
    with pytest.raises(KeyError, match="facility, area, operator, city, region"):
        entry(SCOPES, "planet")


def test_an_entry_without_a_label_is_a_machine_word():
    assert Choice("sex").label == ""
