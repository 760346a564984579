"""Dates as precise as their source, and periods as they may be compared.

A source that says "2012-10" did not say which day; these helpers turn such a partial date into the
first or last calendar day it covers, so queries can order and filter, while the original text is kept
for display. A figure's period is then classed for comparison: a count since opening, a stock at a date
and a single day are kinds of their own, an average is its rate, and any other period is its length in
whole months (so a twelve-month span is a year).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from .i18n import format_partial_date, t
from .vocabulary import PERIOD_KINDS, RATES, entry, in_chart_order, label

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
_SHORTEST_MONTH = 28

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class PartialDateError(ValueError):
    """The text is not a `YYYY`, `YYYY-MM` or `YYYY-MM-DD` date."""


def parse_partial_date(text: str) -> tuple[date, date]:
    """Return the first and last day covered by a partial date, e.g. `2012-10` -> 1 and 31 Oct 2012."""
    match = _PARTIAL_DATE.match(text.strip())
    if not match:
        raise PartialDateError(f"{text!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return date(year, month, 1), date(year, month, last)
        exact = date(year, month, day)
    except ValueError as error:
        raise PartialDateError(f"{text!r} is not a calendar date ({error})") from None
    return exact, exact


def precision(text: str) -> str:
    """`year`, `month` or `day`: how precise a partial date is."""
    parts = text.strip().count("-")
    return ("year", "month", "day")[parts]


def period_label(period_kind: str, start: str | None, end: str) -> str:
    """A short label of a period as the source gave it, in the reader's language and way of writing dates:
    `since opening (2012-10) to 2014-09-18`, `2019 to 2020`, or one date."""
    last = format_partial_date(end)
    if period_kind == "since_opening":
        if start:
            return t("since opening ({start}) to {end}", start=format_partial_date(start), end=last)
        return t("since opening to {end}", end=last)
    if not start or start == end:
        return last
    return t("{start} to {end}", start=format_partial_date(start), end=last)


# Period classes ---------------------------------------------------------------------------------------


def period_class(row: Mapping[str, Any]) -> str:
    """The kind of period as compared: `since_opening`, `snapshot`, `day`, `rate:day`..., or `months:N`
    for a year, a month or a span (rounded to whole months, so a twelve-month span and a year are the same
    kind), `days:N` for a span shorter than any month."""
    if row.get("rate_per"):
        return f"rate:{row['rate_per']}"
    kind = row["period_kind"]
    if entry(PERIOD_KINDS, kind).own_class:
        return kind
    days = (row["period_end_date"] - row["period_start_date"]).days + 1
    if days < _SHORTEST_MONTH:
        return f"days:{days}"
    return f"months:{round(days / DAYS_PER_MONTH)}"


def period_class_label(period: str) -> str:
    """A period class as people say it: `year`, `month`, `period of 7 months`, `average per day`."""
    unit, _, count = period.partition(":")
    if unit == "rate":
        return label(RATES, count)
    if not count:
        return label(PERIOD_KINDS, unit)
    if unit == "months" and count == "12":
        return label(PERIOD_KINDS, "year")
    if unit == "months" and count == "1":
        return label(PERIOD_KINDS, "month")
    if unit == "months":
        return t("period of {count} months", count=count)
    return t("period of {count} days", count=count)


# The coarse kinds of period that may share a time axis, in the order a picker lists them.
PERIOD_GROUPS: tuple[str, ...] = (
    *(kind.id for kind in in_chart_order()),
    *(f"rate:{rate.id}" for rate in RATES),
)


def period_group(row: Mapping[str, Any]) -> str:
    """A coarse kind of period, for picking which figures share a time axis: `year` takes in twelve-month
    spans and `month` one-month spans; other spans are `span`."""
    period = period_class(row)
    if period == "months:12":
        return "year"
    if period == "months:1":
        return "month"
    if period.startswith(("months:", "days:")):
        return "span"
    return period


def period_group_label(group: str) -> str:
    """`One year`, `Averages per day`: the name of the charts that hold one group."""
    unit, _, rate = group.partition(":")
    return t(entry(RATES, rate).group) if unit == "rate" else t(entry(PERIOD_KINDS, unit).group)
