"""Six languages: every message translated in every catalogue, with the same placeholders and the domain's
terms used the same way everywhere; numbers and dates as each reader writes them; the metric catalogue
translated in the data; and every page drawn in every language.

Nothing is translated by machine at run time: the catalogues (`locales/*.json`) and the data's
translations (`data/sources/translations.csv`) are people's work, reviewed like code and data.
"""

from __future__ import annotations

import csv
import json
import re
import string

import pytest
from apptest_helpers import chart_frames, run_page_in_app

from sdcf_metrics import catalogue as catalogue_module
from sdcf_metrics import paths
from sdcf_metrics.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    catalogue,
    format_number,
    format_partial_date,
    in_language,
    number_separators,
    preferred_language,
    t,
)
from sdcf_metrics.ui.navigation import PAGES

TRANSLATED = [language for language in LANGUAGES if language != DEFAULT_LANGUAGE]
ENGLISH = catalogue(DEFAULT_LANGUAGE)
GLOSSARY = {
    term: entry
    for term, entry in json.loads(
        (paths.PROJECT_ROOT / "src/sdcf_metrics/locales/glossary.json").read_text("utf-8")
    ).items()
    if not term.startswith("_")
}
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")

# Messages a language writes exactly as English does, and why: names, codes and words that are spelt the
# same in that language. Anything else left in English is an untranslated message.
SAME_AS_ENGLISH = {
    "*": {
        "SOLIDIFY partners (Efus)": "the name of the project and of the network",
        "ID": "an abbreviation every language uses",
    },
    "da": {
        "Data (CSV)": "Danish 'data'",
        "Data (Excel)": "Danish 'data'",
        "Definition": "the same word in Danish",
        "Region": "the same word in Danish",
        "region": "the same word in Danish",
        "Status": "the same word in Danish",
        "Type": "the same word in Danish",
        "reference": "the same word in Danish",
        "{city} (reference) {how}": "Danish 'reference'",
    },
    "de": {
        "Definition": "the same word in German",
        "Region": "the same word in German",
        "Status": "the same word in German",
        "Inhalation": "the same word in German",
        "Name": "the same word in German",
        "{facilities} in {cities}": "German 'in'",
        "{figure} in {area} ({period}; {source}, {kind})": "German 'in'",
        "{metric} in {cities}": "German 'in'",
    },
    "es": {"no": "the same word in Spanish"},
    "fr": {
        "Date": "the same word in French",
        "Image (PNG)": "the same word in French",
        "Image (SVG)": "the same word in French",
        "Injection": "the same word in French",
        "injections": "the same word in French",
        "Inhalation": "the same word in French",
        "Licence": "the same word in French",
        "Notes": "the same word in French",
        "Publication": "the same word in French",
        "Source": "the same word in French",
        "Sources": "the same word in French",
        "Type": "the same word in French",
        "exact": "the same word in French",
        "{country} · population {population} ({period})": "French 'population'",
    },
    "nl": {
        "Dataset": "the same word in Dutch",
        "Opening": "the same word in Dutch",
        "Privacy": "the same word in Dutch",
        "Status": "the same word in Dutch",
        "Type": "the same word in Dutch",
        "exact": "the same word in Dutch",
        "{facilities} in {cities}": "Dutch 'in'",
        "{figure} in {area} ({period}; {source}, {kind})": "Dutch 'in'",
        "{metric} in {cities}": "Dutch 'in'",
        "{figure} per week": "Dutch 'per week'",
        "{figure}%": "Dutch writes no space before %",
        "{unit} per {rate}": "Dutch 'per'",
    },
}


def placeholders(text: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def stems(term: str | list[str]) -> list[str]:
    """A glossary term's stems in one language (one, or a few forms such as singular and plural)."""
    return [term] if isinstance(term, str) else term


def has_words(message: str) -> bool:
    """Whether a message has anything to translate besides placeholders, symbols and Markdown."""
    return bool(re.search(r"[A-Za-z]", PLACEHOLDER.sub("", message)))


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_has_a_translation_and_nothing_else(language):
    translated = catalogue(language)
    assert [message for message in ENGLISH if not translated.get(message)] == []
    assert [message for message in translated if message not in ENGLISH] == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders_of_the_english(language):
    translated = catalogue(language)
    wrong = {
        message: translated[message]
        for message in ENGLISH
        if placeholders(translated.get(message, message)) != placeholders(message)
    }
    assert wrong == {}


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_english_is_left_but_names_and_words_spelt_the_same(language):
    allowed = {**SAME_AS_ENGLISH["*"], **SAME_AS_ENGLISH[language]}
    translated = catalogue(language)
    left = [m for m in ENGLISH if has_words(m) and translated.get(m) == m and m not in allowed]
    assert left == []
    stale = [message for message in allowed if message not in ENGLISH or translated.get(message) != message]
    assert stale == [], "no longer the same as English: drop them from SAME_AS_ENGLISH"


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_glossary_terms_are_used_the_same_way_in_every_message(language):
    translated = catalogue(language)
    inconsistent = [
        (term, message[:60], translated[message][:80])
        for term, entry in GLOSSARY.items()
        for message in ENGLISH
        if any(form in message.lower() for form in entry["english"])
        and not any(stem in translated[message].lower() for stem in stems(entry[language]))
    ]
    assert inconsistent == []


def test_the_glossary_names_every_language():
    assert all(set(TRANSLATED) <= set(entry) for entry in GLOSSARY.values())


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "3,090"),
        ("da", "3.090"),
        ("de", "3.090"),
        ("nl", "3.090"),
        ("es", "3.090"),
        ("fr", "3\u202f090"),  # a narrow no-break space, as CLDR has it
    ],
)
def test_numbers_are_written_as_the_reader_writes_them(language, expected):
    assert format_number(3090, language) == expected


