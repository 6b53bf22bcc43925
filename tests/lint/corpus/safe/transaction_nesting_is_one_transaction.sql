-- PostgreSQL ignores the inner BEGIN (a warning): one transaction, committed at the first
-- COMMIT; the second COMMIT only warns.
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN region text;
BEGIN;
ALTER TABLE accounts ADD COLUMN country text;
COMMIT;
COMMIT;
