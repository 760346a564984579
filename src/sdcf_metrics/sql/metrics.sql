-- The metric catalogue.
SELECT * FROM metrics ORDER BY metric_id;
