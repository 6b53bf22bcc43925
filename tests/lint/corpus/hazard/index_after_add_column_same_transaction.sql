-- expect: MC101 MC112
-- squawk: require-concurrent-index-creation
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN referrer_id bigint;
CREATE INDEX accounts_referrer_idx ON accounts (referrer_id);
COMMIT;
