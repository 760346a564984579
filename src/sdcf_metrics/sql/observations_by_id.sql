-- Chosen observations with their details, by id: the published figures an upload repeats or corrects.
-- $observation_ids: the ids (an empty list returns no rows).
SELECT *
FROM observation_details
WHERE list_contains($observation_ids, observation_id)
ORDER BY city, metric, period_end_date, observation_id;
