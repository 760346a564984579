"""Comparison charts: each city's figure closest to a reference, all figures over time, and countries.

How a point is drawn says what kind of figure it is, as on the city trend chart: the marker shape gives
the qualifier (a filled circle is exact, an open circle approximate, a triangle points the way a bound
leaves open), a bar between two ticks is a range. Every point's text or legend entry names its
comparability mark, and a figure with a different definition from the reference is drawn faded. Nothing
is summed or stacked, and national rates get a chart of their own.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Any

import plotly.graph_objects as go

from ..attribution import source_citation
from ..compare.comparison import ComparedValue, Comparison, years_since
from ..compare.describe import (
    DERIVED_NOTE,
    divisor_years,
    hover_text,
    is_reference,
    normalised_figure,
    relation_label,
)
from ..compare.marks import DIFFERENT_DEFINITION
from ..compare.national import countries_label
from ..figures import describe_value
from ..i18n import t
from ..trends import plot_date
from ..untrusted import escape_label
from ..vocabulary import EXACT_MARKER, MARKERS, NORMALISATIONS, QUALIFIERS, entry, label
from .base import attributed_figure, cited_sources, localise_dates

Row = Mapping[str, Any]

_KEY_COLOUR = "#666666"
_MARKER_SIZE = 13
_NAMED_CITIES = 4
_SIDE_LEGEND = {"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"}
# A figure whose definition differs from the reference's is drawn faded: it is shown, not compared.
_FADED = 0.45
_NATIONAL_COLOUR = "#9AA5B1"
_NATIONAL_HIGHLIGHT = "#0072B2"


def _colour(colour: str, value: ComparedValue) -> str:
    """The city's colour, faded (not its label) when the figure's definition differs from the reference."""
    if DIFFERENT_DEFINITION not in value.marks:
        return colour
    red, green, blue = (int(colour[index : index + 2], 16) for index in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {_FADED})"


def _hover(text: str) -> str:
    return escape_label(text).replace("\n", "<br>")


def _axis_title(metric_label: str, per: str) -> str:
    if per == "absolute":
        return metric_label
    return f"{metric_label}, {label(NORMALISATIONS, per).lower()}"


def _normalisation_text(values: Sequence[ComparedValue], per: str) -> str:
    """`per 100,000 residents (populations of 2014–2024)`; each city's years are in the note."""
    text = label(NORMALISATIONS, per).lower()
    years = sorted({value.normalised.divisor_date[:4] for value in values if value.normalised.derived})
    if per == "per_100k" and years:
        span = years[0] if len(years) == 1 else f"{years[0]}–{years[-1]}"
        return t("{normalisation} (populations of {years})", normalisation=text, years=span)
    return text


def _places(cities: Sequence[str]) -> str:
    """The cities by name, or their number when the list would not fit in a subtitle."""
    return ", ".join(cities) if len(cities) <= _NAMED_CITIES else t("{count} cities", count=len(cities))


def _subtitle(cities: Sequence[str], shown: Sequence[ComparedValue], per: str, *extra: str) -> str:
    """`Copenhagen, Brussels · 2019–2024 · per 100,000 residents (...)`: places, years, what was divided."""
    parts = (_places(cities), _years([value.row for value in shown]), _normalisation_text(shown, per), *extra)
    return " · ".join(part for part in parts if part)


def _fit_height(figure: go.Figure, plot_height: int) -> None:
    """Make the figure tall enough for its plot area plus the title and the footer above and below it."""
    figure.update_layout(height=plot_height + figure.layout.margin.t + figure.layout.margin.b)


def _years(rows: Sequence[Row]) -> str:
    years = sorted({row["period_end"][:4] for row in rows})
    if not years:
        return ""
    return years[0] if len(years) == 1 else f"{years[0]}–{years[-1]}"


def _sources(values: Sequence[ComparedValue]) -> list[str]:
    """Each figure's source, then the source of what it was divided by, if anything."""
    sources = []
    for value in values:
        sources.extend(cited_sources([value.row]))
        if value.normalised.divisor_source:
            sources.append(value.normalised.divisor_source)
    return sources


def _note(values: Sequence[ComparedValue], per: str, extra: Sequence[str] = ()) -> str:
    parts = list(extra)
    if any(value.normalised.derived for value in values):
        parts.append(t("Compared values are {derived}.", derived=t(DERIVED_NOTE)))
    if per == "per_100k" and divisor_years(values):
        parts.append(t("Population years: {years}.", years=divisor_years(values)))
    return " · ".join(parts)


