-- Cities with their latest reported population (value, period and source), if any.
WITH populations AS (
    SELECT
        city_id,
        value AS population,
        period_end AS population_period,
        source_title AS population_source,
        source_url AS population_source_url,
        row_number() OVER (PARTITION BY city_id ORDER BY period_end_date DESC, observation_id) AS rank
    FROM observation_details
    WHERE metric_id = 'population' AND scope = 'city' AND breakdown IS NULL AND qualifier = 'exact'
)
SELECT c.*, p.population, p.population_period, p.population_source, p.population_source_url
FROM cities AS c
LEFT JOIN populations AS p ON p.city_id = c.city_id AND p.rank = 1
ORDER BY c.name;
