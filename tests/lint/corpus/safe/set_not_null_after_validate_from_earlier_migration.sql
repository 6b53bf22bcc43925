-- The CHECK (email IS NOT NULL) NOT VALID was added by the previous migration.
BEGIN;
ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;
COMMIT;
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_email_not_null;
COMMIT;
