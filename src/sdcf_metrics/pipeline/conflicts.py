"""Sources that disagree: two figures of the same place, metric, period and rate whose values cannot both
be right. The validator reports each such pair until `conflicts.csv` records it, and the audit counts them.

Whether two values disagree depends on their words: `about 100` allows 90 to 110, `more than 100` anything
above 100, a range its two ends (`vocabulary.Qualifier.spans`). Values whose allowed spans overlap agree
("about 298,000" and 298,940 are one count said two ways); values whose spans do not overlap disagree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from ..vocabulary import QUALIFIERS, entry, ids

# The columns that say which figure a row reports, whatever its source: rows agreeing on all of them
# report the same figure, so their values must agree or the disagreement must be recorded.
CONFLICT_KEY = (
    "scope",
    "country",
    "region",
    "city_id",
    "facility_id",
    "place",
    "metric_id",
    "breakdown",
    "period_kind",
    "period_start",
    "period_end",
    "rate_per",
)


@dataclass(frozen=True)
class Span:
    """The values a figure's words allow: from `low` to `high`, each end included unless open."""

    low: float
    high: float
    open_low: bool = False
    open_high: bool = False

    def overlaps(self, other: Span) -> bool:
        if self.high < other.low or other.high < self.low:
            return False
        if self.high == other.low and (self.open_high or other.open_low):
            return False
        return not (other.high == self.low and (other.open_high or self.open_low))


def number(text: object) -> float | None:
    """A cell as a number, or None when it is empty or not a number (the validator reports those)."""
    if isinstance(text, int | float):
        return float(text)
    try:
        return float(str(text))
    except ValueError:
        return None


def span(row: Mapping[str, object]) -> Span | None:
    """What a row's value and qualifier allow, or None when its cells are not readable."""
    qualifier = str(row.get("qualifier") or "exact")
    if qualifier not in ids(QUALIFIERS):
        return None
    if qualifier == "range":
        low, high = number(row.get("value_low")), number(row.get("value_high"))
        return None if low is None or high is None else Span(low, high)
    value = number(row.get("value"))
    if value is None:
        return None
    choice = entry(QUALIFIERS, qualifier)
    ends = sorted(value * factor if not math.isinf(factor) else factor for factor in choice.spans)
    return Span(ends[0], ends[1], *choice.open)


@dataclass(frozen=True)
class Disagreement:
    """Two rows of the same figure whose values do not agree (indices into the rows given)."""

    first: int
    second: int


def _text(row: Mapping[str, object], column: str) -> str:
    value = row.get(column)
    return "" if value is None else str(value)


def disagreements(rows: Sequence[Mapping[str, object]]) -> Iterator[Disagreement]:
    """Every pair of rows reporting the same figure (`CONFLICT_KEY`) whose values do not agree."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(tuple(_text(row, column) for column in CONFLICT_KEY), []).append(index)
    for members in groups.values():
        for first, second in combinations(members, 2):
            a, b = span(rows[first]), span(rows[second])
            if a is not None and b is not None and not a.overlaps(b):
                yield Disagreement(first, second)


def recorded_sets(conflicts: Iterable[Mapping[str, object]]) -> list[frozenset[str]]:
    """The observation ids each recorded conflict names."""
    return [frozenset(_text(conflict, "observation_ids").split()) for conflict in conflicts]


def unrecorded(
    rows: Sequence[Mapping[str, object]],
    conflicts: Iterable[Mapping[str, object]],
    id_of: Callable[[Mapping[str, object]], str] = lambda row: _text(row, "observation_id"),
) -> Iterator[Disagreement]:
    """The disagreements no recorded conflict names both rows of."""
    recorded = recorded_sets(conflicts)
    for pair in disagreements(rows):
        ids_ = {id_of(rows[pair.first]), id_of(rows[pair.second])}
        if not any(ids_ <= names for names in recorded):
            yield pair
