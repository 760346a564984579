-- Views the named queries share. Run once per connection, before the configuration is locked, over the
-- `observation_details` rows the build derived (observation_details.sql).

-- A number as a file writes it: 28, not 28.0; 12.5 stays 12.5.
CREATE MACRO plain_number(v) AS
    CASE WHEN v = round(v) THEN CAST(CAST(v AS BIGINT) AS VARCHAR) ELSE CAST(v AS VARCHAR) END;

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

-- The dataset's rows narrowed by the Data page's search box and filters: one definition for the rows a
-- page shows (observation_table.sql) and for how many there are (observation_count.sql).
-- search: text (LIKE wildcards already escaped with a backslash) that must occur, ignoring case and
--   accents, in the place, metric, wording, source or quote; '' for all.
-- city_ids / countries / metric_ids / period_kinds / scopes: lists to keep, or NULL for all.
CREATE MACRO chosen_dataset_rows(search, city_ids, countries, metric_ids, period_kinds, scopes) AS TABLE
SELECT *
FROM dataset_filter_rows
WHERE (city_ids IS NULL OR list_contains(city_ids, _city_id))
  AND (countries IS NULL OR list_contains(countries, country))
  AND (metric_ids IS NULL OR list_contains(metric_ids, metric))
  AND (period_kinds IS NULL OR list_contains(period_kinds, period_kind))
  AND (scopes IS NULL OR list_contains(scopes, scope))
  AND (search = '' OR _search_text ILIKE '%' || strip_accents(search) || '%' ESCAPE '\');
