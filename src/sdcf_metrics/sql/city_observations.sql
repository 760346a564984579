-- All totals (no breakdown) reported for one city or its facilities, oldest first.
SELECT *
FROM observation_details
WHERE city_id = $city_id
  AND breakdown IS NULL
ORDER BY metric_id, period_end_date, period_start_date NULLS FIRST, observation_id;
