"""Plotly figure builders. Every figure carries its title, subtitle, sources, licence and data version.

Figures are built with `plotly.graph_objects` (on this stack `plotly.express` costs about five times
more per rerun). Plotly renders a pseudo-HTML subset in labels, so every data-derived string is escaped
with `escape_label` before it reaches a figure. Pages build a published chart through `built_once`, so a
rerun that asks for the same chart of the same data reuses the figure.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ParamSpec

import plotly.graph_objects as go
import plotly.io as pio

from ..attribution import DATA_LICENCE, release_line, source_citation
from ..cache import ResultCache
from ..i18n import t
from ..untrusted import escape_label

P = ParamSpec("P")

# Okabe-Ito first (colour-blind safe), then Paul Tol's muted scheme; yellow is left out for contrast.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000",
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499",
)  # fmt: skip
FOCUS_CITIES = ("copenhagen", "amsterdam", "brussels")
FONT = "Helvetica, Arial, sans-serif"
FOOTER_WIDTH = 150  # characters per footer line, so long source lists wrap inside the image
# Registered and validated by plotly once; `attributed_figure` sets it without validating it again.
TEMPLATE = pio.templates["plotly_white"]


def city_colours(all_city_ids: Sequence[str]) -> dict[str, str]:
    """One colour per city, the same on every page: focus cities first, then the rest in id order."""
    ordered = list(FOCUS_CITIES) + sorted(set(all_city_ids) - set(FOCUS_CITIES))
    return {city_id: PALETTE[index % len(PALETTE)] for index, city_id in enumerate(ordered)}


def with_colour_beside(colours: Mapping[str, str], shown: Sequence[str], extra: str) -> dict[str, str]:
    """Every city's usual colour, and for `extra` (drawn beside the cities `shown`, such as a visitor's
    city that is not published) the first colour none of them has."""
    taken = {colours[city_id] for city_id in shown if city_id in colours}
    colour = next((colour for colour in PALETTE if colour not in taken), PALETTE[0])
    return {**colours, extra: colour}


def file_name(title: str) -> str:
    """A download file name from a chart title: `Visits, Copenhagen` -> `visits-copenhagen`."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:80] or "chart"


def cited_sources(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Each row's source as the source line names it: publisher and title (`Europe 1, “Paris: ...”`)."""
    return [source_citation(row["source_title"], row.get("source_publisher")) for row in rows]


def source_line(sources: Sequence[str]) -> str:
    """`Source: A; B` with each distinct source once, in the order given."""
    distinct = list(dict.fromkeys(source for source in sources if source))
    if not distinct:
        return ""
    label = t("Source") if len(distinct) == 1 else t("Sources")
    return f"{label}: " + "; ".join(distinct)


def attributed_figure(
    title: str,
    subtitle: str,
    sources: Sequence[str],
    data_version: str,
    published_on: str,
    note: str = "",
) -> go.Figure:
    """An empty figure whose layout already says what it shows, where it comes from and under which licence.

    `sources` name each source as a reader cites it, publisher and title (`cited_sources`). All text
    arguments may contain data values; they are escaped here.
    """
    licence = f"{t('Licence')}: {DATA_LICENCE} · {release_line(data_version, published_on)} · sdcf-metrics"
    footer_lines = [
        escape_label(wrapped)
        for line in (note, source_line(sources), licence)
        if line
        for wrapped in textwrap.wrap(line, FOOTER_WIDTH)
    ]
    # Room under the plot for the x-axis labels, then the footer lines, then a small gap.
    footer_margin = 64 + 17 * len(footer_lines)
    figure = go.Figure()
    _set_template(figure, TEMPLATE)
    figure.update_layout(
        title={
            "text": f"<b>{escape_label(title)}</b><br><span style='font-size:13px;color:#444'>"
            f"{escape_label(subtitle)}</span>",
            "x": 0,
            "xref": "container",
            "xanchor": "left",
            "pad": {"l": 14},
            "y": 0.97,
            "yanchor": "top",
        },
        font={"family": FONT, "size": 13, "color": "#222"},
        margin={"l": 60, "r": 30, "t": 90, "b": footer_margin},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        height=480,
        annotations=[
            {
                "text": "<br>".join(footer_lines),
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 0,
                "yshift": -(footer_margin - 8),
                "xanchor": "left",
                "yanchor": "bottom",
                "align": "left",
                "showarrow": False,
                "font": {"size": 11, "color": "#555"},
            }
        ],
    )
    return figure


def _set_template(figure: go.Figure, template: go.layout.Template) -> None:
    """Give `figure` an already validated template without validating it again (a deep copy of the
    template checked property by property was most of the time of building a small figure). Plotly gives a
    new figure its default template the same way."""
    figure.layout._validate = False
    try:
        figure.layout.template = template
    finally:
        figure.layout._validate = True


def _figure_size(figure: go.Figure) -> int:
    """The length of the figure's JSON: what a figure holds, roughly, and what is sent to a browser."""
    return len(pio.to_json(figure, validate=False))


FIGURES = ResultCache(max_entries=256, max_bytes=64 * 1024**2, size=_figure_size)


def built_once(builder: Callable[P, go.Figure], /, *args: P.args, **kwargs: P.kwargs) -> go.Figure:
    """`builder(*args, **kwargs)`, built once per process for the same arguments and kept in `FIGURES`:
    a figure is reused only for exactly the same data, options and data version (every builder takes
    the data version). The figure is shared between sessions: draw it, never change it. A chart of a
    visitor's upload is built directly, never through here, so nothing of it outlives the session.
    """
    return FIGURES.once(builder, *args, **kwargs)


def chart_config(title: str) -> dict[str, object]:
    """Plotly toolbar settings: a 2x PNG named after the chart, no logo, no editing, no external links."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "scale": 2, "filename": file_name(title)},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
        "showLink": False,
        "showEditInChartStudio": False,
    }
