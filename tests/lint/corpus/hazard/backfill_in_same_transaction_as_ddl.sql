-- expect: MC112
-- squawk: none
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN plan text NOT NULL DEFAULT 'free';
UPDATE accounts SET plan = 'pro' WHERE id IN (SELECT account_id FROM subscriptions);
COMMIT;
