-- expect: MC109
-- squawk: changing-column-type
SET lock_timeout = '2s';
ALTER TABLE metrics ALTER COLUMN recorded_at SET DATA TYPE timestamptz USING recorded_at AT TIME ZONE 'UTC';
