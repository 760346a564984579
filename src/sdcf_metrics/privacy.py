"""The small-count rule's settings and words: the threshold, what a withheld figure's status says, and the
rule in plain sentences.

The rule itself is applied by the build (`pipeline.disclosure`); the pages only show its outcome ("<10",
"withheld") and explain it, so both read the threshold and the statuses here.
"""

from __future__ import annotations

import os

from .i18n import t

SMALL_COUNT_THRESHOLD = 10
THRESHOLD_ENV = "SDCF_SMALL_COUNT_THRESHOLD"
# Below 3 the marker "<2" would itself say "exactly 1"; above 1000 the setting is surely a typo.
THRESHOLD_LIMITS = (3, 1000)

STATUS_OK = "ok"
STATUS_SMALL = "suppressed_small"
STATUS_SECONDARY = "suppressed_secondary"
STATUSES = (STATUS_OK, STATUS_SMALL, STATUS_SECONDARY)

POLICY_TEXT = (
    "Counts of 1 to {largest_small} people or events in a breakdown (by sex, age, drug, nationality or "
    "site) are not published: they are shown as <{threshold}. Zero is shown as zero. Totals are always "
    "published; when a total is itself below {threshold}, every part of it is shown as <{threshold}. When a "
    "hidden part could be worked out from the total and the other parts, the next smallest part is hidden "
    "too and marked as withheld; if no choice of parts can protect a small count, that breakdown is not "
    "published at all. An average per day, week, month or year is hidden when the count it implies over "
    "its period is below {threshold}, and a rate or percentage change for the same place, period and part "
    "as a hidden count is hidden with it. The sentence quoted from a source is withheld when it states a "
    "hidden figure. All this happens before the data is published, so the dashboard never holds the hidden "
    "values."
)


class ThresholdError(ValueError):
    """`SDCF_SMALL_COUNT_THRESHOLD` is set to something that is not a usable threshold."""


def small_count_threshold() -> int:
    """The threshold in force: `SDCF_SMALL_COUNT_THRESHOLD` when set, else `SMALL_COUNT_THRESHOLD`."""
    text = os.environ.get(THRESHOLD_ENV, "").strip()
    if not text:
        return SMALL_COUNT_THRESHOLD
    low, high = THRESHOLD_LIMITS
    if not text.isdigit() or not low <= int(text) <= high:
        raise ThresholdError(
            f"{THRESHOLD_ENV}={text!r} is not a whole number from {low} to {high}; "
            f"set one, or unset it to use {SMALL_COUNT_THRESHOLD}"
        )
    return int(text)


def policy_text(threshold: int | None = None) -> str:
    """The rule in plain sentences, for the Methodology page."""
    threshold = threshold or small_count_threshold()
    return t(POLICY_TEXT, threshold=threshold, largest_small=threshold - 1)
