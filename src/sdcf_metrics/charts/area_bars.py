"""Horizontal bars of one figure per area (a country, a region), each labelled with its own date.

The figures of different areas usually come from different years, so every bar says its date and the
figure in the source's terms ("more than 100"); areas keep the order given (alphabetical on the home
page) rather than a ranking, and a range is drawn as a floating bar from its low to its high end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from ..attribution import source_citation
from ..figures import describe_value
from ..i18n import t
from ..untrusted import escape_label
from .base import attributed_figure, cited_sources

Row = Mapping[str, Any]

BAR_COLOUR = "#5F7A8C"
_BAR_HEIGHT = 38
_BASE_HEIGHT = 260
_LABEL_ROOM = 1.35


def latest_by_area_figure(
    rows: Sequence[Row],
    *,
    title: str,
    subtitle: str,
    axis_title: str,
    data_version: str,
    published_on: str,
    note: str = "",
) -> go.Figure:
    """One bar per row, top to bottom in the order given, with the figure and its date beside it."""
    figure = attributed_figure(
        title=title,
        subtitle=subtitle,
        sources=cited_sources(rows),
        data_version=data_version,
        published_on=published_on,
        note=note,
    )
    is_range = [row["qualifier"] == "range" for row in rows]
    figure.add_trace(
        go.Bar(
            orientation="h",
            y=[escape_label(row["country"]) for row in rows],
            x=[
                row["value_high"] - row["value_low"] if ranged else row["value"]
                for row, ranged in zip(rows, is_range, strict=True)
            ],
            base=[row["value_low"] if ranged else 0 for row, ranged in zip(rows, is_range, strict=True)],
            text=[
                escape_label(t("{figure} ({period})", figure=describe_value(row), period=row["period_label"]))
                for row in rows
            ],
            textposition="outside",
            cliponaxis=False,
            marker={"color": BAR_COLOUR},
            hovertext=[
                escape_label(
                    "\n".join((row["country"], describe_value(row), row["counted_as"], row["period_label"]))
                    + "\n"
                    + t(
                        "Source: {title}",
                        title=source_citation(row["source_title"], row.get("source_publisher")),
                    )
                ).replace("\n", "<br>")
                for row in rows
            ],
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
        )
    )
    figure.update_yaxes(autorange="reversed", type="category")
    # Room on the right for the label beside the longest bar.
    longest = max(
        (row["value_high"] if ranged else row["value"] for row, ranged in zip(rows, is_range, strict=True)),
        default=1,
    )
    figure.update_xaxes(title={"text": axis_title}, range=[0, longest * _LABEL_ROOM], tickformat=",")
    figure.update_layout(height=_BASE_HEIGHT + _BAR_HEIGHT * max(len(rows), 1), bargap=0.35)
    return figure
