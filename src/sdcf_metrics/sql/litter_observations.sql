-- Needle-litter figures (counts, amounts and reported changes) for cities and their facilities.
-- $metric_ids: the litter metrics to return.
SELECT *
FROM observation_details
WHERE list_contains($metric_ids, metric_id)
  AND city_id IS NOT NULL
  AND breakdown IS NULL
ORDER BY city, metric_id, period_end_date, period_start_date NULLS FIRST, observation_id;
