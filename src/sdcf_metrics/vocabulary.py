"""The words of the domain, each defined once: every allowed value of the schema's lists, with its label,
its order, how it is drawn and what it means.

The schema takes its choices from here, the validator its rules, the pages and charts their labels and
symbols, the Methodology page its explanations. Adding a value (a new scope, qualifier, kind of period,
facility type, source kind or language) is one entry in one table; a test checks that every choice of the
schema has an entry here and every label a translation key.

Labels and meanings are English messages, translated at the edge with `i18n.t` (`label()` does it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from .i18n import DEFAULT_LANGUAGE, t
from .i18n import LANGUAGES as DASHBOARD_LANGUAGES


@dataclass(frozen=True)
class Choice:
    """One allowed value of a list: its id as the files write it, its label (for lists the pages show), and
    what it means."""

    id: str
    label: str = ""
    meaning: str = ""


C = TypeVar("C", bound=Choice)


def ids(choices: Sequence[Choice]) -> tuple[str, ...]:
    """The ids of a list, in its order: what a file may write."""
    return tuple(choice.id for choice in choices)


def entry(choices: Sequence[C], choice_id: str) -> C:
    """The entry of `choice_id`; KeyError naming the allowed ids for anything else."""
    for choice in choices:
        if choice.id == choice_id:
            return choice
    raise KeyError(f"{choice_id!r} is not one of {', '.join(ids(choices))}")


def label(choices: Sequence[Choice], choice_id: str) -> str:
    """The label of `choice_id`, translated."""
    return t(entry(choices, choice_id).label)


# Kinds of period ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodKind(Choice):
    """What a figure's period is. `order` places its series on charts and pickers (running totals first);
    `group` names the charts that hold figures of this kind; `joined` says a line may join consecutive
    figures; `covers` that a figure is drawn with a bar over its period; `own_class` that it is compared
    as a kind of its own whatever its length; `written_as` the one precision its dates must have;
    `headline` that a headline tile may show it (a normal period, not a single day or a stretch a source
    chose), and `headline_total_only` that only as a total (a stock at a date, not a per-day average
    said in the present tense)."""

    order: int = 0
    group: str = ""
    joined: bool = False
    covers: bool = False
    own_class: bool = False
    written_as: str = ""
    dash: str = "solid"
    headline: bool = False
    headline_total_only: bool = False


PERIOD_KINDS: tuple[PeriodKind, ...] = (
    PeriodKind(
        "day",
        "single day",
        "One day, often a busy day a source chose to report.",
        order=4,
        group="Single days",
        own_class=True,
        written_as="YYYY-MM-DD",
    ),
    PeriodKind(
        "month",
        "month",
        "One calendar month.",
        order=2,
        group="One month",
        joined=True,
        covers=True,
        written_as="YYYY-MM",
        dash="dashdot",
        headline=True,
    ),
    PeriodKind(
        "year",
        "year",
        "One calendar year.",
        order=1,
        group="One year",
        joined=True,
        covers=True,
        written_as="YYYY",
        dash="dash",
        headline=True,
    ),
    PeriodKind(
        "span",
        "period",
        "Any other stretch of time the source names, such as the first six months.",
        order=3,
        group="Other periods",
        covers=True,
    ),
    PeriodKind(
        "since_opening",
        "since opening",
        "A running total from the day a facility or service opened to the date given. Two such totals for "
        "the same room are not two periods: the later one includes the earlier.",
        order=0,
        group="Since opening (running totals)",
        joined=True,
        own_class=True,
        headline=True,
    ),
    PeriodKind(
        "snapshot",
        "at a date",
        "A stock at a date, such as the rooms open or the people living in a city. A figure an article "
        "gives per day, in the present tense, is read as a snapshot at the article's date.",
        order=5,
        group="At a date (stocks)",
        own_class=True,
        headline=True,
        headline_total_only=True,
    ),
)


def in_chart_order(kinds: Sequence[PeriodKind] = PERIOD_KINDS) -> list[PeriodKind]:
    """Kinds of period in the order charts, legends and explanations list them: running totals first."""
    return sorted(kinds, key=lambda kind: kind.order)


# Averages ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate(Choice):
    """An average per day, week, month or year (`rate_per`): never a total, never summed. `days` is the
    length of its unit; the other fields are how a figure, a chart panel, a group of charts and a tile
    name it."""

    days: float = 1.0
    figure: str = ""
    panel: str = ""
    group: str = ""
    tile: str = ""


RATES: tuple[Rate, ...] = (
    Rate(
        "day",
        "average per day",
        days=1.0,
        figure="{figure} per day",
        panel="Average per day",
        group="Averages per day",
        tile="{metric}, average per day",
    ),
    Rate(
        "week",
        "average per week",
        days=7.0,
        figure="{figure} per week",
        panel="Average per week",
        group="Averages per week",
        tile="{metric}, average per week",
    ),
    Rate(
        "month",
        "average per month",
        days=365.25 / 12,
        figure="{figure} per month",
        panel="Average per month",
        group="Averages per month",
        tile="{metric}, average per month",
    ),
    Rate(
        "year",
        "average per year",
        days=365.25,
        figure="{figure} per year",
        panel="Average per year",
        group="Averages per year",
        tile="{metric}, average per year",
    ),
)
AVERAGE_MEANING = "An average per day, week, month or year over the period: not a total, and never summed."
TOTALS_PANEL = "Figure as reported"


# How a source qualifies a figure -----------------------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    """How figures of some qualifiers are drawn: the Plotly symbol on a vertical axis and on a horizontal
    one (a bound points the way it leaves open), and the chart key's glyph and words."""

    symbol: str
    horizontal: str
    glyph: str
    words: str

    @property
    def key(self) -> str:
        """The chart key's entry, translated: `○ about, nearly`."""
        return f"{self.glyph} {t(self.words)}"


