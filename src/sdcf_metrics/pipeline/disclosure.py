"""Disclosure control: no count below the threshold is published in a breakdown.

The figures describe a vulnerable population. A breakdown (by sex, age, drug, nationality or site) must not
let anyone learn that, say, 3 women used a room, not even by subtracting published parts from a published
total. `protect` runs in the build before any extract is written, and on an upload before it is previewed,
so the public app never holds a raw small count (reliability guide R-1.1 to R-1.6).

The rules, which `privacy.POLICY_TEXT` states in plain words for the Methodology page:

1. Primary: a count of 1 to threshold-1 in a breakdown row is withheld (`suppressed_small`, shown as
   "<10"). Zero is published. An average (`rate_per`) is judged by the count it implies over its period.
2. Complementary: parts are grouped with their total (same place, facility, metric, period, rate_per and
   source) by breakdown dimension. While some withheld part could still be worked out, the next smallest
   part is withheld too (`suppressed_secondary`). A total below the threshold is published, and then every
   part of it is withheld as small. If no choice of parts protects a group, its parts are not published.
3. Derived: rates and percentage changes for the same place, period and part as a withheld count are
   withheld with it, so multiplying back by a population cannot recover the count.
4. Quotes: the source's sentence is withheld for every row of a group with a withheld part, and for any
   row quoting the same sentence, since it states the hidden figure in words.

What a group must withstand (the attack the property test mounts): the attacker knows every published
value and status, the threshold, that the parts of a dimension add up to the total when they do (and never
exceed it), that a `suppressed_small` part is 1 to threshold-1 (0 to threshold-1 under a total below the
threshold), and that a `suppressed_secondary` part is 0, or at least the threshold and at most the smallest
published non-zero part. A group is protected when every withheld part still has two or more possible
values. Groups whose values are not exact whole counts (about, more than, ranges, averages) cannot be
subtracted exactly; there, every part of a dimension with a withheld part is withheld.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..periods import parse_partial_date
from ..privacy import STATUS_OK, STATUS_SECONDARY, STATUS_SMALL, small_count_threshold
from ..vocabulary import RATES, entry, metric_kinds
from .rules import OBSERVATION_NATURAL_KEY

QUOTE_WITHHELD = (
    "[Quote withheld: the source's words also state a figure that is not published, to protect a count "
    "below {threshold}.]"
)

COUNT_KINDS = metric_kinds(protected="count")
DERIVED_KINDS = metric_kinds(protected="derived")

# Rows of one group are the same figure but for the breakdown; the total is the row without one.
GROUP_COLUMNS = tuple(column for column in OBSERVATION_NATURAL_KEY if column != "breakdown")
# A rate belongs to the counts of the same place, period and part, whatever their metric or source.
_CELL_COLUMNS = (
    "scope",
    "country",
    "region",
    "city_id",
    "facility_id",
    "period_kind",
    "period_start",
    "period_end",
    "breakdown",
)

# Internal decision for rows left out of the published data; never a published status.
_WITHHELD = "withheld"
_SEVERITY = {STATUS_OK: 0, STATUS_SECONDARY: 1, STATUS_SMALL: 2, _WITHHELD: 3}


@dataclass(frozen=True)
class DisclosureReport:
    """What the rule did: the build records it in the manifest, the upload preview shows it."""

    threshold: int
    suppressed_small: int = 0
    suppressed_secondary: int = 0
    withheld_rows: int = 0
    withheld_quotes: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "small_count_threshold": self.threshold,
            "suppressed_small": self.suppressed_small,
            "suppressed_secondary": self.suppressed_secondary,
            "withheld_rows": self.withheld_rows,
            "withheld_quotes": self.withheld_quotes,
        }


@dataclass(frozen=True)
class Protected:
    """Observations ready to publish, each with a `status`, and the report of what was withheld."""

    observations: list[dict[str, Any]]
    report: DisclosureReport


def protect(
    observations: Sequence[Mapping[str, Any]],
    metrics: Iterable[Mapping[str, Any]],
    threshold: int | None = None,
) -> Protected:
    """Apply the rule to typed observation rows (as `validate.load_sources` returns them).

    Every returned row carries `status`; a withheld row has no value, bounds or notes, and rows whose
    parts could not be protected are left out. `metrics` gives each metric's kind.
    """
    threshold = threshold or small_count_threshold()
    kinds = {metric["metric_id"]: metric["kind"] for metric in metrics}
    rows = list(observations)
    decisions: dict[int, str] = {}
    quotes_to_withhold: set[int] = set()

    for group in _count_groups(rows, kinds).values():
        group_decisions: dict[int, str] = {}
        for parts in group.dimensions.values():
            group_decisions.update(_protect_dimension(rows, group.total, parts, threshold))
        if group_decisions:
            decisions.update(group_decisions)
            quotes_to_withhold.update(group.members())

    for index, status in _derived_decisions(rows, kinds, decisions).items():
        decisions[index] = status
        quotes_to_withhold.add(index)

    withheld_texts = {rows[index]["quote"] for index in quotes_to_withhold}
    withheld_quote = QUOTE_WITHHELD.format(threshold=threshold)
    published, counts = [], {status: 0 for status in _SEVERITY}
    quotes_withheld = 0
    for index, row in enumerate(rows):
        status = decisions.get(index, STATUS_OK)
        counts[status] += 1
        if status == _WITHHELD:
            continue
        out = {**row, "status": status}
        if status != STATUS_OK:
            out.update(value=None, value_low=None, value_high=None, notes=None)
        if row["quote"] in withheld_texts:
            out["quote"] = withheld_quote
            quotes_withheld += 1
        published.append(out)
    report = DisclosureReport(
        threshold=threshold,
        suppressed_small=counts[STATUS_SMALL],
        suppressed_secondary=counts[STATUS_SECONDARY],
        withheld_rows=counts[_WITHHELD],
        withheld_quotes=quotes_withheld,
    )
    return Protected(published, report)


# Grouping -------------------------------------------------------------------------------------------------


@dataclass
class _Group:
    """The rows of one count: its total (if reported) and its parts by breakdown dimension."""

    total: int | None = None
    dimensions: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def members(self) -> list[int]:
        parts = [index for indices in self.dimensions.values() for index in indices]
        return parts if self.total is None else [self.total, *parts]


def _key(row: Mapping[str, Any], columns: Sequence[str]) -> tuple[Any, ...]:
    return tuple(row.get(column) for column in columns)


def _count_groups(rows: Sequence[Mapping[str, Any]], kinds: Mapping[str, str]) -> dict[tuple, _Group]:
    groups: dict[tuple, _Group] = defaultdict(_Group)
    for index, row in enumerate(rows):
        if kinds.get(row["metric_id"]) not in COUNT_KINDS:
            continue
        group = groups[_key(row, GROUP_COLUMNS)]
        breakdown = row.get("breakdown")
        if breakdown is None:
            group.total = index
        else:
            group.dimensions[str(breakdown).partition("=")[0]].append(index)
    return groups


def _derived_decisions(
    rows: Sequence[Mapping[str, Any]], kinds: Mapping[str, str], decisions: Mapping[int, str]
) -> dict[int, str]:
    """Rates and changes in a breakdown share the fate of the counts of the same place, period and part."""
    by_cell: dict[tuple, str] = {}
    for index, status in decisions.items():
        cell = _key(rows[index], _CELL_COLUMNS)
        by_cell[cell] = max(by_cell.get(cell, STATUS_OK), status, key=_SEVERITY.__getitem__)
    derived = {}
    for index, row in enumerate(rows):
        if row.get("breakdown") is not None and kinds.get(row["metric_id"]) in DERIVED_KINDS:
            status = by_cell.get(_key(row, _CELL_COLUMNS), STATUS_OK)
            if status != STATUS_OK:
                derived[index] = status
    return derived


# One dimension of one group --------------------------------------------------------------------------------


def _protect_dimension(
    rows: Sequence[Mapping[str, Any]], total: int | None, parts: Sequence[int], threshold: int
) -> dict[int, str]:
    """The decisions for the parts of one breakdown dimension (rows not mentioned stay published)."""
    members = parts if total is None else [total, *parts]
    if all(_exact_count(rows[index]) is not None for index in members):
        total_value = None if total is None else _exact_count(rows[total])
        values = {index: _exact_count(rows[index]) for index in parts}
        return _protect_exact(total_value, values, threshold)  # type: ignore[arg-type]
    return _protect_approximate(rows, total, parts, threshold)


def _exact_count(row: Mapping[str, Any]) -> int | None:
    """The value as a whole count when the source gives one exactly (no bound, range or average)."""
    value = row.get("value")
    if row.get("qualifier") != "exact" or row.get("rate_per") is not None or value is None:
        return None
    return int(value) if float(value).is_integer() and value >= 0 else None


def _protect_exact(total: int | None, values: Mapping[int, int], threshold: int) -> dict[int, str]:
    if total is not None and sum(values.values()) > total:
        total = None  # parts that exceed their total are not parts of it: nothing can be subtracted
    if total is not None and 0 < total < threshold:
        return dict.fromkeys(values, STATUS_SMALL)  # every part is at most the total
    primaries = [index for index, value in values.items() if 0 < value < threshold]
    if not primaries or total is None:
        return dict.fromkeys(primaries, STATUS_SMALL)
    exhaustive = sum(values.values()) == total
    candidates = sorted(
        (index for index in values if index not in primaries),
        key=lambda index: (values[index] == 0, values[index], index),
    )
    secondaries: list[int] = []
    while not _protected(values, total, exhaustive, primaries, secondaries, threshold):
        if not candidates:
            return dict.fromkeys(values, _WITHHELD)
        secondaries.append(candidates.pop(0))
    return {**dict.fromkeys(primaries, STATUS_SMALL), **dict.fromkeys(secondaries, STATUS_SECONDARY)}


def _protect_approximate(
    rows: Sequence[Mapping[str, Any]], total: int | None, parts: Sequence[int], threshold: int
) -> dict[int, str]:
    primaries = [index for index in parts if _looks_small(rows[index], threshold)]
    small_total = total is not None and _looks_small(rows[total], threshold)
    if total is None or not (primaries or small_total):
        return dict.fromkeys(primaries, STATUS_SMALL)
    return {index: STATUS_SMALL if index in primaries else STATUS_SECONDARY for index in parts}


def _looks_small(row: Mapping[str, Any], threshold: int) -> bool:
    """Whether any number the row states implies a count from just above 0 to below the threshold."""
    units = _rate_units(row)
    stated = (row.get(name) for name in ("value", "value_low", "value_high"))
    return any(0 < number * units < threshold for number in stated if number is not None)


def _rate_units(row: Mapping[str, Any]) -> float:
    """How many days, weeks... an average covers, so that average x units is the count it implies."""
    rate_per = row.get("rate_per")
    start, end = row.get("period_start"), row.get("period_end")
    if rate_per is None or row.get("period_kind") == "snapshot" or not start or not end:
        return 1.0
    days = (parse_partial_date(end)[1] - parse_partial_date(start)[0]).days + 1
    return max(1.0, days / entry(RATES, rate_per).days)


# Can a withheld part be worked out? ------------------------------------------------------------------------

Intervals = list[tuple[float, float]]


def _protected(
    values: Mapping[int, int],
    total: int,
    exhaustive: bool,
    primaries: Sequence[int],
    secondaries: Sequence[int],
    threshold: int,
) -> bool:
    """True when every withheld part keeps two or more possible values given what is published."""
    hidden = [*primaries, *secondaries]
    published = [value for index, value in values.items() if index not in hidden]
    largest_secondary = min((value for value in published if value > 0), default=math.inf)
    domains: dict[int, Intervals] = {index: [(1, threshold - 1)] for index in primaries}
    for index in secondaries:
        domains[index] = [(0, 0), (threshold, largest_secondary)]
    remainder = total - sum(published)
    for index in hidden:
        others = _sum_of(domains[other] for other in hidden if other != index)
        if exhaustive:
            possible = _intersect(domains[index], _subtract_from(remainder, others))
        else:
            possible = _intersect(domains[index], [(-math.inf, remainder - others[0][0])])
        if len(possible) == 1 and possible[0][0] == possible[0][1]:
            return False
    return True


def _merge(intervals: Iterable[tuple[float, float]]) -> Intervals:
    merged: Intervals = []
    for low, high in sorted(interval for interval in intervals if interval[0] <= interval[1]):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _sum_of(domains: Iterable[Intervals]) -> Intervals:
    """Every total the given whole-number domains can add up to (0 for no domains)."""
    total: Intervals = [(0, 0)]
    for domain in domains:
        total = _merge((a + c, b + d) for a, b in total for c, d in domain)
    return total


def _subtract_from(number: float, intervals: Intervals) -> Intervals:
    return _merge((number - high, number - low) for low, high in intervals)


def _intersect(first: Intervals, second: Intervals) -> Intervals:
    return _merge((max(a, c), min(b, d)) for a, b in first for c, d in second if max(a, c) <= min(b, d))
