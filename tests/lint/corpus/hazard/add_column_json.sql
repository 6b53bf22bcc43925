-- expect: MC204
-- squawk: none
SET lock_timeout = '2s';
ALTER TABLE webhooks ADD COLUMN payload json;
