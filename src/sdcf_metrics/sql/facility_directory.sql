-- Facilities with their city, country and the source of their opening date, filtered by the visitor.
-- $countries: countries to keep, or NULL for all; $facility_type: one type, or NULL for all;
-- $status: 'open' (no closure recorded), 'closed', or NULL for both. European facilities come first.
SELECT
    f.facility_id,
    f.name,
    f.city_id,
    c.name AS city,
    c.country,
    c.in_europe,
    f.latitude,
    f.longitude,
    f.location_note,
    f.opened,
    f.opened_date,
    f.closed,
    f.closed_date,
    f.type,
    f.operator,
    f.sanctioned,
    s.title AS source_title,
    s.publisher AS source_publisher,
    coalesce(s.url, s.document) AS source_url,
    f.quote
FROM facilities AS f
JOIN cities AS c USING (city_id)
LEFT JOIN sources AS s USING (source_id)
WHERE ($countries IS NULL OR list_contains($countries, c.country))
  AND ($facility_type IS NULL OR f.type = $facility_type)
  AND ($status IS NULL OR ($status = 'closed') = (f.closed IS NOT NULL))
ORDER BY c.in_europe DESC, c.country, c.name, f.opened_date NULLS LAST, f.name;