EXACT_MARKER = Marker("circle", "circle", "●", "exact")
APPROXIMATE_MARKER = Marker("circle-open", "circle-open", "○", "about, nearly")
LOWER_BOUND_MARKER = Marker("triangle-up", "triangle-right", "▲", "more than, at least")
UPPER_BOUND_MARKER = Marker("triangle-down", "triangle-left", "▼", "fewer than, up to")
RANGE_MARKER = Marker("line-ew-open", "line-ns-open", "┃", "range")
MARKERS = (EXACT_MARKER, APPROXIMATE_MARKER, LOWER_BOUND_MARKER, UPPER_BOUND_MARKER, RANGE_MARKER)

QualifierKind = Literal["exact", "approximate", "bound", "range"]


@dataclass(frozen=True)
class Qualifier(Choice):
    """How the source words a figure: `template` prints it, `kind` says what arithmetic may do with it (a
    bound stays a bound, an approximate divisor makes a result approximate), `marker` how it is drawn.

    `spans` are the values the words allow, as multiples of the figure (`about 100` is 90 to 110; `more
    than 100` is above 100, `open` at its low end); a range spans its own two ends. Two figures whose spans
    do not overlap disagree."""

    template: str = "{value}"
    kind: QualifierKind = "exact"
    marker: Marker = EXACT_MARKER
    spans: tuple[float, float] = (1.0, 1.0)
    open: tuple[bool, bool] = (False, False)


QUALIFIERS: tuple[Qualifier, ...] = (
    Qualifier("exact", meaning="The source gives the number as it is."),
    Qualifier(
        "about",
        meaning="The source says about, around, some or approximately.",
        template="about {value}",
        kind="approximate",
        marker=APPROXIMATE_MARKER,
        spans=(0.9, 1.1),
    ),
    Qualifier(
        "more_than",
        meaning="A lower bound: the true figure is higher.",
        template="more than {value}",
        kind="bound",
        marker=LOWER_BOUND_MARKER,
        spans=(1.0, math.inf),
        open=(True, False),
    ),
    Qualifier(
        "at_least",
        meaning="A lower bound that may be the figure itself.",
        template="at least {value}",
        kind="bound",
        marker=LOWER_BOUND_MARKER,
        spans=(1.0, math.inf),
    ),
    Qualifier(
        "less_than",
        meaning="An upper bound: the true figure is lower.",
        template="fewer than {value}",
        kind="bound",
        marker=UPPER_BOUND_MARKER,
        spans=(0.0, 1.0),
        open=(False, True),
    ),
    Qualifier(
        "up_to",
        meaning="An upper bound that may be the figure itself.",
        template="up to {value}",
        kind="bound",
        marker=UPPER_BOUND_MARKER,
        spans=(0.0, 1.0),
    ),
    Qualifier(
        "nearly",
        meaning="Just under the number given.",
        template="nearly {value}",
        kind="bound",
        marker=APPROXIMATE_MARKER,
        spans=(0.9, 1.0),
    ),
    Qualifier(
        "range",
        meaning="The source gives a range; it is never shown or plotted as a single value.",
        template="{low}–{high}",
        kind="range",
        marker=RANGE_MARKER,
    ),
)


# What a figure covers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope(Choice):
    """The place a figure is about. `breadth` ranks scopes (on the same date, a wider one speaks for
    more); `needs` are the observation columns it requires (`place` names a part of a city or an
    operator, as the source does); `in_a_city` marks the scopes of a city and the places in it, as
    against areas (regions, countries, wider); `whole_city` that a figure covers the whole city, so it may
    be divided by the city's residents."""

    breadth: int = 0
    needs: tuple[str, ...] = ()
    in_a_city: bool = False
    whole_city: bool = False


