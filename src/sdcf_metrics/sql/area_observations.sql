-- One metric's totals for regions, countries and wider areas (e.g. facility counts, death rates).
-- $scopes: the scopes of areas (every scope that is not a city's or a facility's; see `vocabulary`).
SELECT *
FROM observation_details
WHERE metric_id = $metric_id
  AND list_contains($scopes, scope)
  AND breakdown IS NULL
ORDER BY country, region NULLS FIRST, period_end_date, observation_id;
