-- Django 5's db_default keeps the default in the database: no rewrite (PostgreSQL 11+), and the
-- release still running keeps inserting rows without the field.
BEGIN;
SET LOCAL lock_timeout = '2s';
--
-- Add field is_archived to project
--
ALTER TABLE "core_project" ADD COLUMN "is_archived" boolean DEFAULT false NOT NULL;
COMMIT;
