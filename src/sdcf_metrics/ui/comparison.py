"""What the Compare cities and Your city pages share: the divisors of a comparison, read from a store."""

from __future__ import annotations

from collections.abc import Sequence

from .. import queries
from ..compare.normalise import Denominators
from ..store import Store


def load_denominators(store: Store, city_ids: Sequence[str]) -> Denominators:
    """The divisors of the chosen cities' figures: populations, the facility list and its sourced counts,
    and consumption counts."""

    def totals(metric_id: str) -> list[queries.Observation]:
        return queries.metric_across_cities(store, metric_id=metric_id, city_ids=city_ids)

    return Denominators(
        populations=totals("population"),
        facilities=queries.facilities(store),
        facility_counts=totals("facilities_count"),
        consumptions=totals("consumptions"),
    )
