"""Plotly figure builders. Every figure carries its title, subtitle, sources, licence and data version.

Figures are built with `plotly.graph_objects` (on this stack `plotly.express` costs about five times
more per rerun). Plotly renders a pseudo-HTML subset in labels, so every data-derived string is escaped
with `escape_label` before it reaches a figure. Pages build a published chart through `built_once`, so a
rerun that asks for the same chart of the same data reuses the figure.

Plotly never wraps text, so a title or a source line that fits a 1,000-pixel image runs off a phone's
screen. A figure therefore keeps its words twice: inside the layout, for the exported image (a fixed
width, where they are wrapped here), and as plain text in `layout.meta` (`chart_words`), which the page
draws as text above and below `for_screen(figure)`, the same figure without them, so they wrap at any
width. Numbers on axes and in labels use the reader's separators (`layout.separators`), and dates on a
time axis are written in figures rather than in English month names.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, ParamSpec

import plotly.graph_objects as go
import plotly.io as pio

from ..attribution import DATA_LICENCE, release_line, source_citation
from ..cache import DerivedOnce, ResultCache
from ..i18n import current_language, number_separators, t
from ..untrusted import escape_label

P = ParamSpec("P")

# Colours for cities, each at least 3:1 against the white background (WCAG 1.4.11, non-text contrast).
# The first six are Okabe-Ito's blue, vermillion, bluish green, reddish purple and black, with a brown in
# place of its orange, sky blue and yellow (under 2.3:1 on white). Simulated for protanopia, deuteranopia
# and tritanopia (Machado et al. 2009), no two of the six come closer than 17 CIELAB units (ΔE76), as
# close as Okabe-Ito's own eight; the focus cities take the first three, which stay at least 17 apart too.
# Beyond six, darker colours from Paul Tol's schemes follow. Colour never carries meaning alone: every
# city is also named on its axis, label or legend entry, and marker shapes carry the qualifiers.
PALETTE = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#774422",
    "#332288", "#117733", "#882255", "#AA4499", "#2F7F72", "#6B6B00", "#5E5E5E", "#B0485A",
)  # fmt: skip
FOCUS_CITIES = ("copenhagen", "amsterdam", "brussels")
FONT = "Helvetica, Arial, sans-serif"
FOOTER_WIDTH = 150  # characters per footer line, so long source lists wrap inside the image
# Registered and validated by plotly once; `attributed_figure` sets it without validating it again.
TEMPLATE = pio.templates["plotly_white"]
TITLE_WIDTH = 95  # characters per title line in the 1,000-pixel image
LEGEND_WIDTH = 36  # characters per legend line: a phone's screen holds about that many
MARK_LABEL_WIDTH = 16  # characters per line of a label written beside a mark on a phone
CATEGORY_WIDTH = 18  # characters per line of a category's name (a city) on its axis
_FOOTER_LINE = 17
# The legend on a page: a list above the plot, one line per row of text.
_SCREEN_TOP = 16
_LEGEND_LINE = 19
_LEGEND_GAP = 12
_LABEL_LINE = 15
_ROW_GAP = 14
# Dates on a time axis in figures, in each language's order (no English month names in a French chart).
_NUMERIC_DATES = {
    "da": ("%d.%m.%Y", "%m.%Y"),
    "de": ("%d.%m.%Y", "%m.%Y"),
    "es": ("%d/%m/%Y", "%m/%Y"),
    "fr": ("%d/%m/%Y", "%m/%Y"),
    "nl": ("%d-%m-%Y", "%m-%Y"),
}
_MONTH_MS = 31 * 24 * 3600 * 1000
_YEAR_MS = 365 * 24 * 3600 * 1000


@dataclass(frozen=True)
class ChartWords:
    """What a chart says around its plot, as plain (unescaped) text: what the page writes as text. The
    footer's lines are kept apart so that a page can write the sources as links."""

    title: str = ""
    subtitle: str = ""
    note: str = ""
    sources: str = ""
    licence: str = ""

    @property
    def footer(self) -> tuple[str, ...]:
        """The lines under the plot, as the exported image has them: note, sources, licence."""
        return tuple(line for line in (self.note, self.sources, self.licence) if line)


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
    if len(distinct) == 1:
        return t("Source: {title}", title=distinct[0])
    return t("Sources: {titles}", titles="; ".join(distinct))


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
    release = release_line(data_version, published_on)
    licence = " · ".join((t("Licence: {licence}", licence=DATA_LICENCE), release, "sdcf-metrics"))
    words = ChartWords(title, subtitle, note, source_line(sources), licence)
    footer_lines = [
        escape_label(wrapped) for line in words.footer for wrapped in textwrap.wrap(line, FOOTER_WIDTH)
    ]
    # Room under the plot for the x-axis labels, then the footer lines, then a small gap.
    footer_margin = 64 + _FOOTER_LINE * len(footer_lines)
    title_lines = "<br>".join(escape_label(line) for line in textwrap.wrap(title, TITLE_WIDTH))
    figure = go.Figure()
    _set_template(figure, TEMPLATE)
    figure.update_layout(
        meta={"words": asdict(words)},
        separators=number_separators(),
        title={
            "text": f"<b>{title_lines}</b><br><span style='font-size:13px;color:#444'>"
            f"{escape_label(subtitle)}</span>",
            "x": 0,
            "xref": "container",
            "xanchor": "left",
            "pad": {"l": 14},
            "y": 0.97,
            "yanchor": "top",
        },
        font={"family": FONT, "size": 13, "color": "#222"},
        dragmode=False,
        margin={"l": 60, "r": 30, "t": 90, "b": footer_margin},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        height=480,
        annotations=[
            {
                "name": "footer",
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


def _set_template(figure: go.Figure, template: go.layout.Template | dict[str, Any]) -> None:
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


# Room for every view's figure (about 280, `ui.warm_up` builds them all) in two languages.
FIGURES = ResultCache(max_entries=1024, max_bytes=64 * 1024**2, size=_figure_size, per_version=True)


def built_once(builder: Callable[P, go.Figure], /, *args: P.args, **kwargs: P.kwargs) -> go.Figure:
    """`builder(*args, **kwargs)`, built once per process for the same arguments and kept in `FIGURES`:
    a figure is reused only for exactly the same data, options and data version (every builder takes
    the data version). The figure is shared between sessions: draw it, never change it. A chart of a
    visitor's upload is built directly, never through here, so nothing of it outlives the session.
    """
    return FIGURES.once(builder, *args, **kwargs)


_DRAWN = DerivedOnce()


class DrawnFigure(go.Figure):
    """A figure as a page draws it (`for_screen`, `with_words_inside`), which nothing changes once it is
    made. Streamlit asks for a figure's dict on every rerun that shows it, and Plotly makes that dict by
    deep-copying and walking the whole figure (3 to 5 ms a chart, the biggest part of drawing one), so a
    drawn figure makes it once, the first time it is asked for."""

    _as_dict: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        if self._as_dict is None:
            self._as_dict = super().to_dict()
        return dict(self._as_dict)  # a new top level: Plotly's pickling adds keys to what it gets


def drawn_once(figure: go.Figure, words_inside: bool) -> DrawnFigure:
    """The figure as a page draws it, `with_words_inside` or `for_screen`, made once per figure object: both
    copy and revalidate the whole figure, which was most of a chart page's rerun when the same shared
    figure (`built_once`) was drawn again on every rerun."""
    if words_inside:
        return _DRAWN.get(figure, "words inside", lambda: with_words_inside(figure))
    return _DRAWN.get(figure, "screen", lambda: for_screen(figure))


def _drawn_copy(figure: go.Figure) -> DrawnFigure:
    """A copy of a figure to draw. Plotly copies a figure object by building it again property by property,
    even when told not to validate, and the shared template (`_set_template`) most of all: 15 to 24 ms a
    chart, most of `for_screen` and an eighth of the server's time under load after a publication. Built
    from the figure's dict without the template, which is then given as it is, the copy takes about 5 ms;
    the drawn figure's dict is the same (checked on every view a share link can name)."""
    source = figure.to_dict()  # a deep copy, the template's own dict included
    template = source["layout"].pop("template", None)
    drawn = DrawnFigure(source)
    if template is not None:
        _set_template(drawn, template)
    return drawn


def chart_words(figure: go.Figure) -> ChartWords:
    """The title, subtitle and footer lines `attributed_figure` gave the figure, as plain text."""
    return ChartWords(**(figure.layout.meta or {}).get("words", {}))


def for_screen(figure: go.Figure) -> DrawnFigure:
    """The figure as a page draws it, made to fit a phone: without the title and footer (the page writes
    them as text that wraps at any width; the unescaped `meta` copy of them is dropped too); its legend
    above the plot, its long legend entries, axis titles, category names and labels beside marks broken
    into short lines; a label on the left of a mark far to the right. The plot keeps at least its height,
    rows grow with their labels, and the figure grows by what the legend needs."""
    screen = _drawn_copy(figure)
    screen.layout.annotations = [note for note in screen.layout.annotations if note.name != "footer"]
    margin = screen.layout.margin
    plot_height = screen.layout.height - margin.t - margin.b
    footer_lines = sum(len(textwrap.wrap(line, FOOTER_WIDTH)) for line in chart_words(figure).footer)
    bottom = max(margin.b - _FOOTER_LINE * footer_lines, 40)
    entries = _legend_entries(screen)
    for trace in entries:
        trace.name = _wrapped(trace.name, LEGEND_WIDTH)
    legend_lines = sum(trace.name.count("<br>") + 1 for trace in entries)
    groups = len({trace.legendgroup for trace in entries if trace.legendgrouptitle.text})
    top = _SCREEN_TOP + _LEGEND_LINE * (legend_lines + groups) + (_LEGEND_GAP if entries else 0)
    screen.for_each_xaxis(
        lambda axis: (
            axis.update(title_text=_wrapped(axis.title.text, LEGEND_WIDTH), automargin=True)
            if axis.title.text
            else None
        )
    )
    label_lines = _fit_mark_labels(screen)
    rows = _wrap_categories(screen)
    plot_height = max(plot_height, rows * (_LABEL_LINE * label_lines + _ROW_GAP))
    screen.update_layout(
        meta=None,
        title=None,
        margin={"t": top, "b": bottom},
        height=plot_height + top + bottom,
        legend={
            "orientation": "h",
            "xref": "container",
            "x": 0,
            "xanchor": "left",
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "font": {"size": 12},
        },
    )
    return screen


def _fit_mark_labels(figure: go.Figure) -> int:
    """Break the labels written beside marks ("3,090 · reference") into short lines, and put the label of
    a mark far to the right on its left; return the most lines a label has."""
    middle = _middle(figure.layout.xaxis.range)
    lines = 1
    for trace in figure.data:
        if not (isinstance(trace, go.Scatter) and trace.mode and "text" in trace.mode and trace.text):
            continue
        trace.text = [_wrapped(text, MARK_LABEL_WIDTH) if text else text for text in trace.text]
        lines = max([lines, *(text.count("<br>") + 1 for text in trace.text if text)])
        if trace.textposition == "middle right" and middle is not None:
            far = [isinstance(x, int | float) and x > middle for x in trace.x]
            trace.textposition = ["middle left" if right else "middle right" for right in far]
    return lines


def _wrap_categories(figure: go.Figure) -> int:
    """Break the long names of a category axis (a city beside its marks) into short lines, in the axis
    and in every trace that places a mark on it; return the number of categories."""
    axis = figure.layout.yaxis
    if axis.type != "category" or not axis.categoryarray:
        return 0
    short = {name: _wrapped(name, CATEGORY_WIDTH) for name in axis.categoryarray}
    axis.categoryarray = [short[name] for name in axis.categoryarray]
    for trace in figure.data:
        if isinstance(trace, go.Scatter) and trace.y is not None:
            trace.y = [short.get(value, value) if isinstance(value, str) else value for value in trace.y]
    return len(short)


def _middle(axis_range: Sequence[object] | None) -> float | None:
    """Where on a numeric axis a label no longer fits on the right of its mark on a phone (two fifths
    along the range), or None when the axis has no fixed numeric range."""
    if not axis_range or not all(isinstance(end, int | float) for end in axis_range):
        return None
    return axis_range[0] + (axis_range[1] - axis_range[0]) * 0.4


def _wrapped(text: str, width: int) -> str:
    """Plotly text broken at spaces into lines of about `width` characters (text already broken is left;
    a word is never cut, so joining the lines with spaces gives the text back)."""
    if len(text) <= width or "<br>" in text:
        return text
    return "<br>".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False))


def _legend_entries(figure: go.Figure) -> list[go.Scatter]:
    """The traces the legend lists (Plotly shows none for a single trace unless told to)."""
    if figure.layout.showlegend is False:
        return []
    entries = [trace for trace in figure.data if trace.showlegend is not False and trace.name]
    if len(entries) < 2 and figure.layout.showlegend is not True:
        return []
    return entries


def with_words_inside(figure: go.Figure) -> DrawnFigure:
    """The figure as drawn where the browser's camera makes the image: its words stay inside the plot,
    and only the unescaped `meta` copy of them is dropped."""
    drawn = _drawn_copy(figure)
    drawn.layout.meta = None
    return drawn


def localise_dates(figure: go.Figure) -> go.Figure:
    """Write the dates of every time axis in figures in the reader's order (English keeps Plotly's
    month names). Call it once the axes are set."""
    formats = _NUMERIC_DATES.get(current_language())
    if formats is None:
        return figure
    day, month = formats
    stops = [
        {"dtickrange": [None, _MONTH_MS], "value": day},
        {"dtickrange": [_MONTH_MS, _YEAR_MS], "value": month},
        {"dtickrange": [_YEAR_MS, None], "value": "%Y"},
    ]
    figure.for_each_xaxis(lambda axis: axis.update(tickformatstops=stops) if axis.type == "date" else None)
    figure.for_each_xaxis(lambda axis: axis.update(hoverformat=day) if axis.type == "date" else None)
    return figure


def chart_config(title: str, toolbar: bool = False) -> dict[str, object]:
    """Plotly settings: no toolbar (the downloads sit beside the chart, and a toolbar adds eight tab stops
    per chart and covers the title on a phone), no zoom by dragging (it fights scrolling on a touch
    screen), no logo, no editing, no external links. `toolbar` keeps the one camera button where the
    server cannot make the image (a 2x PNG named after the chart)."""
    config: dict[str, object] = {
        "displaylogo": False,
        "displayModeBar": toolbar,
        "showLink": False,
        "showEditInChartStudio": False,
        "scrollZoom": False,
        "doubleClick": False,
        "showAxisDragHandles": False,
        "responsive": True,
    }
    if toolbar:
        config["modeBarButtons"] = [["toImage"]]
        config["toImageButtonOptions"] = {"format": "png", "scale": 2, "filename": file_name(title)}
    return config
