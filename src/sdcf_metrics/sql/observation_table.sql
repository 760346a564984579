-- The dataset's rows narrowed by the Data page's search box and filters, in the export's columns:
-- cities A to Z first, then countries and wider areas; within a place by metric, then oldest first.
-- $search: text (LIKE wildcards already escaped with a backslash) that must occur, ignoring case and
--   accents, in the place, metric, wording, source or quote; '' for all.
-- $city_ids / $countries / $metric_ids / $period_kinds / $scopes: lists to keep, or NULL for all.
SELECT d.*
FROM dataset_rows AS d
JOIN observation_details AS o USING (observation_id)
WHERE ($city_ids IS NULL OR list_contains($city_ids, o.city_id))
  AND ($countries IS NULL OR list_contains($countries, o.country))
  AND ($metric_ids IS NULL OR list_contains($metric_ids, o.metric_id))
  AND ($period_kinds IS NULL OR list_contains($period_kinds, o.period_kind))
  AND ($scopes IS NULL OR list_contains($scopes, o.scope))
  AND (
      $search = ''
      OR strip_accents(concat_ws(
          chr(10), o.city, o.country, o.region, o.facility, o.metric_id, o.metric, o.counted_as,
          o.source_title, o.source_publisher, o.quote
      )) ILIKE '%' || strip_accents($search) || '%' ESCAPE '\'
  )
ORDER BY o.city IS NULL, o.city, o.country, o.region NULLS FIRST, o.metric, o.period_end_date, o.observation_id;
