-- expect: MC403
-- squawk: ban-uncommitted-transaction
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN region text;
