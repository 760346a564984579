-- One real figure for each kind of period and for each way a source qualifies a value (about, more
-- than, a range, an average per day...), so the Methodology page explains them with the dataset's own rows.
-- Published totals about a city or a facility ($city_scopes) come first, then the lowest id, so the examples
-- stay the same; a figure withheld by disclosure control is never an example.
WITH ranked AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY period_kind
            ORDER BY breakdown IS NOT NULL, NOT list_contains($city_scopes, scope), observation_id
        ) AS period_rank,
        row_number() OVER (
            PARTITION BY qualifier, rate_per IS NOT NULL
            ORDER BY breakdown IS NOT NULL, NOT list_contains($city_scopes, scope), observation_id
        ) AS value_rank
    FROM observation_details
    WHERE status = 'ok'
)
SELECT *
FROM ranked
WHERE period_rank = 1 OR value_rank = 1
ORDER BY observation_id;
