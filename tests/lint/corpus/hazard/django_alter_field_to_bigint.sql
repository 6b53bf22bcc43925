-- expect: MC109
BEGIN;
SET LOCAL lock_timeout = '2s';
--
-- Alter field views on article
--
ALTER TABLE "blog_article" ALTER COLUMN "views" TYPE bigint USING "views"::bigint;
COMMIT;
