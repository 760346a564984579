-- Every facility with its city and country.
SELECT f.*, c.name AS city, c.country, s.title AS source_title, coalesce(s.url, s.document) AS source_url
FROM facilities AS f
JOIN cities AS c USING (city_id)
LEFT JOIN sources AS s USING (source_id)
ORDER BY c.country, c.name, f.opened_date NULLS LAST, f.name;
