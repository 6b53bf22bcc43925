-- expect: MC403
-- squawk: transaction-nesting
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN region text;
BEGIN;
ALTER TABLE accounts ADD COLUMN country text;
COMMIT;
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS city text;
COMMIT;
