"""The audit reads every figure against its quote: numbers as each language writes them, qualifier words,
the period's year, duplicates and unrecorded conflicts, with accepted exceptions that must stay needed.

Most tests give the rules one quote each; the last ones audit the real dataset, which must pass with
every exception explained, and keep `docs/data-audit.md` in step with it.
"""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest
from fixtures import default_rows, write_sources, write_table

from sdcf_metrics import paths
from sdcf_metrics.pipeline.audit import (
    RULE_IDS,
    audit,
    audit_observations,
    report,
    value_in_quote,
    words_found,
)
from sdcf_metrics.pipeline.audit_words import WORDS_BY_LANGUAGE
from sdcf_metrics.pipeline.build import sources_fingerprint
from sdcf_metrics.vocabulary import LANGUAGES, ids

EN, DE, FR, DA = (WORDS_BY_LANGUAGE[code] for code in ("en", "de", "fr", "da"))


@pytest.mark.parametrize(
    ("value", "quote", "style"),
    [
        (3090, "have 3,090 registered users", EN),
        (3090, "3090 Nutzer", DE),
        (3090, "3.090 registrierte Nutzer", DE),
        (3090, "3'090 Konsumierende", DE),
        (3090, "3 090 usagers", FR),
        (3090, "3\u202f090 usagers", FR),
        (12.5, "12,5 kg", DE),
        (12.5, "12.5 kg", EN),
        (91, "im Jahr 2020 91.", DE),
    ],
)
def test_a_value_is_found_as_its_language_writes_it(value, quote, style):
    assert value_in_quote(value, quote, style)


@pytest.mark.parametrize(
    ("value", "quote", "style"),
    [
        (3, "3,090 users", EN),  # a piece of a longer number
        (90, "in 1990", EN),
        (12, "12,5 kg", DE),  # the whole part of a decimal
        (3090, "3.090 users", EN),  # English does not group with a dot
        (12.5, "12.5 kg", DE),  # nor German write a decimal point
        (90, "3 090 usagers", FR),
    ],
)
def test_a_piece_of_another_number_or_a_foreign_format_is_not_the_value(value, quote, style):
    assert not value_in_quote(value, quote, style)


def test_in_a_table_reading_the_digits_may_run_together_and_a_table_cell_may_print_a_decimal():
    run = "Month/YearService AccessedInjecting Episodes | Feb 256845235"
    assert value_in_quote(684, run, EN, table_reading=True)
    assert not value_in_quote(684, run, EN)
    assert value_in_quote(184, 'row "Denmark"; column "2021.0"; cell "184.0"', EN, table_cell=True)


@pytest.mark.parametrize(
    ("quote", "style", "found"),
    [
        ("rund 300 Menschen", DE, ["rund"]),
        ("knapp 600.000 Einwohner", DE, ["knapp"]),
        ("plus de 700 consommations", FR, ["plus de"]),
        ("næsten 1.000 brugere", DA, ["næsten"]),
        ("Überdosen", DE, []),  # 'über' inside a longer word is not the word
    ],
)
def test_qualifier_words_are_found_as_whole_words(quote, style, found):
    every = [word for words in style.words.values() for word in words]
    assert words_found(quote, every) == found


def test_every_language_of_the_sources_has_its_number_format_and_qualifier_words():
    assert set(WORDS_BY_LANGUAGE) == set(ids(LANGUAGES))
    for style in WORDS_BY_LANGUAGE.values():
        assert {"about", "more_than", "nearly", "at_least", "less_than", "up_to"} <= set(style.words)


def observation(**values):
    row = {**default_rows("observations")[0], "observation_id": "o1", "qualifier": "exact", **values}
    return row


SOURCES = [{"source_id": "test-report-a", "language": "de"}, {"source_id": "test-report-b", "language": "de"}]


def findings_for(*rows, conflicts=()):
    return audit_observations(list(rows), SOURCES, list(conflicts), "observations.csv")


