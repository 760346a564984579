"""Who made the numbers and how to cite them: the words every chart, export and page footer share."""

from __future__ import annotations

import os

from .i18n import format_partial_date, t

PROJECT_NAME = "sdcf-metrics"
DATA_LICENCE = "CC BY 4.0"
DATA_LICENCE_NOTE = (
    "Compilation licensed CC BY 4.0; each figure remains its publisher's and is quoted for reference."
)


def citation(data_version: str, published_on: str) -> str:
    """The citation string for a release of the dataset, in the reader's language."""
    undated = t("n.d.")
    return t(
        "sdcf-metrics contributors ({year}). sdcf-metrics: sourced evidence on supervised drug consumption "
        "facilities in European cities. Data version {version}, published {date}. Licence: {licence}.",
        year=published_on[:4] or undated,
        version=data_version,
        date=format_partial_date(published_on) if published_on else undated,
        licence=DATA_LICENCE,
    )


def release_line(data_version: str, published_on: str) -> str:
    """One line naming the data version and date, for chart footers and file headers (no empty brackets
    for a version published before dates were kept)."""
    if not published_on:
        return t("Data version {version}", version=data_version)
    return t("Data version {version} ({date})", version=data_version, date=format_partial_date(published_on))


def source_citation(title: str, publisher: str | None) -> str:
    """A source as a chart's source line names it: publisher, then title (`Europe 1, “Paris: ...”`), with
    the quotation marks of the reader's language."""
    if publisher:
        return t("{publisher}, “{title}”", publisher=publisher, title=title)
    return t("“{title}”", title=title)


STEWARD_CONTACT_ENV = "SDCF_STEWARD_CONTACT"


def steward_contact() -> str:
    """Where a city sends a checked file: `SDCF_STEWARD_CONTACT` (an e-mail address, a web address or a
    sentence), set by whoever runs the dashboard; empty when it is not set."""
    return os.environ.get(STEWARD_CONTACT_ENV, "").strip()


ACCESSIBILITY_CONTACT_ENV = "SDCF_ACCESSIBILITY_CONTACT"


def accessibility_contact() -> str:
    """Where a reader reports an accessibility barrier: `SDCF_ACCESSIBILITY_CONTACT` (an address or a web
    page), set by whoever runs the dashboard, as the EU Web Accessibility Directive asks of public bodies;
    empty when it is not set."""
    return os.environ.get(ACCESSIBILITY_CONTACT_ENV, "").strip()
