-- The countries and areas the dataset's figures are about, A to Z: the options of the Data page's filter.
SELECT DISTINCT country
FROM observation_details
WHERE country <> ''
ORDER BY country;