def test_each_rule_reports_file_row_column_and_names_itself():
    exact_but_about = observation(
        value="300", quote="rund 300 Menschen im Jahr 2020", period_end="2020-12-31"
    )
    (finding,) = findings_for(exact_but_about)
    assert str(finding) == (
        "observations.csv:2:qualifier: stored as exact, but the quote says 'rund' (about) [qualifier_words]"
    )
    about_without_word = observation(
        value="300", qualifier="about", quote="300 Menschen 2020", period_end="2020"
    )
    assert [f.rule for f in findings_for(about_without_word)] == ["qualifier_words"]
    missing_value = observation(value="301", quote="300 Menschen 2020", period_end="2020")
    assert [(f.column, f.rule) for f in findings_for(missing_value)] == [("value", "value_in_quote")]
    no_year = observation(value="300", quote="300 Menschen", period_end="2020")
    assert [(f.column, f.rule) for f in findings_for(no_year)] == [("period_end", "period_year_in_quote")]
    assert (
        findings_for(
            observation(value="300", quote="300 Menschen", period_end="2020", period_inferred="true")
        )
        == []
    )


def test_two_documents_giving_one_figure_are_duplicates_and_two_disagreeing_sources_a_conflict():
    first = observation(observation_id="o1", value="300", quote="300 im Jahr 2020", period_end="2020")
    same = {**first, "observation_id": "o2", "source_id": "test-report-b"}
    assert [(f.row, f.rule) for f in findings_for(first, same)] == [(2, "duplicate"), (3, "duplicate")]
    other = {**same, "value": "400", "quote": "400 im Jahr 2020"}
    (conflict,) = findings_for(first, other)
    assert (conflict.row, conflict.rule) == (3, "conflict") and "row 2 (o1)" in conflict.message
    recorded = {"conflict_id": "c1", "observation_ids": "o1 o2", "primary_id": "o1", "reason": "x"}
    assert findings_for(first, other, conflicts=[recorded]) == []


def write_exceptions(root, rows):
    with (root / "audit-exceptions.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=["observation_id", "rule", "reason"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def data_root(tmp_path):
    write_sources(paths.sources_dir(tmp_path))
    rows = default_rows("observations")
    rows[0]["quote"] = "1,234 users have registered since opening (fixture), about"  # exact but 'about'
    write_table(paths.sources_dir(tmp_path), "observations", rows)
    return tmp_path


def test_an_accepted_exception_needs_a_reason_and_a_finding_that_still_needs_it(data_root):
    finding = audit(data_root).open
    assert [(f.observation_id, f.rule) for f in finding if f.rule != "period_year_in_quote"] == [
        ("obs-since-opening", "qualifier_words")
    ]
    write_exceptions(
        data_root,
        [
            {
                "observation_id": "obs-since-opening",
                "rule": "qualifier_words",
                "reason": "the word is about x",
            },
            {"observation_id": "obs-range", "rule": "qualifier_words", "reason": "no longer needed"},
            {"observation_id": "obs-female", "rule": "value_in_quote", "reason": ""},
            {"observation_id": "obs-male", "rule": "spelling", "reason": "not a rule"},
        ],
    )
    result = audit(data_root)
    assert ("obs-since-opening", "qualifier_words") in {(f.observation_id, f.rule) for f in result.accepted}
    problems = {(f.row, f.column, f.message.split(";")[0]) for f in result.open if f.rule == "exceptions"}
    assert problems == {
        (3, "-", "obs-range qualifier_words: no finding needs this exception any more"),
        (4, "reason", "an exception needs its reason: why the finding is right on reading"),
        (5, "rule", "unknown rule 'spelling'"),
    }


def test_the_command_prints_each_open_finding_and_exits_1(data_root):
    result = subprocess.run(
        [sys.executable, "-m", "sdcf_metrics.cli", "audit"],
        capture_output=True,
        env={"SDCF_DATA_DIR": str(data_root), "PATH": "/usr/bin:/bin"},
        check=False,
        text=True,
    )
    assert result.returncode == 1
    assert (
        "observations.csv:2:qualifier: stored as exact, but the quote says 'about' (about)" in result.stderr
    )


# The real dataset ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    return audit(paths.PROJECT_ROOT / "data")


def test_the_real_dataset_passes_the_audit_with_every_exception_explained(real):
    assert real.open == (), "\n".join(map(str, real.open))
    assert all(item.reason for item in real.exceptions)
    assert len(real.accepted) == len(real.findings)
    assert set(real.counts()) == set(RULE_IDS)


def test_the_audit_report_in_docs_is_current(real):
    root = paths.PROJECT_ROOT
    expected = report(real, sources_fingerprint(paths.sources_dir(root / "data")))
    written = (root / "docs" / "data-audit.md").read_text(encoding="utf-8")
    assert written == expected, "run `sdcf-metrics audit --report docs/data-audit.md`"
