-- expect: MC105
-- squawk: adding-not-nullable-field
SET lock_timeout = '2s';
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