def _add_key(figure: go.Figure, qualifiers: Collection[str], horizontal: bool) -> None:
    """Grey legend entries naming the marker shapes this chart draws, when it draws more than dots."""
    drawn = {entry(QUALIFIERS, qualifier).marker for qualifier in qualifiers}
    if drawn <= {EXACT_MARKER}:
        return
    for marker in MARKERS:
        if marker not in drawn:
            continue
        figure.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=t(marker.words),
                legendgroup="key",
                legendgrouptitle={"text": t("Shape")},
                marker={
                    "symbol": marker.horizontal if horizontal else marker.symbol,
                    "size": 11,
                    "color": _KEY_COLOUR,
                    "line": {"color": _KEY_COLOUR, "width": 2},
                },
                hoverinfo="skip",
            )
        )


def _range_trace(
    x: list[Any], y: list[Any], colour: str, symbol: str, mode: str = "lines+markers", **trace: Any
) -> go.Scatter:
    """A range as a thick line between two end ticks: no single value is drawn for it."""
    return go.Scatter(
        x=x,
        y=y,
        mode=mode,
        line={"color": colour, "width": 5},
        marker={"symbol": symbol, "size": 16, "color": colour, "line": {"color": colour, "width": 3}},
        **trace,
    )


def latest_chart(
    comparison: Comparison,
    *,
    metric_label: str,
    colours: Mapping[str, str],
    data_version: str,
    published_on: str,
    note: str = "",
) -> go.Figure:
    """One row per city: the figure closest to the reference, as a dot, a bound or a range, labelled
    with its value and comparability mark. Cities whose compared value is not computable are named in
    the note, not drawn; `note` (plain text) opens the footer."""
    per, reference = comparison.per, comparison.reference
    shown = [value for value in comparison.latest if value.normalised.computable]
    missing = [value.row["city"] for value in comparison.latest if not value.normalised.computable]
    extra = [note] if note else []
    if missing:
        extra.append(t("Not computable, not drawn: {cities} (see the table).", cities=", ".join(missing)))
    cities = [value.row["city"] for value in comparison.latest]
    figure = attributed_figure(
        t("{metric}: the figure per city closest to the reference", metric=metric_label),
        _subtitle(cities, shown, per),
        _sources(shown),
        data_version,
        published_on,
        note=_note(shown, per, extra),
    )
    for value in shown:
        figure.add_trace(_latest_trace(value, per, reference, colours))
    _add_key(figure, {value.normalised.qualifier for value in shown}, horizontal=True)
    _fit_height(figure, max(160, 60 * len(shown)))
    figure.update_layout(
        xaxis={
            "title": {"text": escape_label(_axis_title(metric_label, per))},
            "range": _value_range(shown),
            "zeroline": True,
        },
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": [escape_label(city) for city in reversed(cities)],
            "automargin": True,
        },
        legend=_SIDE_LEGEND,
    )
    return figure


def _latest_trace(
    value: ComparedValue, per: str, reference: Row | None, colours: Mapping[str, str]
) -> go.Scatter:
    """One city's row of the latest chart: a dot or a bound (bigger for the reference), or a range, with
    its value and comparability mark beside it."""
    row, normalised = value.row, value.normalised
    name = escape_label(row["city"])
    colour = _colour(colours.get(row["city_id"], _KEY_COLOUR), value)
    label = escape_label(
        t(
            "{figure} ({year}) · {relation}",
            figure=normalised_figure(normalised),
            year=row["period_end"][:4],
            relation=relation_label(value, reference),
        )
    )
    common = {
        "name": name,
        "showlegend": False,
        "hovertext": _hover(hover_text(value, per, reference)),
        "hoverinfo": "text",
        "textposition": "middle right",
        "cliponaxis": False,
    }
    if normalised.qualifier == "range":
        return _range_trace(
            [normalised.value_low, normalised.value_high],
            [name, name],
            colour,
            "line-ns-open",
            mode="lines+markers+text",
            text=["", label],
            **common,
        )
    return go.Scatter(
        x=[normalised.value],
        y=[name],
        mode="markers+text",
        text=[label],
        marker={
            "symbol": entry(QUALIFIERS, normalised.qualifier).marker.horizontal,
            "size": _MARKER_SIZE + (4 if is_reference(row, reference) else 0),
            "color": colour,
            "line": {"color": colour, "width": 2},
        },
        **common,
    )


