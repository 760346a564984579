-- Data text in the other languages the dashboard speaks (metric names and definitions, event labels).
SELECT table_name, row_id, column_name, language, english, text
FROM translations
ORDER BY table_name, row_id, column_name, language;
