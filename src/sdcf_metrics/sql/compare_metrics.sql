-- Metrics reported for cities or their facilities, with how many cities report a total for each: the
-- Compare cities picker. Populations are left out: there they divide other figures, they are not compared.
SELECT metric_id, metric AS label, definition, additive, count(DISTINCT city_id) AS cities
FROM observation_details
WHERE city_id IS NOT NULL
  AND breakdown IS NULL
  AND metric_kind <> 'population'
GROUP BY metric_id, metric, definition, additive
ORDER BY label;
