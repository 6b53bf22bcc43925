-- expect: MC208
-- squawk: none
-- The SQL Django's sqlmigrate prints for a new field with a default: the DROP DEFAULT makes every
-- INSERT of the release still running (which does not know the field) fail.
BEGIN;
SET LOCAL lock_timeout = '2s';
--
-- Add field is_archived to project
--
ALTER TABLE "core_project" ADD COLUMN "is_archived" boolean DEFAULT false NOT NULL;
ALTER TABLE "core_project" ALTER COLUMN "is_archived" DROP DEFAULT;
COMMIT;
