-- expect: MC106
-- squawk: adding-field-with-default
-- pg-version: 10
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN plan text DEFAULT 'free';
