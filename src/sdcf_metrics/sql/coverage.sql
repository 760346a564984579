-- How many figures each city has for each metric, zero included, so a missing figure can be checked.
-- Counts every figure of the city and its facilities, totals and breakdowns alike: the same rows the
-- data table shows when filtered by that city and metric.
WITH counts AS (
    SELECT city_id, metric_id, count(*) AS figures
    FROM observations
    WHERE city_id IS NOT NULL
    GROUP BY city_id, metric_id
)
SELECT c.city_id, c.name AS city, c.country, m.metric_id, m.label AS metric, coalesce(n.figures, 0) AS figures
FROM cities AS c
CROSS JOIN metrics AS m
LEFT JOIN counts AS n ON n.city_id = c.city_id AND n.metric_id = m.metric_id
ORDER BY c.name, m.label;
