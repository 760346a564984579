"""Who made the numbers and how to cite them: the words every chart, export and page footer share."""

from __future__ import annotations

import os

PROJECT_NAME = "sdcf-metrics"
DATA_LICENCE = "CC BY 4.0"
DATA_LICENCE_NOTE = (
    "Compilation licensed CC BY 4.0; each figure remains its publisher's and is quoted for reference."
)


def citation(data_version: str, published_on: str) -> str:
    """The citation string for a release of the dataset."""
    return (
        f"sdcf-metrics contributors ({published_on[:4] or 'n.d.'}). sdcf-metrics: sourced evidence on "
        f"supervised drug consumption facilities in European cities. Data version {data_version}, "
        f"published {published_on or 'n.d.'}. Licence: {DATA_LICENCE}."
    )


def release_line(data_version: str, published_on: str) -> str:
    """One line naming the data version and date, for chart footers and file headers (no empty brackets
    for a version published before dates were kept)."""
    return f"Data version {data_version} ({published_on})" if published_on else f"Data version {data_version}"


def source_citation(title: str, publisher: str | None) -> str:
    """A source as a chart's source line names it: publisher, then title (`Europe 1, “Paris: ...”`)."""
    return f"{publisher}, “{title}”" if publisher else f"“{title}”"


STEWARD_CONTACT_ENV = "SDCF_STEWARD_CONTACT"


def steward_contact() -> str:
    """Where a city sends a checked file: `SDCF_STEWARD_CONTACT` (an e-mail address, a web address or a
    sentence), set by whoever runs the dashboard; empty when it is not set."""
    return os.environ.get(STEWARD_CONTACT_ENV, "").strip()
