"""Plotly figure builders, one module per kind of chart; `base` holds what every figure shares."""

from .base import (
    FOCUS_CITIES,
    PALETTE,
    attributed_figure,
    built_once,
    chart_config,
    cited_sources,
    city_colours,
    file_name,
    source_line,
    with_colour_beside,
)

__all__ = [
    "FOCUS_CITIES",
    "PALETTE",
    "attributed_figure",
    "built_once",
    "chart_config",
    "cited_sources",
    "city_colours",
    "file_name",
    "source_line",
    "with_colour_beside",
]
