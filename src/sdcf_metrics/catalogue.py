"""What the dataset's words mean: the metric catalogue, how periods and values read, and the method text.

The catalogue is read from the published data, so the Methodology page lists exactly the metrics a figure
may use. Periods and qualified values are explained with real rows of the dataset, printed by the same
functions every page uses, so the explanation cannot drift from what the pages show and no example figure
is made up. The prose lives in `docs/methodology.md`, the project's own trusted text, split at its `##`
headings so generated tables sit beside the paragraphs that explain them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from . import paths
from .figures import describe_value, period_kind_label
from .i18n import t
from .periods import period_label
from .store import Store

METHODOLOGY_FILE = "methodology.md"
_HEADING = re.compile(r"^## +(.+?)\s*$", re.MULTILINE)

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Metric:
    """One metric of the catalogue, with the number of figures the dataset holds for it."""

    metric_id: str
    label: str
    unit: str
    kind: str
    definition: str
    additive: bool
    higher_is_better: bool | None
    figures: int


def _direction(text: str | None) -> bool | None:
    return None if text is None else text == "true"


def metric_catalogue(store: Store) -> tuple[Metric, ...]:
    """Every metric of the published catalogue, in label order."""
    return tuple(
        Metric(
            metric_id=row["metric_id"],
            label=row["label"],
            unit=row["unit"],
            kind=row["kind"],
            definition=row["definition"],
            additive=bool(row["additive"]),
            higher_is_better=_direction(row["higher_is_better"]),
            figures=row["figures"],
        )
        for row in store.query("metric_catalogue").to_pylist()
    )


def _yes_no(value: bool | None) -> str:
    if value is None:
        return "–"
    return t("yes") if value else t("no")


def catalogue_frame(metrics: tuple[Metric, ...]) -> pd.DataFrame:
    """The catalogue as people read it: label first, the id for whoever works with the downloads."""
    records = [
        (
            metric.label,
            metric.metric_id,
            metric.unit,
            metric.definition,
            _yes_no(metric.additive),
            _yes_no(metric.higher_is_better),
            metric.figures,
        )
        for metric in metrics
    ]
    columns = ("Metric", "ID", "Unit", "Definition", "May be summed", "Higher is better", "Figures")
    return pd.DataFrame(records, columns=[t(name) for name in columns])


# What each kind of period means; the example beside it is a real row of the dataset.
PERIOD_MEANINGS = {
    "since_opening": "A running total from the day a facility or service opened to the date given. Two "
    "such totals for the same room are not two periods: the later one includes the earlier.",
    "year": "One calendar year.",
    "month": "One calendar month.",
    "day": "One day, often a busy day a source chose to report.",
    "span": "Any other stretch of time the source names, such as the first six months.",
    "snapshot": "A stock at a date, such as the rooms open or the people living in a city. A figure an "
    "article gives per day, in the present tense, is read as a snapshot at the article's date.",
}

# What each way of qualifying a figure means; averages (`rate_per`) are explained once, whatever qualifier.
QUALIFIER_MEANINGS = {
    "exact": "The source gives the number as it is.",
    "about": "The source says about, around, some or approximately.",
    "more_than": "A lower bound: the true figure is higher.",
    "at_least": "A lower bound that may be the figure itself.",
    "nearly": "Just under the number given.",
    "less_than": "An upper bound: the true figure is lower.",
    "up_to": "An upper bound that may be the figure itself.",
    "range": "The source gives a range; it is never shown or plotted as a single value.",
}
AVERAGE_MEANING = "An average per day, week, month or year over the period: not a total, and never summed."


def reading_examples(store: Store) -> pa.Table:
    """One real figure per kind of period and per way of qualifying a value."""
    return store.query("reading_examples")


def _place(row: Row) -> str:
    return row["city"] or row["region"] or row["country"]


def period_examples(examples: pa.Table) -> pd.DataFrame:
    """Each kind of period, what it means, and how a real figure's period reads on every page."""
    first = {row["period_kind"]: row for row in examples.to_pylist() if row["period_rank"] == 1}
    records = []
    for kind, meaning in PERIOD_MEANINGS.items():
        row = first.get(kind)
        shown = period_label(kind, row["period_start"], row["period_end"]) if row else "–"
        example = f"{_place(row)} · {row['metric']}: {describe_value(row)} ({row['unit']})" if row else "–"
        records.append((period_kind_label(kind), kind, t(meaning), shown, example))
    columns = ("Period kind", "In the downloads", "What it means", "Shown as", "Example from the data")
    return pd.DataFrame(records, columns=[t(name) for name in columns])


def value_examples(examples: pa.Table) -> pd.DataFrame:
    """Each qualifier, and averages per day, with a real figure printed as every page prints it."""
    rows = [row for row in examples.to_pylist() if row["value_rank"] == 1]
    # A qualifier is best shown on a total; an average per day serves when no total uses it.
    by_qualifier = {row["qualifier"]: row for row in rows if row["rate_per"] is not None}
    by_qualifier.update({row["qualifier"]: row for row in rows if row["rate_per"] is None})
    averages = [row for row in rows if row["rate_per"] is not None]
    average = min(averages, key=lambda row: row["qualifier"] == "range", default=None)
    cases = [
        (f"qualifier = {qualifier}", meaning, by_qualifier.get(qualifier))
        for qualifier, meaning in QUALIFIER_MEANINGS.items()
    ]
    cases.append(("rate_per = day, week, month or year", AVERAGE_MEANING, average))
    records = [
        (
            in_downloads,
            t(meaning),
            describe_value(row) if row else "–",
            f"{_place(row)} · {row['metric']} ({row['unit']}) · {row['period_label']}" if row else "–",
        )
        for in_downloads, meaning, row in cases
    ]
    columns = ("In the downloads", "What it means", "Shown as", "Example from the data")
    return pd.DataFrame(records, columns=[t(name) for name in columns])


@cache
def methodology_sections(path: Path | None = None) -> dict[str, str]:
    """The methodology text by `##` heading, each body as Markdown (the project's own, trusted)."""
    text = (path or paths.PROJECT_ROOT / "docs" / METHODOLOGY_FILE).read_text(encoding="utf-8")
    parts = _HEADING.split(text)
    return {heading: body.strip() for heading, body in zip(parts[1::2], parts[2::2], strict=True)}


def marks_frame(marks: Mapping[str, str]) -> pd.DataFrame:
    """The comparability marks a compared figure can carry, each with what it means."""
    records = [(t(mark), t(meaning)) for mark, meaning in marks.items()]
    return pd.DataFrame(records, columns=[t("Mark"), t("What it means")])
