-- Services of one city that are not consumption rooms (peer outreach, drug checking...), with sources.
SELECT r.*, s.title AS source_title, s.publisher AS source_publisher, s.kind AS source_kind,
    coalesce(s.url, s.document) AS source_url
FROM related_services AS r
JOIN sources AS s USING (source_id)
WHERE r.city_id = $city_id
ORDER BY r.name, r.service_id;
