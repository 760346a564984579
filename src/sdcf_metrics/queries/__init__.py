"""The named queries: one typed, documented function per `sql/*.sql` file.

Pages, the command line and the steward's pipeline call these functions, never a query by its name. Each
takes the store and keyword-only parameters, which are bound as `$name` parameters (never spliced into the
SQL), and returns typed rows: dicts shaped like the `TypedDict` it names, in the file's order. The two
results that leave as files or go straight to a table (`observation_table`, `coverage`) come back as Arrow
tables whose columns are documented beside them. `tests/test_queries.py` runs every function and checks that
the SQL returns exactly the columns its type declares.

Results are kept in a bounded process-level cache (`RESULTS`) per store, query and bound parameters, so a
page's rerun asks DuckDB only for what it has not asked before. A store's results are its own: a new data
version (a new store) starts afresh, and a store holding a visitor's upload (`Store.private`) is never
cached. The rows returned are shared between the sessions that ask for them: read them, never change
them.

The package's modules say what each part does: `rows` the shapes, `results` the cache and the reader's
language every result goes through, `places`, `figures`, `catalogue` and `dataset` the queries by what
they are about (`ui.warm_up` runs every city's queries in the background).

Rows come back in the reader's language: a metric's name and definition and an event's label from the
data's translations (`translations.csv`, people's work reviewed as data), and a figure's period written
as the reader writes dates. Ids, quotes, sources' titles and the source's own wording stay as they are.
"""

from .catalogue import (
    compare_metrics,
    coverage,
    dataset_summary,
    metric_catalogue,
    metric_coverage,
    metrics,
    source_table,
    sources,
)
from .dataset import (
    EVERYTHING,
    PAGE_ROWS,
    SEARCH_MAX_LENGTH,
    TableFilter,
    dataset_countries,
    first_row_of,
    like_escape,
    observation_count,
    observation_table,
    page_count,
)
from .figures import (
    area_observations,
    city_breakdowns,
    city_observations,
    litter_observations,
    metric_across_cities,
    observations_by_id,
    reading_examples,
    upload_reference_observations,
)
from .places import cities, city_events, city_related_services, facilities, facility_directory
from .results import RESULTS, localise, translations
from .rows import (
    COVERAGE_COLUMNS,
    CatalogueMetric,
    City,
    ComparedMetric,
    ConflictingFigure,
    DatasetCounts,
    Event,
    Facility,
    ListedFacility,
    Metric,
    MetricCoverage,
    Observation,
    ReadingExample,
    RelatedService,
    Source,
    StoredObservation,
    Translation,
)

__all__ = [
    "COVERAGE_COLUMNS",
    "EVERYTHING",
    "PAGE_ROWS",
    "RESULTS",
    "SEARCH_MAX_LENGTH",
    "CatalogueMetric",
    "City",
    "ComparedMetric",
    "ConflictingFigure",
    "DatasetCounts",
    "Event",
    "Facility",
    "ListedFacility",
    "Metric",
    "MetricCoverage",
    "Observation",
    "ReadingExample",
    "RelatedService",
    "Source",
    "StoredObservation",
    "TableFilter",
    "Translation",
    "area_observations",
    "cities",
    "city_breakdowns",
    "city_events",
    "city_observations",
    "city_related_services",
    "compare_metrics",
    "coverage",
    "dataset_countries",
    "dataset_summary",
    "facilities",
    "facility_directory",
    "first_row_of",
    "like_escape",
    "litter_observations",
    "localise",
    "metric_across_cities",
    "metric_catalogue",
    "metric_coverage",
    "metrics",
    "observation_count",
    "observation_table",
    "observations_by_id",
    "page_count",
    "reading_examples",
    "source_table",
    "sources",
    "translations",
    "upload_reference_observations",
]
