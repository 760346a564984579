-- Every source with the number of figures taken from it.
SELECT s.*, count(o.observation_id) AS observations
FROM sources AS s
LEFT JOIN observations AS o USING (source_id)
GROUP BY ALL
ORDER BY s.source_id;
