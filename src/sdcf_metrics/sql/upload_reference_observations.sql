-- The published observations of some cities, as stored (already disclosure-protected): what an upload is
-- compared with, to tell corrections and repeats of published figures from new ones.
-- $city_ids: the cities the upload names.
SELECT *
FROM observations
WHERE list_contains($city_ids, city_id)
ORDER BY observation_id;
