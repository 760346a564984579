-- The metric catalogue with the number of figures recorded for each metric.
SELECT m.*, count(o.observation_id) AS figures
FROM metrics AS m
LEFT JOIN observations AS o USING (metric_id)
GROUP BY ALL
ORDER BY m.label;
