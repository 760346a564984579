"""Plotly figure builders, one module per kind of chart; `base` holds what every figure shares."""

from .base import (
    FOCUS_CITIES,
    PALETTE,
    ChartWords,
    attributed_figure,
    built_once,
    chart_config,
    chart_words,
    cited_sources,
    city_colours,
    drawn_once,
    file_name,
    for_screen,
    localise_dates,
    source_line,
    with_colour_beside,
    with_words_inside,
)

__all__ = [
    "FOCUS_CITIES",
    "PALETTE",
    "ChartWords",
    "attributed_figure",
    "built_once",
    "chart_config",
    "chart_words",
    "cited_sources",
    "city_colours",
    "drawn_once",
    "file_name",
    "for_screen",
    "localise_dates",
    "source_line",
    "with_colour_beside",
    "with_words_inside",
]
