-- Views the named queries share. Run once per connection, before the configuration is locked.
-- `status` is `ok`, or `suppressed_small` / `suppressed_secondary` for a figure withheld by disclosure
-- control (its value is NULL): see `disclosure.py`.

-- A number as a file writes it: 28, not 28.0; 12.5 stays 12.5.
CREATE MACRO plain_number(v) AS
    CASE WHEN v = round(v) THEN CAST(CAST(v AS BIGINT) AS VARCHAR) ELSE CAST(v AS VARCHAR) END;

-- The other figures of each recorded conflict (sources that disagree), for every figure in one: what
-- each says and who says it. `conflict_id` is set by the build from conflicts.csv.
CREATE VIEW conflicting_figures AS
SELECT
    mine.observation_id,
    list(
        {
            'observation_id': other.observation_id,
            'value': other.value,
            'value_low': other.value_low,
            'value_high': other.value_high,
            'qualifier': other.qualifier,
            'rate_per': other.rate_per,
            'status': other.status,
            'source_title': s.title,
            'source_publisher': s.publisher,
            'source_kind': coalesce(other.evidence, s.kind)
        }
        ORDER BY other.observation_id
    ) AS conflicting
FROM observations AS mine
JOIN observations AS other ON other.conflict_id = mine.conflict_id AND other.observation_id <> mine.observation_id
JOIN sources AS s ON s.source_id = other.source_id
WHERE mine.conflict_id IS NOT NULL
GROUP BY mine.observation_id;

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
    -- How strong the figure's source is: its own evidence where it differs from its document's kind.
    coalesce(o.evidence, s.kind) AS source_kind,
    s.language AS source_language,
    o.quote,
    o.notes,
    o.place,
    coalesce(o.period_inferred, false) AS period_inferred,
    o.quote_form,
    o.seed_only,
    o.conflict_id,
    k.primary_id AS conflict_primary_id,
    k.reason AS conflict_reason,
    cf.conflicting
FROM observations AS o
JOIN metrics AS m USING (metric_id)
JOIN sources AS s USING (source_id)
LEFT JOIN cities AS c ON c.city_id = o.city_id
LEFT JOIN facilities AS f ON f.facility_id = o.facility_id
LEFT JOIN conflicts AS k ON k.conflict_id = o.conflict_id
LEFT JOIN conflicting_figures AS cf ON cf.observation_id = o.observation_id;

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
    period_inferred,
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
    source_kind,
    seed_only,
    quote,
    coalesce(quote_form, '') AS quote_form,
    coalesce(notes, '') AS notes,
    -- The other figures a recorded conflict sets against this one: the value as its source words it
    -- (`more than 1000`, `25-30`), then the publisher, title and id of each; empty when none disagrees.
    coalesce(
        array_to_string(
            list_transform(
                conflicting,
                lambda other: concat(
                    CASE WHEN other.qualifier IN ('exact', 'range') THEN '' ELSE replace(other.qualifier, '_', ' ') || ' ' END,
                    CASE
                        WHEN other.qualifier = 'range'
                            THEN concat(plain_number(other.value_low), '-', plain_number(other.value_high))
                        ELSE plain_number(other.value)
                    END,
                    CASE WHEN other.rate_per IS NOT NULL THEN concat(' per ', other.rate_per) ELSE '' END,
                    ' (', other.source_publisher, ': ', other.source_title, '; ', other.observation_id, ')'
                )
            ),
            '; '
        ),
        ''
    ) AS conflict,
    coalesce(conflict_primary_id, '') AS conflict_primary,
    coalesce(conflict_reason, '') AS conflict_reason,
    observation_id,
    -- Filter and sort keys for the Data page, so its query scans the observations once.
    city_id AS _city_id,
    period_end_date AS _period_end_date,
    strip_accents(concat_ws(
        chr(10), city, country, region, facility, place, metric_id, metric, counted_as,
        source_title, source_publisher, quote
    )) AS _search_text
FROM observation_details;
