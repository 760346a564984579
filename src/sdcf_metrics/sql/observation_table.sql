-- The dataset's rows narrowed by the Data page's search box and filters, in the export's columns:
-- cities A to Z first, then countries and wider areas; within a place by metric, then oldest first.
-- $search: text (LIKE wildcards already escaped with a backslash) that must occur, ignoring case and
--   accents, in the place, metric, wording, source or quote; '' for all.
-- $city_ids / $countries / $metric_ids / $period_kinds / $scopes: lists to keep, or NULL for all.
SELECT * EXCLUDE (_city_id, _period_end_date, _search_text)
FROM dataset_filter_rows
WHERE ($city_ids IS NULL OR list_contains($city_ids, _city_id))
  AND ($countries IS NULL OR list_contains($countries, country))
  AND ($metric_ids IS NULL OR list_contains($metric_ids, metric))
  AND ($period_kinds IS NULL OR list_contains($period_kinds, period_kind))
  AND ($scopes IS NULL OR list_contains($scopes, scope))
  AND ($search = '' OR _search_text ILIKE '%' || strip_accents($search) || '%' ESCAPE '\')
ORDER BY city = '', city, country, region, metric_label, _period_end_date, observation_id;
