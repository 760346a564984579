-- Openings, closures and policy events for one city, with their sources.
SELECT e.*, s.title AS source_title, coalesce(s.url, s.document) AS source_url
FROM events AS e
JOIN sources AS s USING (source_id)
WHERE e.city_id = $city_id
ORDER BY e.event_date, e.event_id;
