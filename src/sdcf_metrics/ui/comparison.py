"""What the Compare cities and Your city pages share: the divisors of a comparison, read from a store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..compare.normalise import Denominators
from ..store import Store


def load_denominators(store: Store, city_ids: Sequence[str]) -> Denominators:
    """The divisors of the chosen cities' figures, from the store's named queries."""

    def totals(metric_id: str) -> list[dict[str, Any]]:
        return store.query("metric_across_cities", metric_id=metric_id, city_ids=list(city_ids)).to_pylist()

    return Denominators(
        populations=totals("population"),
        facilities=store.query("facilities").to_pylist(),
        facility_counts=totals("facilities_count"),
        consumptions=totals("consumptions"),
    )
