-- Every observation with its place, period, value, source and quote: the export and the data table.
-- $city_ids / $metric_ids: lists to keep, or NULL for all.
SELECT
    coalesce(city, '') AS city,
    country,
    coalesce(region, '') AS region,
    scope,
    coalesce(facility, '') AS facility,
    metric_id AS metric,
    metric AS metric_label,
    coalesce(breakdown, '') AS breakdown,
    period_kind,
    coalesce(period_start, '') AS period_start,
    period_end,
    value,
    value_low,
    value_high,
    qualifier,
    coalesce(rate_per, '') AS rate_per,
    unit,
    counted_as,
    source_title,
    source_publisher,
    source_url,
    quote,
    coalesce(notes, '') AS notes,
    observation_id
FROM observation_details
WHERE ($city_ids IS NULL OR list_contains($city_ids, city_id))
  AND ($metric_ids IS NULL OR list_contains($metric_ids, metric_id))
ORDER BY country, city NULLS FIRST, metric_id, period_end_date, observation_id;
