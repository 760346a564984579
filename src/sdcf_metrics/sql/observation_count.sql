-- How many of the dataset's rows pass the Data page's search box and filters: the parameters of
-- `chosen_dataset_rows` (views.sql), the rows observation_table.sql gives page by page.
SELECT count(*) AS figures
FROM chosen_dataset_rows($search, $city_ids, $countries, $metric_ids, $period_kinds, $scopes);
