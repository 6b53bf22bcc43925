-- expect: MC109
-- squawk: changing-column-type
BEGIN;
SET LOCAL lock_timeout = '2s';
--
-- Alter field views on article
--
ALTER TABLE "blog_article" ALTER COLUMN "views" TYPE bigint USING "views"::bigint;
COMMIT;