SCOPES: tuple[Scope, ...] = (
    Scope(
        "facility",
        "one facility",
        "One consumption room.",
        breadth=0,
        needs=("city_id", "facility_id"),
        in_a_city=True,
    ),
    Scope(
        "area",
        "part of a city",
        "One street, neighbourhood or district of a city, named as the source names it.",
        breadth=1,
        needs=("city_id", "place"),
        in_a_city=True,
    ),
    Scope(
        "operator",
        "one operator's sites",
        "The rooms of one operator in a city: not the city's number of rooms.",
        breadth=2,
        needs=("city_id", "place"),
        in_a_city=True,
    ),
    Scope(
        "city",
        "whole city",
        "The whole city, or every room in it.",
        breadth=3,
        needs=("city_id",),
        in_a_city=True,
        whole_city=True,
    ),
    Scope("region", "region", "A region, Land or canton.", breadth=4, needs=("region",)),
    Scope("country", "country", "A whole country.", breadth=5),
    Scope(
        "multinational",
        "multinational area",
        "Several countries, named exactly as the source names them (EU-27 and EU-28 are different areas).",
        breadth=6,
    ),
)


def city_scopes() -> tuple[str, ...]:
    """The scopes of figures about a city or one of its facilities."""
    return tuple(scope.id for scope in SCOPES if scope.in_a_city)


def named_place_scopes() -> tuple[str, ...]:
    """The scopes whose figures name their place (a street, a district, an operator) in `place`."""
    return tuple(scope.id for scope in SCOPES if "place" in scope.needs)


def area_scopes() -> tuple[str, ...]:
    """The scopes of figures about a region, a country or a wider area."""
    return tuple(scope.id for scope in SCOPES if not scope.in_a_city)


# How strong a source is --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceKind(Choice):
    """What kind of document a figure comes from, strongest first. `headline` marks the kinds a headline
    tile may show without saying so: an official count, the service's own report, or either quoted."""

    headline: bool = False


SOURCE_KINDS: tuple[SourceKind, ...] = (
    SourceKind(
        "official_statistics",
        "official statistics",
        "A statistics office, a register, EUDA/EMCDDA tables or a ministry's statistics.",
        headline=True,
    ),
    SourceKind(
        "service_report",
        "service or annual report",
        "The room's or its operator's own annual or activity report, or its service data page.",
        headline=True,
    ),
    SourceKind(
        "parliamentary_answer",
        "parliamentary answer",
        "A government's answer to a question in parliament or a city council.",
        headline=True,
    ),
    SourceKind(
        "authority_in_news",
        "authority quoted in the news",
        "A news report whose figure comes from an authority or the service, quoted or attributed.",
        headline=True,
    ),
    SourceKind(
        "news_report",
        "news report",
        "A journalist's own report; the figure is not attributed to an authority or the service.",
    ),
    SourceKind(
        "claim",
        "claim",
        "A politician's, campaigner's or advocate's statement, or an interested party's press release: "
        "not a count.",
    ),
    SourceKind(
        "secondary_copy",
        "secondary copy",
        "A blog, aggregator, wiki or repository that copies someone else's figures.",
    ),
    SourceKind(
        "seed_article",
        "seed article",
        "One of the five articles the project started from.",
    ),
)

# `observations.evidence`: set only where one figure's strength differs from its document's kind (a
# politician quoted in a news report is a claim); a seed article is a document, never a figure's evidence.
EVIDENCE_KINDS: tuple[SourceKind, ...] = tuple(kind for kind in SOURCE_KINDS if kind.id != "seed_article")
SEED_ARTICLE = "seed_article"


def headline_kinds() -> tuple[str, ...]:
    """The kinds of source a headline tile shows without a caveat."""
    return tuple(kind.id for kind in SOURCE_KINDS if kind.headline)


# `observations.quote_form`: empty for a sentence copied verbatim.
QUOTE_FORMS: tuple[Choice, ...] = (
    Choice("table_cell", "table cell", "A cell of a table: the quote gives its row and column words."),
    Choice(
        "table_reading",
        "table reading",
        "A value read from a table whose cells ran together in the stored text: the quote is the raw run, "
        "the notes say how it was split.",
    ),
)

# `sources.language`: the ISO 639-1 code of the language the quotes are in.
LANGUAGES: tuple[Choice, ...] = (
    Choice("ca", "Catalan"),
    Choice("da", "Danish"),
    Choice("de", "German"),
    Choice("el", "Greek"),
    Choice("en", "English"),
    Choice("es", "Spanish"),
    Choice("fi", "Finnish"),
    Choice("fr", "French"),
    Choice("is", "Icelandic"),
    Choice("it", "Italian"),
    Choice("nl", "Dutch"),
    Choice("nn", "Norwegian Nynorsk"),
    Choice("no", "Norwegian"),
    Choice("pt", "Portuguese"),
    Choice("sv", "Swedish"),
)


