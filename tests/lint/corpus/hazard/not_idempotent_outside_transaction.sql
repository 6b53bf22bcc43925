-- expect: MC402
-- squawk: prefer-robust-stmts
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN billing_email text;
COMMIT;
CREATE INDEX CONCURRENTLY accounts_billing_email_idx ON accounts (billing_email);
