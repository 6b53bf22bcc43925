-- expect: MC204
SET lock_timeout = '2s';
ALTER TABLE webhooks ADD COLUMN payload json;
