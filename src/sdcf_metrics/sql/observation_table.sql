-- The dataset's rows that pass the Data page's search box and filters (`chosen_dataset_rows` in views.sql
-- says what each parameter keeps), in the export's columns: cities A to Z first, then countries and wider
-- areas; within a place by metric, then oldest first.
-- $limit / $offset: one page of them ($limit NULL for all of them, as every export takes them).
SELECT * EXCLUDE (_city_id, _period_end_date, _search_text)
FROM chosen_dataset_rows($search, $city_ids, $countries, $metric_ids, $period_kinds, $scopes)
ORDER BY city = '', city, country, region, metric_label, _period_end_date, observation_id
LIMIT $limit OFFSET $offset;
