-- expect: MC402
-- squawk: prefer-robust-stmts
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN billing_email text;
CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_billing_email_idx ON accounts (billing_email);
