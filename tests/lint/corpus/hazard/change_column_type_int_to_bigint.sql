-- expect: MC109
-- squawk: changing-column-type
SET lock_timeout = '2s';
ALTER TABLE metrics ALTER COLUMN id TYPE bigint;
