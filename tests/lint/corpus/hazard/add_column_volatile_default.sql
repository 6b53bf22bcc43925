-- expect: MC106
-- squawk: adding-field-with-default
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN api_token uuid DEFAULT gen_random_uuid();
