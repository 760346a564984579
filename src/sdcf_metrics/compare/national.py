"""National figures (drug-induced death rates): compared only with each other, never with city figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from ..figures import describe_value, disagreement, source_strength
from ..i18n import format_number, t

Row = Mapping[str, Any]


def countries_label(count: int) -> str:
    """`1 country`, `30 countries`."""
    return t("1 country") if count == 1 else t("{count} countries", count=format_number(count))


def national_years(rows: Sequence[Row]) -> list[tuple[str, int]]:
    """The years national figures are reported for, with the number of countries, latest year first."""
    counts: dict[str, set[str]] = {}
    for row in rows:
        if row["scope"] == "country":
            counts.setdefault(row["period_end"][:4], set()).add(row["country"])
    return sorted(((year, len(countries)) for year, countries in counts.items()), reverse=True)


def latest_year(years: Sequence[tuple[str, int]]) -> str:
    """The latest year reported, the default: a reader first sees the newest figures, even when an older
    bulletin covers more countries (its year stays one choice away)."""
    return max(year for year, _ in years) if years else ""


def _ordering_value(row: Row) -> float:
    return row["value"] if row["value"] is not None else row["value_high"]


def national_figures(rows: Sequence[Row], year: str) -> list[Row]:
    """Countries' figures for one year, highest first; regions and multinational areas are left out."""
    chosen = [row for row in rows if row["scope"] == "country" and row["period_end"][:4] == year]
    return sorted(chosen, key=lambda row: (-_ordering_value(row), row["country"], row["observation_id"]))


def national_summary(rows: Sequence[Row], metric_label: str, year: str) -> str:
    """The country chart in words: how many countries, the highest and the lowest figure."""
    if not rows:
        return ""
    highest, lowest = rows[0], rows[-1]
    return t(
        "{metric} in {year} for {countries}: highest {high_country} ({high}), lowest {low_country} "
        "({low}). National definitions differ.",
        metric=metric_label,
        year=year,
        countries=countries_label(len({row["country"] for row in rows})),
        high_country=highest["country"],
        high=describe_value(highest),
        low_country=lowest["country"],
        low=describe_value(lowest),
    )


def national_table(rows: Sequence[Row]) -> pa.Table:
    """The national figures behind the chart, with each source's wording, notes and where to check them."""
    columns: dict[str, list[Any]] = {
        t("Country"): [row["country"] for row in rows],
        t("Figure"): [describe_value(row) for row in rows],
        t("Unit"): [row["unit"] for row in rows],
        t("Period"): [row["period_label"] for row in rows],
        t("Counted as"): [row["counted_as"] for row in rows],
        t("Notes"): [row.get("notes") or "" for row in rows],
        t("Source kind"): [source_strength(row) for row in rows],
        t("Sources disagree"): [disagreement(row) for row in rows],
        t("Source"): [row["source_title"] for row in rows],
        t("Publisher"): [row["source_publisher"] for row in rows],
        t("Link or reference"): [row["source_url"] or "" for row in rows],
    }
    return pa.table({name: pa.array(column, pa.string()) for name, column in columns.items()})
