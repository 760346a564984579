-- Every observation with the names of its place, metric and source, and the other figures of the recorded
-- conflict it belongs to: the rows nearly every page reads (`queries.Observation`).
-- `sdcf-metrics build` writes this as the `observation_details` extract (pipeline/derive.py), so a page
-- reads it without a join; a store holding a visitor's upload defines it as a view with this same SELECT,
-- so uploaded rows are joined exactly as published ones were.
-- `status` is `ok`, or `suppressed_small` / `suppressed_secondary` for a figure withheld by disclosure
-- control (its value is NULL): see `disclosure.py`.
-- `conflicting_figures`: the other figures of each recorded conflict (sources that disagree), for every
-- figure in one: what each says and who says it. `conflict_id` is set by the build from conflicts.csv.
WITH conflicting_figures AS (
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
    GROUP BY mine.observation_id
)
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
LEFT JOIN conflicting_figures AS cf ON cf.observation_id = o.observation_id
