-- Views the named queries share. Run once per connection, before the configuration is locked.
-- `status` is `ok`, or `suppressed_small` / `suppressed_secondary` for a figure withheld by disclosure
-- control (its value is NULL): see `disclosure.py`.
CREATE VIEW observation_details AS
SELECT
    o.observation_id,
    o.scope,
    o.country,
    o.region,
    o.city_id,
    c.name AS city,
    o.facility_id,
    f.name AS facility,
    o.metric_id,
    m.label AS metric,
    m.kind AS metric_kind,
    m.additive,
    m.definition,
    o.breakdown,
    o.period_kind,
    o.period_start,
    o.period_end,
    o.period_start_date,
    o.period_end_date,
    o.period_label,
    o.value,
    o.value_low,
    o.value_high,
    o.status,
    o.qualifier,
    o.rate_per,
    o.unit,
    o.counted_as,
    o.source_id,
    s.title AS source_title,
    s.publisher AS source_publisher,
    s.date AS source_date,
    coalesce(s.url, s.document) AS source_url,
    s.licence_note AS source_licence,
    o.quote,
    o.notes,
    o.place
FROM observations AS o
JOIN metrics AS m USING (metric_id)
JOIN sources AS s USING (source_id)
LEFT JOIN cities AS c ON c.city_id = o.city_id
LEFT JOIN facilities AS f ON f.facility_id = o.facility_id;

-- One observation as a row of the published dataset: the columns of every export and of the data table.
CREATE VIEW dataset_filter_rows AS
SELECT
    coalesce(city, '') AS city,
    country,
    coalesce(region, '') AS region,
    scope,
    coalesce(facility, '') AS facility,
    coalesce(place, '') AS place,
    metric_id AS metric,
    metric AS metric_label,
    coalesce(breakdown, '') AS breakdown,
    period_kind,
    coalesce(period_start, '') AS period_start,
    period_end,
    value,
    value_low,
    value_high,
    status,
    qualifier,
    coalesce(rate_per, '') AS rate_per,
    unit,
    counted_as,
    source_title,
    source_publisher,
    source_url,
    quote,
    coalesce(notes, '') AS notes,
    observation_id,
    -- Filter and sort keys for the Data page, so its query scans the observations once.
    city_id AS _city_id,
    period_end_date AS _period_end_date,
    strip_accents(concat_ws(
        chr(10), city, country, region, facility, metric_id, metric, counted_as,
        source_title, source_publisher, quote
    )) AS _search_text
FROM observation_details;
