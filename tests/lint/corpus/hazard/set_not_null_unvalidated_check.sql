-- expect: MC105
-- squawk: adding-not-nullable-field
SET lock_timeout = '2s';
ALTER TABLE users ADD CONSTRAINT users_phone_not_null CHECK (phone IS NOT NULL) NOT VALID;
ALTER TABLE users ALTER COLUMN phone SET NOT NULL;
