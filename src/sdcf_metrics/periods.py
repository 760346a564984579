"""Dates as precise as their source: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, never more.

A source that says "2012-10" did not say which day; these helpers turn such a partial date into the
first or last calendar day it covers, so queries can order and filter, while the original text is kept
for display.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

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
    """A short English label of a period as the source gave it, e.g. `2012-10 to 2014-09-18`."""
    if period_kind == "since_opening":
        return f"since opening{f' ({start})' if start else ''} to {end}"
    if not start or start == end:
        return end
    return f"{start} to {end}"
