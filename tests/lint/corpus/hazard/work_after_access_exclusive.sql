-- expect: MC112
-- squawk: none
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN tier text;
UPDATE accounts SET tier = 'basic' WHERE tier IS NULL;
COMMIT;