def _value_range(shown: Sequence[ComparedValue]) -> list[float]:
    """The value axis: from zero (or the lowest value) to the highest, with room for the labels beside."""
    ends = [
        end
        for value in shown
        for end in (value.normalised.value, value.normalised.value_low, value.normalised.value_high)
        if end is not None
    ]
    low, high = min([0.0, *ends]), max([0.0, *ends])
    width = (high - low) or 1.0
    return [low - (0.05 * width if low < 0 else 0), high + 0.6 * width]


def time_chart(
    values: Sequence[ComparedValue],
    *,
    per: str,
    reference: Row | None,
    metric_label: str,
    period_label: str,
    openings: Mapping[str, Row] | None,
    colours: Mapping[str, str],
    data_version: str,
    published_on: str,
    note: str = "",
) -> go.Figure:
    """Every computable figure of one kind of period over time, one legend entry per city and mark.

    With `openings` (each city's first facility), the x axis is the years since that opening; figures of
    cities without a known opening are left out and named in the note. `note` (plain text) opens the
    footer.
    """
    shown = [value for value in values if value.normalised.computable]
    extra: list[str] = [note] if note else []
    if openings is not None:
        shown, notes = _aligned_on_openings(shown, openings)
        extra.extend(notes)
    not_computable = len(values) - len([value for value in values if value.normalised.computable])
    if not_computable:
        extra.append(t("Figures not computable, not drawn: {count} (see the table).", count=not_computable))
    axis = (
        t("x axis: years since each city's first facility opened")
        if openings is not None
        else t("x axis: calendar date")
    )
    cities = list(dict.fromkeys(value.row["city"] for value in shown))
    figure = attributed_figure(
        t("{metric} over time: {period}", metric=metric_label, period=period_label.lower()),
        _subtitle(cities, shown, per, axis),
        _sources(shown),
        data_version,
        published_on,
        note=_note(shown, per, extra),
    )
    groups: dict[tuple[str, str], list[ComparedValue]] = {}
    for value in shown:
        groups.setdefault((value.row["city_id"], relation_label(value, reference)), []).append(value)
    for (city_id, relation), group in groups.items():
        colour = _colour(colours.get(city_id, _KEY_COLOUR), group[0])
        name = escape_label(f"{group[0].row['city']} · {relation}")
        for trace in _time_traces(group, name, colour, per, reference, openings):
            figure.add_trace(trace)
    _add_key(figure, {value.normalised.qualifier for value in shown}, horizontal=False)
    _fit_height(figure, 420)
    figure.update_layout(
        xaxis={
            "title": {
                "text": t("Years since the city's first facility opened")
                if openings is not None
                else t("Date (middle of a year, month or span; else the end of the period)")
            },
            "type": "linear" if openings is not None else "date",
        },
        yaxis={"title": {"text": escape_label(_axis_title(metric_label, per))}, "rangemode": "tozero"},
        legend=_SIDE_LEGEND,
    )
    return localise_dates(figure)


def _aligned_on_openings(
    shown: Sequence[ComparedValue], openings: Mapping[str, Row]
) -> tuple[list[ComparedValue], list[str]]:
    """The figures of cities whose first opening is known, and notes naming the openings and the rest."""
    unaligned = list(
        dict.fromkeys(value.row["city"] for value in shown if value.row["city_id"] not in openings)
    )
    aligned = [value for value in shown if value.row["city_id"] in openings]
    cities_shown = list(dict.fromkeys(value.row["city_id"] for value in aligned))
    opened = "; ".join(
        f"{openings[city_id]['city']} {openings[city_id]['opened']} ({openings[city_id]['name']})"
        for city_id in cities_shown
    )
    notes = []
    if opened:
        notes.append(t("First opening in the facility list: {openings}", openings=opened))
    if unaligned:
        notes.append(t("No known opening date, not drawn: {cities}", cities=", ".join(unaligned)))
    return aligned, notes


def _time_x(row: Row, openings: Mapping[str, Row] | None) -> date | float:
    """Where a figure sits on the time axis: its date, or the years since its city's first opening."""
    middle = plot_date(row)
    if openings is None:
        return middle
    return round(years_since(middle, openings[row["city_id"]]["opened_date"]), 2)


