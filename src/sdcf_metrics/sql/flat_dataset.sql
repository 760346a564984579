-- Every observation with its place, period, value, source and quote: the export and the data table.
-- $city_ids / $metric_ids: lists to keep, or NULL for all.
SELECT d.*
FROM dataset_rows AS d
JOIN observation_details AS o USING (observation_id)
WHERE ($city_ids IS NULL OR list_contains($city_ids, o.city_id))
  AND ($metric_ids IS NULL OR list_contains($metric_ids, o.metric_id))
ORDER BY o.country, o.city NULLS FIRST, o.metric_id, o.period_end_date, o.observation_id;
