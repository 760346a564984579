-- Parts of a total (by sex, age, drug, site...) reported for one city.
SELECT *
FROM observation_details
WHERE city_id = $city_id
  AND breakdown IS NOT NULL
ORDER BY metric_id, period_end_date, breakdown, observation_id;
