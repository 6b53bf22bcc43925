-- expect: MC109
SET lock_timeout = '2s';
ALTER TABLE metrics ALTER COLUMN id TYPE bigint;
