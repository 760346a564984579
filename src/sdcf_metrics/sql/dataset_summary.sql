-- How much the published dataset holds: one row of counts and the years its figures cover.
SELECT
    (SELECT count(*) FROM cities WHERE in_europe) AS european_cities,
    (SELECT count(DISTINCT country) FROM cities WHERE in_europe) AS european_countries,
    (SELECT count(*) FROM cities WHERE NOT in_europe) AS reference_cities,
    (SELECT count(*) FROM facilities) AS facilities,
    (SELECT count(*) FROM observations) AS observations,
    (SELECT count(*) FROM sources) AS sources,
    (SELECT min(year(period_end_date)) FROM observations) AS first_year,
    (SELECT max(year(period_end_date)) FROM observations) AS last_year;