# Metrics -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricKind(Choice):
    """What kind of quantity a metric is. `whole_number`: counted in whole units (unless averaged);
    `signed`: may be below zero; `divisible`: may be divided by residents, facilities or consumptions;
    `protected`: how the small-count rule treats it (a `count` is protected itself, a `derived` figure
    follows the counts of its place, period and part)."""

    whole_number: bool = False
    signed: bool = False
    divisible: bool = False
    protected: Literal["count", "derived", ""] = ""


METRIC_KINDS: tuple[MetricKind, ...] = (
    MetricKind("count", whole_number=True, divisible=True, protected="count"),
    MetricKind("rate", protected="derived"),
    MetricKind("mass", divisible=True),
    MetricKind("percent_change", signed=True, protected="derived"),
    MetricKind("population", whole_number=True, protected="count"),
)


def metric_kinds(**flags: object) -> tuple[str, ...]:
    """The ids of the metric kinds whose fields have the given values, e.g. `metric_kinds(signed=True)`."""
    return tuple(
        kind.id for kind in METRIC_KINDS if all(getattr(kind, name) == value for name, value in flags.items())
    )


# `higher_is_better`: empty when neither direction is better.
DIRECTIONS: tuple[Choice, ...] = (Choice("true"), Choice("false"))

# What a part of a total is split by: `breakdown` is written `dimension=value`, e.g. `sex=female`.
BREAKDOWN_DIMENSIONS: tuple[Choice, ...] = tuple(
    Choice(dimension) for dimension in ("sex", "age", "drug", "nationality", "site")
)


# Facilities and events ---------------------------------------------------------------------------------

FACILITY_TYPES: tuple[Choice, ...] = (
    Choice("injection", "Injection"),
    Choice("inhalation", "Inhalation"),
    Choice("mixed", "Injection and inhalation"),
    Choice("unknown", "Not stated by the sources"),
)

# Not a column: whether the facility list records a closure (`facility_directory.sql` filters on it).
FACILITY_STATUSES: tuple[Choice, ...] = (
    Choice("open", "No closure recorded"),
    Choice("closed", "Closed"),
)

EVENT_KINDS: tuple[Choice, ...] = (
    Choice("opening", "Opening"),
    Choice("closure", "Closure"),
    Choice("policy", "Policy change"),
    Choice("relocation", "Relocation"),
)

# Data text in the reader's language --------------------------------------------------------------------

# The languages a translation of data text (`translations.csv`) may be in: every language the dashboard
# speaks but English, in which the data is written.
TRANSLATION_LANGUAGES: tuple[Choice, ...] = tuple(
    Choice(code) for code in DASHBOARD_LANGUAGES if code != DEFAULT_LANGUAGE
)
# The tables whose text a reader sees as words rather than names, and which of their columns are
# translated: the metric catalogue's names, definitions and units, and the events' labels on trend charts.
TRANSLATED_COLUMNS: dict[str, tuple[str, ...]] = {
    "metrics": ("label", "definition", "unit"),
    "events": ("label",),
}
TRANSLATED_TABLES: tuple[Choice, ...] = tuple(Choice(name) for name in TRANSLATED_COLUMNS)

# Comparing cities -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Normalisation(Choice):
    """How compared figures are shown: as reported, or divided by residents, facilities or consumptions;
    `figure` names a compared figure in its unit of comparison."""

    figure: str = "{figure}"


NORMALISATIONS: tuple[Normalisation, ...] = (
    Normalisation("absolute", "As reported"),
    Normalisation("per_100k", "Per 100,000 residents", figure="{figure} per 100,000 residents"),
    Normalisation("per_facility", "Per facility", figure="{figure} per facility"),
    Normalisation(
        "per_1000_consumptions", "Per 1,000 consumptions", figure="{figure} per 1,000 consumptions"
    ),
)

# Every list above, for the tests that keep the schema and the translations in step with it.
LISTS: dict[str, tuple[Choice, ...]] = {
    "period kinds": PERIOD_KINDS,
    "rates": RATES,
    "qualifiers": QUALIFIERS,
    "scopes": SCOPES,
    "metric kinds": METRIC_KINDS,
    "directions": DIRECTIONS,
    "breakdown dimensions": BREAKDOWN_DIMENSIONS,
    "facility types": FACILITY_TYPES,
    "facility statuses": FACILITY_STATUSES,
    "event kinds": EVENT_KINDS,
    "normalisations": NORMALISATIONS,
    "source kinds": SOURCE_KINDS,
    "evidence kinds": EVIDENCE_KINDS,
    "quote forms": QUOTE_FORMS,
    "languages": LANGUAGES,
    "translation languages": TRANSLATION_LANGUAGES,
    "translated tables": TRANSLATED_TABLES,
}
