-- expect: MC106
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN api_token uuid DEFAULT gen_random_uuid();
