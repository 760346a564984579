-- One metric's totals for countries, regions and multinational areas (e.g. facility counts, death rates).
SELECT *
FROM observation_details
WHERE metric_id = $metric_id
  AND scope IN ('country', 'region', 'multinational')
  AND breakdown IS NULL
ORDER BY country, region NULLS FIRST, period_end_date, observation_id;
