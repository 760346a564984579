"""Chart payload: the size of each figure as Streamlit sends it to the browser, on each default view."""

from __future__ import annotations

from collections.abc import Sequence

from .measure import Check, Target, format_value
from .report import Section, Table
from .survey import PageSurvey

CHART_TARGET = Target(150, "KB")
KB = 1024


def run(surveys: Sequence[PageSurvey]) -> Section:
    """One row per chart: its page, its position on the page and the length of its JSON spec."""
    section = Section(
        "Chart payload",
        "The length of each Plotly figure's JSON spec (`proto.spec` of each `plotly_chart` element, in "
        "UTF-8 bytes; 1 KB = 1,024 bytes) on each page's default view, read with AppTest. The browser "
        "receives this, compressed by the websocket, before it can draw the chart.",
    )
    table = Table(("Page", "Chart", "Traces", "Spec size", "Target", "Verdict"))
    for survey in surveys:
        for index, chart in enumerate(survey.charts, start=1):
            size = chart.payload_bytes / KB
            table.add(
                survey.label,
                str(index),
                str(chart.trace_count),
                format_value(size, "KB"),
                CHART_TARGET.describe(),
                CHART_TARGET.verdict(size),
            )
            section.checks.append(
                Check("Payload", f"{survey.label}, chart {index}: spec size", size, CHART_TARGET)
            )
    section.tables.append(("", table))
    without = [survey.label for survey in surveys if not survey.charts and not survey.error]
    if without:
        section.findings.append(f"No chart on the default view of: {', '.join(without)}.")
    return section
