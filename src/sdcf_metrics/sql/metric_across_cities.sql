-- One metric's totals for chosen cities (city and facility scope), oldest first.
SELECT *
FROM observation_details
WHERE metric_id = $metric_id
  AND list_contains($city_ids, city_id)
  AND breakdown IS NULL
ORDER BY city, period_end_date, observation_id;
