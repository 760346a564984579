"""What the dataset's words mean: the metric catalogue, how periods and values read, and the method text.

The catalogue comes from the published data (`queries.metric_catalogue`), so the Methodology page lists
exactly the metrics a figure may use. Periods and qualified values are explained with real rows of the
dataset, printed by the same functions every page uses, so the explanation cannot drift from what the
pages show and no example figure is made up. The prose lives in the package's `docs/methodology.md`, the
project's own trusted text, split at its `##` headings so generated tables sit beside the paragraphs that
explain them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from .attribution import source_citation
from .figures import describe_value
from .i18n import DEFAULT_LANGUAGE, current_language, t
from .periods import period_label
from .vocabulary import AVERAGE_MEANING, QUALIFIERS, in_chart_order

METHODOLOGY_FILE = "methodology.md"
FORMAT_FILE = "data-format.md"
ACCESSIBILITY_FILE = "accessibility.md"
_HEADING = re.compile(r"^## +(.+?)\s*$", re.MULTILINE)

Row = Mapping[str, Any]


def _yes_no(value: bool | None) -> str:
    if value is None:
        return "–"
    return t("yes") if value else t("no")


def _direction(text: str | None) -> bool | None:
    """`higher_is_better` is "true", "false" or empty (neither direction is better)."""
    return None if text is None else text == "true"


def catalogue_frame(metrics: Sequence[Row]) -> pd.DataFrame:
    """The catalogue as people read it (`queries.metric_catalogue`): label first, the id for whoever works
    with the downloads."""
    records = [
        (
            metric["label"],
            metric["metric_id"],
            metric["unit"],
            metric["definition"],
            _yes_no(bool(metric["additive"])),
            _yes_no(_direction(metric["higher_is_better"])),
            metric["figures"],
        )
        for metric in metrics
    ]
    columns = ("Metric", "ID", "Unit", "Definition", "May be summed", "Higher is better", "Figures")
    return pd.DataFrame(records, columns=[t(name) for name in columns])


def _place(row: Row) -> str:
    return row["city"] or row["region"] or row["country"]


def period_examples(examples: Sequence[Row]) -> pd.DataFrame:
    """Each kind of period, what it means, and how a real figure's period reads on every page (examples as
    `queries.reading_examples` gives them)."""
    first = {row["period_kind"]: row for row in examples if row["period_rank"] == 1}
    records = []
    for kind in in_chart_order():
        row = first.get(kind.id)
        shown = period_label(kind.id, row["period_start"], row["period_end"]) if row else "–"
        example = f"{_place(row)} · {row['metric']}: {describe_value(row)} ({row['unit']})" if row else "–"
        records.append((t(kind.label), kind.id, t(kind.meaning), shown, example, *_source(row)))
    columns = ("Period kind", "In the downloads", "What it means", "Shown as", "Example from the data")
    return pd.DataFrame(records, columns=[t(name) for name in (*columns, *SOURCE_COLUMNS)])


# The example tables end with the example's source and its address (`source_links`).
SOURCE_COLUMNS = ("Source", "Link or reference")


def source_links() -> dict[str, str]:
    """The example tables' source column and its address column, as `escape_markdown_table` takes them."""
    source, address = (t(name) for name in SOURCE_COLUMNS)
    return {source: address}


def _source(row: Row | None) -> tuple[str, str]:
    if row is None:
        return "–", ""
    return source_citation(row["source_title"], row["source_publisher"]), row["source_url"] or ""


def value_examples(examples: Sequence[Row]) -> pd.DataFrame:
    """Each qualifier, and averages per day, with a real figure printed as every page prints it."""
    rows = [row for row in examples if row["value_rank"] == 1]
    # A qualifier is best shown on a total; an average per day serves when no total uses it.
    by_qualifier = {row["qualifier"]: row for row in rows if row["rate_per"] is not None}
    by_qualifier.update({row["qualifier"]: row for row in rows if row["rate_per"] is None})
    averages = [row for row in rows if row["rate_per"] is not None]
    average = min(averages, key=lambda row: row["qualifier"] == "range", default=None)
    # Averages (`rate_per`) are explained once, whatever their qualifier.
    cases = [
        (f"qualifier = {qualifier.id}", qualifier.meaning, by_qualifier.get(qualifier.id))
        for qualifier in QUALIFIERS
    ]
    cases.append(("rate_per = day, week, month or year", AVERAGE_MEANING, average))
    records = [
        (
            in_downloads,
            t(meaning),
            describe_value(row) if row else "–",
            f"{_place(row)} · {row['metric']} ({row['unit']}) · {row['period_label']}" if row else "–",
            *_source(row),
        )
        for in_downloads, meaning, row in cases
    ]
    columns = ("In the downloads", "What it means", "Shown as", "Example from the data")
    return pd.DataFrame(records, columns=[t(name) for name in (*columns, *SOURCE_COLUMNS)])


def methodology_sections(document: str = METHODOLOGY_FILE) -> dict[str, str]:
    """A document the pages show (`docs/` in the package), by its English `##` heading, each body as
    Markdown (the project's own, trusted text) in the reader's language. It ships inside the package, so
    an installed copy can show it.

    A translation is `<name>.<language>.md` beside the English file, with the same sections in the same
    order, and a first line naming the English it translates (`translation_marker`). A document without a
    translation in the reader's language, or whose English has changed since it was translated, is shown
    in English: a reader never meets a stale translation."""
    return _sections(document, current_language())


def translation_marker(document: str) -> str:
    """The first line of a translation of `document`: the English file's name and the start of the hash
    of its text, so that a change to the English is noticed."""
    english = resources.files("sdcf_metrics").joinpath("docs", document).read_bytes()
    return f"<!-- translates {document} {hashlib.sha256(english).hexdigest()[:12]} -->"


def translated_document(document: str, language: str) -> str:
    """The file name of a document in a language: `methodology.md` -> `methodology.fr.md`."""
    stem, _, extension = document.rpartition(".")
    return document if language == DEFAULT_LANGUAGE else f"{stem}.{language}.{extension}"


def document_sections(document: str) -> list[tuple[str, str]]:
    """A document file's `##` headings and bodies, in order."""
    text = resources.files("sdcf_metrics").joinpath("docs", document).read_text(encoding="utf-8")
    parts = _HEADING.split(text)
    return [(heading, body.strip()) for heading, body in zip(parts[1::2], parts[2::2], strict=True)]


@cache
def _sections(document: str, language: str) -> dict[str, str]:
    english = document_sections(document)
    translated = translated_document(document, language)
    path = resources.files("sdcf_metrics").joinpath("docs", translated)
    if not path.is_file() or not path.read_text(encoding="utf-8").startswith(translation_marker(document)):
        return dict(english)
    bodies = [body for _, body in document_sections(translated)]
    return {heading: body for (heading, _), body in zip(english, bodies, strict=True)}


def marks_frame(marks: Mapping[str, str]) -> pd.DataFrame:
    """The comparability marks a compared figure can carry, each with what it means."""
    records = [(t(mark), t(meaning)) for mark, meaning in marks.items()]
    return pd.DataFrame(records, columns=[t("Mark"), t("What it means")])