def _time_traces(
    group: Sequence[ComparedValue],
    name: str,
    colour: str,
    per: str,
    reference: Row | None,
    openings: Mapping[str, Row] | None,
) -> list[go.Scatter]:
    """One legend entry's traces (a city's figures with one comparability mark): its points as markers
    shaped by their qualifiers, and each range as a bar."""
    traces = []
    points = [value for value in group if value.normalised.qualifier != "range"]
    ranges = [value for value in group if value.normalised.qualifier == "range"]
    if points:
        traces.append(
            go.Scatter(
                x=[_time_x(value.row, openings) for value in points],
                y=[value.normalised.value for value in points],
                mode="markers",
                name=name,
                legendgroup=name,
                marker={
                    "symbol": [
                        entry(QUALIFIERS, value.normalised.qualifier).marker.symbol for value in points
                    ],
                    "size": _MARKER_SIZE,
                    "color": colour,
                    "line": {"color": colour, "width": 2},
                },
                hovertext=[_hover(hover_text(value, per, reference)) for value in points],
                hoverinfo="text",
            )
        )
    for index, value in enumerate(ranges):
        x = _time_x(value.row, openings)
        traces.append(
            _range_trace(
                [x, x],
                [value.normalised.value_low, value.normalised.value_high],
                colour,
                "line-ew-open",
                name=name,
                legendgroup=name,
                showlegend=not points and index == 0,
                hovertext=_hover(hover_text(value, per, reference)),
                hoverinfo="text",
            )
        )
    return traces


def national_chart(
    rows: Sequence[Row],
    *,
    metric_label: str,
    year: str,
    highlighted_countries: Collection[str],
    data_version: str,
    published_on: str,
) -> go.Figure:
    """Countries' rates for one year as bars, highest at the top; the countries of the chosen cities are
    drawn darker. A range is a bar from its low to its high end, a bound says so in its label."""
    unit = rows[0]["unit"] if rows else ""
    figure = attributed_figure(
        t("{metric} by country, {year}", metric=metric_label, year=year),
        t(
            "{unit} · {countries} · compared separately from the city figures",
            unit=unit,
            countries=countries_label(len({row["country"] for row in rows})),
        ),
        cited_sources(rows),
        data_version,
        published_on,
        note=t(
            "EMCDDA/EUDA: national definitions and recording practices differ, and direct comparison "
            "between countries is discouraged. Darker bars: countries of the chosen cities."
        ),
    )
    labels = [escape_label(_country_label(row, rows)) for row in rows]
    figure.add_trace(
        go.Bar(
            x=[_bar_length(row) for row in rows],
            base=[row["value_low"] if row["qualifier"] == "range" else 0 for row in rows],
            y=labels,
            orientation="h",
            marker={
                "color": [
                    _NATIONAL_HIGHLIGHT if row["country"] in highlighted_countries else _NATIONAL_COLOUR
                    for row in rows
                ]
            },
            text=[escape_label(describe_value(row)) for row in rows],
            textposition="outside",
            cliponaxis=False,
            hovertext=[
                _hover(
                    "\n".join(
                        (
                            row["country"],
                            describe_value(row),
                            t("Counted as: {wording}", wording=row["counted_as"]),
                            t("Period: {period}", period=row["period_label"]),
                            t(
                                "Source: {title}",
                                title=source_citation(row["source_title"], row.get("source_publisher")),
                            ),
                        )
                    )
                )
                for row in rows
            ],
            hoverinfo="text",
            showlegend=False,
        )
    )
    _fit_height(figure, max(160, 22 * len(rows)))
    figure.update_layout(
        xaxis={"title": {"text": escape_label(unit)}, "rangemode": "tozero"},
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": list(reversed(labels))},
        bargap=0.25,
    )
    return figure


def _bar_length(row: Row) -> float:
    """A bar's length from its base: the figure, or for a range the distance from its low end."""
    return row["value_high"] - row["value_low"] if row["qualifier"] == "range" else row["value"]


def _country_label(row: Row, rows: Sequence[Row]) -> str:
    """The country, with the source when the same country has two figures that year."""
    if sum(other["country"] == row["country"] for other in rows) > 1:
        return f"{row['country']} ({row['source_title']})"
    return row["country"]