def test_decimals_and_chart_separators_follow_the_language():
    assert format_number(2.5, "de") == "2,5"
    assert format_number(12.345, "fr") == "12,35"
    assert number_separators("en") == ".,"
    assert number_separators("da") == ",."
    assert number_separators("fr") == ",\u202f"


def test_dates_keep_their_precision_in_the_reader_s_words():
    assert format_partial_date("2014-09-18", "en") == "2014-09-18"
    assert format_partial_date("2014-09-18", "de") == "18. Sept. 2014"
    assert format_partial_date("2012-10", "fr") == "oct. 2012"
    assert format_partial_date("2012", "da") == "2012"
    assert format_partial_date("not a date", "nl") == "not a date"


def test_the_reader_s_language_comes_from_the_browser_when_the_dashboard_speaks_it():
    assert preferred_language(["fr-BE", "en-GB"]) == "fr"
    assert preferred_language(["pt-PT", "nl"]) == "nl"
    assert preferred_language(["pt-PT"]) == "en"
    assert preferred_language([]) == "en"


def test_a_message_is_filled_in_the_language_in_force():
    with in_language("da"):
        assert t("{count} figures", count=format_number(3090)) == "3.090 tal"
    assert t("{count} figures", count="3,090") == "3,090 figures"


def test_the_metric_catalogue_is_translated_in_the_data():
    """Every metric's name, definition and unit in every language, written as data and reviewed there."""
    metrics = list(csv.DictReader((paths.sources_dir() / "metrics.csv").open(encoding="utf-8")))
    rows = list(csv.DictReader((paths.sources_dir() / "translations.csv").open(encoding="utf-8")))
    have = {
        (row["row_id"], row["column_name"], row["language"]) for row in rows if row["table_name"] == "metrics"
    }
    wanted = {
        (metric["metric_id"], column, language)
        for metric in metrics
        for column in ("label", "definition", "unit")
        for language in TRANSLATED
    }
    assert sorted(wanted - have) == []


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_path or "Overview")
def test_every_page_is_drawn_in_every_language(language, page):
    app = run_page_in_app(page.file, lang=language)
    assert not app.exception
    assert app.title[0].value in catalogue(language).values()
    menu = [link.proto.label for link in app.sidebar.get("page_link")]
    assert menu == [t(listed.title, language) for listed in PAGES]
    assert app.query_params["lang"] == language
    for frame in chart_frames(app):
        assert frame.spec["layout"]["separators"] == number_separators(language)


@pytest.mark.parametrize("document", ["methodology.md", "accessibility.md"])
@pytest.mark.parametrize("language", TRANSLATED)
def test_the_pages_texts_are_translated_from_the_current_english(document, language):
    """A translation names the English it translates; until it is brought up to date after a change to
    the English, readers are shown the English (see `catalogue.methodology_sections`)."""
    translated = catalogue_module.translated_document(document, language)
    text = (paths.PROJECT_ROOT / "src/sdcf_metrics/docs" / translated).read_text(encoding="utf-8")
    assert text.startswith(catalogue_module.translation_marker(document)), f"update {translated}"
    english = [heading for heading, _ in catalogue_module.document_sections(document)]
    assert len(catalogue_module.document_sections(translated)) == len(english)
    with in_language(language):
        shown = catalogue_module.methodology_sections(document)
    assert list(shown) == english
    assert shown != dict(catalogue_module.document_sections(document))


def test_a_translation_of_an_english_text_that_has_since_changed_is_not_shown(monkeypatch):
    monkeypatch.setattr(catalogue_module, "translation_marker", lambda document: "<!-- translates older -->")
    catalogue_module._sections.cache_clear()
    try:
        with in_language("fr"):
            shown = catalogue_module.methodology_sections("methodology.md")
        assert shown == dict(catalogue_module.document_sections("methodology.md"))
    finally:
        catalogue_module._sections.cache_clear()
